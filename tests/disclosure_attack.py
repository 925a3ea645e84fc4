"""An attack on a published store, written apart from the project's verifier (yearbook.disclosure.verify).

The attacker knows what anyone can know: the published ``observations``, the tables' additive structure (the sum
and "of which" rules of ``schemas/rules.yaml``, which the yearbook's layout shows), that counts are whole and
non-negative, and the disclosure policy (``schemas/disclosure.yaml``: thresholds and protection ranges), whose
thresholds the published figures confirm (no published count of a sensitive indicator lies in 1 .. threshold-1).
What a code implies joins the model: where a store tells a small count (C) from a complement (D), C lies in
1 .. t-1 and D is 0 or at least t (a binary variable per D figure); where it shows one code, nothing.

For every hidden figure the attacker solves its minimum and maximum over whole numbers (one mixed-integer program
each, scipy's HiGHS interface, the linked table of hidden cells only) and reports the figures recovered exactly and
those whose range may hold a small count yet is narrower than the protection range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from yearbook.disclosure import DisclosurePolicy
from yearbook.disclosure.relations import build_system
from yearbook.model import KEY


@dataclass
class AttackResult:
    intervals: pd.DataFrame  # KEY, obs_conf, lower, upper (whole-number bounds of each hidden reported figure)
    recovered: pd.DataFrame  # figures with exactly one whole number left
    below_rule: pd.DataFrame  # figures whose range reaches into 1 .. t-1 and is narrower than the protection range
    thresholds_read: dict[str, float]  # per sensitive indicator, the smallest positive published count


def published_observations(store: Path) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT * FROM observations").df()


def attack(observations: pd.DataFrame, policy: DisclosurePolicy) -> AttackResult:
    frame = observations.reset_index(drop=True)
    system = build_system(frame, policy)  # the additive structure: which cells add up to which
    n = system.n_cells
    conf = np.full(n, "", dtype=object)
    conf[: len(frame)] = frame["obs_conf"].to_numpy()
    value = np.full(n, np.nan)
    value[: len(frame)] = frame["value"].to_numpy(dtype=float)
    known = ~np.isnan(value)
    two_codes = bool((conf == "D").any())
    reported = np.zeros(n, dtype=bool)
    reported[: len(frame)] = frame["indicator"].map(policy.forms).ne("derived").to_numpy()
    targets = [c for c in range(len(frame)) if reported[c] and conf[c] in ("C", "D")]

    tables, rel_of = _linked_tables(system, known)
    lower, upper = _ranges_of_targets(tables, rel_of, targets, value, conf, system, policy, two_codes)
    return _result(frame, targets, conf, system, policy, lower, upper)


def _linked_tables(system, known: np.ndarray) -> tuple[dict[int, list[int]], dict[int, list]]:
    """Linked tables: cells not published, joined by a relation they share; each table's cells and relations, by its root."""
    parent = list(range(system.n_cells))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rel in system.relations:
        free = [m for m in (rel.total, *rel.parts) if not known[m]]
        for m in free[1:]:
            parent[find(m)] = find(free[0])
    tables: dict[int, list[int]] = {}
    for c in range(system.n_cells):
        if not known[c]:
            tables.setdefault(find(c), []).append(c)
    rel_of: dict[int, list] = {}
    for rel in system.relations:
        free = [m for m in (rel.total, *rel.parts) if not known[m]]
        if free:
            rel_of.setdefault(find(free[0]), []).append(rel)
    return tables, rel_of


def _ranges_of_targets(
    tables, rel_of, targets: list[int], value, conf, system, policy: DisclosurePolicy, two_codes: bool
) -> tuple[dict[int, float], dict[int, float]]:
    """Each hidden reported figure's minimum and maximum over whole numbers, one model per linked table that holds one."""
    lower: dict[int, float] = {}
    upper: dict[int, float] = {}
    for root, cells in tables.items():
        wanted = [c for c in cells if c in set(targets)]
        if not wanted:
            continue
        model = _TableModel(cells, rel_of.get(root, []), value, conf, system, policy, two_codes, small_c=two_codes)
        if two_codes and not model.feasible():  # a C figure the ministry withheld is no small count: the attacker sees that
            model = _TableModel(cells, rel_of.get(root, []), value, conf, system, policy, two_codes, small_c=False)
        for c in wanted:
            lower[c], upper[c] = model.range_of(c)
    return lower, upper


