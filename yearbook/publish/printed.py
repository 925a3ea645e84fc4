"""The yearbook tables as printed, for people who read the store or its CSVs rather than the workbook.

The grids of the workbook (:func:`yearbook.publish.render.table_grids`, the same code, the same store) are written
into the store cell by cell as ``yb_printed_cells``: for each table and language the range ``yb_<id>_table`` of the
sheet, headings and row labels as printed, each figure as the text it prints (a number with its table's decimals and
the decimal sign of the language's CSVs, yearbook.yaml ``csv_format``: a comma in kk and ru; no grouping; ``x``,
``…``, ``[z]`` as printed). From it come

- a labelled view per table and language, ``yb_<id>_<lang>``: one row per printed row, one column per printed column,
  each column named by its headings (the levels of a heading joined by " | ");
- the catalogue ``yb_tables``: number, section, views, the years shown, and the title, unit, source and notes as each
  workbook prints them, in kk, ru and en;
- the labelled CSVs ``tables/<lang>/yb_<id>.csv`` (:func:`yearbook.publish.views.write_table_csvs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from yearbook.duck import write_table
from yearbook.publish.layout import StoreContext, TableResult, years_text
from yearbook.publish.render import Cell, Grid, printed_cells, table_grids
from yearbook.publish.specs import LANGUAGES, YearbookSpec
from yearbook.store_comments import quoted

PRINTED_CELLS = "yb_printed_cells"
CATALOG = "yb_tables"
HEADING_JOIN = " | "
DECIMALS = {"int": 0, "dec1": 1, "dec2": 2}


@dataclass(frozen=True)
class PrintedTable:
    """One table in one language as its sheet prints it."""

    view: str  # the coded view, yb_<id>
    lang: str
    grid: Grid
    decimal: str  # the decimal sign of its language's CSVs (yearbook.yaml csv_format)

    @property
    def labelled_view(self) -> str:
        return f"{self.view}_{self.lang}"

    @property
    def header_rows(self) -> int:
        return len(self.grid.header)

    def texts(self) -> list[list[str]]:
        """Every cell of the printed range as text ('' where the sheet has none)."""
        return [[cell_text(cell, self.decimal) for cell in row] for row in printed_cells(self.grid)]

    def column_names(self) -> list[str]:
        """A name per printed column: its headings, levels joined, made unique."""
        names: list[str] = []
        for j, corner in enumerate(self.grid.corner):
            names.append(corner or f"column {j + 1}")
        for j in range(len(self.grid.header[0]) if self.grid.header else 0):
            levels = [text for level in self.grid.header if (text := level[j]) is not None]
            names.append(HEADING_JOIN.join(dict.fromkeys(levels)) or f"column {len(names) + 1}")
        unique: list[str] = []
        for name in names:
            n, candidate = 1, name
            while candidate in unique:
                n += 1
                candidate = f"{name} ({n})"
            unique.append(candidate)
        return unique


def cell_text(cell: Cell | None, decimal: str) -> str:
    """A printed cell as text: a figure with the decimals of its kind and the ``decimal`` sign (no digit grouping),
    anything else as it reads."""
    if cell is None:
        return ""
    if cell.kind in DECIMALS and isinstance(cell.value, int | float):
        return f"{cell.value:.{DECIMALS[cell.kind]}f}".replace(".", decimal)
    return str(cell.value)


def printed_tables(spec: YearbookSpec, ctx: StoreContext, results: list[TableResult]) -> list[PrintedTable]:
    """Every table in every language, as the workbooks print it."""
    return [
        PrintedTable(res.table.view, lang, grid, spec.meta["csv_format"][lang]["decimal"])
        for lang in LANGUAGES
        for res, grid in zip(results, table_grids(spec, ctx, results, lang)[0], strict=True)
    ]


def write_printed(con: duckdb.DuckDBPyConnection, spec: YearbookSpec, ctx: StoreContext, results: list[TableResult]) -> list[str]:
    """``yb_printed_cells``, the labelled views and ``yb_tables`` into the store; return the names of the views."""
    tables = printed_tables(spec, ctx, results)
    write_table(con, PRINTED_CELLS, _printed_cells(tables))
    numbers = {table.view: table.number for table in spec.tables}
    statements = []
    for t in tables:
        names = t.column_names()
        columns = ",\n    ".join(f"max(text) FILTER (WHERE printed_col = {j}) AS {_ident(name)}" for j, name in enumerate(names, start=1))
        statements.append(
            f'CREATE OR REPLACE VIEW "{t.labelled_view}" AS\nSELECT\n    {columns}\nFROM {PRINTED_CELLS}\n'
            f"WHERE view_name = {quoted(t.view)} AND language = {quoted(t.lang)} AND NOT heading\n"
            "GROUP BY printed_row\nORDER BY printed_row"
        )
        title = f"Yearbook table {numbers[t.view]} as printed in {t.lang}: {t.grid.title}"
        statements.append(f'COMMENT ON VIEW "{t.labelled_view}" IS {quoted(title)}')
        statements += [
            f'COMMENT ON COLUMN "{t.labelled_view}".{_ident(name)} IS '
            f"{quoted(f'The column headed {name!r} in the printed table, as text (figures with the decimals printed).')}"
            for name in names
        ]
    con.begin()  # one transaction: each statement on its own would commit the catalogue again (seconds in all)
    con.execute(";\n".join(statements))
    con.commit()
    write_table(con, CATALOG, _catalog(spec, ctx, results, tables))
    for name, frame in meanings(spec).items():
        write_table(con, name, frame)
    return [t.labelled_view for t in tables]


PRINTED_CELL_TYPES = pa.schema(
    [
        ("view_name", pa.string()),
        ("language", pa.string()),
        ("printed_row", pa.int32()),
        ("printed_col", pa.int32()),
        ("heading", pa.bool_()),
        ("text", pa.string()),
    ]
)


def _printed_cells(tables: list[PrintedTable]) -> pa.Table:
    """The rows of ``yb_printed_cells``, made a column at a time (a frame of a tuple per cell converts each text on its
    own: half a second for the district edition's 200,000 cells)."""
    columns: dict[str, list] = {name: [] for name in PRINTED_CELL_TYPES.names}
    for t in tables:
        for r, texts in enumerate(t.texts(), start=1):
            n = len(texts)
            columns["view_name"] += [t.view] * n
            columns["language"] += [t.lang] * n
            columns["printed_row"] += [r] * n
            columns["printed_col"] += range(1, n + 1)
            columns["heading"] += [r <= t.header_rows] * n
            columns["text"] += texts
    return pa.table(columns, schema=PRINTED_CELL_TYPES)


def meanings(spec: YearbookSpec) -> dict[str, pd.DataFrame]:
    """What the printed codes and symbols mean (the table specs), as tables: ``sections`` (their titles), ``units`` (a
    unit code and its printed name), ``symbols`` (x, …, -, [z]) and ``sdg_verdicts`` (a verdict of sdg_progress, its
    symbol and name)."""
    names = [f"name_{lang}" for lang in LANGUAGES]
    units = [(code, *(text[lang] for lang in LANGUAGES)) for code, text in spec.meta["units"].items()]
    symbols = [(symbol, *(text[lang] for lang in LANGUAGES)) for symbol, text in spec.meta["text"]["symbol_rows"]]
    verdicts = [(code, v["symbol"], *(v[lang] for lang in LANGUAGES)) for code, v in spec.meta["sdg_verdicts"].items()]
    sections = [(s.id, s.number, *(s.title[lang] for lang in LANGUAGES)) for s in spec.sections]
    return {
        "sections": pd.DataFrame(sections, columns=["section", "number", *names]),
        "units": pd.DataFrame(units, columns=["code", *names]),
        "symbols": pd.DataFrame(symbols, columns=["symbol", *names]),
        "sdg_verdicts": pd.DataFrame(verdicts, columns=["verdict", "verdict_symbol", *names]),
    }


def _catalog(spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], tables: list[PrintedTable]) -> pd.DataFrame:
    printed = {(t.view, t.lang): t.grid for t in tables}
    rows = []
    for pos, res in enumerate(results, start=1):
        t = res.table
        row: dict[str, object] = {
            "position": pos,
            "table_id": t.id,
            "table_number": t.number,
            "section": t.section,
            "view_name": t.view,
            "kind": t.kind,
            "years": years_text(res.years),
        }
        for lang in LANGUAGES:
            grid = printed[(t.view, lang)]
            row |= {
                f"title_{lang}": grid.title,
                f"unit_{lang}": grid.lines[0],
                f"source_{lang}": grid.lines[1],
                f"notes_{lang}": "\n".join(f"{marker} {text}" for _, marker, text in grid.notes) or None,
            }
        rows.append(row)
    return pd.DataFrame(rows).astype({"position": "int32", **{f"notes_{lang}": "string" for lang in LANGUAGES}})


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
