"""The validation workbook: the counts per severity and file, then one row per problem, errors first."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yearbook.config import staff_language
from yearbook.problems import ERROR, Problem, errors_first
from yearbook.validation.messages import load_messages

COLUMNS = [  # (header, Problem attribute, minimum width, maximum width)
    ("File", "file", 12, 50),
    ("Sheet", "sheet", 8, 32),
    ("Cell", "cell", 6, 8),
    ("Rule", "rule", 10, 32),
    ("Severity", "severity", 9, 9),
    ("Values", "values", 12, 60),
    ("Message", "message", 20, 100),
    ("What it means", "explanation", 20, 100),  # the rule's text of the catalogue, in the staff's language
]
_ERROR_FILL = PatternFill("solid", start_color="FFF2CC")
_FORMULA_START = ("=", "+", "-", "@")


def _safe(value: object) -> str | None:
    """Text as text: a value that Excel would take for a formula is stored as a string."""
    if value is None:
        return None
    return str(value)


def write_validation_workbook(problems: list[Problem], path: Path) -> None:
    """Write ``problems`` to an .xlsx: file, sheet, cell, rule, severity, values, message.

    Errors first, then warnings, each by file, sheet and cell position; the header is bold and frozen, with
    an autofilter; errors are shaded. An empty list gives a workbook with the header only.
    """
    wb = Workbook()
    summary = wb.active
    assert isinstance(summary, Worksheet)  # a new Workbook has one sheet, a worksheet, and it is active
    _write_summary(summary, problems)
    ws = wb.create_sheet("Problems")
    ws.append([header for header, *_ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
    widths = [len(header) for header, *_ in COLUMNS]
    explanations = {rule: texts[staff_language()] for rule, texts in load_messages().items()}
    for r, problem in enumerate(errors_first(problems), start=2):
        for c, (_, attribute, _, _) in enumerate(COLUMNS, start=1):
            value = explanations.get(problem.rule) if attribute == "explanation" else _safe(getattr(problem, attribute))
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str) and value.startswith(_FORMULA_START):
                cell.data_type = "s"  # never a formula: submissions' text is untrusted
            cell.alignment = Alignment(vertical="top", wrap_text=attribute in ("values", "message", "explanation"))
            if problem.severity == ERROR and attribute == "severity":
                cell.fill = _ERROR_FILL
            if value is not None:
                widths[c - 1] = max(widths[c - 1], max(len(line) for line in value.splitlines() or [""]))
    for c, (_, _, low, high) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(widths[c - 1] + 2, low), high)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(ws.max_row, 1)}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with temporary_files_in(path.parent):
        wb.save(path)


def _write_summary(ws: Worksheet, problems: list[Problem]) -> None:
    """The first sheet: how many errors and warnings, in all and per file (files with errors first)."""
    ws.title = "Summary"
    errors = Counter(p.file for p in problems if p.severity == ERROR)
    warnings = Counter(p.file for p in problems if p.severity != ERROR)
    ws.append(["Errors", sum(errors.values())])
    ws.append(["Warnings", sum(warnings.values())])
    ws.append(["Errors must be corrected before the yearbook can be published; warnings are for information."])
    ws.append([])
    ws.append(["File", "Errors", "Warnings"])
    for row in (1, 2, 5):
        ws.cell(row=row, column=1).font = Font(bold=True)
    for file in sorted(errors.keys() | warnings.keys(), key=lambda f: (-errors[f], f)):
        ws.append([_safe(file), errors[file], warnings[file]])
        if isinstance(file, str) and file.startswith(_FORMULA_START):
            ws.cell(row=ws.max_row, column=1).data_type = "s"
    ws.column_dimensions["A"].width = min(max([len(str(p.file)) for p in problems] + [20]) + 2, 80)


@contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """openpyxl writes each sheet to a temporary file before zipping it, in the system's temporary folder, where a
    killed build would leave it: the report's messages may quote small counts, so its temporary files stay in the
    staff folder the report is written to."""
    before, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = before
