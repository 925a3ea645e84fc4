"""Group labels are optional (FORMS.md, "Layout drift"): the contract's sample of F-MLSP-1 with its "of whom" columns
standing without their group label, and with an "of which" label added over columns that have none; a sub-column label
that names no single column alone is refused at its cell; columns are named in the ministry's words."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLES
from yearbook.codelists import load_codelists
from yearbook.specs import load_forms
from yearbook.submissions import Submission, discover, read_submission

MLSP = SAMPLES / "2018" / "МТСЗН_АСП_сироты_2018.xlsx"
MOES = SAMPLES / "2018" / "МОН_білім_2018_соңғы.xlsx"
DEM2 = SAMPLES / "2018" / "Рождаемость и смертность детей 2018.xlsx"
TSA, NPC = "АӘК - АСП", "Қамқорлықсыз - Без попечения"  # the sample's sheets: header in row 4 (TSA), rows 4-5 (NPC)


def _read(tmp_path: Path, source: Path, change: Callable[[openpyxl.Workbook], None] | None = None) -> Submission:
    """``source`` (changed by ``change``) read alone from a raw folder under ``tmp_path``."""
    folder = tmp_path / "raw" / "2018"
    folder.mkdir(parents=True)
    book = openpyxl.load_workbook(source)
    if change:
        change(book)
    book.save(folder / source.name)
    (file,), _ = discover(tmp_path / "raw")
    return read_submission(file)


def _figures(sub: Submission, sheet: str) -> dict[tuple[str, str], tuple[float | None, str]]:
    """(indicator, region) -> (value, source cell) of one sheet's figures."""
    return {(f["indicator"], f["ref_area"]): (f["value"], f["source_cell"]) for f in sub.figure_records() if f["source_sheet"] == sheet}


def _moved(figures: dict[tuple[str, str], tuple[float | None, str]], rows: int) -> dict[tuple[str, str], tuple[float | None, str]]:
    """The same figures with their source cells ``rows`` rows lower."""
    out = {}
    for key, (value, cell) in figures.items():
        letters = cell.rstrip("0123456789")
        out[key] = (value, f"{letters}{int(cell[len(letters) :]) + rows}")
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Submission:
    """The sample as the ministry sent it: read without problems."""
    sub = _read(tmp_path_factory.mktemp("sample"), MLSP)
    assert sub.problems == []
    return sub


def _unmerge_header(book: openpyxl.Workbook, sheet: str, first_row: int) -> None:
    ws = book[sheet]
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row >= first_row:
            ws.unmerge_cells(str(merged))


def _of_whom_alone_one_row(book: openpyxl.Workbook) -> None:
    """A one-row header: `Дети-сироты...` | `в организациях интернатного типа` | `под опекой` | ... (no group label)."""
    _unmerge_header(book, NPC, 4)
    ws = book[NPC]
    for letter in "CDEF":
        ws[f"{letter}4"] = ws[f"{letter}5"].value.split(" / ")[1]  # the Russian side alone, as a ministry may write it
    ws.delete_rows(5)


def _of_whom_alone_two_rows(book: openpyxl.Workbook) -> None:
    """The two-row header with its upper group cell blank."""
    book[NPC].unmerge_cells("C4:F4")
    book[NPC]["C4"] = None


def _of_whom_combined(book: openpyxl.Workbook) -> None:
    """A one-row header whose cells say `в том числе: под опекой`."""
    _unmerge_header(book, NPC, 4)
    ws = book[NPC]
    for letter in "CDEF":
        ws[f"{letter}4"] = "в том числе: " + ws[f"{letter}5"].value.split(" / ")[1]
    ws.delete_rows(5)


@pytest.mark.parametrize(
    ("change", "rows_moved"),
    [(_of_whom_alone_one_row, -1), (_of_whom_alone_two_rows, 0), (_of_whom_combined, -1)],
    ids=["one row, sub labels alone", "two rows, group cell blank", "one row, 'в том числе: под опекой'"],
)
def test_of_whom_columns_without_their_group_label(change, rows_moved: int, sample: Submission, tmp_path: Path) -> None:
    sub = _read(tmp_path, MLSP, change)
    assert [p.line() for p in sub.problems] == []
    expected = _moved(_figures(sample, NPC), rows_moved)
    assert _figures(sub, NPC) == expected, "every figure read, from the cell it stands in"
    assert {indicator for indicator, _ in expected} == {"NPC_CHILD", "NPC_RESID", "NPC_GUARD", "NPC_FOSTER", "ADOPTED"}
    assert _figures(sub, TSA) == _figures(sample, TSA)


def _of_which_over_tsa_two_rows(label: str) -> Callable[[openpyxl.Workbook], None]:
    """A second header row: ``label`` over `Балалар / Дети` and the poverty share (C4:D4, merged), the other cells
    merged down (A4:A5, B4:B5)."""

    def change(book: openpyxl.Workbook) -> None:
        ws = book[TSA]
        ws.insert_rows(5)
        ws["C5"], ws["D5"] = ws["C4"].value, ws["D4"].value
        ws["C4"], ws["D4"] = label, None
        for cells in ("C4:D4", "A4:A5", "B4:B5"):
            ws.merge_cells(cells)

    return change


def _of_which_over_tsa_one_row(book: openpyxl.Workbook) -> None:
    ws = book[TSA]
    ws["C4"] = "в том числе: " + ws["C4"].value
    ws["D4"] = "из них, " + ws["D4"].value


