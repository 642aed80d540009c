"""CDC WONDER Multiple Cause of Death exports: overdose deaths by drug, states and nation.

CDC WONDER (NCHS National Vital Statistics System) is the public front end to every US death
certificate. These are tab-delimited "Export" files of queries on two WONDER databases:
D77 "Multiple Cause of Death, 1999-2020" (final) and D176 "Provisional Mortality Statistics,
2018 through Last Month". They give benzodiazepine (T42.4) overdose deaths by state and year
2010–2020 and nationally by month 2015–2021, next to cocaine, heroin, psychostimulants, natural/
semisynthetic and synthetic opioids, any opioid, all drugs and (a different definition) alcohol —
the only state-level, drug-specific death counts the dashboard has for the 2010s.

Definition ("mcd_overdose"): the queries select the drug-poisoning intent codes X40–X44, X60–X64,
X85, Y10–Y14 on the *multiple-cause* axis AND the drug's T-code, not the NCHS standard
underlying-cause definition, so counts run ~4–7 % above NCHS/NIDA figures. The Alcohol files
select F10.0, T51.x, X45, X65, Y15 with no overdose restriction ("mcd_alcohol_any").
Drug group, ICD-10 codes, database and definition are read from each file's footer, never from
its folder name.

Refetching: WONDER's XML API (https://wonder.cdc.gov/controller/datarequest/D77, .../D176) serves
national data only — queries that group by or limit to states are refused — so state files must be
exported by hand from the request forms listed in SOURCE.files. The current national series comes
from that API in etl/wonder_api.py, which reuses this module's cell, suppression and code helpers.

`read_wonder_export` is a general parser for any WONDER .txt export; `parse` applies it to this
source's files and reshapes them to the tidy table `wonder_mcd`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import corrections
from etl.registry import STATE_BY_FIPS, US_FIPS
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import PARTIAL_NOTE, tidy_frame
from etl.vintages import EditionCheck

D77_FORM = "https://wonder.cdc.gov/controller/datarequest/D77"
D176_FORM = "https://wonder.cdc.gov/controller/datarequest/D176"

_FILE_SHA256: dict[str, str] = {
    "Alcohol/Country_Month.txt":
        "09ad92345c905cc36d74cef00300d1dfd633925ee8f691d5e467452e9237e842",
    "Alcohol/Country_Month_2.txt":
        "7aa1a13628b185032527ed1e847f4268a93920a805dfc2d872be89443cf6125b",
    "Alcohol/State_Year.txt":
        "2ef17148f2a004d29f95775b160772333a6c4ec4c26d968ed44ecfd7d208f40b",
    "All Opioids/State_Month.txt":
        "4ab762cbcea76e64968d0f44177565ed5e527d063df6e4855b2a3e8cd28adda5",
    "All Opioids/State_Month_2.txt":
        "45c6e94cdcffad867c3dc70d77f6602e87df2be75da3fb78bd937a61a0c8df60",
    "Benz/Country_Month.txt":
        "a4ea206b8183307cffa042ff008e9322dc62fa47b4196284e3f1f4de8cdbec13",
    "Benz/Country_Month_2.txt":
        "cdb43521dc0d9e107106089c85526bc6c397c043a64119a1a4d18a8d65976670",
    "Benz/State_Year.txt":
        "172ad9d046212dcc0ba0810b634720bad7dee377a852c4a634154c188853096c",
    "Cocaine/Country_Month.txt":
        "100c5b7f6567f05a99eb4d961f717982669a077ecc2c8bd9f4a78ddd69f92e26",
    "Cocaine/Country_Month_2.txt":
        "3507ca95b26d59f10b6df55eea65b9b3642e5d90725eb6538cc66bf7470e7f2b",
    "Cocaine/State_Year.txt":
        "4e315d7eccf517dd51712bcab64a63b229b502d3e3df964109552d0c7f767b07",
    "Heroin/Country_Month.txt":
        "2d815465a5bc1ed7e5ebf36305d2caa6013ae93909ffa7fa9d17f7fa6cb759d4",
    "Heroin/Country_Month_2.txt":
        "be3f1863f5041f6ffb376157eee71f96045b370123a16ea287f0b508a4f4f486",
    "Heroin/State_Year.txt":
        "a143ac0eed0dec9dc042156e2a5faeed2299d5bd6ebd774fa135a48ac37ee85e",
    "Meth/Country_Month.txt":
        "da3cd238e5f2bd68ee257af6812879e6ba957f817870ca9df551ed4e62967579",
    "Meth/Country_Month_2.txt":
        "8d67173fdc8f9d40207b9f5e97ac78f30bb5a2ac75c90a22bf12ca75b37a20b4",
    "Meth/State_Year.txt":
        "1188ad97a44987076b572bccec02882ae8e37dc5d1b406061b8b916d00b183fd",
    "SemiSynthetic/Country_Month.txt":
        "c489e3f1b476d02629406f0086faf9c92471e9411199883514ced36fbd093fce",
    "SemiSynthetic/Country_Month_2.txt":
        "18fe91ce35ed339b975784a6ac8e718521678878f3973cefb14510d3ac7d237e",
    "SemiSynthetic/State_Year.txt":
        "c81ecf61b520be4c8868eeecda84599fd97632655aea960f92cfd5da06e87851",
    "State_Month.txt":
        "33f3f5436a7c2c06e1b5acab60d5fc28a9dacf5a17de01767e9f3feb4fd385ee",
    "Synthetic Opioids/Country_Month.txt":
        "18d5d4369fdf8c1b31c9d25ec2d556bcd6a4e077b939e1f269e5728af19e6ee1",
    "Synthetic Opioids/Country_Month_2.txt":
        "3b32e1ab3c73f3b75780987414a1725a13c61599c9d1f20eb4a75120cbe13a3f",
    "Synthetic Opioids/State_Year.txt":
        "3c2be989c750eb19f9c447ceb542ec5d3732f90ee690b21a933ea41b47fa8c45",
    "Year.txt":
        "242c584fd9bc6485be3438dfc9e3effb0365b438c38e6a009edfc40e62e5ab4c",
    "Year_2.txt":
        "6fbab3da5ae1009d3f34e1c63bb61b576d374e7d94af8324dc0cf94002e41db4",
}

SOURCE = Source(
    id="cdc_wonder",
    title="CDC WONDER Multiple Cause of Death: overdose deaths by drug (exports)",
    publisher="Centers for Disease Control and Prevention, National Center for Health Statistics",
    landing_url="https://wonder.cdc.gov/mcd-icd10.html",
    raw_folder="cdc_wonder_mcd_overdose_by_drug_2010_2021",
    files=tuple(
        # "_2" files are the D176 (provisional) queries; the rest are D77 (final).
        RawFile(name, D176_FORM if name.endswith("_2.txt") else D77_FORM, sha)
        for name, sha in _FILE_SHA256.items()
    ),
    tables=(TableSpec(
        "wonder_mcd",
        "CDC WONDER multiple-cause overdose deaths by drug, states 2010–2020 and US by month "
        "2015–2021",
        "Deaths, crude rates and populations from CDC WONDER exports: states by year 2010–2020 "
        "(final, D77), states by month 2015–2022 (any opioid, all drugs) and the nation by month "
        "2015–2021 (2021 provisional, D176). Multiple-cause overdose definition; alcohol rows use "
        "a separate any-alcohol definition."),),
    coverage="50 states + DC by year 2010–2020; US by month 2015–2021; states by month "
             "2015–Feb 2022 for any opioid and all drugs",
    definitions=("mcd_overdose", "mcd_alcohol_any"),
    citation=(
        "Centers for Disease Control and Prevention, National Center for Health Statistics. "
        "Multiple Cause of Death 1999-2020 on CDC WONDER Online Database, released in 2021, and "
        "National Vital Statistics System, Provisional Mortality on CDC WONDER Online Database. "
        "https://wonder.cdc.gov/mcd-icd10.html, https://wonder.cdc.gov/mcd-icd10-provisional.html "
        "(queries of Mar 30 – Oct 8, 2022)."),
    released="2022-09-04",
    released_from="export footers: D176 provisional data 'as of' 2022-03-06 (states by month) "
                  "and 2022-09-04 (nation by month, the latest, shown); D77 final data 'released "
                  "in 2021'",
    newer_data_url="https://wonder.cdc.gov/mcd-icd10-expanded.html",
    newer_data_note="D77 ends in 2020: final data from 2018 on are in D157 (single race), "
                    "provisional data to last month in D176 "
                    "(https://wonder.cdc.gov/mcd-icd10-provisional.html); exports come from the "
                    "request forms.",
    vintage="D77 final 1999-2020 (released 2021); D176 provisional, deaths through Aug 20, 2022 "
            "as of Sep 4, 2022",
    caveats=(
        "Multiple-cause definition: drug-poisoning codes X40–X44, X60–X64, X85, Y10–Y14 anywhere "
        "on the certificate AND the drug's T-code; counts run ~4–7% above NCHS/NIDA underlying-cause "
        "figures (e.g. benzodiazepines 2019: 10,092 here vs 9,711 NIDA).",
        "Alcohol rows count any alcohol-involved death (F10.0, T51.x, X45, X65, Y15), not only "
        "overdoses; they are not comparable with the drug rows.",
        "Sub-national counts of 1–9 are suppressed (value missing, never zero), so state sums are "
        "smaller than the national total.",
        "Some files were exported with 'Show Suppressed: False' (SemiSynthetic/*, the national "
        "*_2 files): suppressed rows are simply absent there.",
        "Crude rates from fewer than 20 deaths are hidden by WONDER ('Unreliable').",
        "2021 and 2022 months are provisional; Jan–Feb 2022 are partial (incomplete). In the "
        "state-by-month file WONDER withholds every state's count for Oct 2021 – Feb 2022 (marked "
        "Suppressed) and September 2021 is incomplete (etl/corrections.csv).",
        "A suppressed benzodiazepine count reflects what was coded on death certificates (T42.4 "
        "in fewer than 10 records), not the true number of benzodiazepine-involved deaths.",
        "Populations are NCHS bridged-race July 1 estimates (2010: April 1 Census count).",
        "WONDER's API serves national data only; state-level files come from the web request "
        "forms.",
    ),
)

# Raw columns the source parser relies on (the general parser keeps every column).
COLUMNS: dict[str, str] = {
    "Notes": "'Total' marks a total row (dropped; used to check sums); empty on data rows",
    "State Code": "2-digit FIPS; D176 calls the geography 'Residence State Code'",
    "Residence State Code": "2-digit FIPS (D176 name of 'State Code')",
    "Year Code": "'2020'; the 'Year' label carries a trailing space for 2020 in D77",
    "Month Code": "'2020/01'; the 'Month' label reads 'Jan., 2020 ' or 'Jan., 2021 (provisional)'",
    "Deaths": "count, or 'Suppressed' (1–9 deaths at sub-national level)",
    "Population": "persons (state × year only), else 'Not Applicable'",
    "Crude Rate": "per 100,000; 'Unreliable' (< 20 deaths, hidden), 'Suppressed', 'Not Applicable'",
}

# --- General WONDER export parser --------------------------------------------------------------

FOOTER_MARK = '"---"'
MARKERS = ("Suppressed", "Unreliable", "Not Applicable", "Missing", "Not Available")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_NUMBER_FLAGGED = re.compile(r"^(-?\d+(?:\.\d+)?) \((Unreliable)\)$")
_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9 /&%'.\-]*?):(?: (.*))?$")
_ITEM = re.compile(r"^\d+\. ")
_ICD_CODE = re.compile(r"(?:^|; )\*?([A-Z]\d{2}(?:\.\d)?(?:-[A-Z]\d{2}(?:\.\d)?)?) \(")
MCD_LABEL = "MCD - ICD-10 Codes"


@dataclass(frozen=True)
class FooterParameter:
    label: str
    value: str
    """Wrapped continuation lines joined with one space."""
    line: int


@dataclass(frozen=True)
class WonderFooter:
    """Everything from the first '"---"' line on: what was queried, when, and WONDER's notes."""

    line: int
    """Line number of the first '"---"'."""
    dataset: str
    dataset_line: int
    parameters: tuple[FooterParameter, ...]
    help: str
    query_date: str
    citation: str
    messages: tuple[str, ...]
    caveats: tuple[str, ...]

    def parameter(self, label: str) -> FooterParameter | None:
        return next((p for p in self.parameters if p.label == label), None)

    def _flag(self, label: str) -> bool | None:
        p = self.parameter(label)
        return None if p is None else p.value.strip() == "True"

    @property
    def group_by(self) -> tuple[str, ...]:
        p = self.parameter("Group By")
        return tuple(s.strip() for s in p.value.split(";")) if p else ()

    @property
    def show_totals(self) -> bool | None:
        return self._flag("Show Totals")

    @property
    def show_zero_values(self) -> bool | None:
        return self._flag("Show Zero Values")

    @property
    def show_suppressed(self) -> bool | None:
        return self._flag("Show Suppressed")

    @property
    def mcd_boxes(self) -> tuple[tuple[str, ...], ...]:
        """ICD-10 codes of each 'MCD - ICD-10 Codes' box; WONDER ANDs the boxes together."""
        boxes: list[list[str]] = [[]]
        for p in self.parameters:
            if p.label != MCD_LABEL:
                continue
            if p.value.strip() == "AND":
                boxes.append([])
            else:
                boxes[-1].extend(_ICD_CODE.findall(p.value))
        return tuple(tuple(b) for b in boxes if b)

    @property
    def data_through(self) -> str:
        """'Deaths occurring through ... as of ...' from a provisional file's caveats, or ''."""
        return data_through(self.caveats)


