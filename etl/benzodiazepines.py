"""Which benzodiazepine a medical-examiner record names: the reviewed list of names
(`etl/benzodiazepines.csv`), the two ways records are matched against it, and the table of deaths
by named benzodiazepine that the record-level sources (etl/allegheny.py, etl/ct_ocme.py) build.

Why: death certificates code every benzodiazepine as T42.4, so national data cannot tell
clonazepam (Klonopin) from bromazolam. Examiners' records name the drug; this module turns names
into counts without guessing.

The list (one row per name, each with the source of its classification):
- `class`: `prescription` (approved by the FDA, whether or not the decedent had a prescription),
  `designer` (not approved in the US, sold as new psychoactive substances; etizolam and
  deschloroetizolam are thienodiazepines, counted here as DEA, the EU early-warning system and
  SUDORS count them), `metabolite`, `generic` (the class named without the drug), and
  `not_benzodiazepine` for look-alike names reviewed and rejected (Benzoylecgonine is a cocaine
  metabolite, Lamotrigine an anticonvulsant, ...).
- `parent`: a metabolite made by one drug only counts as that drug (7-aminoclonazepam ->
  clonazepam). Nordiazepam and desalkylflurazepam come from several drugs and have no parent: they
  count as "a benzodiazepine" only. Oxazepam and temazepam are medicines and also metabolites of
  diazepam: they count under their own names, never as diazepam.

Matching (documented choices):
- One name per field (Allegheny's `combined_od1` ... `combined_od10`): the normalised field
  (case-folded, spaces collapsed) equals a name or listed spelling. Never a substring: Bromazolam
  is inside Flubromazolam, Clonazepam inside 7-Aminoclonazepam.
- Free text (Connecticut's cause of death): a name or spelling as a whole word, not touching a
  letter, digit or hyphen, longest first (so "7-Amino Clonazepam" is the metabolite and
  "Flubromazolam" is never bromazolam). Accepted: the misspellings listed in `spellings` (each
  seen in the text, e.g. "Alrpazolam", "Diazapam"), "7- Amino" with a stray space, and a name
  glued to a preceding "of" or "and" ("ofClonazepam", a missing space). Brand names (Xanax,
  Klonopin, ...) are not counted in free text: examiners name what toxicology found, and a pill
  sold as "Xanax" may hold a designer benzodiazepine; a brand in the text is reported as a warning.
- A drug named twice in one record counts once.

Counting and small cells (the rule of `etl.ct_ocme.combination_counts`): counts of 1–9 are
suppressed (value NA, `suppressed` True); where one hidden cell could be recovered from a total
(all = with fentanyl + without fentanyl), its counterpart is hidden too. The group rows (any,
prescription, designer) are not parts of a sum (one death can name several drugs), so no cell
is recovered from them; their difference (deaths naming only a metabolite of several drugs or
the word "benzodiazepines") is not a row, and the record-level tables it could be taken from
are public anyway.
"""
from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from etl.registry import DEFINITIONS, DRUG_GROUPS
from etl.source import SourceFormatError

REGISTRY_FILE = Path(__file__).with_name("benzodiazepines.csv")
REGISTRY_COLUMNS: dict[str, str] = {
    "name": "the name, lower case as matched (unique)",
    "label": "the name as shown",
    "class": "one of CLASSES",
    "parent": "for a metabolite made by one drug only: that drug's name; else blank",
    "brands": "US brand names, '; '-separated (never matched in free text)",
    "spellings": "other spellings and synonyms accepted, '; '-separated",
    "us_status": "FDA approval and DEA schedule",
    "note": "why it is classified so",
    "source": "where the classification comes from (citable)",
}
CLASSES = ("prescription", "designer", "metabolite", "generic", "not_benzodiazepine")
BENZODIAZEPINE_CLASSES = CLASSES[:-1]
LIST_SEPARATOR = ";"

