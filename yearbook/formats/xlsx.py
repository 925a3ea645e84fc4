"""Excel workbooks (.xlsx, and .xlsm whose macros are never run): the zip limits and the cell facts.

An .xlsx is a zip of XML parts. Before calamine inflates it, the archive is checked against limits on
entry count, total uncompressed size and compression ratio (a zip bomb is refused unopened). The cell
facts come from the sheet XML, parsed with defusedxml (entity expansion refused) as a stream, so memory
stays bounded whatever a sheet holds; a sheet is parsed only when a quick byte scan finds a formula, an
error or a percent style in it (most sheets have none).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from defusedxml import ElementTree as DefusedET
from openpyxl.utils import column_index_from_string, get_column_letter

from yearbook.formats import (
    MACROS,
    MAX_CELLS_PER_SHEET,
    Position,
    SheetFacts,
    UnsafeWorkbook,
    check_zip_limits,
    is_percent_format,
    is_time_format,
    once_per_file,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # the type defusedxml's parsers return; XML is only ever parsed by defusedxml

BUILTIN_PERCENT_FORMATS = {9, 10}  # '0%' and '0.00%'
BUILTIN_TIME_FORMATS = {*range(14, 23), 45, 46, 47}  # dates, times and durations ('m/d/yyyy' ... '[h]:mm:ss')
LAST_DATE = 2_958_465  # 9999-12-31: no date, time or duration Excel shows is further from 0 (in days)
_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7})")  # calamine reads a reference in either case ('d5' is D5)
# a reference beyond row 999 or column Z (a cell's r="AB7", a row's r="1000"), either quote. The word boundary before
# the r (r"\br...") is checked on each match by _at_word_start, not in the pattern: a pattern beginning with a literal
# is searched for by that literal, several times faster than trying a boundary at every byte of a sheet's XML
_FAR_REF = re.compile(rb"""r\s*=\s*["'](?=[A-Za-z]{2}|[A-Za-z]?[0-9]{4})([A-Za-z]{0,3})([0-9]{1,9})["']""")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")  # \w of a bytes pattern
_SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Scan:
    """What one quick pass over the workbook found: its notices, its percent styles, and which sheets are worth
    parsing for cell facts."""

    notices: tuple[str, ...]
    percent_styles: frozenset[int]
    sheets: tuple[tuple[str, str, bool], ...]  # (sheet name, zip member, holds a marker)


def check(path: Path) -> tuple[str, ...]:
    """Refuse an archive that is no workbook, would inflate beyond the limits, or holds a sheet reaching beyond
    MAX_CELLS_PER_SHEET cells; notices for the ministry."""
    return _scan(path).notices


def facts(path: Path) -> dict[str, SheetFacts]:
    """Error cells, formulas without a saved result and percent-formatted numbers, per sheet name."""
    scan = _scan(path)
    if not any(marked for _, _, marked in scan.sheets):  # most workbooks: no sheet to parse, the archive left closed
        return {}
    with zipfile.ZipFile(path) as archive:
        return {name: _facts_of(archive, member, scan.percent_styles) for name, member, marked in scan.sheets if marked}


def _scan_file(path: str) -> _Scan:
    """One quick pass over the archive: its limits, its parts, and every sheet's XML inflated once to find the sheets
    worth parsing (see once_per_file); :func:`facts` inflates only those again, for the XML parser."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = check_zip_limits(archive)
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise UnsafeWorkbook("not a workbook (a zip archive without xl/workbook.xml): save it as Excel Workbook (.xlsx)")
            rels = _relationships(archive)
            percent_styles = _percent_styles(archive, rels)
            marker = _marker(percent_styles)
            sheets = tuple((name, member, _prescan(archive, name, member, marker)) for name, member in _sheet_parts(archive, rels))
    except zipfile.BadZipFile as exc:
        raise UnsafeWorkbook(f"corrupt workbook, cut short or damaged ({exc}): open it in Excel and save it again") from exc
    notices = (MACROS,) if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names) else ()
    return _Scan(notices, percent_styles, sheets)


_scan = once_per_file(_scan_file)


def _at_word_start(text: bytes, start: int) -> bool:
    """Whether a match of a pattern beginning with a word character stands where r"\b" would let it begin: at the
    start of the text or after a byte that is no word character. A match of _FAR_REF or of a marker's attribute
    pattern holds no other byte its pattern begins with, so no match passed over for this hides another."""
    return start == 0 or text[start - 1] not in _WORD_BYTES


def _prescan(archive: zipfile.ZipFile, name: str, member: str, marker: Callable[[bytes], bool]) -> bool:
    """Whether a sheet holds a marker of cell facts; and refuse it if it reaches beyond MAX_CELLS_PER_SHEET cells from
    A1 before calamine reads it (calamine builds the whole rectangle up to its last cell: one cell at XFD1048576 in a
    tiny file would take hundreds of gigabytes). Only far references are looked at: without any, the sheet stays
    within row 999 and column Z."""
    marked, last_row, last_col = False, 0, 0
    with archive.open(member) as stream:
        tail = b""
        while block := stream.read(_SCAN_CHUNK):
            text = tail + block
            marked = marked or marker(text)
            for found in _FAR_REF.finditer(text):
                if not _at_word_start(text, found.start()):
                    continue
                letters, row = found.groups()
                column = column_index_from_string(letters.decode().upper() or "A")
                last_row, last_col = max(last_row, int(row), 999), max(last_col, column, 26)
            tail = block[-32:]  # a marker or a reference split across two blocks
    if last_row * last_col > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(f"sheet {name!r} reaches row {last_row:,} or column {last_col:,}: more than {MAX_CELLS_PER_SHEET:,} cells")
    return marked


_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_STYLES_TYPE = "/styles"  # the end of the relationship type of the workbook's styles part


def _member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The archive's entry of a part name as calamine finds it: the name itself, else the one entry whose name differs
    only by case ('xl/Worksheets/Sheet1.xml'); None when there is none. Every part calamine reads must be the one
    checked here, or a sheet would escape the cell facts and the size limit."""
    names = archive.namelist()
    if name in names:
        return name
    found = [n for n in names if n.casefold() == name.casefold()]
    if len(found) > 1:
        raise UnsafeWorkbook(f"the archive holds several parts named {name!r} in different cases: {sorted(found)}")
    return found[0] if found else None


def _relationships(archive: zipfile.ZipFile) -> list[Element]:
    """The relationships of xl/workbook.xml (its sheets, its styles)."""
    rels = _member(archive, _WORKBOOK_RELS)
    return [] if rels is None else list(DefusedET.fromstring(archive.read(rels)))


def _target(archive: zipfile.ZipFile, rel: Element) -> str | None:
    """The archive entry a workbook relationship points to (relative to xl/, or absolute), or None."""
    target = rel.get("Target", "")
    return _member(archive, target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}"))


def _sheet_parts(archive: zipfile.ZipFile, rels: list[Element]) -> Iterator[tuple[str, str]]:
    """(sheet name, zip member of its XML) for every worksheet of the workbook (``rels``: its relationships)."""
    book_part = _member(archive, "xl/workbook.xml")
    if book_part is None:
        return
    book = DefusedET.fromstring(archive.read(book_part))
    targets = {r.get("Id"): r for r in rels}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)  # transitional or strict OOXML
            rel = targets.get(rel_id)
            member = None if rel is None else _target(archive, rel)
            if member is not None:
                yield sheet.get("name", ""), member


