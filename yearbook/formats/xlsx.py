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
import string
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from defusedxml import ElementTree as DefusedET
from openpyxl.utils import get_column_letter

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
# a reference as calamine reads it: letters in either case, any number of them, then digits ('d5' is D5, 'D0005' is D5)
_REF = re.compile(r"([A-Za-z]*)([0-9]+)")
# a reference beyond row 999 or column Z (a cell's r="AB7", a row's r="1000"), either quote. The word boundary before
# the r (r"\br...") is checked on each match by _at_word_start, not in the pattern: a pattern beginning with a literal
# is searched for by that literal, several times faster than trying a boundary at every byte of a sheet's XML
_FAR_REF = re.compile(rb"""r\s*=\s*["'](?=[A-Za-z]{2}|[A-Za-z]?[0-9]{4})([A-Za-z]*)([0-9]+)["']""")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")  # a cell element (an external link's cached cells are <cell>)
_CELL_NOT_R_FIRST = re.compile(rb"<c(?=[\s/>])(?!\s+r\s*=)")  # a cell whose first attribute is not its reference (rare)
_CELL_WITHOUT_REF = re.compile(rb"<(?:\w+:)?c(?=[\s/>])(?![^>]*?(?<![\w:])r\s*=)")  # a cell with no r at all
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
            parts = _Parts(archive)
            percent_styles = _percent_styles(parts)
            marker = _marker(percent_styles)
            sheets = tuple((name, member, _prescan(archive, name, member, marker)) for name, member in _sheet_parts(parts))
            _refuse_unnamed_sheets(parts, {archive.getinfo(member) for _, member, _ in sheets}, marker)
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


def _refuse_unnamed_sheets(parts: _Parts, checked: set[zipfile.ZipInfo], marker: Callable[[bytes], bool]) -> None:
    """Refuse a workbook with a worksheet part besides those its sheets were found to name that reaches too far or
    holds an error cell, a formula or a percentage. calamine finds a sheet's part its own way (XML and zip quirks no
    emulation can be sure to follow: a second officeDocument relationship, an attribute named like another, a name
    from a zip extra field): whatever part it reads, that part was checked, here or as a sheet's."""
    archive = parts.archive
    for entry in archive.infolist():
        if entry in checked or entry.is_dir():
            continue
        if _prescan(archive, entry.filename, entry, marker, worksheet_only=True):
            raise UnsafeWorkbook(
                f"the archive holds a worksheet part none of its sheets names ({entry.filename!r}), with error cells, formulas "
                "or percentages: open the workbook in Excel and save it again"
            )


def _prescan(
    archive: zipfile.ZipFile, name: str, member: str | zipfile.ZipInfo, marker: Callable[[bytes], bool], *, worksheet_only: bool = False
) -> bool:
    """Whether a sheet holds a marker of cell facts; and refuse it if it reaches beyond MAX_CELLS_PER_SHEET cells from
    A1 before calamine reads it (calamine builds the whole rectangle up to its last cell: one cell at XFD1048576 in a
    tiny file would take hundreds of gigabytes). Far references are looked at: without any, the sheet stays within row
    999 and column Z -- unless a cell has no reference (calamine puts it after the one before it, in the row's row):
    then the sheet's cells are placed as calamine places them (:func:`_rectangle`). The XML is read in blocks cut
    between tags, so that no tag, however long, is seen in two halves. ``worksheet_only``: a part that holds no
    worksheet (no sheetData with cells: styles, an external link's cached cells) is passed over, marked or not."""
    marked, last_row, last_col, unplaced = False, 0, 0, False
    sheet_data = cells = not worksheet_only  # a worksheet's cells all stand in its sheetData: nothing before it is looked at
    with archive.open(member) as stream:
        tail = b""
        while True:
            block = stream.read(_SCAN_CHUNK)
            text = tail + block
            cut = text.rfind(b"<") if block else len(text)
            if cut < 0 or b">" in text[cut:]:
                cut = len(text)
            text, tail = text[:cut], text[cut:]
            sheet_data = sheet_data or b"sheetData" in text
            if not sheet_data:
                if not block:
                    break
                continue
            cells = cells or _CELL.search(text) is not None
            marked = marked or marker(text)
            for found in _FAR_REF.finditer(text):
                if _at_word_start(text, found.start()):
                    letters, row = found.groups()
                    last_row, last_col = max(last_row, int(row), 999), max(last_col, _column(letters), 26)
            unplaced = unplaced or _unplaced_cell(text)
            if not block:
                break
    if not (sheet_data and cells):
        return False
    if unplaced:
        last_row, last_col = _rectangle(archive, name, member)
    _refuse_beyond(name, last_row, last_col)
    return marked


def _unplaced_cell(text: bytes) -> bool:
    """Whether some cell of the XML has no reference (r). Excel and every writer seen put r first: a cell whose first
    attribute is another, or a prefixed one (<x:c>), is looked at closely; the common sheet costs one quick search."""
    if _CELL_NOT_R_FIRST.search(text) is None and b":c" not in text:
        return False
    return _CELL_WITHOUT_REF.search(text) is not None


def _rectangle(archive: zipfile.ZipFile, name: str, member: str | zipfile.ZipInfo) -> tuple[int, int]:
    """The last row and column of a sheet's cells as calamine places them (:func:`_cells`), refused as soon as they
    reach beyond the limit: only for the rare sheet with a cell without a reference, so parsed, not scanned."""
    last_row = last_col = 0
    for (row, col), _ in _cells(archive, member):
        last_row, last_col = max(last_row, row), max(last_col, col)
        _refuse_beyond(name, last_row, last_col)
    return last_row, last_col


