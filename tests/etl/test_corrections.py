"""etl/corrections.py and etl/corrections.csv: the real file loads and points at real code, a
malformed file stops with the file, line and column, rows match the periods they name, and each
applied correction still matches rows of the publishers' real files."""
from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from etl import corrections, dose, nida, wonder
from etl.build import corrections_entry
from etl.corrections import CORRECTIONS_FILE, Correction
from etl.source import SourceFormatError
from etl.tidy import EXCLUDED_NOTE
from etl.verify import verify_data_dir

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def real_file() -> tuple[Correction, ...]:
    return corrections.load()


@pytest.fixture(scope="module")
def fixtures(fixtures_dir: Path) -> Path:
    return fixtures_dir / "corrections"


def by_id(rows: tuple[Correction, ...], ident: str) -> Correction:
    return next(c for c in rows if c.id == ident)


# --- the real file -----------------------------------------------------------------------------

def test_real_file_lists_every_known_issue_once(real_file):
    ids = [c.id for c in real_file]
    assert len(ids) == len(set(ids))
    assert {c.source_id for c in real_file} == {"nida_workbook", "cdc_wonder", "cdc_dose",
                                                 "cdc_sudors", "ct_ocme", "allegheny_me"}
    assert len([c for c in real_file if c.source_id == "nida_workbook"]) == 7
    assert {"wonder-provisional-states-withheld", "dose-sys-covid-onset",
            "sudors-detected-not-involved", "ct-any-opioid-free-text"} <= set(ids)
    for c in real_file:
        assert c.issue and c.evidence, c.id
        assert bool(c.note) == c.applied, c.id


def test_real_file_points_at_code_that_exists(real_file):
    for c in real_file:
        module_name, name = c.handled_in.removeprefix("etl.").split(":")
        module = importlib.import_module(f"etl.{module_name}")
        assert module.SOURCE.id == c.source_id and hasattr(module, name), c.id


def test_rules_kept_in_code_are_the_ones_the_file_points_to(real_file):
    detected = by_id(real_file, "sudors-detected-not-involved")
    from etl import sudors  # noqa: PLC0415
    assert all(g in sudors.NOTE_BY_DRUG for g in detected.drug_groups)
    assert detected.decision == "rule_in_code"


def test_no_known_error_is_written_in_a_source_module():
    assert not hasattr(nida, "KNOWN_ERRORS")
    for module in (nida, wonder, dose):
        text = Path(module.__file__).read_text(encoding="utf-8")
        assert "suspected publisher error" not in text and "2021-10" not in text


def test_manifest_records_the_file_that_built_the_data():
    manifest = json.loads((DATA / "manifest.json").read_text())
    assert manifest["corrections"] == corrections_entry()
    assert manifest["corrections"]["file"] == "etl/corrections.csv"


