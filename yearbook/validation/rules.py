"""The consistency rules of FORMS.md, evaluated on the figures table.

The rules are data (``schemas/rules.yaml``): each has an id, a severity, a message
template and, for the additive rules, one or more *cases* — a total and its parts along
one axis of the figures table (sex, area, age, flow, crime type, region or indicator).
Two generic kinds cover almost all of FORMS.md:

* ``sum``: the total equals the sum of its parts (boys + girls = total, ...);
* ``le``: the sum of the parts is at most the total ("of which" columns).

What cannot be said as a sum is a small named function (``coverage_agrees``: the
ministry's own coverage percentage agrees with its counts).

Confidential and missing figures: a case where a part or the total is confidential,
missing or absent cannot be checked exactly. It is counted as *not checkable* (in the
summary, not as a problem) — unless the known parts already exceed a known total, which
is a break whatever the unknown figures are (counts are never negative).

Every failure is a :class:`~yearbook.problems.Problem` located at the total's cell, with
the cells and values involved in ``values`` (``C7=5018 + D7=4837 ≠ B7=9854``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from yearbook.codelists import CodeLists
from yearbook.config import load_yaml, schemas_dir
from yearbook.model import DIMENSIONS, KEY, TOTAL
from yearbook.problems import ERROR, WARNING, Problem

AXES = {"indicator", "ref_area", *DIMENSIONS}
KINDS = {"schema", "sum", "le", "function"}
SEVERITIES = {ERROR, WARNING}
REGIONS = "regions"  # the parts of a case: every region valid in the figure's year
_FIELDS = ["value", "source_cell", "source_sheet", "raw", "obs_status", "obs_conf", "form", "received_year", "area_label"]


# ---------------------------------------------------------------------------- the rule file


@dataclass(frozen=True)
class Case:
    """A total and its parts along one axis of the figures table."""

    axis: str
    total: str
    parts: tuple[str, ...] | str  # codes, or REGIONS
    indicators: tuple[str, ...] | None = None
    forms: tuple[str, ...] | None = None
    units: tuple[str, ...] | None = None
    where: tuple[tuple[str, str], ...] = ()
    parts_label: str | None = None
    total_label: str | None = None

    def part_codes(self, year: int, lists: CodeLists) -> list[str]:
        return list(lists.regions_valid_in(year)) if self.parts == REGIONS else list(self.parts)


@dataclass(frozen=True)
class Rule:
    """One rule of ``schemas/rules.yaml``."""

    id: str
    kind: str
    severity: str
    message: str
    message_partial: str | None = None
    params: Mapping = field(default_factory=dict)
    cases: tuple[Case, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Every rule, in file order, and the unit of every indicator (published or check-only)."""

    rules: dict[str, Rule]
    units: dict[str, str]
    names: dict[str, str]  # indicator -> English name, for messages

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.kind == kind]


