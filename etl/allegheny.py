"""Allegheny County (Pennsylvania) Medical Examiner: fatal accidental overdoses, 2007 – April 2024,
one row per death.

Why it matters: the only source here that names which benzodiazepine was found in each death
(up to ten drugs per death, `combined_od1` ... `combined_od10`), so the dashboard can tell
clonazepam from alprazolam from bromazolam, and the most recent record-level data (2023
complete). Definition `county_me_accidental`: deaths the county's examiner ruled accidental
overdoses. One county; not comparable one-to-one with CDC WONDER (residents, all intents,
ICD-10 codes).

Harmonisation (documented choices):
- `year` is the year of `death_date_and_time`, as Connecticut and NCHS count deaths; the
  publisher's `case_year` is kept beside it. They differ for 2 deaths in the first hour of
  1 January (2021-01-01 00:55 in case year 2020, 2022-01-01 05:59 in case year 2021).
- Privacy: ZIP codes (`incident_zip`; `decedent_zip` is blank) and the time of death are not
  kept; the date is kept as year and month (no count here needs the day).
- `manner_of_death` (Accident) and `case_dispo` (MO) are the publisher's filter, the same in
  every row: checked, not kept.
- `race`: the publisher's one-letter codes as labels (W White, B Black, H Hispanic, A Asian,
  I American Indian, O Other, M Multiracial, U or blank Unknown). Hispanic is one of the codes,
  so "White" is not "Non-Hispanic White"; the code list is the publisher's (confirm online).
- Drugs: each name is matched exactly (normalised) against etl/benzodiazepines.csv; a drug named
  twice in one death (5 records) counts once. A name that looks like a benzodiazepine but is not
  in the list is a parse warning (review it and add it).
- Fentanyl co-involvement: any name containing "fentanyl" or "fentanil" (fentanyl, its
  analogues such as carfentanil or para-fluorofentanyl, the metabolite norfentanyl, the
  precursor despropionyl fentanyl / 4-ANPP, and the anaesthetic remifentanil), or "4-ANPP"
  alone. Not fentanyl: U-47700, U-48800, nitazenes (other synthetic opioids).
- The latest year is partial (deaths through 5 April 2024 in this vintage): flagged in every
  table (etl.benzodiazepines.latest_partial_year).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from etl import benzodiazepines as benzos
from etl.csvfile import read_rows
from etl.ct_ocme import AGE_GROUPS, MAX_AGE, age_groups
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.vintages import EditionCheck

RESOURCE_ID = "1c59b26a-1684-4bfb-92f7-205b947530cf"
FILE_NAME = f"{RESOURCE_ID}.csv"
SOURCE_ID = "allegheny_me"
DEFINITION = "county_me_accidental"
GEO = {"geo_level": "county", "geo_fips": "42003", "geo_name": "Allegheny County, PA"}

# Raw columns the parser reads; ZIP codes are not read at all. Looked up by name.
COLUMNS: dict[str, str] = {
    "_id": "record_id",                      # CKAN row id (integer, unique)
    "death_date_and_time": "death",          # YYYY-MM-DDTHH:MM:SS; kept as year and month
    "manner_of_death": "manner",             # "Accident" in every row
    "age": "age",                            # whole years
    "sex": "sex",                            # M | F
    "race": "race",                          # one-letter code, see RACES
    "case_dispo": "case_dispo",              # "MO" in every row
    "case_year": "case_year",                # the publisher's year of the case
}
DRUG_COLUMNS: tuple[str, ...] = tuple(f"combined_od{i}" for i in range(1, 11))
MANNER = "Accident"
CASE_DISPO = "MO"
SEXES = {"M": "male", "F": "female", "U": "unknown", "": "unknown"}
RACES = {"W": "White", "B": "Black", "H": "Hispanic", "A": "Asian", "I": "American Indian",
         "O": "Other", "M": "Multiracial", "U": "Unknown", "": "Unknown"}
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
FIRST_YEAR, LAST_YEAR = 2007, 2030
FENTANYL_MARKERS = ("fentanyl", "fentanil")
FENTANYL_NAMES = frozenset({"4-anpp"})
"""Fentanyl names without either marker in them."""

# Published check values for this vintage (PROVENANCE.md), by the publisher's case_year.
RECORDS_PER_CASE_YEAR = {2007: 223, 2008: 231, 2009: 219, 2010: 222, 2011: 259, 2012: 286,
                         2013: 269, 2014: 306, 2015: 422, 2016: 643, 2017: 735, 2018: 427,
                         2019: 492, 2020: 544, 2021: 581, 2022: 580, 2023: 525, 2024: 59}
DISTINCT_DRUG_NAMES = 176


class AlleghenyDeathSchema(pa.DataFrameModel):
    """One row per accidental overdose death (no ZIP code, no time of day)."""

    record_id: int = pa.Field(ge=1, unique=True)
    year: int = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    month: int = pa.Field(ge=1, le=12)
    case_year: int = pa.Field(ge=FIRST_YEAR - 1, le=LAST_YEAR)
    partial_year: bool
    age: pd.Int64Dtype = pa.Field(ge=0, le=MAX_AGE, nullable=True)
    age_group: str = pa.Field(isin=list(AGE_GROUPS))
    sex: str = pa.Field(isin=sorted(set(SEXES.values())))
    race: str = pa.Field(isin=sorted(set(RACES.values())))
    n_drugs: int = pa.Field(ge=1, le=len(DRUG_COLUMNS))
    benzodiazepine: bool
    prescription_benzodiazepine: bool
    designer_benzodiazepine: bool
    fentanyl: bool
    source_id: str = pa.Field(isin=[SOURCE_ID])
    definition: str = pa.Field(isin=[DEFINITION])

    class Config:
        strict = True
        coerce = True
        ordered = True

    @pa.dataframe_check(error="case_year must be the year of death or the year before")
    def case_year_near_year(cls, df: pd.DataFrame) -> pd.Series:
        return (df["year"] - df["case_year"]).isin([0, 1])

    @pa.dataframe_check(error="a prescription or designer benzodiazepine implies benzodiazepine")
    def classes_imply_any(cls, df: pd.DataFrame) -> pd.Series:
        return df["benzodiazepine"] | ~(df["prescription_benzodiazepine"]
                                        | df["designer_benzodiazepine"])

    @pa.dataframe_check(error="age_group must be the bin of age ('unknown' when age is blank)")
    def age_group_matches_age(cls, df: pd.DataFrame) -> pd.Series:
        return age_groups(df["age"]) == df["age_group"]


class AlleghenyDrugSchema(pa.DataFrameModel):
    """One row per drug named in a death (each drug once per death)."""

    record_id: int = pa.Field(ge=1)
    year: int = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    drug: str = pa.Field(str_length={"min_value": 1})
    benzodiazepine: str
    """The list's name ('' when the drug is not a benzodiazepine)."""
    counted_as: str
    """The drug it is counted under: the parent of a metabolite, else itself ('' when none)."""
    benzodiazepine_class: str = pa.Field(isin=["", *benzos.BENZODIAZEPINE_CLASSES])
    fentanyl: bool
    source_id: str = pa.Field(isin=[SOURCE_ID])
    definition: str = pa.Field(isin=[DEFINITION])

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["record_id", "drug"]

    @pa.dataframe_check(error="a benzodiazepine has a class and a counted-as drug; others none")
    def class_iff_benzodiazepine(cls, df: pd.DataFrame) -> pd.Series:
        named = df["benzodiazepine"] != ""
        return (named == (df["benzodiazepine_class"] != "")) & (named == (df["counted_as"] != ""))


