"""The verifier: how precisely a reader of the public store can recompute each hidden figure.

For every hidden figure (obs_conf C or D) it solves two small linear programs -- the minimum and the
maximum of the figure subject to the additive relations (``schemas/rules.yaml``: equalities for
``sum`` rules, inequalities for ``le`` rules), every published figure fixed at its value and every
count non-negative. Only the *linked table* of the figure takes part: the connected component of
hidden cells joined by relations (JUV_OFFENDERS of one year is one component: a cell is in a sex, an
age and a region relation at once). Missing figures and absent cells are free unknowns.

Two LPs per figure are the definition; the solver needs fewer, settling a bound whenever the solution
of another LP of the table already attains it (:meth:`_Batch.bounds`). The LP of a linked
table is loaded into HiGHS once (:class:`TableLP`) and each optimum re-solved from the previous
basis: only the objective changes between them. Small tables are solved in batches, one LP for many
tables at once (:class:`_Batch`): a district-level edition has tens of thousands of them. Batches
share no table, so they are solved in threads (HiGHS releases the GIL while it solves); what stays
loaded is decided between runs of batches, in batch order, so that the outcome never depends on
which thread finished first.

The interval is the LP relaxation; a reader who also uses that counts are whole numbers may narrow it
to the whole numbers inside. A figure is *recoverable* when exactly one whole number fits.

The verifier reads only the public figures, so it can audit a published store without the
confidential values. ``check_protection`` then applies the policy's protection range.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from yearbook.disclosure.policy import LE, DisclosurePolicy
from yearbook.disclosure.relations import CellSystem, build_system, hidden_indicators, linked_cells
from yearbook.model import KEY

KNOWN, SUPPRESSED, UNKNOWN = 0, 1, 2
EPS = 1e-6
INTERVAL_COLUMNS = [*KEY, "reason", "lower", "upper", "width", "required", "recoverable", "protected"]
# why a figure is hidden (the staff store's disclosure_cells); a public store's figure has none (NULL): one code, C, for all
MINISTRY, PRIMARY, SECONDARY, DERIVED = "ministry", "primary", "secondary", "derived"
CONFIDENTIAL_REASONS = (MINISTRY, PRIMARY)


class InconsistentTable(ValueError):
    """The published figures contradict the relations: no value of the hidden figures fits."""


def cell_status(frame: pd.DataFrame, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Known values and the status of every cell: KNOWN (free, with a value), SUPPRESSED (C or D), UNKNOWN (missing or absent)."""
    status = np.full(n_cells, UNKNOWN, dtype=np.int8)
    values = np.full(n_cells, np.nan)
    conf = frame["obs_conf"].to_numpy()
    value = frame["value"].to_numpy(dtype=float)
    n = len(frame)
    hidden = conf != "F"
    status[:n] = np.where(hidden, SUPPRESSED, np.where(np.isnan(value), UNKNOWN, KNOWN))
    values[:n] = np.where(status[:n] == KNOWN, value, np.nan)
    return values, status


