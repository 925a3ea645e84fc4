"""The .xls and .ods readers (yearbook/formats/xls.py, ods.py): FORMS.md reads the three formats alike.

The fixtures come from tests/fixtures/convert_samples.py (LibreOffice): the samples saved as .xls and .ods, and small
workbooks with the cells calamine does not describe (formats/cells.*: errors, percentages, formulas, merged cells).
Cells are (row, column), 1-based, as in SheetFacts.
"""

from __future__ import annotations

import datetime
import re
import struct
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import FIXTURES, SAMPLES
from yearbook.formats import MACROS, SheetFacts, UnsafeWorkbook, is_percent_format, ods, xls, xlsx
from yearbook.model import DIMENSIONS
from yearbook.submissions import SubmissionFile, read_submission
from yearbook.workbook import read_workbook

FORMATS = FIXTURES / "formats"
SAMPLE_NAMES = sorted(p.stem for p in (SAMPLES / "2018").glob("*.xlsx"))
# what a figure is and where it was read: the same in every format
FIGURE_KEYS = ["source_sheet", "source_cell", "indicator", "ref_area", "time_period", *DIMENSIONS, "value", "obs_status", "obs_conf"]
CELLS_FACTS = {
    "Cells": SheetFacts(
        errors={(4, 2): "#DIV/0!", (5, 2): "#REF!", (16, 2): "#N/A"},
        percent={(3, 2), (12, 2), (17, 2)},  # 0.0%, 0%, a formula shown as 0.0%; not 0.0"%" (B13) nor 0.0\% (B14)
    ),
    "Données": SheetFacts(errors={(9, 4): "#DIV/0!", (9, 5): "#DIV/0!"}, percent={(r, c) for r in (5, 6, 7) for c in (4, 5, 6)}),
}
ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
    ' office:version="1.3"><office:body><office:spreadsheet>'
)
ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    "</manifest:manifest>"
)


def _read(path: Path) -> tuple[list[tuple], list[tuple]]:
    """The figures of a workbook, and its problems without the file's name."""
    sub = read_submission(SubmissionFile(path, path.name, 2018, "-"))
    problems = [(p.sheet, p.cell, p.rule, p.message, p.severity) for p in sub.problems]
    return [tuple(record[k] for k in FIGURE_KEYS) for record in sub.figure_records()], problems


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_copies_give_the_same_figures_from_the_same_cells(name: str, fmt: str) -> None:
    """The problems are the .xlsx sample's, which has none (the other tests see to it)."""
    expected = _read(SAMPLES / "2018" / f"{name}.xlsx")
    figures, problems = _read(FIXTURES / f"samples_{fmt}" / "2018" / f"{name}.{fmt}")
    assert (figures, problems) == expected
    assert len(figures) > 50


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_what_calamine_returns(fmt: str) -> None:
    """What the module docstrings say of python-calamine 0.9.1: a new version that reads otherwise fails here."""
    book = CalamineWorkbook.from_path(str(FORMATS / f"cells.{fmt}"))
    sheet = book.get_sheet_by_name("Cells")
    rows = sheet.to_python(skip_empty_area=False)

    def cell(ref: str) -> object:
        return rows[int(ref[1:]) - 1][ord(ref[0]) - ord("A")]

    assert cell("B2") == 12345 and type(cell("B2")) is (int if fmt == "xls" else float)  # .xls: a whole RK number
    assert cell("B3") == 0.734  # shows 73.4%
    assert cell("B4") == cell("B5") == cell("B16") == ""  # #DIV/0!, #REF!, #N/A: read as blank
    assert cell("B6") == 12345  # a formula: its saved result
    assert cell("B7") == ""  # ="": the empty string
    assert cell("B8") == datetime.date(2018, 1, 1)
    assert cell("B17") == 0.734  # a formula shown as a percentage
    expected_merges = [((9, 0), (10, 2)), ((17, 1), (17, 2))]
    assert sheet.merged_cell_ranges == (None if fmt == "ods" else expected_merges)
    assert book.sheet_names == list(CELLS_FACTS)


