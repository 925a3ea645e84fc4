"""Opening an untrusted workbook safely and turning a sheet into a compact grid.

Submissions come from outside the office, so a file is recognised by its content and checked before
it is parsed (yearbook/formats/: zip limits, password protection, size). Cell values are read with
python-calamine; what calamine does not say of a cell (an error, a formula without a saved result, a
fraction shown as a percentage) comes from the format's own facts, so that every cell is read as it
shows or reported. openpyxl parses XML through defusedxml (entity expansion refused); the import below
fails at start-up if defusedxml is not active.
"""

from __future__ import annotations

import bisect
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, cast

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from yearbook.formats import MAX_CELLS_PER_SHEET, PASSWORD_PROTECTED, MergedRange, SheetFacts, UnsafeWorkbook, sniff
from yearbook.problems import quote

if not openpyxl.DEFUSEDXML:  # pragma: no cover - a broken installation
    raise ImportError("defusedxml must be installed and active for openpyxl (OPENPYXL_DEFUSEDXML not 'False')")

MAX_CELL_CHARS = 1_000  # a label or a number is never longer; a longer cell is refused, quoted in part


class CellDefect(NamedTuple):
    """A cell that cannot be read with certainty: where it is, the rule it breaks and why."""

    row: int  # sheet row, 1-based
    col: int  # sheet column, 1-based
    rule: str
    message: str


@dataclass
class Grid:
    """A sheet without its blank rows and columns, remembering where each cell was.

    ``cells[i][j]`` is the value at original row ``rows[i]`` and column ``cols[j]``.
    """

    sheet: str
    cells: list[list[object]]
    rows: list[int]
    cols: list[int]
    defects: list[CellDefect] = field(default_factory=list)  # cells that could not be read (left blank here): to report
    merged: dict[tuple[int, int], str] = field(default_factory=dict)  # grid (i, j) hidden under a merged range -> 'B6:D6'
    merge_anchors: set[tuple[int, int]] = field(default_factory=set)  # grid (i, j) of the first cell of a merged range
    unread: set[tuple[int, int]] = field(default_factory=set)  # grid (i, j) of the defects: no figure is read there
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


def _row_cells(values: list[object], columns: list[int]) -> list[object]:
    """The kept columns of one row as :func:`_cell` gives them (a cell beyond the row's end is blank); the common
    types dispatched here, without a call per cell."""
    width = len(values)
    out: list[object] = []
    for c in columns:
        if c >= width:
            out.append(None)
            continue
        v = values[c]
        if type(v) is float:
            out.append(int(v) if v.is_integer() and abs(v) < 2**53 else v)
        elif type(v) is str:
            out.append(v if v.strip() else None)
        else:
            out.append(_cell(v))
    return out


def _percent(value: object) -> object:
    """A fraction formatted as a percentage, as it shows: 0.734 -> 73.4 (decimal shift, no binary rounding noise)."""
    if isinstance(value, float):
        return float(Decimal(repr(value)).scaleb(2))
    return value


def _apply_facts(rows: list[list[object]], facts: SheetFacts, defects: list[CellDefect]) -> None:
    """Put what the file says of its cells into calamine's rows (0-based lists, from A1)."""

    def put(r: int, c: int, value: object) -> None:
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        row.extend([""] * (c - len(row)))
        row[c - 1] = value

    for (r, c), text in facts.errors.items():
        put(r, c, text)  # refused by the reader as not a number nor a symbol
    for (r, c), formula in facts.unsaved_formulas.items():
        message = (
            f"the formula {quote(formula)} has no saved result: open and save the workbook in Excel or LibreOffice, "
            "so that the result is stored with it"
        )
        defects.append(CellDefect(r, c, "formula_without_value", message))
    for r, c in facts.percent:
        if r <= len(rows) and c <= len(rows[r - 1]):
            rows[r - 1][c - 1] = _percent(rows[r - 1][c - 1])


def _grid(name: str, rows: list[list[object]], merged_ranges: list[MergedRange] | None, defects: list[CellDefect]) -> Grid:
    """Drop blank rows and columns (rows are from A1), remembering the original row and column numbers.

    A cell longer than :data:`MAX_CELL_CHARS` is reported and left out: no label or number is that long, and the
    reader's work on a cell stays small."""
    if sum(len(r) for r in rows) > MAX_CELLS_PER_SHEET:
        raise UnsafeWorkbook(f"sheet {name!r} has more than {MAX_CELLS_PER_SHEET} cells")
    kept: list[tuple[int, list[object]]] = []
    used: set[int] = set()
    for i, values in enumerate(rows):
        filled = []
        for c, v in enumerate(values):
            if isinstance(v, str):
                if not v:  # calamine's blank cell
                    continue
                if len(v) > MAX_CELL_CHARS:
                    message = f"the cell holds {len(v):,} characters (at most {MAX_CELL_CHARS:,} are read), beginning {quote(v)}"
                    defects.append(CellDefect(i + 1, c + 1, "cell_too_long", message))
                    values[c] = None  # reported instead of read: the sheet is refused, never read without it
                elif v.strip():
                    filled.append(c)
            elif v is not None:
                filled.append(c)
        if filled:
            kept.append((i + 1, values))
            used.update(filled)
    columns = sorted(used)
    cells = [_row_cells(values, columns) for _, values in kept]
    grid = Grid(name, cells, [r for r, _ in kept], [c + 1 for c in columns], defects)
    grid.merged, grid.merge_anchors = _hidden_by_merges(name, grid, merged_ranges)
    row_index, col_index = {r: i for i, r in enumerate(grid.rows)}, {c: j for j, c in enumerate(grid.cols)}
    grid.unread = {(row_index[d.row], col_index[d.col]) for d in defects if d.row in row_index and d.col in col_index}
    return grid


