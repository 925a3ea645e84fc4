"""Pandera schemas of the raw figures table, generated from the form specs and code lists.

Nothing here is written per form. :func:`figures_schema` checks every row against the
code lists (``schemas/codelists``) and the units of ``schemas/indicators.yaml`` (plus the
check-only units of ``schemas/rules.yaml``); :func:`form_schemas` gives one schema per
form spec (``schemas/forms/*.yaml``): the indicators the form yields and, for each, the
combinations of dimension codes its columns and rows can produce.

Each check is named by its rule id of ``schemas/rules.yaml``. Validation is lazy, so all
failures are collected; :func:`schema_problems` turns each pandera failure case into a
:class:`~yearbook.problems.Problem` at the figure's source file, sheet and cell.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import SupportsInt, cast

import pandas as pd
import pandera.pandas as pa

from yearbook.codelists import CodeLists
from yearbook.model import DIMENSIONS, NATIONAL, TOTAL
from yearbook.problems import Problem
from yearbook.specs import FormSpec, SheetSpec
from yearbook.validation.rules import Outcome, RuleResults, RuleSet, describe, number, render

STATUS_CODES = ("A", "M")
CONF_CODES = ("F", "C")
TABLE_FILE = "(figures table)"  # where a problem of the table itself (not of a figure) is located


# ---------------------------------------------------------------------------- what the specs yield


@dataclass(frozen=True)
class FormYield:
    """What one form can yield: per (indicator, check_only), the dimension-code combinations and the unit."""

    form: str
    combos: dict[tuple[str, bool], set[tuple[str, ...]]] = field(default_factory=dict)
    units: dict[tuple[str, bool], str | None] = field(default_factory=dict)

    def indicators(self) -> set[str]:
        return {indicator for indicator, _ in self.combos}


def _sheet_yield(sheet: SheetSpec, rules: RuleSet, out: FormYield) -> None:
    if sheet.rows.kind == "dimension":
        row_dims = [{sheet.rows.dimension: code} for code in sorted(set(sheet.rows.labels.values()))]
    else:
        row_dims = [{}]
    row_indicators = sorted(set(sheet.rows.labels.values())) if sheet.rows.kind == "indicator" else [None]
    leaves = sheet.leaves or ()
    if not leaves:  # a header-less sheet (one label, one figure): the row indicator with every dimension total
        for indicator in row_indicators:
            if indicator is not None:
                out.combos.setdefault((indicator, False), set()).add(tuple(TOTAL for _ in DIMENSIONS))
                out.units[(indicator, False)] = rules.units.get(indicator)
        return
    for leaf in leaves:
        for extra in row_dims:
            dims = {d: TOTAL for d in DIMENSIONS} | dict(leaf.dims) | extra
            combo = tuple(dims[d] for d in DIMENSIONS)
            for row_indicator in row_indicators:
                indicator = row_indicator or leaf.indicator
                if indicator is None:
                    continue
                key = (indicator, leaf.check_only)
                out.combos.setdefault(key, set()).add(combo)
                # a check-only column on indicator rows (the survey's case counts) measures its own thing
                measure = leaf.indicator if (leaf.check_only and leaf.indicator) else indicator
                out.units[key] = rules.units.get(measure)


def form_yields(forms: Mapping[str, FormSpec], rules: RuleSet) -> dict[str, FormYield]:
    """For every form spec, what its figures may be; a yielded indicator without a unit is a spec error."""
    yields = {}
    for code, spec in forms.items():
        out = FormYield(code)
        for sheet in spec.sheets:
            _sheet_yield(sheet, rules, out)
        missing = sorted({ind for (ind, _), unit in out.units.items() if unit is None})
        if missing:
            raise ValueError(f"{code}: indicator(s) {missing} have no unit in indicators.yaml nor under 'units' in rules.yaml")
        yields[code] = out
    return yields


def unit_series(frame: pd.DataFrame, yields: Mapping[str, FormYield], rules: RuleSet) -> pd.Series:
    """The unit of every figure: by its form's spec, else by its indicator."""
    table = {f"{form}|{ind}|{bool(co)}": unit for form, y in yields.items() for (ind, co), unit in y.units.items()}
    keys = frame["form"].astype(str) + "|" + frame["indicator"].astype(str) + "|" + frame["check_only"].astype(bool).astype(str)
    by_form = keys.map(table)
    by_indicator = frame["indicator"].map(rules.units)
    return by_form.where(by_form.notna(), by_indicator).astype(object)


