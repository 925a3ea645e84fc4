"""SDMX-CSV (2.0) export of ``observations`` for international reporting, written with pysdmx.

Dimensions and attributes take SDMX concept names: SEX, AGE, URBANISATION, WEALTH_QUINTILE,
UNIT_MEASURE, OBS_STATUS and CONF_STATUS (the store's ``obs_conf``); the yearbook's own
dimensions keep descriptive ids (MIGRATION_FLOW, CRIME_TYPE). Totals are ``_T``, never blank.
pysdmx (the BIS-maintained SDMX library) writes the file, so the format follows the standard as it evolves.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pysdmx.io.csv.sdmx20.writer import write
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Concept, DataType
from pysdmx.model.dataflow import Component, Components, Role, Schema

AGENCY = "KZ_BNS"
DATAFLOW = "DF_CHILDREN_YEARBOOK"
VERSION = "1.0"

# store column -> (SDMX id, role)
COLUMNS = {
    "indicator": ("INDICATOR", Role.DIMENSION),
    "ref_area": ("REF_AREA", Role.DIMENSION),
    "time_period": ("TIME_PERIOD", Role.DIMENSION),
    "sex": ("SEX", Role.DIMENSION),
    "age": ("AGE", Role.DIMENSION),
    "area": ("URBANISATION", Role.DIMENSION),
    "flow": ("MIGRATION_FLOW", Role.DIMENSION),
    "crime_type": ("CRIME_TYPE", Role.DIMENSION),
    "wealth_quintile": ("WEALTH_QUINTILE", Role.DIMENSION),
    "value": ("OBS_VALUE", Role.MEASURE),
    "unit": ("UNIT_MEASURE", Role.ATTRIBUTE),
    "obs_status": ("OBS_STATUS", Role.ATTRIBUTE),
    "obs_conf": ("CONF_STATUS", Role.ATTRIBUTE),
}


def _schema() -> Schema:
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


def write_sdmx_csv(store: Path, path: Path) -> Path:
    """Write every observation of ``store`` as SDMX-CSV 2.0 to ``path`` (a value not available is ``NaN``, with OBS_STATUS M)."""
    select = ", ".join(
        f"CAST({col} AS VARCHAR) AS {sdmx_id}" if col == "time_period" else f"{col} AS {sdmx_id}" for col, (sdmx_id, _) in COLUMNS.items()
    )
    with duckdb.connect(str(store), read_only=True) as con:
        frame = con.execute(f"SELECT {select} FROM observations ORDER BY ALL").df()
    path.parent.mkdir(parents=True, exist_ok=True)
    write([PandasDataset(structure=_schema(), data=frame)], output_path=path)
    return path
