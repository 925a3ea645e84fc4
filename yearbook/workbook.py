"""Opening an untrusted workbook safely and turning a sheet into a compact grid.

Submissions come from outside the office, so a file is checked before openpyxl parses
it: it must be a zip with the parts of an xlsx, within limits on entry count, total
uncompressed size and compression ratio (a zip bomb is refused before it is inflated).
openpyxl parses XML through defusedxml (entity expansion refused); the import below
fails at start-up if defusedxml is not active.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineWorkbook

if not openpyxl.DEFUSEDXML:  # pragma: no cover - a broken installation
    raise ImportError("defusedxml must be installed and active for openpyxl (OPENPYXL_DEFUSEDXML not 'False')")

MAX_ENTRIES = 2_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_CELLS_PER_SHEET = 2_000_000


class UnsafeWorkbook(Exception):
    """The file is not an xlsx workbook that may be opened."""


def check_archive(path: Path) -> None:
    """Refuse a file that is not a plausible xlsx or that would inflate beyond the limits."""
    if not zipfile.is_zipfile(path):
        raise UnsafeWorkbook("not an .xlsx workbook (not a zip archive); save it as Excel Workbook (.xlsx)")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise UnsafeWorkbook(f"the archive has {len(entries)} entries (limit {MAX_ENTRIES})")
            names = {e.filename for e in entries}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise UnsafeWorkbook("not an .xlsx workbook (no xl/workbook.xml); an .xls or .ods file must be saved as .xlsx")
            total = sum(e.file_size for e in entries)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise UnsafeWorkbook(f"uncompressed size {total} bytes exceeds the limit of {MAX_UNCOMPRESSED_BYTES}")
            for e in entries:
                if e.compress_size and e.file_size / e.compress_size > MAX_COMPRESSION_RATIO and e.file_size > 1_000_000:
                    raise UnsafeWorkbook(
                        f"entry {e.filename} expands {e.file_size // e.compress_size}:1 "
                        f"(limit {MAX_COMPRESSION_RATIO}:1): refused as a zip bomb"
                    )
    except zipfile.BadZipFile as exc:
        raise UnsafeWorkbook(f"corrupt workbook: {exc}") from exc


@dataclass
class Grid:
    """A sheet without its blank rows and columns, remembering where each cell was.

    ``cells[i][j]`` is the value at original row ``rows[i]`` and column ``cols[j]``.
    """

    sheet: str
    cells: list[list[object]]
    rows: list[int]
    cols: list[int]
    letters: list[str] = field(init=False)  # the column letter of each grid column: a reference is letters[j] + row

    def __post_init__(self) -> None:
        self.letters = [get_column_letter(c) for c in self.cols]

    def ref(self, i: int, j: int) -> str:
        return f"{self.letters[j]}{self.rows[i]}"

    def row_ref(self, i: int) -> str:
        return str(self.rows[i])


def _cell(value: object) -> object:
    """None for a blank cell; a whole number as int (the reader returns every number as float)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _grid(name: str, rows: list[list[object]], first_row: int, first_col: int) -> Grid:
    """Drop blank rows and columns, remembering the original row and column numbers."""
    if sum(len(r) for r in rows) > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(f"sheet {name!r} has more than {MAX_CELLS_PER_SHEET} cells")
    kept: list[tuple[int, list[object]]] = []
    used: set[int] = set()
    for i, values in enumerate(rows):
        filled = [c for c, v in enumerate(values) if v is not None and (not isinstance(v, str) or v.strip())]
        if filled:
            kept.append((first_row + i, values))
            used.update(filled)
    columns = sorted(used)
    cells = [[_cell(values[c]) if c < len(values) else None for c in columns] for _, values in kept]
    return Grid(name, cells, [r for r, _ in kept], [first_col + c for c in columns])


def describe_failure(exc: BaseException) -> str:
    """A statistician's wording of why a workbook could not be read."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if cause is not None or "entity" in text.lower() or "doctype" in text.lower() or "dtd" in text.lower():
        return f"refused: the workbook's XML declares entities or a DTD, as an XML bomb does ({text[:200]})"
    return f"corrupt workbook: {type(exc).__name__}: {text[:300]}"


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?\bt="e"[^>]*>.*?<(?:\w+:)?v>([^<]*)<', re.DOTALL)
_ERROR_CELL_T_FIRST = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>.*?<(?:\w+:)?v>([^<]*)<', re.DOTALL)
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Cells holding an Excel error (``#REF!``, ``#DIV/0!``) per sheet name, as (row, column) -> text.

    python-calamine returns such cells as empty, which would read as "missing"; FORMS.md makes
    them an error to report, so they are found in the sheet XML (parsed with defusedxml).
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        book = DefusedET.fromstring(archive.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = DefusedET.fromstring(archive.read(rels_name)) if rels_name in archive.namelist() else None
        targets = {r.get("Id"): r.get("Target", "") for r in (rels if rels is not None else [])}
        for sheet in book.iter():
            if not sheet.tag.endswith("}sheet"):
                continue
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if member not in archive.namelist():
                continue
            data = archive.read(member)
            if b't="e"' not in data:
                continue
            cells = {}
            for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
                for col, row, text in pattern.findall(data):
                    cells[(int(row), column_index_from_string(col.decode()))] = text.decode("utf-8", "replace") or "#ERROR"
            found[sheet.get("name")] = cells
    return found


def read_grids(path: Path, first_rows: int | None = None) -> list[Grid]:
    """Every worksheet of a checked workbook as a :class:`Grid`, in workbook order (only its
    ``first_rows`` rows when given: enough to find a form code, without reading whole sheets).

    Cell values are read with python-calamine (a Rust reader, about ten times faster than
    openpyxl and not exposed to XML entity expansion); the rows are read from A1, so cell
    references stay exact. Error cells are put back as their text (``#REF!``).
    """
    check_archive(path)
    try:
        errors = _error_cells(path) if first_rows is None else {}
        book = CalamineWorkbook.from_path(str(path))
        grids = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False, nrows=first_rows)  # from A1: list positions are cell positions
            for (r, c), text in errors.get(name, {}).items():
                while len(rows) < r:
                    rows.append([])
                row = rows[r - 1]
                row.extend([""] * (c - len(row)))
                row[c - 1] = text
            grids.append(_grid(name, rows, 1, 1))
        return grids
    except UnsafeWorkbook:
        raise
    except Exception as exc:  # the reader raises several types for damaged files
        raise UnsafeWorkbook(describe_failure(exc)) from exc
