"""One registry for the ids every table and page share: drug groups, case definitions, places.

A drug group has one id everywhere (ETL, schemas, charts, URLs), with its ICD-10 codes and label
defined here once. Pages and chart builders read labels and colours from here, never retype them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DrugGroup:
    id: str
    label: str
    icd10: str
    """ICD-10 multiple-cause codes that identify the drug, as the publishers state them."""


OVERDOSE_UCD_CODES = "X40–X44, X60–X64, X85, Y10–Y14"

DRUG_GROUPS: dict[str, DrugGroup] = {
    g.id: g
    for g in [
        DrugGroup("all_drugs", "All drug overdoses", OVERDOSE_UCD_CODES),
        DrugGroup("benzodiazepines", "Benzodiazepines", "T42.4"),
        DrugGroup("benzodiazepines_with_any_opioid", "Benzodiazepines with any opioid",
                  "T42.4 and T40.0–T40.4, T40.6"),
        DrugGroup("benzodiazepines_without_any_opioid", "Benzodiazepines without any opioid",
                  "T42.4, not T40.0–T40.4, T40.6"),
        DrugGroup("benzodiazepines_with_synthetic_opioids",
                  "Benzodiazepines with synthetic opioids (mostly fentanyl)", "T42.4 and T40.4"),
        DrugGroup("benzodiazepines_without_synthetic_opioids",
                  "Benzodiazepines without synthetic opioids", "T42.4, not T40.4"),
        DrugGroup("illegal_benzodiazepines", "Illegal (designer) benzodiazepines",
                  "toxicology (SUDORS); no ICD-10 code"),
        DrugGroup("prescription_benzodiazepines", "Prescription benzodiazepines",
                  "named in examiners' records; no ICD-10 code"),
        DrugGroup("bromazolam", "Bromazolam", "toxicology (SUDORS)"),
        DrugGroup("etizolam", "Etizolam", "toxicology (SUDORS)"),
        DrugGroup("flualprazolam", "Flualprazolam", "toxicology (SUDORS)"),
        DrugGroup("any_opioid", "Any opioid", "T40.0–T40.4, T40.6"),
        DrugGroup("rx_opioids", "Prescription opioids", "T40.2–T40.3"),
        DrugGroup("natural_semisynthetic_opioids", "Natural and semisynthetic opioids", "T40.2"),
        DrugGroup("methadone", "Methadone", "T40.3"),
        DrugGroup("natural_semisynthetic_synthetic_opioids_incl_methadone",
                  "Natural, semisynthetic and synthetic opioids incl. methadone", "T40.2–T40.4"),
        DrugGroup("natural_semisynthetic_opioids_incl_methadone",
                  "Natural and semisynthetic opioids incl. methadone", "T40.2, T40.3"),
        DrugGroup("synthetic_opioids", "Synthetic opioids other than methadone (mostly fentanyl)",
                  "T40.4"),
        DrugGroup("heroin", "Heroin", "T40.1"),
        DrugGroup("imfs", "Illegally made fentanyls", "SUDORS classification; no ICD-10 code"),
        DrugGroup("stimulants", "Stimulants", "T40.5, T43.6"),
        DrugGroup("cocaine", "Cocaine", "T40.5"),
        DrugGroup("psychostimulants", "Psychostimulants (mostly methamphetamine)", "T43.6"),
        DrugGroup("antidepressants", "Antidepressants", "T43.0–T43.2"),
        DrugGroup("other_opioids_with_synthetic_opioids", "Other opioids with synthetic opioids (NIDA 'select opioids')", "T40.0–T40.3, T40.6 and T40.4"),
        DrugGroup("rx_opioids_with_synthetic_opioids", "Prescription opioids with synthetic opioids", "T40.2–T40.3 and T40.4"),
        DrugGroup("rx_opioids_without_synthetic_opioids", "Prescription opioids without synthetic opioids", "T40.2–T40.3, not T40.4"),
        DrugGroup("heroin_with_synthetic_opioids", "Heroin with synthetic opioids", "T40.1 and T40.4"),
        DrugGroup("heroin_without_synthetic_opioids", "Heroin without synthetic opioids", "T40.1, not T40.4"),
        DrugGroup("stimulants_with_any_opioid", "Stimulants with any opioid", "T40.5, T43.6 and T40.0–T40.4, T40.6"),
        DrugGroup("stimulants_without_any_opioid", "Stimulants without any opioid", "T40.5, T43.6, not T40.0–T40.4, T40.6"),
        DrugGroup("stimulants_with_synthetic_opioids", "Stimulants with synthetic opioids", "T40.5, T43.6 and T40.4"),
        DrugGroup("stimulants_without_synthetic_opioids", "Stimulants without synthetic opioids", "T40.5, T43.6, not T40.4"),
        DrugGroup("cocaine_with_any_opioid", "Cocaine with any opioid", "T40.5 and T40.0–T40.4, T40.6"),
        DrugGroup("cocaine_without_any_opioid", "Cocaine without any opioid", "T40.5, not T40.0–T40.4, T40.6"),
        DrugGroup("cocaine_with_synthetic_opioids", "Cocaine with synthetic opioids", "T40.5 and T40.4"),
        DrugGroup("cocaine_without_synthetic_opioids", "Cocaine without synthetic opioids", "T40.5, not T40.4"),
        DrugGroup("psychostimulants_with_any_opioid", "Psychostimulants with any opioid", "T43.6 and T40.0–T40.4, T40.6"),
        DrugGroup("psychostimulants_without_any_opioid", "Psychostimulants without any opioid", "T43.6, not T40.0–T40.4, T40.6"),
        DrugGroup("psychostimulants_with_synthetic_opioids", "Psychostimulants with synthetic opioids", "T43.6 and T40.4"),
        DrugGroup("psychostimulants_without_synthetic_opioids", "Psychostimulants without synthetic opioids", "T43.6, not T40.4"),
        DrugGroup("antidepressants_with_any_opioid", "Antidepressants with any opioid", "T43.0–T43.2 and T40.0–T40.4, T40.6"),
        DrugGroup("antidepressants_without_any_opioid", "Antidepressants without any opioid", "T43.0–T43.2, not T40.0–T40.4, T40.6"),
        DrugGroup("antidepressants_with_synthetic_opioids", "Antidepressants with synthetic opioids", "T43.0–T43.2 and T40.4"),
        DrugGroup("antidepressants_without_synthetic_opioids", "Antidepressants without synthetic opioids", "T43.0–T43.2, not T40.4"),
        DrugGroup("nonopioid_sedatives", "Non-opioid sedatives", "SUDORS category"),
        DrugGroup("alcohol", "Alcohol (any alcohol-involved death)",
                  "F10.0, T51.0–T51.9, X45, X65, Y15"),
        DrugGroup("all_causes", "All causes of death", "all ICD-10 codes"),
        DrugGroup("drugs_specified", "Records with drug(s) specified", "—"),
        DrugGroup("not_applicable", "Not drug-specific", "—"),
    ]
}


@dataclass(frozen=True)
class CaseDefinition:
    id: str
    label: str
    description: str


DEFINITIONS: dict[str, CaseDefinition] = {
    d.id: d
    for d in [
        CaseDefinition(
            "ucd_overdose", "Underlying cause (NCHS standard)",
            f"Deaths with an underlying cause of drug poisoning ({OVERDOSE_UCD_CODES}); the drug is "
            "identified from the multiple-cause T-codes. The definition NCHS, NIDA and VSRR publish."),
        CaseDefinition(
            "mcd_overdose", "Multiple cause (CDC WONDER exports here)",
            f"Deaths with a drug-poisoning code ({OVERDOSE_UCD_CODES}) anywhere among the multiple "
            "causes AND the drug's T-code. Runs about 4–7% above the NCHS underlying-cause counts; "
            "never add or compare it with underlying-cause series without saying so."),
        CaseDefinition(
            "mcd_alcohol_any", "Alcohol-involved deaths, any cause (not overdose-restricted)",
            "Multiple cause F10.0, T51.0–T51.9, X45, X65 or Y15: any death involving alcohol, "
            "not only overdoses. Not comparable with the drug-overdose series."),
        CaseDefinition(
            "sudors_unintentional_undetermined", "SUDORS (unintentional or undetermined intent)",
            "Deaths occurring in participating jurisdictions from unintentional or undetermined-"
            "intent overdoses; drug involvement from death certificates, medical examiner or "
            "coroner reports and toxicology. Not comparable with CDC WONDER counts."),
        CaseDefinition(
            "ocme_accidental", "Connecticut OCME accidental drug-related deaths",
            "Accidental drug-related deaths investigated by Connecticut's Office of the Chief "
            "Medical Examiner; drug flags from the OCME investigation. One state only."),
        CaseDefinition(
            "ocme_accidental_named", "Connecticut OCME accidental drug-related deaths, "
            "benzodiazepines named in the cause of death",
            "The deaths of `ocme_accidental`, each benzodiazepine identified by name in the "
            "examiner's cause-of-death and other-significant-conditions text (whole words, "
            "reviewed spellings: etl/benzodiazepines.csv), not by the file's Benzodiazepine "
            "flag. One state only."),
        CaseDefinition(
            "county_me_accidental", "Accidental overdose deaths investigated by a county "
            "medical examiner (Allegheny County, PA)",
            "Deaths the Allegheny County (Pennsylvania) Office of the Medical Examiner ruled "
            "accidental overdoses (deaths in the county, any residence); drugs as the examiner "
            "named them from toxicology and investigation, up to ten per death. One county only; "
            "not comparable one-to-one with death-certificate (ICD-10) counts."),
        CaseDefinition(
            "nonfatal_ed_discharge", "Nonfatal overdose ED visits (DOSE-DIS)",
            "Nonfatal overdose emergency-department visits from hospital discharge data in "
            "participating jurisdictions. Not deaths."),
        CaseDefinition(
            "nonfatal_hosp_discharge", "Nonfatal overdose hospitalizations (DOSE-DIS)",
            "Nonfatal overdose inpatient hospitalizations from hospital discharge data in "
            "participating jurisdictions. Not deaths, and not the same people as ED visits."),
        CaseDefinition(
            "nonfatal_ed_syndromic", "Suspected nonfatal overdose ED visits (DOSE-SYS)",
            "Suspected nonfatal overdoses in emergency-department syndromic surveillance, per "
            "10,000 ED visits, in participating jurisdictions. Not deaths."),
        CaseDefinition(
            "population_estimate", "Resident population estimate",
            "Census Bureau July 1 resident population estimates (denominators)."),
        CaseDefinition(
            "all_cause_mortality", "All deaths",
            "All deaths from any cause (VSRR denominator for completeness)."),
    ]
}


@dataclass(frozen=True)
class State:
    fips: str
    abbr: str
    name: str


STATES: list[State] = [State(*row) for row in [
    ("01", "AL", "Alabama"), ("02", "AK", "Alaska"), ("04", "AZ", "Arizona"),
    ("05", "AR", "Arkansas"), ("06", "CA", "California"), ("08", "CO", "Colorado"),
    ("09", "CT", "Connecticut"), ("10", "DE", "Delaware"), ("11", "DC", "District of Columbia"),
    ("12", "FL", "Florida"), ("13", "GA", "Georgia"), ("15", "HI", "Hawaii"),
    ("16", "ID", "Idaho"), ("17", "IL", "Illinois"), ("18", "IN", "Indiana"),
    ("19", "IA", "Iowa"), ("20", "KS", "Kansas"), ("21", "KY", "Kentucky"),
    ("22", "LA", "Louisiana"), ("23", "ME", "Maine"), ("24", "MD", "Maryland"),
    ("25", "MA", "Massachusetts"), ("26", "MI", "Michigan"), ("27", "MN", "Minnesota"),
    ("28", "MS", "Mississippi"), ("29", "MO", "Missouri"), ("30", "MT", "Montana"),
    ("31", "NE", "Nebraska"), ("32", "NV", "Nevada"), ("33", "NH", "New Hampshire"),
    ("34", "NJ", "New Jersey"), ("35", "NM", "New Mexico"), ("36", "NY", "New York"),
    ("37", "NC", "North Carolina"), ("38", "ND", "North Dakota"), ("39", "OH", "Ohio"),
    ("40", "OK", "Oklahoma"), ("41", "OR", "Oregon"), ("42", "PA", "Pennsylvania"),
    ("44", "RI", "Rhode Island"), ("45", "SC", "South Carolina"), ("46", "SD", "South Dakota"),
    ("47", "TN", "Tennessee"), ("48", "TX", "Texas"), ("49", "UT", "Utah"),
    ("50", "VT", "Vermont"), ("51", "VA", "Virginia"), ("53", "WA", "Washington"),
    ("54", "WV", "West Virginia"), ("55", "WI", "Wisconsin"), ("56", "WY", "Wyoming"),
]]

STATE_BY_NAME = {s.name: s for s in STATES}
STATE_BY_ABBR = {s.abbr: s for s in STATES}
STATE_BY_FIPS = {s.fips: s for s in STATES}

# Geographies that are not one state. "99" is never a national total: it is the set of
# jurisdictions that reported to a surveillance system in that period (SUDORS "Overall",
# DOSE "US"), which changes from year to year.
US_FIPS = "00"
PARTICIPATING_FIPS = "99"
NYC_FIPS = "3651000"  # New York City (place FIPS), reported apart from New York State in VSRR
GEO_LEVELS = ("nation", "state", "city", "participating_jurisdictions")
