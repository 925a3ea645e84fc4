"""Primary and secondary suppression of the observations before they are published.

1. PRIMARY: every figure of a sensitive indicator under its class threshold (``schemas/disclosure.yaml``).
   Figures the ministry withheld itself ('x') are protected as primary figures, whatever the indicator.
2. SECONDARY, with ``secondary.method: optimal``: per linked table, the complements the mixed-integer model of
   :mod:`yearbook.disclosure.optimal` chooses at the least cost. A table it does not answer in time (or too large
   for it), and every table with ``method: heuristic``, gets a deterministic heuristic to a fixed point:
   whenever an equality relation (boys + girls = total, regions = national total, age groups = their total,
   flows = total) has exactly one hidden figure and that one is suppressed, it could be recomputed
   by subtraction, so one more figure of that relation is hidden: the smallest published figure
   whose value alone gives the protection width the class requires (else the largest one
   available), never the national total while another figure will do, ties broken by key.
   A figure that is hidden joins its other relations, which the fixed point then closes too; this
   is how the linked tables (JUV_OFFENDERS by age x sex x region) are handled.
3. The verifier (:mod:`yearbook.disclosure.verify`) then checks the interval of every hidden figure (one that
   feasible points of its table already show to be protected needs no LP of its own); one that is recoverable or
   narrower than the protection range (:func:`~yearbook.disclosure.verify.required_width`) gets one more
   complement (the best-ranked published figure of its relations, for each failing figure none of whose relations
   got a complement in the round), and 2-3 repeat
   (``secondary.max_rounds``). Such widening complements that turn out unnecessary once every
   figure is protected are published again, latest first, each time re-verified (only their linked
   table, and a run of them at once where that passes: :func:`_publish_unneeded`).
4. A complement the verifier finds exactly determined anyway is published again: hiding it protects
   nothing, and publishing it leaves every other interval unchanged (it is constant on the
   feasible set).
5. DERIVED indicators (``form: derived``; the inputs are the indicator codes of ``formula``) are
   hidden where any input of the same key is hidden -- a rate times its published denominator
   would give the suppressed count. This is generic over the indicator table: a new derived
   indicator needs no code here, only its ``formula``.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yearbook.disclosure.optimal import Answers, LinkedTable, NoAnswer, TableQuestion, choose_complements, kept_answer, linked_tables
from yearbook.disclosure.policy import EQ, DisclosurePolicy, load_policy
from yearbook.disclosure.relations import CellSystem, Relation, build_system, hidden_indicators
from yearbook.disclosure.verify import (
    DERIVED,
    EPS,
    KNOWN,
    MINISTRY,
    PRIMARY,
    SECONDARY,
    SOLVER_THREADS,
    SUPPRESSED,
    IntervalSolver,
    cell_status,
    check_protection,
    derived_of_hidden,
    interval_frame,
    is_protected,
    required_width,
)
from yearbook.model import KEY, NATIONAL

LOG = logging.getLogger(__name__)


class DisclosureError(RuntimeError):
    """Some confidential figures could not be protected; the public store must not be written."""


@dataclass
class DisclosureResult:
    """The public observations and what disclosure control did to them."""

    public: pd.DataFrame  # every hidden figure obs_conf C, value NULL: the code tells a reader nothing of why
    hidden: pd.DataFrame  # for staff: the key of every hidden figure with its reason (ministry, primary, secondary, derived)
    summary: pd.DataFrame  # for staff: per indicator, rows and hidden figures by reason
    # an interval every hidden reported figure is proven to take (verify.INTERVAL_COLUMNS): exact, or the range over
    # feasible points when that already shows it protected (a complement: not determined); verify() gives exact ones
    intervals: pd.DataFrame
    rounds: int
    lp_solved: int
    optimal_seconds: float = 0.0  # spent in the optimal model: what the build's time budget counts
    answers: dict[str, tuple[int, ...]] = field(default_factory=dict)  # the optimal model's, by table (optimal.Answers)


def protect(
    observations: pd.DataFrame, policy: DisclosurePolicy | None = None, strict: bool = True, answers: Answers | None = None
) -> DisclosureResult:
    """The public observations -- small counts of sensitive indicators, the figures that would let a reader recompute
    them, and derived figures of hidden inputs hidden (obs_conf C, value NULL) -- with why each is hidden, a summary,
    the verified intervals and the work done. Raises :class:`DisclosureError` if a confidential figure cannot be
    protected (``strict``). ``answers``: the optimal model's answers kept from an edition before (a linked table met
    again unchanged is not solved again); the result's are those of this protection."""
    policy = policy or load_policy()
    answers = answers or Answers()
    perm = np.lexsort([pd.factorize(observations[c], sort=True)[0] for c in reversed(KEY)])  # in key order, without a copy as text
    work = observations.iloc[perm].reset_index(drop=True).copy()
    conf, ministry, primary = primary_codes(work, policy)
    secondary = _Secondary(work, conf, policy, answers)
    rounds = secondary.run()
    final = secondary.final_intervals()
    why = _reasons(work, conf, ministry, primary, secondary.status, policy)
    hidden_rows = why != None  # noqa: E711 (elementwise)
    work["obs_conf"] = np.where(hidden_rows, "C", "F")
    work.loc[hidden_rows, "value"] = np.nan

    intervals = interval_frame(secondary.system, final, policy, why)
    check = check_protection(intervals)
    if strict and not check.ok:
        raise DisclosureError(check.report(bounds=False))  # the staff's own audit gives the intervals
    public = work.iloc[np.argsort(perm)].set_axis(observations.index)
    hidden = work.loc[hidden_rows, KEY].assign(reason=why[hidden_rows]).reset_index(drop=True)  # in key order
    summary = _summary(work, hidden)
    return DisclosureResult(
        public, hidden, summary, intervals, rounds, secondary.solver.lp_solved, secondary.optimal_seconds, answers.given
    )


