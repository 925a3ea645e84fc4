"""Every cell read with certainty or reported: the cells of FORMS.md's table that a reader gets wrong
silently (a percent format, a saved formula, -0), and hostile cells read in bounded time and memory."""

from __future__ import annotations

import math
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLES
from tests.test_safe_parsing import _read_in_subprocess, _rewrite
from yearbook.cells import parse_cell
from yearbook.cli import main
from yearbook.labels import normalize_label, strip_footnote_marks
from yearbook.submissions import SubmissionFile, read_submission

DEM2 = "2018/Рождаемость и смертность детей 2018.xlsx"
MLSP = "2018/МТСЗН_АСП_сироты_2018.xlsx"


def _read(path: Path, relpath: str = "2018/book.xlsx") -> tuple[dict[tuple[str, str], dict], list]:
    """Figures by (sheet, cell), and the problems."""
    sub = read_submission(SubmissionFile(path, relpath, 2018, "-"))
    return {(f["source_sheet"], f["source_cell"]): f for f in sub.figure_records()}, sub.problems


def _copy(tmp_path: Path, rel: str) -> Path:
    path = tmp_path / Path(rel).name
    shutil.copy(SAMPLES / rel, path)
    return path


def test_a_fraction_formatted_as_a_percentage_is_read_as_it_shows(tmp_path: Path) -> None:
    path = _copy(tmp_path, MLSP)
    book = openpyxl.load_workbook(path)
    ws = book["АӘК - АСП"]
    assert ws["D5"].value == 4.4
    ws["D5"] = 0.044
    ws["D5"].number_format = "0.0%"
    ws["D6"] = 0.04
    ws["D6"].number_format = "0%"
    book.save(path)
    figures, problems = _read(path)
    assert problems == []
    assert figures[("АӘК - АСП", "D5")]["value"] == 4.4
    assert figures[("АӘК - АСП", "D6")]["value"] == 4.0


def _with_saved_result(tmp_path: Path, formula: str, saved: str) -> Path:
    """The DEM-2 sample with the national live births (B24) as a formula whose result Excel saved."""
    draft, path = tmp_path / "draft.xlsx", tmp_path / "saved.xlsx"
    shutil.copy(SAMPLES / DEM2, draft)
    book = openpyxl.load_workbook(draft)
    book["Лист1"]["B24"] = formula
    book.save(draft)
    with zipfile.ZipFile(draft) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert f"<f>{formula[1:]}</f><v />" in sheet
    _rewrite(draft, path, {"xl/worksheets/sheet1.xml": sheet.replace(f"<f>{formula[1:]}</f><v />", f"<f>{formula[1:]}</f><v>{saved}</v>")})
    return path


def test_a_formula_with_its_saved_result_is_that_result(tmp_path: Path) -> None:
    figures, problems = _read(_with_saved_result(tmp_path, "=SUM(B7:B23)", "393085"))
    assert problems == []
    assert figures[("Лист1", "B24")]["value"] == 393085


def test_a_formula_without_saved_result_is_refused_with_the_formula(tmp_path: Path) -> None:
    path = _copy(tmp_path, DEM2)
    book = openpyxl.load_workbook(path)
    book["Лист1"]["B24"] = "=SUM(B7:B23)"
    book.save(path)
    figures, problems = _read(path)
    assert [(p.cell, p.rule) for p in problems] == [("B24", "formula_without_value")]
    assert "'=SUM(B7:B23)'" in problems[0].message and "save the workbook in Excel or LibreOffice" in problems[0].message
    assert ("Лист1", "B24") not in figures


def test_a_cell_of_only_spaces_is_missing() -> None:
    assert parse_cell("   ", decimal_comma=True).obs_status == "M"
    assert parse_cell("\u00a0 ", decimal_comma=True).obs_status == "M"


def test_minus_zero_is_zero() -> None:
    for raw in ("-0", -0.0, "-0,0", "-0.0"):
        value = parse_cell(raw, decimal_comma=True).value
        assert value == 0 and math.copysign(1, value) == 1, raw
    assert parse_cell("9" * 400, decimal_comma=True).error, "a number too large for a float is refused, not read as infinity"


