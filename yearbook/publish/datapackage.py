"""The code lists as CSV beside the tables, and ``datapackage.json``: a Frictionless Data Package describing every CSV
of the edition (its fields and their types, missing-value markers, primary key, and a foreign key from every coded
column to the code list that decodes it), so that a tool reading the CSVs alone can check and decode them.

The code lists come from the public store (``codelists/<name>.csv``); the SDG export's codes are those of the global
SDG data structure, listed from ``schemas/sdg_sdmx.yaml`` (``codelists/sdg_dsd/<CONCEPT>.csv``). Every field's type is
the type of the store column (or query) the CSV was written from: nothing is guessed from the data.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from yearbook.model import DIMENSIONS
from yearbook.publish.printed import CATALOG, PRINTED_CELLS
from yearbook.publish.specs import LANGUAGES, load_yearbook_spec
from yearbook.publish.views import write_csv
from yearbook.sdg_sdmx import OBS_VALUE as SDG_OBS_VALUE
from yearbook.sdg_sdmx import load_sdg_mapping, sdg_code_lists
from yearbook.sdmx import COLUMNS as SDMX_COLUMNS
from yearbook.sdmx import NOT_AVAILABLE, sdmx_csv_query

DESCRIPTOR = "datapackage.json"
CODELISTS_DIR = "codelists"
SDG_CODELISTS_DIR = "sdg_dsd"  # the codes of the global SDG data structure (not our sdg_series list)
SDMX_NAME = "yearbook_sdmx.csv"
SDG_SDMX_NAME = "yearbook_sdg_sdmx.csv"
TABLES_DIR = "tables"

_by_name = ", name_kk, name_ru, name_en"
TERMS = ("relation", "direction", "gap_kind", "table_kind", "note_kind")  # of terms.csv, each a list (its `form` is in forms)
# name -> (query of the public store, primary key)
CODE_LISTS: dict[str, tuple[str, list[str]]] = {
    "indicators": ("SELECT * FROM indicators ORDER BY code", ["code"]),
    "regions": ("SELECT * FROM regions ORDER BY display_order, ref_area", ["ref_area"]),
    "comparable_regions": ("SELECT * FROM comparable_regions ORDER BY ALL", ["comparable_area", "ref_area"]),
    **{dim: (f"SELECT code{_by_name} FROM dimension_codes WHERE dimension = '{dim}'", ["code"]) for dim in DIMENSIONS},
    **{a: (f"SELECT code{_by_name} FROM attribute_codes WHERE attribute = '{a}'", ["code"]) for a in ("obs_status", "obs_conf")},
    "units": ("SELECT * FROM units ORDER BY code", ["code"]),
    "symbols": ("SELECT * FROM symbols", ["symbol"]),
    "sdg_verdicts": ("SELECT * FROM sdg_verdicts", ["verdict"]),
    "notes": ("SELECT * FROM notes ORDER BY note_id", ["note_id"]),
    **{term: (f"SELECT code{_by_name} FROM terms WHERE term = '{term}'", ["code"]) for term in TERMS},
    "forms": ("SELECT * FROM forms ORDER BY form", ["form"]),
    "sections": ("SELECT * FROM sections ORDER BY number", ["section"]),
    "sdg_series": ("SELECT * FROM sdg_series", ["sdg_series"]),
    "sdg_indicators": ("SELECT * FROM sdg_indicators", ["sdg_indicator"]),
    "codes": (  # any dimension's code with its dimension: the groups an equity gap compares
        f"SELECT 'ref_area' AS dimension, ref_area AS code{_by_name} FROM regions "
        f"UNION ALL SELECT dimension, code{_by_name} FROM dimension_codes ORDER BY ALL",
        ["dimension", "code"],
    ),
}
# a column of any CSV -> the code list whose key decodes it (the SDMX file's columns by their SDMX names as well)
REFERS = {"indicator": "indicators", "ref_area": "regions", **{d: d for d in DIMENSIONS}}
REFERS |= {"unit": "units", "obs_status": "obs_status", "obs_conf": "obs_conf", "symbol": "symbols", "verdict": "sdg_verdicts"}
REFERS |= {"relation": "relation", "direction": "direction", "gap_kind": "gap_kind", "form": "forms", "section": "sections"}
REFERS |= {"sdg_series": "sdg_series", "sdg_indicator": "sdg_indicators", "note_id": "notes"}
REFERS_IN = {"tables/yb_tables": {"kind": "table_kind"}, "codelists/notes": {"kind": "note_kind"}}  # a name meaning one thing there
REFERS |= {SDMX_COLUMNS[column][0]: target for column, target in REFERS.items() if column in SDMX_COLUMNS}
GROUPS = ("group_a", "group_b")  # codes of the dimension named in the row's `dimension` column

TYPES = {"VARCHAR": "string", "INTEGER": "integer", "BIGINT": "integer", "SMALLINT": "integer", "DOUBLE": "number"}
TYPES |= {"FLOAT": "number", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP WITH TIME ZONE": "datetime"}


def write_code_lists(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """Every code list of :data:`CODE_LISTS` as ``<name>.csv`` in ``folder`` and the SDG export's codes as
    ``sdg_dsd/<CONCEPT>.csv``; return the paths."""
    written = []
    for name, (query, _) in CODE_LISTS.items():
        result = con.execute(query)
        written.append(write_csv(folder / f"{name}.csv", [d[0] for d in result.description], result.fetchall()))
    for concept, codes in sdg_code_lists(load_sdg_mapping()).items():
        written.append(write_csv(folder / SDG_CODELISTS_DIR / f"{concept}.csv", ["code"], [[c] for c in sorted(codes)]))
    return written


def write_datapackage(edition: Path, store: Path) -> Path:
    """``datapackage.json`` in ``edition`` describing every CSV in it, from the store they were made from."""
    resources = []
    with duckdb.connect(str(store), read_only=True) as con:
        for path in sorted(edition.rglob("*.csv")):
            relative = path.relative_to(edition).as_posix()
            resources.append(_resource(con, relative))
    package = {
        "profile": "data-package",
        "name": "yearbook-on-children",
        "title": "Statistical Yearbook on Children: tables, code lists and SDMX files",
        "resources": resources,
    }
    target = edition / DESCRIPTOR
    target.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def _resource(con: duckdb.DuckDBPyConnection, relative: str) -> dict:
    """The resource of one CSV: named after its path, its schema from the query it was written from."""
    parts = relative.removesuffix(".csv").split("/")
    name = "-".join(parts).lower().replace("_", "-")
    resource: dict = {"name": name, "path": relative, "profile": "tabular-data-resource", "format": "csv", "encoding": "utf-8"}
    if parts[0] == TABLES_DIR and len(parts) == 3 and parts[1] in LANGUAGES:  # tables/<lang>/yb_<id>.csv: as printed
        view, lang = parts[2], parts[1]
        width = con.execute(f"SELECT max(printed_col) FROM {PRINTED_CELLS} WHERE view_name = ? AND language = ?", [view, lang]).fetchone()
        resource |= {
            "encoding": "utf-8-sig",
            "dialect": {"header": False, "delimiter": load_yearbook_spec().meta["csv_format"][lang]["delimiter"]},
            "title": f"{view} as printed in {lang} (headings, labels, figures as text)",
        }
        resource["schema"] = {"fields": [{"name": f"column_{j}", "type": "string"} for j in range(1, (width[0] if width else 0) + 1)]}
        return resource
    if parts[0] == TABLES_DIR:
        query, key = f'SELECT * FROM "{parts[1]}"', (["table_id"] if parts[1] == CATALOG else _view_key(con, parts[1]))
    elif parts[0] == CODELISTS_DIR and len(parts) == 3:  # codelists/sdg_dsd/<CONCEPT>.csv
        query, key = "SELECT ''::VARCHAR AS code", ["code"]
    elif parts[0] == CODELISTS_DIR:
        query, key = CODE_LISTS[parts[1]]
    elif relative == SDMX_NAME:
        query, key = sdmx_csv_query(), []
    elif relative == SDG_SDMX_NAME:
        return resource | {"schema": _sdg_schema()}
    else:
        raise ValueError(f"{relative}: a CSV the data package does not know how to describe")
    fields = [{"name": n, "type": TYPES.get(str(t), "string")} for n, t in zip(*_describe(con, query), strict=True)]
    if relative == SDMX_NAME:  # written as text so that a missing value reads NaN (SDMX-CSV 2.0): a number
        fields = [f | {"type": "number"} if f["name"] == SDMX_COLUMNS["value"][0] else f for f in fields]
    schema: dict = {"fields": fields, "missingValues": ["", NOT_AVAILABLE] if relative == SDMX_NAME else [""]}
    if key:
        schema["primaryKey"] = key
    names = [f["name"] for f in fields]
    own = parts[1] if parts[0] == CODELISTS_DIR else None  # a code list's key refers to nothing
    refers = REFERS | REFERS_IN.get("/".join(parts), {})
    schema["foreignKeys"] = [
        {"fields": column, "reference": {"resource": _list_resource(refers[column]), "fields": CODE_LISTS[refers[column]][1][0]}}
        for column in names
        if column in refers and refers[column] != own
    ]
    if {"dimension", *GROUPS} <= set(names):
        schema["foreignKeys"] += [
            {"fields": ["dimension", group], "reference": {"resource": _list_resource("codes"), "fields": ["dimension", "code"]}}
            for group in GROUPS
        ]
    return resource | {"schema": schema}


def _list_resource(name: str) -> str:
    """The resource name of ``codelists/<name>.csv`` (as :func:`_resource` names it)."""
    return f"{CODELISTS_DIR}-{name}".replace("_", "-")


def _view_key(con: duckdb.DuckDBPyConnection, view: str) -> list[str]:
    """A yearbook table's key: the printed cell (row_no, col_no) of a crosstab, the row of a table laid out by rows."""
    names, _ = _describe(con, f'SELECT * FROM "{view}"')
    return [c for c in ("row_no", "col_no") if c in names]


def _describe(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[str]]:
    rows = con.execute(f"DESCRIBE {query}").fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def _sdg_schema() -> dict:
    """The SDG export: every column a code of the SDG data structure (codelists/sdg_dsd/), but the value and the year."""
    mapping = load_sdg_mapping()
    coded = sdg_code_lists(mapping)
    columns = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *mapping.dimensions, SDG_OBS_VALUE, *mapping.attributes]
    fields = [{"name": c, "type": "number" if c == SDG_OBS_VALUE else "string"} for c in columns]
    keys = [
        {"fields": c, "reference": {"resource": _list_resource(f"{SDG_CODELISTS_DIR}-{c}").lower(), "fields": "code"}}
        for c in columns
        if c in coded
    ]
    return {"fields": fields, "missingValues": [""], "primaryKey": list(mapping.dimensions), "foreignKeys": keys}
