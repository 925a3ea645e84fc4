"""SDMX-CSV (2.0) export of ``observations`` for international reporting.

Dimensions and attributes take SDMX concept names: SEX, AGE, URBANISATION, WEALTH_QUINTILE,
UNIT_MEASURE, OBS_STATUS and CONF_STATUS (the store's ``obs_conf``); the yearbook's own
dimensions keep descriptive ids (MIGRATION_FLOW, CRIME_TYPE). Totals are ``_T``, never blank.
COMMENT_OBS (the SDMX cross-domain concept of an observation's comment) carries the observation's notes
(``observation_notes``) in English, as the workbook words them: a file sent on its own has no notes table to look ids
up in. Several notes are joined by a space, in the order of their ids (each note is whole sentences); none: blank.

The file is written by DuckDB: pysdmx's writer (the BIS-maintained SDMX library) formats every
value in Python, 18 s for the million observations of a district-level edition. pysdmx stays the
reference: the tests compare this file with what its writer makes of the same store, byte for byte
(:func:`sdmx_schema` is the structure both use).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pysdmx.model import Concept, DataType
from pysdmx.model.dataflow import Component, Components, Role, Schema

from yearbook.model import SDMX_CONCEPTS, render_sql

AGENCY = "KZ_BNS"
DATAFLOW = "DF_CHILDREN_YEARBOOK"
VERSION = "1.0"
NOT_AVAILABLE = "NaN"  # SDMX-CSV 2.0: a missing numeric value

# column of the observations (and their notes) -> (SDMX id, role): the key's from the data model
COLUMNS = {column: (concept, Role.DIMENSION) for column, concept in SDMX_CONCEPTS.items()} | {
    "value": ("OBS_VALUE", Role.MEASURE),
    "unit": ("UNIT_MEASURE", Role.ATTRIBUTE),
    "obs_status": ("OBS_STATUS", Role.ATTRIBUTE),
    "obs_conf": ("CONF_STATUS", Role.ATTRIBUTE),
    "comment_obs": ("COMMENT_OBS", Role.ATTRIBUTE),
}
NOTE_COMMENTS = (  # the English texts of each observation's notes, in one comment
    "SELECT {key}, string_agg(n.text_en, ' ' ORDER BY n.note_id) AS comment_obs "
    "FROM observation_notes JOIN notes AS n USING (note_id) GROUP BY ALL"
)


def sdmx_schema() -> Schema:
    """The dataflow's structure: dimensions, the measure, attributes (optional, observation level)."""
    components = [
        Component(
            id=sdmx_id,
            required=role is not Role.ATTRIBUTE,
            role=role,
            concept=Concept(id=sdmx_id, dtype=DataType.DOUBLE if role is Role.MEASURE else DataType.STRING),
            attachment_level="O" if role is Role.ATTRIBUTE else None,
        )
        for sdmx_id, role in COLUMNS.values()
    ]
    return Schema(context="dataflow", agency=AGENCY, id=DATAFLOW, components=Components(components), version=VERSION)


def sdmx_frame_query() -> str:
    """The store's observations and their notes with SDMX column names, in the file's row order."""
    select = ", ".join(
        f"CAST({col} AS VARCHAR) AS {sdmx_id}" if col == "time_period" else f"{col} AS {sdmx_id}" for col, (sdmx_id, _) in COLUMNS.items()
    )
    return render_sql(f"SELECT {select} FROM observations LEFT JOIN ({NOTE_COMMENTS}) USING ({{key}}) ORDER BY ALL", "sdmx_frame_query")


def sdmx_csv_query() -> str:
    """The rows of the SDMX-CSV file, every column as written (the value as text, ``NaN`` when not available)."""
    structure, structure_id = sdmx_schema().short_urn.split("=", maxsplit=1)
    columns = ", ".join(
        f"coalesce(CAST({sdmx_id} AS VARCHAR), '{NOT_AVAILABLE}') AS {sdmx_id}" if role is Role.MEASURE else sdmx_id
        for sdmx_id, role in COLUMNS.values()
    )
    head = f"'{structure.lower()}' AS STRUCTURE, '{structure_id}' AS STRUCTURE_ID, 'I' AS ACTION"
    return f"SELECT {head}, {columns} FROM ({sdmx_frame_query()})"


def write_sdmx_csv(store: Path, path: Path) -> Path:
    """Write every observation of ``store`` as SDMX-CSV 2.0 to ``path`` (a value not available is ``NaN``, with OBS_STATUS M).

    DuckDB writes a number as Python does (the shortest text that reads back as the same double: ``1712.0``), as
    pysdmx's writer does."""
    rows = sdmx_csv_query()
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(store), read_only=True) as con:
        con.execute(f"COPY ({rows}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER)")
    return path
