"""A problem's message as it may leave the staff area: no figure, however the ministry wrote it."""

from __future__ import annotations

import pandas as pd
import pytest

from yearbook.problems import Problem, cell_position, errors_first, quote, without_figures


@pytest.mark.parametrize(
    "cell",
    ["-12чел", "1О5", "5-10", "12/15", "186223а", "N186223", "1672625-", "it's 12", "12 345", "0,5"],
    ids=["with a unit", "a letter O in it", "a range", "a fraction", "a Cyrillic letter after", "a letter before",
         "a dash after", "an apostrophe in it", "thousands", "a decimal comma"],
)  # fmt: skip
def test_a_quoted_cell_with_a_digit_leaves_no_digit(cell: str) -> None:
    shown = without_figures(f"B7: not a number nor a symbol of FORMS.md: {quote(cell)}")
    assert not any(ch.isdigit() for ch in shown.replace("B7", "")), shown


def test_years_cells_codes_and_words_stay() -> None:
    message = "Live births 2018, Алматинская область (KZ-19): boys + girls (1021312) ≠ the total (44011); C5=3, F-DEM-2 'Всего'"
    shown = "Live births 2018, Алматинская область (KZ-19): boys + girls (…) ≠ the total (…); C5=…, F-DEM-2 'Всего'"
    assert without_figures(message) == shown


def test_errors_come_first_then_files_and_cells_as_a_reader_scans() -> None:
    problems = [
        Problem("2018/b.xlsx", None, None, "missing_form", "w", "warning"),
        Problem("2018/b.xlsx", "S", "B10", "sex_sum", "e"),
        Problem("2018/a.xlsx", "S", "AA7", "sex_sum", "e"),
        Problem("2018/a.xlsx", "S", "B7", "sex_sum", "e"),
    ]
    assert [(p.file, p.cell) for p in errors_first(problems)] == [
        ("2018/a.xlsx", "B7"), ("2018/a.xlsx", "AA7"), ("2018/b.xlsx", "B10"), ("2018/b.xlsx", None),
    ]  # fmt: skip


def test_a_range_is_placed_at_its_first_cell() -> None:
    assert cell_position("D8:E9") == (8, 4) and cell_position("AA7") == (7, 27) and cell_position("XFE1") is None
    problems = [Problem("f", "S", "B10", "r", "e"), Problem("f", "S", "D8:E9", "r", "e"), Problem("f", "S", None, "r", "e")]
    assert [p.cell for p in errors_first(problems)] == [None, "D8:E9", "B10"]


def test_a_form_missing_beside_a_refused_workbook_points_at_it() -> None:
    from yearbook.specs import load_forms
    from yearbook.submissions import check_across_files

    files = pd.DataFrame({"file": ["2018/a.xlsx", "2018/broken.xlsx"], "year": [2018, 2018], "form": ["F-DEM-2", None]})
    missing = [p.message for p in check_across_files(files, load_forms()) if p.rule == "missing_form"]
    assert len(missing) == len(load_forms()) - 1
    assert all(m.endswith("(unless it is a workbook of the year refused above: once that one is corrected, this goes)") for m in missing)
    files = files.iloc[:1]
    assert not any("unless" in p.message for p in check_across_files(files, load_forms()))
