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
from collections.abc import Iterator
from pathlib import Path

from defusedxml import ElementTree as DefusedET
from openpyxl.utils import column_index_from_string

from yearbook.formats import MACROS, MAX_CELLS_PER_SHEET, Position, SheetFacts, UnsafeWorkbook, check_zip_limits, is_percent_format

BUILTIN_PERCENT_FORMATS = {9, 10}  # '0%' and '0.00%'
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_ANY_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{0,3})([0-9]{1,9})["']""")  # a cell's r="B7" or a row's r="7", either quote
_SCAN_CHUNK = 1 << 20


def check(path: Path) -> tuple[str, ...]:
    """Refuse an archive that is no workbook or would inflate beyond the limits; notices for the ministry."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = check_zip_limits(archive)
    except zipfile.BadZipFile as exc:
        raise UnsafeWorkbook(f"corrupt workbook, cut short or damaged ({exc}): open it in Excel and save it again") from exc
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsafeWorkbook("not a workbook (a zip archive without xl/workbook.xml): save it as Excel Workbook (.xlsx)")
    with zipfile.ZipFile(path) as archive:
        for name, member in _sheet_parts(archive):
            _check_extent(archive, name, member)
    return (MACROS,) if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names) else ()


def _check_extent(archive: zipfile.ZipFile, name: str, member: str) -> None:
    """Refuse a sheet reaching beyond MAX_CELLS_PER_SHEET cells from A1 before calamine reads it: calamine builds the
    whole rectangle up to its last cell, so one cell at XFD1048576 in a tiny file would take hundreds of gigabytes."""
    last_row = last_col = 0
    with archive.open(member) as stream:
        tail = b""
        while block := stream.read(_SCAN_CHUNK):
            for letters, row in _ANY_REF.findall(tail + block):
                last_row = max(last_row, int(row))
                if letters:
                    last_col = max(last_col, column_index_from_string(letters.decode()))
            tail = block[-32:]  # a reference split across two blocks
    if last_row * max(last_col, 1) > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(f"sheet {name!r} reaches row {last_row:,} and column {last_col:,}: more than {MAX_CELLS_PER_SHEET:,} cells")


def facts(path: Path) -> dict[str, SheetFacts]:
    """Error cells, formulas without a saved result and percent-formatted numbers, per sheet name."""
    found: dict[str, SheetFacts] = {}
    with zipfile.ZipFile(path) as archive:
        percent_styles = _percent_styles(archive)
        marker = _marker(percent_styles)
        for name, member in _sheet_parts(archive):
            if _contains(archive, member, marker):
                found[name] = _scan(archive, member, percent_styles)
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> Iterator[tuple[str, str]]:
    """(sheet name, zip member of its XML) for every worksheet of the workbook."""
    members = set(archive.namelist())
    book = DefusedET.fromstring(archive.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = DefusedET.fromstring(archive.read(rels_name)) if rels_name in members else []
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)  # transitional or strict OOXML
            target = targets.get(rel_id, "")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            if member in members:
                yield sheet.get("name", ""), member


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles (``s`` of a cell) whose number format shows a percentage."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    styles = DefusedET.fromstring(archive.read("xl/styles.xml"))
    percent_formats = set(BUILTIN_PERCENT_FORMATS)
    for fmt in styles.iter():
        if fmt.tag.endswith("}numFmt") and is_percent_format(fmt.get("formatCode", "")):
            percent_formats.add(int(fmt.get("numFmtId", "-1")))
    cell_xfs = next((x for x in styles.iter() if x.tag.endswith("}cellXfs")), None)
    xfs = [] if cell_xfs is None else [x for x in cell_xfs if x.tag.endswith("}xf")]
    return {i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", "0")) in percent_formats}


def _marker(percent_styles: set[int]) -> re.Pattern[bytes]:
    """What makes a sheet worth parsing: a formula, an error cell or a cell in a percent style (either quote, spaces,
    leading zeros: the byte scan must never miss what the XML parser would see). A percent default style (0) makes
    every number cell a candidate."""
    if 0 in percent_styles:
        return re.compile(rb"<(?:\w+:)?c[\s>/]")
    alternatives = [rb"<(?:\w+:)?f[\s>/]", rb"""\bt\s*=\s*["']e["']"""]
    if percent_styles:
        ids = b"|".join(str(i).encode() for i in sorted(percent_styles))
        alternatives.append(rb"""\bs\s*=\s*["']0*(?:""" + ids + rb""")["']""")
    return re.compile(b"|".join(alternatives))


def _contains(archive: zipfile.ZipFile, member: str, marker: re.Pattern[bytes]) -> bool:
    with archive.open(member) as stream:
        tail = b""
        while block := stream.read(_SCAN_CHUNK):
            if marker.search(tail + block):
                return True
            tail = block[-64:]  # a marker split across two blocks
    return False


def _scan(archive: zipfile.ZipFile, member: str, percent_styles: set[int]) -> SheetFacts:
    """One streaming pass over a sheet's XML; every row is dropped once seen (bounded memory)."""
    out = SheetFacts()
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
                _cell_facts(elem, (row, col), percent_styles, out)
                elem.clear()
            elif tag == "row" and sheet_data is not None:
                sheet_data.clear()
    return out


def _position(ref: str | None, row: int, col: int) -> Position:
    """A cell's (row, column) from its reference, or the next column when the reference is left out."""
    match = _REF.fullmatch(ref or "")
    if match is None:
        return row, col + 1
    return int(match.group(2)), column_index_from_string(match.group(1))


def _cell_facts(cell, position: Position, percent_styles: set[int], out: SheetFacts) -> None:
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
