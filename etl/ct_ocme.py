"""Connecticut OCME accidental drug-related deaths, 2012–2022: one row per death.

Why it matters: the only person-level source in the project. Each record carries one flag per
drug found by the Office of the Chief Medical Examiner's investigation, including
benzodiazepines, so the dashboard can show which drugs are found together with benzodiazepines,
and by age, sex and race, for one state. Definition `ocme_accidental`: accidental
(unintentional) drug-related deaths investigated by CT OCME. It is not comparable one-to-one with
CDC WONDER (CT residents, all intents, death-certificate ICD-10 codes): WONDER counts 245
benzodiazepine deaths in Connecticut in 2015, this file flags 221.

Harmonisation (documented choices):
- Drug flags: the publisher writes `Y` or leaves the cell blank (blank = not listed, not
  "unknown"). Any non-blank value counts as listed (`Y (PTCH)`, `Y POPS`, a lower-case `y`, a
  note such as `STOLE MEDS` in the morphine column of a morphine death); odd values are listed
  in the parse warnings.
- `any_opioid` (derived): True when any opioid column is flagged — heroin, heroin_dc, fentanyl,
  fentanyl_analogue, oxycodone, oxymorphone, hydrocodone, methadone, tramadol, hydromorphone,
  morphine_not_heroin, opiate_nos, heroin_morph_codeine, other_opioid — except that an
  `Other Opioid` entry naming only non-opioids (PCP, difluoroethane, ketamine) does not count.
  The published `Any Opioid` is kept as `any_opioid_published` but is blank for all of 2012–2014
  and 2017, so it cannot be charted over time. The derived flag is a lower bound: an opioid
  named only in the free-text `Other` column (mostly buprenorphine, before 2022) is not counted;
  53 records have `Any Opioid` = Y but no opioid column flagged.
- `race_ethnicity`: "Hispanic" when `Ethnicity` names a Hispanic origin (any race); otherwise
  the race: "Non-Hispanic White", "Non-Hispanic Black" (`Black` until 2020, `Black or African
  American` from 2021), "Non-Hispanic Asian" (every Asian label), "Other" (other race, American
  Indian/Alaska Native, Native Hawaiian), "Unknown" (unknown or blank race). `Ethnicity` is only
  filled for Hispanic decedents before 2021, so a blank is read as not Hispanic.
- `date_type` "reported": the death date was unknown and `date` is the date the death was
  reported; `year` is the year of `date` either way.
- Named benzodiazepines (definition `ocme_accidental_named`): read from the `Cause of Death` and
  `Other Significant Conditions` text with the reviewed list and rules of etl/benzodiazepines.py
  (whole words, listed misspellings), not from the `Benzodiazepine` flag. The two disagree: the
  flag is blank for most designer benzodiazepines named in 2022 and is set for some deaths whose
  text names only olanzapine (a thienobenzodiazepine antipsychotic); and until 2013 the text is
  mostly "Multiple Drug Toxicity". A year where 10% or more of the flagged deaths name no
  benzodiazepine carries a note. Fentanyl co-involvement: the `Fentanyl` or `Fentanyl Analogue`
  flag.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from etl import benzodiazepines as benzos
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.vintages import EditionCheck

FILE_NAME = "Accidental_Drug_Related_Deaths_2012-2022.csv"
SOURCE_ID = "ct_ocme"
DEFINITION = "ocme_accidental"
NAMED_DEFINITION = "ocme_accidental_named"
GEO = {"geo_level": "state", "geo_fips": "09", "geo_name": "Connecticut"}

# Raw columns the parser relies on (location, cause and free-text columns are dropped: privacy
# and size). Reordered columns are fine: columns are looked up by name.
COLUMNS: dict[str, str] = {
    "Date": "date",                # MM/DD/YYYY
    "Date Type": "date_type",      # "Date of death" | "Date reported"
    "Age": "age",                  # whole years, 2 blanks
    "Sex": "sex",                  # Male | Female | blank
    "Race": "race",                # labels change in 2021, see RACE_GROUPS
    "Ethnicity": "ethnicity",      # Hispanic origin, sparsely filled
    "Manner of Death": "manner",   # mixed case
    "Any Opioid": "any_opioid_published",  # Y | N | blank (blank in whole years)
}
DRUG_COLUMNS: dict[str, str] = {
    "Heroin": "heroin",
    "Heroin death certificate (DC)": "heroin_dc",
    "Cocaine": "cocaine",
    "Fentanyl": "fentanyl",
    "Fentanyl Analogue": "fentanyl_analogue",
    "Oxycodone": "oxycodone",
    "Oxymorphone": "oxymorphone",
    "Ethanol": "ethanol",
    "Hydrocodone": "hydrocodone",
    "Benzodiazepine": "benzodiazepine",
    "Methadone": "methadone",
    "Meth/Amphetamine": "meth_amphetamine",
    "Amphet": "amphet",
    "Tramad": "tramadol",
    "Hydromorphone": "hydromorphone",
    "Morphine (Not Heroin)": "morphine_not_heroin",
    "Xylazine": "xylazine",
    "Gabapentin": "gabapentin",
    "Opiate NOS": "opiate_nos",
    "Heroin/Morph/Codeine": "heroin_morph_codeine",
    "Other Opioid": "other_opioid",
}
# Free text read only for the benzodiazepines it names (the text itself is not kept).
TEXT_COLUMNS: dict[str, str] = {
    "Cause of Death": "cause_of_death",
    "Other Significant Conditions ": "other_significant_conditions",  # trailing space
}
FENTANYL_COLUMNS = ("fentanyl", "fentanyl_analogue")
NAMING_GAP_SHARE = 0.10
"""A year where this share of Benzodiazepine-flagged deaths name no benzodiazepine gets a note."""
OPIOID_COLUMNS: tuple[str, ...] = (
    "heroin", "heroin_dc", "fentanyl", "fentanyl_analogue", "oxycodone", "oxymorphone",
    "hydrocodone", "methadone", "tramadol", "hydromorphone", "morphine_not_heroin", "opiate_nos",
    "heroin_morph_codeine", "other_opioid",
)
# `Other Opioid` sometimes names a substance that is not an opioid (phencyclidine,
# 1,1-difluoroethane, ketamine): such an entry alone does not make the death opioid-involved.
NOT_OPIOIDS: frozenset[str] = frozenset({"pcp", "difluro", "ketamine"})

DATE_TYPES = {"Date of death": "death", "Date reported": "reported"}
SEXES = {"male": "male", "female": "female", "": "unknown"}
MANNERS = {"accident": "accident", "pending": "pending", "natural": "natural", "": "unknown"}
RACE_GROUPS: dict[str, str] = {
    "White": "Non-Hispanic White",
    "Black": "Non-Hispanic Black",
    "Black or African American": "Non-Hispanic Black",
    "Asian, Other": "Non-Hispanic Asian",
    "Asian Indian": "Non-Hispanic Asian",
    "Asian/Indian": "Non-Hispanic Asian",
    "Other Asian": "Non-Hispanic Asian",
    "Chinese": "Non-Hispanic Asian",
    "Korean": "Non-Hispanic Asian",
    "Japanese": "Non-Hispanic Asian",
    "Hawaiian": "Other",
    "American Indian or Alaska Native": "Other",
    "Native American, Other": "Other",
    "Other": "Other",
    "Unknown": "Unknown",
    "": "Unknown",
}
HISPANIC_ETHNICITIES = frozenset({
    "Hispanic", "Spanish/Hispanic/Latino", "Other Spanish/Hispanic/Latino", "Puerto Rican",
    "Mexican, Mexican American, Chicano", "Cuban",
})
NOT_HISPANIC_ETHNICITIES = frozenset({"", "Not Spanish/Hispanic/Latino", "Unknown"})
RACE_ETHNICITY_LABELS = ("Hispanic", "Non-Hispanic White", "Non-Hispanic Black",
                         "Non-Hispanic Asian", "Other", "Unknown")

AGE_BINS: tuple[tuple[int, int, str], ...] = (
    (0, 14, "0-14"), (15, 24, "15-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"),
    (55, 64, "55-64"), (65, 74, "65-74"), (75, 200, "75+"),
)
AGE_GROUPS = tuple(label for _, _, label in AGE_BINS) + ("unknown",)
MAX_AGE = 110
FIRST_YEAR, LAST_YEAR = 2012, 2030

# Published check values of the 2012–2022 edition (PROVENANCE.md): EDITION_CHECKS.
RECORDS_PER_YEAR = {2012: 355, 2013: 490, 2014: 558, 2015: 729, 2016: 917, 2017: 1038,
                    2018: 1017, 2019: 1200, 2020: 1374, 2021: 1524, 2022: 1452}
BENZODIAZEPINE_RECORDS = 2499


class CtDeathSchema(pa.DataFrameModel):
    """One row per accidental drug-related death; the record-level table's declared rules."""

    record_id: int = pa.Field(ge=1, unique=True)
    date: pa.typing.DateTime
    year: int = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    date_type: str = pa.Field(isin=list(DATE_TYPES.values()))
    age: pd.Int64Dtype = pa.Field(ge=0, le=MAX_AGE, nullable=True)
    age_group: str = pa.Field(isin=list(AGE_GROUPS))
    sex: str = pa.Field(isin=list(SEXES.values()))
    race_ethnicity: str = pa.Field(isin=list(RACE_ETHNICITY_LABELS))
    manner: str = pa.Field(isin=list(MANNERS.values()))
    heroin: bool
    heroin_dc: bool
    cocaine: bool
    fentanyl: bool
    fentanyl_analogue: bool
    oxycodone: bool
    oxymorphone: bool
    ethanol: bool
    hydrocodone: bool
    benzodiazepine: bool
    methadone: bool
    meth_amphetamine: bool
    amphet: bool
    tramadol: bool
    hydromorphone: bool
    morphine_not_heroin: bool
    xylazine: bool
    gabapentin: bool
    opiate_nos: bool
    heroin_morph_codeine: bool
    other_opioid: bool
    any_opioid_published: pd.BooleanDtype = pa.Field(nullable=True)
    any_opioid: bool
    source_id: str = pa.Field(isin=[SOURCE_ID])
    definition: str = pa.Field(isin=[DEFINITION])

    class Config:
        strict = True
        coerce = True
        ordered = True

    @pa.dataframe_check(error="year must be the year of date")
    def year_matches_date(cls, df: pd.DataFrame) -> pd.Series:
        return df["year"] == df["date"].dt.year

    @pa.dataframe_check(error="age_group must be the bin of age ('unknown' when age is blank)")
    def age_group_matches_age(cls, df: pd.DataFrame) -> pd.Series:
        return age_groups(df["age"]) == df["age_group"]

    @pa.dataframe_check(error="a death flagged with an opioid must have any_opioid")
    def opioid_implies_any(cls, df: pd.DataFrame) -> pd.Series:
        named = df[[c for c in OPIOID_COLUMNS if c != "other_opioid"]].any(axis=1)
        return ~named | df["any_opioid"]


