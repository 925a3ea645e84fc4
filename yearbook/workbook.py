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
                        f"entry {e.filename} expands {e.file_size // e.compress_size}:1 (limit {MAX_COMPRESSION_RATIO}:1): refused as a zip bomb"
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


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def sheet_grid(ws) -> Grid:
    """Read every value of a worksheet into a :class:`Grid` (blank rows and columns dropped)."""
    raw_rows: list[tuple[int, tuple]] = []
    used_cols: set[int] = set()
    count = 0
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        count += len(values)
        if count > MAX_CELLS_PER_SHEET:
            raise UnsafeWorkbook(f"sheet {ws.title!r} has more than {MAX_CELLS_PER_SHEET} cells")
        nonblank = [c for c, v in enumerate(values, start=1) if not _blank(v)]
        if nonblank:
            raw_rows.append((r, values))
            used_cols.update(nonblank)
    cols = sorted(used_cols)
    cells = []
    for _, values in raw_rows:
        row = []
        for c in cols:
            v = values[c - 1] if c - 1 < len(values) else None
            row.append(None if _blank(v) else v)
        cells.append(row)
    return Grid(ws.title, cells, [r for r, _ in raw_rows], cols)


def describe_failure(exc: Exception) -> str:
    """A statistician's wording of why openpyxl could not read a file."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return f"refused: the workbook's XML declares entities or DTDs, as an XML bomb does ({type(cause).__name__})"
    return f"corrupt workbook: {type(exc).__name__}: {exc}"


def open_workbook(path: Path):
    """Check the archive, then open it read-only with openpyxl (through defusedxml)."""
    check_archive(path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnsafeWorkbook(describe_failure(exc)) from exc
