"""Optimal secondary suppression: the complements of one linked table chosen by a mixed-integer model.

The model (after Fischetti and Salazar, the "optimal" method of tau-ARGUS and sdcTable) chooses which published
figures to hide, ``x_j`` in {0, 1}, at the least declared cost (``secondary.cost`` of ``schemas/disclosure.yaml``),
such that every confidential figure ``p`` of the table keeps an interval at least its protection width ``W_p`` wide
for a reader who knows the published figures, the relations and that counts are >= 0.

That condition is the reader's linear program -- max z_p minus min z_p over the table, a figure fixed at its value
when published and free in ``[0, a_j + U]`` when hidden -- so it is not a constraint a MILP can hold directly.
It is imposed by cuts (Benders decomposition): solve the master problem (costs and the cuts so far), solve the
reader's two LPs for every confidential figure under the chosen pattern, and for each one that is too narrow add
the cut weak LP duality gives: the dual solutions of its two LPs bound max z_p and min z_p for *every* pattern by
a linear function of x, so ``upper bound(x) - lower bound(x) >= W_p`` is necessary for protection and cuts off the
pattern just tried. When no figure fails, the pattern is optimal for the model.

``U`` (how far a hidden figure may rise) is the table's largest published figure: a reader bounded by it is weaker,
so a pattern that protects against that reader protects against every one. The verifier checks the answer in
any case, as it checks the heuristic's.

An answer depends on nothing but the question (:class:`TableQuestion`: the table's relations, figures, published
cells, the protection each confidential figure needs, the cost of each candidate) and the code: its digest covers all
of them, and
:class:`Answers` keeps the answers of an edition by it, so the tables a rebuild meets again unchanged are not solved
again (yearbook.disclosure.carry_over keeps them in the staff store).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from yearbook.disclosure.policy import LE
from yearbook.disclosure.relations import CellSystem, linked_cells
from yearbook.disclosure.verify import EPS, TableLP, quiet_highs


@dataclass(frozen=True)
class LinkedTable:
    """The cells of one connected part of the relation graph and the relations among them."""

    cells: list[int]
    rel_ids: list[int]


def linked_tables(system: CellSystem, seeds: set[int]) -> list[LinkedTable]:
    """The connected parts of the relation graph (over every cell, published or not) that hold one of ``seeds``."""
    seen: set[int] = set()
    return [LinkedTable(*linked_cells(system, start, lambda _: True, seen)) for start in sorted(seeds) if start not in seen]


@dataclass
class Answers:
    """The optimal model's answers by the digest of their question (:meth:`TableQuestion.digest`): ``kept`` from an
    edition before, and ``given`` by this protection (solved now or kept), each as the positions of the cells to hide
    in its table's ``cells``."""

    salt: str = ""  # what else an answer depends on: the code (yearbook.disclosure.carry_over.fingerprint)
    kept: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    given: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TableQuestion:
    """What the optimal model is asked of one linked table: which published cells of ``table`` to hide, at the least
    ``cost`` (per candidate), so that each cell of ``protect`` keeps its protection, cell -> (minimum width, relative
    width): an interval [lo, hi] with ``hi - lo >= minimum width`` and ``hi - lo >= relative width * hi``.
    ``status_known``: per cell of the system, whether it is published now (a candidate); the others are hidden already
    or unknown. ``values``: the figures (NaN where unknown)."""

    system: CellSystem
    table: LinkedTable
    values: np.ndarray
    status_known: np.ndarray
    protect: dict[int, tuple[float, float]]
    cost: dict[int, float]

    def digest(self, salt: str) -> str:
        """The digest of the question with ``salt`` (the code), cells named by their position in the table (the same
        table in another system, or another year, has the same digest), orders kept where they order the cuts: equal
        digests, equal answers."""
        system, table = self.system, self.table
        col = {c: j for j, c in enumerate(table.cells)}
        relation = {r_id: i for i, r_id in enumerate(table.rel_ids)}
        digest = hashlib.sha256(salt.encode())
        for r_id in table.rel_ids:
            rel = system.relations[r_id]
            digest.update(repr((rel.kind, col[rel.total], [col[p] for p in rel.parts])).encode())
        cells = np.array(table.cells)
        figures = self.values[cells].astype(float)
        digest.update(np.where(np.isnan(figures), np.nan, figures).tobytes())  # one NaN for every unknown figure
        digest.update(np.ascontiguousarray(self.status_known[cells], dtype=bool).tobytes())
        digest.update(repr([(col[c], need, [relation[r] for r in system.by_cell[c]]) for c, need in self.protect.items()]).encode())
        digest.update(repr(sorted((col[c], weight) for c, weight in self.cost.items())).encode())
        return digest.hexdigest()