def data_through(caveats: tuple[str, ...] | list[str]) -> str:
    """The 'Deaths occurring through <date> as of <date>' statement among WONDER's caveats (a
    provisional database says how current it is there), or ''. Shared with etl/wonder_api.py."""
    for caveat in caveats:
        found = re.search(r"Deaths occurring through .*? as of [A-Za-z]+ \d+, \d{4}", caveat)
        if found:
            return found.group(0)
    return ""


@dataclass
class WonderExport:
    """One parsed export. `data` has the header's columns: text columns as published (labels
    keep WONDER's trailing spaces), each numeric column as float (NaN for a marker) plus
    '<column> Flag' holding the marker ('' for a number), and `line` (1-based source line)."""

    path: Path
    text_columns: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    data: pd.DataFrame
    totals: pd.DataFrame
    footer: WonderFooter

    def total_mismatches(self, count_column: str = "Deaths") -> list[tuple[int, str]]:
        """Each "Total" row against the data rows it sums: equal when nothing is suppressed;
        otherwise the gap must lie in 0–9 deaths per suppressed cell (0 because D176 leaves
        withheld recent state-months out of its totals), or be any non-negative number if rows
        were hidden by 'Show Suppressed: False'. Returns (line of the Total row, problem) pairs."""
        if count_column not in self.numeric_columns or self.totals.empty:
            return []
        hidden = self.footer.show_suppressed is False
        keys = [c for c in self.text_columns if c != "Notes"]
        problems = []
        for _, total in self.totals.iterrows():
            rows = self.data
            for key in keys:
                if total[key] != "":
                    rows = rows[rows[key] == total[key]]
            if rows.empty:
                continue
            shown = float(rows[count_column].sum())
            n_supp = int((rows[f"{count_column} Flag"] == "Suppressed").sum())
            published = float(total[count_column])
            if pd.isna(published):
                continue
            gap = published - shown
            ok = gap >= 0 if hidden else 0 <= gap <= 9 * n_supp
            if not ok:
                problems.append((int(total["line"]),
                                 f"Total {count_column} {published:,.0f} but its {len(rows)} rows "
                                 f"sum to {shown:,.0f} with {n_supp} suppressed"))
        return problems


