"""What the store and the publication layer both do with DuckDB: write a frame as a table."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | pa.Table, *, temporary: bool = False) -> None:
    """``frame`` (a pandas frame or an Arrow table) as the table ``name`` of ``con`` (replaced if there is one);
    ``temporary``: for this connection only."""
    con.register("_frame", frame)
    con.execute(f'CREATE OR REPLACE {"TEMP " if temporary else ""}TABLE "{name}" AS SELECT * FROM _frame')
    con.unregister("_frame")
