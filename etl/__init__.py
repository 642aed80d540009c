"""ETL for the benzodiazepine overdose dashboard: publishers' raw files -> tidy tables in data/."""