class CtBenzodiazepineMentionSchema(pa.DataFrameModel):
    """One row per benzodiazepine named in a death's cause-of-death text (per text column)."""

    record_id: int = pa.Field(ge=1)
    year: int = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    benzodiazepine: str = pa.Field(str_length={"min_value": 1})
    counted_as: str = pa.Field(str_length={"min_value": 1})
    benzodiazepine_class: str = pa.Field(isin=list(benzos.BENZODIAZEPINE_CLASSES))
    column: str = pa.Field(isin=list(TEXT_COLUMNS.values()))
    matched: str = pa.Field(str_length={"min_value": 1})
    source_id: str = pa.Field(isin=[SOURCE_ID])
    definition: str = pa.Field(isin=[NAMED_DEFINITION])

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["record_id", "benzodiazepine", "column"]


OUTPUT_COLUMNS: list[str] = list(CtDeathSchema.to_schema().columns)
MENTION_COLUMNS: list[str] = list(CtBenzodiazepineMentionSchema.to_schema().columns)

SOURCE = Source(
    id=SOURCE_ID,
    title="Accidental Drug Related Deaths 2012-2022 (Connecticut)",
    publisher="State of Connecticut, Office of the Chief Medical Examiner (CT Open Data portal)",
    landing_url="https://data.ct.gov/Health-and-Human-Services/"
                "Accidental-Drug-Related-Deaths-2012-2022/rybz-nyjw",
    raw_folder="ct_ocme_accidental_drug_related_deaths",
    files=(
        RawFile(
            name=FILE_NAME,
            url="https://data.ct.gov/api/views/rybz-nyjw/rows.csv?accessType=DOWNLOAD",
            sha256="9b4a632af9ea6cd08ff39d51fed3d3ead34c674486244940a48ede880aa22b95",
            socrata_id="rybz-nyjw",
        ),
    ),
    tables=(
        TableSpec(
            name="ct_ocme_deaths",
            title="Connecticut accidental drug-related deaths, 2012–2022 (one row per death)",
            description="Record-level CT OCME data: date, age group, sex, race/ethnicity, "
                        "manner and one flag per drug, with any_opioid derived from the opioid "
                        "flags. Location and free-text columns dropped.",
            schema=CtDeathSchema,
        ),
        TableSpec(
            name="ct_ocme_benzodiazepine_mentions",
            title="Benzodiazepines named in Connecticut's cause-of-death text, 2012–2022 (one "
                  "row per drug per death)",
            description="Each benzodiazepine the examiner's Cause of Death or Other Significant "
                        "Conditions text names (etl/benzodiazepines.csv: whole words, reviewed "
                        "misspellings), with the drug it counts as and its class; record_id "
                        "links to ct_ocme_deaths. The text itself is not kept.",
            schema=CtBenzodiazepineMentionSchema,
        ),
        TableSpec(
            name="ct_ocme_named_benzodiazepines",
            title="Connecticut: deaths by named benzodiazepine, year and fentanyl "
                  "co-involvement",
            description="Counts of accidental drug-related deaths whose cause-of-death text "
                        "names each benzodiazepine, any benzodiazepine, prescription vs "
                        "designer, all / with / without fentanyl (Fentanyl or Fentanyl Analogue "
                        "flag); counts of 1–9 suppressed, with complementary suppression.",
            schema=benzos.NamedBenzodiazepineSchema,
        ),
    ),
    coverage="Connecticut; deaths dated 2012-01-01 to 2022-12-31 (10,654 records)",
    definitions=(DEFINITION, NAMED_DEFINITION),
    citation="Connecticut Office of the Chief Medical Examiner. Accidental Drug Related Deaths "
             "2012-2022. CT Open Data portal, dataset rybz-nyjw.",
    license="State of Connecticut open data terms (public record)",
    vintage="2012-2022 edition",
    released_from="not stated in the file; the portal updates dataset rybz-nyjw in place, and "
                  "this copy was committed to GitHub on 2025-05-20 (PROVENANCE.md), so it was "
                  "released on or before that date",
    newer_data_note="The portal adds years under the same dataset id (rybz-nyjw) and renames "
                    "the dataset (e.g. 'Accidental Drug Related Deaths 2012-2024').",
    caveats=(
        "Accidental deaths investigated by CT OCME only; not comparable one-to-one with CDC "
        "WONDER (CT residents, all intents, ICD-10 codes): 221 benzodiazepine-flagged records "
        "in 2015 here vs 245 benzodiazepine deaths in WONDER.",
        "1,767 records carry the date the death was reported (date_type 'reported') because "
        "the death date was unknown; yearly counts use that date.",
        "The published 'Any Opioid' column is blank for 2012–2014 and 2017; any_opioid is "
        "derived from the individual opioid columns instead. It is a lower bound: opioids named "
        "only in the free-text 'Other' column (mostly buprenorphine before 2022) are not counted "
        "(53 records with published 'Any Opioid' = Y have no opioid column flagged).",
        "Drug flags come from the OCME investigation (toxicology and scene), not ICD-10 codes.",
        "Named benzodiazepines (ct_ocme_named_benzodiazepines) come from the cause-of-death "
        "text, not the Benzodiazepine flag: until 2013 the text mostly reads 'Multiple Drug "
        "Toxicity' (notes say so), and the flag is blank for most designer benzodiazepines the "
        "2022 text names and set for some deaths whose text names only olanzapine.",
        "Small counts: subgroup counts of 1–9 are suppressed in the dashboard.",
        "The portal keeps the id rybz-nyjw and adds years: a new download has more years and "
        "may revise earlier ones.",
    ),
)