class IntervalSolver:
    """Intervals of hidden cells, one LP per linked table. What was learnt of a table's cells (the range over its
    feasible points, exact intervals) is kept for the most recent tables up to :data:`COLUMNS_KEPT` cells in all,
    keyed by the table's hidden cells; the LP itself stays loaded for the :data:`LPS_LOADED` most recent.

    What is kept stays valid while the known values do not change, which holds inside one run of the
    suppression: a cell moving between known and hidden changes the linked table, hence the key.
    """

    def __init__(
        self, system: CellSystem, values: np.ndarray, integer: bool = False, cell_bounds: tuple[np.ndarray, np.ndarray] | None = None
    ):
        self.system = system
        self.values = values
        self.integer = integer  # solve over whole numbers (MILP): exact for any table, slower
        # per cell, the range a reader knows it lies in beyond x >= 0 (implied_bounds): the columns' bounds of the LPs
        bounds = cell_bounds or (np.zeros(system.n_cells), np.full(system.n_cells, math.inf))
        self.cell_lower: np.ndarray = bounds[0]
        self.cell_upper: np.ndarray = bounds[1]
        self._tables: OrderedDict[frozenset[int], _Table] = OrderedDict()
        self._columns_kept = 0
        self._loaded: OrderedDict[int, _Table] = OrderedDict()  # id(table) -> table, whose LP is loaded
        self._ranges: dict[int, tuple[dict[int, int], np.ndarray, np.ndarray]] = {}  # cell -> its latest table's (col, low, high)
        self.lp_solved = 0
        self._counting = threading.Lock()

    def components(self, status: np.ndarray, around: set[int] | None = None) -> list[tuple[list[int], list[int]]]:
        """(hidden cells, relation ids) of every linked table that holds a suppressed cell; with ``around``, only of
        the tables that hold one of those cells."""
        if around is not None:
            return self._components_around(status, around)
        parent = list(range(self.system.n_cells))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        touching: list[int] = []
        for r_id, rel in enumerate(self.system.relations):
            hidden = [m for m in rel.members if status[m] != KNOWN]
            if not hidden:
                continue
            touching.append(r_id)
            root = find(hidden[0])
            for m in hidden[1:]:
                other = find(m)
                if other != root:
                    parent[other] = root
        groups: dict[int, list[int]] = {}
        for cell in np.flatnonzero(status != KNOWN):
            groups.setdefault(find(int(cell)), []).append(int(cell))
        rels: dict[int, list[int]] = {}
        for r_id in touching:
            rel = self.system.relations[r_id]
            first = next(m for m in rel.members if status[m] != KNOWN)
            rels.setdefault(find(first), []).append(r_id)
        return [(cells, rels.get(root, [])) for root, cells in sorted(groups.items()) if any(status[c] == SUPPRESSED for c in cells)]

    def _components_around(self, status: np.ndarray, around: set[int]) -> list[tuple[list[int], list[int]]]:
        """:meth:`components` found by walking the relations out of the hidden cells of ``around`` (not the whole system)."""
        seen: set[int] = set()
        out = []
        for start in sorted(c for c in around if status[c] != KNOWN):
            if start not in seen:
                cells, rel_ids = linked_cells(self.system, start, lambda m: status[m] != KNOWN, seen)
                if any(status[c] == SUPPRESSED for c in cells):
                    out.append((cells, rel_ids))
        return out

    def intervals(self, status: np.ndarray, targets: set[int] | None = None) -> dict[int, tuple[float, float]]:
        """[lower, upper] of every suppressed cell (or of ``targets`` among them): the exact min and max."""
        return self.proven_intervals(status, targets, enough=None)

    def proven_intervals(
        self,
        status: np.ndarray,
        targets: set[int] | None,
        enough: Callable[[int, float, float], bool] | None,
        around: set[int] | None = None,
    ) -> dict[int, tuple[float, float]]:
        """An interval every suppressed cell (or every one of ``targets``) can take: the range of the cell over the
        feasible points the table's LPs have produced so far when ``enough(cell, lower, upper)`` already holds of it
        (the exact interval contains it), else the exact min and max. A few LPs per table (:meth:`_Batch.witness`)
        usually show most cells of a large table to be wide enough, and spare two LPs per cell. With ``around``, only
        the linked tables that hold one of those cells are solved."""
        work: list[tuple[_Table, list[int]]] = []
        for cells, rel_ids in self.components(status, around):
            wanted = [c for c in cells if status[c] == SUPPRESSED and (targets is None or c in targets)]
            if wanted:
                work.append((self._table(cells, rel_ids), wanted))
        todo = {table: cells for table, wanted in work if (cells := [c for c in wanted if c not in table.exact])}

        def solve(batch: _Batch) -> None:
            part = {table: todo[table] for table in batch.tables}
            if enough is not None:
                part = batch.witness(part, enough)
            batch.bounds({table: cells for table, cells in part.items() if cells})

        batches = self._batches(list(todo))
        with ThreadPoolExecutor(SOLVER_THREADS) as pool:
            for start in range(0, len(batches), LPS_LOADED):
                run = batches[start : start + LPS_LOADED]
                for _ in pool.map(solve, run):  # in order: the first batch that raises is the one reported
                    pass
                self._keep_loaded(run)
        return {c: table.exact[c] if c in table.exact else table.seen(c) for table, wanted in work for c in wanted}

    def _keep_loaded(self, batches: list[_Batch]) -> None:
        """The LPs these batches loaded join the most recent, in batch order; beyond :data:`LPS_LOADED` the oldest are
        dropped. (Done between runs of batches, not as each thread loads one, so that whether a table finds its LP
        loaded, and so its basis, never depends on the threads' timing.)"""
        for batch in batches:
            for table in batch.tables:
                if table.lp is not None:
                    self._loaded[id(table)] = table
                    self._loaded.move_to_end(id(table))
        while len(self._loaded) > LPS_LOADED:
            self._loaded.popitem(last=False)[1].lp = None

    def count_solve(self) -> None:
        with self._counting:
            self.lp_solved += 1

    def _batches(self, tables: list[_Table]) -> list[_Batch]:
        """The tables in batches solved together: each table of more than :data:`BATCHED_TABLE_COLUMNS` cells alone (its
        LP stays loaded), the others together up to :data:`BATCH_COLUMNS` cells (MILPs always alone)."""

        def alone(table: _Table) -> bool:
            return self.integer or len(table.col) > BATCHED_TABLE_COLUMNS

        batches = [_Batch(self, [t]) for t in tables if alone(t)]
        group: list[_Table] = []
        width = 0
        for table in (t for t in tables if not alone(t)):
            if group and width + len(table.col) > BATCH_COLUMNS:
                batches.append(_Batch(self, group))
                group, width = [], 0
            group.append(table)
            width += len(table.col)
        if group:
            batches.append(_Batch(self, group))
        return batches

    def _table(self, cells: list[int], rel_ids: list[int]) -> _Table:
        signature = frozenset(cells)
        table = self._tables.get(signature)
        if table is not None:
            self._tables.move_to_end(signature)
            return table
        table = self._tables[signature] = _Table({c: j for j, c in enumerate(cells)}, rel_ids)
        self._inherit(table)
        self._columns_kept += len(cells)
        while self._columns_kept > COLUMNS_KEPT and len(self._tables) > 1:
            self._columns_kept -= len(self._tables.popitem(last=False)[1].col)
        return table

    def constraints(self, table: _Table, col_offset: int = 0, row_offset: int = 0) -> tuple[dict[tuple[int, int], float], list, list]:
        """The table's constraints: ``{(column, row): coefficient}`` (numbered from the offsets), row lower and upper bounds."""
        entries: dict[tuple[int, int], float] = {}
        row_lower, row_upper = [], []
        for i, r_id in enumerate(table.rel_ids, start=row_offset):
            rel = self.system.relations[r_id]
            rhs = 0.0
            for member, coef in [(rel.total, -1.0), *[(p, 1.0) for p in rel.parts]]:
                if member in table.col:
                    key = (table.col[member] + col_offset, i)
                    entries[key] = entries.get(key, 0.0) + coef
                else:
                    rhs -= coef * self.values[member]
            row_lower.append(-math.inf if rel.kind == LE else rhs)
            row_upper.append(rhs)
        return entries, row_lower, row_upper

    def _lp(self, table: _Table) -> TableLP:
        """The table's LP, loaded into the solver if it is not (which stay loaded: :meth:`_keep_loaded`)."""
        if table.lp is None:
            entries, row_lower, row_upper = self.constraints(table)
            lower, upper = self.column_bounds(table)
            table.lp = TableLP(entries, len(table.col), np.array(row_lower), np.array(row_upper), lower, upper)
        return table.lp

    def drop_contradicted_bounds(self, status: np.ndarray) -> None:
        """Drop the cells' bounds in each linked table they leave without a solution: a C figure that is no small count
        (one the ministry withheld) -- the reader of a store that codes small counts learns that much, not more."""
        if not (self.cell_lower.any() or np.isfinite(self.cell_upper).any()):
            return
        for cells, rel_ids in self.components(status):
            table = _Table({c: j for j, c in enumerate(cells)}, rel_ids)
            if self._lp(table).minimum(np.zeros(len(cells))) is None:
                self.cell_lower[cells], self.cell_upper[cells] = 0.0, math.inf

    def column_bounds(self, table: _Table) -> tuple[np.ndarray, np.ndarray]:
        """The bounds of the table's columns (its hidden cells, in column order)."""
        cells = list(table.col)
        return self.cell_lower[cells], self.cell_upper[cells]

    def _inherit(self, table: _Table) -> None:
        """Carry the ranges seen over to a table that grew: when every hidden cell of the new table was either hidden in
        an earlier table lying wholly inside it, or known (newly hidden), every feasible point of those earlier tables,
        with the newly hidden cells at their known values, is a feasible point of the new one. Suppression mostly grows
        tables one complement at a time, so a large table keeps what it had shown and only its undecided cells need LPs."""
        earlier: dict[int, tuple[dict[int, int], np.ndarray, np.ndarray]] = {}
        newly_hidden = []
        for cell in table.col:
            found = self._ranges.get(cell)
            if found is None:
                if not math.isfinite(self.values[cell]):
                    break  # a missing cell never solved for: no earlier point gives it a value
                newly_hidden.append(cell)
            elif any(c not in table.col for c in found[0]):
                break  # an earlier table that was split: its points fix a cell now known
            else:
                earlier[id(found[1])] = found
        else:
            low, high = table.low, table.high
            for col, old_low, old_high in earlier.values():
                for cell, j in col.items():
                    low[table.col[cell]], high[table.col[cell]] = old_low[j], old_high[j]
            for cell in newly_hidden:
                low[table.col[cell]] = high[table.col[cell]] = self.values[cell]
        ranges = (table.col, table.low, table.high)
        for cell in table.col:
            self._ranges[cell] = ranges

    def simple_upper(self, table: _Table) -> np.ndarray:
        """Per column, the least of (known total - known parts) over the relations where the cell is a part (inf if none)."""
        simple = np.full(len(table.col), math.inf)
        for r_id in table.rel_ids:
            rel = self.system.relations[r_id]
            if rel.total in table.col:
                continue
            room = self.values[rel.total] - sum(self.values[p] for p in rel.parts if p not in table.col)
            for p in rel.parts:
                if p in table.col:
                    simple[table.col[p]] = min(simple[table.col[p]], room)
        return simple

    def minimum(self, c: np.ndarray, table: _Table, cell: int) -> tuple[float, np.ndarray | None]:
        """The minimum of c @ x and a point attaining it (None when unbounded); the point joins the table's range."""
        self.count_solve()
        lp = self._lp(table)
        found = lp.integer_minimum(c) if self.integer else lp.minimum(c)
        if found is None:
            raise InconsistentTable(f"the linked table of {self.system.key(cell)} has no solution")
        if found[1] is not None:
            table.record(found[1])
        return found


