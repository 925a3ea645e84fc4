"""Declarative form specs (``schemas/forms/*.yaml``) and the header columns they define.

A spec says how a form's sheets are recognised, which labels head its columns (or which
code list they come from), what its rows are, and which published indicator and
dimension codes each column yields. Renaming a column or adding a label variant is an
edit of the YAML file, never of Python.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from yearbook.codelists import CodeLists, load_codelists
from yearbook.config import load_yaml, schemas_dir
from yearbook.labels import normalize_label

DIMENSIONS = ("sex", "age", "area", "flow", "crime_type", "wealth_quintile")


@dataclass(frozen=True)
class Leaf:
    """One data column a sheet must (or may) have, with what it yields."""

    top: frozenset[str]  # normalised labels of the upper header cell; empty: none
    sub: frozenset[str] | None  # normalised labels of the lower header cell; None: no lower cell
    indicator: str | None
    dims: tuple[tuple[str, str], ...]
    required: bool
    check_only: bool
    title: str  # how the column is named in messages

    def matches(self, path: tuple[str, ...]) -> bool:
        if self.top and self.sub is not None:
            return len(path) == 2 and path[0] in self.top and path[1] in self.sub
        if self.top:
            return len(path) == 1 and path[0] in self.top
        return self.sub is not None and len(path) == 1 and path[0] in self.sub


@dataclass(frozen=True)
class RowSpec:
    """What the row labels of a sheet are: regions, a dimension's codes, or indicators."""

    kind: str  # region | dimension | indicator
    dimension: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # normalised label -> code


@dataclass(frozen=True)
class SheetSpec:
    role: str
    description: str
    title_words: tuple[str, ...]
    rows: RowSpec
    leaves: tuple[Leaf, ...]
    header: bool
    ref_area: str | None
    region_from_title: bool
    required: bool

    def indicators(self) -> set[str]:
        found = {leaf.indicator for leaf in self.leaves if leaf.indicator and not leaf.check_only}
        if self.rows.kind == "indicator":
            found |= set(self.rows.labels.values())
        return found


@dataclass(frozen=True)
class FormSpec:
    code: str
    name: str
    ministry: str
    decimal_comma: bool
    year_pattern: str | None
    survey_year: bool
    sheets: tuple[SheetSpec, ...]
    path: Path

    def indicators(self) -> set[str]:
        return set().union(*(s.indicators() for s in self.sheets))


def _axis_labels(lists: CodeLists, axis: dict) -> list[tuple[str, frozenset[str]]]:
    """(code, its normalised labels) for a code-list axis ``{dimension, codes, total}``."""
    by_code: dict[str, set[str]] = {code: set() for code in axis["codes"]}
    for label, code in lists.codes_for(axis["dimension"], axis["codes"]).items():
        by_code[code].add(label)
    if axis.get("total"):
        by_code[axis["total"]] |= set(lists.codes_for("total"))
    for extra_code, labels in (axis.get("labels") or {}).items():
        by_code.setdefault(extra_code, set()).update(normalize_label(x) for x in labels)
    return [(code, frozenset(labels)) for code, labels in by_code.items()]


def _leaves(lists: CodeLists, col: dict) -> list[Leaf]:
    base_dims = dict(col.get("set") or {})
    required = col.get("required", True)
    check_only = col.get("check_only", False)
    if "group" in col:
        tops = [({col["group"]["dimension"]: code}, labels, code) for code, labels in _axis_labels(lists, col["group"])]
    elif "labels" in col:
        tops = [({}, frozenset(normalize_label(x) for x in col["labels"]), col["labels"][0])]
    else:
        tops = [({}, frozenset(), "")]
    if "split" in col:
        subs = [({col["split"]["dimension"]: code}, labels, None, code) for code, labels in _axis_labels(lists, col["split"])]
    elif "subcolumns" in col:
        subs = [
            (dict(sc.get("set") or {}), frozenset(normalize_label(x) for x in sc["labels"]), sc.get("indicator"), sc["labels"][0])
            for sc in col["subcolumns"]
        ]
    else:
        subs = [({}, None, None, "")]
    leaves = []
    for (top_dims, top_labels, top_name), (sub_dims, sub_labels, sub_indicator, sub_name) in itertools.product(tops, subs):
        dims = {**base_dims, **top_dims, **sub_dims}
        unknown = set(dims) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimension(s) {sorted(unknown)} in column {col}")
        title = " / ".join(x for x in (top_name, sub_name) if x)
        leaves.append(
            Leaf(top_labels, sub_labels, sub_indicator or col.get("indicator"), tuple(sorted(dims.items())), required, check_only, title)
        )
    return leaves


def _rows(lists: CodeLists, rows: object) -> RowSpec:
    if rows == "region":
        return RowSpec("region")
    if isinstance(rows, dict) and "indicators" in rows:
        labels = {normalize_label(label): code for code, variants in rows["indicators"].items() for label in variants}
        return RowSpec("indicator", labels=labels)
    if isinstance(rows, dict) and "dimension" in rows:
        labels = {label: code for code, variants in _axis_labels(lists, rows) for label in variants}
        return RowSpec("dimension", rows["dimension"], labels)
    raise ValueError(f"rows must be 'region', {{dimension: ...}} or {{indicators: ...}}, not {rows!r}")


def _sheet(lists: CodeLists, raw: dict) -> SheetSpec:
    leaves = tuple(leaf for col in raw.get("columns", []) for leaf in _leaves(lists, col))
    return SheetSpec(
        role=raw["role"],
        description=raw.get("description", raw["role"]),
        title_words=tuple(normalize_label(w) for w in raw.get("title_words", [])),
        rows=_rows(lists, raw["rows"]),
        leaves=leaves,
        header=raw.get("header", True),
        ref_area=raw.get("ref_area"),
        region_from_title=raw.get("region_from_title", False),
        required=raw.get("required", True),
    )


def load_form(path: Path, lists: CodeLists | None = None) -> FormSpec:
    lists = lists or load_codelists()
    raw = load_yaml(path)
    return FormSpec(
        code=raw["form"],
        name=raw["name"],
        ministry=raw["ministry"],
        decimal_comma=raw["decimal_comma"],
        year_pattern=raw.get("year_pattern"),
        survey_year=raw.get("survey_year", False),
        sheets=tuple(_sheet(lists, s) for s in raw["sheets"]),
        path=path,
    )


@lru_cache(maxsize=4)
def _load_all(folder: str) -> dict[str, FormSpec]:
    lists = load_codelists()
    specs = [load_form(p, lists) for p in sorted(Path(folder).glob("*.yaml"))]
    return {s.code: s for s in specs}


def load_forms(folder: Path | None = None) -> dict[str, FormSpec]:
    """Every form spec, keyed by form code."""
    return _load_all(str(folder or schemas_dir() / "forms"))
