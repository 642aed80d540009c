"""Headline numbers computed from the processed tables, for the Overview, the opioids page and the
presenter mode (STYLE.md point 5: pages only lay these out).

Pure functions take a tidy table (app.data.tables.load_table output) and return numbers, small
frames or dataclasses; they never mutate their input and never read files. `HEADLINE_BUILDERS`
give the formatted text for every `{placeholder}` used in content/slides.md and
content/health_risks.md (app.glue.headlines fills them from the loaded tables, once per data
version), so no figure is typed into the words.

Series: the national benzodiazepine series is NIDA's (`nida_national`, underlying cause of death,
US, all ages and races). Benzodiazepine shares divide by the benzodiazepine total; the reverse
share divides benzodiazepines-with-any-opioid by all opioid deaths, as NIDA does.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from app.views import named
from app.views.stats import rate_interval
from etl.registry import DRUG_GROUPS, PARTICIPATING_FIPS

NIDA_TABLE = "nida_national"
SUDORS_TABLE = "sudors_state"
DOSE_SYNDROMIC_TABLE = "dose_syndromic"
WONDER_TABLE = "wonder_mcd"

BENZO = "benzodiazepines"
SEXES = ("all", "female", "male")
OPIOID_PARTNERS = ("any_opioid", "synthetic_opioids")
"""The two opioid splits NIDA publishes for benzodiazepine deaths: with/without any opioid
(T40.0–T40.4, T40.6) and with/without synthetic opioids other than methadone (T40.4)."""


@dataclass(frozen=True)
class PublishedFigure:
    """A number a publisher states in words, shown beside our computed value as a check."""
    year: int
    text: str
    value: float
    tolerance: float
    source_id: str  # content/sources.md id


NIDA_OPIOID_DEATHS_WITH_BENZO_2019 = PublishedFigure(
    year=2019, text="about 16%", value=16.0, tolerance=1.0, source_id="nida-benzos-opioids")
"""NIDA, "Benzodiazepines and Opioids": in 2019 "about 16%" of opioid overdose deaths also
involved benzodiazepines (the workbook gives 8,301 / 49,860)."""


@dataclass(frozen=True)
class Share:
    """`numerator` of `denominator` deaths in `year`, as a percent (None where either is missing
    or suppressed: a share of a hidden count is not computable, not zero)."""
    year: int
    numerator: float | None
    denominator: float | None

    @property
    def percent(self) -> float | None:
        if self.numerator is None or self.denominator is None or self.denominator == 0:
            return None
        return self.numerator / self.denominator * 100


@dataclass(frozen=True)
class PeakChange:
    """The highest yearly count of a series and the change from it to `latest_year`."""
    peak_year: int
    peak_value: float
    latest_year: int
    latest_value: float

    @property
    def change(self) -> float:
        return self.latest_value - self.peak_value

    @property
    def percent(self) -> float:
        return self.change / self.peak_value * 100

    @property
    def latest_is_peak(self) -> bool:
        return self.latest_year == self.peak_year


# --- formatting --------------------------------------------------------------------------------

def format_count(value: float) -> str:
    """12499.0 -> '12,499'."""
    return f"{value:,.0f}"


def format_percent(value: float | None, decimals: int = 1) -> str:
    """16.648 -> '16.6%' (decimals=0 -> '17%'); None -> 'not available'."""
    return "not available" if value is None else f"{value:.{decimals}f}%"


def format_signed_count(value: float) -> str:
    """-1234 -> '−1,234', 50 -> '+50', 0 -> '0' (a true minus sign, readable on screen)."""
    if round(value) == 0:
        return "0"
    return f"{'+' if value > 0 else '−'}{abs(value):,.0f}"


def format_change_since_peak(change: PeakChange) -> str:
    """'−1,234 (−10.0%)', or '0 (0.0%)' when the latest year is the peak."""
    return f"{format_signed_count(change.change)} ({_signed_percent(change.percent)})"


def format_month_period(year: int, month: int) -> str:
    """(2025, 6) -> 'the 12 months to June 2025' (a 12-month-ending period)."""
    return f"the 12 months to {pd.Timestamp(year=year, month=month, day=1):%B %Y}"


# --- the national series (NIDA) ----------------------------------------------------------------

def nida_rows(nida: pd.DataFrame, drug_groups: Sequence[str] | str, *, measure: str = "deaths",
              sex: str = "all") -> pd.DataFrame:
    """Yearly US rows (all ages, all races) of `drug_groups` for one measure and sex, ordered by
    group (as given) and year. Suppressed rows stay in, with no value."""
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, not {sex!r}")
    groups = [drug_groups] if isinstance(drug_groups, str) else list(drug_groups)
    rows = nida[(nida["measure"] == measure) & nida["drug_group"].isin(groups)
                & (nida["sex"] == sex) & (nida["age_group"] == "all")
                & (nida["race_ethnicity"] == "all") & (nida["period_type"] == "year")]
    order = {g: i for i, g in enumerate(groups)}
    return (rows.assign(_order=rows["drug_group"].map(order))
            .sort_values(["_order", "year"], kind="stable").drop(columns="_order")
            .reset_index(drop=True))


def nida_value(nida: pd.DataFrame, drug_group: str, year: int, *, measure: str = "deaths",
               sex: str = "all") -> float | None:
    """One published number, or None when it has no row or is suppressed."""
    rows = nida_rows(nida, drug_group, measure=measure, sex=sex)
    rows = rows[(rows["year"] == year) & rows["value"].notna()]
    if len(rows) > 1:
        raise ValueError(f"{drug_group} {measure} {sex} {year}: {len(rows)} rows, expected one")
    return float(rows["value"].iloc[0]) if len(rows) else None


def latest_year(nida: pd.DataFrame, drug_group: str = BENZO) -> int:
    """Last year of the national series of `drug_group` (deaths, both sexes) with a value."""
    rows = nida_rows(nida, drug_group)
    rows = rows[rows["value"].notna()]
    if rows.empty:
        raise ValueError(f"{NIDA_TABLE} has no {drug_group} deaths with a value")
    return int(rows["year"].max())


def benzo_deaths(nida: pd.DataFrame, year: int, sex: str = "all") -> float | None:
    """Overdose deaths involving benzodiazepines in `year` (None if not published)."""
    return nida_value(nida, BENZO, year, sex=sex)


def peak(nida: pd.DataFrame, drug_group: str = BENZO) -> tuple[int, float]:
    """(year, deaths) of the highest yearly count; the earliest year on a tie."""
    rows = nida_rows(nida, drug_group)
    rows = rows[rows["value"].notna()]
    if rows.empty:
        raise ValueError(f"{NIDA_TABLE} has no {drug_group} deaths with a value")
    top = rows.loc[rows["value"].idxmax()]
    return int(top["year"]), float(top["value"])


def change_since_peak(nida: pd.DataFrame, drug_group: str = BENZO,
                      year: int | None = None) -> PeakChange:
    """Change in deaths from the peak year to `year` (default: the latest year)."""
    peak_year, peak_value = peak(nida, drug_group)
    year = year if year is not None else latest_year(nida, drug_group)
    latest_value = nida_value(nida, drug_group, year)
    if latest_value is None:
        raise ValueError(f"{NIDA_TABLE}: no {drug_group} deaths in {year}")
    return PeakChange(peak_year, peak_value, year, latest_value)


@dataclass(frozen=True)
class Card:
    """A key-number card as a page draws it: label, value, the line under the value, the help."""
    label: str
    value: str
    detail: str
    help: str


RISE_YEARS = 5
"""Years the peak card looks back over when the latest year is the peak."""


def since_peak_card(nida: pd.DataFrame, year: int, drug_group: str = BENZO) -> Card:
    """The card beside the latest count: the change since the peak year, or, when `year` is the
    peak (or equals it), the change over the RISE_YEARS before it, saying that it is the highest
    year of the series: never a bare "0 (0.0%)"."""
    change = change_since_peak(nida, drug_group, year)
    rows = nida_rows(nida, drug_group)
    rows = rows[rows["value"].notna() & (rows["year"] <= year)]
    first = int(rows["year"].min())
    span = f"{first}–{year}"
    help_text = (f"Peak: {format_count(change.peak_value)} deaths in {change.peak_year}, the "
                 f"highest yearly count in {span}.")
    # The count as the value, the percent under it: "−1,535 (−12.3%)" was cut to "−1,535 (−12…"
    # in a card half the column wide at 1024 px.
    if change.latest_value < change.peak_value:
        return Card(f"Change since the peak year ({change.peak_year})",
                    format_signed_count(change.change),
                    f"{_signed_percent(change.percent)} from {format_count(change.peak_value)} "
                    f"in {change.peak_year}", help_text)
    earlier = rows[rows["year"] < year]
    if earlier.empty:
        return Card(f"First year of the series ({year})", format_count(change.latest_value),
                    "no earlier year to compare", help_text)
    base = earlier[earlier["year"] >= year - RISE_YEARS].head(1)
    base = base if len(base) else earlier.head(1)
    base_year, base_value = int(base["year"].iloc[0]), float(base["value"].iloc[0])
    rise = PeakChange(base_year, base_value, year, change.latest_value)
    highest = (f"{year} is the highest year since {first}" if change.latest_is_peak
               else f"{year} equals the peak of {change.peak_year}")
    return Card(f"Change over {year - base_year} years ({base_year}–{year})",
                format_signed_count(rise.change), f"{_signed_percent(rise.percent)}; {highest}",
                help_text)


def _signed_percent(value: float) -> str:
    sign = "" if round(value, 1) == 0 else ("+" if value > 0 else "−")
    return f"{sign}{abs(value):.1f}%"


def change_from_previous_year(nida: pd.DataFrame, year: int, drug_group: str = BENZO
                              ) -> float | None:
    """Deaths in `year` minus deaths the year before (None if either is missing)."""
    now, before = nida_value(nida, drug_group, year), nida_value(nida, drug_group, year - 1)
    return None if now is None or before is None else now - before


def share_of_benzo_deaths_with(nida: pd.DataFrame, year: int, partner: str = "any_opioid",
                               sex: str = "all") -> Share:
    """Benzodiazepine deaths in `year` that also involved `partner` ('any_opioid' or
    'synthetic_opioids'), of all benzodiazepine deaths."""
    if partner not in OPIOID_PARTNERS:
        raise ValueError(f"partner must be one of {OPIOID_PARTNERS}, not {partner!r}")
    return Share(year, nida_value(nida, f"{BENZO}_with_{partner}", year, sex=sex),
                 nida_value(nida, BENZO, year, sex=sex))


def share_of_opioid_deaths_with_benzo(nida: pd.DataFrame, year: int, sex: str = "all") -> Share:
    """Opioid deaths in `year` that also involved benzodiazepines, of all opioid deaths (NIDA:
    benzodiazepines_with_any_opioid / any_opioid)."""
    return Share(year, nida_value(nida, f"{BENZO}_with_any_opioid", year, sex=sex),
                 nida_value(nida, "any_opioid", year, sex=sex))


def published_check(nida: pd.DataFrame,
                    figure: PublishedFigure = NIDA_OPIOID_DEATHS_WITH_BENZO_2019) -> dict[str, object]:
    """Our share of opioid deaths with benzodiazepines in the figure's year beside the published
    figure, and the same share in the latest year of the data (the published figure stays
    anchored to its own year): {'computed', 'published', 'numerator', 'denominator', 'agrees',
    'latest_year', 'latest', 'text'}."""
    share = share_of_opioid_deaths_with_benzo(nida, figure.year)
    pct = share.percent
    agrees = pct is not None and abs(pct - figure.value) <= figure.tolerance
    year = latest_year(nida, "benzodiazepines_with_any_opioid")
    latest = share_of_opioid_deaths_with_benzo(nida, year)
    if pct is None:
        text = f"Not computable for {figure.year}: a count is missing in the data."
    else:
        text = (f"Check: computed from the data, {format_percent(pct)} "
                f"({format_count(share.numerator)} of {format_count(share.denominator)} opioid "
                f"overdose deaths in {figure.year}); NIDA's published figure: {figure.text} "
                f"[{figure.source_id}]" + ("." if agrees else " — these disagree; see Data and "
                                           "methods."))
        if year != figure.year and latest.percent is not None:
            text += (f" In {year}, the latest year in these data: "
                     f"{format_percent(latest.percent)} ({format_count(latest.numerator)} of "
                     f"{format_count(latest.denominator)}).")
    return {"computed": pct, "published": figure.text, "numerator": share.numerator,
            "denominator": share.denominator, "agrees": agrees, "latest_year": year,
            "latest": latest.percent, "text": text}


# --- frames for the opioids page ---------------------------------------------------------------

def split_groups(partner: str) -> tuple[str, str]:
    """('benzodiazepines_with_<partner>', 'benzodiazepines_without_<partner>')."""
    if partner not in OPIOID_PARTNERS:
        raise ValueError(f"partner must be one of {OPIOID_PARTNERS}, not {partner!r}")
    return f"{BENZO}_with_{partner}", f"{BENZO}_without_{partner}"


def partner_phrase(partner: str) -> str:
    """Short words for an opioid split, from the registry label of its 'with' group:
    'any opioid', 'synthetic opioids (mostly fentanyl)'."""
    label = DRUG_GROUPS[split_groups(partner)[0]].label
    return label.removeprefix("Benzodiazepines with ").strip()


def rates_with_interval(nida: pd.DataFrame, drug_groups: Sequence[str], *, sex: str = "all"
                        ) -> pd.DataFrame:
    """Age-adjusted rate rows of `drug_groups` with `lower` and `upper` 95% limits from the same
    year's deaths (app.views.stats.rate_interval; an approximation for age-adjusted rates).
    Limits are NA where the rate or the count is missing or suppressed."""
    rates = nida_rows(nida, drug_groups, measure="age_adjusted_rate", sex=sex)
    deaths = nida_rows(nida, drug_groups, measure="deaths", sex=sex)
    counts = rates[["drug_group", "year"]].merge(
        deaths[["drug_group", "year", "value"]], on=["drug_group", "year"], how="left",
        validate="one_to_one")["value"]
    lower, upper = rate_interval(counts, rates["value"].reset_index(drop=True))
    return rates.assign(lower=lower.to_numpy(), upper=upper.to_numpy())


VISIBLE_BAND_SHARE = 0.05
"""A 95% band narrower than this share of the highest plotted value is no wider than the 3 px
line on a chart about 400 px tall whose axis runs past the data for event labels (about 10 px),
so the page says how wide the bands are."""


def interval_note(plotted: pd.DataFrame, unit: str = "per 100,000") -> str:
    """The sentence under a rate chart with 95% bands: what the bands are and, when even the
    widest is too narrow to see beside the line, how wide it is and for which series and year, so
    the reader knows the intervals were drawn and are narrow (the numbers are in "Show data")."""
    bands = plotted.dropna(subset=["lower", "upper"])
    text = ("Shaded bands: 95% confidence intervals computed from each year's deaths as NCHS "
            "does for crude rates (Poisson; gamma limits under 100 deaths). For age-adjusted "
            "rates this is an approximation: NCHS uses age-specific counts these data do not "
            "include.")
    if bands.empty:
        return text
    width = bands["upper"] - bands["lower"]
    widest = bands.loc[width.idxmax()]
    span = float(plotted[["value", "upper"]].max().max())
    if span > 0 and float(width.max()) < VISIBLE_BAND_SHARE * span:
        name = DRUG_GROUPS[widest["drug_group"]].label if widest["drug_group"] in DRUG_GROUPS \
            else str(widest["drug_group"])
        text += (f" Here the bands are hardly wider than the line: the widest, {name} in "
                 f"{int(widest['year'])}, runs from {widest['lower']:.2f} to "
                 f"{widest['upper']:.2f} {unit} (each year's limits are in Show data).")
    return text


def share_values(stacked: pd.DataFrame) -> pd.DataFrame:
    """A `charts.stacked_share_data` frame with `value` replaced by its `share` (percent), for
    describing the share view in words (charts.chart_summary)."""
    return stacked.assign(value=stacked["share"])


# --- other tables (for the presenter's placeholders) -------------------------------------------

def sudors_illicit_benzo_deaths(sudors: pd.DataFrame) -> tuple[int, float]:
    """(last year of the SUDORS table, illegal-benzodiazepine deaths that year in all
    participating jurisdictions)."""
    year = int(sudors["year"].max())
    rows = sudors[(sudors["drug_group"] == "illegal_benzodiazepines")
                  & (sudors["measure"] == "deaths") & (sudors["geo_fips"] == PARTICIPATING_FIPS)
                  & (sudors["sex"] == "all") & (sudors["age_group"] == "all")
                  & (sudors["year"] == year) & sudors["value"].notna()]
    if len(rows) != 1:
        raise ValueError(f"{SUDORS_TABLE}: expected one illegal_benzodiazepines deaths row for "
                         f"all participating jurisdictions in {year}, found {len(rows)}")
    return year, float(rows["value"].iloc[0])


def nonfatal_benzo_ed_rate(syndromic: pd.DataFrame) -> tuple[int, int, float]:
    """(year, month, rate) of the latest 12-month-ending DOSE-SYS rate of suspected
    benzodiazepine overdose ED visits per 10,000 ED visits, all participating jurisdictions,
    both sexes, all ages."""
    rows = syndromic[(syndromic["drug_group"] == BENZO)
                     & (syndromic["measure"] == "visit_rate")
                     & (syndromic["geo_fips"] == PARTICIPATING_FIPS)
                     & (syndromic["period_type"] == "12_month_ending")
                     & (syndromic["sex"] == "all") & (syndromic["age_group"] == "all")
                     & syndromic["value"].notna()]
    if rows.empty:
        raise ValueError(f"{DOSE_SYNDROMIC_TABLE}: no 12-month benzodiazepine rate for all "
                         "participating jurisdictions")
    last = rows.sort_values(["year", "month"], kind="stable").iloc[-1]
    return int(last["year"]), int(last["month"]), float(last["value"])


def state_highest_benzo_rate(wonder: pd.DataFrame, year: int | None = None
                             ) -> tuple[int, str, float]:
    """(year, state name, crude rate) of the state with the highest reliable benzodiazepine death
    rate (CDC WONDER, multiple cause) in `year` (default: the latest year with state rates).
    Suppressed and unreliable rates are left out."""
    rows = wonder[(wonder["drug_group"] == BENZO) & (wonder["measure"] == "crude_rate")
                  & (wonder["geo_level"] == "state") & (wonder["period_type"] == "year")
                  & (wonder["sex"] == "all") & (wonder["age_group"] == "all")]
    if rows.empty:
        raise ValueError(f"{WONDER_TABLE}: no state benzodiazepine crude rates")
    year = year if year is not None else int(rows["year"].max())
    reliable = rows[(rows["year"] == year) & rows["value"].notna() & ~rows["suppressed"]
                    & ~rows["unreliable"]]
    if reliable.empty:
        raise ValueError(f"{WONDER_TABLE}: no reliable state benzodiazepine rate in {year}")
    top = reliable.loc[reliable["value"].idxmax()]
    return year, str(top["geo_name"]), float(top["value"])


# --- placeholder values ------------------------------------------------------------------------

def nida_headline_values(nida: pd.DataFrame) -> dict[str, str]:
    """The placeholders computed from the national NIDA series."""
    year = latest_year(nida)
    change = change_since_peak(nida, year=year)
    check = published_check(nida)
    figure = NIDA_OPIOID_DEATHS_WITH_BENZO_2019
    share_2019 = format_percent(check["computed"])  # type: ignore[arg-type]
    return {
        "latest_year": str(year),
        "benzo_deaths_latest": format_count(change.latest_value),
        "benzo_deaths_peak": format_count(change.peak_value),
        "peak_year": str(change.peak_year),
        "change_since_peak": format_change_since_peak(change),
        "share_with_opioids_latest": format_percent(
            share_of_benzo_deaths_with(nida, year, "any_opioid").percent, 0),
        "share_with_synthetic_latest": format_percent(
            share_of_benzo_deaths_with(nida, year, "synthetic_opioids").percent, 0),
        "share_opioid_deaths_with_benzo_2019":
            f"{share_2019} (NIDA's published figure: {figure.text})",
        "share_opioid_deaths_with_benzo_2019_value": share_2019,
        "share_opioid_deaths_with_benzo_2019_published": figure.text,
        "share_opioid_deaths_with_benzo_latest": format_percent(
            share_of_opioid_deaths_with_benzo(nida, year).percent),
    }


def sudors_headline_values(sudors: pd.DataFrame) -> dict[str, str]:
    year, deaths = sudors_illicit_benzo_deaths(sudors)
    return {"sudors_latest_year": str(year), "illicit_benzo_deaths_latest": format_count(deaths)}


def dose_headline_values(syndromic: pd.DataFrame) -> dict[str, str]:
    year, month, rate = nonfatal_benzo_ed_rate(syndromic)
    return {"nonfatal_benzo_ed_rate_latest": f"{rate:.1f}",
            "nonfatal_latest_period": format_month_period(year, month)}


def state_headline_values(wonder: pd.DataFrame) -> dict[str, str]:
    year, name, _ = state_highest_benzo_rate(wonder)
    return {"state_map_year": str(year), "state_highest_rate_name": name}


HEADLINE_BUILDERS = {
    NIDA_TABLE: nida_headline_values,
    SUDORS_TABLE: sudors_headline_values,
    DOSE_SYNDROMIC_TABLE: dose_headline_values,
    WONDER_TABLE: state_headline_values,
    named.SLIDE_TABLE: named.named_headline_values,
}
"""Which table each group of placeholders comes from (a page that lacks one table can still
fill the placeholders of the others with app.glue.headlines.headline_values_from)."""


# --- text helpers ------------------------------------------------------------------------------

def markdown_section(text: str, heading: str) -> str:
    """The body of the Markdown section titled `heading` (any level), up to the next heading of
    the same or a higher level; raises ValueError naming the heading when it is absent."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        found = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if found and found.group(2) == heading:
            level = len(found.group(1))
            body = []
            for later in lines[i + 1:]:
                other = re.match(r"^(#{1,6})\s", later)
                if other and len(other.group(1)) <= level:
                    break
                body.append(later)
            return "\n".join(body).strip()
    raise ValueError(f"no section titled {heading!r}")


