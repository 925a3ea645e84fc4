"""The validation workbook: one row per problem, ready to send back to a ministry."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yearbook.problems import Problem

COLUMNS = [  # (header, Problem attribute, minimum width, maximum width)
    ("File", "file", 12, 50),
    ("Sheet", "sheet", 8, 32),
    ("Cell", "cell", 6, 8),
    ("Rule", "rule", 10, 32),
    ("Severity", "severity", 9, 9),
    ("Values", "values", 12, 60),
    ("Message", "message", 20, 100),
]
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
_SEVERITY_ORDER = {"error": 0, "warning": 1}
_ERROR_FILL = PatternFill("solid", start_color="FFF2CC")
_FORMULA_START = ("=", "+", "-", "@")


def _cell_key(cell: str | None) -> tuple[int, int, str]:
    """Sort cells as a reader scans a sheet: by row, then column (``B7`` before ``AA7`` before ``B10``)."""
    match = _CELL.match(cell or "")
    if not match:
        return (0, 0, cell or "")
    letters, row = match.groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return (int(row), column, "")


def _sort_key(p: Problem) -> tuple:
    return (p.file or "", p.sheet or "", _cell_key(p.cell), _SEVERITY_ORDER.get(p.severity, 2), p.rule)


def _safe(value: object) -> str | None:
    """Text as text: a value that Excel would take for a formula is stored as a string."""
    if value is None:
        return None
    return str(value)


def write_validation_workbook(problems: list[Problem], path: Path) -> None:
    """Write ``problems`` to an .xlsx: file, sheet, cell, rule, severity, values, message.

    Rows are sorted by file, sheet and cell position; the header is bold and frozen, with
    an autofilter; errors are shaded. An empty list gives a workbook with the header only.
    """
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new Workbook has one sheet, a worksheet, and it is active
    ws.title = "Problems"
    ws.append([header for header, *_ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
    widths = [len(header) for header, *_ in COLUMNS]
    for r, problem in enumerate(sorted(problems, key=_sort_key), start=2):
        for c, (_, attribute, _, _) in enumerate(COLUMNS, start=1):
            value = _safe(getattr(problem, attribute))
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str) and value.startswith(_FORMULA_START):
                cell.data_type = "s"  # never a formula: submissions' text is untrusted
            cell.alignment = Alignment(vertical="top", wrap_text=attribute in ("values", "message"))
            if problem.severity == "error" and attribute == "severity":
                cell.fill = _ERROR_FILL
            if value is not None:
                widths[c - 1] = max(widths[c - 1], max(len(line) for line in value.splitlines() or [""]))
    for c, (_, _, low, high) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(widths[c - 1] + 2, low), high)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(ws.max_row, 1)}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temporary_files_in(path.parent):
        wb.save(path)


@contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """openpyxl writes each sheet to a temporary file before zipping it, in the system's temporary folder, where a
    killed build would leave it: the report's messages may quote small counts, so its temporary files stay in the
    staff folder the report is written to."""
    before, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = before