# A name that looks like a benzodiazepine must be in the list, as one or as a look-alike.
LOOKS_LIKE = re.compile(r"azep|azap|zepam|xepam|epam|zolam|benz|diaz|zapin|zepin|tiazem",
                        re.IGNORECASE)
_GLUE = ("of", "and")
_BOUNDARY = r"a-z0-9\-"

# Rows of the counts table that are not one named drug: id -> (drug_group, class, label).
ALL_DEATHS = "all_deaths"
ANY = "any_benzodiazepine"
ANY_PRESCRIPTION = "any_prescription"
ANY_DESIGNER = "any_designer"
GROUPS: dict[str, tuple[str, str, str]] = {
    ALL_DEATHS: ("all_drugs", "total", "All deaths in the records"),
    ANY: ("benzodiazepines", "any", "Any benzodiazepine named"),
    ANY_PRESCRIPTION: ("prescription_benzodiazepines", "prescription",
                       "Any prescription benzodiazepine"),
    ANY_DESIGNER: ("illegal_benzodiazepines", "designer",
                   "Any designer (illegal) benzodiazepine"),
}
CLASS_GROUP = {"prescription": "prescription_benzodiazepines",
               "designer": "illegal_benzodiazepines", "metabolite": "benzodiazepines",
               "generic": "benzodiazepines"}
CO_INVOLVEMENT = ("all", "with_fentanyl", "without_fentanyl")
MIN_COUNT = 10
SUPPRESSED_NOTE = "1–9 deaths: suppressed by this dashboard, not zero"
COMPLEMENT_NOTE = "suppressed so that a hidden small count cannot be recovered from a total"
PARTIAL_DAYS = 14
"""The latest year is partial when the file's latest death is more than this many days before its
end (with one or more deaths a day, a complete year's last death falls in its last days)."""


@dataclass(frozen=True)
class Entry:
    """One row of the list."""

    name: str
    label: str
    drug_class: str
    parent: str
    brands: tuple[str, ...]
    spellings: tuple[str, ...]
    us_status: str
    note: str
    source: str

    @property
    def is_benzodiazepine(self) -> bool:
        return self.drug_class != "not_benzodiazepine"


@dataclass(frozen=True)
class Mention:
    """A benzodiazepine found in a text: the entry and the spelling that matched (normalised)."""

    entry: Entry
    matched: str


def normalise_name(text: str) -> str:
    """Case-folded, trimmed, inner spaces collapsed; a space after '7-' dropped ('7- Amino')."""
    folded = " ".join(str(text).casefold().replace("\u2019", "'").split())
    return re.sub(r"(\d)- ", r"\1-", folded)


def looks_like_benzodiazepine(name: str) -> bool:
    """True for names spelled like a benzodiazepine (-azepam, -zolam, benzo..., -azepine)."""
    return bool(LOOKS_LIKE.search(name))


def _split(text: str) -> tuple[str, ...]:
    return tuple(normalise_name(p) for p in text.split(LIST_SEPARATOR) if p.strip())