def _decode(path: Path) -> list[str]:
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceFormatError(path, "file is empty", line=1,
                                expected="a WONDER export (header row, data, footer)",
                                found=f"{len(raw)} bytes of whitespace" if raw else "0 bytes")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise SourceFormatError(path, "wrong text encoding", line=1, expected="UTF-8 (ASCII)",
                                found="UTF-16 (byte-order mark or NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise SourceFormatError(path, "wrong text encoding", line=line, expected="UTF-8 (ASCII)",
                                found=f"byte {raw[err.start:err.start + 1]!r} (Latin-1?)") from err
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [s[:-1] if s.endswith("\r") else s for s in lines]


def _cells(path: Path, text: str, line: int) -> list[tuple[str, bool]]:
    """Split a row into (value, was_quoted): WONDER quotes text and leaves numbers bare."""
    out = []
    for cell in text.split("\t"):
        if len(cell) >= 2 and cell[0] == '"' and cell[-1] == '"':
            out.append((cell[1:-1].replace('""', '"'), True))
        elif '"' in cell:
            raise SourceFormatError(path, "unbalanced quote (row cut short?)", line=line,
                                    expected='a "quoted" text or a bare number', found=repr(cell))
        else:
            out.append((cell, False))
    return out


def cell_value(cell: str) -> tuple[float, str] | None:
    """(value, marker) of one WONDER number cell: a number with marker '', '12.3 (Unreliable)'
    with marker 'Unreliable', or a marker alone ('Suppressed', ...) with NaN; None if it is none
    of these. Shared with etl/wonder_api.py (the API serves the same cell texts)."""
    if _NUMBER.match(cell):
        return float(cell), ""
    flagged = _NUMBER_FLAGGED.match(cell)
    if flagged:
        return float(flagged.group(1)), flagged.group(2)
    if cell in MARKERS:
        return float("nan"), cell
    return None


