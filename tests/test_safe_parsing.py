"""Untrusted workbooks: bombs and broken files are refused quickly, with bounded memory and a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLES
from yearbook.submissions import SubmissionFile, read_submission

SAMPLE = next(SAMPLES.glob("2018/Рождаемость*.xlsx"))
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def _rewrite(source: Path, target: Path, replace: dict[str, object]) -> None:
    """Copy an xlsx, replacing some entries (bytes, or a callable that streams into the entry)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = replace.get(item.filename)
            if content is None:
                zout.writestr(item, zin.read(item.filename))
            elif callable(content):
                with zout.open(item.filename, "w", force_zip64=True) as f:
                    content(f)
            else:
                zout.writestr(item.filename, content)


def _read_in_subprocess(path: Path) -> dict:
    """Read one workbook in a fresh interpreter; report its problems, CPU seconds (robust to a busy
    machine), wall seconds and peak memory."""
    code = f"""
import json, resource, time
from pathlib import Path
from yearbook.submissions import SubmissionFile, read_submission
def peak_mb():  # VmHWM is this process's own peak (ru_maxrss would carry the forking parent's)
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start, wall = cpu(), time.perf_counter()
sub = read_submission(SubmissionFile(Path({str(path)!r}), "2018/bomb.xlsx", 2018, "-"))
print(json.dumps({{"seconds": cpu() - start, "wall": time.perf_counter() - wall,
                  "peak_mb": peak_mb(),
                  "problems": [[p.rule, p.message] for p in sub.problems]}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_zip_bomb_is_refused_fast_with_little_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"

    def zeros(f) -> None:  # 400 MB of one byte: deflates about 1000:1
        block = b"0" * (1 << 20)
        for _ in range(400):
            f.write(block)

    _rewrite(SAMPLE, bomb, {"xl/worksheets/sheet1.xml": zeros})
    assert bomb.stat().st_size < 5_000_000
    report = _read_in_subprocess(bomb)
    assert [rule for rule, _ in report["problems"]] == ["unreadable_file"]
    assert "zip bomb" in report["problems"][0][1] or "exceeds the limit" in report["problems"][0][1]
    assert report["seconds"] < 3 and report["wall"] < 30
    assert report["peak_mb"] < 200


def test_xml_entity_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "laughs.xlsx"
    _rewrite(SAMPLE, bomb, {"xl/worksheets/sheet1.xml": BILLION_LAUGHS.encode()})
    report = _read_in_subprocess(bomb)
    assert [rule for rule, _ in report["problems"]] == ["unreadable_file"]
    assert "XML bomb" in report["problems"][0][1]
    assert report["seconds"] < 3
    assert report["peak_mb"] < 200


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "corrupt workbook"),  # an .xls (OLE2) container, damaged
        (b"Region;Births\nAkmola;9854\n", "not a workbook (.xlsx, .xls or .ods)"),
        (b"PK\x03\x04 truncated", "corrupt workbook, cut short or damaged"),
    ],
)
def test_files_that_are_no_workbook_are_refused_with_their_name(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "births.xlsx"
    path.write_bytes(content)
    sub = read_submission(SubmissionFile(path, "2018/births.xlsx", 2018, "-"))
    assert [(p.file, p.rule) for p in sub.problems] == [("2018/births.xlsx", "unreadable_file")]
    assert expected in sub.problems[0].message


def test_zip_without_workbook_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not_a_book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<doc/>")
    sub = read_submission(SubmissionFile(path, "2018/not_a_book.xlsx", 2018, "-"))
    assert sub.problems[0].rule == "unreadable_file" and "xl/workbook.xml" in sub.problems[0].message


def test_defusedxml_is_active() -> None:
    assert openpyxl.DEFUSEDXML


@pytest.mark.parametrize("number_format", ["[hh]:mm:ss", "[h]:mm"])
def test_a_number_beyond_any_duration_is_refused_at_its_cell_not_raised(tmp_path: Path, number_format: str) -> None:
    """python-calamine panics on a duration far beyond its range (a Rust panic, which Python raises as a BaseException,
    not an Exception): the workbook is refused at that cell instead of stopping the build."""
    path = tmp_path / "births.xlsx"
    book = openpyxl.load_workbook(SAMPLES / "2018" / "Рождаемость и смертность детей 2018.xlsx")
    sheet = book.worksheets[0]
    sheet["C6"] = -1e20
    sheet["C6"].number_format = number_format
    book.save(path)
    sub = read_submission(SubmissionFile(path, "2018/births.xlsx", 2018, "-"))
    assert [(p.rule, p.sheet, p.cell) for p in sub.problems] == [("unreadable_file", sheet.title, "C6")]
    assert "-1e+20" in sub.problems[0].message and "Number format" in sub.problems[0].message


@pytest.mark.parametrize(
    ("code", "shows_time"),
    [("dd.mm.yyyy", True), ("h:mm", True), ("[h]:mm:ss", True), ("mm:ss.0", True), ("General", False), ("0.0", False),
     ('0" m"', False), ("#,##0", False), ("0.0%", False)],
)  # fmt: skip
def test_date_time_and_duration_formats_are_told_from_number_formats(code: str, shows_time: bool) -> None:
    from yearbook.formats import is_time_format

    assert is_time_format(code) is shows_time
