"""Opening an untrusted workbook safely and turning a sheet into a compact grid.

Submissions come from outside the office, so a file is checked before openpyxl parses
it: it must be a zip with the parts of an xlsx, within limits on entry count, total
uncompressed size and compression ratio (a zip bomb is refused before it is inflated).
openpyxl parses XML through defusedxml (entity expansion refused); the import below
fails at start-up if defusedxml is not active.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter
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

    def ref(self, i: int, j: int) -> str:
        return f"{get_column_letter(self.cols[j])}{self.rows[i]}"

    def row_ref(self, i: int) -> str:
        return str(self.rows[i])


def _cell(value: object) -> object:
    """None for a blank cell; a whole number as int (the reader returns every number as float)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _grid(name: str, rows: list[list[object]], first_row: int, first_col: int) -> Grid:
    """Drop blank rows and columns, remembering the original row and column numbers."""
    if sum(len(r) for r in rows) > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(f"sheet {name!r} has more than {MAX_CELLS_PER_SHEET} cells")
    kept = [(first_row + i, values) for i, values in enumerate(rows) if any(not _blank(v) for v in values)]
    used = sorted({c for _, values in kept for c, v in enumerate(values) if not _blank(v)})
    cells = [[_cell(values[c]) if c < len(values) else None for c in used] for _, values in kept]
    return Grid(name, cells, [r for r, _ in kept], [first_col + c for c in used])


def describe_failure(exc: BaseException) -> str:
    """A statistician's wording of why a workbook could not be read."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if cause is not None or "entity" in text.lower() or "doctype" in text.lower() or "dtd" in text.lower():
        return f"refused: the workbook's XML declares entities or a DTD, as an XML bomb does ({text[:200]})"
    return f"corrupt workbook: {type(exc).__name__}: {text[:300]}"


def read_grids(path: Path) -> list[Grid]:
    """Every worksheet of a checked workbook as a :class:`Grid`, in workbook order.

    Cell values are read with python-calamine (a Rust reader, about ten times faster than
    openpyxl and not exposed to XML entity expansion); the rows are read from A1, so cell
    references stay exact.
    """
    check_archive(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        grids = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)  # from A1, so list positions are cell positions
            grids.append(_grid(name, rows, 1, 1))
        return grids
    except UnsafeWorkbook:
        raise
    except Exception as exc:  # the reader raises several types for damaged files
        raise UnsafeWorkbook(describe_failure(exc)) from exc
