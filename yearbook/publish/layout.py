"""From a table spec and a store to the table's layout and the SQL that fills it.

The layout (years shown, row and column entries, the key of every cell) is computed from the
store's metadata and its cells are written to the table ``yb_cells`` (one row per cell of every
crosstab: view, row, column, observation key); the figures are then read by one SQL query per
table, which joins the table's cells to ``observations``. That query is the body of the table's
view ``yb_<id>`` (:mod:`yearbook.publish.views`), and the CSV and the workbook sheet
(:mod:`yearbook.publish.render`) read the view, so the three cannot disagree. (The cells are a
table rather than a ``VALUES`` list inside each view: a district-level edition's views would hold
megabytes of SQL that DuckDB parses again at every query.)

A crosstab view is in long form: one row per table cell (``row_no``, ``col_no`` count from 1 in
the order of the printed table), with the cell's full observation key, ``value``, ``unit``,
``obs_status``, ``obs_conf`` (NULL when ``observations`` has no row for the key, e.g. a form not
submitted) and ``symbol``: ``x`` confidential, ``…`` not available, ``-`` a true zero, ``[z]`` not
applicable (a region in a year it did not exist: ``value`` NULL), NULL when ``value`` is shown. Every
cell of the printed table has its row, so the view, the CSV and the sheet agree cell for cell.
The views of section 8's ``sdg_progress`` and ``sdg_equity`` tables are wide, one row per national series or per gap,
read from the store's tables of the same names (:func:`sdg_progress_sql`, :func:`sdg_equity_sql`).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from yearbook.model import DIMENSIONS, KEY, NATIONAL, TOTAL
from yearbook.publish.specs import TableSpec, YearbookSpec

CELLS_TABLE = "yb_cells"
CELL_COLUMNS = (
    {"view_name": "VARCHAR", "row_no": "INTEGER", "col_no": "INTEGER"}
    | {k: "INTEGER" if k == "time_period" else "VARCHAR" for k in KEY}
    | {"applicable": "BOOLEAN"}  # FALSE: the region did not exist in the year
)
NOT_APPLICABLE = "[z]"  # the Analysis Function's symbol; yearbook.yaml's legend says what it means

DISAGGREGATION_ORDER = ("ref_area", *DIMENSIONS)


@dataclass
class StoreContext:
    """What the layouts need to know about a store, read once."""

    indicators: pd.DataFrame  # indexed by code
    regions: pd.DataFrame  # indexed by ref_area, in display order
    region_labels: pd.DataFrame
    dimension_order: dict[str, list[str]]  # dimension -> codes in code-list order
    dimension_names: dict[tuple[str, str], dict[str, str]]  # (dimension, code) -> language -> name
    edition_years: list[int]
    indicator_years: dict[str, list[int]]  # years with any observation
    indicator_codes: dict[tuple[str, str], set[str]]  # (indicator, dimension) -> codes present
    missing_forms: set[tuple[str, int]]  # (form, year) not submitted
    run: dict[str, object] = field(default_factory=dict)
    _validity: dict[str, tuple[int | None, int | None]] = field(default_factory=dict, init=False, repr=False)
    _label_periods: dict[tuple[str, str], list[tuple[str, int | None, int | None]]] = field(default_factory=dict, init=False, repr=False)
    _columns: dict[tuple[str, str], dict[Any, Any]] = field(default_factory=dict, init=False, repr=False)

    def region_label_periods(self, ref_area: str, lang: str) -> list[tuple[str, int | None, int | None]]:
        """The labels of a region in a language with their validity (None: open), in stored order."""
        if not self._label_periods and len(self.region_labels):  # a store without region_labels: a frame without columns
            labels = self.region_labels
            columns = (labels["ref_area"], labels["language"], labels["label"], labels["valid_from"], labels["valid_to"])
            for area, language, label, valid_from, valid_to in zip(*columns, strict=True):
                vf = None if pd.isna(valid_from) else int(valid_from)
                vt = None if pd.isna(valid_to) else int(valid_to)
                self._label_periods.setdefault((area, language), []).append((label, vf, vt))
        return self._label_periods.get((ref_area, lang), [])

    def region_validity(self, ref_area: str) -> tuple[int | None, int | None]:
        """The first and last year a region exists (None: open)."""
        if not self._validity:
            for code, row in self.regions.iterrows():
                start, end = row["valid_from"], row["valid_to"]
                self._validity[str(code)] = (None if pd.isna(start) else int(start), None if pd.isna(end) else int(end))
        return self._validity.get(ref_area, (None, None))

    def region_exists(self, ref_area: str, year: int) -> bool:
        start, end = self.region_validity(ref_area)
        return ref_area == NATIONAL or ((start is None or year >= start) and (end is None or year <= end))

    def decimals(self, indicator: str) -> int:
        """The decimals ``indicator`` prints with (asked once per printed figure)."""
        return int(self._column("indicators", "decimals")[indicator])

    def region_name(self, ref_area: str, lang: str) -> str:
        """A region's name in ``lang`` (its code where the store has no such region)."""
        return str(self._column("regions", f"name_{lang}").get(ref_area, ref_area))

    def indicator_name(self, code: str, lang: str) -> str:
        """An indicator's name in ``lang`` (its code where the store has no such indicator)."""
        return str(self._column("indicators", f"name_{lang}").get(code, code))

    def _column(self, frame: str, column: str) -> dict[Any, Any]:
        """A column of ``regions`` or ``indicators`` by code, as a dict: every printed figure, row label and heading
        asks for one, and a lookup in the frame costs a hundred times as much (a district edition's grids: seconds)."""
        if (frame, column) not in self._columns:
            self._columns[frame, column] = getattr(self, frame)[column].to_dict()
        return self._columns[frame, column]

    def dim_name(self, dim: str, code: str, lang: str) -> str:
        return self.dimension_names.get((dim, code), {}).get(lang, code)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def load_context(con: duckdb.DuckDBPyConnection, spec: YearbookSpec) -> StoreContext:
    tables = _tables(con)
    indicators = con.execute("SELECT * FROM indicators").df().set_index("code")
    regions = con.execute("SELECT * FROM regions ORDER BY display_order, ref_area").df().set_index("ref_area")
    region_labels = con.execute("SELECT * FROM region_labels").df() if "region_labels" in tables else pd.DataFrame()
    dims = con.execute("SELECT rowid AS pos, * FROM dimension_codes ORDER BY pos").df()
    order: dict[str, list[str]] = {}
    names: dict[tuple[str, str], dict[str, str]] = {}
    for dim, code, kk, ru, en in zip(dims["dimension"], dims["code"], dims["name_kk"], dims["name_ru"], dims["name_en"], strict=True):
        order.setdefault(dim, []).append(code)
        names[(dim, code)] = {"kk": kk, "ru": ru, "en": en}
    years = {
        ind: sorted(int(y) for y in ys)
        for ind, ys in con.execute("SELECT indicator, list(DISTINCT time_period) FROM observations GROUP BY indicator").fetchall()
    }
    present: dict[tuple[str, str], set[str]] = {}
    for dim in ("ref_area", *DIMENSIONS):
        for ind, codes in con.execute(f"SELECT indicator, list(DISTINCT {dim}) FROM observations GROUP BY indicator").fetchall():
            present[(ind, dim)] = set(codes)
    missing: set[tuple[str, int]] = set()
    if "validation_results" in tables:
        frame = con.execute(
            "SELECT CAST(form AS VARCHAR) AS form, CAST(year AS INTEGER) AS year FROM validation_results WHERE rule = 'missing_form'"
        ).df()
        missing = {(f, int(y)) for f, y in zip(frame["form"], frame["year"], strict=True) if f is not None and not pd.isna(y)}
    run: dict[str, object] = {}
    edition: set[int] = set()
    if {"build_runs", "build_files"} <= tables:
        last = con.execute("SELECT run_id, built_at FROM build_runs ORDER BY built_at DESC LIMIT 1").fetchone()
        if last:
            run = {"run_id": last[0], "built_at": last[1]}
            edition = {
                int(y)
                for (y,) in con.execute("SELECT DISTINCT year FROM build_files WHERE run_id = ? AND year IS NOT NULL", [last[0]]).fetchall()
            }
    if not edition:
        survey = set(spec.meta.get("survey_forms", ()))
        edition = {y for ind, ys in years.items() if indicators.loc[ind, "form"] not in survey for y in ys} if len(indicators) else set()
        edition |= {y for _, y in missing}
    return StoreContext(indicators, regions, region_labels, order, names, sorted(edition), years, present, missing, run)