def _number(path: Path, cell: str, line: int, column: str) -> tuple[float, str]:
    parsed = cell_value(cell)
    if parsed is None:
        raise SourceFormatError(path, "not a number", line=line, column=column,
                                expected=f"a number or one of {', '.join(MARKERS)}",
                                found=repr(cell))
    return parsed


def _footer(path: Path, lines: list[str], start: int) -> WonderFooter:
    """Parse footer lines (`start` is the 0-based index of the first '"---"')."""
    dataset, dataset_line = "", 0
    params: list[list] = []  # [label, [parts], line]
    single: dict[str, list[str]] = {"Help": [], "Query Date": [], "Suggested Citation": []}
    lists: dict[str, list[str]] = {"Messages": [], "Caveats": []}
    mode, target = "", ""
    for index in range(start, len(lines)):
        raw, number = lines[index], index + 1
        if raw == FOOTER_MARK:
            mode = ""
            continue
        text = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
        label = _LABEL.match(text)
        head = label.group(1) if label else ""
        if head == "Dataset":
            dataset, dataset_line, mode = (label.group(2) or "").strip(), number, ""
        elif head == "Query Parameters":
            mode = "params"
        elif head in single:
            mode, target = "single", head
            single[head].append(label.group(2) or "")
        elif head in lists and not label.group(2):
            mode, target = "list", head
        elif mode == "params" and label:
            params.append([head, [label.group(2) or ""], number])
        elif mode == "params" and params:
            params[-1][1].append(text)
        elif mode == "single":
            single[target].append(text)
        elif mode == "list":
            if _ITEM.match(text) or not lists[target]:
                lists[target].append(text)
            else:
                lists[target][-1] += " " + text
        elif text.strip():
            raise SourceFormatError(path, "unexpected footer line", line=number,
                                    expected="a WONDER footer entry (Dataset:, Query Parameters:, "
                                             "Group By:, Query Date:, Caveats:, ...)",
                                    found=repr(raw[:80]))
    if not dataset:
        raise SourceFormatError(path, "footer has no 'Dataset:' line", line=start + 1,
                                expected='"Dataset: <WONDER database name>" after "---"',
                                found="none")
    return WonderFooter(
        line=start + 1, dataset=dataset, dataset_line=dataset_line,
        parameters=tuple(FooterParameter(lab, " ".join(parts).strip(), ln)
                         for lab, parts, ln in params),
        help=" ".join(single["Help"]).strip(), query_date=" ".join(single["Query Date"]).strip(),
        citation=" ".join(single["Suggested Citation"]).strip(),
        messages=tuple(lists["Messages"]), caveats=tuple(lists["Caveats"]))


