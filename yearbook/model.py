"""The observation's data model, said once: its key, the dimensions of the key and the codes of their totals, the
national code, and the formulas of derived indicators (declared in ``schemas/indicators.yaml``, loaded here).

Every module that names the key's columns, a dimension or the national code imports them from here; the SQL files of
``yearbook/sql/`` name them through placeholders that :func:`render_sql` fills (the table ``observations`` of
../shared/forms/STORE.md is the contract).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from yearbook.config import load_yaml, schemas_dir

# The observation's key: column, SQL type, SDMX concept (international reporting). After the first three, the
# dimensions (breakdowns): each has the total TOTAL. A new dimension is one line here (and its codes in the code lists).
_KEY_COLUMNS = (
    ("indicator", "VARCHAR", "INDICATOR"),
    ("ref_area", "VARCHAR", "REF_AREA"),
    ("time_period", "INTEGER", "TIME_PERIOD"),
    ("sex", "VARCHAR", "SEX"),
    ("age", "VARCHAR", "AGE"),
    ("area", "VARCHAR", "URBANISATION"),
    ("flow", "VARCHAR", "MIGRATION_FLOW"),
    ("crime_type", "VARCHAR", "CRIME_TYPE"),
    ("wealth_quintile", "VARCHAR", "WEALTH_QUINTILE"),
)
KEY = [column for column, _, _ in _KEY_COLUMNS]  # no two observations share it (a list: pandas selects by it)
DIMENSIONS = tuple(KEY[3:])
COORDINATES = KEY[1:]  # where a figure stands, whatever its indicator: the inputs of a derived figure share them
KEY_TYPES = {column: sql_type for column, sql_type, _ in _KEY_COLUMNS}
SDMX_CONCEPTS = {column: concept for column, _, concept in _KEY_COLUMNS}
TOTAL = "_T"  # SDMX's code of a dimension's total
NATIONAL = "KZ"  # the ref_area of the country: the total of the regions


Coordinates = tuple[tuple[str, str], ...]  # (dimension, code) pairs, in the order of DIMENSIONS


@dataclass(frozen=True)
class Formula:
    """A derived indicator: ``left / right * scale`` (a rate or share) or ``left - right`` (a balance), computed for
    every set of coordinates where both inputs are reported.

    An input may be read at fixed coordinates (``left_at``, ``right_at``): the child population at age ``Y0T17``
    divides the children of TSA families, who are not broken down by age (``_T``). The derived figure then stands
    at the other input's code in that dimension; both inputs cannot fix the same dimension."""

    indicator: str
    operation: str  # "ratio" or "difference"
    left: str
    right: str
    scale: float = 1.0
    left_at: Coordinates = ()
    right_at: Coordinates = ()

    @property
    def inputs(self) -> tuple[str, str]:
        return self.left, self.right

    @property
    def reads(self) -> tuple[tuple[str, dict[str, str]], tuple[str, dict[str, str]]]:
        """Each input with the coordinates it is read at (empty: those of the derived figure)."""
        return (self.left, dict(self.left_at)), (self.right, dict(self.right_at))

    @property
    def text(self) -> str:
        """As a reader writes it: ``DEATHS_INFANT / BIRTHS_LIVE * 1000``, ``MIG_ARRIVALS - MIG_DEPARTURES``,
        ``TSA_CHILD / POP_CHILD[age=Y0T17] * 100``."""
        left, right = _input_text(self.left, self.left_at), _input_text(self.right, self.right_at)
        if self.operation == "ratio":
            return f"{left} / {right} * {self.scale:g}"
        return f"{left} - {right}"


def coordinates_text(at: Coordinates) -> str | None:
    """Fixed coordinates as a reader writes them (``age=Y0T17``); None for none."""
    return ", ".join(f"{d}={c}" for d, c in at) or None


def _input_text(code: str, at: Coordinates) -> str:
    return code + (f"[{coordinates_text(at)}]" if at else "")