def years_shown(table: TableSpec, ctx: StoreContext) -> list[int]:
    """The years a table shows: the latest or every reference year of the edition, or every year its indicators have."""
    if table.years == "all_available":
        inds = table.indicators or tuple(ctx.indicator_years)
        years = sorted({y for ind in inds for y in ctx.indicator_years.get(ind, [])})
        return years or ctx.edition_years[-1:]
    if table.years == "latest":
        return ctx.edition_years[-1:]
    return list(ctx.edition_years)


def years_text(years: list[int]) -> str:
    if not years:
        return ""
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def sources_text(spec: YearbookSpec, ctx: StoreContext, forms: tuple[str, ...], years: list[int], lang: str) -> str:
    """The bodies behind ``forms``, each as named in the years it has figures among ``years`` (all of them when it has
    none, e.g. a form not submitted): a body renamed or split within them is named with its years."""
    names = []
    for form in forms:
        codes = [code for code, f in zip(ctx.indicators.index, ctx.indicators["form"], strict=True) if f == form]
        reported = sorted({y for code in codes for y in ctx.indicator_years.get(code, ())} & set(years)) or years
        periods = spec.source_names(form, reported)
        for name, applies in periods:
            text = name[lang] if len(periods) == 1 else spec.text("source_years", lang, source=name[lang], years=years_text(applies))
            names.append(text)
    return "; ".join(dict.fromkeys(names))