def _result(frame: pd.DataFrame, targets: list[int], conf, system, policy: DisclosurePolicy, lower, upper) -> AttackResult:
    """The ranges as a frame, those recovered exactly, those below the protection rule, and the thresholds read off the published counts."""
    rows = []
    for c in targets:
        key = system.key(c)
        rows.append(key | {"obs_conf": conf[c], "lower": lower[c], "upper": upper[c]})
    iv = pd.DataFrame(rows, columns=[*KEY, "obs_conf", "lower", "upper"])
    recovered = iv[iv["upper"] - iv["lower"] < 0.5]
    t = iv["indicator"].map(lambda code: policy.risk_class(code).threshold)
    need = [policy.risk_class(r.indicator).protection.required(r.upper) if math.isfinite(r.upper) else 0.0 for r in iv.itertuples()]
    may_be_small = (iv["lower"] < t) & (iv["upper"] >= 1) & (t > 0)
    below = iv[may_be_small & (iv["upper"] - iv["lower"] < pd.Series(need, index=iv.index) - 1e-6)]
    shown = frame[frame["obs_conf"].eq("F") & frame["value"].gt(0) & frame["indicator"].isin(policy.sensitive)]
    read = shown.groupby("indicator")["value"].min().to_dict()
    return AttackResult(iv, recovered.reset_index(drop=True), below.reset_index(drop=True), read)


class _TableModel:
    """One linked table as a mixed-integer program: a column per unpublished cell (whole, >= 0, with the bounds its code
    implies), plus a binary per D figure of a two-code store (0, or at least the threshold)."""

    def __init__(self, cells, relations, value, conf, system, policy: DisclosurePolicy, two_codes: bool, small_c: bool):
        self.col = {c: j for j, c in enumerate(cells)}
        lo = np.zeros(len(cells))
        hi = np.full(len(cells), np.inf)
        rows, cols, coefs, rlo, rhi = [], [], [], [], []
        extra = 0
        for i, rel in enumerate(relations):
            rhs = 0.0
            for member, coef in [(rel.total, -1.0), *[(p, 1.0) for p in rel.parts]]:
                if member in self.col:
                    rows.append(i)
                    cols.append(self.col[member])
                    coefs.append(coef)
                else:
                    rhs -= coef * value[member]
            rlo.append(-np.inf if rel.kind == "le" else rhs)
            rhi.append(rhs)
        n_rows = len(relations)
        known = [value[m] for rel in relations for m in (rel.total, *rel.parts) if m not in self.col]
        big = (1.0 + max(known, default=0.0)) * (len(cells) + 1)  # no hidden cell exceeds it: a bound, not a guess
        if two_codes:
            for c, j in self.col.items():
                cls = policy.risk_class(system.keys[c][0])
                if cls.threshold <= 0:
                    continue
                t = math.ceil(cls.threshold)
                if conf[c] == "C" and small_c:
                    lo[j], hi[j] = (1.0 if cls.zeros_safe else 0.0), t - 1.0
                elif conf[c] == "D":  # x <= big * b, x >= t * b: 0 when b = 0, at least t when b = 1
                    b = len(cells) + extra
                    extra += 1
                    rows += [n_rows, n_rows, n_rows + 1, n_rows + 1]
                    cols += [j, b, j, b]
                    coefs += [1.0, -big, 1.0, -t]
                    rlo += [-np.inf, 0.0]
                    rhi += [0.0, np.inf]
                    n_rows += 2
        width = len(cells) + extra
        self.lo = np.concatenate([lo, np.zeros(extra)])
        self.hi = np.concatenate([hi, np.ones(extra)])
        self.constraint = (
            LinearConstraint(coo_array((coefs, (rows, cols)), shape=(n_rows, width)), np.array(rlo), np.array(rhi)) if n_rows else None
        )
        self.width = width

    def feasible(self) -> bool:
        return self._run(np.zeros(self.width)).status != 2

    def _solve(self, c: np.ndarray) -> float:
        res = self._run(c)
        if res.status == 3:
            return -np.inf
        assert res.status == 0, res.message  # the published figures are consistent: the true values are a solution
        return float(res.fun)

    def _run(self, c: np.ndarray):
        return milp(
            c,
            integrality=np.ones(self.width),
            bounds=Bounds(self.lo, self.hi),
            constraints=[self.constraint] if self.constraint is not None else [],
        )

    def range_of(self, cell: int) -> tuple[float, float]:
        c = np.zeros(self.width)
        c[self.col[cell]] = 1.0
        low = self._solve(c)
        high = -self._solve(-c)
        return low, high
