"""Excel 97-2003 workbooks (.xls, BIFF8 in an OLE2 container): password protection and the cell facts.

What python-calamine 0.9.1 returns for an .xls cell (tests/fixtures/formats/cells.xls, tests/test_formats.py):

- a number: an int when Excel stored it as a whole RK number (``12345``), else a float; a date: ``datetime.date``;
- a number formatted as a percentage (shows 73.4%): the fraction, ``0.734``;
- an error, a constant or a formula's result (``#DIV/0!``, ``#REF!``, ``#N/A``): ``''``, as for a blank cell;
- a formula: its saved result (BIFF8 always saves one; a result saved as the empty string reads ``''``: so does
  every formula of a file written by xlwt, which saves no result);
- ``merged_cell_ranges``: the merged ranges, 0-based, as for .xlsx;
- a password-protected file (a FILEPASS record): ``PasswordError``; :func:`check` refuses it first, in the
  ministry's terms.

So the records calamine does not describe are read here: the cell formats (FORMAT and XF records, for the
percentages), the error cells (BOOLERR, and FORMULA with an error result) and FILEPASS. The OLE2 container is opened
with olefile; the Workbook stream (at most the file, which sniff limits to 100 MB) is read once, record by record,
keeping only the facts: time and memory stay linear in the file. Excel 5.0/95 (BIFF5) files are refused: their
records differ, and FORMS.md accepts Excel 97-2003.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import olefile

from yearbook.formats import MACROS, MAX_CELLS_PER_SHEET, PASSWORD_PROTECTED, SheetFacts, UnsafeWorkbook, is_percent_format, once_per_file

BUILTIN_FORMATS = {9: "0%", 10: "0.00%"}  # the built-in percent formats, which no FORMAT record need declare

BOF, EOF, FILEPASS, FORMAT, XF, BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x041E, 0x00E0, 0x0085
NUMBER, RK, MULRK, FORMULA, BOOLERR = 0x0203, 0x027E, 0x00BD, 0x0006, 0x0205
TEXT_CELLS = {0x00FD, 0x0204, 0x00D6}  # LABELSST, LABEL, RSTRING: content, for the sheet's extent
CELL_RECORDS = frozenset({NUMBER, RK, MULRK, FORMULA, BOOLERR, *TEXT_CELLS})
# the shortest body of each record read: a shorter one is corrupt (and would be read from its neighbour)
MIN_SIZE = {BOF: 4, XF: 4, FORMAT: 5, BOUNDSHEET: 8, NUMBER: 14, RK: 10, MULRK: 12, FORMULA: 20, BOOLERR: 8} | dict.fromkeys(TEXT_CELLS, 6)
BIFF8 = 0x0600
WORKSHEET = 0x0010  # BOF type of a worksheet substream
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}

_RECORD = struct.Struct("<HH")
_CELL = struct.Struct("<HHH")  # row, column, XF index: the start of every cell record


@dataclass
class _Sheet:
    facts: SheetFacts = field(default_factory=SheetFacts)
    last_row: int = -1  # the last row and column holding content (0-based): calamine reads the rectangle from A1 to there
    last_col: int = -1


@dataclass
class _Scan:
    notices: tuple[str, ...]
    sheets: dict[str, _Sheet]


def check(path: Path) -> tuple[str, ...]:
    """Refuse a file that is no BIFF8 workbook, is password-protected or holds more cells than a sheet may; notices."""
    return _scan(path).notices


def facts(path: Path) -> dict[str, SheetFacts]:
    """Error cells and percent-formatted numbers per sheet name (a BIFF8 formula always has a saved result)."""
    return {name: sheet.facts for name, sheet in _scan(path).sheets.items()}


def _scan_file(path: str) -> _Scan:
    """One pass over the file: what check and facts say (see once_per_file)."""
    try:
        with olefile.OleFileIO(path) as ole:
            if not ole.exists("Workbook"):
                if ole.exists("Book"):
                    raise UnsafeWorkbook("an Excel 5.0/95 workbook: save it as Excel Workbook (.xlsx)")
                raise UnsafeWorkbook("not a workbook (an OLE2 file without a Workbook stream): save it as Excel Workbook (.xlsx)")
            notices = (MACROS,) if ole.exists("_VBA_PROJECT_CUR") else ()
            stream = ole.openstream("Workbook").read()
    except UnsafeWorkbook:
        raise
    except Exception as exc:  # olefile raises several types for a damaged container
        raise UnsafeWorkbook(f"corrupt workbook: {type(exc).__name__}: {str(exc)[:300]}") from exc
    return _Scan(notices, _read_records(stream))


_scan = once_per_file(_scan_file)


def _read_records(data: bytes) -> dict[str, _Sheet]:
    """One pass over the Workbook stream's records: the globals' formats and sheet names, then each worksheet's cells."""
    formats = dict(BUILTIN_FORMATS)
    xf_formats: list[int] = []  # the number format of each XF record, in order: a cell names its XF by index
    sheet_at: dict[int, str] = {}  # stream offset of a worksheet's BOF -> sheet name
    sheets: dict[str, _Sheet] = {}
    percent_xfs: frozenset[int] | None = None  # known once the globals, which come first, are read
    sheet: _Sheet | None = None
    depth = 0  # substream nesting: a chart inside a worksheet has its own BOF ... EOF
    pos, end = 0, len(data)
    while pos + 4 <= end:
        kind, size = _RECORD.unpack_from(data, pos)
        start, body, pos = pos, pos + 4, pos + 4 + size
        if pos > end or size < MIN_SIZE.get(kind, 0):
            raise UnsafeWorkbook("corrupt workbook: a record of the Workbook stream is cut short")
        if kind == BOF:
            depth += 1
            version, substream = struct.unpack_from("<HH", data, body)
            if version != BIFF8:
                raise UnsafeWorkbook("an Excel 5.0/95 workbook: save it as Excel Workbook (.xlsx)")
            if depth == 1 and start in sheet_at and substream == WORKSHEET:
                if percent_xfs is None:
                    percent_xfs = frozenset(i for i, f in enumerate(xf_formats) if is_percent_format(formats.get(f, "")))
                sheet = sheets.setdefault(sheet_at[start], _Sheet())
        elif kind == EOF:
            depth = max(0, depth - 1)
            if depth == 0:
                sheet = None
        elif depth != 1:
            continue
        elif sheet is not None:
            if kind in CELL_RECORDS:
                assert percent_xfs is not None  # set at the BOF that opened this worksheet, before `sheet`
                _read_cell(kind, data, body, size, percent_xfs, sheet)
        elif kind == FILEPASS:
            raise UnsafeWorkbook(PASSWORD_PROTECTED)
        elif kind == XF:
            xf_formats.append(struct.unpack_from("<H", data, body + 2)[0])
        elif kind == FORMAT:
            formats[struct.unpack_from("<H", data, body)[0]] = _unicode_string(data, body + 2, 2)
        elif kind == BOUNDSHEET:
            sheet_at[struct.unpack_from("<I", data, body)[0]] = _unicode_string(data, body + 6, 1)
    return sheets


