"""A problem found in a submission, located so that a statistician can fix the file."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from openpyxl.utils import column_index_from_string

ERROR = "error"
WARNING = "warning"
QUOTE_CHARS = 80  # how much of a cell a message quotes
_UNPRINTED = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}  # control, format (bidi overrides), line breaks, unassigned


def quote(text: str) -> str:
    """A cell's text as a message quotes it: at most QUOTE_CHARS characters, control characters escaped."""
    return repr(text[:QUOTE_CHARS] + ("…" if len(text) > QUOTE_CHARS else ""))


# a number as a message quotes a figure: not part of a cell reference (B24), a code (KZ-19, F-DEM-2) or a path
_FIGURE = re.compile(r"(?<![\w.\-/])[-+]?\d+(?:[.,]\d+)*(?:e[+-]?\d+)?(?![\w\-/])", re.IGNORECASE)
REDACTED = "…"


# a cell's text as a message quotes it (:func:`quote`, Python's repr: either quote), with a digit somewhere in it
_QUOTED_WITH_DIGIT = re.compile(r"'(?:[^'\\\n]|\\.)*?\d(?:[^'\\\n]|\\.)*'" + r'|"(?:[^"\\\n]|\\.)*?\d(?:[^"\\\n]|\\.)*"')


def without_figures(message: str) -> str:
    """A message as it may leave the staff area (Dagster's run storage, the public store): a quoted cell with a digit
    in it (``'-12чел'``, ``'186223а'``: a figure however written) and every number it quotes replaced by an ellipsis,
    but a reference year (1900-2100), which is no count of anyone. Cells, codes, files stay: the staff find the
    figures in the validation report."""

    def redact(match: re.Match[str]) -> str:
        text = match.group(0)
        return text if re.fullmatch(r"(19|20)\d\d|2100", text) else REDACTED

    return _FIGURE.sub(redact, _QUOTED_WITH_DIGIT.sub(f"'{REDACTED}'", message))


def one_line(text: str) -> str:
    """A field of a problem as it may be printed: control characters (a newline in a file name) escaped, so that
    one problem is exactly one line."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in _UNPRINTED else c for c in text)


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the raw folder
    sheet: str | None
    cell: str | None  # A1 reference, or None for a whole-file or whole-sheet problem
    rule: str  # stable rule id, e.g. ``unknown_region``
    message: str
    severity: str = ERROR
    values: str | None = None  # the values involved, as text
    form: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        for name in ("file", "sheet", "cell", "message", "values"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.isprintable():  # the fast test; one_line spares spaces
                object.__setattr__(self, name, one_line(value))

    def line(self) -> str:
        """``<file>: <sheet>: <cell>: <rule>: <message>`` as the CLI prints it."""
        return f"{self.file}: {self.sheet or '-'}: {self.cell or '-'}: {self.rule}: {self.message}"


PROBLEM_COLUMNS = list(Problem.__dataclass_fields__)
_CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})(?::[A-Z]{1,3}[1-9][0-9]{0,6})?$")  # B7, or a range B7:C9


def cell_position(cell: str | None) -> tuple[int, int] | None:
    """(row, column) of a problem's cell, the first of a range; None when it names none Excel has."""
    match = _CELL.match(cell or "")
    if match is None:
        return None
    row, column = int(match.group(2)), column_index_from_string(match.group(1))
    return (row, column) if column <= 16_384 and row <= 1_048_576 else None


def _cell_key(cell: str | None) -> tuple[int, int, str]:
    """Cells as a reader scans a sheet: by row, then column (``B7`` before ``AA7`` before ``B10``); a whole-sheet or
    whole-file problem first."""
    position = cell_position(cell)
    return (0, 0, cell or "") if position is None else (*position, "")


def errors_first(problems: list[Problem]) -> list[Problem]:
    """Problems in the order they are shown everywhere (the command line, the validation workbook, Dagster's metadata,
    a refused run's message): every error before any warning, then by file, sheet and cell as a reader scans them."""
    return sorted(problems, key=lambda p: (p.severity != ERROR, p.file or "", p.sheet or "", _cell_key(p.cell), p.rule))


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (one row each), with the columns of :class:`Problem`."""
    frame = pd.DataFrame([asdict(p) for p in problems], columns=PROBLEM_COLUMNS)
    return frame.astype({c: "str" for c in PROBLEM_COLUMNS if c != "year"} | {"year": "Int64"})


def frame_problems(frame: pd.DataFrame) -> list[Problem]:
    """The inverse of :func:`problems_frame`."""
    out = []
    for record in frame.to_dict("records"):
        row: dict[str, Any] = {str(k): (None if pd.isna(v) else v) for k, v in record.items()}  # keyed by the column names
        if row["year"] is not None:
            row["year"] = int(row["year"])
        out.append(Problem(**row))
    return out