# ---------------------------------------------------------------------------- row checks


@dataclass(frozen=True)
class RowCheck:
    """A check of single figures: where it applies, what must hold, and the column reported."""

    rule: str
    applies: Callable[[pd.DataFrame], pd.Series]  # figures the rule can be checked on
    in_scope: Callable[[pd.DataFrame], pd.Series]  # figures the rule is about (checkable or not)
    holds: Callable[[pd.DataFrame], pd.Series]
    column: str

    def check(self) -> pa.Check:
        return pa.Check(lambda df: ~self.applies(df) | self.holds(df), name=self.rule, ignore_na=False)


def _row_checks(rules: RuleSet, yields: Mapping[str, FormYield], lists: CodeLists) -> list[RowCheck]:
    last: list[tuple[weakref.ref, pd.Series]] = []  # the units of the frame last asked about: several checks ask

    def units(df: pd.DataFrame) -> pd.Series:
        if not last or last[0][0]() is not df:
            last[:] = [(weakref.ref(df), unit_series(df, yields, rules))]
        return last[0][1]

    def unit_in(params: Mapping) -> Callable[[pd.DataFrame], pd.Series]:
        return lambda df: units(df).isin(params["units"])

    def value(df: pd.DataFrame) -> pd.Series:
        return pd.to_numeric(df["value"], errors="coerce")

    known_value = lambda df: value(df).notna()  # noqa: E731

    checks: list[RowCheck] = []
    everything = lambda df: pd.Series(True, index=df.index)  # noqa: E731
    hidden = lambda df: df["obs_status"].eq("M") | df["obs_conf"].eq("C")  # noqa: E731
    checks.append(RowCheck("value_status_mismatch", everything, everything, lambda df: value(df).isna() == hidden(df), "value"))

    valid_by_year: dict[int, set[str]] = {}

    def area_valid(df: pd.DataFrame) -> pd.Series:
        """The region exists in the figure's year (without a year, only the country is valid)."""
        years = pd.to_numeric(df["time_period"], errors="coerce")
        out = pd.Series(False, index=df.index, dtype=bool)
        out[years.isna()] = df["ref_area"][years.isna()].eq(NATIONAL)
        for key, rows in years.groupby(years).groups.items():
            year = int(cast(SupportsInt, key))  # a group of the numeric years: its key is a number (pandas-stubs say Hashable)
            valid = valid_by_year.setdefault(year, {NATIONAL, *lists.regions_valid_in(year)})
            out[rows] = df["ref_area"][rows].isin(valid)
        return out

    checks.append(RowCheck("invalid_ref_area", lambda df: df["ref_area"].notna(), everything, area_valid, "ref_area"))
    row_rules: list[tuple[str, Callable[[pd.DataFrame], pd.Series] | None]] = [  # None: the holds made from the rule's params
        ("negative_count", lambda df: value(df) >= 0),
        ("not_whole_count", lambda df: value(df) % 1 == 0),
        ("percent_out_of_range", None),
    ]
    for rule_id, holds in row_rules:
        rule = rules.rules.get(rule_id)
        if rule is None:
            continue
        params = rule.params
        if holds is None:
            low, high = params.get("min", 0), params.get("max", 100)
            holds = lambda df, low=low, high=high: value(df).between(low, high)  # noqa: E731
        scope = unit_in(params)

        def applies(df: pd.DataFrame, scope: Callable[[pd.DataFrame], pd.Series] = scope) -> pd.Series:
            return scope(df) & known_value(df)

        checks.append(RowCheck(rule_id, applies, scope, holds, "value"))
    if "implausible_value" in rules.rules:
        bounds = {code: upper_bound(code, rules) for code in rules.units}  # one lookup per indicator, not per figure
        bound = lambda df: df["indicator"].map(bounds).astype("float64")  # noqa: E731
        in_scope = lambda df: bound(df).notna()  # noqa: E731
        checks.append(RowCheck("implausible_value", known_value, in_scope, lambda df: ~(value(df) > bound(df)), "value"))
    return checks