def _tuple(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (str(value),)


def _case(rule_id: str, raw: dict) -> Case:
    unknown = set(raw) - {"axis", "total", "parts", "indicators", "forms", "units", "where", "parts_label", "total_label"}
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown case key(s) {sorted(unknown)}")
    if raw.get("axis") not in AXES:
        raise ValueError(f"rule {rule_id}: axis must be one of {sorted(AXES)}, not {raw.get('axis')!r}")
    parts = raw["parts"]
    if parts != REGIONS and not (isinstance(parts, list) and parts):
        raise ValueError(f"rule {rule_id}: parts must be a list of codes or {REGIONS!r}")
    where = raw.get("where") or {}
    if set(where) - set(KEY):
        raise ValueError(f"rule {rule_id}: 'where' names unknown column(s) {sorted(set(where) - set(KEY))}")
    return Case(
        axis=raw["axis"],
        total=str(raw["total"]),
        parts=REGIONS if parts == REGIONS else tuple(str(p) for p in parts),
        indicators=_tuple(raw.get("indicators")),
        forms=_tuple(raw.get("forms")),
        units=_tuple(raw.get("units")),
        where=tuple(sorted((k, str(v)) for k, v in where.items())),
        parts_label=raw.get("parts_label"),
        total_label=raw.get("total_label"),
    )


def _rule(raw: dict) -> Rule:
    rule_id = raw.get("id")
    if not rule_id:
        raise ValueError(f"a rule without an id: {raw}")
    if raw.get("kind") not in KINDS:
        raise ValueError(f"rule {rule_id}: kind must be one of {sorted(KINDS)}, not {raw.get('kind')!r}")
    if raw.get("severity") not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: severity must be one of {sorted(SEVERITIES)}, not {raw.get('severity')!r}")
    cases = tuple(_case(rule_id, c) for c in raw.get("cases") or [])
    if raw["kind"] in ("sum", "le") and not cases:
        raise ValueError(f"rule {rule_id}: a {raw['kind']} rule needs cases")
    if raw["kind"] == "function" and rule_id not in FUNCTIONS:
        raise ValueError(f"rule {rule_id}: no function of that name in yearbook/validation/rules.py")
    return Rule(rule_id, raw["kind"], raw["severity"], raw["message"], raw.get("message_partial"), dict(raw.get("params") or {}), cases)


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules of ``schemas/rules.yaml`` and the indicator units of ``schemas/indicators.yaml``."""
    return rules_in(str(path or schemas_dir() / "rules.yaml"), str(schemas_dir() / "indicators.yaml"))


@lru_cache(maxsize=4)
def rules_in(path: str, indicators_path: str) -> RuleSet:
    """The rules of a file, with the indicators' units (kept per process: yearbook.read_cache.load_specs_again forgets them)."""
    raw = load_yaml(path)
    indicators = load_yaml(indicators_path)
    units = {code: meta["unit"] for code, meta in indicators.items()}
    units.update(raw.get("units") or {})
    names = {code: meta["name"]["en"] for code, meta in indicators.items()}
    rules: dict[str, Rule] = {}
    for entry in raw["rules"]:
        rule = _rule(entry)
        if rule.id in rules:
            raise ValueError(f"rule {rule.id} is defined twice in {path}")
        rules[rule.id] = rule
    return RuleSet(rules, units, names)


# ---------------------------------------------------------------------------- describing figures


def number(value: float | None) -> str:
    """A figure as a statistician writes it: ``9854``, ``73.4``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "…"
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"  # 1e+308, not its 309 digits


def code_name(column: str, code: str, lists: CodeLists, names: Mapping[str, str]) -> str:
    """The English name of a code of a column of the figures table."""
    if column == "indicator":
        return names.get(code, code)
    if column == "ref_area":
        return lists.region_name(code, "en")
    return lists.name(column, code, "en")


def region_in_words(code: str, written: object, lists: CodeLists) -> str:
    """A region as the ministry wrote it, then its English name and code: ``Карагандинская область (Karaganda region, KZ-35)``."""
    english = lists.region_name(code, "en")
    if isinstance(written, str) and written and written != english:
        return f"{written} ({english}, {code})"
    return f"{english} ({code})"


def describe(row: Mapping, lists: CodeLists, names: Mapping[str, str], skip: Iterable[str] = ()) -> str:
    """What a figure (or a group of figures) is: ``Live births 2018, Akmola region, Boys``."""
    skip = set(skip)
    parts = []
    if "indicator" not in skip and row.get("indicator") is not None:
        parts.append(f"{names.get(row['indicator'], row['indicator'])} {row.get('time_period', '')}".strip())
    if "ref_area" not in skip and row.get("ref_area") is not None:
        parts.append(region_in_words(row["ref_area"], row.get("area_label"), lists))
    for dim in DIMENSIONS:
        code = row.get(dim)
        if dim not in skip and isinstance(code, str) and code != TOTAL:
            parts.append(code_name(dim, code, lists, names))
    return ", ".join(parts) or "figure"


class _Template(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, **values: object) -> str:
    """Fill a message template; an unknown placeholder is left as it is."""
    return template.format_map(_Template(values))


def cell_ref(sheet: object, cell: object, home_sheet: object) -> str:
    """``B7`` on the home sheet, ``'Акмолинская'!B7`` on another."""
    if sheet is None or sheet == home_sheet or (isinstance(sheet, float) and math.isnan(sheet)):
        return str(cell)
    return f"'{sheet}'!{cell}"


# ---------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    """How often a rule was checked, failed, or could not be checked."""

    rule: str
    severity: str
    kind: str
    checked: int = 0
    failed: int = 0
    not_checkable: int = 0


NOT_CHECKABLE_COLUMNS = ["rule", "file", "sheet", "cell", "reason"]


@dataclass
class RuleResults:
    problems: list[Problem] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    not_checkable: list[dict] = field(default_factory=list)  # rule, file, sheet, cell, reason

    def outcome(self, rule: Rule) -> Outcome:
        return self.outcomes.setdefault(rule.id, Outcome(rule.id, rule.severity, rule.kind))


# ---------------------------------------------------------------------------- sum and le


class FigureTable:
    """The figures table the consistency rules run on, and what every rule case needs of it, worked out once: which
    figures are published (not check-only), their values as numbers, and the group columns (each figure's file and key)
    as integer codes, each column's codes in the order of its values (a missing value last, as a sorted ``groupby`` puts
    it). A rule case then works on the positions of its figures (:class:`_Rows`): its groups are numbered, and their
    index made, by arithmetic on the codes, and a figure's fields are read where a message needs them -- not a copy of
    the figures and a ``groupby`` of text columns per case, which made most of the rules' time."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)  # its index: the rows' positions, which the codes follow
        self.published = ~self.frame["check_only"].astype(bool).to_numpy()
        self.values = pd.to_numeric(self.frame["value"], errors="coerce").to_numpy(dtype=float)
        self.codes: dict[str, np.ndarray] = {}
        self.levels: dict[str, pd.Index] = {}
        for column in _GROUP_COLUMNS:
            self.codes[column], self.levels[column] = pd.factorize(self.frame[column], sort=True)

    def rows(self, mask: np.ndarray) -> _Rows:
        return _Rows(self, np.flatnonzero(mask))

    def code_of(self, rows: np.ndarray, column: str, codes: list[str]) -> np.ndarray:
        """The place in ``codes`` of each row's value of ``column`` (-1: none of them)."""
        places = np.full(len(self.levels[column]) + 1, -1)  # the last place: a missing value
        found = self.levels[column].get_indexer(pd.Index(codes))
        places[found[found >= 0]] = np.flatnonzero(found >= 0)
        return places[self.codes[column][rows]]

    def groups(self, rows: np.ndarray, columns: list[str]) -> np.ndarray:
        """The group of each of ``rows`` (positions in the table) by ``columns``: 0, 1, ... in the order of the
        columns' values, as a sorted ``groupby(columns, dropna=False).ngroup()`` numbers them."""
        key = np.zeros(len(rows), dtype=np.int64)
        span = 1
        for column in columns:
            size = len(self.levels[column]) + 1  # the codes and, last, a missing value
            if span * size >= 2**62:  # renumber before the key could overflow: the order is kept
                key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
                span = int(key.max()) + 1 if len(key) else 1
            codes = self.codes[column][rows]
            key = key * size + np.where(codes < 0, size - 1, codes)
            span *= size
        return np.unique(key, return_inverse=True)[1].reshape(-1)

    def index(self, rows: np.ndarray, columns: list[str]) -> pd.MultiIndex:
        """The values of ``columns`` at ``rows`` (positions in the table) as an index, made from the codes."""
        levels: list = [self.levels[c] for c in columns]  # each an Index (pandas' stubs list sequences only)
        return pd.MultiIndex(levels=levels, codes=[self.codes[c][rows] for c in columns], names=columns, verify_integrity=False)


_GROUP_COLUMNS = ["source_file", *KEY]  # a figure's group: its file and its key but the axis of a rule


class _Rows(NamedTuple):
    """Some figures of a :class:`FigureTable`, by their positions in it (ascending): a rule case's."""

    table: FigureTable
    at: np.ndarray

    def where(self, mask: np.ndarray) -> _Rows:
        return _Rows(self.table, self.at[mask])

    def field(self, name: str, positions: pd.Series) -> np.ndarray:
        """One field of the figures at ``positions`` (places in these rows; None where there is no figure)."""
        known = positions.notna().to_numpy()
        out = np.full(len(positions), None, dtype=object)
        out[known] = self.table.frame[name].take(self.at[positions.to_numpy()[known].astype(np.int64)]).to_numpy(dtype=object)
        return out

    def figure(self, position: float) -> dict | None:
        """The fields of the figure at ``position`` (a place in these rows), or None if there is none (NaN)."""
        if math.isnan(position):
            return None
        row = int(self.at[int(position)])
        return {f: self.table.frame[f].iat[row] for f in _FIELDS}


def _scope(table: FigureTable, case: Case, codes: list[str], units: Mapping[str, str]) -> _Rows:
    """The published figures a rule case is about, of these codes of its axis."""
    frame = table.frame
    mask = table.published & frame[case.axis].isin(codes).to_numpy()
    if case.indicators is not None:
        mask &= frame["indicator"].isin(case.indicators).to_numpy()
    if case.forms is not None:
        mask &= frame["form"].isin(case.forms).to_numpy()
    if case.units is not None:
        mask &= frame["indicator"].map(units).isin(case.units).to_numpy()
    for column, code in case.where:
        mask &= (frame[column] == code).to_numpy()
    return table.rows(mask)


def _positions(sub: _Rows, axis: str, codes: list[str]) -> pd.DataFrame:
    """For each group of figures that differ only by ``axis`` (one row per group, in key order), the place in ``sub``
    of its figure for each of ``codes`` (a column per code; NaN: the group has no such figure; a figure repeated in a
    group, the reader's problem, counts once: the first). Only places are laid out: the fields of a figure are read
    where a message needs them."""
    table, group = sub.table, [c for c in _GROUP_COLUMNS if c != axis]
    group_of = table.groups(sub.at, group)
    code_of = table.code_of(sub.at, axis, codes)
    positions = np.full((int(group_of.max()) + 1 if len(sub.at) else 0, len(codes)), np.nan)
    rows = np.flatnonzero(code_of >= 0)[::-1]  # last row first: the first of a repeated figure is written last
    positions[group_of[rows], code_of[rows]] = rows
    first_rows = np.unique(group_of, return_index=True)[1]
    return pd.DataFrame(positions, index=table.index(sub.at[first_rows], group), columns=codes)


def _values(sub: _Rows, positions: pd.DataFrame) -> pd.DataFrame:
    """The value of each figure of ``positions`` (NaN where there is none, or the value is missing)."""
    value_of = sub.table.values[sub.at]
    at = positions.to_numpy(dtype=float)
    known = ~np.isnan(at)
    values = np.where(known, value_of[np.where(known, at, 0).astype(np.int64)], np.nan)
    return pd.DataFrame(values, index=positions.index, columns=positions.columns)


def _shown(fig: dict | None) -> str:
    if fig is None:
        return "no figure"
    if fig["obs_conf"] == "C":
        return "x"
    if pd.isna(fig["value"]):
        return "…"
    return number(fig["value"])


def _unknown_text(unknown: list[tuple[str, dict | None]], home_sheet: object) -> str:
    out = []
    for label, fig in unknown:
        if fig is None:
            out.append(f"{label} (no figure)")
        else:
            why = "confidential" if fig["obs_conf"] == "C" else "missing"
            out.append(f"{label} ({cell_ref(fig['source_sheet'], fig['source_cell'], home_sheet)}, {why})")
    return "not known: " + ", ".join(out)


def _evaluate_case(rule: Rule, case: Case, table: FigureTable, lists: CodeLists, rules: RuleSet, out: RuleResults) -> None:
    outcome = out.outcome(rule)
    if case.parts == REGIONS:  # the regions of each year: the figures of every year's regions, then year by year
        years = sorted(int(y) for y in table.frame["time_period"][table.published].unique())
        codes_of = {year: [case.total, *case.part_codes(year, lists)] for year in years}
        scoped = _scope(table, case, sorted({c for codes in codes_of.values() for c in codes}), rules.units)
        year_of = table.frame["time_period"].to_numpy()[scoped.at]
        subsets = [(codes, scoped.where(year_of == year)) for year, codes in codes_of.items()]
    else:
        codes = [case.total, *case.parts]
        subsets = [(codes, _scope(table, case, codes, rules.units))]
    for codes, sub in subsets:
        parts = codes[1:]
        sub = sub.where(table.code_of(sub.at, case.axis, codes) >= 0)
        if not len(sub.at):
            continue
        positions = _positions(sub, case.axis, codes)
        groups = ~np.isnan(positions.to_numpy()[:, 1:]).all(axis=1)  # a group without any part row is not broken down
        positions = positions[groups]
        values = _values(sub, positions)
        total = values[case.total]
        part_values = values[parts]
        known_sum = part_values.sum(axis=1, min_count=1).fillna(0.0)
        all_known = part_values.notna().all(axis=1)
        total_known = total.notna()
        partial_break = total_known & ~all_known & (known_sum > total)
        if rule.kind == "sum":
            full_break = total_known & all_known & (known_sum != total)
        else:
            full_break = total_known & all_known & (known_sum > total)
        checked = total_known & (all_known | partial_break)
        outcome.checked += int(checked.sum())
        failed = full_break | partial_break
        outcome.failed += int(failed.sum())
        outcome.not_checkable += int((~checked).sum())
        names = positions.index.names
        for index in values.index[failed]:
            key = dict(zip(names, index, strict=True))
            out.problems.append(_sum_problem(rule, case, key, sub, positions.loc[index], parts, bool(partial_break[index]), lists, rules))
        unchecked = positions.loc[~checked, case.total]
        absent = unchecked.isna().to_numpy()
        confidential = sub.field("obs_conf", unchecked) == "C"
        reasons = np.select(
            [absent, confidential, pd.isna(sub.field("value", unchecked))],
            ["the total is absent", "the total is confidential", "the total is missing"],
            "a part is confidential, missing or absent",
        )
        sheets, cells = sub.field("source_sheet", unchecked), sub.field("source_cell", unchecked)
        for index, reason, sheet, cell in zip(unchecked.index, reasons, sheets, cells, strict=True):
            key = dict(zip(names, index, strict=True))
            out.not_checkable.append(
                {
                    "rule": rule.id,
                    "file": key["source_file"],
                    "sheet": sheet,
                    "cell": cell,
                    "reason": f"{describe(key | {case.axis: case.total}, lists, rules.names)}: {reason}",
                }
            )


def _problem_at(rule: Rule, key: dict, figure: dict, message: str, values: str) -> Problem:
    """The rule's problem located at the cell of ``figure`` (in the file of ``key``)."""
    return Problem(
        str(key["source_file"]),
        str(figure["source_sheet"]),
        str(figure["source_cell"]),
        rule.id,
        message,
        rule.severity,
        values,
        str(figure["form"]),
        int(figure["received_year"]),
    )


def _label(case: Case, code: str, lists: CodeLists, names: Mapping[str, str]) -> str:
    return code_name(case.axis, code, lists, names)


def _sum_problem(
    rule: Rule,
    case: Case,
    key: dict,
    sub: _Rows,
    positions: pd.Series,
    parts: list[str],
    partial: bool,
    lists: CodeLists,
    rules: RuleSet,
) -> Problem:
    total = sub.figure(positions[case.total])
    assert total is not None  # a failure needs a known total
    home = total["source_sheet"]
    shown_parts: list[str] = []
    unknown: list[tuple[str, dict | None]] = []
    known_sum = 0.0
    for code in parts:
        fig = sub.figure(positions[code])
        if fig is None:  # only in a partial break: a full check needs every part
            shown_parts.append(f"{code}: no figure")
            unknown.append((_label(case, code, lists, rules.names), None))
            continue
        shown_parts.append(f"{cell_ref(fig['source_sheet'], fig['source_cell'], home)}={_shown(fig)}")
        if pd.isna(fig["value"]):
            unknown.append((_label(case, code, lists, rules.names), fig))
        else:
            known_sum += float(fig["value"])
    relation = "≠" if rule.kind == "sum" and not partial else ">"
    values = f"{' + '.join(shown_parts)} {relation} {total['source_cell']}={_shown(total)}"
    parts_label = case.parts_label or " + ".join(_label(case, c, lists, rules.names) for c in parts)
    total_label = case.total_label or _label(case, case.total, lists, rules.names)
    template = (rule.message_partial or rule.message) if partial else rule.message
    message = render(
        template,
        context=describe(key | {"area_label": total["area_label"]}, lists, rules.names, skip=[case.axis]),
        parts_label=parts_label,
        total_label=total_label,
        parts_value=number(known_sum),
        total_value=number(total["value"]),
        unknown=_unknown_text(unknown, home),
    )
    return _problem_at(rule, key, total, message, values)


def evaluate_additive(rule: Rule, table: FigureTable, lists: CodeLists, rules: RuleSet, out: RuleResults) -> None:
    """A ``sum`` or ``le`` rule, every case of it, on the published (not check-only) figures."""
    out.outcome(rule)
    for case in rule.cases:
        _evaluate_case(rule, case, table, lists, rules, out)


# ---------------------------------------------------------------------------- named functions


def coverage_agrees(rule: Rule, table: FigureTable, lists: CodeLists, rules: RuleSet, out: RuleResults) -> None:
    """The ministry's own percentage agrees with its counts to ``decimals`` decimals.

    ``reported`` (a check-only column) must be a rounding of numerator / denominator × 100
    to ``decimals`` decimals (``reported`` itself rounded first; at an exact tie either
    rounding is accepted). Located at the reported cell. Not checkable when any of the
    three figures is confidential, missing or absent, or the denominator is 0.
    """
    outcome = out.outcome(rule)
    p = rule.params
    codes = [p["reported"], p["numerator"], p["denominator"]]
    decimals = int(p.get("decimals", 1))
    indicator = table.frame["indicator"]
    sub = table.rows(indicator.isin(codes).to_numpy() & ((indicator == p["reported"]).to_numpy() | table.published))
    if not len(sub.at):
        return
    positions = _positions(sub, "indicator", codes)
    positions = positions[positions[p["reported"]].notna()]
    names = positions.index.names
    tolerance = 0.5 * 10**-decimals + 1e-9
    values = _values(sub, positions).to_numpy()
    for index, at, (reported, numerator, denominator) in zip(positions.index, positions.to_numpy(dtype=float), values, strict=True):
        key = dict(zip(names, index, strict=True))
        if math.isnan(reported) or math.isnan(numerator) or math.isnan(denominator) or denominator == 0:  # NaN: also absent
            rep = sub.figure(at[0])  # its fields read only where a message needs them
            assert rep is not None, "positions keep the rows with a reported percentage only"
            outcome.not_checkable += 1
            out.not_checkable.append(_coverage_not_checkable(rule, key, rep, lists, rules))
            continue
        outcome.checked += 1
        computed = numerator / denominator * 100
        if abs(round(reported, decimals) - computed) <= tolerance:
            continue
        outcome.failed += 1
        figures = [figure for figure in (sub.figure(position) for position in at) if figure is not None]  # all three: none is NaN
        out.problems.append(_coverage_problem(rule, key, figures, reported, f"{computed:.{decimals + 2}f}", lists, rules))


def _coverage_not_checkable(rule: Rule, key: dict, rep: dict, lists: CodeLists, rules: RuleSet) -> dict:
    """The not-checkable entry of a percentage, located at its reported cell ``rep``."""
    return {
        "rule": rule.id,
        "file": key["source_file"],
        "sheet": rep["source_sheet"],
        "cell": rep["source_cell"],
        "reason": f"{describe(key | {'indicator': rule.params['reported']}, lists, rules.names)}: "
        "a figure is confidential, missing or absent, or the population is 0",
    }


def _coverage_problem(
    rule: Rule, key: dict, figures: list[dict], reported: float, computed: str, lists: CodeLists, rules: RuleSet
) -> Problem:
    """The problem of a reported percentage (``figures``: reported, numerator, denominator) that disagrees with the
    percentage ``computed`` from the counts, located at the reported cell."""
    rep, num, den = figures
    home = rep["source_sheet"]
    values = (
        f"{cell_ref(num['source_sheet'], num['source_cell'], home)}={number(num['value'])} / "
        f"{cell_ref(den['source_sheet'], den['source_cell'], home)}={number(den['value'])} × 100 = {computed}; "
        f"{rep['source_cell']}={number(reported)}"
    )
    message = render(
        rule.message,
        context=describe(key | {"area_label": rep["area_label"]}, lists, rules.names, skip=["indicator"]),
        reported=number(reported),
        enrolled=number(num["value"]),
        population=number(den["value"]),
        computed=computed,
    )
    return _problem_at(rule, key, rep, message, values)


FUNCTIONS: dict[str, Callable[[Rule, FigureTable, CodeLists, RuleSet, RuleResults], None]] = {
    "coverage_agrees": coverage_agrees,
}


def check_consistency(frame: pd.DataFrame, lists: CodeLists, rules: RuleSet) -> RuleResults:
    """Every ``sum``, ``le`` and ``function`` rule on the figures table."""
    out = RuleResults()
    table = FigureTable(frame)
    for rule in rules.rules.values():
        if rule.kind in ("sum", "le"):
            evaluate_additive(rule, table, lists, rules, out)
        elif rule.kind == "function":
            FUNCTIONS[rule.id](rule, table, lists, rules, out)
    return out