def primary_codes(work: pd.DataFrame, policy: DisclosurePolicy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 1: the codes with every small count of a sensitive indicator made C; which figures the ministry withheld
    itself, and which are primary."""
    conf = work["obs_conf"].to_numpy(dtype=object).copy()
    ministry = conf == "C"
    small = policy.small_counts(work["indicator"].to_numpy(dtype=object), work["value"].to_numpy(dtype=float))
    conf[(conf == "F") & small] = "C"
    return conf, ministry, (conf == "C") & ~ministry


class _Secondary:
    """Steps 2-4 on one frame in key order (``conf``: its codes after step 1): the complements chosen, widened until
    every hidden figure is protected, and those found unneeded published again. ``status`` holds the outcome."""

    def __init__(self, work: pd.DataFrame, conf: np.ndarray, policy: DisclosurePolicy, answers: Answers):
        self.policy, self.answers = policy, answers
        self.indicator = work["indicator"].to_numpy(dtype=object)
        marked = work.assign(obs_conf=conf)
        self.system = build_system(work, policy, hidden_indicators(marked, policy))
        _, self.status = cell_status(marked, self.system.n_cells)
        self.values = np.full(self.system.n_cells, np.nan)
        # the figures of the hidden cells too: the suppression chooses by them
        self.values[: len(work)] = work["value"].to_numpy(dtype=float)
        self.solver = IntervalSolver(self.system, self.values)
        self.chooser = _Chooser(self.system, self.values, self.status, policy)
        reported = work["indicator"].map(policy.forms).ne("derived").to_numpy()  # derived figures: step 5
        self.confidential = set(np.flatnonzero(reported & (conf == "C")).tolist())
        self.reported_cells = set(np.flatnonzero(reported).tolist())  # the intervals asked for are of the hidden ones among them
        self.seeds = set(np.flatnonzero(reported & (self.status[: len(work)] == SUPPRESSED)).tolist())
        self.optimal_seconds = 0.0  # spent in the optimal model (run)

    def run(self) -> int:
        """Choose the complements (the optimal model's, else the heuristic's), widen until every hidden figure is
        protected, publish again the widening guesses that turn out unneeded; return the rounds of widening."""
        optimal: set[int] = set()
        if self.policy.method == "optimal":
            started = time.monotonic()
            optimal = _optimal_complements(self.system, self.values, self.status, self.confidential, self.policy, self.answers)
            self.optimal_seconds = time.monotonic() - started
        self.chooser.close(self.seeds - optimal)
        rounds, widened = self._widen()
        if widened and not self.failing():
            self._publish_unneeded_guesses(widened)
        return rounds

    def _widen(self) -> tuple[int, list[int]]:
        """Rounds of one more complement beside failing figures until none fails (or ``max_rounds``): the rounds, and
        the complements added, in order."""
        rounds = 0
        widened: list[int] = []
        while rounds < self.policy.max_rounds:
            rounds += 1
            cells = self.failing()
            if not cells:
                break
            added = self._complements(cells)
            if not added:
                break
            widened += added
            self.chooser.close(set(added))
        return rounds, widened

    def _complements(self, failing: dict[int, float]) -> list[int]:
        """A complement for each failing figure none of whose relations got a complement this round: one complement
        often protects its neighbours too, so in a small table that is one per round, while a district table with
        hundreds of figures is not widened one at a time."""
        complemented: set[int] = set()
        picks: set[int] = set()
        for cell, upper in failing.items():
            if complemented.isdisjoint(self.system.by_cell[cell]) and (pick := self.chooser.widen(cell, upper)) is not None:
                picks.add(pick)
                complemented.update(self.system.by_cell[pick])
        return sorted(picks)

    def _publish_unneeded_guesses(self, widened: list[int]) -> None:
        """Widening guesses; a guess that turned out unnecessary is published again (latest first), table by table."""
        for table_cells, _ in self.solver.components(self.status, around=set(widened)):
            table = set(table_cells)  # publishing a figure splits its table at most; others stay as they are
            guesses = [c for c in reversed(widened) if c in table]

            def passes(table: set[int] = table) -> bool:
                return not self.failing(around=table)

            _publish_unneeded(guesses, self.status, passes)

    def final_intervals(self) -> dict[int, tuple[float, float]]:
        """The proven interval of every hidden reported figure; a complement determined exactly anyway is published
        again instead (step 4)."""
        final = self.solver.proven_intervals(self.status, self.reported_cells, enough=self.wide_enough)
        for cell, (lo, hi) in list(final.items()):
            if cell not in self.confidential and hi - lo < EPS:
                self.status[cell] = KNOWN
                del final[cell]
        return final

    def failing(self, around: set[int] | None = None) -> dict[int, float]:
        """The hidden figures not protected (in the linked tables of ``around``), with the upper bound of each. A
        complement that is determined exactly is not one: it is published again at the end."""
        iv = self.solver.proven_intervals(self.status, self.reported_cells, enough=self.wide_enough, around=around)  # hidden ones only
        return {c: hi for c, (lo, hi) in sorted(iv.items()) if not self.protected(c, lo, hi) and (c in self.confidential or hi - lo >= EPS)}

    def protected(self, cell: int, lo: float, hi: float) -> bool:
        reason = PRIMARY if cell in self.confidential else SECONDARY
        return is_protected(lo, hi, required_width(self.policy, self.indicator[cell], reason, lo, hi))

    def wide_enough(self, cell: int, lo: float, hi: float) -> bool:
        """Protected whatever the exact interval that contains [lo, hi] (the range over feasible points seen so far):
        wide enough for the class's protection range (a narrower complement needs its exact interval)."""
        return is_protected(lo, hi, self.policy.risk_class(self.indicator[cell]).protection.required(hi))


def _reasons(
    work: pd.DataFrame, conf: np.ndarray, ministry: np.ndarray, primary: np.ndarray, status: np.ndarray, policy: DisclosurePolicy
) -> np.ndarray:
    """Why each figure of ``work`` is hidden (ministry, primary, secondary, derived: step 5), None where it is shown."""
    secondary = (status[: len(work)] == SUPPRESSED) & (conf == "F")
    why = np.full(len(work), None, dtype=object)
    why[ministry], why[primary], why[secondary] = MINISTRY, PRIMARY, SECONDARY
    why[derived_of_hidden(work, why != None, policy)] = DERIVED  # noqa: E711 (elementwise)
    return why


def _summary(work: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, its rows and its hidden figures by reason."""
    return (
        pd.crosstab(hidden["indicator"], hidden["reason"])
        .reindex(columns=[MINISTRY, PRIMARY, SECONDARY, DERIVED], fill_value=0)
        .join(work["indicator"].value_counts().rename("rows"), how="left")
        .rename_axis("indicator")
        .reset_index()
    )


def _optimal_complements(
    system: CellSystem, values: np.ndarray, status: np.ndarray, confidential: set[int], policy: DisclosurePolicy, answers: Answers
) -> set[int]:
    """Hide the complements of each linked table with a confidential figure as the optimal model chooses them
    (:mod:`yearbook.disclosure.optimal`), or as ``answers`` kept them for the same table; return the cells of the tables
    it answered (their answers into ``answers.given``). A table without an answer in ``policy.time_limit`` seconds,
    larger than ``policy.optimal_max_cells``, or reached when the build's ``policy.time_budget`` is spent, is left to
    the heuristic (logged): the step's time stays bounded."""
    answered: set[int] = set()
    started = time.monotonic()
    known = status == KNOWN  # the linked tables share no cell: what one answer hides changes no other table
    national = {i for i, k in enumerate(system.keys) if k[1] == NATIONAL}
    totals = np.zeros(system.n_cells)  # per cell, the relations it is the total of
    for rel in system.relations:
        totals[rel.total] += 1
    tables = []
    for table in linked_tables(system, confidential):
        if len(table.cells) <= policy.optimal_max_cells:
            tables.append(table)
        else:
            LOG.info(
                "optimal secondary suppression: the linked table of %s has %d cells; left to the heuristic",
                _describe(system.keys[table.cells[0]]),
                len(table.cells),
            )

    def solve(table: LinkedTable) -> tuple[str, list[int] | str]:
        """The table's digest, and its answer or why it has none."""
        protect = {}
        for c in table.cells:
            if c in confidential:
                rule = policy.risk_class(system.keys[c][0]).protection
                protect[c] = (rule.min_width, rule.min_relative)
        candidates = [c for c in table.cells if known[c]]
        question = TableQuestion(system, table, values, known, protect, _costs(candidates, values, national, totals, policy))
        digest = question.digest(answers.salt)
        if (kept := answers.kept.get(digest)) is not None:
            if (cells := kept_answer(question, kept)) is not None:
                return digest, cells
            LOG.warning(
                "optimal secondary suppression: the answer kept for the linked table of %s is none of its answers (the staff "
                "store changed by hand?); solved again",
                _describe(system.keys[table.cells[0]]),
            )
        left = policy.time_budget - (time.monotonic() - started)
        if left <= 0:
            return digest, f"the build's time for the optimal model is spent ({policy.time_budget:g} s were left to this year)"
        try:
            return digest, choose_complements(question, min(policy.time_limit, left))
        except NoAnswer as why:
            return digest, str(why)

    with ThreadPoolExecutor(SOLVER_THREADS) as pool:  # HiGHS releases the GIL while it solves; the tables share no cell
        found = list(pool.map(solve, tables))
    for table, (digest, answer) in zip(tables, found, strict=True):
        if isinstance(answer, str):
            LOG.warning(
                "optimal secondary suppression: no answer for the linked table of %s: %s; the heuristic's answer is kept",
                _describe(system.keys[table.cells[0]]),
                answer,
            )
            continue
        status[answer] = SUPPRESSED
        answered.update(table.cells)
        position = {c: j for j, c in enumerate(table.cells)}
        answers.given[digest] = tuple(sorted(position[c] for c in answer))
    return answered


def _costs(candidates: list[int], values: np.ndarray, national: set[int], totals: np.ndarray, policy: DisclosurePolicy) -> dict[int, float]:
    """The cost of hiding each candidate: one per figure, more for a total (``total_weight`` per relation it is the
    total of), its value as the tie-break ("cells"); or its value ("value", plus a little per figure so that a zero is
    not free). A national total costs more than all the others together when the policy avoids it."""
    figures = np.array([values[c] if math.isfinite(values[c]) else 0.0 for c in candidates])
    scale = 1.0 + figures.sum()
    weight = 1.0 + policy.total_weight * totals[candidates]
    base = weight + figures / scale if policy.cost == "cells" else figures + 1.0 / len(candidates)
    total = float(base.sum())
    return {c: float(b) + (total if policy.avoid_national_total and c in national else 0.0) for c, b in zip(candidates, base, strict=True)}


def _describe(key: tuple) -> str:
    return f"{key[0]} {key[2]}"


def _publish_unneeded(cells: list[int], status: np.ndarray, passes: Callable[[], bool]) -> None:
    """Publish each of ``cells`` again, in order, unless the check then fails -- with fewer checks than one per cell.

    Protection is monotone in what is hidden: hiding one more figure only frees a variable of the LPs, so no interval
    shrinks (and the required width grows more slowly than the interval's upper bound). So when a whole run of cells can
    be published at once, publishing them one at a time would succeed at every step too, and the outcome is that of the
    one-at-a-time procedure, whatever the runs; a run that fails is halved."""
    if not cells:
        return
    status[cells] = KNOWN
    if passes():
        return
    status[cells] = SUPPRESSED
    if len(cells) > 1:
        half = len(cells) // 2
        _publish_unneeded(cells[:half], status, passes)
        _publish_unneeded(cells[half:], status, passes)


class _Chooser:
    """Picks complementary cells: the fixed point over single-hidden equalities, and widening."""

    def __init__(self, system: CellSystem, values: np.ndarray, status: np.ndarray, policy: DisclosurePolicy):
        self.system, self.values, self.status, self.policy = system, values, status, policy
        self.national = np.array([k[1] == NATIONAL for k in system.keys])

    def _rank(self, cell: int, needed: float) -> tuple:
        v = self.values[cell]
        enough = v >= needed
        return (bool(self.policy.avoid_national_total and self.national[cell]), not enough, v if enough else -v, self.system.keys[cell])

    def _pick(self, r_id: int, protecting: int) -> int | None:
        rel = self.system.relations[r_id]
        needed = self.policy.risk_class(self.system.keys[protecting][0]).protection.min_width
        candidates = [m for m in rel.members if self.status[m] == KNOWN]
        return min(candidates, key=lambda m: self._rank(m, needed)) if candidates else None

    def _hide(self, cell: int, queue: deque) -> None:
        self.status[cell] = SUPPRESSED
        queue.extend(r for r in self.system.by_cell[cell] if self.system.relations[r].kind == EQ)

    def close(self, seeds: set[int]) -> None:
        """Until no equality relation has exactly one hidden figure that is suppressed."""
        queue: deque[int] = deque(sorted({r for c in seeds for r in self.system.by_cell[c] if self.system.relations[r].kind == EQ}))
        while queue:
            r_id = queue.popleft()
            hidden = [m for m in self.system.relations[r_id].members if self.status[m] != KNOWN]
            if len(hidden) == 1 and self.status[hidden[0]] == SUPPRESSED:
                pick = self._pick(r_id, hidden[0])
                if pick is not None:
                    self._hide(pick, queue)

    def widen(self, cell: int, upper: float) -> int | None:
        """Hide one more figure beside ``cell``: the best-ranked published figure of any of its relations (first those
        that bind the cell's upper bound ``upper``, then equalities before inequalities, then the relation with the
        fewest hidden figures)."""
        needed = self.policy.risk_class(self.system.keys[cell][0]).protection.min_width
        best: tuple | None = None
        for r_id in self.system.by_cell[cell]:
            rel = self.system.relations[r_id]
            hidden = sum(self.status[m] != KNOWN for m in rel.members)
            loose = not self._binds(rel, cell, upper)
            for m in rel.members:
                if self.status[m] == KNOWN:
                    rank = (*self._rank(m, needed)[:2], loose, rel.kind != EQ, hidden, *self._rank(m, needed)[2:], r_id)
                    if best is None or rank < best[0]:
                        best = (rank, m)
        if best is None:
            return None
        self.status[best[1]] = SUPPRESSED
        return best[1]

    def _binds(self, rel: Relation, cell: int, upper: float) -> bool:
        """``cell`` is a part of ``rel``, whose published total less its published other parts is ``upper``: hiding
        one of those figures is what can lift the bound (an "of whom" relation that holds with equality, say)."""
        if cell not in rel.parts or self.status[rel.total] != KNOWN:
            return False
        room = self.values[rel.total] - sum(self.values[p] for p in rel.parts if p != cell and self.status[p] == KNOWN)
        return room <= upper + EPS