def upper_bound(indicator: object, rules: RuleSet) -> float | None:
    """The largest plausible value of a figure of ``indicator`` (rule ``implausible_value``): the indicator's bound, else
    its unit's; None when neither is declared."""
    params = rules.rules["implausible_value"].params
    by_indicator, by_unit = params.get("max_by_indicator") or {}, params.get("max_by_unit") or {}
    unit = rules.units.get(indicator) if isinstance(indicator, str) else None  # a row's indicator may be missing (None, NaN)
    return by_indicator.get(indicator, by_unit.get(unit))


def _combo_check(y: FormYield, lists: CodeLists) -> RowCheck:
    allowed = {"|".join((ind, str(co), *combo)) for (ind, co), combos in y.combos.items() for combo in combos}
    known_codes = {d: set(lists.dimension_labels.get(d, {})) for d in DIMENSIONS}
    indicators = y.indicators()

    def applies(df: pd.DataFrame) -> pd.Series:
        mask = df["indicator"].isin(indicators)
        for d in DIMENSIONS:
            mask &= df[d].isin(known_codes[d])
        return mask

    def holds(df: pd.DataFrame) -> pd.Series:
        keys = df["indicator"].astype(str) + "|" + df["check_only"].astype(bool).astype(str)
        for d in DIMENSIONS:
            keys = keys + "|" + df[d].astype(str)
        return keys.isin(allowed)

    return RowCheck("code_not_in_form", applies, applies, holds, "indicator")


# ---------------------------------------------------------------------------- the schemas


def _isin(values: set[str] | tuple[str, ...], rule: str) -> pa.Check:
    allowed = set(values)
    return pa.Check(lambda s: s.isin(allowed), name=rule)


def figures_schema(rules: RuleSet, forms: Mapping[str, FormSpec], lists: CodeLists) -> pa.DataFrameSchema:
    """The schema every row of the figures table must satisfy, whatever its form."""
    yields = form_yields(forms, rules)
    columns = {
        "form": pa.Column(str, _isin(set(forms), "unknown_code"), coerce=True),
        "sheet_role": pa.Column(str, coerce=True),
        "indicator": pa.Column(str, coerce=True),
        "ref_area": pa.Column(str, coerce=True),
        "time_period": pa.Column("int64"),
        **{d: pa.Column(str, _isin(set(lists.dimension_labels.get(d, {})), "unknown_code"), coerce=True) for d in DIMENSIONS},
        "value": pa.Column("float64", nullable=True),
        "obs_status": pa.Column(str, _isin(STATUS_CODES, "invalid_obs_status"), coerce=True),
        "obs_conf": pa.Column(str, _isin(CONF_CODES, "invalid_obs_conf"), coerce=True),
        "check_only": pa.Column(bool),
        "received_year": pa.Column("int64"),
        "source_file": pa.Column(str, coerce=True),
        "source_sheet": pa.Column(str, coerce=True),
        "source_cell": pa.Column(str, coerce=True),
        "raw": pa.Column(nullable=True),
        "footnote": pa.Column(nullable=True),
    }
    checks = [c.check() for c in _row_checks(rules, yields, lists)]
    return pa.DataFrameSchema(columns, checks=checks, name="figures", strict=False)


def form_schemas(rules: RuleSet, forms: Mapping[str, FormSpec], lists: CodeLists) -> dict[str, pa.DataFrameSchema]:
    """One schema per form: its indicators, and the dimension-code combinations it yields for each."""
    out = {}
    for code, y in form_yields(forms, rules).items():
        out[code] = pa.DataFrameSchema(
            {"indicator": pa.Column(str, _isin(y.indicators(), "unknown_indicator"), coerce=True)},
            checks=[_combo_check(y, lists).check()],
            name=f"figures of {code}",
            strict=False,
        )
    return out