def read_wonder_export(path: Path) -> WonderExport:
    """Parse any CDC WONDER tab-delimited export (.txt from the 'Export' button).

    Data stop at the first '"---"' line; the rest is the footer. "Total" rows go to `totals`.
    Raises SourceFormatError naming the file and line on anything unexpected.
    """
    path = Path(path)
    lines = _decode(path)
    header = _cells(path, lines[0], 1)
    names = [name for name, _ in header]
    if not names or names[0] != "Notes" or not header[0][1]:
        raise SourceFormatError(path, "not a WONDER export header", line=1,
                                expected='first column "Notes"', found=repr(lines[0][:60]))
    if len(set(names)) != len(names):
        raise SourceFormatError(path, "duplicate column names", line=1, found=", ".join(names))
    quoted = [q for _, q in header]
    text_columns = tuple(n for n, q in header if q)
    numeric_columns = tuple(n for n, q in header if not q)
    try:
        end = lines.index(FOOTER_MARK)
    except ValueError:
        end = None
    rows: list[dict[str, object]] = []
    totals: list[dict[str, object]] = []
    seen: dict[tuple[str, ...], int] = {}
    for index in range(1, len(lines) if end is None else end):
        number = index + 1
        cells = _cells(path, lines[index], number)
        if len(cells) != len(names):
            raise SourceFormatError(path, "wrong number of tab-separated fields (row cut short?)",
                                    line=number, expected=str(len(names)), found=str(len(cells)))
        record: dict[str, object] = {"line": number}
        for name, is_text, (value, was_quoted) in zip(names, quoted, cells):
            if is_text:
                if value and not was_quoted:
                    raise SourceFormatError(path, "text cell not quoted", line=number,
                                            column=name, expected='"quoted" text',
                                            found=repr(value))
                record[name] = value
            else:
                if was_quoted:
                    raise SourceFormatError(path, "quoted text in a numeric column", line=number,
                                            column=name, expected="a bare number or marker",
                                            found=repr(f'"{value}"'))
                record[name], record[f"{name} Flag"] = _number(path, value, number, name)
        if record["Notes"] == "Total":
            totals.append(record)
            continue
        key = tuple(str(record[c]) for c in text_columns if c != "Notes")
        if key in seen:
            raise SourceFormatError(path, "duplicate data row", line=number,
                                    expected="one row per " + ", ".join(text_columns[1:]),
                                    found=f"same {key} as line {seen[key]}")
        seen[key] = number
        rows.append(record)
    if end is None:
        raise SourceFormatError(path, "no footer (file truncated?)", line=len(lines),
                                expected=f"a line {FOOTER_MARK} starting WONDER's footer",
                                found=f"end of file after {len(lines)} lines")
    columns = ["line", *names, *(f"{n} Flag" for n in numeric_columns)]
    return WonderExport(
        path=path, text_columns=text_columns, numeric_columns=numeric_columns,
        data=pd.DataFrame(rows, columns=columns), totals=pd.DataFrame(totals, columns=columns),
        footer=_footer(path, lines, end))


# --- Source: footer -> definition and drug group -----------------------------------------------

def _code_key(code: str) -> tuple[str, int, int | None]:
    letter, rest = code[0], code[1:]
    major, _, minor = rest.partition(".")
    return letter, int(major), int(minor) if minor else None


def expand_codes(codes: str) -> frozenset[str]:
    """'X40–X44, X85' -> {'X40', ..., 'X44', 'X85'} (3-character ranges only)."""
    out: set[str] = set()
    for part in codes.split(", "):
        first, _, last = part.partition("–")
        if not last:
            out.add(first)
            continue
        letter = first[0]
        out.update(f"{letter}{n:02d}" for n in range(int(first[1:]), int(last[1:]) + 1))
    return frozenset(out)


def compress_codes(codes: tuple[str, ...]) -> str:
    """('X40', ..., 'X44', 'X85') -> 'X40–X44, X85': runs of 3+ consecutive codes as ranges."""
    runs: list[list[str]] = []
    for code in codes:
        if runs:
            a, b = _code_key(runs[-1][-1]), _code_key(code)
            follows = a[0] == b[0] and (
                (a[2] is None and b[2] is None and b[1] == a[1] + 1)
                or (a[2] is not None and b[2] is not None and a[1] == b[1] and b[2] == a[2] + 1))
            if follows:
                runs[-1].append(code)
                continue
        runs.append([code])
    parts = []
    for run in runs:
        parts.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else run)
    return ", ".join(parts)