COLUMNS_KEPT = 2_000_000  # cells of the linked tables whose ranges are kept (a few tens of bytes each)
LPS_LOADED = 64  # linked tables whose LP stays loaded in HiGHS (a district table holds thousands of cells); batches per run
SOLVER_THREADS = min(os.cpu_count() or 1, 4)  # threads solving batches at once
BATCHED_TABLE_COLUMNS = 64  # a linked table up to this many hidden cells is solved in a batch with others
BATCH_COLUMNS = 4096  # hidden cells of one batch
CAP_FACTOR = 1000.0  # a batch bounds every cell by this factor times its largest known figure (see _Batch)


@dataclass(eq=False)  # hashed by identity
class _Table:
    """One linked table: the column of each hidden cell, its relations, the range of each cell over the feasible points
    found (``low``, ``high``), the exact intervals found so far, and its LP while it is loaded."""

    col: dict[int, int]
    rel_ids: list[int]
    exact: dict[int, tuple[float, float]] = field(default_factory=dict)
    points: int = 0
    lp: TableLP | None = None

    def __post_init__(self) -> None:
        self.low = np.full(len(self.col), math.inf)
        self.high = np.full(len(self.col), -math.inf)

    def record(self, x: np.ndarray) -> None:
        """A feasible point of the table joins the range of each cell."""
        np.minimum(self.low, x, out=self.low)
        np.maximum(self.high, x, out=self.high)
        self.points += 1

    def seen(self, cell: int) -> tuple[float, float]:
        """The range of the cell over the feasible points seen (inside its exact interval; empty before any)."""
        j = self.col[cell]
        return max(float(self.low[j]), 0.0), float(self.high[j])


