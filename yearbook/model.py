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


@dataclass(frozen=True)
class Formula:
    """A derived indicator: ``left / right * scale`` (a rate or share) or ``left - right`` (a balance), computed for
    every set of coordinates where both inputs are reported."""

    indicator: str
    operation: str  # "ratio" or "difference"
    left: str
    right: str
    scale: float = 1.0

    @property
    def inputs(self) -> tuple[str, str]:
        return self.left, self.right

    @property
    def text(self) -> str:
        """As a reader writes it: ``DEATHS_INFANT / BIRTHS_LIVE * 1000``, ``MIG_ARRIVALS - MIG_DEPARTURES``."""
        if self.operation == "ratio":
            return f"{self.left} / {self.right} * {self.scale:g}"
        return f"{self.left} - {self.right}"


def _formula(indicator: str, declared: object) -> Formula:
    """One ``formula:`` of indicators.yaml: ``{divide: A, by: B, times: N}`` or ``{subtract: B, from: A}``."""
    if isinstance(declared, dict) and set(declared) == {"divide", "by", "times"}:
        times = declared["times"]
        if isinstance(times, bool) or not isinstance(times, int | float) or not math.isfinite(times) or times <= 0:
            raise ValueError(f"indicators.yaml: {indicator}: formula times {times!r} is not a positive number")
        return Formula(indicator, "ratio", str(declared["divide"]), str(declared["by"]), float(times))
    if isinstance(declared, dict) and set(declared) == {"subtract", "from"}:
        return Formula(indicator, "difference", str(declared["from"]), str(declared["subtract"]))
    raise ValueError(f"indicators.yaml: {indicator}: formula {declared!r} is neither {{divide, by, times}} nor {{subtract, from}}")


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
    """The formulas as a table (indicator, operation, left_input, right_input, scale), as the SQL reads them."""
    rows = [(f.indicator, f.operation, f.left, f.right, f.scale) for f in derived_formulas().values()]
    return pd.DataFrame(rows, columns=["indicator", "operation", "left_input", "right_input", "scale"])


class _Qualified:
    """``{key_of[o]}`` in a SQL file: the columns, each prefixed with the alias ``o``."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns

    def __getitem__(self, alias: str) -> str:
        return ", ".join(f"{alias}.{c}" for c in self.columns)


def sql_placeholders() -> dict[str, object]:
    """What a SQL file may write instead of spelling the model out:
    ``{key}``, ``{key_of[o]}``, ``{coordinates}``, ``{coordinates_of[o]}``, ``{dimensions}``, ``{dimensions_of[o]}``,
    ``{key_definition}`` (the key's columns with types, NOT NULL), ``{national}`` and ``{total}`` (quoted codes)."""
    dimensions = list(DIMENSIONS)
    return {
        "key": ", ".join(KEY),
        "key_of": _Qualified(KEY),
        "coordinates": ", ".join(COORDINATES),
        "coordinates_of": _Qualified(COORDINATES),
        "dimensions": ", ".join(dimensions),
        "dimensions_of": _Qualified(dimensions),
        "key_definition": ",\n    ".join(f"{c} {KEY_TYPES[c]} NOT NULL" for c in KEY),
        "national": f"'{NATIONAL}'",
        "total": f"'{TOTAL}'",
    }


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