@dataclass(frozen=True)
class Member:
    """One heading of an axis entry: a code of a dimension (``disaggregation``: the dimension broken down)."""

    dim: str
    code: str | int


@dataclass(frozen=True)
class AxisEntry:
    levels: tuple[Member | None, ...]  # one per heading level; None: the level above spans it
    key: tuple[tuple[str, str | int], ...]  # the key dimensions this entry fixes


@dataclass
class CrosstabLayout:
    table: TableSpec
    years: list[int]
    rows: list[AxisEntry]
    columns: list[AxisEntry]
    cells: list[tuple[int, int, dict[str, str | int]]]  # (row_no, col_no, key) of the cells that can hold a figure
    not_applicable: list[tuple[int, int, dict[str, str | int]]]  # the cells of a region in a year it did not exist


def axis_members(table: TableSpec, dim: str, years: list[int], ctx: StoreContext) -> list[str | int]:
    """Codes of one axis dimension, in display order."""
    if dim == "time_period":
        return list(table.members.get(dim, years))
    if dim == "indicator":
        return list(table.members.get(dim, table.indicators))
    if dim in table.members:
        return list(table.members[dim])
    present = set().union(*(ctx.indicator_codes.get((ind, dim), set()) for ind in table.indicators))
    if dim == "ref_area":
        regions = [r for r in ctx.regions.index if r != NATIONAL and any(ctx.region_exists(r, y) for y in years)]
        return [NATIONAL, *regions]
    order = ctx.dimension_order.get(dim, [])
    if not present:  # no figure at all (a form never submitted): the whole code list, so the table keeps its shape
        return list(order)
    shown: list[str | int] = [c for c in order if c in present]
    return shown + sorted(present - set(order))