class _Batch:
    """Linked tables solved as one LP when there are several (the LP of a single table is its own, kept loaded).

    The tables share no cell, so the batch's LP is block-diagonal and its optimum is, block by block, an optimum of
    each table's part of the objective: one solve answers one question per table. Thousands of small district tables
    thus cost a few dozen solves instead of a few per table. A maximum may be unbounded, which would leave the whole
    batch without an answer, so in a batch every cell is capped at :data:`CAP_FACTOR` times the largest known figure of
    the batch's relations. A point of the capped LP is a feasible point of each table all the same; an optimum is that
    of the table unless one of the table's cells is at the cap, and such a question is asked again of the table alone.
    """

    def __init__(self, solver: IntervalSolver, tables: list[_Table]):
        self.solver, self.tables = solver, tables
        self.offset: dict[_Table, int] = {}
        width = 0
        for table in tables:
            self.offset[table] = width
            width += len(table.col)
        self.lp: TableLP | None = None
        if len(tables) > 1:
            entries: dict[tuple[int, int], float] = {}
            row_lower: list[float] = []
            row_upper: list[float] = []
            for table in tables:
                part, lower, upper = solver.constraints(table, self.offset[table], len(row_lower))
                entries.update(part)
                row_lower += lower
                row_upper += upper
            bounds = np.abs(np.array([*row_lower, *row_upper]))
            self.cap = CAP_FACTOR * (1.0 + float(bounds[np.isfinite(bounds)].max(initial=0.0)))
            columns = [solver.column_bounds(table) for table in tables]
            col_lower = np.concatenate([lower for lower, _ in columns])
            col_upper = np.minimum(np.concatenate([upper for _, upper in columns]), self.cap)
            self.lp = TableLP(entries, width, np.array(row_lower), np.array(row_upper), col_lower, col_upper)
        self.width = width

    def solve(self, objectives: dict[_Table, np.ndarray]) -> dict[_Table, tuple[float | None, np.ndarray | None]]:
        """Minimise each table's objective at once: per table, (its minimum, or None when a cell of it was at the cap;
        the table's point, None when unbounded). Every table of the batch records its point."""
        if self.lp is None:
            ((table, c),) = objectives.items()
            return {table: self.solver.minimum(c, table, next(iter(table.col)))}
        objective = np.zeros(self.width)
        for table, c in objectives.items():
            objective[self.offset[table] : self.offset[table] + len(c)] = c
        self.solver.count_solve()
        found = self.lp.minimum(objective)
        if found is None:  # a table without a solution: solved alone, it raises InconsistentTable naming a cell
            for table in self.tables:
                self.solver.minimum(np.zeros(len(table.col)), table, next(iter(table.col)))
            raise InconsistentTable("a batch of linked tables has no solution")
        x = found[1]
        assert x is not None, "the batch's objective is bounded below (by the caps): it has a point"
        out: dict[_Table, tuple[float | None, np.ndarray | None]] = {}
        for table in self.tables:
            point = x[self.offset[table] : self.offset[table] + len(table.col)]
            table.record(point)
            if table in objectives:
                capped = bool((point >= self.cap * (1 - 1e-9)).any())
                out[table] = (None if capped else float(objectives[table] @ point), point)
        return out

    def witness(self, todo: dict[_Table, list[int]], enough: Callable[[int, float, float], bool]) -> dict[_Table, list[int]]:
        """Feasible points far apart, until they show ``enough`` of the cells of ``todo``; the cells still undecided.

        First the minimum of the sum of each table's hidden cells (most at 0), then, again and again, the maximum of a
        randomly weighted sum of the cells still undecided (a plain sum is often fixed by the published totals, and
        would not move): each such LP lifts several of them at once. A table drops out when an LP decides fewer than two
        of its cells -- then their own LPs (two per cell at most) cost no more. The weights come from a fixed seed, and
        only decide which cells need their own LPs: the outcome of the check does not depend on them."""

        def undecided(table: _Table, cells: list[int]) -> list[int]:
            return [c for c in cells if not enough(c, *table.seen(c))]

        left = {table: undecided(table, cells) for table, cells in todo.items()}  # the points of earlier calls first
        first = {table: np.ones(len(table.col)) for table, cells in left.items() if len(cells) >= 2 and not table.points}
        if first:
            self.solve(first)
            left = {table: undecided(table, cells) for table, cells in left.items()}
        weights = {table: np.random.default_rng(len(table.col)) for table in left}
        active = [table for table, cells in left.items() if len(cells) >= 2]
        while active:
            objectives = {}
            for table in active:
                objectives[table] = np.zeros(len(table.col))
                objectives[table][[table.col[c] for c in left[table]]] = -weights[table].uniform(0.5, 1.0, len(left[table]))
            self.solve(objectives)
            going_on = []
            for table in active:
                still = undecided(table, left[table])
                if len(left[table]) - len(still) >= 2 and len(still) >= 2:
                    going_on.append(table)
                left[table] = still
            active = going_on
        return {table: undecided(table, cells) for table, cells in left.items()}

    def bounds(self, todo: dict[_Table, list[int]]) -> None:
        """The exact min and max of each cell of ``todo`` (into its table's ``exact``): two LPs per cell, fewer where a
        feasible point already proves a bound.

        Every LP solution is a feasible point. A cell at 0 in one has lower bound 0 (counts are >= 0); a cell at
        its *simple* upper bound (a known total minus the known parts of a relation where it is a part) in one
        has that upper bound. One LP minimising (maximising) the sum of the cells settles many at once.
        """
        if not todo:
            return
        pending = {table: _Bounds(table, cells, self.solver.simple_upper(table)) for table, cells in todo.items()}
        for sign in (1.0, -1.0):
            for table, (_, point) in self.solve({table: sign * p.every for table, p in pending.items()}).items():
                pending[table].settle(point)
        while asked := {table: question for table, p in pending.items() if (question := p.next_question()) is not None}:
            found = self.solve({table: c for table, (_, _, c) in asked.items()})
            for table, (cell, sign, c) in asked.items():
                value, point = found[table]
                if value is None:  # a cell at the batch's cap: asked of the table alone
                    value, point = self.solver.minimum(c, table, cell)
                pending[table].answer(cell, sign, value, point)
        for table, p in pending.items():
            for cell in todo[table]:
                table.exact[cell] = (max(p.lower[cell], 0.0), p.upper[cell])