def _hidden_by_merges(
    name: str, grid: Grid, merged_ranges: list[MergedRange] | None
) -> tuple[dict[tuple[int, int], str], set[tuple[int, int]]]:
    """Grid positions hidden under a merged range (every cell of the range but its first), with the range; and the
    grid positions of the ranges' first cells.

    Only kept rows and columns are visited, and a file declaring more hidden cells than a sheet may hold is
    refused, so a hostile range such as A1:XFD1048576 costs no more than the grid itself."""
    hidden: dict[tuple[int, int], str] = {}
    anchors: set[tuple[int, int]] = set()
    for (r0, c0), (r1, c1) in merged_ranges or ():
        text = f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
        rows = range(bisect.bisect_left(grid.rows, r0 + 1), bisect.bisect_right(grid.rows, r1 + 1))
        cols = range(bisect.bisect_left(grid.cols, c0 + 1), bisect.bisect_right(grid.cols, c1 + 1))
        for i in rows:
            for j in cols:
                if (grid.rows[i], grid.cols[j]) != (r0 + 1, c0 + 1):
                    hidden[(i, j)] = text
                else:
                    anchors.add((i, j))
        if len(hidden) > MAX_CELLS_PER_SHEET:
            raise UnsafeWorkbook(f"sheet {name!r} declares merged ranges over more than {MAX_CELLS_PER_SHEET} cells")
    return hidden, anchors


def describe_failure(exc: BaseException) -> str:
    """A statistician's wording of why a workbook could not be read."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if cause is not None or "entity" in text.lower() or "doctype" in text.lower() or "dtd" in text.lower():
        return f"refused: the workbook's XML declares entities or a DTD, as an XML bomb does ({text[:200]})"
    if "password" in text.lower() or "encrypt" in text.lower():
        return PASSWORD_PROTECTED
    return f"corrupt workbook: {type(exc).__name__}: {text[:300]}"


@dataclass(frozen=True)
class Workbook:
    """The sheets of a workbook file as grids, and what the ministry should be told about the file."""

    format: str  # xlsx | xls | ods
    grids: list[Grid]
    notices: tuple[str, ...] = ()


def read_workbook(path: Path, first_rows: int | None = None) -> Workbook:
    """Every worksheet of a checked workbook as a :class:`Grid`, in workbook order (only its ``first_rows``
    rows when given: enough to find a form code, without reading whole sheets or the cell facts).

    Cell values are read with python-calamine (a Rust reader, about ten times faster than openpyxl and not
    exposed to XML entity expansion); the rows are read from A1, so cell references stay exact."""
    kind = sniff(path)
    if kind == "encrypted":
        raise UnsafeWorkbook(PASSWORD_PROTECTED)
    fmt = importlib.import_module(f"yearbook.formats.{kind}")
    notices = fmt.check(path)
    try:
        facts = fmt.facts(path) if first_rows is None else {}
        with open(path, "rb") as f:  # calamine tells the format by content, as sniff did, whatever the file's extension
            book = CalamineWorkbook.from_filelike(f)
        if unmatched := sorted(set(facts) - set(book.sheet_names)):  # its cells' facts would be lost: never guessed
            raise UnsafeWorkbook(f"the sheet names {unmatched} cannot be matched to the workbook's: open it in Excel and save it again")
        grids = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            # from A1: list positions are cell positions. The rows are edited in place, by _apply_facts and by _grid, which
            # puts None for a cell left out: wider than the element type calamine declares, hence list[list[object]]
            rows = cast(list[list[object]], sheet.to_python(skip_empty_area=False, nrows=first_rows))
            defects: list[CellDefect] = []
            merged = sheet.merged_cell_ranges if first_rows is None else []
            if name in facts:
                _apply_facts(rows, facts[name], defects)
                merged = facts[name].merged if merged is None else merged
            grids.append(_grid(name, rows, merged, defects))
        return Workbook(kind, grids, notices)
    except UnsafeWorkbook:
        raise
    except Exception as exc:  # the reader raises several types for damaged files
        raise UnsafeWorkbook(describe_failure(exc)) from exc
    except BaseException as exc:
        if type(exc).__module__ != "pyo3_runtime":  # a panic of the Rust reader comes as pyo3's PanicException
            raise
        raise _reader_stopped(path, fmt, exc) from None


def _reader_stopped(path: Path, fmt: ModuleType, exc: BaseException) -> UnsafeWorkbook:
    """Why python-calamine stopped reading the workbook (a panic: a value it cannot convert), at the cells that hold
    such a value where the format can find them (a number far beyond any date in a date or duration format)."""
    cells = fmt.times_beyond_range(path) if hasattr(fmt, "times_beyond_range") else []
    if not cells:
        return UnsafeWorkbook(f"the workbook cannot be read: the reader stopped on a value it cannot convert ({str(exc)[:200]})")
    shown = ", ".join(f"{sheet}!{cell} ({value})" for sheet, cell, value in cells[:10]) + (" …" if len(cells) > 10 else "")
    if len(cells) == 1:
        what, fix = f"the cell {shown} holds a number", "give the cell the Number format and write the figure it should hold"
    else:
        what, fix = f"the cells {shown} hold numbers", "give the cells the Number format and write the figures they should hold"
    message = f"{what} far beyond any date, shown as a date, time or duration, and the workbook cannot be read: {fix}"
    return UnsafeWorkbook(message, sheet=cells[0][0], cell=cells[0][1])