# ---------------------------------------------------------------------------- failures to problems


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "check_number", "failure_case", "index"])


def _row_problem(rule_id: str, row: Mapping, column: str | None, failure: object, rules: RuleSet, lists: CodeLists) -> Problem:
    rule = rules.rules[rule_id]
    shown = number(failure) if isinstance(failure, (int, float)) and not isinstance(failure, bool) else str(failure)
    cell = row.get("source_cell")
    context = describe(row, lists, rules.names) if isinstance(row.get("indicator"), str) else "figure"
    status = f"{row.get('obs_status')}/{row.get('obs_conf')}"
    message = render(
        rule.message,
        context=context,
        value=shown,
        column=column,
        code=status if rule_id == "value_status_mismatch" else failure,
        form=row.get("form"),
        year=row.get("time_period"),
        min=rule.params.get("min"),
        max=number(upper_bound(row.get("indicator"), rules)) if rule_id == "implausible_value" else rule.params.get("max"),
    )
    if rule_id == "code_not_in_form":
        values = ", ".join(f"{c}={row.get(c)}" for c in ("indicator", *DIMENSIONS) if c == "indicator" or row.get(c) != TOTAL)
        message = render(rule.message, context=context, code=values, form=row.get("form"))
    elif column == "value" or rule_id in (
        "negative_count",
        "not_whole_count",
        "percent_out_of_range",
        "implausible_value",
        "value_status_mismatch",
    ):
        raw = row.get("raw")
        values = f"{cell}={shown}" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else f"{cell}={raw}"
    else:
        values = f"{column}={failure}"
    year = row.get("received_year")
    return Problem(
        _text(row.get("source_file")) or TABLE_FILE,
        _text(row.get("source_sheet")),
        _text(cell),
        rule_id,
        message,
        rule.severity,
        values,
        _text(row.get("form")),
        int(year) if isinstance(year, (int, float)) and not pd.isna(year) else None,
    )


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _translate(
    failures: pd.DataFrame, frame: pd.DataFrame, rules: RuleSet, lists: CodeLists, row_columns: Mapping[str, str]
) -> list[Problem]:
    """One problem per (rule, figure); a failure that is not of a figure is a ``figure_table`` problem."""
    problems: list[Problem] = []
    seen: set[tuple] = set()
    table_rule = rules.rules["figure_table"]
    for case in failures.to_dict("records"):
        check, column, index, failure = str(case["check"]), case["column"], case["index"], case["failure_case"]
        has_row = index is not None and not (isinstance(index, float) and math.isnan(index)) and index in frame.index
        if check in rules.rules and has_row:
            wide_column = row_columns.get(check)
            if wide_column is not None:  # a dataframe-level check: one problem per row, about its column
                column = wide_column
                failure = frame.at[index, wide_column]
            key: tuple[object, ...] = (check, index)
            if key in seen:
                continue
            seen.add(key)
            problems.append(_row_problem(check, frame.loc[index].to_dict(), column, failure, rules, lists))
            continue
        if check == "not_nullable" and has_row:
            detail = f"column {column!r} is empty"
            row = frame.loc[index].to_dict()
            problems.append(
                Problem(
                    _text(row.get("source_file")) or TABLE_FILE,
                    _text(row.get("source_sheet")),
                    _text(row.get("source_cell")),
                    "figure_table",
                    render(table_rule.message, detail=detail),
                    table_rule.severity,
                    f"{column}=",
                    _text(row.get("form")),
                )
            )
            continue
        key = ("figure_table", column, check)
        if key in seen:
            continue
        seen.add(key)
        if check == "column_in_dataframe":
            detail = f"column {failure!r} is missing"
        elif check.startswith("dtype("):
            found = frame[column].dtype if column in frame.columns else "?"
            example = f" (e.g. {failure!r} at {_text(frame.at[index, 'source_cell']) or index})" if has_row else ""
            detail = f"column {column!r} has type {found}, expected {check[6:-1]}{example}"
        else:
            detail = f"column {column!r} fails {check} ({failure})"
        problems.append(
            Problem(TABLE_FILE, None, None, "figure_table", render(table_rule.message, detail=detail), table_rule.severity, str(failure))
        )
    return problems