def _unicode_string(data: bytes, at: int, length_bytes: int) -> str:
    """An XLUnicodeString (2-byte length) or ShortXLUnicodeString (1-byte): 8-bit Latin-1 or UTF-16."""
    length = int.from_bytes(data[at : at + length_bytes], "little")
    wide = data[at + length_bytes] & 1
    start = at + length_bytes + 1
    return data[start : start + length * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1", "replace")


def _read_cell(kind: int, data: bytes, body: int, size: int, percent_xfs: frozenset[int], sheet: _Sheet) -> None:
    """The facts of one cell record, and the sheet's extent."""
    row, col, xf = _CELL.unpack_from(data, body)
    last_col = col
    position = (row + 1, col + 1)
    if kind in (NUMBER, RK):
        if xf in percent_xfs:
            sheet.facts.percent.add(position)
    elif kind == MULRK:  # row, first column, (XF, RK value) per column, last column
        columns = (size - 6) // 6
        last_col = col + columns - 1
        for i in range(columns):
            if struct.unpack_from("<H", data, body + 4 + 6 * i)[0] in percent_xfs:
                sheet.facts.percent.add((row + 1, col + 1 + i))
    elif kind == BOOLERR:
        if data[body + 7]:  # value, then 1 for an error, 0 for a boolean
            sheet.facts.errors[position] = ERRORS.get(data[body + 6], "#ERROR")
    elif kind == FORMULA:
        if data[body + 12 : body + 14] != b"\xff\xff":  # the result is a number
            if xf in percent_xfs:
                sheet.facts.percent.add(position)
        elif data[body + 6] == 2:  # an error result (0: text, 1: boolean, 3: empty text)
            sheet.facts.errors[position] = ERRORS.get(data[body + 8], "#ERROR")
    if row > sheet.last_row or last_col > sheet.last_col:
        sheet.last_row, sheet.last_col = max(sheet.last_row, row), max(sheet.last_col, last_col)
        if (sheet.last_row + 1) * (sheet.last_col + 1) > MAX_CELLS_PER_SHEET:
            raise UnsafeWorkbook(
                f"a sheet reaches row {sheet.last_row + 1:,} and column {sheet.last_col + 1:,}: more than {MAX_CELLS_PER_SHEET:,} cells"
            )
