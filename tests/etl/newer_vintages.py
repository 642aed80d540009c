"""Synthetic newer vintages of every source, made from the publishers' real files: the refresh a
publisher's update would bring (rows added, a period added, a value revised), so the tests can
check that `python -m etl build` accepts a vintage it was not tested on and reports how it
differs from the shipped data.

`make(name, raw_dir, out_root)` writes the source's raw folder under `out_root` with one
publisher-style update and returns what a reader of the build summary must find: the period
added and the table whose values were revised.
"""
from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from etl import build as etl_build


@dataclass(frozen=True)
class Update:
    table: str
    period_added: str
    revised: bool = True
    """A value of an overlapping period was changed."""


def _copy_folder(raw_dir: Path, module_name: str, out_root: Path) -> Path:
    source = etl_build.load_source_module(module_name).SOURCE
    target = out_root / source.raw_folder
    shutil.copytree(raw_dir / source.raw_folder, target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target


def _edit_csv(path: Path, edit: Callable[[list[str], list[list[str]]], list[list[str]]],
              encoding: str = "utf-8", newline: str = "\n") -> None:
    """Rewrite a CSV: `edit(header, rows)` returns the new rows (quoting as csv.writer does)."""
    text = path.read_bytes().decode(encoding)
    bom = text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    header, body = rows[0], rows[1:]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows([header, *edit(header, body)])
    path.write_bytes((("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding))


def nida_next_release(source: Path, target: Path, revise: tuple[str, int, int] | None = None
                      ) -> None:
    """NIDA's next release: one more year column on every data sheet (a copy of the last year),
    and optionally one count revised (row label, year, new value) on the counts sheet."""
    from etl import nida  # noqa: PLC0415

    workbook = load_workbook(source, data_only=True)  # cached values: openpyxl drops formulas' results
    for spec in nida.SHEETS:
        sheet = workbook[spec.name]
        header = [c.value for c in sheet[nida.HEADER_ROW]]
        last = max(i for i, v in enumerate(header) if isinstance(v, (int, float)))
        sheet.insert_cols(last + 2)
        sheet.cell(nida.HEADER_ROW, last + 2, header[last] + 1)
        for row in range(nida.HEADER_ROW + 1, sheet.max_row + 1):
            sheet.cell(row, last + 2, sheet.cell(row, last + 1).value)
        if revise and spec.name == "Number Drug OD Deaths":
            label, year, value = revise
            column = header.index(year) + 1
            for row in range(nida.HEADER_ROW + 1, sheet.max_row + 1):
                if nida.normalise_label(sheet.cell(row, 2).value or "") == label:
                    sheet.cell(row, column, value)
                    break
    workbook.save(target)


def _nida(raw_dir: Path, out_root: Path) -> Update:
    folder = _copy_folder(raw_dir, "nida", out_root)
    newest = max(folder.glob("*.xlsx"), key=lambda p: p.name.lower())
    # total overdose deaths 2020 (not a benzodiazepine row, so the sums still hold)
    nida_next_release(newest, folder / "overdose_data_1999-2023_3.1.2025.xlsx",
                      revise=("total overdose deaths", 2020, 91_800))
    return Update("nida_national", "2023")


def _sudors(raw_dir: Path, out_root: Path) -> Update:
    from etl import sudors  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "sudors", out_root)
    path = folder / sudors.WORKBOOK
    workbook = load_workbook(path)
    sheet = workbook[sudors.SHEET]
    header = [c.value for c in sheet[1]]
    year_col = header.index(sudors.YEAR_COLUMN) + 1
    rate_col = header.index("alldrug_rate") + 1
    rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, year_col).value == 2023]
    for r in rows:
        sheet.append([c.value for c in sheet[r]])
        sheet.cell(sheet.max_row, year_col, 2024)
    sheet.cell(rows[0], rate_col, float(sheet.cell(rows[0], rate_col).value) + 0.1)
    workbook.save(path)
    return Update("sudors_state", "2024")


def _ct_ocme(raw_dir: Path, out_root: Path) -> Update:
    from etl import ct_ocme  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "ct_ocme", out_root)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        date, benzo = header.index("Date"), header.index("Benzodiazepine")
        added = [[*r[:date], r[date][:6] + "2023", *r[date + 1:]] for r in rows
                 if r[date].endswith("/2022")][:400]
        revised = next(r for r in rows if r[date].endswith("/2021") and not r[benzo].strip())
        revised[benzo] = "Y"
        return added + rows
    _edit_csv(folder / ct_ocme.FILE_NAME, edit)
    return Update("ct_ocme_deaths", "2023")


def _dose(raw_dir: Path, out_root: Path) -> Update:
    from etl import dose  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "dose", out_root)

    def add_2024(year_column: str, revise: str | None = None
                 ) -> Callable[[list[str], list[list[str]]], list[list[str]]]:
        def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
            year = header.index(year_column)
            added = [[*r[:year], "2024", *r[year + 1:]] for r in rows if r[year] == "2023"]
            if revise:
                column = header.index(revise)
                first = next(r for r in rows if r[column].replace(".", "").isdigit())
                first[column] = f"{float(first[column]) + 0.1:.1f}"
            return rows + added
        return edit
    _edit_csv(folder / dose.DIS_JURISDICTION, add_2024("year", revise="rate_benzodiazepine"),
              newline="\r\n")
    _edit_csv(folder / dose.DIS_SEX_AGE, add_2024("year"), newline="\r\n")
    _edit_csv(folder / dose.DIS_SUBMISSIONS, add_2024("year"), newline="\r\n")
    return Update("dose_discharge", "2024")