class _Bounds:
    """The bounds of some cells of a table being found: which are settled by a point, which LP to solve next."""

    def __init__(self, table: _Table, cells: list[int], simple: np.ndarray):
        self.simple = simple
        self.cells = cells
        self.columns = np.array([table.col[c] for c in cells])
        self.col = table.col
        self.low_settled = np.zeros(len(table.col), dtype=bool)
        self.high_settled = np.zeros(len(table.col), dtype=bool)
        self.every = np.zeros(len(table.col))
        self.every[self.columns] = 1.0
        self.lower: dict[int, float] = {}
        self.upper: dict[int, float] = {}
        self._questions = [(cell, sign) for cell in cells for sign in (1.0, -1.0)]
        self._next = 0

    def settle(self, x: np.ndarray | None) -> None:
        if x is not None:
            self.low_settled[self.columns] |= x[self.columns] <= EPS
            self.high_settled[self.columns] |= x[self.columns] >= self.simple[self.columns] - EPS

    def next_question(self) -> tuple[int, float, np.ndarray] | None:
        """(cell, +1 for its minimum or -1 for its maximum, the objective) of the next bound no point has settled."""
        while self._next < len(self._questions):
            cell, sign = self._questions[self._next]
            self._next += 1
            j = self.col[cell]
            if sign > 0 and self.low_settled[j]:
                self.lower[cell] = 0.0
            elif sign < 0 and self.high_settled[j]:
                self.upper[cell] = float(self.simple[j])
            else:
                c = np.zeros(len(self.col))
                c[j] = sign
                return cell, sign, c
        return None

    def answer(self, cell: int, sign: float, value: float, x: np.ndarray | None) -> None:
        if sign > 0:
            self.lower[cell] = value
        else:
            self.upper[cell] = -value
        self.settle(x)


