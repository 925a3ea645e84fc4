"""The figures of a table, held column-wise, and the figures table made from them.

A data table is a grid: its data rows × its data columns. Most fields of a figure are the same along a row (the
region, a row's age or indicator, the row number) or down a column (the indicator, the column's codes, check-only);
only the cell's own -- its value, status, note and text -- differ from cell to cell. A :class:`FigureBlock` keeps each
field once where it varies, and the positions (row-major) of the cells that gave a figure. The figures table is made
from the blocks by taking each field at those positions, a column at a time (``numpy`` and Arrow, not a Python tuple
per figure): the same table, in the same order, as one built a figure at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yearbook.model import DIMENSIONS

# the figures table, column by column (yearbook.submissions.figures_frame)
FIGURE_COLUMNS = [
    "form",
    "sheet_role",
    "indicator",
    "ref_area",
    "time_period",
    *DIMENSIONS,
    "value",
    "obs_status",
    "obs_conf",
    "check_only",
    "received_year",
    "source_file",
    "source_sheet",
    "source_cell",
    "raw",
    "footnote",
    "area_label",  # the region as the ministry wrote it (its row label or sheet title), for messages
]
WHERE_COLUMNS = ("form", "sheet_role", "received_year", "source_file", "source_sheet")  # one value for a sheet's figures
FIGURE_FIELDS = [column for column in FIGURE_COLUMNS if column not in WHERE_COLUMNS]  # what the reader gives a figure
FIGURE_TYPES = {"time_period": "int64", "received_year": "int64", "value": "float64", "check_only": "bool"}  # the rest: text


@dataclass
class FigureBlock:
    """The figures of one table: ``n_rows`` × ``n_cols`` cells, row-major, of which those at ``kept`` gave a figure
    (None: every cell). Each of :data:`FIGURE_FIELDS` (and, once placed, :data:`WHERE_COLUMNS`) is in exactly one of
    the four mappings: one value for all (``same``), one per row, one per column, or one per cell."""

    n_rows: int
    n_cols: int
    same: dict[str, object] = field(default_factory=dict)
    by_row: dict[str, Sequence[object]] = field(default_factory=dict)
    by_col: dict[str, Sequence[object]] = field(default_factory=dict)
    by_cell: dict[str, Sequence[object]] = field(default_factory=dict)
    kept: Sequence[int] | None = None

    def __len__(self) -> int:
        return self.n_rows * self.n_cols if self.kept is None else len(self.kept)

    def placed(self, where: Mapping[str, object]) -> FigureBlock:
        """This block with the fields of ``where`` (one value each) added."""
        return FigureBlock(self.n_rows, self.n_cols, {**self.same, **where}, self.by_row, self.by_col, self.by_cell, self.kept)

    def _positions(self) -> np.ndarray:
        cells = self.n_rows * self.n_cols
        return np.arange(cells, dtype=np.int64) if self.kept is None else np.asarray(self.kept, dtype=np.int64)

    def _field(self, name: str, positions: np.ndarray) -> tuple[Sequence[object], np.ndarray]:
        """The values of field ``name`` as kept here, and which of them each figure takes."""
        if name in self.same:
            return [self.same[name]], np.zeros(len(positions), dtype=np.int64)
        if name in self.by_row:
            return self.by_row[name], positions // self.n_cols
        if name in self.by_col:
            return self.by_col[name], positions % self.n_cols
        return self.by_cell[name], positions

    def rows(self, fields: Sequence[str] = FIGURE_COLUMNS) -> list[tuple]:
        """Its figures one tuple each (the fields in ``fields`` order): for tests and messages, not the build."""
        positions = self._positions()
        columns = []
        for name in fields:
            values, at = self._field(name, positions)
            columns.append([values[k] for k in at.tolist()])
        return list(zip(*columns, strict=True))


def _typed(name: str, values: list[object]) -> pd.api.extensions.ExtensionArray | np.ndarray:
    kind = FIGURE_TYPES.get(name)
    if kind == "float64":
        return np.array(values, dtype=np.float64)  # None: NaN, as the table's missing value
    if kind is not None:
        return np.array(values, dtype=kind)
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def figures_table(blocks: Iterable[FigureBlock], columns: Sequence[str]) -> pd.DataFrame:
    """The figures of ``blocks`` (each placed: with every one of :data:`FIGURE_COLUMNS`) as one table of ``columns``, typed
    (:data:`FIGURE_TYPES`; text otherwise): each field's values kept once, then taken at every figure's position."""
    pools: dict[str, list[object]] = {name: [] for name in columns}
    takes: dict[str, list[np.ndarray]] = {name: [] for name in columns}
    for block in blocks:
        positions = block._positions()
        if not len(positions):
            continue
        for name in columns:
            values, at = block._field(name, positions)
            takes[name].append(at + len(pools[name]))
            pools[name].extend(values)
    data = {}
    for name in columns:
        at = np.concatenate(takes[name]) if takes[name] else np.zeros(0, dtype=np.int64)
        data[name] = _typed(name, pools[name])[at]
    return pd.DataFrame(data, columns=list(columns))