def schema_problems(frame: pd.DataFrame, rules: RuleSet, forms: Mapping[str, FormSpec], lists: CodeLists) -> RuleResults:
    """Validate the figures table (lazily) against the generated schemas; problems and counts per rule.

    A table that lacks a column, or whose columns have the wrong type, is reported as
    ``figure_table`` problems only (its rows cannot be checked); ``RuleResults.outcomes``
    then counts nothing as checked.
    """
    out = RuleResults()
    for rule in rules.of_kind("schema"):
        out.outcome(rule)
    schema = figures_schema(rules, forms, lists)
    table_rule = rules.rules["figure_table"]
    missing = [c for c in schema.columns if c not in frame.columns]
    if missing:
        detail = f"column(s) {missing} are missing"
        out.problems = [
            Problem(
                TABLE_FILE, None, None, "figure_table", render(table_rule.message, detail=detail), table_rule.severity, ", ".join(missing)
            )
        ]
        out.outcomes["figure_table"].failed = 1
        return out
    yields = form_yields(forms, rules)
    row_checks = {c.rule: c for c in _row_checks(rules, yields, lists)}
    combo_checks = {code: _combo_check(y, lists) for code, y in yields.items()}
    row_columns = {rule: c.column for rule, c in row_checks.items()} | {"code_not_in_form": "indicator"}

    problems = _translate(_failures(schema, frame), frame, rules, lists, row_columns)
    by_form = {code: part for code, part in frame.groupby("form", sort=False) if isinstance(code, str)}  # each form's figures
    for code, form_schema in form_schemas(rules, forms, lists).items():
        if code in by_form:
            problems += _translate(_failures(form_schema, by_form[code]), by_form[code], rules, lists, row_columns)
    if structural(problems):  # row checks on a malformed table say nothing reliable
        problems = [p for p in problems if p.rule == "figure_table"]
    out.problems = problems
    for p in problems:
        out.outcomes[p.rule].failed += 1
    if not structural(out.problems):
        _count(out.outcomes, row_checks, combo_checks, frame, by_form, yields)
    return out


def structural(problems: list[Problem]) -> bool:
    """True if the table itself is malformed (a column missing or of the wrong type)."""
    return any(p.rule == "figure_table" and p.file == TABLE_FILE for p in problems)


def _count(
    outcomes: dict[str, Outcome],
    row_checks: Mapping[str, RowCheck],
    combo_checks: Mapping[str, RowCheck],
    frame: pd.DataFrame,
    by_form: Mapping[str, pd.DataFrame],
    yields: Mapping[str, FormYield],
) -> None:
    """How many figures each schema rule was checked on, and on how many it could not be (``by_form``: each form's
    figures)."""
    n = len(frame)
    for rule_id, check in row_checks.items():
        if rule_id in outcomes:
            applies = int(check.applies(frame).sum())
            outcomes[rule_id].checked = applies
            outcomes[rule_id].not_checkable = int(check.in_scope(frame).sum()) - applies
    if "unknown_code" in outcomes:
        outcomes["unknown_code"].checked = n * (1 + len(DIMENSIONS))
    for rule_id in ("invalid_obs_status", "invalid_obs_conf", "figure_table"):
        if rule_id in outcomes:
            outcomes[rule_id].checked = n
    if "unknown_indicator" in outcomes:
        outcomes["unknown_indicator"].checked = sum(len(by_form[code]) for code in yields if code in by_form)
    if "code_not_in_form" in outcomes:
        outcomes["code_not_in_form"].checked = sum(
            int(check.applies(by_form[code]).sum()) for code, check in combo_checks.items() if code in by_form
        )