class TableLP:
    """``row_lower <= A @ x <= row_upper``, ``col_lower <= x <= col_upper`` (default ``x >= 0``): the linear program
    of one linked table, ``A`` given as ``{(column, row): coefficient}``.

    It is loaded into HiGHS once (:func:`quiet_highs`); :meth:`minimum` changes only the objective and
    re-solves from the last basis (still feasible), typically a few simplex iterations.
    """

    def __init__(
        self,
        entries: dict[tuple[int, int], float],
        n_cols: int,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        col_lower: np.ndarray | None = None,
        col_upper: np.ndarray | None = None,
    ):
        self.row_lower, self.row_upper = row_lower, row_upper
        self.col_lower = np.zeros(n_cols) if col_lower is None else col_lower
        self.col_upper = np.full(n_cols, math.inf) if col_upper is None else col_upper
        keys = sorted(entries)  # column-major: HiGHS's column-wise format
        self.columns = np.array([c for c, _ in keys], dtype=np.int32)
        self.rows = np.array([r for _, r in keys], dtype=np.int32)
        self.values = np.array([entries[k] for k in keys], dtype=float)
        self._starts = np.searchsorted(self.columns, np.arange(n_cols + 1)).astype(np.int32)
        self._solver = quiet_highs()  # one thread: the batches are what runs in parallel (SOLVER_THREADS)
        self._solver.setOptionValue("presolve", "off")  # tiny tables, and a presolve would discard the basis
        self._solver.setOptionValue("simplex_strategy", 4)  # primal: a new objective leaves the last basis primal feasible
        self._solver.passModel(self._model(np.zeros(n_cols)))
        self._columns = np.arange(n_cols, dtype=np.int32)

    def _model(self, cost: np.ndarray) -> highspy.HighsLp:
        """The table's system as a HiGHS model (column-wise) with the objective ``cost``."""
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(cost), len(self.row_lower)
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.asarray(cost, dtype=float), self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = self._starts, self.rows, self.values
        return lp

    def minimum(self, c: np.ndarray) -> tuple[float, np.ndarray | None] | None:
        """(min of c @ x, a point attaining it); (-inf, None) when unbounded; None when infeasible."""
        self._solver.changeColsCost(len(c), self._columns, np.asarray(c, dtype=float))
        self._solver.run()
        status = self._solver.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return -math.inf, None
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.array(self._solver.getSolution().col_value)
        return float(self._solver.getInfo().objective_function_value), x

    def set_bounds(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """New column bounds (the LP stays loaded; the next solve starts from the last basis)."""
        self._solver.changeColsBounds(len(self._columns), self._columns, lower, upper)

    def reduced_costs(self) -> np.ndarray:
        """The reduced cost of each column at the last optimum (a dual solution: ``c = A^T y + d``)."""
        return np.array(self._solver.getSolution().col_dual)

    def integer_minimum(self, c: np.ndarray) -> tuple[float, np.ndarray | None] | None:
        """:meth:`minimum` over whole numbers (a MILP, solved afresh)."""
        lp = self._model(c)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(c)
        solver = quiet_highs()
        solver.setOptionValue("mip_rel_gap", 0.0)  # exact: the default stops within 0.01 % of the optimum
        solver.passModel(lp)
        solver.run()
        status = solver.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return -math.inf, None  # a table's true figures satisfy it: never infeasible, so unbounded (only a maximum can be)
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        return float(solver.getInfo().objective_function_value), np.array(solver.getSolution().col_value)


class _QuietHighs(highspy.Highs):
    """``highspy.Highs`` silenced before it prints. Its constructor enables the callbacks, and HiGHS prints its banner on
    standard output -- the command line's problem channel -- unless the output is off by then: this method, which the
    constructor calls, is the one place to turn it off first (tests/test_highs_public.py fails if the banner comes back)."""

    def enableCallbacks(self) -> None:
        self.silent()
        super().enableCallbacks()


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing and uses one thread."""
    solver = _QuietHighs()
    solver.setOptionValue("threads", 1)
    return solver


def recoverable(lower: float, upper: float) -> bool:
    """Exactly one whole number lies in [lower, upper] (counts are whole): the reader knows the figure."""
    if math.isinf(upper):
        return False
    return math.floor(upper + EPS) - math.ceil(lower - EPS) < 1


def required_width(policy: DisclosurePolicy, indicator: str, reason: str | None, lower: float, upper: float) -> float:
    """The width the interval [lower, upper] of a hidden figure must have; 0: it only must not be recoverable exactly.

    A confidential figure (a small count, or one the ministry withheld) needs the protection range of its class. So does
    any other hidden figure whose interval reaches below the class threshold: the public store shows one code for every
    hidden figure, so a reader cannot tell a complement from a small count, and a narrow interval that may hold a small
    count tells as much as one that does. A figure of unknown reason (a public store's) is judged by that second rule:
    every confidential figure meets it too (its true value lies below the threshold), so a public store that passes
    may still fail the staff store's stricter check, never the other way round.
    """
    cls = policy.risk_class(indicator)
    if reason in CONFIDENTIAL_REASONS or lower < cls.threshold - EPS:
        return cls.protection.required(upper)
    return 0.0


def is_protected(lower: float, upper: float, required: float) -> bool:
    """Not recoverable exactly and at least ``required`` wide."""
    return not recoverable(lower, upper) and upper - lower + EPS >= required


def interval_frame(
    system: CellSystem, intervals: dict[int, tuple[float, float]], policy: DisclosurePolicy, reasons: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per hidden cell: its key, reason (``reasons`` per frame row; none for a public store), [lower, upper],
    width, the required width (:func:`required_width`) and whether it is protected."""
    rows = []
    for cell, (lower, upper) in sorted(intervals.items()):
        key = system.key(cell)
        reason = None if reasons is None else reasons[cell]
        required = required_width(policy, key["indicator"], reason, lower, upper)
        rows.append(
            key
            | {
                "reason": reason,
                "lower": lower,
                "upper": upper,
                "width": upper - lower,
                "required": required,
                "recoverable": recoverable(lower, upper),
                "protected": is_protected(lower, upper, required),
            }
        )
    return pd.DataFrame(rows, columns=INTERVAL_COLUMNS)


def implied_bounds(frame: pd.DataFrame, system: CellSystem, policy: DisclosurePolicy) -> tuple[np.ndarray, np.ndarray] | None:
    """What the codes of ``frame`` tell a reader who knows the policy, as a [lower, upper] per cell; None: nothing.

    One code for every hidden figure (the public store: C) bounds nothing -- a hidden figure may be a small count, a
    complement of any size or a figure the ministry withheld. A store that tells them apart (C a small count, D a
    complement, as the staff store's reasons do) tells a reader that every C figure of a class with a threshold lies in
    1 .. threshold - 1 (0 too where zeros are suppressed): those bounds join the LPs. (A D figure is "0 or at least the
    threshold", which no LP can say; the independent attack of the tests uses it in whole numbers.)
    """
    conf = frame["obs_conf"].to_numpy()
    if not (conf == "D").any():
        return None
    lower, upper = np.zeros(system.n_cells), np.full(system.n_cells, math.inf)
    indicator = frame["indicator"].to_numpy()
    for i in np.flatnonzero(conf == "C"):
        cls = policy.risk_class(indicator[i])
        if cls.threshold > 0:
            lower[i] = 0.0 if not cls.zeros_safe else 1.0
            upper[i] = math.ceil(cls.threshold) - 1.0
    return lower, upper


def cell_intervals(frame: pd.DataFrame, policy: DisclosurePolicy, integer: bool = False, reasons: pd.Series | None = None) -> pd.DataFrame:
    """The interval each hidden reported figure of ``frame`` (an observations frame) can take, with :data:`INTERVAL_COLUMNS`,
    under the bounds its codes imply (:func:`implied_bounds`). ``reasons``: why each row is hidden (the staff store's
    disclosure_cells, aligned with ``frame``); without them, a public store's rule applies (:func:`required_width`).

    Derived figures are not solved for: :func:`derived_leaks` checks them.
    """
    frame = frame.reset_index(drop=True)
    system = build_system(frame, policy, hidden_indicators(frame, policy))
    values, status = cell_status(frame, system.n_cells)
    reported = frame["indicator"].map(policy.forms).ne("derived").to_numpy()
    targets = set(np.flatnonzero(reported & (status[: len(frame)] == SUPPRESSED)).tolist())
    why = None if reasons is None else reasons.to_numpy(dtype=object)
    solver = IntervalSolver(system, values, integer, implied_bounds(frame, system, policy))
    solver.drop_contradicted_bounds(status)
    return interval_frame(system, solver.intervals(status, targets), policy, why)


@dataclass
class ProtectionCheck:
    """The outcome of :func:`check_protection`; true when every hidden figure is protected."""

    failures: pd.DataFrame  # rows of the interval frame that fail, with a ``why``

    @property
    def ok(self) -> bool:
        return self.failures.empty

    def __bool__(self) -> bool:
        return self.ok

    def report(self, bounds: bool = True) -> str:
        """Every figure not protected, with why; ``bounds=False``: without its interval and the reason it is hidden,
        which tell where an unprotected figure lies (for a message that leaves the staff area: a failed build's, in the
        run's logs)."""
        if self.ok:
            return "every hidden figure is protected"
        lines = [f"{len(self.failures)} hidden figure(s) not protected:"]
        for r in self.failures.itertuples():
            key = f"  {r.indicator} {r.time_period} {r.ref_area} sex={r.sex} age={r.age} crime={r.crime_type} flow={r.flow}"
            if bounds:
                lines.append(f"{key}{f' [{r.reason}]' if isinstance(r.reason, str) else ''}: {r.lower:g}..{r.upper:g} ({r.why})")
            else:
                lines.append(f"{key}: {'recoverable' if r.recoverable else 'interval too narrow'}")
        return "\n".join(lines)


def check_protection(intervals: pd.DataFrame) -> ProtectionCheck:
    """The hidden figures of an interval frame that are not protected, each with why (recoverable, or too narrow)."""
    failures = []
    for r in intervals[~intervals["protected"].astype(bool)].to_dict("records"):
        if r["recoverable"]:
            why = "recoverable exactly" + (f" (= {round(r['lower'])})" if math.isfinite(r["lower"]) else "")
        else:
            why = f"interval width {r['width']:g} < required {r['required']:g}"
        failures.append(r | {"why": why})
    return ProtectionCheck(pd.DataFrame(failures, columns=[*intervals.columns, "why"]))


def recoverable_figures(intervals: pd.DataFrame) -> pd.DataFrame:
    """Hidden figures whose exact value a reader can recompute (a complement that is recoverable is published instead,
    so in a store every one of them is a disclosure)."""
    return intervals[intervals["recoverable"].astype(bool)].reset_index(drop=True)


def derived_of_hidden(frame: pd.DataFrame, hidden: np.ndarray, policy: DisclosurePolicy) -> np.ndarray:
    """Which rows of ``frame`` are derived figures, shown with a value, with an input of the same key among the
    ``hidden`` rows (a rate times its published denominator gives the count): disclosure control hides them. An input
    the formula reads at fixed coordinates (``POP_CHILD`` at age ``Y0T17``) is matched there, on the other coordinates."""
    dims = [c for c in KEY if c != "indicator"]
    hidden_rows = frame.loc[hidden]
    out = np.zeros(len(frame), dtype=bool)
    for derived, reads in policy.derived_reads.items():
        target = frame.loc[(frame["indicator"] == derived).to_numpy() & ~hidden & frame["value"].notna().to_numpy(), dims]
        for code, at in reads:
            rows = hidden_rows[(hidden_rows["indicator"] == code).to_numpy()]
            for dim, fixed in at.items():
                rows = rows[(rows[dim] == fixed).to_numpy()]
            on = [d for d in dims if d not in at]
            bad = rows[on].drop_duplicates()
            if not bad.empty:
                out[target.reset_index(drop=False).merge(bad, on=on, how="inner")["index"].to_numpy()] = True
    return out


def derived_leaks(public: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """Published derived figures with a hidden input of the same key (:func:`derived_of_hidden`).

    A derived figure whose inputs are all published adds nothing to what a reader knows, which is
    why the verifier need not model the formulas: it only checks that this holds.
    """
    frame = public.reset_index(drop=True)
    return frame[derived_of_hidden(frame, frame["obs_conf"].ne("F").to_numpy(), policy)].reset_index(drop=True)


def published_small_counts(frame: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """Shown figures that the policy hides: a count of a sensitive indicator below its threshold (a zero too where
    zeros are not safe) -- a store that shows one was not made by disclosure control, or was changed after."""
    small = policy.small_counts(frame["indicator"].to_numpy(), frame["value"].to_numpy(dtype=float))
    return frame[frame["obs_conf"].eq("F").to_numpy() & small].reset_index(drop=True)


@dataclass
class Verification:
    """Everything the verifier found for an observations frame."""

    intervals: pd.DataFrame
    protection: ProtectionCheck
    recoverable: pd.DataFrame  # hidden figures recoverable exactly
    derived_leaks: pd.DataFrame
    small_counts: pd.DataFrame  # shown figures the policy hides
    hidden_values: pd.DataFrame  # figures coded hidden that carry a value all the same

    @property
    def ok(self) -> bool:
        return (
            self.protection.ok
            and self.recoverable.empty
            and self.derived_leaks.empty
            and self.small_counts.empty
            and self.hidden_values.empty
        )


def verify(frame: pd.DataFrame, policy: DisclosurePolicy, integer: bool = False, reasons: pd.Series | None = None) -> Verification:
    """Intervals, the protection check, recoverable figures, derived leaks, shown small counts and hidden figures that
    carry a value, of an observations frame."""
    intervals = cell_intervals(frame, policy, integer, reasons)
    return Verification(
        intervals,
        check_protection(intervals),
        recoverable_figures(intervals),
        derived_leaks(frame, policy),
        published_small_counts(frame, policy),
        frame[frame["obs_conf"].ne("F") & frame["value"].notna()].reset_index(drop=True),
    )