class Registry:
    """The list, indexed by every accepted spelling."""

    def __init__(self, entries: Iterable[Entry], path: Path = REGISTRY_FILE) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {e.name: e for e in entries}
        self._by_spelling: dict[str, Entry] = {}
        for entry in self.entries.values():
            for spelling in (entry.name, *entry.spellings):
                self._by_spelling[spelling] = entry
        terms = sorted(self._by_spelling, key=lambda s: (-len(s), s))
        glue = "|".join(_GLUE)
        self._text_pattern = re.compile(
            rf"(?<![{_BOUNDARY}])(?:{glue})?({'|'.join(map(re.escape, terms))})(?![{_BOUNDARY}])")
        brands = sorted({normalise_name(b.split("(")[0]) for e in self.entries.values()
                         for b in e.brands}, key=lambda s: (-len(s), s))
        self._brand_pattern = re.compile(
            rf"(?<![{_BOUNDARY}])({'|'.join(map(re.escape, brands))})(?![{_BOUNDARY}])")

    def lookup(self, name: str) -> Entry | None:
        """The entry whose name or spelling equals the normalised `name` (never a substring)."""
        return self._by_spelling.get(normalise_name(name))

    def counted_as(self, entry: Entry) -> Entry:
        """The drug a death naming `entry` is counted under: its parent, or itself."""
        return self.entries[entry.parent] if entry.parent else entry

    def find_in_text(self, text: str) -> list[Mention]:
        """Benzodiazepines named in free text, as whole words, in order; look-alikes excluded."""
        found = []
        for match in self._text_pattern.finditer(normalise_name(text)):
            entry = self._by_spelling[match.group(1)]
            if entry.is_benzodiazepine:
                found.append(Mention(entry, match.group(1)))
        return found

    def unknown_lookalikes(self, text: str) -> list[str]:
        """Words of free text spelled like a benzodiazepine that the list does not know (as a
        benzodiazepine or a look-alike): candidates for review."""
        rest = self._text_pattern.sub(" ", normalise_name(text))
        words = (w.strip("-") for w in re.findall(rf"[{_BOUNDARY}]+", rest))
        return [w for w in words if looks_like_benzodiazepine(w) and self.lookup(w) is None]

    def brands_in_text(self, text: str) -> list[str]:
        """Brand names in free text (reported, never counted)."""
        return [m.group(1) for m in self._brand_pattern.finditer(normalise_name(text))]

    def benzodiazepines(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.is_benzodiazepine]


def load_registry(path: Path = REGISTRY_FILE) -> Registry:
    """Read and check the list; a malformed row is a SourceFormatError naming line and column."""
    path = Path(path)
    if path == REGISTRY_FILE:
        return _default_registry()
    return _read_registry(path)


@functools.lru_cache(maxsize=1)
def _default_registry() -> Registry:
    return _read_registry(REGISTRY_FILE)


def _read_registry(path: Path) -> Registry:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceFormatError(path, "list of benzodiazepine names missing") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    if reader.fieldnames != list(REGISTRY_COLUMNS):
        raise SourceFormatError(path, "header differs", line=1,
                                expected=", ".join(REGISTRY_COLUMNS),
                                found=", ".join(reader.fieldnames or []))
    entries: list[Entry] = []
    lines: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise SourceFormatError(path, "row has the wrong number of fields", line=line,
                                    expected=f"{len(REGISTRY_COLUMNS)} fields")

        def fail(column: str, problem: str, expected: str) -> SourceFormatError:
            return SourceFormatError(path, f"row {row['name'] or '(no name)'}: {problem}",
                                     line=line, column=column, expected=expected,
                                     found=repr(row[column]))

        name = row["name"]
        if not name or name != normalise_name(name):
            raise fail("name", "name must be lower case with single spaces", "e.g. 'clonazepam'")
        if name in lines:
            raise fail("name", f"name already on line {lines[name]}", "each name once")
        if row["class"] not in CLASSES:
            raise fail("class", "unknown class", " / ".join(CLASSES))
        for column in ("label", "source"):
            if not row[column].strip():
                raise fail(column, "required cell is empty", "a value")
        if row["parent"] and row["class"] != "metabolite":
            raise fail("parent", "only a metabolite has a parent", "a blank cell")
        entry = Entry(name, row["label"].strip(), row["class"], row["parent"].strip(),
                      tuple(b.strip() for b in row["brands"].split(LIST_SEPARATOR) if b.strip()),
                      _split(row["spellings"]), row["us_status"].strip(), row["note"].strip(),
                      row["source"].strip())
        for spelling in (name, *entry.spellings):
            if spelling in spelled:
                raise fail("spellings", f"{spelling!r} already names {spelled[spelling]!r}",
                           "each spelling in one row")
            spelled[spelling] = name
        lines[name] = line
        entries.append(entry)
    by_name = {e.name: e for e in entries}
    for entry in entries:
        if entry.parent:
            parent = by_name.get(entry.parent)
            if parent is None or parent.drug_class not in ("prescription", "designer"):
                raise SourceFormatError(path, f"row {entry.name}: parent must be a prescription "
                                        "or designer drug of the list", line=lines[entry.name],
                                        column="parent", found=repr(entry.parent))
    return Registry(entries, path)