def _reader_lp(system: CellSystem, table: LinkedTable, col: dict[int, int]) -> TableLP:
    """The reader's LP of one table: a column per cell, the relations as rows with right-hand side 0 (every member of a
    relation is a cell of the table); the pattern changes only the column bounds."""
    entries: dict[tuple[int, int], float] = {}
    row_lower = []
    for i, r_id in enumerate(table.rel_ids):
        rel = system.relations[r_id]
        for member, coef in [(rel.total, -1.0), *[(p, 1.0) for p in rel.parts]]:
            entries[(col[member], i)] = entries.get((col[member], i), 0.0) + coef
        row_lower.append(-math.inf if rel.kind == LE else 0.0)
    return TableLP(entries, len(col), np.array(row_lower), np.zeros(len(row_lower)))


def kept_answer(question: TableQuestion, positions: Sequence[int]) -> list[int] | None:
    """The cells a kept answer to ``question`` hides (``positions``: in its table), if it is an answer to it: cells it may
    hide (published now), and a pattern under which every confidential cell keeps its protection; None otherwise (a
    staff store changed by hand), and the question is solved again."""
    table = question.table
    reader = _Reader(question.system, table, question.values, question.status_known, question.protect)
    chosen = np.zeros(len(reader.candidates))
    for j in positions:
        k = reader.position.get(int(j))
        if k is None:
            return None
        chosen[k] = 1.0
    return [table.cells[int(j)] for j in positions] if reader.cuts(chosen, question.protect) == [] else None


class NoAnswer(Exception):
    """Why the optimal model gives a linked table no answer (the heuristic's answer then stands), in words for the log."""


def choose_complements(question: TableQuestion, time_limit: float) -> list[int]:
    """The answer to ``question``: the cells to hide. Raises :class:`NoAnswer` when no answer is proven within
    ``time_limit`` seconds, or the table has none."""
    system, table, protect = question.system, question.table, question.protect
    start = time.monotonic()
    reader = _Reader(system, table, question.values, question.status_known, protect)
    if not len(reader.candidates):
        raise NoAnswer("none of its figures may be hidden")
    weights = np.array([question.cost[table.cells[j]] for j in reader.candidates])
    cut_rows, cut_lower = _cover_cuts(system, reader.col, reader.position, protect, reader.known)
    chosen = np.zeros(len(reader.candidates))
    while True:
        cuts = reader.cuts(chosen, protect)
        if cuts is None:  # left to the heuristic and the verifier
            raise NoAnswer("its published figures contradict its relations (a total that is not the sum of its parts)")
        if not cuts:
            return [table.cells[int(reader.candidates[k])] for k in np.flatnonzero(chosen > 0.5)]
        cut_rows += [row for row, _ in cuts]
        cut_lower += [lower for _, lower in cuts]
        left = time_limit - (time.monotonic() - start)
        if left <= 0:
            raise NoAnswer(f"no proven optimum within {time_limit:g} s")
        chosen = _master(weights, np.array(cut_rows), np.array(cut_lower), left)