OVERDOSE_INTENT_CODES = expand_codes("X40–X44, X60–X64, X85, Y10–Y14")
ALCOHOL_CODES = frozenset({"F10.0", "T51.0", "T51.1", "T51.2", "T51.3", "T51.8", "T51.9",
                           "X45", "X65", "Y15"})
# T-codes of the box AND-ed with the overdose intent codes -> registry drug-group id.
DRUG_BY_CODES: dict[frozenset[str], str] = {
    frozenset({"T42.4"}): "benzodiazepines",
    frozenset({"T40.5"}): "cocaine",
    frozenset({"T40.1"}): "heroin",
    frozenset({"T43.6"}): "psychostimulants",
    frozenset({"T40.2"}): "natural_semisynthetic_opioids",
    frozenset({"T40.4"}): "synthetic_opioids",
    frozenset({"T40.0", "T40.1", "T40.2", "T40.3", "T40.4", "T40.6"}): "any_opioid",
}
DATASETS: dict[str, str] = {
    "Multiple Cause of Death": "D77",
    "Provisional Mortality Statistics": "D176",
}


@dataclass(frozen=True)
class QueryMeaning:
    database: str
    definition: str
    drug_group: str
    icd10_codes: str


def interpret_footer(export: WonderExport) -> QueryMeaning:
    """Database, case definition and drug group from what the footer says was queried."""
    footer, path = export.footer, export.path
    database = next((db for prefix, db in DATASETS.items()
                     if footer.dataset.startswith(prefix)), None)
    if database is None:
        raise SourceFormatError(path, "unknown WONDER dataset", line=footer.dataset_line,
                                expected=" or ".join(f"'{p}...'" for p in DATASETS),
                                found=repr(footer.dataset))
    boxes = footer.mcd_boxes
    mcd = [p for p in footer.parameters if p.label == MCD_LABEL]
    where = mcd[-1].line if mcd else footer.line
    icd10 = " AND ".join(f"MCD {compress_codes(b)}" for b in boxes)
    if len(boxes) == 1 and set(boxes[0]) == OVERDOSE_INTENT_CODES:
        return QueryMeaning(database, "mcd_overdose", "all_drugs", icd10)
    if len(boxes) == 1 and set(boxes[0]) == ALCOHOL_CODES:
        return QueryMeaning(database, "mcd_alcohol_any", "alcohol", icd10)
    if len(boxes) == 2 and set(boxes[0]) == OVERDOSE_INTENT_CODES:
        drug = DRUG_BY_CODES.get(frozenset(boxes[1]))
        if drug:
            return QueryMeaning(database, "mcd_overdose", drug, icd10)
    raise SourceFormatError(path, "unknown MCD code selection", line=where,
                            expected="overdose codes X40–X44, X60–X64, X85, Y10–Y14 AND one known "
                                     "drug T-code set, or the alcohol codes",
                            found=icd10 or "no 'MCD - ICD-10 Codes' parameter")


# --- Source: reshape one export to tidy rows ---------------------------------------------------

RATE_UNIT = "deaths per 100,000 population, crude"
POPULATION_NOTE = "NCHS bridged-race July 1 estimate"
PARTIAL_PERIOD_NOTE = f"{PARTIAL_NOTE}: deaths still being reported, counts incomplete"
RATE_HIDDEN_NOTE = "rate hidden by WONDER: fewer than 20 deaths"
RATE_UNRELIABLE_NOTE = "flagged unreliable by WONDER: fewer than 20 deaths"


def provisional_note(database: str, through: str) -> str:
    """'provisional (WONDER D176; deaths occurring through ... as of ...)'."""
    return (f"provisional (WONDER {database}"
            + (f"; {through[0].lower()}{through[1:]})" if through else ")"))


def _geography(export: WonderExport, row: pd.Series, code_column: str | None
               ) -> tuple[str, str, str]:
    if code_column is None:
        return "nation", US_FIPS, "United States"
    fips = row[code_column]
    state = STATE_BY_FIPS.get(fips)
    label = str(row.get(code_column.removesuffix(" Code"), "")).strip()
    if state is None or state.name != label:
        raise SourceFormatError(export.path, "unknown state", line=int(row["line"]),
                                column=code_column, expected="a state FIPS code and its name",
                                found=f"{fips!r} {label!r}")
    return "state", fips, state.name


def _period(export: WonderExport, row: pd.Series, code_column: str) -> tuple[str, int, int | None]:
    code = row[code_column]
    found = re.fullmatch(r"(\d{4})/(\d{2})", code) if code_column == "Month Code" \
        else re.fullmatch(r"(\d{4})", code)
    if not found or (code_column == "Month Code" and not 1 <= int(found.group(2)) <= 12):
        raise SourceFormatError(export.path, "bad period code", line=int(row["line"]),
                                column=code_column,
                                expected="YYYY/MM" if code_column == "Month Code" else "YYYY",
                                found=repr(code))
    if code_column == "Month Code":
        return "month", int(found.group(1)), int(found.group(2))
    return "year", int(found.group(1)), None