def age_groups(age: pd.Series) -> pd.Series:
    """Standard age bins for whole years; 'unknown' where the age is blank."""
    out = pd.Series("unknown", index=age.index, dtype=object)
    for low, high, label in AGE_BINS:
        out[(age >= low).fillna(False) & (age <= high).fillna(False)] = label
    return out.astype(str)


def _read_records(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read the CSV with a real parser (quoted Geo fields span lines); keep each record's line."""
    data = path.read_bytes()
    if not data.strip():
        raise SourceFormatError(path, "file is empty", line=1,
                                expected="a CSV header starting with Date", found="no data")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceFormatError(path, "file is UTF-16 (byte-order mark)", line=1,
                                expected="UTF-8 text", found="UTF-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SourceFormatError(path, "file is not UTF-8 (re-saved as Latin-1/Windows-1252?)",
                                line=data[: err.start].count(b"\n") + 1, expected="UTF-8 text",
                                found=f"byte 0x{data[err.start]:02x} at offset {err.start}",
                                ) from err
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        header_lines = reader.line_num
        wanted = [*COLUMNS, *DRUG_COLUMNS, *TEXT_COLUMNS]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise SourceFormatError(path, "required column missing (renamed?)", line=1,
                                    column=missing[0], expected=f"columns {', '.join(wanted)}",
                                    found=f"columns {', '.join(header)}")
        records, starts = [], []
        start = header_lines + 1
        for row in reader:
            if row:
                if len(row) != len(header):
                    raise SourceFormatError(
                        path, "record has the wrong number of fields (truncated file?)",
                        line=start, expected=f"{len(header)} fields", found=f"{len(row)} fields")
                records.append(row)
                starts.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise SourceFormatError(path, f"CSV cannot be read ({err}; truncated file?)",
                                line=reader.line_num) from err
    if not records:
        raise SourceFormatError(path, "file has a header but no records", line=2)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    frame["line"] = starts
    return frame, header


def _fail_at(path: Path, frame: pd.DataFrame, bad: pd.Series, column: str, problem: str,
             expected: str) -> None:
    """Raise for the first record where `bad` holds, naming its line and value."""
    if bad.any():
        first = frame.index[bad.to_numpy()][0]
        raise SourceFormatError(path, problem, line=int(frame.at[first, "line"]), column=column,
                                expected=expected, found=repr(frame.at[first, column]))


def _check_duplicates(path: Path, frame: pd.DataFrame, header: list[str]) -> None:
    duplicated = frame.duplicated(subset=header, keep=False)
    if duplicated.any():
        rows = frame[duplicated]
        first = rows.iloc[0]
        twin = rows[(rows[header] == first[header]).all(axis=1)]["line"].tolist()
        raise SourceFormatError(path, f"record repeated on lines {twin[0]} and {twin[1]}",
                                line=twin[1], expected="each death once", found="a duplicate row")


def _dates(path: Path, frame: pd.DataFrame) -> pd.Series:
    dates = pd.to_datetime(frame["Date"], format="%m/%d/%Y", errors="coerce")
    _fail_at(path, frame, dates.isna(), "Date", "date cannot be read", "MM/DD/YYYY")
    years = dates.dt.year
    _fail_at(path, frame, (years < FIRST_YEAR) | (years > LAST_YEAR), "Date", "year out of range",
             f"{FIRST_YEAR}–{LAST_YEAR}")
    return dates.astype("datetime64[ns]")


def _ages(path: Path, frame: pd.DataFrame) -> pd.Series:
    raw = frame["Age"].str.strip()
    _fail_at(path, frame, ~(raw.str.fullmatch(r"\d{1,3}") | (raw == "")), "Age",
             "age is not a whole number", "whole years or blank")
    ages = pd.to_numeric(raw.replace("", None), errors="coerce").astype("Int64")
    _fail_at(path, frame, (ages > MAX_AGE).fillna(False), "Age", "age out of range",
             f"0–{MAX_AGE}")
    return ages


def _mapped(path: Path, frame: pd.DataFrame, column: str, mapping: dict[str, str],
            normalise: bool = False) -> pd.Series:
    raw = frame[column].str.strip()
    key = raw.str.lower() if normalise else raw
    _fail_at(path, frame, ~key.isin(list(mapping)), column, "unknown value (add it to the "
             "mapping in etl/ct_ocme.py)", ", ".join(repr(k) for k in mapping))
    return key.map(mapping).astype(str)


def _race_ethnicity(path: Path, frame: pd.DataFrame) -> pd.Series:
    ethnicity = frame["Ethnicity"].str.strip()
    _fail_at(path, frame, ~ethnicity.isin(HISPANIC_ETHNICITIES | NOT_HISPANIC_ETHNICITIES),
             "Ethnicity", "unknown ethnicity label (add it to etl/ct_ocme.py)",
             ", ".join(sorted(HISPANIC_ETHNICITIES | NOT_HISPANIC_ETHNICITIES)))
    race = _mapped(path, frame, "Race", RACE_GROUPS)
    return race.where(~ethnicity.isin(HISPANIC_ETHNICITIES), "Hispanic")


def _drug_flags(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One bool per drug: any non-blank cell is 'listed'; odd values go to the warnings."""
    flags, warnings = {}, []
    for raw_name, name in DRUG_COLUMNS.items():
        values = frame[raw_name].str.strip()
        flags[name] = values != ""
        odd = values[(values != "") & (values != "Y")].value_counts()
        if not odd.empty:
            listed = ", ".join(f"{v!r} ×{n}" for v, n in odd.items())
            warnings.append(f"{raw_name}: non-standard values read as listed: {listed}")
    return pd.DataFrame(flags, index=frame.index), warnings


def _any_opioid(frame: pd.DataFrame, flags: pd.DataFrame) -> pd.Series:
    """Any opioid column flagged; an Other Opioid entry naming only non-opioids does not count."""
    other = frame["Other Opioid"].str.strip().str.lower()
    only_non_opioids = other.map(
        lambda v: bool(v) and all(part.strip() in NOT_OPIOIDS for part in v.split(",")))
    opioid_flags = flags[list(OPIOID_COLUMNS)].copy()
    opioid_flags["other_opioid"] = flags["other_opioid"] & ~only_non_opioids.astype(bool)
    return opioid_flags.any(axis=1)


def parse(folder: Path) -> ParseResult:
    """Read every record, normalise labels and flags, return the record-level table."""
    # Load
    path = Path(folder) / FILE_NAME
    frame, header = _read_records(path)
    _check_duplicates(path, frame, header)

    # Process
    dates = _dates(path, frame)
    ages = _ages(path, frame)
    flags, warnings = _drug_flags(frame)
    published = _mapped(path, frame, "Any Opioid", {"y": "Y", "n": "N", "": ""}, normalise=True)
    manner_raw = frame["Manner of Death"].str.strip()
    odd_case = manner_raw[(manner_raw != "") & ~manner_raw.isin(["Accident", "Pending", "Natural"])]
    if not odd_case.empty:
        warnings.append("Manner of Death: case normalised for "
                        + ", ".join(f"{v!r} ×{n}" for v, n in odd_case.value_counts().items()))
    deaths = pd.DataFrame({
        "record_id": range(1, len(frame) + 1),
        "date": dates,
        "year": dates.dt.year.astype("int64"),
        "date_type": _mapped(path, frame, "Date Type", DATE_TYPES),
        "age": ages,
        "age_group": age_groups(ages),
        "sex": _mapped(path, frame, "Sex", SEXES, normalise=True),
        "race_ethnicity": _race_ethnicity(path, frame),
        "manner": _mapped(path, frame, "Manner of Death", MANNERS, normalise=True),
        **{name: flags[name] for name in DRUG_COLUMNS.values()},
        "any_opioid_published": published.map({"Y": True, "N": False, "": pd.NA})
                                         .astype("boolean"),
        "any_opioid": _any_opioid(frame, flags),
        "source_id": SOURCE_ID,
        "definition": DEFINITION,
    })[OUTPUT_COLUMNS]

    mentions, text_warnings = benzodiazepine_mentions(frame, deaths)
    named = benzos.named_counts(
        deaths.assign(fentanyl=deaths[list(FENTANYL_COLUMNS)].any(axis=1)),
        benzos.counted_drugs(mentions), source_id=SOURCE_ID, source_file=FILE_NAME,
        definition=NAMED_DEFINITION, partial=benzos.latest_partial_year(deaths["date"]),
        year_notes=_naming_gaps(deaths, mentions), **GEO)

    # Save (the build validates and writes)
    return ParseResult(tables={"ct_ocme_deaths": deaths,
                               "ct_ocme_benzodiazepine_mentions": mentions,
                               "ct_ocme_named_benzodiazepines": named},
                       rows_in=len(frame), warnings=warnings + text_warnings)


def benzodiazepine_mentions(frame: pd.DataFrame, deaths: pd.DataFrame
                            ) -> tuple[pd.DataFrame, list[str]]:
    """The benzodiazepines each death's text names (etl/benzodiazepines.py rules), and warnings
    for brand names (never counted) and benzodiazepine-like words the list does not know."""
    registry = benzos.load_registry()
    rows, brands, unknown = [], {}, {}
    for raw_name, column in TEXT_COLUMNS.items():
        for index, text in frame[raw_name].items():
            if not text.strip():
                continue
            for mention in registry.find_in_text(text):
                entry = mention.entry
                rows.append((int(deaths.at[index, "record_id"]), int(deaths.at[index, "year"]),
                             entry.name, registry.counted_as(entry).name, entry.drug_class,
                             column, mention.matched))
            for brand in registry.brands_in_text(text):
                brands[brand] = brands.get(brand, 0) + 1
            for word in registry.unknown_lookalikes(text):
                unknown[word] = unknown.get(word, 0) + 1
    mentions = pd.DataFrame(rows, columns=MENTION_COLUMNS[:-2]).assign(
        source_id=SOURCE_ID, definition=NAMED_DEFINITION)
    mentions = mentions.drop_duplicates(["record_id", "benzodiazepine", "column"])
    warnings = []
    if brands:
        warnings.append("brand names in the cause-of-death text (not counted; review): "
                        + ", ".join(f"{b!r} ×{n}" for b, n in sorted(brands.items())))
    if unknown:
        warnings.append("words that look like a benzodiazepine but are not in "
                        "etl/benzodiazepines.csv (not counted; review and add): "
                        + ", ".join(f"{w!r} ×{n}" for w, n in sorted(unknown.items())))
    return mentions[MENTION_COLUMNS].reset_index(drop=True), warnings


def _naming_gaps(deaths: pd.DataFrame, mentions: pd.DataFrame) -> dict[int, str]:
    """Years where many Benzodiazepine-flagged deaths name no benzodiazepine in the text."""
    flagged = deaths[deaths["benzodiazepine"]]
    unnamed = ~flagged["record_id"].isin(mentions["record_id"])
    share = unnamed.groupby(flagged["year"]).mean()
    return {int(year): f"{round(100 * s)}% of the deaths the examiner flagged 'Benzodiazepine' "
                       "name no benzodiazepine in the text (e.g. 'Multiple Drug Toxicity'): "
                       "named counts are a lower bound"
            for year, s in share.items() if s >= NAMING_GAP_SHARE}


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """What holds for every edition (the schema checks each record): deaths in every year from
    the first to the last, so a year cut out of the middle of a file is noticed."""
    years = sorted(tables["ct_ocme_deaths"]["year"].unique())
    gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    return [f"ct_ocme_deaths: no deaths at all in {gaps} (a year missing from the file?)"] \
        if gaps else []


def _edition_counts(tables: dict[str, pd.DataFrame]) -> list[str]:
    deaths = tables["ct_ocme_deaths"]
    failures = []
    per_year = deaths.groupby("year").size().to_dict()
    if per_year != RECORDS_PER_YEAR:
        failures.append(f"records per year: expected {RECORDS_PER_YEAR}, found {per_year}")
    if int(deaths["benzodiazepine"].sum()) != BENZODIAZEPINE_RECORDS:
        failures.append(f"Benzodiazepine = Y: expected {BENZODIAZEPINE_RECORDS:,} records, "
                        f"found {int(deaths['benzodiazepine'].sum()):,}")
    return failures


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "2012–2022 edition: records per year (2012 355 … 2022 1,452) "
                 "and 2,499 records with Benzodiazepine = Y (PROVENANCE.md)", _edition_counts),
)


def combination_counts(deaths: pd.DataFrame, drug_columns: list[str] | tuple[str, ...],
                       min_count: int = 10) -> pd.DataFrame:
    """Drug combinations among benzodiazepine-involved deaths, most common first.

    A combination is the set of `drug_columns` flagged on a death (besides `benzodiazepine`).
    Counts below `min_count` are suppressed (deaths NaN, suppressed True), never shown exactly,
    and listed alphabetically after the shown ones so their order reveals nothing. When only one
    combination would be suppressed, the smallest shown one is suppressed too: otherwise the
    benzodiazepine total minus the shown counts would give it away.
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    others = [c for c in drug_columns if c != "benzodiazepine"]
    unknown = [c for c in [*others, "benzodiazepine"] if c not in deaths.columns]
    if unknown:
        raise ValueError(f"combination_counts: columns not in the deaths table: {unknown}")
    benzo = deaths[deaths["benzodiazepine"].astype(bool)]
    labels = benzo[others].astype(bool).apply(
        lambda row: " + ".join(["benzodiazepine", *[c for c in others if row[c]]]), axis=1,
    ) if not benzo.empty else pd.Series(dtype=str)
    counts = labels.value_counts()
    table = pd.DataFrame({"combination": counts.index.astype(str),
                          "deaths": counts.to_numpy().astype(float)})
    table["n_drugs"] = table["combination"].str.count(r" \+ ") + 1
    table["suppressed"] = table["deaths"] < min_count
    if table["suppressed"].sum() == 1 and (~table["suppressed"]).any():
        smallest = table.loc[~table["suppressed"], "deaths"].idxmin()
        table.loc[smallest, "suppressed"] = True
    table.loc[table["suppressed"], "deaths"] = float("nan")
    table["combination"] = table["combination"].where(
        table["n_drugs"] > 1, "benzodiazepine, none of the other listed drugs")
    shown = table[~table["suppressed"]].sort_values(["deaths", "combination"],
                                                    ascending=[False, True])
    hidden = table[table["suppressed"]].sort_values("combination")
    return pd.concat([shown, hidden], ignore_index=True)[
        ["combination", "n_drugs", "deaths", "suppressed"]]
