"""Property: whatever is done to a valid workbook, the reader either reads it right or refuses it clearly.

Never a crash or a hang, never a figure that differs from what its cited cell says, and when a
mutated workbook is accepted, every figure it did not touch keeps its value."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

from tests.conftest import SAMPLES
from yearbook.cells import parse_cell
from yearbook.problems import ERROR
from yearbook.specs import load_forms
from yearbook.submissions import SubmissionFile, read_submission
from yearbook.validation import validate_figures

BOOKS = {
    "F-DEM-2": "2018/Рождаемость и смертность детей 2018.xlsx",
    "F-MOH-1": "2018/MOH children health 2018 final.xlsx",
    "F-MLSP-1": "2018/МТСЗН_АСП_сироты_2018.xlsx",
}
KEY = ["indicator", "ref_area", "time_period", "sex", "age", "area", "flow", "crime_type", "wealth_quintile"]
TEXTS = st.sampled_from(
    [
        "12 345",
        "12\u00a0345",
        "1,234",
        "73,4",
        "73.4",
        "-",
        "–",
        "...",
        "…",
        "x",
        "х",
        "1 234¹",
        "56 1)",
        "н/д",
        "n/a",
        "#REF!",
        "12.3.4",
        "",
        " ",
        "Всего",
        "мальчики",
        "Akmola region",
        "г. Алматы",
        "Примечание: проверка",
        "=1+1",
        "1e5",
        "0x10",
        "٣",
        "١٢",
    ]
)
VALUES = st.one_of(
    TEXTS,
    st.integers(-10, 10**7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
)


def _read(path: Path) -> tuple[list[dict], list]:
    sub = read_submission(SubmissionFile(path, "2018/book.xlsx", 2018, "-"))
    return sub.figure_records(), sub.problems


_ORIGINAL: dict[str, dict[tuple, float | None]] = {}


def _original(form: str) -> dict[tuple, float | None]:
    if form not in _ORIGINAL:
        figures, problems = _read(SAMPLES / BOOKS[form])
        assert not problems
        _ORIGINAL[form] = {tuple(f[k] for k in KEY): f["value"] for f in figures}
    return _ORIGINAL[form]


mutation = st.one_of(
    st.tuples(st.just("cell"), st.integers(1, 30), st.integers(1, 16), VALUES),
    st.tuples(st.just("insert_row"), st.integers(1, 30), st.just(0), st.none()),
    st.tuples(st.just("insert_col"), st.integers(1, 16), st.just(0), st.none()),
    st.tuples(st.just("delete_row"), st.integers(1, 30), st.just(0), st.none()),
    st.tuples(st.just("delete_col"), st.integers(1, 16), st.just(0), st.none()),
    st.tuples(st.just("relabel"), st.integers(1, 30), st.integers(1, 16), st.sampled_from(["upper", "star", "colon", "newline", "spaces"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from(sorted(BOOKS)), mutations=st.lists(mutation, min_size=1, max_size=3))
def test_mutated_workbook_is_read_right_or_refused(tmp_path: Path, form: str, mutations: list) -> None:
    path = tmp_path / f"{form}.xlsx"
    shutil.copy(SAMPLES / BOOKS[form], path)
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    if any(kind.startswith(("insert", "delete")) for kind, *_ in mutations):
        for merged in list(ws.merged_cells.ranges):  # openpyxl does not move merges when rows or columns move
            ws.unmerge_cells(str(merged))
    touched = False
    for kind, a, b, value in mutations:
        if kind in ("cell", "relabel") and isinstance(ws.cell(a, b), MergedCell):
            continue
        if kind == "cell":
            ws.cell(a, b).value = value
            touched = True
        elif kind == "relabel" and isinstance(ws.cell(a, b).value, str):
            text = ws.cell(a, b).value
            ws.cell(a, b).value = {
                "upper": text.upper(),
                "star": text + "*",
                "colon": text + ":",
                "newline": text.replace(" ", "\n", 1),
                "spaces": f"  {text}  ",
            }[value]
        elif kind == "insert_row":
            ws.insert_rows(a)
        elif kind == "insert_col":
            ws.insert_cols(a)
        elif kind == "delete_row":
            ws.delete_rows(a)
            touched = True
        elif kind == "delete_col":
            ws.delete_cols(a)
            touched = True
    book.save(path)

    figures, problems = _read(path)  # must not raise
    assert all(p.file == "2018/book.xlsx" and p.rule and p.message for p in problems)

    decimal_comma = load_forms()[form].decimal_comma
    mutated = openpyxl.load_workbook(path, data_only=True)
    for fig in figures:  # never a figure that differs from its cell
        parsed = parse_cell(mutated[fig["source_sheet"]][fig["source_cell"]].value, decimal_comma=decimal_comma)
        assert parsed.error is None
        assert (parsed.value, parsed.obs_status, parsed.obs_conf) == (fig["value"], fig["obs_status"], fig["obs_conf"])

    errors = [p for p in problems if p.severity == ERROR]
    if not errors and not touched:  # accepted without a changed value: every figure as before
        assert {tuple(f[k] for k in KEY): f["value"] for f in figures} == _original(form)
    if not errors and figures:
        import pandas as pd

        from yearbook.submissions import FIGURE_COLUMNS

        frame = pd.DataFrame([{**f, "form": form} for f in figures], columns=FIGURE_COLUMNS)
        validate_figures(frame)  # must not raise either