def test_calamine_reads_a_formula_without_its_result_as_blank() -> None:
    rows = CalamineWorkbook.from_path(str(FORMATS / "unsaved_formula.ods")).get_sheet_by_name("Cells").to_python(skip_empty_area=False)
    assert rows[8][1] == ""  # =B2*2, its office:value removed


@pytest.mark.parametrize("module", [xlsx, xls, ods], ids=["xlsx", "xls", "ods"])
def test_facts_find_errors_and_percentages_alike(module) -> None:
    path = FORMATS / f"cells.{module.__name__.rpartition('.')[2]}"
    assert module.check(path) == ()
    found = module.facts(path)
    if module is ods:  # calamine gives the merges of the other formats
        found = {name: replace(facts, merged=None) for name, facts in found.items()}
    assert found == CELLS_FACTS


def test_ods_formula_without_saved_result() -> None:
    found = ods.facts(FORMATS / "unsaved_formula.ods")["Cells"]
    assert found.unsaved_formulas == {(9, 2): "=B2*2"}
    assert found.errors == CELLS_FACTS["Cells"].errors


def test_ods_merged_ranges_are_calamines_for_the_other_formats() -> None:
    book = CalamineWorkbook.from_path(str(FORMATS / "cells.xlsx"))
    expected = {name: book.get_sheet_by_name(name).merged_cell_ranges for name in CELLS_FACTS}
    found = {name: facts.merged for name, facts in ods.facts(FORMATS / "cells.ods").items()}
    assert found == expected == {"Cells": [((9, 0), (10, 2)), ((17, 1), (17, 2))], "Données": []}


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_read_workbook_gives_the_grids_of_the_xlsx(fmt: str) -> None:
    expected = read_workbook(FORMATS / "cells.xlsx")
    book = read_workbook(FORMATS / f"cells.{fmt}")
    assert book.format == fmt
    assert [(g.sheet, g.cells, g.rows, g.cols, g.defects) for g in book.grids] == [
        (g.sheet, g.cells, g.rows, g.cols, g.defects) for g in expected.grids
    ]
    cells = book.grids[0]
    shown = {cells.ref(i, j): v for i, row in enumerate(cells.cells) for j, v in enumerate(row) if v is not None}
    assert (shown["B3"], shown["B4"], shown["B12"], shown["B13"]) == (73.4, "#DIV/0!", 50, 0.25)


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_read_workbook_knows_the_merged_cells(fmt: str) -> None:
    """read_workbook takes merges from calamine, and for .ods (where calamine has none) from the file's own facts."""
    assert read_workbook(FORMATS / f"cells.{fmt}").grids[0].merged == read_workbook(FORMATS / "cells.xlsx").grids[0].merged != {}


def test_read_workbook_reports_the_ods_formula_without_result() -> None:
    [defect] = read_workbook(FORMATS / "unsaved_formula.ods").grids[0].defects
    assert (defect.row, defect.col, defect.rule) == (9, 2, "formula_without_value")
    assert "'=B2*2'" in defect.message


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_password_protected_workbooks_are_refused(fmt: str) -> None:
    path = FORMATS / f"password.{fmt}"
    with pytest.raises(UnsafeWorkbook, match="password-protected: save it without a password"):
        read_workbook(path)
    if fmt != "xlsx":  # an encrypted .xlsx is an OLE2 file that sniff already tells
        with pytest.raises(UnsafeWorkbook, match="password-protected: save it without a password"):
            {"xls": xls, "ods": ods}[fmt].check(path)


# --- .ods built by hand: what content.xml may hold ---


