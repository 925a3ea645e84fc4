"""A problem found in a submission, located so that a statistician can fix the file."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

ERROR = "error"
WARNING = "warning"


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

    def line(self) -> str:
        """``<file>: <sheet>: <cell>: <rule>: <message>`` as the CLI prints it."""
        return f"{self.file}: {self.sheet or '-'}: {self.cell or '-'}: {self.rule}: {self.message}"


PROBLEM_COLUMNS = list(Problem.__dataclass_fields__)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (one row each), with the columns of :class:`Problem`."""
    frame = pd.DataFrame([asdict(p) for p in problems], columns=PROBLEM_COLUMNS)
    return frame.astype({c: "str" for c in PROBLEM_COLUMNS if c != "year"} | {"year": "Int64"})


def frame_problems(frame: pd.DataFrame) -> list[Problem]:
    """The inverse of :func:`problems_frame`."""
    out = []
    for row in frame.to_dict("records"):
        row = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        if row["year"] is not None:
            row["year"] = int(row["year"])
        out.append(Problem(**row))
    return out