DEATH_COLUMNS: list[str] = list(AlleghenyDeathSchema.to_schema().columns)
DRUG_TABLE_COLUMNS: list[str] = list(AlleghenyDrugSchema.to_schema().columns)

SOURCE = Source(
    id=SOURCE_ID,
    title="Allegheny County Fatal Accidental Overdoses (Pennsylvania, one row per death)",
    publisher="Allegheny County Office of the Medical Examiner, on the Western Pennsylvania "
              "Regional Data Center (WPRDC)",
    landing_url="https://data.wprdc.org/dataset/allegheny-county-fatal-accidental-overdoses",
    raw_folder="allegheny_county_fatal_accidental_overdoses",
    files=(
        RawFile(
            name=FILE_NAME,
            url=f"https://data.wprdc.org/datastore/dump/{RESOURCE_ID}",
            sha256="239331589930e21591d74d74c1441db7179faa65159cf1a8cc0a2fd23fd3ce05",
            ckan_resource_id=RESOURCE_ID,
        ),
    ),
    tables=(
        TableSpec(
            name="allegheny_deaths",
            title="Allegheny County accidental overdose deaths, 2007–2024 (one row per death)",
            description="Record-level medical-examiner data without ZIP codes or time of death: "
                        "year and month of death, the publisher's case year, age group, sex, "
                        "race code, number of drugs named, and whether a benzodiazepine "
                        "(prescription, designer) or fentanyl was named. The latest year is "
                        "partial (partial_year).",
            schema=AlleghenyDeathSchema,
        ),
        TableSpec(
            name="allegheny_drugs",
            title="Drugs named in Allegheny County accidental overdose deaths (one row per "
                  "drug per death)",
            description="Every drug the examiner named, once per death, with the benzodiazepine "
                        "it is (etl/benzodiazepines.csv), the drug it is counted as, its class, "
                        "and whether it is fentanyl or an analogue.",
            schema=AlleghenyDrugSchema,
        ),
        TableSpec(
            name="allegheny_named_benzodiazepines",
            title="Allegheny County: deaths by named benzodiazepine, year and fentanyl "
                  "co-involvement",
            description="Counts of accidental overdose deaths naming each benzodiazepine "
                        "(metabolites counted as their parent where only one drug makes them), "
                        "any benzodiazepine, prescription vs designer, all / with / without "
                        "fentanyl; counts of 1–9 suppressed, with complementary suppression. "
                        "The latest year is partial (partial_period).",
            schema=benzos.NamedBenzodiazepineSchema,
        ),
    ),
    coverage="Allegheny County, PA; deaths dated 2007-01-05 to 2024-04-05 (7,023 records; "
             "2024 partial)",
    definitions=(DEFINITION,),
    citation="Allegheny County Office of the Medical Examiner. Allegheny County Fatal Accidental "
             "Overdoses. Western Pennsylvania Regional Data Center, resource "
             f"{RESOURCE_ID}.",
    license="WPRDC open data (licence stated on the dataset page; not verified offline)",
    vintage="portal snapshot committed 2024-06-04 (deaths through 5 April 2024)",
    retrieved="2026-12-02",
    caveats=(
        "One county's medical-examiner records, not national figures: accidental overdoses "
        "only, deaths in the county; drugs as named by the examiner, not ICD-10 codes.",
        "2024 holds only 1 January – 5 April (59 deaths): a partial year, flagged in every "
        "table; do not compare it with full years.",
        "A metabolite made by several drugs (nordiazepam, desalkylflurazepam) or the generic "
        "'Benzodiazepines' counts as 'a benzodiazepine' but not as a named drug; oxazepam and "
        "temazepam count under their own names although they can be metabolites of diazepam.",
        "'Prescription' means a drug the FDA has approved, not that the decedent had a "
        "prescription; 'designer' means not approved in the US (etizolam, a thienodiazepine, "
        "is counted with them).",
        "year is the year of death; the publisher's case_year differs for 2 deaths just after "
        "midnight on 1 January.",
        "ZIP codes and the time of death are not published by this dashboard.",
        "Small counts: yearly counts of 1–9 are suppressed, with complementary suppression.",
        "The portal adds rows as cases close: a new download has more deaths (2024 onward) and "
        "may revise recent ones.",
    ),
)