def _ods(path: Path, tables: str, manifest: str = MANIFEST, extra: dict[str, bytes] | None = None) -> Path:
    """An .ods of the given table:table elements: 'mimetype' first and stored, as ODF requires and sniff expects."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", ODS_HEAD + tables + ODS_TAIL, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


def _table(*rows: str) -> str:
    return f'<table:table table:name="S">{"".join(rows)}</table:table>'


def _row(*cells: str, repeat: int = 1) -> str:
    return f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}</table:table-row>'


def _empty(repeat: int = 1, tag: str = "table-cell") -> str:
    return f'<table:{tag} table:number-columns-repeated="{repeat}"/>'


def _number(value: float, value_type: str = "float", repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="{value_type}" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def _calamine_cells(path: Path) -> set[tuple[int, int]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    return {(r + 1, c + 1) for r, row in enumerate(rows) for c, v in enumerate(row) if v != ""}


def test_ods_positions_follow_repeats_spans_and_covered_cells_as_calamine(tmp_path: Path) -> None:
    merged = (
        '<table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string">'
        "<text:p>label</text:p></table:table-cell>"
    )
    table = _table(
        '<table:table-column table:number-columns-repeated="16384"/>',
        _row(_empty(16384), repeat=2),
        _row(_empty(), _number(0.5, "percentage", repeat=2), _empty(16381), repeat=3),
        _row(merged, _empty(tag="covered-table-cell"), _number(0.25, "percentage")),
        _row(_empty(2, tag="covered-table-cell"), _number(7)),
        _row(_empty(16384), repeat=1048568),
    )
    path = _ods(tmp_path / "repeats.ods", table)
    found = ods.facts(path)["S"]
    assert found.percent == {(3, 2), (3, 3), (4, 2), (4, 3), (5, 2), (5, 3), (6, 3)}
    assert found.percent | {(6, 1), (7, 3)} == _calamine_cells(path)
    assert found.merged == [((5, 0), (6, 1))]


ERROR_RESULT = 'table:formula="of:=1/0" office:value-type="string" office:string-value=""'


@pytest.mark.parametrize(
    ("cell", "fact"),
    [
        ('<table:table-cell table:formula="of:=[.A2]*2" office:value-type="float"><text:p>4</text:p></table:table-cell>', "unsaved"),
        ('<table:table-cell table:formula="of:=SUM([.A1:.A2])"><text:p>3</text:p></table:table-cell>', "unsaved"),
        ('<table:table-cell table:formula="of:=&quot;&quot;"><text:p/></table:table-cell>', None),  # LibreOffice's =""
        (f"<table:table-cell {ERROR_RESULT}><text:p>#DIV/0!</text:p></table:table-cell>", "error"),  # no calcext: by its text
        ('<table:table-cell office:value-type="string" calcext:value-type="error"><text:p>Err:502</text:p></table:table-cell>', "error"),
        ('<table:table-cell office:value-type="string"><text:p>#DIV/0!</text:p></table:table-cell>', None),  # text: the reader refuses it
        ('<table:table-cell office:value-type="percentage"><text:p>5%</text:p></table:table-cell>', None),  # no value: no number to scale
    ],
)
def test_ods_formula_and_error_cells(tmp_path: Path, cell: str, fact: str | None) -> None:
    found = ods.facts(_ods(tmp_path / "cell.ods", _table(_row(_number(1), cell))))["S"]
    assert set(found.unsaved_formulas) == ({(1, 2)} if fact == "unsaved" else set())
    assert set(found.errors) == ({(1, 2)} if fact == "error" else set())
    assert not found.percent


def test_ods_readable_formula(tmp_path: Path) -> None:
    cell = '<table:table-cell table:formula="of:=SUM([.B2:.B5])+[$Sheet1.A1]" office:value-type="float"/>'
    assert ods.facts(_ods(tmp_path / "f.ods", _table(_row(cell))))["S"].unsaved_formulas == {(1, 1): "=SUM(B2:B5)+$Sheet1.A1"}


def test_ods_content_beyond_the_cell_limit_is_refused_unexpanded(tmp_path: Path) -> None:
    path = _ods(tmp_path / "huge.ods", _table(_row(_number(0.1, "percentage", repeat=16384), repeat=1048576)))
    start = time.process_time()
    with pytest.raises(UnsafeWorkbook, match="reaches row 1,048,576 and column 16,384: more than 2,000,000 cells"):
        ods.check(path)
    assert time.process_time() - start < 1


def test_ods_empty_runs_cost_nothing(tmp_path: Path) -> None:
    path = _ods(tmp_path / "sparse.ods", _table(_row(_empty(16384), repeat=1048575), _row(_number(1))))
    assert ods.check(path) == ()
    assert ods.facts(path) == {"S": SheetFacts(merged=[])}


ENCRYPTED_MANIFEST = MANIFEST.replace("/>", "><manifest:encryption-data/></manifest:file-entry>", 1)
CROWDED_CELL = f"<table:table-cell>{'<text:p/>' * 10_001}</table:table-cell>"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: _ods(p, "", manifest=ENCRYPTED_MANIFEST), "password-protected: save it without a password"),
        (lambda p: _ods(p, "", extra={"big.xml": b" " * 5_000_000}), "refused as a zip bomb"),
        (lambda p: _ods(p, "", extra={f"e{i}": b"" for i in range(2_000)}), "entries (limit 2000)"),
        (lambda p: _ods(p, "<x>" * 100 + "</x>" * 100), "nests or packs its elements"),
        (lambda p: _ods(p, _table(_row(CROWDED_CELL))), "nests or packs its elements"),
        (lambda p: _ods(p, "<unclosed>"), "its XML is not well-formed"),
        (lambda p: _ods(p, "", manifest=MANIFEST.replace("</", "<x/>" * 100_001 + "</")), "manifest.xml holds more than"),
    ],
)
def test_ods_refusals(tmp_path: Path, build, message: str) -> None:
    with pytest.raises(UnsafeWorkbook, match=re.escape(message)):
        ods.check(build(tmp_path / "bad.ods"))


def test_ods_entity_declarations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(UnsafeWorkbook, match="declares entities"):
        ods.check(path)


def test_ods_without_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(UnsafeWorkbook, match="no content.xml"):
        ods.check(path)


def test_ods_macros_are_a_notice(tmp_path: Path) -> None:
    path = _ods(tmp_path / "macros.ods", "", extra={"Basic/Standard/Module1.xml": b"<module/>"})
    assert ods.check(path) == (MACROS,)


# --- .xls: the records read by hand ---


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0%", True),
        ("0.00%", True),
        ("[Red]0.0%", True),
        ("#,##0", False),
        ('0.0"%"', False),
        ("0.0\\%", False),
        ('"%" 0', False),
        ("0_%", False),  # padding the width of a %: no % shows
        ("0.0;-0.0%", False),  # only negative numbers show a %
        ("0.0%;-0.0", True),
    ],
)
def test_percent_formats(code: str, percent: bool) -> None:
    assert is_percent_format(code) is percent


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _workbook_stream(*cells: bytes, formats: tuple[bytes, ...] = ()) -> bytes:
    """A BIFF8 Workbook stream: globals (XF 0 General, XF 1 '0.0%' as format 164), one worksheet 'S' of the cells."""
    format_164 = _record(xls.FORMAT, struct.pack("<HHB", 164, 4, 0) + b"0.0%")
    xfs = _record(xls.XF, struct.pack("<HH", 0, 0) + bytes(16)) + _record(xls.XF, struct.pack("<HH", 0, 164) + bytes(16))
    bof = _record(xls.BOF, struct.pack("<HH", xls.BIFF8, 0x0005) + bytes(12))

    def globals_at(offset: int) -> bytes:  # ... BOUNDSHEET (where the worksheet starts, type, name), EOF
        sheet = _record(xls.BOUNDSHEET, struct.pack("<IBBBB", offset, 0, 0, 1, 0) + b"S")
        return bof + format_164 + xfs + b"".join(formats) + sheet + _record(xls.EOF, b"")

    globals_ = globals_at(len(globals_at(0)))
    worksheet = _record(xls.BOF, struct.pack("<HH", xls.BIFF8, xls.WORKSHEET) + bytes(12)) + b"".join(cells) + _record(xls.EOF, b"")
    return globals_ + worksheet


def test_xls_records() -> None:
    stream = _workbook_stream(
        _record(xls.NUMBER, struct.pack("<HHHd", 0, 0, 1, 0.5)),  # A1 0.5 as 0.0%
        _record(xls.MULRK, struct.pack("<HH", 1, 0) + struct.pack("<HI", 0, 2) + struct.pack("<HI", 1, 2) + struct.pack("<H", 1)),
        _record(xls.BOOLERR, struct.pack("<HHHBB", 2, 3, 0, 0x2A, 1)),  # D3 a constant #N/A
        _record(xls.BOOLERR, struct.pack("<HHHBB", 2, 4, 0, 1, 0)),  # E3 TRUE: no error
        _record(xls.FORMULA, struct.pack("<HHH", 3, 0, 0) + bytes([2, 0, 0x07, 0, 0, 0, 0xFF, 0xFF]) + bytes(6)),  # A4 #DIV/0!
        _record(xls.FORMULA, struct.pack("<HHHd", 3, 1, 1, 0.25) + bytes(6)),  # B4 a number as 0.0%
        _record(xls.FORMULA, struct.pack("<HHH", 3, 2, 1) + bytes([3, 0, 0, 0, 0, 0, 0xFF, 0xFF]) + bytes(6)),  # C4 ""
    )
    assert xls._read_records(stream) == {
        "S": xls._Sheet(SheetFacts(errors={(3, 4): "#N/A", (4, 1): "#DIV/0!"}, percent={(1, 1), (2, 2), (4, 2)}), last_row=3, last_col=4)
    }


def test_xls_redefined_builtin_format_is_read() -> None:
    """Format 9 is '0%' unless the file says otherwise."""
    not_percent = _record(xls.FORMAT, struct.pack("<HHB", 9, 1, 0) + b"0")
    stream = _workbook_stream(_record(xls.NUMBER, struct.pack("<HHHd", 0, 0, 1, 0.5)), formats=(not_percent,))
    assert xls._read_records(stream)["S"].facts.percent == {(1, 1)}  # XF 1 is format 164, still '0.0%'


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (_record(xls.NUMBER, struct.pack("<HHHd", 65535, 255, 0, 1.0)), "reaches row 65,536 and column 256"),
        (_record(xls.NUMBER, struct.pack("<HHH", 0, 0, 0)), "cut short"),
    ],
)
def test_xls_refusals(cell: bytes, message: str) -> None:
    with pytest.raises(UnsafeWorkbook, match=message):
        xls._read_records(_workbook_stream(cell))


def test_xls_excel_95_is_refused(tmp_path: Path) -> None:
    """The same container with its stream named as Excel 5.0/95 named it."""
    data = bytearray((FORMATS / "cells.xls").read_bytes())
    name = "Workbook".encode("utf-16-le") + b"\0\0"
    at = data.index(name)
    data[at : at + 64] = ("Book".encode("utf-16-le") + b"\0\0").ljust(64, b"\0")
    data[at + 64 : at + 66] = struct.pack("<H", 10)
    path = tmp_path / "old.xls"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsafeWorkbook, match="Excel 5.0/95"):
        xls.check(path)


def test_xls_damaged_container_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.xls"
    path.write_bytes((FORMATS / "cells.xls").read_bytes()[:3000])
    with pytest.raises(UnsafeWorkbook, match="corrupt workbook"):
        xls.check(path)
