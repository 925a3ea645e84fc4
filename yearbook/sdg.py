"""The SDG map (``schemas/sdg.yaml``): which SDG series each national series serves and how, its desired direction, its
2030 target, and the parameters of the progress method (docs/sdg-progress.md), loaded and checked.

The store reads it three ways: the ``indicators`` table's ``sdg_indicator`` / ``sdg_series`` columns, and, for the SQL
of ``yearbook/sql/observations/`` that computes ``sdg_progress`` and ``sdg_equity``, the temporary tables ``sdg_map``,
``sdg_method`` and ``sdg_equity_pairs`` (:func:`register_sdg_tables`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import duckdb
import pandas as pd

from yearbook.codelists import LANGUAGES, load_terms
from yearbook.config import load_yaml, schemas_dir
from yearbook.duck import write_table

RELATIONS = tuple(load_terms()["relation"])  # measure, proxy (schemas/codelists/terms.csv)
DIRECTIONS = tuple(load_terms()["direction"])  # up, down
COUNT_UNITS = ("PS", "NUM")  # persons, number: never published under an SDG series, all of which are rates or shares


class SdgMapError(ValueError):
    """schemas/sdg.yaml contradicts itself or the indicators it maps."""


@dataclass(frozen=True)
class SdgSeries:
    """One national series of the map."""

    indicator: str
    sdg_indicator: str
    sdg_series: str
    relation: str  # measure: the national series is the SDG measure; proxy: it stands in for it (``why``)
    unit: str  # the SDG series' unit, in the store's unit codes
    direction: str  # up or down: which way is progress
    why: dict[str, str] | None  # a proxy's reason, kk/ru/en
    target_value: float | None  # the 2030 target as a value ...
    target_factor: float | None  # ... or as a multiple of the baseline value ("reduce at least by half": 0.5)
    target_source: dict[str, str] | None  # where the target is declared, kk/ru/en


@dataclass(frozen=True)
class SdgMap:
    series: dict[str, SdgSeries]  # national indicator code -> its entry
    method: dict[str, float]  # the progress method's parameters (sdg.yaml ``method``)
    equity_pairs: dict[str, tuple[str, str]]  # survey gap kind (a dimension) -> (group a, group b)
    limits: dict[str, tuple[float, float]]  # unit -> the lowest and highest value it can take


def load_sdg_map() -> SdgMap:
    """``schemas/sdg.yaml`` (YEARBOOK_SCHEMAS: a changed copy), checked against ``indicators.yaml``."""
    return _load(str(schemas_dir() / "sdg.yaml"), str(schemas_dir() / "indicators.yaml"))


@cache
def _load(path: str, indicators_path: str) -> SdgMap:
    raw = load_yaml(path)
    units = {code: meta["unit"] for code, meta in load_yaml(indicators_path).items()}
    series = {str(code): _series(str(code), entry, units) for code, entry in (raw.get("series") or {}).items()}
    method = {str(k): float(v) for k, v in raw["method"].items()}
    pairs = {str(kind): (str(a), str(b)) for kind, (a, b) in raw["equity"]["pairs"].items()}
    limits = {str(unit): (float(low), float(high)) for unit, (low, high) in raw["limits"].items()}
    missing = sorted({s.unit for s in series.values()} - set(limits))
    if missing:
        raise SdgMapError(f"sdg.yaml: limits: no limits for the unit(s) {', '.join(missing)}")
    return SdgMap(series, method, pairs, limits)


def _texts(code: str, what: str, declared: object) -> dict[str, str]:
    if not isinstance(declared, dict) or set(declared) != set(LANGUAGES) or not all(str(declared[lang]).strip() for lang in LANGUAGES):
        raise SdgMapError(f"sdg.yaml: {code}: {what} must be a text in each of {', '.join(LANGUAGES)}")
    return {lang: str(declared[lang]) for lang in LANGUAGES}


def _series(code: str, entry: dict, units: dict[str, str]) -> SdgSeries:
    if code not in units:
        raise SdgMapError(f"sdg.yaml: {code} is not an indicator of indicators.yaml")
    relation, direction, unit = entry["relation"], entry["direction"], entry["unit"]
    if relation not in RELATIONS:
        raise SdgMapError(f"sdg.yaml: {code}: relation {relation!r} is not one of {', '.join(RELATIONS)}")
    if direction not in DIRECTIONS:
        raise SdgMapError(f"sdg.yaml: {code}: direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    if units[code] in COUNT_UNITS and unit not in COUNT_UNITS:
        raise SdgMapError(
            f"sdg.yaml: {code} is a count ({units[code]}) but {entry['series']} is a {unit} series: a count is never published "
            "under a proportional SDG series; map a derived share or rate of indicators.yaml instead"
        )
    if units[code] != unit:
        raise SdgMapError(f"sdg.yaml: {code} is in {units[code]} but {entry['series']} is in {unit}: the units must be the same")
    if relation == "proxy" and "why" not in entry:
        raise SdgMapError(f"sdg.yaml: {code} is a proxy of {entry['series']}: say why")
    if relation == "measure" and "why" in entry:
        raise SdgMapError(f"sdg.yaml: {code} is the measure of {entry['series']}: a `why` is for a proxy")
    target = entry.get("target")
    value = factor = None
    if target is not None:
        if len({"value", "factor"} & set(target)) != 1:
            raise SdgMapError(f"sdg.yaml: {code}: a target is a `value` or a `factor` of the baseline, with its `source`")
        number = target.get("value", target.get("factor"))
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise SdgMapError(f"sdg.yaml: {code}: target {number!r} is not a number")
        value, factor = (float(number), None) if "value" in target else (None, float(number))
    return SdgSeries(
        indicator=code,
        sdg_indicator=str(entry["indicator"]),
        sdg_series=str(entry["series"]),
        relation=relation,
        unit=unit,
        direction=direction,
        why=_texts(code, "why", entry["why"]) if relation == "proxy" else None,
        target_value=value,
        target_factor=factor,
        target_source=_texts(code, "target source", target.get("source")) if target is not None else None,
    )


def sdg_frame() -> pd.DataFrame:
    """The map as a table, one row per national series, with the limits of its unit (the temporary table ``sdg_map``
    of a store build)."""
    sdg = load_sdg_map()
    rows = [
        {
            "indicator": s.indicator,
            "sdg_indicator": s.sdg_indicator,
            "sdg_series": s.sdg_series,
            "relation": s.relation,
            "unit": s.unit,
            "direction": s.direction,
            "target_value": s.target_value,
            "target_factor": s.target_factor,
            "lowest": sdg.limits[s.unit][0],
            "highest": sdg.limits[s.unit][1],
        }
        | {f"target_source_{lang}": (s.target_source or {}).get(lang) for lang in LANGUAGES}
        | {f"proxy_why_{lang}": (s.why or {}).get(lang) for lang in LANGUAGES}
        for s in sdg.series.values()
    ]
    return pd.DataFrame(rows).astype({"target_value": "float64", "target_factor": "float64"})


def sdg_code_tables() -> dict[str, pd.DataFrame]:
    """The SDG codes the store uses as tables: ``sdg_series`` (each UN series with its SDG indicator) and
    ``sdg_indicators``."""
    pairs = sorted({(s.sdg_series, s.sdg_indicator) for s in load_sdg_map().series.values()})
    indicators = sorted({indicator for _, indicator in pairs}, key=_numbering)
    return {
        "sdg_series": pd.DataFrame(pairs, columns=["sdg_series", "sdg_indicator"]),
        "sdg_indicators": pd.DataFrame({"sdg_indicator": indicators}),
    }


def _numbering(indicator: str) -> list[tuple[int, int, str]]:
    """The order of SDG indicators: 4.2.2 before 4.a.1 before 16.2.1."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in indicator.split(".")]


def register_sdg_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The map, the method's parameters (one row) and the survey's equity pairs as temporary tables of ``con``, for the
    SQL that computes ``sdg_progress`` and ``sdg_equity``."""
    sdg = load_sdg_map()
    frames = {
        "sdg_map": sdg_frame(),
        "sdg_method": pd.DataFrame([sdg.method]),
        "sdg_equity_pairs": pd.DataFrame(
            [(kind, a, b) for kind, (a, b) in sdg.equity_pairs.items()], columns=["dimension", "group_a", "group_b"]
        ),
    }
    for name, frame in frames.items():
        write_table(con, name, frame, temporary=True)