def _partial_years(footer: WonderFooter) -> set[int]:
    p = footer.parameter("Year/Month")
    if p is None:
        return set()
    return {int(y) for y in re.findall(r"(\d{4}) \(provisional and partial\)", p.value)}


def export_rows(export: WonderExport, name: str) -> list[dict[str, object]]:
    """Tidy-shaped records (plus `line`) for one export: deaths, crude rate, population."""
    meaning = interpret_footer(export)
    columns = set(export.data.columns)
    code_column = next((c for c in ("State Code", "Residence State Code") if c in columns), None)
    period_column = next((c for c in ("Month Code", "Year Code") if c in columns), None)
    unsupported = set(export.footer.group_by) - {"State", "Residence State", "Year", "Month"}
    if unsupported:
        where = export.footer.parameter("Group By")
        raise SourceFormatError(export.path, "unsupported Group By", line=where and where.line,
                                expected="State or Residence State; Year or Month",
                                found=", ".join(sorted(unsupported)))
    for needed in ("Deaths", period_column or "Year Code or Month Code"):
        if needed not in columns:
            raise SourceFormatError(export.path, "missing column", line=1, column=needed,
                                    expected=f"columns {', '.join(COLUMNS)} (as they apply)",
                                    found=", ".join(export.text_columns + export.numeric_columns))
    label_column = period_column.removesuffix(" Code")
    partial_years = _partial_years(export.footer)
    through = export.footer.data_through
    base = {"source_file": name, "definition": meaning.definition,
            "drug_group": meaning.drug_group, "icd10_codes": meaning.icd10_codes}
    out: list[dict[str, object]] = []
    for _, row in export.data.iterrows():
        geo_level, fips, geo_name = _geography(export, row, code_column)
        period_type, year, month = _period(export, row, period_column)
        label = str(row.get(label_column, ""))
        provisional = "(provisional" in label
        notes = []
        if provisional:
            notes.append(provisional_note(meaning.database, through))
        if "partial" in label or year in partial_years:
            notes.append(PARTIAL_PERIOD_NOTE)
        common = {**base, "geo_level": geo_level, "geo_fips": fips, "geo_name": geo_name,
                  "period_type": period_type, "year": year, "month": month,
                  "provisional": provisional, "suppressed": False, "unreliable": False,
                  "line": int(row["line"])}
        out.append(_deaths(export, row, common, notes))
        if "Crude Rate" in columns and row["Crude Rate Flag"] != "Not Applicable":
            out.append(_rate(export, row, common, notes))
        if "Population" in columns and row["Population Flag"] == "":
            population_note = "April 1 Census count" if year == 2010 else POPULATION_NOTE
            out.append({**common, "measure": "population", "unit": "persons",
                        "value": row["Population"], "note": "; ".join([population_note, *notes])})
    return out


def suppressed_note(provisional: bool) -> str:
    """Why a WONDER cell reads "Suppressed" (shared with etl/wonder_api.py)."""
    # D176 also marks withheld recent state-months "Suppressed" (etl/corrections.csv lists the
    # months), so "1–9" is only stated for final data.
    if provisional:
        return "suppressed by WONDER (provisional: confidentiality or a withheld recent month)"
    return "suppressed by WONDER: 1–9 deaths"


def _deaths(export: WonderExport, row: pd.Series, common: dict, notes: list[str]) -> dict:
    flag = row["Deaths Flag"]
    if flag not in ("", "Suppressed"):
        raise SourceFormatError(export.path, "unexpected marker", line=int(row["line"]),
                                column="Deaths", expected="a count or Suppressed", found=repr(flag))
    suppressed = flag == "Suppressed"
    extra = [suppressed_note(common["provisional"])] if suppressed else []
    return {**common, "measure": "deaths", "unit": "deaths", "value": row["Deaths"],
            "suppressed": suppressed, "note": "; ".join([*extra, *notes])}


def _rate(export: WonderExport, row: pd.Series, common: dict, notes: list[str]) -> dict:
    flag = row["Crude Rate Flag"]
    if flag not in ("", "Suppressed", "Unreliable"):
        raise SourceFormatError(export.path, "unexpected marker", line=int(row["line"]),
                                column="Crude Rate", expected="a rate, Suppressed or Unreliable",
                                found=repr(flag))
    extra = {"Suppressed": [suppressed_note(common["provisional"])],
             "Unreliable": [RATE_HIDDEN_NOTE if pd.isna(row["Crude Rate"])
                            else RATE_UNRELIABLE_NOTE]
             }.get(flag, [])
    return {**common, "measure": "crude_rate", "unit": RATE_UNIT, "value": row["Crude Rate"],
            "suppressed": flag == "Suppressed", "unreliable": flag == "Unreliable",
            "note": "; ".join([*extra, *notes])}


CLASH_KEY = ["definition", "measure", "drug_group", "geo_fips", "period_type", "year", "month"]