class _Reader:
    """The reader's LP of one linked table, and the cuts it gives against a pattern of hidden candidates: a column per
    cell, a published figure fixed at its value ``a``, a hidden one free in ``[0, a + U]`` (a cell without a value:
    ``[0, inf)``)."""

    def __init__(
        self, system: CellSystem, table: LinkedTable, values: np.ndarray, status_known: np.ndarray, protect: dict[int, tuple[float, float]]
    ):
        cells = table.cells
        self.col = {c: j for j, c in enumerate(cells)}
        self.lp = _reader_lp(system, table, self.col)
        self.known = np.array([bool(status_known[c]) for c in cells])
        self.a = np.array([values[c] if math.isfinite(values[c]) else 0.0 for c in cells])
        has_value = np.array([math.isfinite(values[c]) for c in cells])
        self.rise = float(self.a[self.known].max(initial=0.0)) + max((w for w, _ in protect.values()), default=0.0)  # U
        self.candidates = np.flatnonzero(self.known)
        self.position = {int(j): k for k, j in enumerate(self.candidates)}  # column -> its candidate's number
        # bounds of every column when hidden (candidates: when x = 1); a hidden figure with a value rises by at most U
        self.hidden_lower = np.zeros(len(cells))
        self.hidden_upper = np.where(has_value, self.a + self.rise, math.inf)

    def cuts(self, chosen: np.ndarray, protect: dict[int, tuple[float, float]]) -> list[tuple[np.ndarray, float]] | None:
        """(row, lower bound) of a cut for each protection the pattern ``chosen`` (x per candidate) does not give a cell
        of ``protect``; none: the pattern protects every one. None when the reader's LP has no solution."""
        lower = self.hidden_lower.copy()
        upper = self.hidden_upper.copy()
        shown = self.candidates[chosen < 0.5]
        lower[shown] = upper[shown] = self.a[shown]
        self.lp.set_bounds(lower, upper)
        cuts = []
        for cell, (width, relative) in protect.items():
            high, low = _optimum(self.lp, self.col[cell], -1.0), _optimum(self.lp, self.col[cell], 1.0)
            if high is None or low is None:
                return None
            top, bottom = -high[0], low[0]
            # width: max - min >= width; relative: (1 - relative) * max - min >= 0. Each bound by its LP's dual: a cut.
            for weight_of_max, needed in ((1.0, width), (1.0 - relative, 0.0)):
                if weight_of_max * top - bottom >= needed - EPS:
                    continue
                cuts.append(self._cut(weight_of_max, needed, high[1], low[1]))
        return cuts

    def _cut(self, weight_of_max: float, needed: float, high_dual: np.ndarray, low_dual: np.ndarray) -> tuple[np.ndarray, float]:
        """``weight_of_max * max(x) - min(x) >= needed`` for every pattern x, the max and min bounded by weak duality by
        the reduced costs of the two LPs just solved: ``row @ x >= lower``."""
        row, constant = np.zeros(len(self.candidates)), 0.0
        for sign, dual in ((-weight_of_max, high_dual), (-1.0, low_dual)):
            # sign * value(x), value(x) = sum_j d_j * (lower_j(x) if d_j > 0 else upper_j(x)) <= the LP's optimum
            for j in np.flatnonzero(np.abs(dual) > 1e-9):
                d = dual[j]
                k = self.position.get(int(j))
                if k is None:  # hidden or unknown whatever the pattern: a constant
                    constant += sign * d * (self.hidden_lower[j] if d > 0 else self.hidden_upper[j])
                elif d > 0:  # lower = a (1 - x)
                    constant += sign * d * self.a[j]
                    row[k] -= sign * d * self.a[j]
                else:  # upper = a + U x
                    constant += sign * d * self.a[j]
                    row[k] += sign * d * self.rise
        return row, needed - constant


def _optimum(reader: TableLP, column: int, sign: float) -> tuple[float, np.ndarray] | None:
    """(min of sign * z[column], the reduced costs of that optimum: empty when unbounded); None when infeasible."""
    c = np.zeros(len(reader.col_lower))
    c[column] = sign
    found = reader.minimum(c)
    if found is None:
        return None
    return found[0], (reader.reduced_costs() if math.isfinite(found[0]) else np.zeros(0))


def _cover_cuts(
    system: CellSystem, col: dict[int, int], position: dict[int, int], protect: dict, known: np.ndarray
) -> tuple[list[np.ndarray], list[float]]:
    """The cuts known before any LP: a confidential figure alone unpublished in an equality relation is recomputed by
    subtraction, so one more figure of that relation must be hidden (sum of their x >= 1). They spare the first rounds."""
    rows, lower = [], []
    for cell in protect:
        for r_id in system.by_cell[cell]:
            rel = system.relations[r_id]
            if rel.kind == LE:
                continue
            others = [col[m] for m in rel.members if m != cell]
            if any(not known[j] for j in others):
                continue  # another unpublished figure already
            row = np.zeros(len(position))
            row[[position[j] for j in others]] = 1.0
            rows.append(row)
            lower.append(1.0)
    return rows, lower


def _master(weights: np.ndarray, rows: np.ndarray, lower: np.ndarray, time_limit: float) -> np.ndarray:
    """The master problem: min weights @ x, x in {0, 1}, rows @ x >= lower; its proven optimum (:class:`NoAnswer`: none
    in time, or none at all).
    HiGHS directly, silenced (through scipy it printed some of its progress on standard output)."""
    n_rows, n = rows.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = weights.astype(float), np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = lower.astype(float), np.full(n_rows, math.inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    nonzero = rows != 0
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nonzero)[1].astype(np.int32)
    lp.a_matrix_.value_ = rows[nonzero].astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    solver = quiet_highs()
    solver.setOptionValue("time_limit", max(time_limit, 0.01))
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return np.round(np.array(solver.getSolution().col_value))
    if status == highspy.HighsModelStatus.kInfeasible:
        raise NoAnswer("no pattern of hidden figures protects every confidential figure of it")
    if status == highspy.HighsModelStatus.kTimeLimit:
        raise NoAnswer(f"no proven optimum in the {time_limit:.3g} s left to it")
    raise NoAnswer(f"HiGHS ended with {solver.modelStatusToString(status)!r}")
