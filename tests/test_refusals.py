"""One defect per workbook, everything else valid: the build is refused with the defect located, and the
published store is not touched. (Consistency-rule defects are in test_validation.py.)"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLES
from yearbook.cli import main

pytestmark = pytest.mark.slow  # a whole build by the command line per defect

DEM2 = "2018/Рождаемость и смертность детей 2018.xlsx"
MOH = "2018/MOH children health 2018 final.xlsx"


def _edit(raw: Path, rel: str, change: Callable[[openpyxl.Workbook], None]) -> None:
    book = openpyxl.load_workbook(raw / rel)
    change(book)
    book.save(raw / rel)


def _set(rel: str, sheet: str, cell: str, value: object) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        def change(book: openpyxl.Workbook) -> None:
            book[sheet][cell] = value

        _edit(raw, rel, change)

    return apply


def _delete_columns(raw: Path) -> None:
    _edit(raw, DEM2, lambda book: book["Лист1"].delete_cols(8, 3))


def _delete_sheet(raw: Path) -> None:
    _edit(raw, MOH, lambda book: book.remove(book["Suicides 15-17"]))


def _unknown_column(raw: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        ws = book["Лист1"]
        ws["K5"] = "Мертворожденные"
        ws["K7"] = 12

    _edit(raw, DEM2, change)


def _second_copy(raw: Path) -> None:
    (raw / "2018" / "повторно").mkdir()
    shutil.copy(raw / DEM2, raw / "2018" / "повторно" / "F-DEM-2 копия.xlsx")


def _garbage(raw: Path) -> None:
    (raw / "2018" / "broken.xlsx").write_bytes(b"\x00garbage, not a workbook")


def _no_form_code(raw: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "Сводка без кода формы, 2018"
    book.active["A3"] = 1
    book.save(raw / "2018" / "сводка.xlsx")


def _formula_without_value(raw: Path) -> None:
    """The national row written as a formula by a tool that stores no result (openpyxl, report generators)."""
    _edit(raw, DEM2, lambda book: book["Лист1"].cell(24, 2, "=SUM(B7:B23)"))


def _merged_figures(raw: Path) -> None:
    _edit(raw, DEM2, lambda book: book["Лист1"].merge_cells("E8:G8"))


def _broken_link(raw: Path) -> None:
    (raw / "2018" / "Миграция 2018.xlsx").symlink_to(raw / "2018" / "удалён.xlsx")


def _unreadable(raw: Path) -> None:
    (raw / "2018" / DEM2.split("/")[1]).chmod(0)


GP = "2018/КПСиСУ_несовершеннолетние_2018 (2).xlsx"


def _row_deleted(raw: Path) -> None:
    """The pre-trial detention row of a sheet whose rows are indicators, not regions."""
    _edit(raw, GP, lambda book: book["Содержание под стражей"].delete_rows(6))


# (defect, how to make it, the expected (file, sheet, cell, rule) of the problem)
DEFECTS: list[tuple[str, Callable[[Path], None], tuple[str, str | None, str | None, str]]] = [
    ("unknown region label", _set(DEM2, "Лист1", "A7", "Акмолинская обл."), (DEM2, "Лист1", "A7", "unknown_region")),
    ("region of another geography", _set(DEM2, "Лист1", "A19", "Южно-Казахстанская область"), (DEM2, "Лист1", "A19", "region_not_valid")),
    ("н/д in a numeric cell", _set(DEM2, "Лист1", "D8", "н/д"), (DEM2, "Лист1", "D8", "invalid_value")),
    ("#REF! in a numeric cell", _set(DEM2, "Лист1", "E9", "#REF!"), (DEM2, "Лист1", "E9", "invalid_value")),
    ("12.3.4 in a numeric cell", _set(MOH, "Suicides 15-17", "B7", "12.3.4"), (MOH, "Suicides 15-17", "B7", "invalid_value")),
    (
        "title year disagrees with the folder",
        _set(DEM2, "Лист1", "A1", "Родившиеся живыми и умершие дети, 2017 год (Форма F-DEM-2)"),
        (DEM2, "Лист1", "A1", "year_mismatch"),
    ),
    ("missing required column", _delete_columns, (DEM2, "Лист1", "A5", "missing_column")),
    ("missing sheet", _delete_sheet, (MOH, None, None, "missing_sheet")),
    ("duplicated region row", _set(DEM2, "Лист1", "A8", "Акмолинская область"), (DEM2, "Лист1", "A8", "duplicate_row")),
    ("duplicated region row, named at both", _set(DEM2, "Лист1", "A8", "Акмолинская область"), (DEM2, "Лист1", "A7", "duplicate_row")),
    ("unknown column", _unknown_column, (DEM2, "Лист1", "K5", "unknown_column")),
    ("same form twice in one year", _second_copy, ("2018/повторно/F-DEM-2 копия.xlsx", None, None, "duplicate_form")),
    ("corrupt file", _garbage, ("2018/broken.xlsx", None, None, "unreadable_file")),
    ("no form code", _no_form_code, ("2018/сводка.xlsx", None, None, "no_form_code")),
    ("formula without a saved result", _formula_without_value, (DEM2, "Лист1", "B24", "formula_without_value")),
    ("merged range over figures", _merged_figures, (DEM2, "Лист1", "E8", "merged_data_cells")),
    ("broken symbolic link", _broken_link, ("2018/Миграция 2018.xlsx", None, None, "unreadable_file")),
    ("a row of the form missing", _row_deleted, (GP, "Содержание под стражей", None, "missing_row")),
]
if os.geteuid() != 0:  # root reads a file whatever its mode
    DEFECTS.append(("file without read permission", _unreadable, (DEM2, None, None, "unreadable_file")))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("published")
    assert main(["build", "--raw", str(SAMPLES), "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(("defect", "make", "expected"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_defect_is_refused_and_located(defect, make, expected, published: Path, samples_raw: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    shutil.copytree(published, out)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*.duckdb")} | {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("yearbook_*.xlsx")
    }
    make(samples_raw)
    capsys.readouterr()
    assert main(["build", "--raw", str(samples_raw), "--out", str(out)]) == 1
    printed = capsys.readouterr().out.splitlines()
    file, sheet, cell, rule = expected
    prefix = f"{file}: {sheet or '-'}: {cell or '-'}: {rule}: "
    assert any(line.startswith(prefix) for line in printed), "\n".join(printed)
    errors = [line for line in printed if not line.endswith("[warning]")]
    assert all(rule in line or "missing_region" in line for line in errors), "\n".join(errors)
    after = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in before}
    assert after == before


def test_duplicate_form_names_both_files(samples_raw: Path, capsys) -> None:
    _second_copy(samples_raw)
    assert main(["validate", "--raw", str(samples_raw), "--out", str(samples_raw.parent / "out")]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "duplicate_form" in x)
    assert DEM2 in line and "2018/повторно/F-DEM-2 копия.xlsx" in line


def test_a_missing_form_is_a_warning_not_a_refusal(samples_raw: Path, tmp_path: Path, capsys) -> None:
    (samples_raw / "2018" / "MICS key indicators for yearbook.xlsx").unlink()
    assert main(["build", "--raw", str(samples_raw), "--out", str(tmp_path / "out")]) == 0
    assert (
        "2018/: -: -: missing_form: no F-MICS-1 submission for 2018: its tables are marked not available [warning]"
        in capsys.readouterr().out
    )
