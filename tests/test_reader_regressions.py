"""Regressions of the reader found by the unit tests of issue #19, each on a real sample submission changed the way a
ministry may change it (FORMS.md, "Layout drift that a reader must tolerate"): the figures read are the sample's."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLES
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
