"""What the store and the publication layer both do with DuckDB: write a pandas frame as a table."""

from __future__ import annotations

import duckdb
import pandas as pd


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, *, temporary: bool = False) -> None:
    """``frame`` as the table ``name`` of ``con`` (replaced if there is one); ``temporary``: for this connection only."""
    con.register("_frame", frame)
    con.execute(f'CREATE OR REPLACE {"TEMP " if temporary else ""}TABLE "{name}" AS SELECT * FROM _frame')
    con.unregister("_frame")