def _input(indicator: str, declared: object) -> tuple[str, Coordinates]:
    """One input of a formula: a code, or ``{indicator: CODE, <dimension>: <code>, ...}`` read at those coordinates."""
    if isinstance(declared, str):
        return declared, ()
    if isinstance(declared, dict) and "indicator" in declared:
        at = {str(k): str(v) for k, v in declared.items() if k != "indicator"}
        unknown = sorted(set(at) - set(DIMENSIONS))
        if unknown or not at:
            raise ValueError(
                f"indicators.yaml: {indicator}: formula input {declared!r} fixes no dimension or an unknown one "
                f"({', '.join(unknown) or 'none'}); dimensions: {', '.join(DIMENSIONS)}"
            )
        return str(declared["indicator"]), tuple((d, at[d]) for d in DIMENSIONS if d in at)
    raise ValueError(
        f"indicators.yaml: {indicator}: formula input {declared!r} is neither a code nor {{indicator: CODE, <dimension>: <code>}}"
    )


def _formula(indicator: str, declared: object) -> Formula:
    """One ``formula:`` of indicators.yaml: ``{divide: A, by: B, times: N}`` or ``{subtract: B, from: A}``, where an
    input A or B is a code or ``{indicator: CODE, <dimension>: <code>}``."""
    if isinstance(declared, dict) and set(declared) == {"divide", "by", "times"}:
        times = declared["times"]
        if isinstance(times, bool) or not isinstance(times, int | float) or not math.isfinite(times) or times <= 0:
            raise ValueError(f"indicators.yaml: {indicator}: formula times {times!r} is not a positive number")
        operation, left, right, scale = "ratio", declared["divide"], declared["by"], float(times)
    elif isinstance(declared, dict) and set(declared) == {"subtract", "from"}:
        operation, left, right, scale = "difference", declared["from"], declared["subtract"], 1.0
    else:
        raise ValueError(f"indicators.yaml: {indicator}: formula {declared!r} is neither {{divide, by, times}} nor {{subtract, from}}")
    (left_code, left_at), (right_code, right_at) = _input(indicator, left), _input(indicator, right)
    both = sorted({d for d, _ in left_at} & {d for d, _ in right_at})
    if both:  # the derived figure would have no code in that dimension
        raise ValueError(f"indicators.yaml: {indicator}: both inputs of the formula fix {', '.join(both)}")
    return Formula(indicator, operation, left_code, right_code, scale, left_at, right_at)


def derived_formulas() -> dict[str, Formula]:
    """The formula of every derived indicator (``form: derived``) of indicators.yaml, inputs checked to be indicators."""
    return _formulas_in(str(schemas_dir() / "indicators.yaml"))


@cache
def _formulas_in(path: str) -> dict[str, Formula]:
    indicators = load_yaml(path)
    formulas = {}
    for code, meta in indicators.items():
        if meta["form"] != "derived":
            if "formula" in meta:
                raise ValueError(f"indicators.yaml: {code} has a formula but is reported ({meta['form']}): make it derived")
            continue
        if "formula" not in meta:
            raise ValueError(f"indicators.yaml: derived indicator {code} has no formula")
        formulas[code] = formula = _formula(code, meta["formula"])
        unknown = [i for i in formula.inputs if i not in indicators]
        if unknown:
            raise ValueError(f"indicators.yaml: the formula of {code} reads {', '.join(unknown)}, which are not indicators")
        derived = [i for i in formula.inputs if indicators[i]["form"] == "derived"]
        if derived:  # computed from the reported figures only: a derived input would give no figure at all
            raise ValueError(f"indicators.yaml: the formula of {code} reads {', '.join(derived)}, derived itself: use reported ones")
    return formulas