# --- counting ----------------------------------------------------------------------------------

def counted_drugs(names: pd.DataFrame, registry: Registry | None = None) -> pd.DataFrame:
    """(record_id, drug) for every benzodiazepine a death names, under the drug it is counted as
    (parent for a metabolite), each once per death. `names` has record_id and `benzodiazepine`
    (a list name)."""
    registry = registry or load_registry()
    drugs = names["benzodiazepine"].map(lambda n: registry.counted_as(registry.entries[n]).name)
    return (pd.DataFrame({"record_id": names["record_id"].to_numpy(), "drug": drugs.to_numpy()})
            .drop_duplicates().reset_index(drop=True))


def death_classes(deaths: pd.DataFrame, counted: pd.DataFrame,
                  registry: Registry | None = None) -> pd.DataFrame:
    """One bool per death: any benzodiazepine, any prescription, any designer (as counted)."""
    registry = registry or load_registry()
    classes = counted["drug"].map(lambda d: registry.entries[d].drug_class)
    ids = deaths["record_id"]
    return pd.DataFrame({
        "benzodiazepine": ids.isin(counted["record_id"]),
        "prescription_benzodiazepine": ids.isin(counted.loc[classes == "prescription",
                                                            "record_id"]),
        "designer_benzodiazepine": ids.isin(counted.loc[classes == "designer", "record_id"]),
    }, index=deaths.index)


def latest_partial_year(dates: pd.Series) -> tuple[int, pd.Timestamp] | None:
    """(year, latest date) when the latest date falls more than PARTIAL_DAYS before its year's
    end: that year is incomplete in the file."""
    latest = pd.Timestamp(dates.max())
    year_end = pd.Timestamp(year=latest.year, month=12, day=31)
    return (latest.year, latest) if (year_end - latest).days > PARTIAL_DAYS else None


def partial_note(latest: pd.Timestamp) -> str:
    return (f"partial year: the file's deaths stop on {latest.day} {latest:%B %Y} "
            f"(1 January – {latest.day} {latest:%B} only)")