def _percent_styles(archive: zipfile.ZipFile, rels: list[Element]) -> frozenset[int]:
    """Indexes of the cell styles (``s`` of a cell) whose number format shows a percentage."""
    return _styles_showing(archive, rels, BUILTIN_PERCENT_FORMATS, is_percent_format)


def _styles_showing(archive: zipfile.ZipFile, rels: list[Element], builtin: set[int], shows: Callable[[str], bool]) -> frozenset[int]:
    """Indexes of the cell styles whose number format is one of the ``builtin`` ones or a custom one that ``shows``."""
    # the part the workbook's relationships name, as Excel finds it; else the usual name
    declared = [r for r in rels if r.get("Type", "").endswith(_STYLES_TYPE)]
    part = _target(archive, declared[0]) if declared else _member(archive, "xl/styles.xml")
    if part is None:
        return frozenset()
    styles = DefusedET.fromstring(archive.read(part))
    formats = set(builtin)
    for fmt in styles.iter():
        if fmt.tag.endswith("}numFmt") and shows(fmt.get("formatCode", "")):
            formats.add(int(fmt.get("numFmtId", "-1")))
    cell_xfs = next((x for x in styles.iter() if x.tag.endswith("}cellXfs")), None)
    xfs = [] if cell_xfs is None else [x for x in cell_xfs if x.tag.endswith("}xf")]
    return frozenset(i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", "0")) in formats)


def times_beyond_range(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, value) of every number cell shown as a date, time or duration whose value no date or duration
    reaches (beyond :data:`LAST_DATE` days either way): python-calamine cannot convert some of them and stops reading
    the workbook there. Looked for only then; a streaming parse of every sheet, rows dropped once seen."""
    found = []
    with zipfile.ZipFile(path) as archive:
        rels = _relationships(archive)
        styles = _styles_showing(archive, rels, BUILTIN_TIME_FORMATS, is_time_format)
        for name, member in _sheet_parts(archive, rels):
            for (row, col), cell in _cells(archive, member):
                value = next((child.text for child in cell if child.tag.rpartition("}")[2] == "v"), None)
                if cell.get("t", "n") == "n" and value and int(cell.get("s") or 0) in styles and _beyond(value):
                    found.append((name, f"{get_column_letter(col)}{row}", value))
    return found


def _beyond(value: str) -> bool:
    try:
        return abs(float(value)) > LAST_DATE
    except ValueError:
        return False


def _marker(percent_styles: frozenset[int]) -> Callable[[bytes], bool]:
    """What makes a sheet worth parsing: a formula, an error cell or a cell in a percent style (either quote, spaces,
    leading zeros: the byte scan must never miss what the XML parser would see). A percent default style (0) makes
    every number cell a candidate.

    Each alternative is searched on its own, an attribute (t="e", s="9") by a pattern beginning with its name and the
    word boundary before it checked on the match (:func:`_at_word_start`): one pattern of all alternatives, with a
    boundary, is tried at every byte, which made this scan the largest part of reading a workbook."""
    if 0 in percent_styles:
        cells = re.compile(rb"<(?:\w+:)?c[\s>/]")
        return lambda text: cells.search(text) is not None
    elements = re.compile(rb"<(?:\w+:)?f[\s>/]")
    attributes = [re.compile(rb"""t\s*=\s*["']e["']""")]
    if percent_styles:
        ids = b"|".join(str(i).encode() for i in sorted(percent_styles))
        attributes.append(re.compile(rb"""s\s*=\s*["']0*(?:""" + ids + rb""")["']"""))

    def marked(text: bytes) -> bool:
        # an element <f> or <x:f> holds "<f" or ":f": looked for as bytes first, many times faster than the pattern
        if (b"<f" in text or b":f" in text) and elements.search(text) is not None:
            return True
        return any(_at_word_start(text, m.start()) for pattern in attributes for m in pattern.finditer(text))

    return marked


def _facts_of(archive: zipfile.ZipFile, member: str, percent_styles: frozenset[int]) -> SheetFacts:
    out = SheetFacts()
    for position, cell in _cells(archive, member):
        _cell_facts(cell, position, percent_styles, out)
    return out


def _cells(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[Position, Element]]:
    """Every cell of a sheet's XML with its position, in one streaming pass; every cell and row is dropped once seen
    (bounded memory)."""
    row, col = 0, 0
    sheet_data = None
    with archive.open(member) as stream:
        for event, elem in DefusedET.iterparse(stream, events=("start", "end")):
            tag = elem.tag.rpartition("}")[2]
            if event == "start":
                if tag == "sheetData":
                    sheet_data = elem
                elif tag == "row":
                    row = int(elem.get("r") or row + 1)
                    col = 0
                continue
            if tag == "c":
                row, col = _position(elem.get("r"), row, col)
                yield (row, col), elem
                elem.clear()
            elif tag == "row" and sheet_data is not None:
                sheet_data.clear()


def _position(ref: str | None, row: int, col: int) -> Position:
    """A cell's (row, column) from its reference, or the next column when the reference is left out."""
    match = _REF.fullmatch(ref or "")
    if match is None:
        return row, col + 1
    return int(match.group(2)), column_index_from_string(match.group(1).upper())


def _cell_facts(cell, position: Position, percent_styles: frozenset[int], out: SheetFacts) -> None:
    kind = cell.get("t", "n")
    formula = value = None
    saved = False  # a <v> element stands in the cell (an empty one is a saved empty string)
    for child in cell:
        tag = child.tag.rpartition("}")[2]
        if tag == "f":
            formula = child.text or ""
        elif tag == "v":
            saved, value = True, child.text
    if kind == "e":
        out.errors[position] = value or "#ERROR"
    elif formula is not None and not (value or (saved and kind == "str")):
        out.unsaved_formulas[position] = f"={formula}" if formula else "(a shared formula)"
    elif kind == "n" and value and int(cell.get("s") or 0) in percent_styles:
        out.percent.add(position)