def test_check_reports_data_built_with_another_corrections_file(tmp_path):
    import shutil  # noqa: PLC0415
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["corrections"]["sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    problems = verify_data_dir(copy)
    assert len(problems) == 1 and "etl/corrections.csv changed since data/ was built" in \
        problems[0] and "python -m etl build" in problems[0]


# --- malformed files ---------------------------------------------------------------------------

def test_valid_fixture_loads(fixtures):
    keep, excluded = corrections.load(fixtures / "valid.csv")
    assert (keep.id, keep.line, keep.sexes, str(keep.period)) == \
        ("nida-example", 2, ("female", "male"), "2012–2013")
    assert excluded.drug_groups is None and excluded.sexes is None
    assert str(excluded.period) == "2020-03–2020-08" and excluded.files == (dose.SYS_JURISDICTION,)


@pytest.mark.parametrize("name, message", [
    ("unknown_source_id.csv",
     r"unknown_source_id\.csv, line 3, column 'source_id': row dose-example: unknown source id "
     r"\(expected .*cdc_dose.*, found 'cdc_dos'\)"),
    ("unknown_file.csv",
     r"line 2, column 'file': row nida-example: file not listed by source nida_workbook"),
    ("malformed_period.csv",
     r"line 2, column 'period': row nida-example: malformed period \(expected 2021, 2012/2020 "
     r"or 2020-03/2020-08, found '2012-2013'\)"),
    ("duplicate_id.csv", r"line 3, column 'id': id 'nida-example' used twice \(found also on "
                         r"line 2\)"),
    ("unknown_decision.csv", r"line 2, column 'decision': row nida-example: unknown decision"),
    ("exclusion_without_marker.csv",
     r"line 2, column 'note': row dose-example: the note of an exclusion must say so first"),
    ("dangling_handled_in.csv",
     r"line 2, column 'handled_in': row nida-example: refers to nothing"),
    ("unquoted_comma.csv", r"line 2: wrong number of fields .*\(expected 13 fields, found 14\)"),
])
def test_malformed_file_names_file_line_and_column(fixtures, name, message):
    with pytest.raises(SourceFormatError, match=message) as err:
        corrections.load(fixtures / name)
    assert name in str(err.value)


def test_missing_file_and_wrong_header(tmp_path):
    with pytest.raises(SourceFormatError, match="corrections file is missing or empty"):
        corrections.load(tmp_path / "corrections.csv")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(CORRECTIONS_FILE.read_text(encoding="utf-8").replace(
        "handled_in", "handled_by", 1), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"line 1: header differs .*found .*handled_by"):
        corrections.load(renamed)


# --- matching and applying ---------------------------------------------------------------------

def rows(*periods: tuple[str, int, int | None]) -> pd.DataFrame:
    return pd.DataFrame([{"drug_group": "benzodiazepines", "sex": "all", "period_type": p,
                          "year": y, "month": m, "value": math.nan, "suppressed": True,
                          "note": "", "line": i + 2, "column": "benzodiazepine_rate"}
                         for i, (p, y, m) in enumerate(periods)])


def test_a_row_matches_when_its_period_overlaps(fixtures):
    _, excluded = corrections.load(fixtures / "valid.csv")
    frame = rows(("month", 2020, 2), ("month", 2020, 3), ("month", 2020, 8), ("month", 2020, 9),
                 ("12_month_ending", 2020, 2), ("12_month_ending", 2020, 3),
                 ("12_month_ending", 2021, 7), ("12_month_ending", 2021, 8),
                 ("year", 2020, None), ("year", 2019, None))
    assert excluded.mask(frame).tolist() == [False, True, True, False, False, True, True, False,
                                             True, False]


def test_keep_as_published_adds_the_note_and_a_warning(fixtures):
    keep, _ = corrections.load(fixtures / "valid.csv")
    frame = rows(("year", 2012, None), ("year", 2014, None)).assign(
        sheet="Number Drug OD Deaths", sex=["female", "female"], value=[5.0, 6.0],
        suppressed=False, note=["", ""])
    warnings = corrections.apply(frame, [keep])
    assert frame["note"].tolist() == ["suspected publisher error; kept as published", ""]
    assert frame["value"].tolist() == [5.0, 6.0]
    assert warnings == ["Overdose_data_1999-2021 1.19.23.xlsx, sheet 'Number Drug OD Deaths', benzodiazepines "
                        "female/male 2012–2013: suspected publisher error; kept as published "
                        "(1 row; corrections.csv: nida-example)"]


def test_not_a_suppression_unflags_and_notes(fixtures):
    _, excluded = corrections.load(fixtures / "valid.csv")
    frame = rows(("month", 2020, 4), ("month", 2020, 9)).assign(
        source_file=dose.SYS_JURISDICTION, note=["12 jurisdictions", ""])
    corrections.apply(frame, [excluded])
    assert frame["suppressed"].tolist() == [False, True]
    assert frame.loc[0, "note"] == f"12 jurisdictions; {EXCLUDED_NOTE}: no data collected"
    assert frame.loc[1, "note"] == "" and frame["value"].isna().all()
    other_file = rows(("month", 2020, 4)).assign(source_file=dose.SYS_OVERALL)
    assert corrections.apply(other_file, [excluded]) == [] and other_file["suppressed"].all()


def test_a_number_where_the_publisher_collected_nothing_stops_the_build(fixtures):
    _, excluded = corrections.load(fixtures / "valid.csv")
    frame = rows(("month", 2020, 5)).assign(source_file=dose.SYS_JURISDICTION, value=2.5,
                                            suppressed=False)
    with pytest.raises(SourceFormatError, match=r"Jurisdiction-Table 1\.csv, line 2, column "
                       r"'benzodiazepine_rate': a number where the publisher collected no data "
                       r"\(valid\.csv row dose-example, line 3\) \(expected the suppression "
                       r"marker, found 2\.5\)"):
        corrections.apply(frame, [excluded], fixtures / "valid.csv")


# --- the publishers' real files ----------------------------------------------------------------

@pytest.mark.raw
@pytest.mark.parametrize("module", [nida, wonder, dose], ids=lambda m: m.__name__)
def test_every_applied_correction_still_matches_the_real_files(raw_dir, module, real_file):
    result = module.parse(raw_dir / module.SOURCE.raw_folder)
    warnings = "\n".join(result.warnings)
    for c in real_file:
        if c.source_id == module.SOURCE.id and c.applied:
            assert f"corrections.csv: {c.id})" in warnings, c.id
