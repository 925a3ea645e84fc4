"""Regressions of the reader found by the unit tests of issue #19, each on a real sample submission changed the way a
ministry may change it (FORMS.md, "Layout drift that a reader must tolerate"): the figures read are the sample's."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT, SAMPLES
from yearbook.submissions import SubmissionFile, read_submission

SCHOOLS_BOOK = SAMPLES / "2018" / "МОН_білім_2018_соңғы.xlsx"


def _read(path: Path) -> tuple[list[tuple], list[tuple]]:
    sub = read_submission(SubmissionFile(path, "2018/book.xlsx", 2018, "-"))
    return sorted((tuple(f.values()) for f in sub.figure_records()), key=repr), [(p.rule, p.sheet, p.cell, p.message) for p in sub.problems]


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("Мектептер, 2018 жыл (Нысан F-MOES-1)", id="the schools column label, a comma, the year, the form code"),
        pytest.param("Оқушылар / Учащиеся, 2018 жыл (Нысан F-MOES-1)", id="the pupils column label, bilingual"),
    ],
)
def test_a_title_beginning_with_a_column_label_reads_as_the_sample(tmp_path: Path, title: str) -> None:
    expected = _read(SCHOOLS_BOOK)
    book = tmp_path / "book.xlsx"
    shutil.copy(SCHOOLS_BOOK, book)
    wb = openpyxl.load_workbook(book)
    wb["Мектептер"]["A1"] = title
    wb.save(book)
    assert _read(book) == expected


DEMO_BIRTHS = ROOT / "raw" / "2018" / "F-DEM-2.xlsx"  # its labels in column B: a column to their left is free


def _births_with(tmp_path: Path, cells: dict[str, object]) -> Path:
    """The demo's F-DEM-2 with these cells of its sheet written."""
    book = tmp_path / "book.xlsx"
    shutil.copy(DEMO_BIRTHS, book)
    wb = openpyxl.load_workbook(book)
    for ref, value in cells.items():
        wb.worksheets[0][ref] = value
    wb.save(book)
    return book


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param({"A26": "Примечание: данные предварительные"}, id="a note left of the label column"),
        pytest.param({"D26": "Примечание: данные предварительные"}, id="a note in a column of figures"),
        pytest.param({"B26": "1)", "D26": "Шымкент выделен в 2018 г."}, id="a numbered note running into the figures"),
    ],
)
def test_a_footnote_row_anywhere_under_the_table_is_no_data(tmp_path: Path, cells: dict[str, str]) -> None:
    expected = _read(DEMO_BIRTHS)
    assert expected[1] == []
    assert _read(_births_with(tmp_path, cells)) == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param({"A10": "*"}, ("value_outside_table", "A10"), id="a mark left of a row: reported at its cell"),
        pytest.param({"B26": "1)", "D26": "x"}, ("unknown_region", "B26"), id="a row labelled as a note, with a symbol"),
        pytest.param({"B26": "*", "D26": 5}, ("unknown_region", "B26"), id="a row labelled as a note, with a figure"),
    ],
)
def test_a_row_with_a_note_and_a_figure_is_reported_where_it_is(tmp_path: Path, cells: dict[str, object], expected: tuple) -> None:
    assert [(rule, cell) for rule, _, cell, _ in _read(_births_with(tmp_path, cells))[1]] == [expected]


@pytest.mark.parametrize(
    ("ref", "text", "rule", "hint"),
    [
        pytest.param("B6", "Кoстанайская область", "unknown_region", "'o' (character 2) is Latin", id="a region, a Latin o"),
        pytest.param("D3", "мальчикu", "unknown_column", "'u' (character 8) is Latin", id="a column header, a Latin u"),
    ],
)
def test_a_label_mixing_latin_and_cyrillic_letters_says_which(tmp_path: Path, ref: str, text: str, rule: str, hint: str) -> None:
    """A look-alike letter of the other script cannot be seen: the message names it."""
    found = _read(_births_with(tmp_path, {ref: text}))[1]
    problems = [(r, cell, message) for r, _, cell, message in found if r == rule]
    assert len(problems) == 1 and problems[0][1] == ref, found
    assert f"mixes Latin and Cyrillic letters in one word: {hint}: retype them" in problems[0][2]


def test_a_mark_before_a_regions_label_never_hides_its_row(tmp_path: Path) -> None:
    """A '*' left of a region's label, its figures all text that is no figure: the row is read and refused cell by cell,
    never skipped as a footnote row."""
    wb = openpyxl.load_workbook(DEMO_BIRTHS)
    figures = [cell.coordinate for cell in wb.worksheets[0][10] if isinstance(cell.value, (int, float))]
    found = _read(_births_with(tmp_path, {"A10": "*"} | dict.fromkeys(figures, "12.3.4")))[1]
    assert [(rule, cell) for rule, _, cell, _ in found] == [("value_outside_table", "A10")] + [("invalid_value", ref) for ref in figures]