def _refuse_beyond(name: str, last_row: int, last_col: int) -> None:
    if last_row * last_col > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(f"sheet {name!r} reaches row {last_row:,} or column {last_col:,}: more than {MAX_CELLS_PER_SHEET:,} cells")


def _column(letters: str | bytes) -> int:
    """The column number of a reference's letters, as calamine counts them (any number of letters; none is column 1)."""
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return max(number, 1)


_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_STYLES_TYPE = "/styles"  # the end of the relationship type of the workbook's styles part
_NOT_A_WORKBOOK = "not a workbook (a zip archive without xl/workbook.xml): save it as Excel Workbook (.xlsx)"
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class _Parts:
    """The archive's parts as python-calamine finds them (calamine 0.36: utils.rs, xlsx/mod.rs), so that the checks
    read the parts calamine reads -- else a sheet would escape the cell facts and the size limit. A part is looked up by
    its name in ASCII lower case among the entries' names so written, backslashes as slashes (the last of several such
    entries wins), else by its name as written; the workbook's folder is that of the package's officeDocument
    relationship (_rels/.rels), whatever the workbook's own name there; a relationship's target is joined to that
    folder as written (a leading / makes it absolute)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        listed = archive.namelist()  # in the archive's order: of two names alike, the last wins
        self.names = set(listed)
        self.cache = {name.replace("\\", "/").translate(_ASCII_LOWER): name for name in listed}
        package = self.find("_rels/.rels")
        rels: list[Element] = [] if package is None else list(DefusedET.fromstring(archive.read(package)))
        documents = [r.get("Target") for r in rels if r.get("Type") == _OFFICE_DOCUMENT]
        document = documents[-1] if documents else None  # of several, calamine keeps the last
        if document is None:
            raise UnsafeWorkbook(_NOT_A_WORKBOOK)
        folder = document[: document.rfind("/") + 1]
        self.folder = folder[1:] if folder.startswith("/") else folder
        workbook = self.find(f"{self.folder}workbook.xml")
        if workbook is None:
            raise UnsafeWorkbook(_NOT_A_WORKBOOK)
        self.workbook: str = workbook
        workbook_rels = self.find(f"{self.folder}_rels/workbook.xml.rels")
        self.relationships: list[Element] = [] if workbook_rels is None else list(DefusedET.fromstring(archive.read(workbook_rels)))

    def find(self, name: str) -> str | None:
        """The entry calamine reads for a part name, or None."""
        entry = self.cache.get(name.translate(_ASCII_LOWER), name)
        return entry if entry in self.names else None

    def target(self, rel: Element) -> str | None:
        """The entry a relationship of the workbook points to, or None."""
        target = rel.get("Target", "")
        return self.find(target[1:] if target.startswith("/") else f"{self.folder}{target}")


def _sheet_parts(parts: _Parts) -> Iterator[tuple[str, str]]:
    """(sheet name, zip member of its XML) for every worksheet of the workbook."""
    book = DefusedET.fromstring(parts.archive.read(parts.workbook))
    targets = {r.get("Id"): r for r in parts.relationships}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)  # transitional or strict OOXML
            rel = targets.get(rel_id)
            member = None if rel is None else parts.target(rel)
            if member is not None:
                yield sheet.get("name", ""), member


def _percent_styles(parts: _Parts) -> frozenset[int]:
    """Indexes of the cell styles (``s`` of a cell) whose number format shows a percentage."""
    return _styles_showing(parts, BUILTIN_PERCENT_FORMATS, is_percent_format)


def _styles_showing(parts: _Parts, builtin: set[int], shows: Callable[[str], bool]) -> frozenset[int]:
    """Indexes of the cell styles whose number format is one of the ``builtin`` ones or a custom one that ``shows``:
    of the styles part the workbook's relationships name, as Excel finds it (one naming no styles part is refused: how
    a cell shows would be a guess), else of the usual one."""
    declared = [r for r in parts.relationships if r.get("Type", "").endswith(_STYLES_TYPE)]
    part = parts.target(declared[0]) if declared else parts.find(f"{parts.folder}styles.xml")
    if part is None and not declared:
        return frozenset()
    styles = None if part is None else DefusedET.fromstring(parts.archive.read(part))
    if styles is None or not styles.tag.endswith("}styleSheet"):
        raise UnsafeWorkbook(
            f"the workbook's styles ({declared[0].get('Target', '')!r}) are missing or damaged, so how its cells show cannot be "
            "known: open it in Excel and save it again"
        )
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
        parts = _Parts(archive)
        styles = _styles_showing(parts, BUILTIN_TIME_FORMATS, is_time_format)
        for name, member in _sheet_parts(parts):
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
        return lambda text: _CELL.search(text) is not None
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


def _cells(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> Iterator[tuple[Position, Element]]:
    """Every cell of a sheet's XML with its position, in one streaming pass; every cell and row is dropped once seen
    (bounded memory)."""
    row, col = 0, 0  # the row's row, and the column of the cell before (1-based)
    sheet_data = None
    with archive.open(member) as stream:
        for event, elem in DefusedET.iterparse(stream, events=("start", "end")):
            tag = elem.tag.rpartition("}")[2]
            if event == "start":
                if tag == "sheetData":
                    sheet_data = elem
                elif tag == "row":
                    place = _REF.fullmatch(elem.get("r") or "")
                    row, col = (int(place.group(2)) if place else row + 1), 0
                continue
            if tag == "c":
                place = _REF.fullmatch(elem.get("r") or "")
                # calamine places a cell without a reference in its row's row, after the cell before it
                at_row, col = (int(place.group(2)), _column(place.group(1))) if place else (row, col + 1)
                yield (at_row, col), elem
                elem.clear()
            elif tag == "row" and sheet_data is not None:
                sheet_data.clear()


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