def is_fentanyl(name: str) -> bool:
    """Fentanyl, an analogue, its metabolite or precursor (see the module docstring)."""
    folded = benzos.normalise_name(name)
    return folded in FENTANYL_NAMES or any(m in folded for m in FENTANYL_MARKERS)


def _fail_at(path: Path, frame: pd.DataFrame, bad: pd.Series, column: str, problem: str,
             expected: str) -> None:
    """Raise for the first record where `bad` holds, naming its line and value."""
    if bad.any():
        first = frame.index[bad.to_numpy()][0]
        raise SourceFormatError(path, problem, line=int(frame.at[first, "line"]), column=column,
                                expected=expected, found=repr(frame.at[first, column]))


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SourceFormatError(path, "raw file missing", expected=f"the CKAN dump of {RESOURCE_ID}")
    if path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SourceFormatError(path, "file is UTF-16 (byte-order mark)", line=1,
                                expected="UTF-8 text", found="UTF-16")
    rows = read_rows(path, [*COLUMNS, *DRUG_COLUMNS])
    frame = pd.DataFrame([fields for _, fields in rows], dtype=object)
    frame = frame[[*COLUMNS, *DRUG_COLUMNS]].apply(lambda c: c.str.strip())
    frame["line"] = [line for line, _ in rows]
    return frame.reset_index(drop=True)


