"""Comments on every table, view and column of a store (``COMMENT ON``), so that the store explains itself to a tool
that lists it: the tables' and columns' meanings are declared in ``schemas/store.yaml``, the yearbook views' in their
table specs."""

from __future__ import annotations

from functools import cache

import duckdb

from yearbook.config import load_yaml, schemas_dir


@cache
def store_docs() -> dict[str, dict[str, str]]:
    """``schemas/store.yaml``: ``tables``, ``columns`` (a column's meaning wherever it appears) and ``table_columns``."""
    return load_yaml(schemas_dir() / "store.yaml")


def quoted(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def comment_store(con: duckdb.DuckDBPyConnection) -> None:
    """Comment every table (and view) that ``schemas/store.yaml`` describes, and every column of the store's tables
    and views. What it does not describe keeps no comment (tests/test_store_comments.py finds it); the yb_ views of
    the yearbook tables are commented when they are made (:func:`yearbook.publish.views.create_table_views`)."""
    docs = store_docs()
    tables, columns, exceptions = docs["tables"], docs["columns"], docs.get("table_columns", {})
    here = "database_name = current_database() AND schema_name = 'main'"
    statements = [
        f'COMMENT ON {kind} "{name}" IS {quoted(tables[name])}'
        for kind, listing in (("TABLE", "duckdb_tables()"), ("VIEW", "duckdb_views()"))
        for (name,) in con.execute(f"SELECT {kind.lower()}_name FROM {listing} WHERE {here}").fetchall()
        if name in tables
    ]
    for table, column in con.execute(f"SELECT table_name, column_name FROM duckdb_columns() WHERE {here}").fetchall():
        text = exceptions.get(f"{table}.{column}") or columns.get(column)
        if text:
            statements.append(f'COMMENT ON COLUMN "{table}"."{column}" IS {quoted(text)}')
    con.begin()  # one transaction: each COMMENT ON on its own would commit the catalogue again (seconds, not a fifth)
    con.execute(";\n".join(statements))
    con.commit()