class NamedBenzodiazepineSchema(pa.DataFrameModel):
    """Deaths by named benzodiazepine × year × jurisdiction × fentanyl co-involvement: counts of
    record-level examiner data (same conventions as etl.tidy: measure, unit, drug_group, geo,
    suppressed, definition, source_id, note)."""

    source_id: str
    source_file: str
    definition: str = pa.Field(isin=list(DEFINITIONS))
    measure: str = pa.Field(isin=["deaths"])
    unit: str = pa.Field(isin=["deaths"])
    drug_group: str = pa.Field(isin=list(DRUG_GROUPS))
    drug: str = pa.Field(str_length={"min_value": 1})
    drug_label: str = pa.Field(str_length={"min_value": 1})
    drug_class: str = pa.Field(isin=["total", "any", *BENZODIAZEPINE_CLASSES])
    level: str = pa.Field(isin=["total", "group", "drug"])
    co_involvement: str = pa.Field(isin=list(CO_INVOLVEMENT))
    geo_level: str = pa.Field(isin=["county", "state"])
    geo_fips: str = pa.Field(str_matches=r"^\d{2}(\d{3})?$")
    geo_name: str = pa.Field(str_length={"min_value": 1})
    period_type: str = pa.Field(isin=["year"])
    year: int = pa.Field(ge=2000, le=2030)
    value: float = pa.Field(nullable=True, ge=0)
    suppressed: bool
    partial_period: bool
    note: str

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["source_id", "definition", "drug", "co_involvement", "geo_fips", "year"]

    @pa.dataframe_check(error="a suppressed row must have no value (NA), never 0")
    def suppressed_has_no_value(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["suppressed"] | df["value"].isna()

    @pa.dataframe_check(error="a count of 1–9 is never shown; only suppressed rows lack a value")
    def small_counts_hidden(cls, df: pd.DataFrame) -> pd.Series:
        v = df["value"]
        return (v.isna() == df["suppressed"]) & ~v.between(1, MIN_COUNT - 1)

    @pa.dataframe_check(error="counts must be whole numbers")
    def counts_are_whole(cls, df: pd.DataFrame) -> pd.Series:
        return df["value"].isna() | (df["value"] == df["value"].round())

    @pa.dataframe_check(error="with + without fentanyl must equal all where all three are shown")
    def fentanyl_split_adds_up(cls, df: pd.DataFrame) -> pd.Series:
        wide = df.pivot_table(index=["source_id", "drug", "geo_fips", "year"],
                              columns="co_involvement", values="value", aggfunc="first")
        wide = wide.reindex(columns=list(CO_INVOLVEMENT))
        bad = (wide["with_fentanyl"] + wide["without_fentanyl"] - wide["all"]).abs() > 0
        bad_keys = set(wide.index[bad.fillna(False)])
        keys = list(zip(df["source_id"], df["drug"], df["geo_fips"], df["year"]))
        return pd.Series([k not in bad_keys for k in keys], index=df.index)

    @pa.dataframe_check(error="a named drug or group cannot exceed any benzodiazepine, nor that "
                              "the deaths in the records")
    def parts_within_totals(cls, df: pd.DataFrame) -> pd.Series:
        key = ["source_id", "geo_fips", "year", "co_involvement"]
        totals = {g: df[df["drug"] == g].set_index(key)["value"] for g in (ANY, ALL_DEATHS)}
        idx = pd.MultiIndex.from_frame(df[key])
        any_total = totals[ANY].reindex(idx).to_numpy()
        all_total = totals[ALL_DEATHS].reindex(idx).to_numpy()
        value = df["value"].to_numpy()
        is_benzo = (df["drug"] != ALL_DEATHS).to_numpy()
        over_any = is_benzo & (value > any_total)
        over_all = value > all_total
        return pd.Series(~(over_any | over_all), index=df.index)


NAMED_COLUMNS: list[str] = list(NamedBenzodiazepineSchema.to_schema().columns)


def named_counts(deaths: pd.DataFrame, counted: pd.DataFrame, *, source_id: str,
                 source_file: str, definition: str, geo_level: str, geo_fips: str,
                 geo_name: str, partial: tuple[int, pd.Timestamp] | None = None,
                 year_notes: dict[int, str] | None = None, registry: Registry | None = None,
                 min_count: int = MIN_COUNT) -> pd.DataFrame:
    """Deaths per year by named benzodiazepine and class, all / with / without fentanyl.

    `deaths`: record_id, year, fentanyl (one row per death). `counted`: (record_id, drug) as
    `counted_drugs` returns. Every drug named at least once in the records gets a row for every
    year (0 where no death names it: a true zero). `partial` marks the latest year partial;
    `year_notes` adds a caveat to every row of a year.
    """
    registry = registry or load_registry()
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    years = sorted(int(y) for y in deaths["year"].unique())
    deaths = deaths.set_index("record_id")
    classes = death_classes(deaths.reset_index(), counted, registry).set_index(deaths.index)
    members: dict[str, pd.Index] = {
        ALL_DEATHS: deaths.index,
        ANY: deaths.index[classes["benzodiazepine"]],
        ANY_PRESCRIPTION: deaths.index[classes["prescription_benzodiazepine"]],
        ANY_DESIGNER: deaths.index[classes["designer_benzodiazepine"]],
    }
    named = sorted(counted["drug"].unique(),
                   key=lambda d: (BENZODIAZEPINE_CLASSES.index(registry.entries[d].drug_class), d))
    for drug in named:
        members[drug] = pd.Index(counted.loc[counted["drug"] == drug, "record_id"].unique())
    fentanyl = deaths["fentanyl"].astype(bool)
    rows = []
    for drug, ids in members.items():
        subset = deaths.loc[ids]
        for split, mask in (("all", None), ("with_fentanyl", True), ("without_fentanyl", False)):
            chosen = subset if mask is None else subset[fentanyl.loc[ids] == mask]
            per_year = chosen.groupby("year").size().reindex(years, fill_value=0)
            for year, value in per_year.items():
                rows.append((drug, split, int(year), float(value)))
    table = pd.DataFrame(rows, columns=["drug", "co_involvement", "year", "value"])
    table["suppressed"] = table["value"].between(1, min_count - 1)
    table["complement"] = False
    _complementary_suppression(table)
    table["note"] = ""
    table.loc[table["suppressed"] & ~table["complement"], "note"] = SUPPRESSED_NOTE
    table.loc[table["complement"], "note"] = COMPLEMENT_NOTE
    table.loc[table["suppressed"], "value"] = float("nan")
    table["partial_period"] = False
    notes = dict(year_notes or {})
    if partial is not None:
        table.loc[table["year"] == partial[0], "partial_period"] = True
        notes[partial[0]] = "; ".join(n for n in (partial_note(partial[1]),
                                                  notes.get(partial[0])) if n)
    for year, text in notes.items():
        in_year = table["year"] == year
        table.loc[in_year, "note"] = (table.loc[in_year, "note"] + "; " + text).str.lstrip("; ")

    def describe(drug: str) -> tuple[str, str, str, str]:
        if drug in GROUPS:
            group, drug_class, label = GROUPS[drug]
            return group, label, drug_class, "total" if drug == ALL_DEATHS else "group"
        entry = registry.entries[drug]
        return CLASS_GROUP[entry.drug_class], entry.label, entry.drug_class, "drug"

    described = pd.DataFrame([describe(d) for d in table["drug"]],
                             columns=["drug_group", "drug_label", "drug_class", "level"])
    out = pd.concat([table.reset_index(drop=True), described], axis=1).assign(
        source_id=source_id, source_file=source_file, definition=definition, measure="deaths",
        unit="deaths", geo_level=geo_level, geo_fips=geo_fips, geo_name=geo_name,
        period_type="year")
    order = {d: i for i, d in enumerate(members)}
    out = out.assign(_order=out["drug"].map(order),
                     _split=out["co_involvement"].map(CO_INVOLVEMENT.index))
    out = out.sort_values(["_order", "_split", "year"], kind="stable")
    out["year"] = out["year"].astype("int64")
    return out[NAMED_COLUMNS].reset_index(drop=True)


def _complementary_suppression(table: pd.DataFrame) -> None:
    """Hide more cells until no total = part + part has exactly one hidden cell (in place)."""
    key = table.set_index(["drug", "co_involvement", "year"]).index
    position = {k: i for i, k in enumerate(key)}
    relations: list[tuple[int, list[int]]] = []
    for drug, split, year in key:
        if split == "all":
            relations.append((position[(drug, "all", year)],
                              [position[(drug, "with_fentanyl", year)],
                               position[(drug, "without_fentanyl", year)]]))
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            cells = [total, *parts]
            hidden = [c for c in cells if table.at[c, "suppressed"]]
            if len(hidden) == 1:
                shown = [c for c in parts if not table.at[c, "suppressed"]] or [total]
                smallest = min(shown, key=lambda c: (table.at[c, "value"], c))
                table.at[smallest, "suppressed"] = True
                table.at[smallest, "complement"] = True
                changed = True