def _check_duplicates(path: Path, frame: pd.DataFrame) -> None:
    """The same _id twice, or the same death twice under two ids (a re-export)."""
    for subset, what in ((["_id"], "_id repeated"),
                         ([c for c in [*COLUMNS, *DRUG_COLUMNS] if c != "_id"],
                          "record repeated")):
        repeated = frame[frame.duplicated(subset=subset, keep=False)]
        if not repeated.empty:
            first = repeated.iloc[0]
            twin = repeated[(repeated[subset] == first[subset]).all(axis=1)]["line"].tolist()
            raise SourceFormatError(path, f"{what} on lines {twin[0]} and {twin[1]}",
                                    line=twin[1], expected="each death once",
                                    found="a duplicate row")


def _integers(path: Path, frame: pd.DataFrame, column: str, low: int, high: int,
              blank_ok: bool = False) -> pd.Series:
    raw = frame[column]
    pattern = raw.str.fullmatch(r"\d{1,9}") | ((raw == "") if blank_ok else False)
    _fail_at(path, frame, ~pattern, column, "not a whole number",
             "digits" + (" or blank" if blank_ok else ""))
    values = pd.to_numeric(raw.replace("", None), errors="coerce").astype("Int64")
    _fail_at(path, frame, ((values < low) | (values > high)).fillna(False), column,
             "value out of range", f"{low}–{high}")
    return values


def _dates(path: Path, frame: pd.DataFrame) -> pd.Series:
    dates = pd.to_datetime(frame["death_date_and_time"], format=DATE_FORMAT, errors="coerce")
    _fail_at(path, frame, dates.isna(), "death_date_and_time", "date cannot be read",
             "YYYY-MM-DDTHH:MM:SS")
    years = dates.dt.year
    _fail_at(path, frame, (years < FIRST_YEAR) | (years > LAST_YEAR), "death_date_and_time",
             "year out of range", f"{FIRST_YEAR}–{LAST_YEAR}")
    return dates


def _mapped(path: Path, frame: pd.DataFrame, column: str, mapping: dict[str, str]) -> pd.Series:
    _fail_at(path, frame, ~frame[column].isin(list(mapping)), column,
             "unknown code (add it to etl/allegheny.py)", ", ".join(map(repr, mapping)))
    return frame[column].map(mapping).astype(str)


def _named_drugs(frame: pd.DataFrame, years: pd.Series, registry: benzos.Registry
                 ) -> tuple[pd.DataFrame, list[str]]:
    """One row per distinct drug per death, in the order first named; warnings for names
    that look like a benzodiazepine but are not in the list."""
    long = frame[["_id", *DRUG_COLUMNS]].assign(year=years.to_numpy()).melt(
        id_vars=["_id", "year"], value_vars=list(DRUG_COLUMNS), var_name="position",
        value_name="drug")
    long["position"] = long["position"].str.removeprefix("combined_od").astype(int)
    long = long[long["drug"] != ""].sort_values(["_id", "position"], kind="stable")
    repeated = long.duplicated(["_id", "drug"])
    repeated_in = long.loc[repeated, "_id"].nunique()
    long = long[~repeated]
    entries = {name: registry.lookup(name) for name in long["drug"].unique()}
    benzodiazepine = long["drug"].map(
        lambda n: entries[n].name if entries[n] and entries[n].is_benzodiazepine else "")
    counted = benzodiazepine.map(lambda n: registry.counted_as(registry.entries[n]).name
                                 if n else "")
    drugs = pd.DataFrame({
        "record_id": long["_id"].astype(int).to_numpy(), "year": long["year"].to_numpy(),
        "drug": long["drug"].to_numpy(), "benzodiazepine": benzodiazepine.to_numpy(),
        "counted_as": counted.to_numpy(),
        "benzodiazepine_class": benzodiazepine.map(
            lambda n: registry.entries[n].drug_class if n else "").to_numpy(),
        "fentanyl": long["drug"].map(is_fentanyl).to_numpy(),
        "source_id": SOURCE_ID, "definition": DEFINITION,
    })[DRUG_TABLE_COLUMNS]
    warnings = []
    if repeated_in:
        warnings.append(f"{repeated_in} death(s) name the same drug twice; counted once")
    unknown = sorted(n for n, e in entries.items()
                     if e is None and benzos.looks_like_benzodiazepine(n))
    if unknown:
        warnings.append("names that look like a benzodiazepine but are not in "
                        f"etl/benzodiazepines.csv (not counted; review and add): "
                        f"{', '.join(unknown)}")
    return drugs.reset_index(drop=True), warnings