def test_a_huge_magnitude_is_refused_at_its_cell(samples_raw: Path, tmp_path: Path, capsys) -> None:
    book = openpyxl.load_workbook(samples_raw / DEM2)
    book["Лист1"]["C9"] = 1e308
    book.save(samples_raw / DEM2)
    assert main(["build", "--raw", str(samples_raw), "--out", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr().out
    # the region as the ministry wrote it, then in English with its code
    context = "Live births 2018, Алматинская область (Almaty region, KZ-19), Boys"
    assert f"{DEM2}: Лист1: C9: implausible_value: {context}: 1e+308 is more than such a figure can be (at most 20000000)" in printed
    assert f"{DEM2}: Лист1: B9: sex_sum: Live births 2018, Алматинская область (Almaty region, KZ-19): boys + girls (1e+308)" in printed
    assert not (tmp_path / "out" / "current").exists() and not (tmp_path / "out" / "yearbook.duckdb").exists()  # nothing published


@pytest.mark.parametrize("marks", [40, 10_000])
def test_a_long_run_of_marks_is_handled_in_linear_time(marks: int) -> None:
    text = "Родившиеся живыми " + "*" * marks + " примечание"
    start = time.process_time()
    assert strip_footnote_marks(text) == text.strip()
    assert normalize_label(text + "*" * marks) == normalize_label(text)
    assert parse_cell("12" + "*" * marks + "x", decimal_comma=True).error
    assert parse_cell("12 345" + "*" * marks, decimal_comma=True)[:4] == (12345.0, "A", "F", "*" * marks)
    assert time.process_time() - start < 1


def test_a_title_ending_in_marks_before_text_reads_in_under_a_second(tmp_path: Path) -> None:
    path = _copy(tmp_path, DEM2)
    book = openpyxl.load_workbook(path)
    book["Лист1"]["A1"] = book["Лист1"]["A1"].value + " " + "*" * 40 + " предварительные данные"
    book["Лист1"]["A7"] = "Акмолинская область" + "*" * 40 + " x"
    book.save(path)
    start = time.process_time()
    figures, problems = _read(path)
    assert time.process_time() - start < 1
    assert [(p.cell, p.rule) for p in problems] == [("A7", "unknown_region")]
    assert len(problems[0].message) < 300


def test_long_title_cells_of_many_separators_read_in_bounded_time(tmp_path: Path) -> None:
    """A header cell may be "group<separator>sub": a cell of hundreds of separators is not tried at each of them."""
    path = _copy(tmp_path, DEM2)
    book = openpyxl.load_workbook(path)
    long_text = "\n".join("абвгдежзик" * 50)[:990]  # 495 line breaks in 990 characters
    for column in range(12, 312):  # 300 such cells in the title row, right of the table
        book["Лист1"].cell(row=1, column=column, value=f"{column} {long_text}")
    book.save(path)
    start = time.process_time()
    figures, problems = _read(path)
    assert time.process_time() - start < 3  # about 10 s when every separator was tried
    assert figures[("Лист1", "B7")]["value"] is not None


@pytest.mark.slow  # seconds: a subprocess given a 50 MB cell
def test_a_cell_of_50_million_characters_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    draft, path = tmp_path / "draft.xlsx", tmp_path / "huge.xlsx"
    shutil.copy(SAMPLES / DEM2, draft)
    book = openpyxl.load_workbook(draft)
    book["Лист1"]["C9"] = "PLACEHOLDER"
    book.save(draft)
    with zipfile.ZipFile(draft) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    _rewrite(draft, path, {"xl/worksheets/sheet1.xml": sheet.replace(b"PLACEHOLDER", b"1" + os.urandom(25_000_000).hex().encode())})
    assert path.stat().st_size > 25_000_000
    report = _read_in_subprocess(path)
    assert [(rule, message[:40]) for rule, message in report["problems"]] == [("cell_too_long", "the cell holds 50,000,001 characters (at")]
    assert len(report["problems"][0][1]) < 250
    assert report["peak_mb"] < 600 and report["seconds"] < 10


def test_one_problem_is_one_line_whatever_the_file_name(samples_raw: Path, tmp_path: Path, capsys) -> None:
    (samples_raw / "2018" / "итог\nкопия\u202e.xlsx").write_bytes(b"not a workbook")
    assert main(["validate", "--raw", str(samples_raw), "--out", str(tmp_path / "out"), "--internal", str(tmp_path / "int")]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "копия" in line or line.startswith("2018/итог")]
    assert lines == [
        "2018/итог\\nкопия\\u202e.xlsx: -: -: unreadable_file: not a workbook (.xlsx, .xls or .ods): save it as Excel Workbook (.xlsx)"
    ]


@pytest.mark.slow  # a whole build
def test_macros_are_never_run_and_the_ministry_is_told(samples_raw: Path, tmp_path: Path, capsys) -> None:
    source = samples_raw / DEM2
    target = source.with_suffix(".xlsm")
    _rewrite(source, target, {})
    with zipfile.ZipFile(target, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros that are never run")
    source.unlink()
    assert main(["build", "--raw", str(samples_raw), "--out", str(tmp_path / "out")]) == 0
    warning = "2018/Рождаемость и смертность детей 2018.xlsm: -: -: notice: the workbook contains macros: they are never run"
    assert warning in capsys.readouterr().out


def _sheet_rewritten(tmp_path: Path, rel: str, change, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """A sample whose XML part is rewritten by ``change`` (text -> text): what openpyxl cannot write."""
    path = tmp_path / "rewritten.xlsx"
    with zipfile.ZipFile(SAMPLES / rel) as z:
        text = z.read(part).decode()
    _rewrite(SAMPLES / rel, path, {part: change(text).encode()})
    return path


@pytest.mark.parametrize(
    ("cell_xml", "rule"),
    [
        ("<c r='B7' t='e'><v>#REF!</v></c>", "invalid_value"),  # single quotes: the quick byte scan must not miss it
        ('<c r="B7" t="str"><f>SUM(C7:D7)</f></c>', "formula_without_value"),  # a string formula with no saved result
        ('<c r="b7" t="e"><v>#REF!</v></c>', "invalid_value"),  # a lower-case reference: calamine reads it as B7
    ],
)
def test_cells_the_quick_scan_must_not_miss(tmp_path: Path, cell_xml: str, rule: str) -> None:
    path = _sheet_rewritten(tmp_path, DEM2, lambda xml: re.sub(r'<c r="B7"[^>]*?(/>|>.*?</c>)', cell_xml, xml, count=1))
    figures, problems = _read(path)
    assert [(p.cell, p.rule) for p in problems] == [("B7", rule)]


def test_a_strict_ooxml_workbook_keeps_its_cell_facts(tmp_path: Path) -> None:
    strict = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    draft = _sheet_rewritten(tmp_path, DEM2, lambda xml: re.sub(r'<c r="B7"[^>]*?(/>|>.*?</c>)', '<c r="B7" t="e"><v>#REF!</v></c>', xml))
    path = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(draft) as z:
        book = z.read("xl/workbook.xml").decode()
    _rewrite(draft, path, {"xl/workbook.xml": book.replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships", strict)})
    assert [(p.cell, p.rule) for p in _read(path)[1]] == [("B7", "invalid_value")]


def test_a_sheet_part_named_in_another_case_keeps_its_cell_facts(tmp_path: Path) -> None:
    """calamine finds a part whatever the case of the name the workbook's relationships give it: so must the checks."""
    draft = _sheet_rewritten(tmp_path, DEM2, lambda xml: re.sub(r'<c r="B7"[^>]*?(/>|>.*?</c>)', '<c r="B7"><f>1+1</f></c>', xml))
    path = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(draft) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    assert 'Target="/xl/worksheets/sheet1.xml"' in rels
    _rewrite(draft, path, {"xl/_rels/workbook.xml.rels": rels.replace("/xl/worksheets/sheet1.xml", "/xl/Worksheets/Sheet1.xml").encode()})
    assert [(p.cell, p.rule) for p in _read(path)[1]] == [("B7", "formula_without_value")]


SHEET = "xl/worksheets/sheet1.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
Entries = list[tuple[str, bytes]]


def _swap_sheet(entries: Entries, hostile: bytes) -> Entries:
    """Two entries differing only in case, the hostile one last: calamine reads the last."""
    return [*entries, ("xl/worksheets/SHEET1.xml", hostile)]


def _backslashes(entries: Entries, hostile: bytes) -> Entries:
    return [("xl\\worksheets\\sheet1.xml", hostile) if name == SHEET else (name, data) for name, data in entries]


def _other_folder(entries: Entries, hostile: bytes) -> Entries:
    """The package's relationship names a workbook in x2/ (the xl/ tree left as it was): calamine reads x2/."""
    parts = dict(entries)
    moved = [("_rels/.rels", parts["_rels/.rels"].replace(b'Target="xl/workbook.xml"', b'Target="x2/workbook.xml"'))]
    moved += [("x2/workbook.xml", parts["xl/workbook.xml"]), ("x2/styles.xml", parts["xl/styles.xml"])]
    moved += [("x2/worksheets/sheet1.xml", hostile)]
    moved += [("x2/_rels/workbook.xml.rels", parts[WORKBOOK_RELS].replace(b"/xl/worksheets/sheet1.xml", b"worksheets/sheet1.xml"))]
    return [(name, data) for name, data in entries if name != "_rels/.rels"] + moved


def _dot_target(entries: Entries, hostile: bytes) -> Entries:
    """A relationship's target joined to the workbook's folder as written: 'xl/./worksheets/sheet1.xml' is its own entry."""
    rels = dict(entries)[WORKBOOK_RELS].replace(b"/xl/worksheets/sheet1.xml", b"./worksheets/sheet1.xml")
    return [(name, rels if name == WORKBOOK_RELS else data) for name, data in entries] + [("xl/./worksheets/sheet1.xml", hostile)]


def _dem2_entries() -> tuple[Entries, bytes]:
    """The DEM-2 sample's entries, and its sheet with an error cell at B7."""
    with zipfile.ZipFile(SAMPLES / DEM2) as z:
        entries = [(item.filename, z.read(item)) for item in z.infolist()]
    return entries, re.sub(rb'<c r="B7"[^>]*?(/>|>.*?</c>)', b'<c r="B7" t="e"><v>#REF!</v></c>', dict(entries)[SHEET], count=1)


def _written(path: Path, entries: Entries) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            zout.writestr(name, data)
    return path


def _second_document(entries: Entries, hostile: bytes) -> Entries:
    """A second officeDocument relationship, to a workbook in x2/: calamine takes the last."""
    package = dict(entries)["_rels/.rels"]
    second = (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        b'Target="x2/workbook.xml" Id="rId9" /></Relationships>'
    )
    parts = dict(_other_folder(entries, hostile))
    return [(name, package.replace(b"</Relationships>", second) if name == "_rels/.rels" else data) for name, data in entries] + [
        (name, parts[name]) for name in ("x2/workbook.xml", "x2/styles.xml", "x2/worksheets/sheet1.xml", "x2/_rels/workbook.xml.rels")
    ]


@pytest.mark.parametrize("change", [_swap_sheet, _backslashes, _other_folder, _dot_target, _second_document])
def test_the_sheet_checked_is_the_sheet_calamine_reads(tmp_path: Path, change) -> None:
    """The cell facts and the size limit are those of the entry calamine reads (calamine 0.36's lookup of parts)."""
    entries, hostile = _dem2_entries()
    assert [(p.cell, p.rule) for p in _read(_written(tmp_path / "parts.xlsx", change(entries, hostile)))[1]] == [("B7", "invalid_value")]


def test_a_worksheet_part_no_sheet_names_is_refused_when_it_holds_facts(tmp_path: Path) -> None:
    """Whatever part calamine reads, it was checked: one besides the sheets' that holds an error cell is refused."""
    entries, hostile = _dem2_entries()
    problems = _read(_written(tmp_path / "unnamed.xlsx", [*entries, ("xl/worksheets/sheet9.xml", hostile)]))[1]
    assert [(p.rule, "a worksheet part none of its sheets names" in p.message) for p in problems] == [("unreadable_file", True)]


def test_a_part_that_is_no_worksheet_is_not_taken_for_one(tmp_path: Path) -> None:
    """An external link's cached cells (<cell>, far away, an error among them) are no sheet calamine reads."""
    entries, _ = _dem2_entries()
    link = (
        b'<externalLink><externalBook><sheetDataSet><sheetData sheetId="0"><row r="5000"><cell r="ZZ5000" t="e"><v>#REF!</v>'
        b"</cell></row></sheetData></sheetDataSet></externalBook></externalLink>"
    )
    figures, problems = _read(_written(tmp_path / "linked.xlsx", [*entries, ("xl/externalLinks/externalLink1.xml", link)]))
    assert problems == [] and figures[("Лист1", "B7")]["value"] == 9854


def test_a_far_cell_in_a_part_no_sheet_was_found_to_name_is_refused(tmp_path: Path) -> None:
    entries, _ = _dem2_entries()
    far = dict(entries)[SHEET].replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    problems = _read(_written(tmp_path / "far.xlsx", [*entries, ("xl/worksheets/sheet9.xml", far)]))[1]
    assert [(p.rule, "reaches row 1,048,576" in p.message) for p in problems] == [("unreadable_file", True)]


def test_a_sheet_name_the_checks_read_otherwise_than_calamine_is_refused(tmp_path: Path) -> None:
    """A tab in a sheet's name: the XML parser reads a space, calamine the tab; the cell facts would find no sheet."""
    entries, hostile = _dem2_entries()
    book = dict(entries)["xl/workbook.xml"].replace('name="Лист1"'.encode(), 'name="Лист\t1"'.encode())  # a tab, as written
    changed = [(name, book if name == "xl/workbook.xml" else hostile if name == SHEET else data) for name, data in entries]
    problems = _read(_written(tmp_path / "tab.xlsx", changed))[1]
    assert [(p.rule, "cannot be matched to the workbook's" in p.message) for p in problems] == [("unreadable_file", True)]


def test_a_cell_without_reference_is_placed_in_its_rows_row(tmp_path: Path) -> None:
    """calamine puts a cell without r after the cell before it, in the row of its row element, whatever that cell's r."""
    moved = '<c r="A9"/><c t="e"><v>#REF!</v></c>'  # A9's own cell, in row 9, comes later and keeps its label
    path = _sheet_rewritten(tmp_path, DEM2, lambda xml: xml.replace('<c r="B7" t="n"><v>9854</v></c>', moved))
    assert [(p.cell, p.rule) for p in _read(path)[1]] == [("B7", "invalid_value")]


def test_a_styles_relationship_to_no_styles_part_is_refused(tmp_path: Path) -> None:
    """How a cell shows (a percentage) cannot be known: refused rather than guessed."""
    path = _sheet_rewritten(tmp_path, DEM2, lambda rels: rels.replace('Target="styles.xml"', 'Target="missing.xml"'), part=WORKBOOK_RELS)
    assert [(p.rule, "styles ('missing.xml') are missing or damaged" in p.message) for p in _read(path)[1]] == [("unreadable_file", True)]


def test_percent_styles_are_found_where_the_relationships_put_them(tmp_path: Path) -> None:
    """A styles part under another name than xl/styles.xml (its relationship says where) still shows 0.044 as 4.4%."""
    draft = _copy(tmp_path, MLSP)
    book = openpyxl.load_workbook(draft)
    book["АӘК - АСП"]["D5"] = 0.044
    book["АӘК - АСП"]["D5"].number_format = "0.0%"
    book.save(draft)
    path = tmp_path / "styles_moved.xlsx"
    with zipfile.ZipFile(draft) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b'Target="styles.xml"', b'Target="look.xml"').replace(b"/xl/styles.xml", b"/xl/look.xml")
            zout.writestr("xl/look.xml" if item.filename == "xl/styles.xml" else item.filename, data)
    figures, problems = _read(path)
    assert problems == []
    assert figures[("АӘК - АСП", "D5")]["value"] == 4.4


CELL_X = "<is><t>x</t></is></c>"


@pytest.mark.parametrize(
    ("far", "reach"),
    [
        (f'<row r="1048576"><c r="XFD1048576" t="inlineStr">{CELL_X}</row>', "row 1,048,576 or column 16,384"),
        (f'<row r="1048576"><c r="xfd1048576" t="inlineStr">{CELL_X}</row>', "row 1,048,576 or column 16,384"),
        (f'<row r="0001048576"><c r="XFD0001048576" t="inlineStr">{CELL_X}</row>', "row 1,048,576 or column 16,384"),
        (f'<row r="999"><c r="ZZZZ999" t="inlineStr">{CELL_X}</row>', "row 999 or column 475,254"),  # four letters
        ("<row/>" * 300 + "<row>" + "<c/>" * 16383 + "<c><v>1</v></c></row>", "row "),  # no r: refused as it is placed
    ],
)
def test_one_cell_far_away_is_refused_before_it_is_read(tmp_path: Path, far: str, reach: str) -> None:
    path = _sheet_rewritten(tmp_path, DEM2, lambda xml: xml.replace("</sheetData>", far + "</sheetData>"))
    report = _read_in_subprocess(path)
    assert [rule for rule, _ in report["problems"]] == ["unreadable_file"]
    assert f"reaches {reach}" in report["problems"][0][1] and "more than 2,000,000 cells" in report["problems"][0][1]
    assert report["peak_mb"] < 300
