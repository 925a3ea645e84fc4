"""A refused build explains itself: its errors come first everywhere (the gate's metadata, the validation workbook), and
a Dagster run that the gate stops fails with the problem lines, not a stack trace."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import openpyxl
import pytest
from yearbook.assets.core import FEEDBACK, GATE, VALIDATION_REPORT

from yearbook.command_runs import QUIET_LOGS
from yearbook.definitions import build_yearbook_job, defs
from yearbook.edition import current_run
from yearbook.resources import YearbookPaths
from yearbook.runs import run_every_year

pytestmark = pytest.mark.slow

ERROR_LINE = ": Лист1: B7: invalid_value: "


@pytest.fixture
def refused(samples_raw: Path, tmp_path: Path, instance: dg.DagsterInstance):
    """A Dagster build of the samples with one cell spoilt (2018) and a year folder before it with no workbook yet, whose
    eight missing forms are warnings that come first in file order."""
    (samples_raw / "2017").mkdir()
    book_path = next(samples_raw.glob("2018/Рождаемость*.xlsx"))
    book = openpyxl.load_workbook(book_path)
    book.worksheets[0]["B7"] = "#REF!"
    book.save(book_path)
    paths = YearbookPaths(raw_dir=str(samples_raw), out_dir=str(tmp_path / "out"))
    result = run_every_year(defs.resolve_job_def(build_yearbook_job.name), paths, instance, QUIET_LOGS)
    return result, paths, instance, book_path.relative_to(samples_raw).as_posix()


def test_a_refused_run_fails_with_its_problem_lines(refused) -> None:
    result, paths, _, file = refused
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["core_validation"]
    error = failures[0].step_failure_data.error
    assert error is not None
    lines = error.message.splitlines()
    assert error.cls_name == "Failure"  # ours, not a check's stack trace
    assert lines[0].endswith("1 error(s) in the submissions: nothing is published until they are corrected."), lines
    assert lines[1] == f"{file}{ERROR_LINE}not a number nor a symbol of FORMS.md: '#REF!'"
    assert lines[2].startswith(f"Every problem, with the figures, is in {paths.internal / VALIDATION_REPORT}. Send each ministry")
    assert len(lines) == 3, "the warnings are in the report, not in the failure"
    assert current_run(paths.out) is None


def test_the_error_comes_first_in_the_gate_and_the_validation_workbook(refused) -> None:
    _, paths, instance, file = refused
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key([dg.AssetCheckKey(dg.AssetKey("core_validation"), GATE)])
    evaluation = next(iter(check.values())).event.dagster_event.event_specific_data  # type: ignore[union-attr]
    assert not evaluation.passed
    metadata = evaluation.metadata
    assert metadata["errors"].value == 1 and metadata["warnings"].value >= 8
    table = metadata["first_problems"].value.splitlines()
    assert file in table[2] and "invalid_value" in table[2] and "error" in table[2], table[:4]

    report = openpyxl.load_workbook(paths.internal / VALIDATION_REPORT, read_only=True)
    rows = list(report["Problems"].iter_rows(values_only=True))
    assert rows[1][:5] == (file, "Лист1", "B7", "invalid_value", "error")
    assert all(row[4] == "warning" for row in rows[2:])
    summary = list(report["Summary"].iter_rows(max_row=2, max_col=2, values_only=True))
    assert summary == [("Errors", 1), ("Warnings", len(rows) - 2)]


def test_the_ministry_gets_its_workbook_marked_in_its_language(refused) -> None:
    _, paths, _, file = refused
    (feedback,) = (paths.internal / FEEDBACK).rglob("*.xlsx")
    assert feedback.relative_to(paths.internal / FEEDBACK).as_posix() == "2018/Рождаемость и смертность детей 2018 — проверка.xlsx"
    book = openpyxl.load_workbook(feedback)
    cell = book["Лист1"]["B7"]
    assert cell.value == "#REF!" and cell.data_type == "s" and cell.comment is not None
    assert "Подробно" in cell.comment.text and cell.fill.fgColor.rgb not in (None, "00000000")
    assert book.worksheets[0].title == "Замечания"
