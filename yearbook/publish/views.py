"""The yearbook tables for downstream tools: one view per table in the store, one CSV per table.

``yb_<table id>`` is the query that fills the table's sheet (:func:`yearbook.publish.layout.table_sql`):
long form for crosstab tables (one row per cell: ``row_no``, ``col_no``, the observation key,
``value``, ``unit``, ``obs_status``, ``obs_conf``, ``symbol``), wide form for ``yb_sdg_progress`` (one row per
national series of the SDG map) and ``yb_sdg_equity`` (one row per equity gap). The cells of the crosstabs are the
table ``yb_cells``. ``yb_tables`` lists every table: id, number, section, view, the English title and the years shown.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from yearbook.publish.layout import (
    StoreContext,
    TableResult,
    crosstab_layout,
    load_context,
    printed_spec,
    query_tables,
    table_sql,
    write_cells,
    years_shown,
    years_text,
)
from yearbook.publish.specs import YearbookSpec, load_yearbook_spec
from yearbook.store_comments import quoted

CATALOG_VIEW = "yb_tables"
SHAPES = {"crosstab": "one row per cell", "sdg_progress": "one row per national series", "sdg_equity": "one row per gap"}


def _catalog_sql(spec: YearbookSpec, ctx: StoreContext) -> str:
    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    rows = []
    for pos, t in enumerate(spec.tables, start=1):
        years = years_shown(t, ctx)
        title = t.title["en"].format(years=years_text(years))
        rows.append(
            f"({pos}, {lit(t.id)}, {lit(t.number)}, {lit(t.section)}, {lit(t.view)}, {lit(t.kind)}, {lit(title)}, {lit(years_text(years))})"
        )
    return (
        "SELECT * FROM (VALUES\n    "
        + ",\n    ".join(rows)
        + "\n) AS t(position, table_id, table_number, section, view_name, kind, title_en, years)"
    )


def create_table_views(con: duckdb.DuckDBPyConnection, spec: YearbookSpec | None = None) -> list[str]:
    """Create (or replace) the cells of the crosstabs (``yb_cells``), ``yb_<id>`` for every yearbook table, and the
    catalogue ``yb_tables``; return the view names."""
    spec = spec or load_yearbook_spec()
    ctx = load_context(con, spec)
    spec = printed_spec(con, spec, ctx)
    write_cells(con, [crosstab_layout(table, ctx) for table in spec.tables if table.kind == "crosstab"])
    names = []
    for table in spec.tables:
        con.execute(f'CREATE OR REPLACE VIEW "{table.view}" AS\n{table_sql(table)}')
        years = years_text(years_shown(table, ctx))
        title = " | ".join(table.title[lang].format(years=years) for lang in ("en", "ru", "kk"))
        shape = SHAPES[table.kind]
        con.execute(f'COMMENT ON VIEW "{table.view}" IS {quoted(f"Yearbook table {table.number}, {shape}: {title}")}')
        names.append(table.view)
    con.execute(f'CREATE OR REPLACE VIEW "{CATALOG_VIEW}" AS\n{_catalog_sql(spec, ctx)}')
    for (stale,) in con.execute(  # a table the views were made for before it was redesigned (the staff store's, made twice)
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND starts_with(view_name, 'yb_')"
    ).fetchall():
        if stale not in (*names, CATALOG_VIEW):
            con.execute(f'DROP VIEW "{stale}"')
    return [*names, CATALOG_VIEW]


def write_table_csvs(store: Path, folder: Path, spec: YearbookSpec | None = None, results: list[TableResult] | None = None) -> list[Path]:
    """Write ``yb_<id>.csv`` (UTF-8, comma-separated, header row) for every table of the store; return the paths.
    ``results``: the tables already queried (:func:`~yearbook.publish.layout.query_tables`)."""
    spec = spec or load_yearbook_spec()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(store), read_only=True) as con:
        ctx = load_context(con, spec)
        spec = printed_spec(con, spec, ctx)
        for result in results if results is not None else query_tables(con, spec, ctx):
            path = folder / f"{result.table.view}.csv"
            with open(path, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(result.columns)
                writer.writerows([_csv_value(v) for v in row] for row in result.rows)
            written.append(path)
        catalog = con.execute(_catalog_sql(spec, ctx))
        path = folder / f"{CATALOG_VIEW}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([d[0] for d in catalog.description])
            writer.writerows(catalog.fetchall())
        written.append(path)
    return written


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value