def _vsrr(raw_dir: Path, out_root: Path) -> Update:
    from etl import vsrr  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "vsrr", out_root)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        year, month = header.index("Year"), header.index("Month")
        indicator, value = header.index("Indicator"), header.index("Data Value")
        added = [[*r[:month], "March", *r[month + 1:]] for r in rows
                 if r[year] == "2019" and r[month] == "February"]
        revised = next(r for r in rows if r[indicator] == "Percent with drugs specified"
                       and r[value] and r[year] == "2018")
        revised[value] = f"{float(revised[value]) - 0.1:.1f}"
        return rows + added
    _edit_csv(folder / vsrr.RAW_NAME, edit, encoding="utf-8", newline="\r\n")
    return Update("vsrr_provisional", "2019-03")


def _nchs_state(raw_dir: Path, out_root: Path) -> Update:
    from etl import nchs_state  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "nchs_state", out_root)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        year = header.index("Year")
        rate, low = header.index("Age-adjusted Rate"), header.index(
            "Lower Confidence Limit for Age-adjusted Rate")
        added = [[*r[:year], "2017", *r[year + 1:]] for r in rows if r[year] == "2016"]
        revised = next(r for r in rows if r[0] == "Alabama" and r[year] == "2010")
        revised[rate] = revised[low]
        return rows + added
    _edit_csv(folder / nchs_state.RAW_NAME, edit)
    return Update("nchs_state_poisoning", "2017")


def _nchs_hus(raw_dir: Path, out_root: Path) -> Update:
    from etl import nchs_hus  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "nchs_hus", out_root)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        year, year_num = header.index("YEAR"), header.index("YEAR_NUM")
        estimate = header.index("ESTIMATE")
        added = [[*r[:year], "2019", str(int(r[year_num]) + 1), *r[year_num + 1:]]
                 for r in rows if r[year] == "2018"]
        revised = next(r for r in rows if r[year] == "2017" and r[estimate])
        revised[estimate] = f"{float(revised[estimate]) + 0.1:.1f}"
        return rows + added
    _edit_csv(folder / nchs_hus.RAW_NAME, edit)
    return Update("nchs_hus_rates", "2019")


def _census(raw_dir: Path, out_root: Path) -> Update:
    from etl import census  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "census", out_root)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        last = header.index("POPESTIMATE2024")
        header.insert(last + 1, "POPESTIMATE2025")
        for r in rows:
            r.insert(last + 1, r[last])
        # one county and its state revised alike, so counties still add up to the state
        column = header.index("POPESTIMATE2023")
        for r in rows[:2]:
            r[column] = str(int(r[column]) + 100)
        return rows
    _edit_csv(folder / census.FILE_NAME, edit, encoding=census.ENCODING)
    return Update("census_population", "2025")


def _wonder(raw_dir: Path, out_root: Path) -> Update:
    folder = _copy_folder(raw_dir, "wonder", out_root)
    path = folder / "Benz" / "Country_Month_2.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    january = next(i for i, line in enumerate(lines) if '"2021/01"' in line)
    lines[january] = lines[january].replace("\t1167\t", "\t1170\t")
    december = next(i for i, line in enumerate(lines) if '"2021/12"' in line)
    lines.insert(december + 1, lines[december].replace("Dec., 2021", "Jan., 2022")
                 .replace("2021/12", "2022/01"))
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return Update("wonder_mcd", "2022-01")


def _allegheny(raw_dir: Path, out_root: Path) -> Update:
    """The portal's later export: deaths from May 2024 on added (the cases closed since), and one
    2022 death's toxicology completed with a benzodiazepine."""
    from etl import allegheny  # noqa: PLC0415

    folder = _copy_folder(raw_dir, "allegheny", out_root)

    def edit(header: list[str], rows: list[list[str]]) -> list[list[str]]:
        ids, when, year = header.index("_id"), header.index("death_date_and_time"), \
            header.index("case_year")
        drugs = [header.index(f"combined_od{i}") for i in range(1, 11)]
        next_id = max(int(r[ids]) for r in rows) + 1
        added = []
        for i, r in enumerate(r for r in rows if r[year] == "2023"):
            new = list(r)
            new[ids], new[year] = str(next_id + i), "2024"
            new[when] = "2024-" + ("05", "06", "07", "08")[i % 4] + r[when][7:]
            added.append(new)
        revised = next(r for r in rows if r[year] == "2022" and not r[drugs[-1]]
                       and "Alprazolam" not in r)
        revised[next(c for c in drugs if not revised[c])] = "Alprazolam"
        return rows + added[:300]
    _edit_csv(folder / allegheny.SOURCE.files[0].name, edit)
    return Update("allegheny_deaths", "2024")


MAKERS: dict[str, Callable[[Path, Path], Update]] = {
    "nida": _nida, "wonder": _wonder, "sudors": _sudors, "ct_ocme": _ct_ocme, "dose": _dose,
    "vsrr": _vsrr, "nchs_state": _nchs_state, "nchs_hus": _nchs_hus, "census": _census,
    "allegheny": _allegheny,
}


def make(name: str, raw_dir: Path, out_root: Path) -> Update:
    return MAKERS[name](raw_dir, out_root)
