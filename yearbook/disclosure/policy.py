"""The disclosure-control policy of ``schemas/disclosure.yaml``, with the table structure it protects.

The additive structure (boys + girls = total, regions = national total, age groups, flows, the
"of which" crime types) is not declared again: it is the ``sum`` and ``le`` rules of
``schemas/rules.yaml`` that validation already checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from yearbook.codelists import CodeLists, load_codelists
from yearbook.config import load_yaml, schemas_dir
from yearbook.model import derived_formulas
from yearbook.validation.rules import Case, load_rules

COUNT_UNITS = ("PS", "NUM")
EQ, LE = "eq", "le"  # total = sum of parts; sum of parts <= total


@dataclass(frozen=True)
class Protection:
    """How wide the interval of a hidden confidential figure must stay: ``upper - lower >= max(min_width, min_relative * upper)``."""

    min_width: float
    min_relative: float = 0.0

    def required(self, upper: float) -> float:
        return max(self.min_width, self.min_relative * upper) if upper != float("inf") else self.min_width


@dataclass(frozen=True)
class RiskClass:
    """A threshold rule: figures with ``0 < value < threshold`` (and zeros unless ``zeros_safe``) are confidential."""

    name: str
    threshold: float
    zeros_safe: bool
    protection: Protection
    description: str = ""

    def small(self, values: np.ndarray) -> np.ndarray:
        """Which of ``values`` the rule hides: ``0 < value < threshold``, zeros too unless ``zeros_safe`` (NaN: none)."""
        if self.threshold <= 0:
            return np.zeros(len(values), dtype=bool)
        return ((values > 0) & (values < self.threshold)) | ((values == 0) & (not self.zeros_safe))


@dataclass(frozen=True)
class RelationSpec:
    """One case of a ``sum`` (``eq``) or ``le`` rule: a total and its parts along one axis."""

    kind: str
    rule: str
    case: Case


@dataclass(frozen=True)
class DisclosurePolicy:
    """Everything disclosure control needs: risk classes, relations and indicator metadata."""

    classes: dict[str, RiskClass]
    indicators: dict[str, str]  # sensitive indicator -> class name
    relations: tuple[RelationSpec, ...]
    units: dict[str, str]  # indicator -> unit
    forms: dict[str, str]  # indicator -> form code or 'derived'
    # derived indicator -> its inputs, each with the coordinates it is read at (Formula.reads)
    derived_reads: dict[str, tuple[tuple[str, dict[str, str]], ...]]
    lists: CodeLists = field(repr=False)
    avoid_national_total: bool = True
    max_rounds: int = 200
    method: str = "optimal"  # secondary suppression: "optimal" (yearbook.disclosure.optimal) or "heuristic"
    cost: str = "cells"  # what the optimal method minimises: "cells" (ties broken by value) or "value"
    total_weight: float = 0.0  # hiding a figure costs 1 + total_weight x the relations it is the total of
    time_limit: float = 10.0  # seconds per linked table for the optimal method; then the heuristic's answer is kept
    optimal_max_cells: int = 1000  # a larger linked table is left to the heuristic (a district table: thousands of cells)
    time_budget: float = 60.0  # seconds for the optimal method in one build; the tables left then get the heuristic

    @property
    def sensitive(self) -> set[str]:
        return set(self.indicators)

    def risk_class(self, indicator: str) -> RiskClass:
        """The class of a sensitive indicator; ``default`` for any other."""
        return self.classes[self.indicators.get(indicator, "default")]

    def small_counts(self, indicator: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Which figures (their indicator codes and values, aligned) the policy hides as small counts."""
        small = np.zeros(len(value), dtype=bool)
        for code, cls_name in self.indicators.items():
            small |= (indicator == code) & self.classes[cls_name].small(value)
        return small


def load_policy(path: Path | None = None, rules_path: Path | None = None) -> DisclosurePolicy:
    """Read ``schemas/disclosure.yaml`` (or ``path``) with the relations of ``schemas/rules.yaml`` and the indicator table."""
    raw = load_yaml(path or schemas_dir() / "disclosure.yaml")
    indicators_meta = load_yaml(schemas_dir() / "indicators.yaml")
    classes = {}
    for name, c in raw["classes"].items():
        prot = c.get("protection") or {}
        classes[name] = RiskClass(
            name=name,
            threshold=float(c.get("threshold", 0)),
            zeros_safe=bool(c.get("zeros_safe", True)),
            protection=Protection(float(prot.get("min_width", 1)), float(prot.get("min_relative", 0.0))),
            description=c.get("description", ""),
        )
    classes.setdefault("default", RiskClass("default", 0.0, True, Protection(1.0)))
    sensitive = {str(k): str(v) for k, v in (raw.get("indicators") or {}).items()}
    for code, cls in sensitive.items():
        if cls not in classes:
            raise ValueError(f"disclosure policy: indicator {code} has unknown class {cls!r}")
        meta = indicators_meta.get(code)
        if meta is None:
            raise ValueError(f"disclosure policy: {code} is not an indicator of indicators.yaml")
        if meta["form"] == "derived" or meta["unit"] not in COUNT_UNITS:
            raise ValueError(f"disclosure policy: {code} is not a reported count; derived figures are hidden through their inputs")
    rules = load_rules(rules_path)
    excluded = set((raw.get("relations") or {}).get("exclude_rules") or [])
    relations = tuple(
        RelationSpec(EQ if rule.kind == "sum" else LE, rule.id, case)
        for rule in rules.rules.values()
        if rule.kind in ("sum", "le") and rule.id not in excluded
        for case in rule.cases
    )
    secondary = raw.get("secondary") or {}
    return DisclosurePolicy(
        classes=classes,
        indicators=sensitive,
        relations=relations,
        units={code: meta["unit"] for code, meta in indicators_meta.items()} | dict(rules.units),
        forms={code: meta["form"] for code, meta in indicators_meta.items()},
        derived_reads={code: formula.reads for code, formula in derived_formulas().items()},
        lists=load_codelists(),
        avoid_national_total=bool(secondary.get("avoid_national_total", True)),
        max_rounds=int(secondary.get("max_rounds", 200)),
        method=_one_of(secondary.get("method", "optimal"), METHODS, "secondary.method"),
        cost=_one_of(secondary.get("cost", "cells"), COSTS, "secondary.cost"),
        time_limit=float(secondary.get("time_limit_seconds", 10.0)),
        total_weight=float(secondary.get("total_weight", 0.0)),
        optimal_max_cells=int(secondary.get("optimal_max_cells", 1000)),
        time_budget=float(secondary.get("time_budget_seconds", 60.0)),
    )


METHODS = ("optimal", "heuristic")
COSTS = ("cells", "value")


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"disclosure policy: {name} is {value!r}; expected one of {', '.join(allowed)}")
    return value