@pytest.mark.parametrize(
    ("change", "rows_moved"),
    [
        (_of_which_over_tsa_two_rows("оның ішінде / в том числе"), 1),
        (_of_which_over_tsa_two_rows("of which"), 1),
        (_of_which_over_tsa_one_row, 0),
    ],
    ids=["two rows, 'оның ішінде / в том числе'", "two rows, 'of which'", "one row, 'в том числе: ...'"],
)
def test_an_of_which_label_added_over_columns_without_a_group(change, rows_moved: int, sample: Submission, tmp_path: Path) -> None:
    sub = _read(tmp_path, MLSP, change)
    assert [p.line() for p in sub.problems] == []
    assert _figures(sub, TSA) == _moved(_figures(sample, TSA), rows_moved)
    assert {indicator for indicator, _ in _figures(sub, TSA)} == {"TSA_FAMILIES", "TSA_CHILD", "POVERTY_CHILD_RATE"}


def test_an_of_which_label_over_a_label_that_carries_one(tmp_path: Path) -> None:
    """`оның ішінде` over `мектепке дейінгі ұйымдарда`: the contract's `оның ішінде мектепке дейінгі ұйымдарда`."""

    def change(book: openpyxl.Workbook) -> None:
        ws = book["Мектепке дейінгі"]
        ws.insert_rows(5)
        ws["C4"], ws["C5"] = "оның ішінде", "мектепке дейінгі ұйымдарда"

    sub = _read(tmp_path, MOES, change)
    assert [p.line() for p in sub.problems] == []
    enrolled = {f["source_cell"] for f in sub.figure_records() if f["indicator"] == "PRESCHOOL_ENROL"}
    assert "C6" in enrolled and len(enrolled) == 18


def test_an_unknown_group_label_is_refused(tmp_path: Path) -> None:
    sub = _read(tmp_path, MLSP, _of_which_over_tsa_two_rows("Мертворожденные"))
    refused = [p for p in sub.problems if p.rule == "unknown_column"]
    assert [(p.sheet, p.cell) for p in refused] == [(TSA, "C5")], [p.line() for p in sub.problems]
    assert "Мертворожденные" in refused[0].message
    assert any(p.rule == "missing_column" and "'Балалар / Дети'" in p.message for p in sub.problems)


def test_a_sub_column_label_alone_is_read_only_where_it_names_one_column(tmp_path: Path) -> None:
    """F-MOES-1 without the group label `Ерекше білім беру қажеттіліктері бар балалар`: `үйде оқитын` alone is SEN_HOME,
    `барлығы` alone could be three columns and is refused at the blank group cell above it, with the columns it could be."""

    def change(book: openpyxl.Workbook) -> None:
        book["Мектептер"].unmerge_cells("F3:G3")
        book["Мектептер"]["F3"] = None

    sub = _read(tmp_path, MOES, change)
    ambiguous = [p for p in sub.problems if p.rule == "ambiguous_column"]
    assert [(p.sheet, p.cell, p.values) for p in ambiguous] == [("Мектептер", "F3", "барлығы")]  # where its group label belongs
    for title in ("Оқушылар / барлығы", "Ерекше білім беру қажеттіліктері бар балалар / барлығы", "Мектептер / барлығы"):
        assert repr(title) in ambiguous[0].message
    assert {p.rule for p in sub.problems} == {"ambiguous_column", "missing_column"}
    home = {f["source_cell"] for f in sub.figure_records() if f["indicator"] == "SEN_HOME"}
    assert "G5" in home and len(home) == 18


def test_an_of_which_spelling_is_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A spelling staff add to schemas/codelists/of_which.csv is read as an "of which" label, without a code change."""
    change = _of_which_over_tsa_two_rows("из общего числа")
    assert any(p.rule == "unknown_column" for p in _read(tmp_path / "before", MLSP, change).problems)
    schemas = tmp_path / "schemas"
    shutil.copytree(Path(__file__).resolve().parents[1] / "schemas", schemas)
    with open(schemas / "codelists" / "of_which.csv", "a", encoding="utf-8") as f:
        f.write("ru,из общего числа\n")
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    assert _read(tmp_path / "after", MLSP, change).problems == []


def test_columns_are_named_in_the_ministrys_words() -> None:
    """Messages name a column by the contract's labels in the form's language, never by a code."""
    forms = load_forms()
    titles = {code: {leaf.title for sheet in form.sheets for leaf in sheet.leaves} for code, form in forms.items()}
    assert {"Оқушылар / ұлдар", "Ерекше білім беру қажеттіліктері бар балалар / үйде оқитын"} <= titles["F-MOES-1"]
    assert {"Родившиеся живыми / мальчики", "Умершие в возрасте до 5 лет / девочки"} <= titles["F-DEM-2"]
    assert {"Все население / всего", "Сельское население / девочки"} <= titles["F-DEM-1"]
    assert {"0-6 years / Boys", "Total 0-17 / Girls", "Total"} <= titles["F-MOH-1"]
    assert {"Male", "Female", "Urban", "Poorest"} <= titles["F-MICS-1"]
    assert {"Балалар / Дети", "қамқоршылықта / под опекой"} <= titles["F-MLSP-1"]
    assert {"14-15 лет / юноши", "Внутренняя миграция / мальчики"} <= titles["F-GP-1"] | titles["F-MIG-1"]
    codes = {code for by_code in load_codelists().dimension_labels.values() for code in by_code}
    for code, named in titles.items():
        assert not [t for t in named if codes & set(t.split(" / "))], code


def test_a_missing_column_is_named_by_its_labels(tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Лист1"].delete_cols(9)  # `Умершие в возрасте до 5 лет / мальчики`

    missing = [p for p in _read(tmp_path, DEM2, change).problems if p.rule == "missing_column"]
    assert [p.message for p in missing] == [
        "required column 'Умершие в возрасте до 5 лет / мальчики' of F-DEM-2 "
        "(Live births and deaths of children under 1 and under 5) is missing"
    ]
    assert missing[0].cell == "A5"  # where the header starts