def formulas_frame() -> pd.DataFrame:
    """The formulas as a table (indicator, operation, left_input, right_input, scale, and per dimension
    ``left_<dimension>`` / ``right_<dimension>``: the code an input is read at, NULL for the derived figure's own),
    as the SQL reads them."""
    rows = [
        {"indicator": f.indicator, "operation": f.operation, "left_input": f.left, "right_input": f.right, "scale": f.scale}
        | {f"{side}_{d}": dict(at).get(d) for side, at in (("left", f.left_at), ("right", f.right_at)) for d in DIMENSIONS}
        for f in derived_formulas().values()
    ]
    fixed = [f"{side}_{d}" for side in ("left", "right") for d in DIMENSIONS]
    frame = pd.DataFrame(rows, columns=["indicator", "operation", "left_input", "right_input", "scale", *fixed])
    return frame.astype(dict.fromkeys(fixed, "string"))


class _Qualified:
    """``{key_of[o]}`` in a SQL file: the columns, each prefixed with the alias ``o``."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns

    def __getitem__(self, alias: str) -> str:
        return ", ".join(f"{alias}.{c}" for c in self.columns)


def sql_placeholders() -> dict[str, object]:
    """What a SQL file may write instead of spelling the model out:
    ``{key}``, ``{key_of[o]}``, ``{coordinates}``, ``{coordinates_of[o]}``, ``{dimensions}``, ``{dimensions_of[o]}``,
    ``{key_definition}`` (the key's columns with types, NOT NULL), ``{national}`` and ``{total}`` (quoted codes),
    ``{dimension_totals}`` (the total's code once per dimension: ``({dimensions_of[o]}) = ({dimension_totals})``);
    for a formula ``f`` (a row of ``formulas_frame``) joining its inputs ``l`` and ``r``: ``{inputs_meet}`` (the join
    condition: the same coordinates but where an input is read at fixed ones) and ``{derived_coordinates_of_inputs}``
    (the coordinates of the derived figure)."""
    dimensions = list(DIMENSIONS)
    return {
        "inputs_meet": " AND ".join(
            [f"r.{c} = l.{c}" for c in COORDINATES if c not in DIMENSIONS]
            + [f"l.{d} = coalesce(f.left_{d}, l.{d}) AND r.{d} = coalesce(f.right_{d}, {_derived_code(d)})" for d in dimensions]
        ),
        "derived_coordinates_of_inputs": ", ".join(
            [f"l.{c}" for c in COORDINATES if c not in DIMENSIONS] + [f"{_derived_code(d)} AS {d}" for d in dimensions]
        ),
        "key": ", ".join(KEY),
        "key_of": _Qualified(KEY),
        "coordinates": ", ".join(COORDINATES),
        "coordinates_of": _Qualified(COORDINATES),
        "dimensions": ", ".join(dimensions),
        "dimensions_of": _Qualified(dimensions),
        "key_definition": ",\n    ".join(f"{c} {KEY_TYPES[c]} NOT NULL" for c in KEY),
        "dimension_totals": ", ".join(f"'{TOTAL}'" for _ in dimensions),
        "national": f"'{NATIONAL}'",
        "total": f"'{TOTAL}'",
    }


def _derived_code(dimension: str) -> str:
    """The derived figure's code in ``dimension``: the left input's, or the right one's where the left is read at a
    fixed code."""
    return f"CASE WHEN f.left_{dimension} IS NULL THEN l.{dimension} ELSE r.{dimension} END"


_PLACEHOLDER = re.compile(r"\{(\w+)(?:\[(\w+)\])?\}")


def render_sql(template: str, name: str = "SQL") -> str:
    """A SQL file of ``yearbook/sql/`` (``name``) with the model's names filled in: ``{key}``, ``{key_of[o]}`` ...;
    any other brace is the SQL's own (a regular expression, a struct)."""
    names = sql_placeholders()

    def fill(match: re.Match[str]) -> str:
        value = names.get(match.group(1))
        if value is None:
            return match.group(0)
        if isinstance(value, _Qualified) != (match.group(2) is not None):
            raise ValueError(f"{name}: {match.group(0)}: write {{{match.group(1)}}}" + ("[alias]" if isinstance(value, _Qualified) else ""))
        return value[match.group(2)] if isinstance(value, _Qualified) else str(value)

    return _PLACEHOLDER.sub(fill, template)
