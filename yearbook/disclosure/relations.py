"""The additive structure of the observations as a system of linear relations between cells.

A *cell* is one key of ``observations``: the rows of the frame (ids ``0 .. n_rows-1``, in frame
order) and, beyond them, *absent* cells -- a part a relation needs that has no row (e.g. a region
missing from a year's table). An absent cell is as unknown to a reader as a missing one, so it is
a free variable of the system, shared by every relation that names it (dropping the relation
instead would make the reader weaker than they are).

A *relation* is one case of a ``sum`` rule (``total = parts``) or an ``le`` rule
(``parts <= total``) of ``schemas/rules.yaml`` instantiated for one total cell. A group whose
parts are all absent is not broken down and yields no relation (as in validation). Derived
indicators take no part: they are not sums of reported cells, and MIG_NET may be negative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yearbook.disclosure.policy import DisclosurePolicy
from yearbook.model import KEY


@dataclass(frozen=True)
class Relation:
    """``kind`` eq: value(total) = sum(value(parts)); le: sum(value(parts)) <= value(total)."""

    kind: str
    rule: str
    total: int
    parts: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


@dataclass
class CellSystem:
    """Cells (frame rows, then absent cells) and the relations between them."""

    keys: list[tuple]
    n_rows: int
    relations: list[Relation]
    by_cell: list[list[int]] = field(default_factory=list)  # cell id -> indices of its relations

    @property
    def n_cells(self) -> int:
        return len(self.keys)

    def key(self, cell: int) -> dict:
        return dict(zip(KEY, self.keys[cell], strict=True))


def linked_indicators(policy: DisclosurePolicy, seeds: set[str]) -> set[str]:
    """``seeds`` and every indicator tied to them by a relation across indicators (NPC_* "of whom", migration balance)."""
    out = set(seeds)
    changed = True
    while changed:
        changed = False
        for spec in policy.relations:
            members = {spec.case.total, *spec.case.parts} if spec.case.axis == "indicator" else set()
            if members & out and not members <= out:
                out |= members
                changed = True
    return out


def hidden_indicators(frame: pd.DataFrame, policy: DisclosurePolicy) -> set[str]:
    """The indicators whose tables need solving: those with a hidden figure, and those linked to them."""
    return linked_indicators(policy, set(frame.loc[frame["obs_conf"] != "F", "indicator"].unique()))


def build_system(frame: pd.DataFrame, policy: DisclosurePolicy, indicators: set[str] | None = None) -> CellSystem:
    """Instantiate the relations of ``policy`` on ``frame`` (positional rows, KEY columns).

    ``indicators``: only the relations of these (closed under :func:`linked_indicators`, so that hiding a
    figure never reaches a table without its relations); default every indicator.
    """
    keys: list[tuple] = list(zip(*(_shared_values(frame[c]) for c in KEY), strict=True))
    index = {k: i for i, k in enumerate(keys)}
    n_rows = len(keys)
    relations: list[Relation] = []
    indicator = frame["indicator"]
    form = indicator.map(policy.forms)
    unit = indicator.map(policy.units)
    reported = form.ne("derived").to_numpy().copy()
    if indicators is not None:
        reported &= indicator.isin(linked_indicators(policy, indicators)).to_numpy()

    def cell_id(key: tuple) -> int:
        found = index.get(key)
        if found is None:
            found = index[key] = len(keys)
            keys.append(key)
        return found

    for spec in policy.relations:
        case = spec.case
        pos = KEY.index(case.axis)
        mask = reported & frame[case.axis].eq(case.total).to_numpy()
        if case.indicators is not None:
            mask &= indicator.isin(case.indicators).to_numpy()
        if case.forms is not None:
            mask &= form.isin(case.forms).to_numpy()
        if case.units is not None:
            mask &= unit.isin(case.units).to_numpy()
        for column, code in case.where:
            mask &= frame[column].eq(code).to_numpy()
        if not mask.any():
            continue
        parts_of_year: dict[int, list[str]] = {}
        for i in np.flatnonzero(mask):
            key = keys[i]
            year = int(key[2])
            if year not in parts_of_year:
                parts_of_year[year] = case.part_codes(year, policy.lists)
            part_keys = [key[:pos] + (code,) + key[pos + 1 :] for code in parts_of_year[year]]
            if all(index.get(pk, n_rows) >= n_rows for pk in part_keys):
                continue  # not broken down
            relations.append(Relation(spec.kind, spec.rule, int(i), tuple(cell_id(pk) for pk in part_keys)))
    by_cell: list[list[int]] = [[] for _ in keys]
    for r_id, rel in enumerate(relations):
        for member in rel.members:
            by_cell[member].append(r_id)
    return CellSystem(keys, n_rows, relations, by_cell)


def _shared_values(column: pd.Series) -> list:
    """The column's values as Python objects, one object per distinct value: a million keys hold a few thousand strings,
    not nine million copies (``tolist`` of a text column makes a new string per row)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return np.asarray(uniques, dtype=object)[codes].tolist()


def linked_cells(system: CellSystem, start: int, include: Callable[[int], bool], seen: set[int]) -> tuple[list[int], list[int]]:
    """The cells reachable from ``start`` through the relations, passing only through cells ``include`` accepts (each
    added to ``seen``), sorted; and the relations walked, sorted: a linked table."""
    seen.add(start)
    cells, rel_ids, stack = [start], set(), [start]
    while stack:
        for r_id in system.by_cell[stack.pop()]:
            if r_id in rel_ids:
                continue
            rel_ids.add(r_id)
            for m in system.relations[r_id].members:
                if m not in seen and include(m):
                    seen.add(m)
                    cells.append(m)
                    stack.append(m)
    return sorted(cells), sorted(rel_ids)
