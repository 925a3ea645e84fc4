"""OpenDocument spreadsheets (.ods): the zip limits, password protection, the cell facts and the merged ranges.

What python-calamine 0.9.1 returns for an .ods cell (tests/fixtures/formats/cells.ods, tests/test_formats.py):

- a number: a float (``12345.0``); a date: ``datetime.date``;
- a percentage (``office:value-type="percentage"``, shows 73.4%): the fraction, ``0.734``;
- an error: ``''``, as for a blank cell (LibreOffice saves it as ``office:value-type="string" office:string-value=""
  calcext:value-type="error"``, the error's text in ``text:p``);
- a formula with its saved result: the result; a formula whose result is missing (``office:value-type="float"``
  without ``office:value``, or no value type while it shows a text): ``''`` too;
- a formula whose result is the empty string (LibreOffice saves ``=""`` with no value type and an empty paragraph;
  a formula saved with no result by some other program looks the same, and reads as blank), an empty text: ``''``;
- ``merged_cell_ranges``: ``None`` (calamine reads merges of .xlsx and .xls only), so :func:`facts` reads
  them from the file (``table:number-columns-spanned``, ``table:number-rows-spanned``);
- a password-protected file: ``PasswordError``; :func:`check` refuses it first, in the ministry's terms.

So content.xml is read here: as a stream through defusedxml (entity expansion refused), every element dropped once
seen, so memory stays bounded whatever the file holds. Positions follow ``table:number-rows-repeated`` and
``table:number-columns-repeated`` by counting, never by expanding a run; a run of cells with content is expanded only
after the sheet is known to stay within the cells a sheet may hold, which also refuses, before calamine expands it, a
sheet whose content reaches beyond that limit (calamine would build the whole rectangle from A1).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET

from yearbook.formats import (
    MACROS,
    MAX_CELLS_PER_SHEET,
    PASSWORD_PROTECTED,
    SheetFacts,
    UnsafeWorkbook,
    check_zip_limits,
    once_per_file,
)

MAX_DEPTH = 64  # element nesting: a spreadsheet's is about 10 (row groups add one per outline level, at most 8)
MAX_CELL_ELEMENTS = 10_000  # elements inside one cell: paragraphs, spans, an annotation's; a label has a few
MAX_MANIFEST_ELEMENTS = 100_000  # a manifest has about 5 per entry, and an archive at most MAX_ENTRIES entries

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SPREADSHEET, _TABLE_ELEMENT, _ROW = f"{_OFFICE}spreadsheet", f"{_TABLE}table", f"{_TABLE}table-row"
_CELLS = {f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"}  # a covered cell (hidden by a merge) may hold a value too
_NAME, _FORMULA, _VALUE_TYPE = f"{_TABLE}name", f"{_TABLE}formula", f"{_OFFICE}value-type"
_ROWS_REPEATED, _COLUMNS_REPEATED = f"{_TABLE}number-rows-repeated", f"{_TABLE}number-columns-repeated"
_ROWS_SPANNED, _COLUMNS_SPANNED = f"{_TABLE}number-rows-spanned", f"{_TABLE}number-columns-spanned"
_CALCEXT_VALUE_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"  # LibreOffice's
_TEXT_P = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
_MANIFEST_ENCRYPTION = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}encryption-data"
# the attribute holding the saved result of each value type (a string's may be the shown text itself)
_RESULT = {t: f"{_OFFICE}{a}" for t, a in [("float", "value"), ("percentage", "value"), ("currency", "value")]} | {
    t: f"{_OFFICE}{t}-value" for t in ("date", "time", "boolean")
}
_ERROR_TEXT = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A)|Err:\d{3}")  # Excel's errors, LibreOffice's Err:502
_REFERENCE = re.compile(r"\[\.?([^\]]*)\]")  # of:=SUM([.B2:.B5]) -> =SUM(B2:B5)


@dataclass
class _Sheet:
    """What one pass over a table of content.xml found."""

    facts: SheetFacts = field(default_factory=lambda: SheetFacts(merged=[]))  # calamine has no merges for .ods: here they are
    last_row: int = 0  # the last row and column holding content (1-based): calamine reads the rectangle from A1 to there
    last_col: int = 0


@dataclass
class _Scan:
    notices: tuple[str, ...]
    sheets: dict[str, _Sheet]


def check(path: Path) -> tuple[str, ...]:
    """Refuse an archive that would inflate beyond the limits, is password-protected or holds more cells than a sheet
    may; notices for the ministry."""
    return _scan(path).notices


def facts(path: Path) -> dict[str, SheetFacts]:
    """Error cells, formulas without a saved result, percentages and merged ranges (calamine has none for .ods), per
    sheet name (table:name, as calamine names it)."""
    return {name: sheet.facts for name, sheet in _scan(path).sheets.items()}


def _scan_file(path: str) -> _Scan:
    """One pass over the file: what check and facts say (see once_per_file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = _check_archive(archive)
            if _encrypted(archive, names):
                raise UnsafeWorkbook(PASSWORD_PROTECTED)
            notices = (MACROS,) if any(n.startswith(("Basic/", "Scripts/")) for n in names) else ()
            with archive.open("content.xml") as stream:
                return _Scan(notices, _read_tables(stream))
    except DefusedXmlException as exc:
        raise UnsafeWorkbook(f"refused: the workbook's XML declares entities or a DTD, as an XML bomb does ({exc})") from exc
    except ParseError as exc:
        raise UnsafeWorkbook(f"corrupt workbook: its XML is not well-formed ({exc})") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise UnsafeWorkbook(f"corrupt workbook: {type(exc).__name__}: {str(exc)[:300]}") from exc


_scan = once_per_file(_scan_file)


def _check_archive(archive: zipfile.ZipFile) -> set[str]:
    """The archive's entry names, once within the limits and holding content.xml."""
    names = check_zip_limits(archive)
    if "content.xml" not in names:
        raise UnsafeWorkbook("not a spreadsheet: the OpenDocument file has no content.xml; save it as Excel Workbook (.xlsx)")
    return names


def _encrypted(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """A password-protected OpenDocument file lists encryption-data for its encrypted entries in META-INF/manifest.xml."""
    if "META-INF/manifest.xml" not in names:
        return False
    with archive.open("META-INF/manifest.xml") as stream:
        for count, (_, elem) in enumerate(DefusedET.iterparse(stream, events=("start",))):
            if elem.tag == _MANIFEST_ENCRYPTION:
                return True
            if count > MAX_MANIFEST_ELEMENTS:
                raise UnsafeWorkbook("refused: META-INF/manifest.xml holds more than any workbook's (a crafted file)")
    return False


def _read_tables(stream) -> dict[str, _Sheet]:
    """Every table of content.xml: one streaming pass, each element dropped from the tree once it ends.

    Only a table's own rows and cells count. A cell's content (paragraphs, annotations, a table drawn inside it)
    stays until the cell ends and goes with it: so a cell, and the nesting of elements, are bounded."""
    sheets: dict[str, _Sheet] = {}
    sheet: _Sheet | None = None
    open_elements: list = []
    cell_depth = 0  # >0 inside a cell
    cell_elements = 0  # the elements of the cell being read
    row, rows_repeated, col = 1, 1, 1  # the current row (1-based), how many times it repeats, the next cell's column
    for event, elem in DefusedET.iterparse(stream, events=("start", "end")):
        tag = elem.tag
        if event == "start":
            if cell_depth == 0:
                if tag == _TABLE_ELEMENT and open_elements and open_elements[-1].tag == _SPREADSHEET:
                    sheet, row = sheets.setdefault(elem.get(_NAME, ""), _Sheet()), 1
                elif tag == _ROW:
                    rows_repeated, col = _count(elem, _ROWS_REPEATED), 1
            cell_depth += tag in _CELLS
            cell_elements += cell_depth > 0
            open_elements.append(elem)
            if len(open_elements) > MAX_DEPTH or cell_elements > MAX_CELL_ELEMENTS:
                raise UnsafeWorkbook("refused: content.xml nests or packs its elements beyond any spreadsheet's (a crafted file)")
            continue
        open_elements.pop()
        if tag in _CELLS:
            cell_depth -= 1
            if cell_depth == 0 and sheet is not None:
                columns_repeated = _count(elem, _COLUMNS_REPEATED)
                _read_cell(elem, sheet, row, rows_repeated, col, columns_repeated)
                col += columns_repeated
        elif cell_depth == 0 and tag == _ROW:
            row += rows_repeated
        elif cell_depth == 0 and tag == _TABLE_ELEMENT:
            sheet = None
        if cell_depth == 0:
            cell_elements = 0
            if open_elements:
                open_elements[-1].remove(elem)  # the parent keeps no ended child: memory stays at one path of the tree
    return sheets


def _count(elem, attribute: str) -> int:
    """A repeat or span attribute, 1 when absent."""
    return max(1, int(elem.get(attribute, "1")))


def _read_cell(cell, sheet: _Sheet, row: int, rows_repeated: int, col: int, columns_repeated: int) -> None:
    """Record the cell's merge, its extent if it holds content and its facts at each position it repeats to."""
    attributes = cell.attrib
    if _ROWS_SPANNED in attributes or _COLUMNS_SPANNED in attributes:
        last = (row + _count(cell, _ROWS_SPANNED) - 2, col + _count(cell, _COLUMNS_SPANNED) - 2)
        if last != (row - 1, col - 1):
            assert sheet.facts.merged is not None  # an .ods _Sheet's facts are made with merged=[] (calamine has none)
            sheet.facts.merged.append(((row - 1, col - 1), last))
    value_type, formula = attributes.get(_VALUE_TYPE), attributes.get(_FORMULA)
    if value_type is None and formula is None and len(cell) == 0:
        return  # empty, however often repeated
    sheet.last_row = max(sheet.last_row, row + rows_repeated - 1)
    sheet.last_col = max(sheet.last_col, col + columns_repeated - 1)
    if sheet.last_row * sheet.last_col > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(
            f"a sheet reaches row {sheet.last_row:,} and column {sheet.last_col:,}: more than {MAX_CELLS_PER_SHEET:,} cells"
        )
    error = attributes.get(_CALCEXT_VALUE_TYPE) == "error"
    if formula is None and not error and value_type != "percentage":
        return  # a plain value: most cells
    positions = [(r, c) for r in range(row, row + rows_repeated) for c in range(col, col + columns_repeated)]
    shown = _shown_text(cell)
    saved = value_type is not None and (value_type not in _RESULT or _RESULT[value_type] in attributes)
    if error or (formula is not None and _ERROR_TEXT.fullmatch(shown)):
        sheet.facts.errors.update(dict.fromkeys(positions, shown or "#ERROR"))
    elif formula is not None and not saved and (value_type is not None or shown):  # no type nor text: LibreOffice's =""
        sheet.facts.unsaved_formulas.update(dict.fromkeys(positions, _readable(formula)))
    elif value_type == "percentage" and saved:
        sheet.facts.percent.update(positions)


def _shown_text(cell) -> str:
    """The text the cell shows: its first paragraph (an annotation's paragraphs are not the cell's)."""
    paragraph = next((child for child in cell if child.tag == _TEXT_P), None)
    return "".join(paragraph.itertext()).strip()[:40] if paragraph is not None else ""


def _readable(formula: str) -> str:
    """An OpenFormula as a person would type it: 'of:=SUM([.B2:.B5])' -> '=SUM(B2:B5)'."""
    text = formula.partition(":")[2] if formula.startswith(("of:", "oooc:", "msoxl:")) else formula
    return _REFERENCE.sub(lambda m: m.group(1).replace(":.", ":"), text)
