"""The figures of the key-figures sheet (yearbook.yaml's ``key_figures``), read from the store's observations.

Kept apart from their drawing (:mod:`yearbook.publish.front_matter`), which uses the renderer's helpers: the renderer
reads them while its store is open.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from yearbook.model import DIMENSIONS, KEY, NATIONAL, TOTAL
from yearbook.publish.layout import NOT_APPLICABLE, SYMBOL_SQL, StoreContext
from yearbook.publish.specs import YearbookSpec

Figure = float | str  # a number, or the symbol printed instead (x confidential, … not available, - zero, [z] not applicable)


@dataclass(frozen=True)
class KeyFigure:
    indicator: str
    unit: str
    previous: Figure  # the year before the latest reference year
    latest: Figure


@dataclass(frozen=True)
class KeyFigures:
    years: tuple[int, int]  # (previous, latest)
    figures: tuple[KeyFigure, ...]


def read_key_figures(con: duckdb.DuckDBPyConnection, spec: YearbookSpec, ctx: StoreContext) -> KeyFigures:
    """The key figures of ``yearbook.yaml`` in the latest reference year and the year before, with the tables' symbols
    (:data:`~yearbook.publish.layout.SYMBOL_SQL`: a confidential figure is ``x``, never its value)."""
    latest = ctx.edition_years[-1]
    years = (latest - 1, latest)
    keys = [
        {"pos": i, **{d: NATIONAL if d == "ref_area" else (f.get("filters") or {}).get(d, TOTAL) for d in ("ref_area", *DIMENSIONS)}}
        | {"indicator": f["indicator"], "time_period": year}
        for i, f in enumerate(spec.meta["key_figures"])
        for year in years
    ]
    con.register("_key_figures", pd.DataFrame(keys, columns=["pos", *KEY]).astype({"time_period": "int64"}))
    join = " AND ".join(f"o.{k} = c.{k}" for k in KEY)
    found = {  # the keys as the tables' cells (c), all applicable: the country exists in every year
        (pos, year): value if symbol is None else symbol
        for pos, year, value, symbol in con.execute(
            f"SELECT c.pos, c.time_period, o.value, {SYMBOL_SQL} FROM (SELECT *, TRUE AS applicable FROM _key_figures) AS c "
            f"LEFT JOIN observations AS o ON {join}"
        ).fetchall()
    }
    con.unregister("_key_figures")
    figures = tuple(
        KeyFigure(f["indicator"], str(ctx.indicators.loc[f["indicator"], "unit"]), found[(i, years[0])], found[(i, years[1])])
        for i, f in enumerate(spec.meta["key_figures"])
    )
    return KeyFigures(years, figures)


def change(previous: Figure, latest: Figure) -> tuple[Figure, Figure]:
    """Latest − previous, and as a percentage of previous where both are positive (of a balance such as net migration a
    percentage says nothing: not applicable). A confidential side hides the change too (with the other year it would give the hidden
    figure away); a missing side leaves it not available."""
    if "x" in (previous, latest):
        return "x", "x"
    if "…" in (previous, latest):
        return "…", "…"
    before, after = (0.0 if v == "-" else float(v) for v in (previous, latest))
    if after == before:
        return "-", "-"
    return after - before, (after / before - 1) * 100 if before > 0 and after > 0 else NOT_APPLICABLE
