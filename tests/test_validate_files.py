"""``yearbook validate FILE...``: a corrected workbook checked on its own, with the lines a build prints for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT
from yearbook.cli import main

DEM2 = "2018/Рождаемость и смертность детей 2018.xlsx"
SPOILT = [
    f"{DEM2}: Лист1: B7: invalid_value: not a number nor a symbol of FORMS.md: '#REF!'",
    f"{DEM2}: Лист1: B9: sex_sum: ",
    f"{DEM2}: Лист1: C24: region_sum: ",
]


@pytest.fixture
def spoilt(samples_raw: Path) -> Path:
    """The samples with two cells of the births workbook spoilt: a text where a count belongs, a count too large."""
    book = openpyxl.load_workbook(samples_raw / DEM2)
    book.worksheets[0]["B7"] = "#REF!"
    book.worksheets[0]["C9"] = 999999
    book.save(samples_raw / DEM2)
    return samples_raw


def _lines(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if line]


def test_one_workbook_is_refused_with_its_cells(spoilt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(spoilt / DEM2), "--internal", str(tmp_path / "staff")]) == 1
    printed = capsys.readouterr()
    lines = _lines(printed.out)
    assert len(lines) == len(SPOILT) and all(line.startswith(start) for line, start in zip(lines, SPOILT, strict=True)), lines
    assert "refused: 3 error(s), 0 warning(s)" in printed.err
    feedback = tmp_path / "staff" / "feedback" / "2018" / "Рождаемость и смертность детей 2018 — проверка.xlsx"
    assert f"feedback for the ministry: {feedback}" in printed.err
    marked = openpyxl.load_workbook(feedback)["Лист1"]
    assert all(marked[cell].comment is not None for cell in ("B7", "B9", "C24"))


def test_a_workbook_as_sent_is_valid_and_its_year_may_be_given(samples_raw: Path, tmp_path: Path, capsys) -> None:
    loose = tmp_path / "from the ministry.xlsx"  # not in a year folder: the year must be given
    loose.write_bytes((samples_raw / DEM2).read_bytes())
    assert main(["validate", str(samples_raw / DEM2), str(loose), "--year", "2018"]) == 0
    assert "valid: no errors, 0 warning(s) in 2 workbook(s)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["validate", str(loose)])
    assert usage.value.code == 2
    assert "the reference year is neither its folder's name (raw/<year>/) nor given (--year)" in capsys.readouterr().err


def test_validating_a_workbook_imports_neither_dagster_nor_the_publication() -> None:
    code = (
        "import sys; from yearbook.cli import main; from yearbook.validation.files import validate_files; "
        "print(sorted(m for m in ('dagster', 'duckdb', 'yearbook.publish.render', 'yearbook.store') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


@pytest.mark.slow
def test_the_lines_are_those_a_build_prints_for_the_file(spoilt: Path, tmp_path: Path, capsys) -> None:
    assert main(["validate", str(spoilt / DEM2), "--internal", str(tmp_path / "staff")]) == 1
    alone = _lines(capsys.readouterr().out)
    assert main(["build", "--raw", str(spoilt), "--out", str(tmp_path / "out")]) == 1
    built = [line for line in _lines(capsys.readouterr().out) if line.startswith(DEM2)]
    assert alone == built


def test_a_corrected_workbook_keeps_no_old_feedback(spoilt: Path, samples_raw: Path, tmp_path: Path, capsys) -> None:
    staff = tmp_path / "staff"
    assert main(["validate", str(spoilt / DEM2), "--internal", str(staff)]) == 1
    feedback = staff / "feedback" / "2018" / "Рождаемость и смертность детей 2018 — проверка.xlsx"
    assert feedback.is_file()
    corrected = tmp_path / "corrected" / "2018" / Path(DEM2).name
    corrected.parent.mkdir(parents=True)
    corrected.write_bytes((ROOT / "tests" / "fixtures" / "samples" / DEM2).read_bytes())
    assert main(["validate", str(corrected), "--internal", str(staff)]) == 0
    assert not feedback.exists()


def test_the_staff_folder_must_lie_outside_the_public_one(spoilt: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["validate", str(spoilt / DEM2), "--out", str(tmp_path / "out"), "--internal", str(tmp_path / "out" / "staff")])
    assert usage.value.code == 2 and "must lie outside the public folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_two_files_under_one_name_are_refused(spoilt: Path, tmp_path: Path, capsys) -> None:
    loose = tmp_path / Path(DEM2).name
    loose.write_bytes((spoilt / DEM2).read_bytes())
    with pytest.raises(SystemExit) as usage:
        main(["validate", str(spoilt / DEM2), str(loose), "--year", "2018", "--internal", str(tmp_path / "staff")])
    assert usage.value.code == 2 and f"would both be {DEM2}: validate them one at a time" in capsys.readouterr().err


def test_a_workbook_sharing_its_stem_keeps_its_extension_whichever_command_wrote_it(spoilt: Path, tmp_path: Path) -> None:
    twin = (spoilt / DEM2).with_suffix(".xlsm")  # the same stem in the same folder
    twin.write_bytes((spoilt / DEM2).read_bytes())
    assert main(["validate", str(spoilt / DEM2), "--internal", str(tmp_path / "staff")]) == 1
    assert (tmp_path / "staff" / "feedback" / "2018" / "Рождаемость и смертность детей 2018.xlsx — проверка.xlsx").is_file()


def test_a_file_name_with_a_control_character_gets_its_feedback(spoilt: Path, tmp_path: Path, capsys) -> None:
    odd = spoilt / "2018" / "births\u00adfinal.xlsx"  # a soft hyphen: the problem lines show it escaped
    (spoilt / DEM2).rename(odd)
    assert main(["validate", str(odd), "--internal", str(tmp_path / "staff")]) == 1
    assert "2018/births\\xadfinal.xlsx: Лист1: B7: invalid_value" in capsys.readouterr().out
    assert len(list((tmp_path / "staff" / "feedback" / "2018").glob("*.xlsx"))) == 1