def _axis(table: TableSpec, dims: tuple[str, ...], years: list[int], ctx: StoreContext) -> list[AxisEntry]:
    per_dim: list[list[AxisEntry]] = []
    for dim in dims:
        if dim == "disaggregation":
            entries = [AxisEntry((Member("disaggregation", TOTAL), None), tuple((d, TOTAL) for d in table.disaggregations))]
            for d in table.disaggregations:
                for code in axis_members(table, d, years, ctx):
                    if code == TOTAL:
                        continue
                    key = tuple((x, code if x == d else TOTAL) for x in table.disaggregations)
                    entries.append(AxisEntry((Member("disaggregation", d), Member(d, code)), key))
            per_dim.append(entries)
        else:
            per_dim.append([AxisEntry((Member(dim, c),), ((dim, c),)) for c in axis_members(table, dim, years, ctx)])
    return [
        AxisEntry(tuple(m for e in combo for m in e.levels), tuple(k for e in combo for k in e.key))
        for combo in itertools.product(*per_dim)
    ]


def crosstab_layout(table: TableSpec, ctx: StoreContext) -> CrosstabLayout:
    years = years_shown(table, ctx)
    rows = _axis(table, table.rows, years, ctx)
    cols = _axis(table, table.columns, years, ctx)
    fixed: dict[str, str | int] = dict(table.fixed())
    if "time_period" not in table.rows + table.columns:
        fixed["time_period"] = years[-1] if years else 0
    if "indicator" not in table.rows + table.columns:
        fixed["indicator"] = table.indicators[0]
    cells: list[tuple[int, int, dict[str, str | int]]] = []
    not_applicable: list[tuple[int, int, dict[str, str | int]]] = []
    for r, row in enumerate(rows, start=1):
        for c, col in enumerate(cols, start=1):
            key = {**fixed, **dict(row.key), **dict(col.key)}
            exists = ctx.region_exists(str(key["ref_area"]), int(key["time_period"]))
            (cells if exists else not_applicable).append((r, c, key))
    return CrosstabLayout(table, years, rows, cols, cells, not_applicable)


