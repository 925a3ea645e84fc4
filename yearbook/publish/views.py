"""The yearbook tables for downstream tools: views in the store and CSV files, coded and labelled.

``yb_<table id>`` is the query that fills the table's sheet (:func:`yearbook.publish.layout.table_sql`):
long form for crosstab tables (one row per cell: ``row_no``, ``col_no``, the observation key,
``value``, ``unit``, ``obs_status``, ``obs_conf``, ``symbol``), wide form for ``yb_sdg_progress`` (one row per
national series of the SDG map) and ``yb_sdg_equity`` (one row per equity gap). The cells of the crosstabs are the
table ``yb_cells``. Each table as printed, in each language, is the view ``yb_<id>_<lang>`` and the CSV
``tables/<lang>/yb_<id>.csv`` (:mod:`yearbook.publish.printed`); ``yb_tables`` lists every table with its title, unit,
source and notes in kk, ru and en.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from yearbook.publish.layout import (
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
from yearbook.publish.printed import CATALOG, PRINTED_CELLS, write_printed
from yearbook.publish.render import render_workbooks
from yearbook.publish.specs import YearbookSpec, load_yearbook_spec
from yearbook.store_comments import quoted

SHAPES = {"crosstab": "one row per cell", "sdg_progress": "one row per national series", "sdg_equity": "one row per gap"}
BOM = "utf-8-sig"  # the labelled CSVs: Excel reads a file without it as ANSI and garbles Cyrillic


def create_table_views(con: duckdb.DuckDBPyConnection, spec: YearbookSpec | None = None) -> list[str]:
    """Create (or replace) the cells of the crosstabs (``yb_cells``), ``yb_<id>`` for every yearbook table, the tables as
    printed with their labelled views ``yb_<id>_<lang>`` and the catalogue ``yb_tables``
    (:mod:`yearbook.publish.printed`); return the view names."""
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
    names += write_printed(con, spec, ctx, query_tables(con, spec, ctx))
    for (stale,) in con.execute(  # a table the views were made for before it was redesigned (the staff store's, made twice)
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND starts_with(view_name, 'yb_')"
    ).fetchall():
        if stale not in names:
            con.execute(f'DROP VIEW "{stale}"')
    return names


def write_table_csvs(store: Path, folder: Path, spec: YearbookSpec | None = None, results: list[TableResult] | None = None) -> list[Path]:
    """Write, for every table of the store, ``yb_<id>.csv`` (the coded view; UTF-8, comma-separated, header row) and
    ``<lang>/yb_<id>.csv`` in each language (the table as printed, UTF-8 with a byte-order mark), and the catalogue
    ``yb_tables.csv``; return the paths. ``results``: the tables already queried
    (:func:`~yearbook.publish.layout.query_tables`)."""
    spec = spec or load_yearbook_spec()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(store), read_only=True) as con:
        ctx = load_context(con, spec)
        spec = printed_spec(con, spec, ctx)
        for result in results if results is not None else query_tables(con, spec, ctx):
            rows = [[_csv_value(v) for v in row] for row in result.rows]
            written.append(write_csv(folder / f"{result.table.view}.csv", result.columns, rows))
        catalog = con.execute(f'SELECT * FROM "{CATALOG}" ORDER BY position')
        written.append(write_csv(folder / f"{CATALOG}.csv", [d[0] for d in catalog.description], catalog.fetchall()))
        cells = con.execute(
            f'SELECT view_name, language, printed_row, list(text ORDER BY printed_col) FROM "{PRINTED_CELLS}" GROUP BY ALL ORDER BY ALL'
        )
        printed: dict[tuple[str, str], list[list[str]]] = {}
        for view, lang, _, texts in cells.fetchall():
            printed.setdefault((view, lang), []).append(texts)
    for (view, lang), texts in printed.items():
        delimiter = spec.meta["csv_format"][lang]["delimiter"]
        written.append(write_csv(folder / lang / f"{view}.csv", None, texts, encoding=BOM, delimiter=delimiter))
    return written


def write_csv(path: Path, header: list[str] | None, rows: list, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """``rows`` (a None is written empty) under ``header`` (None: no header row) into ``path``, its folder made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def render_yearbook(store: Path, folder: Path, tables_folder: Path, spec: YearbookSpec | None = None) -> tuple[list[Path], list[Path]]:
    """The workbooks into ``folder`` and every table as CSV into ``tables_folder``, each table queried once."""
    spec = spec or load_yearbook_spec()
    with duckdb.connect(str(store), read_only=True) as con:
        ctx = load_context(con, spec)
        spec = printed_spec(con, spec, ctx)
        results = query_tables(con, spec, ctx)
    return render_workbooks(store, folder, spec, results), write_table_csvs(store, tables_folder, spec, results)