def parse(folder: Path) -> ParseResult:
    """Read every death, keep what the dashboard may publish, name the benzodiazepines."""
    # Load
    path = Path(folder) / FILE_NAME
    frame = _read(path)
    _check_duplicates(path, frame)
    registry = benzos.load_registry()

    # Process
    record_ids = _integers(path, frame, "_id", 1, 10**9)
    dates = _dates(path, frame)
    case_years = _integers(path, frame, "case_year", FIRST_YEAR - 1, LAST_YEAR)
    _fail_at(path, frame, ~(dates.dt.year - case_years).isin([0, 1]), "case_year",
             "case year far from the year of death", "the year of death or the year before")
    ages = _integers(path, frame, "age", 0, MAX_AGE, blank_ok=True)
    _fail_at(path, frame, frame["manner_of_death"] != MANNER, "manner_of_death",
             "not an accidental death (the dataset's definition)", repr(MANNER))
    warnings = []
    odd_dispo = frame.loc[frame["case_dispo"] != CASE_DISPO, "case_dispo"].value_counts()
    if not odd_dispo.empty:
        warnings.append("case_dispo other than 'MO' (kept): "
                        + ", ".join(f"{v!r} ×{n}" for v, n in odd_dispo.items()))
    _fail_at(path, frame, (frame[list(DRUG_COLUMNS)] == "").all(axis=1), "combined_od1",
             "death names no drug", "at least one drug name")
    years = dates.dt.year.astype("int64")
    drugs, drug_warnings = _named_drugs(frame, years, registry)
    warnings += drug_warnings
    differing = int((years != case_years).sum())
    if differing:
        warnings.append(f"{differing} death(s) dated in the year after their case_year "
                        "(year = year of death)")
    partial = benzos.latest_partial_year(dates)
    benzo_rows = drugs[drugs["benzodiazepine"] != ""]
    counted = benzos.counted_drugs(benzo_rows, registry)
    deaths = pd.DataFrame({
        "record_id": record_ids.astype("int64"),
        "year": years,
        "month": dates.dt.month.astype("int64"),
        "case_year": case_years.astype("int64"),
        "partial_year": years == (partial[0] if partial else -1),
        "age": ages,
        "age_group": age_groups(ages),
        "sex": _mapped(path, frame, "sex", SEXES),
        "race": _mapped(path, frame, "race", RACES),
        "n_drugs": record_ids.map(drugs.groupby("record_id").size()).astype("int64"),
        "fentanyl": record_ids.isin(drugs.loc[drugs["fentanyl"], "record_id"]).astype(bool),
        "source_id": SOURCE_ID,
        "definition": DEFINITION,
    })
    deaths = pd.concat([deaths, benzos.death_classes(deaths, counted, registry)],
                       axis=1)[DEATH_COLUMNS]
    named = benzos.named_counts(
        deaths, counted, source_id=SOURCE_ID, source_file=FILE_NAME, definition=DEFINITION,
        partial=partial, registry=registry, **GEO)

    # Save (the build validates and writes)
    return ParseResult(tables={"allegheny_deaths": deaths, "allegheny_drugs": drugs,
                               "allegheny_named_benzodiazepines": named},
                       rows_in=len(frame), warnings=warnings)


def _edition_counts(tables: dict[str, pd.DataFrame]) -> list[str]:
    deaths, drugs = tables["allegheny_deaths"], tables["allegheny_drugs"]
    failures = []
    per_case_year = {int(k): int(v) for k, v in deaths.groupby("case_year").size().items()}
    if per_case_year != RECORDS_PER_CASE_YEAR:
        failures.append(f"records per case_year: expected {RECORDS_PER_CASE_YEAR}, "
                        f"found {per_case_year}")
    names = drugs["drug"].nunique()
    if names != DISTINCT_DRUG_NAMES:
        failures.append(f"distinct drug names: expected {DISTINCT_DRUG_NAMES}, found {names}")
    return failures


# A portal re-export holds more deaths (2024 onward) and revises recent ones: these counts hold
# for the tested copy only; any other copy is held to the checks of every vintage.
EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "copy of 4 June 2024: records per case_year (2007 223 … 2024 59) "
                 "and 176 distinct drug names (PROVENANCE.md)", _edition_counts),
)