def _lit(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


REASONS_TABLE = "disclosure_cells"  # the staff store's: why each figure is hidden from the public one


def printed_spec(con: duckdb.DuckDBPyConnection, spec: YearbookSpec, ctx: StoreContext) -> YearbookSpec:
    """``spec`` with each table that declares a redesign replaced by it where more than its declared share of the
    table's cells is hidden by disclosure control and the redesign's tables hide a smaller share (at district level a
    coarse table can be as small as a fine one is at region level). Hidden: in this store (``obs_conf`` C, no value),
    or, in the staff store, in the public one (``disclosure_cells``): both stores print the same tables. The spec
    returned declares no redesign: given again, it comes back as it is."""
    redesigned = [t for t in spec.tables if t.redesign is not None and t.kind == "crosstab"]
    if not redesigned:
        return spec
    rows = [
        (t.id, "fine" if shown is t else "redesign", *(key[k] for k in KEY))
        for t in redesigned
        for shown in (t, *(t.redesign.tables if t.redesign else ()))
        if shown.kind == "crosstab"
        for _, _, key in crosstab_layout(shown, ctx).cells
    ]
    cells = pd.DataFrame(rows, columns=["table_id", "layout", *KEY], dtype=object).astype({"time_period": "int64"})
    same_key = " AND ".join(f"o.{k} = c.{k}" for k in KEY)
    staff = REASONS_TABLE in _tables(con)
    hidden = "o.obs_conf = 'C' AND o.value IS NULL" + (" OR d.reason IS NOT NULL" if staff else "")
    reasons = f"LEFT JOIN {REASONS_TABLE} AS d ON {same_key.replace('o.', 'd.')}" if staff else ""
    con.register("_printed_cells", cells)
    shares = {
        (table_id, layout): share
        for table_id, layout, share in con.execute(
            f"SELECT c.table_id, c.layout, avg(CASE WHEN {hidden} THEN 1.0 ELSE 0.0 END) FROM _printed_cells AS c "
            f"LEFT JOIN observations AS o ON {same_key} {reasons} GROUP BY c.table_id, c.layout"
        ).fetchall()
    }
    con.unregister("_printed_cells")

    def printed(t: TableSpec) -> tuple[TableSpec, ...]:
        if t.redesign is None:
            return (t,)
        fine = shares.get((t.id, "fine"), 0.0)
        if fine > t.redesign.when_hidden_over and shares.get((t.id, "redesign"), 1.0) < fine:
            return t.redesign.tables
        return (dataclasses.replace(t, redesign=None),)  # decided: a printed spec given again is returned as it is

    sections = tuple(dataclasses.replace(s, tables=tuple(x for t in s.tables for x in printed(t))) for s in spec.sections)
    return dataclasses.replace(spec, sections=sections)


SYMBOL_SQL = (
    f"CASE WHEN NOT c.applicable THEN '{NOT_APPLICABLE}' "
    "WHEN o.indicator IS NULL THEN '…' "
    "WHEN o.value IS NULL AND o.obs_conf = 'C' THEN 'x' "
    "WHEN o.value IS NULL THEN '…' "
    "WHEN o.value = 0 THEN '-' END"
)


def write_cells(con: duckdb.DuckDBPyConnection, layouts: list[CrosstabLayout]) -> None:
    """``yb_cells``: every cell of these crosstab tables (view, row and column number, observation key, whether the
    region existed in the year), in table order."""
    rows = [
        (layout.table.view, r, c, *(key[k] for k in KEY), applicable)
        for layout in layouts
        for r, c, key, applicable in sorted(
            [(r, c, key, True) for r, c, key in layout.cells] + [(r, c, key, False) for r, c, key in layout.not_applicable],
            key=lambda cell: cell[:2],
        )
    ]
    cells = pd.DataFrame(rows, columns=list(CELL_COLUMNS), dtype=object)
    con.execute(f"CREATE OR REPLACE TABLE {CELLS_TABLE} ({', '.join(f'{c} {t}' for c, t in CELL_COLUMNS.items())})")
    con.register("_cells", cells)
    con.execute(f"INSERT INTO {CELLS_TABLE} SELECT * FROM _cells")
    con.unregister("_cells")


def crosstab_sql(table: TableSpec) -> str:
    """One row per cell of the table, in long form (see the module docstring): its cells of ``yb_cells`` and their figures."""
    cols = ["row_no", "col_no", *KEY]
    join = " AND ".join(f"o.{k} = c.{k}" for k in KEY)
    return (
        f"-- yearbook table {table.number} ({table.id}), long form: one row per cell\n"
        f"SELECT {', '.join(f'c.{k}' for k in cols)},\n"
        f"    o.value, coalesce(o.unit, i.unit) AS unit, o.obs_status, o.obs_conf,\n"
        f"    {SYMBOL_SQL} AS symbol\n"
        f"FROM {CELLS_TABLE} AS c\n"
        f"LEFT JOIN indicators AS i ON i.code = c.indicator\n"
        f"LEFT JOIN observations AS o ON c.applicable AND {join}\n"
        f"WHERE c.view_name = {_lit(table.view)}\n"
        f"ORDER BY c.row_no, c.col_no"
    )


def _sdg_order(alias: str) -> str:
    """The order of SDG indicator codes ``1.2.1 < 1.10.1 < 4.a.1``, then series and national indicator; an indicator
    that serves no SDG last."""
    code = f"{alias}.sdg_indicator"
    return (
        f"CAST(split_part({code}, '.', 1) AS INTEGER), "
        f"CASE WHEN regexp_matches(split_part({code}, '.', 2), '^[0-9]+$') "
        f"THEN lpad(split_part({code}, '.', 2), 3, '0') ELSE 'z' || split_part({code}, '.', 2) END, "
        f"TRY_CAST(split_part({code}, '.', 3) AS INTEGER), {alias}.sdg_series, {alias}.indicator"
    )


SDG_PROGRESS_COLUMNS = (
    "sdg_indicator", "sdg_series", "indicator", "relation", "unit", "direction",
    "baseline_year", "baseline_value", "latest_year", "latest_value", "latest_withheld", "points",
    "anticipated_2030", "target_value", "verdict",
    "target_source_kk", "target_source_ru", "target_source_en", "proxy_why_kk", "proxy_why_ru", "proxy_why_en",
)  # fmt: skip


def sdg_progress_sql(table: TableSpec) -> str:
    """One row per national series of the SDG map: the store's ``sdg_progress`` (docs/sdg-progress.md), in SDG order."""
    return (
        f"-- yearbook table {table.number} ({table.id}), wide form: one row per national series of the SDG map (sdg_progress)\n"
        f"SELECT CAST(row_number() OVER (ORDER BY {_sdg_order('p')}) AS INTEGER) AS row_no,\n"
        f"    {', '.join(f'p.{c}' for c in SDG_PROGRESS_COLUMNS)}\n"
        f"FROM sdg_progress AS p\n"
        f"ORDER BY row_no"
    )


def sdg_equity_sql(table: TableSpec) -> str:
    """One row per gap of the store's ``sdg_equity`` in the latest year that has it (each indicator's gaps by one
    dimension, or between regions), in SDG order, the gaps of an indicator in the order of the dimensions."""
    kinds = ", ".join(_lit(d) for d in DISAGGREGATION_ORDER)
    return (
        f"-- yearbook table {table.number} ({table.id}), wide form: one row per gap of sdg_equity, its latest year\n"
        f"WITH latest AS (\n"
        f"    SELECT * FROM sdg_equity\n"
        f"    QUALIFY time_period = max(time_period) OVER (PARTITION BY indicator, gap_kind)\n"
        f")\n"
        f"SELECT CAST(row_number() OVER (ORDER BY {_sdg_order('e')}, list_position([{kinds}], e.dimension)) AS INTEGER) AS row_no,\n"
        f"    e.sdg_indicator, e.sdg_series, e.indicator, e.gap_kind, e.dimension, e.time_period,\n"
        f"    e.group_a, e.value_a, e.group_b, e.value_b, e.ratio, e.difference, e.unit\n"
        f"FROM latest AS e\n"
        f"ORDER BY row_no"
    )


def table_sql(table: TableSpec) -> str:
    """The query behind a table's view, CSV and sheet (a crosstab's reads its cells from ``yb_cells``)."""
    if table.kind == "sdg_progress":
        return sdg_progress_sql(table)
    if table.kind == "sdg_equity":
        return sdg_equity_sql(table)
    return crosstab_sql(table)


@dataclass
class TableResult:
    """One table as queried: its spec, the years shown, its layout (crosstabs) and the rows of its query."""

    table: TableSpec
    years: list[int]
    layout: CrosstabLayout | None
    columns: list[str]
    rows: list[tuple]


def query_tables(con: duckdb.DuckDBPyConnection, spec: YearbookSpec, ctx: StoreContext) -> list[TableResult]:
    """Every table's layout and figures, read from its view (:func:`yearbook.publish.views.create_table_views`)."""
    out = []
    for table in spec.tables:
        layout = crosstab_layout(table, ctx) if table.kind == "crosstab" else None
        cur = con.execute(f'SELECT * FROM "{table.view}"')
        years = layout.years if layout is not None else years_shown(table, ctx)
        out.append(TableResult(table, years, layout, [d[0] for d in cur.description], cur.fetchall()))
    return out