def check_no_clash(frame: pd.DataFrame) -> None:
    """Final and provisional exports (or answers) of the same month would give two values for
    one key: name both files. Needs `source_file` and `line` beside the CLASH_KEY columns."""
    dup = frame[frame.duplicated(CLASH_KEY, keep=False)]
    if dup.empty:
        return
    first = dup.iloc[0]
    same = dup[(dup[CLASH_KEY].astype(str) == first[CLASH_KEY].astype(str)).all(axis=1)]
    other = same.iloc[1]
    raise SourceFormatError(
        other["source_file"], "same number published twice (overlapping exports)",
        line=int(other["line"]),
        expected="each drug group, place and period in one file only",
        found=f"{first['measure']} {first['drug_group']} {first['geo_name']} {first['year']}"
              f"{'' if pd.isna(first['month']) else '/' + str(first['month'])} also in "
              f"{first['source_file']} line {first['line']}")


# --- Load / process / save ---------------------------------------------------------------------

def parse(folder: Path) -> ParseResult:
    """Parse every WONDER export (*.txt, any depth) in `folder` into the tidy `wonder_mcd`."""
    folder = Path(folder)
    paths = sorted(folder.rglob("*.txt"))
    if not paths:
        raise SourceFormatError(folder, "no WONDER exports (*.txt) found",
                                expected=f"{len(SOURCE.files)} files such as Benz/State_Year.txt")
    # Load
    exports = [(p.relative_to(folder).as_posix(), read_wonder_export(p)) for p in paths]
    # Process
    records: list[dict[str, object]] = []
    warnings: list[str] = []
    for name, export in exports:
        mismatches = export.total_mismatches()
        if mismatches:
            line, problem = mismatches[0]
            raise SourceFormatError(export.path, "Total row does not match its rows", line=line,
                                    expected="Total = sum of rows (+1–9 per suppressed cell)",
                                    found=problem)
        records.extend(export_rows(export, name))
        footer = export.footer
        if footer.show_suppressed is False or footer.show_zero_values is False:
            hidden = [what for what, flag in (("suppressed", footer.show_suppressed),
                                              ("zero", footer.show_zero_values)) if flag is False]
            warnings.append(f"{name}: exported with {' and '.join(hidden)} rows hidden "
                            f"(Show Suppressed: {footer.show_suppressed}, Show Zero Values: "
                            f"{footer.show_zero_values}); its {len(export.data)} rows are all "
                            "WONDER returned — a missing row is not a zero")
    frame = pd.DataFrame.from_records(records)
    check_no_clash(frame)
    table = tidy_frame(frame, source_id=SOURCE.id)
    warnings += corrections.apply(table, corrections.for_source(SOURCE.id))
    # Save (the build writes the table)
    return ParseResult(tables={"wonder_mcd": table},
                       rows_in=sum(len(e.data) for _, e in exports), warnings=warnings)


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """No negative counts; a published crude rate equals deaths / population × 100,000.

    (Each "Total" row is checked against the sum of its rows while parsing, since totals are
    not kept in the tidy table.)"""
    frame = tables["wonder_mcd"]
    failures = []
    counts = frame[frame["measure"].isin(["deaths", "population"])]
    negative = counts[counts["value"] < 0]
    if not negative.empty:
        failures.append(f"wonder_mcd: {len(negative)} negative counts, first in "
                        f"{negative['source_file'].iloc[0]}")
    key = ["source_file", "drug_group", "geo_fips", "year"]
    yearly = frame[(frame["period_type"] == "year")
                   & frame["measure"].isin(["deaths", "population", "crude_rate"])]
    wide = yearly.pivot_table(index=key, columns="measure", values="value").dropna()
    if {"deaths", "population", "crude_rate"} <= set(wide.columns):
        expected = (wide["deaths"] / wide["population"] * 1e5).round(1)
        off = wide[(expected - wide["crude_rate"]).abs() > 0.051]
        for idx, row in off.head(5).iterrows():
            failures.append(f"wonder_mcd: crude rate {row['crude_rate']} != deaths/population "
                            f"{expected[idx]} for {dict(zip(key, idx))}")
    return failures


def _national_benzodiazepine_years(tables: dict[str, pd.DataFrame]) -> list[str]:
    frame = tables["wonder_mcd"]
    months = frame[(frame["geo_fips"] == US_FIPS) & (frame["period_type"] == "month")
                   & (frame["drug_group"] == "benzodiazepines") & (frame["measure"] == "deaths")]
    sums = months.groupby("year")["value"].sum()
    published = {2015: 9_125, 2019: 10_092, 2020: 12_684}
    return [f"wonder_mcd: US benzodiazepine deaths {year} (sum of months): expected {value:,}, "
            f"found {sums.get(year)}" for year, value in published.items()
            if sums.get(year) != value]


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(tuple(f for f in SOURCE.files if f.name.startswith("Benz/Country_Month")),
                 "exports of 2022: US benzodiazepine (T42.4) deaths, sum of the months, 2015 "
                 "9,125; 2019 10,092; 2020 12,684 (PROVENANCE.md)",
                 _national_benzodiazepine_years),
)
