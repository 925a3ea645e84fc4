"""The DuckDB stores: built by the harmonization SQL in a build's own staging folder, checkpointed and closed.

Downstream tools open ``<out>/yearbook.duckdb`` read-only. A build never writes a published file: it writes
its stores into its edition's staging folder, and yearbook.edition publishes the edition as a whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from yearbook import workers
from yearbook.codelists import LANGUAGES, CodeLists, load_codelists, load_terms
from yearbook.config import load_yaml, schemas_dir, sql_dir
from yearbook.disclosure import DisclosurePolicy
from yearbook.disclosure.carry_over import (
    ANSWERS_TABLE,
    YEAR,
    YEARS_TABLE,
    Protected,
    carried_over,
    kept_answers,
    protect_years,
    year_digests,
)
from yearbook.duck import write_table
from yearbook.model import KEY, coordinates_text, derived_formulas, formulas_frame, render_sql
from yearbook.problems import without_figures
from yearbook.publish.notes import declare_notes, keep_footnote_marks
from yearbook.publish.views import create_table_views
from yearbook.sdg import load_sdg_map, register_sdg_tables, sdg_code_tables
from yearbook.specs import load_forms
from yearbook.store_comments import comment_store

LOG = logging.getLogger(__name__)

STORE_NAME = "yearbook.duckdb"
INTERNAL_STORE_NAME = "yearbook_internal.duckdb"
HARMONIZE_SQL = "harmonize"  # from the figures as reported to `observations`: the staff store only
OBSERVATIONS_SQL = "observations"  # tables made from `observations` alone: both stores, each from its own
ROUND_FIGURES_SQL = "rounding/observations.sql"  # the public store's figures to the decimals printed, then ...
ROUND_COMPUTED_SQL = "rounding/computed.sql"  # ... what it computes from them (the staff store keeps both unrounded)
NOTES_SQL = "notes.sql"  # the notes of the data attached to observations (yearbook.publish.notes declares them): both stores
PUBLIC_SUMMARY_SQL = "disclosure/public_summary.sql"  # what was hidden, per indicator and table, after the views
STAFF_SUMMARY_SQL = "disclosure/staff_summary.sql"  # the same with the reasons and hidden values
SPILL_FOLDER = ".duckdb-spill"  # in the staff area's staging folder of the run: see _new_store
# DuckDB's memory while it builds a store, beyond which it spills (a district-level edition's tables exceed it): the
# build process holds the forms' figures besides, and its workers their tasks; 1 GB took the district build past 1.5 GiB
STORE_MEMORY_LIMIT = "512MB"
UNSUPPRESSED_TABLES = ("raw_figures", "core_figures", "core_derived")  # never in the public store
BUILD_LOG_TABLES = ("build_runs", "build_files")
PRINTED_DECIMALS = (0, 1, 2)  # the number formats of the workbooks (yearbook.publish.render.number_kind)
STAFF_CODES = {"ministry": "C", "primary": "C", "secondary": "D", "derived": "D"}  # why hidden -> the staff's obs_conf


@lru_cache(maxsize=1)
def _indicator_yaml(path: str) -> dict:
    return load_yaml(path)


def indicator_metadata() -> pd.DataFrame:
    """The ``indicators`` table: code, source form, unit, names, definitions and the other names a concept
    goes by in the forms and reports (``also_called``) in kk/ru/en, and the SDG series it serves (schemas/sdg.yaml)."""
    raw = _indicator_yaml(str(schemas_dir() / "indicators.yaml"))
    sdg = load_sdg_map().series
    rows = []
    for code, meta in raw.items():
        formula = derived_formulas().get(code)
        decimals = meta.get("decimals")
        if type(decimals) is not int or decimals not in PRINTED_DECIMALS:
            raise ValueError(f"indicators.yaml: {code}: decimals must be one of {', '.join(map(str, PRINTED_DECIMALS))}, not {decimals!r}")
        row = {"code": code, "form": meta["form"], "unit": meta["unit"], "decimals": decimals, "formula": formula.text if formula else None}
        for field in ("name", "definition", "also_called"):
            texts = meta.get(field) or {lang: "" for lang in LANGUAGES}
            if set(texts) != set(LANGUAGES) or not all(isinstance(t, str) for t in texts.values()):
                raise ValueError(
                    f"indicators.yaml: {code}: {field} must give a text in each of {', '.join(LANGUAGES)}, no other key, and "
                    f"has {', '.join(map(str, texts))} (in {{...}} a comma ends an unquoted text: quote it)"
                )
        for lang in LANGUAGES:
            row[f"name_{lang}"] = meta["name"][lang]
            row[f"definition_{lang}"] = meta["definition"][lang]
            row[f"also_called_{lang}"] = (meta.get("also_called") or {}).get(lang)
        row["sdg_indicator"] = sdg[code].sdg_indicator if code in sdg else None
        row["sdg_series"] = sdg[code].sdg_series if code in sdg else None
        rows.append(row)
    return pd.DataFrame(rows).astype({"decimals": "int32"})  # INTEGER, as DuckDB's round() takes it


def derived_ratios() -> pd.DataFrame:
    """The ``derived_ratios`` table: each ratio as numerator / denominator * scale, with the coordinates an input is
    read at where the formula fixes them (``age=Y0T17``; NULL: those of the derived figure)."""
    rows = [
        (f.indicator, f.left, f.right, f.scale, coordinates_text(f.left_at), coordinates_text(f.right_at))
        for f in sorted(derived_formulas().values(), key=lambda f: f.indicator)
        if f.operation == "ratio"
    ]
    frame = pd.DataFrame(rows, columns=["indicator", "numerator", "denominator", "scale", "numerator_at", "denominator_at"])
    return frame.astype({"numerator_at": "string", "denominator_at": "string"})


def codelist_tables(lists: CodeLists) -> dict[str, pd.DataFrame]:
    """Code lists as tables: ``regions`` (with validity and order), ``region_labels``, ``dimension_codes``,
    ``breakdowns`` (every part of a total, by breakdown), ``comparable_regions``."""
    region_rows = []
    for code in lists.region_codes():
        start, end = lists.region_validity(code)
        region_rows.append(
            {"ref_area": code, "valid_from": start, "valid_to": end, "display_order": lists.region_order.get(code)}
            | {f"name_{lang}": lists.region_name(code, lang) for lang in LANGUAGES}
        )
    labels = pd.DataFrame(
        [(r.ref_area, r.valid_from, r.valid_to, r.language, r.label) for r in lists.regions],
        columns=["ref_area", "valid_from", "valid_to", "language", "label"],
    )
    dims = [
        {"dimension": dim, "code": code} | {f"name_{lang}": lists.name(dim, code, lang) for lang in LANGUAGES}
        for dim, codes in lists.dimension_labels.items()
        if dim != "total"
        for code in codes
    ]
    return {
        "regions": pd.DataFrame(region_rows).astype({"valid_from": "Int64", "valid_to": "Int64"}),
        "region_labels": labels.astype({"valid_from": "Int64", "valid_to": "Int64"}),
        "dimension_codes": pd.DataFrame(dims),
        "breakdowns": pd.DataFrame(lists.breakdown_members()),
        "comparable_regions": pd.read_csv(schemas_dir() / "codelists" / "comparable_regions.csv"),
        "attribute_codes": pd.read_csv(schemas_dir() / "codelists" / "attributes.csv"),
        "terms": pd.DataFrame(
            [(term, code, *(names[lang] for lang in LANGUAGES)) for term, codes in load_terms().items() for code, names in codes.items()],
            columns=["term", "code", *(f"name_{lang}" for lang in LANGUAGES)],
        ),
        "forms": pd.DataFrame(
            [(f.code, f.name, f.ministry) for f in load_forms().values()]
            + [(code, names["en"], None) for code, names in load_terms()["form"].items()],
            columns=["form", "name_en", "submitted_by"],
        ),
        **sdg_code_tables(),
    }


@dataclass
class BuildRecord:
    """What a store records of the build that made it (``build_runs``, ``build_files``, ``validation_results``)."""

    files: pd.DataFrame  # file, year, form, sha256
    problems: pd.DataFrame  # yearbook.problems.PROBLEM_COLUMNS
    run_id: str


def build_store(path: Path, figures: Sequence[pd.DataFrame], record: BuildRecord, previous: Sequence[Path] = ()) -> dict[str, int]:
    """Build the staff store at ``path`` (removed first) from ``figures`` (frames of yearbook.figures.FIGURE_COLUMNS,
    at least one: each form's of each year, taken together as one Arrow table, not copied), every figure as reported, and
    return the row count of each table (views not counted): the figures, the code lists, then the harmonization SQL
    (``yearbook/sql``) in order. The build history is carried on from the first of the ``previous`` stores that can be
    opened (one held open for writing by a session cannot)."""
    with _new_store(path, spill=path.parent) as con:
        # one Arrow table of the parts' columns as they are (text columns are Arrow already): a pandas concat would copy
        # the figures, and a DuckDB insert per part takes seven times as long
        con.register("raw_figures_view", pa.concat_tables([pa.Table.from_pandas(part, preserve_index=False) for part in figures]))
        con.execute("CREATE TABLE raw_figures AS SELECT * FROM raw_figures_view")
        con.unregister("raw_figures_view")
        keep_footnote_marks(con, "main")
        _write_code_lists(con)
        _run_sql_files(con, HARMONIZE_SQL, OBSERVATIONS_SQL)
        write_table(con, "validation_results", record.problems)
        _write_build_log(con, record, previous)
        return _finish(con, views=False)  # the yb_ views come with disclosure control, which may redesign a table (_record_disclosure)


def build_public_store(
    path: Path, internal: Path, record: BuildRecord, policy: DisclosurePolicy, previous: Path | None = None
) -> tuple[dict[str, int], list[int]]:
    """Build the public store at ``path`` from the staff store ``internal`` (of the same build) and return
    the row count of each table, and the reference years whose protection was carried over from ``previous`` (the staff
    store of the edition before; None: every year protected again, a full rebuild): see
    :mod:`yearbook.disclosure.carry_over`.

    Its ``observations`` are the staff store's with what disclosure control hides (yearbook.disclosure) coded C and set
    to NULL *as they are written*: an unsuppressed figure never enters the file (a value overwritten or a table dropped
    would leave its old blocks in it). The working tables of the figures (:data:`UNSUPPRESSED_TABLES`) are not in it;
    what reads ``observations`` (the SQL files of :data:`OBSERVATIONS_SQL`, the notes, the yb_ views) runs on the
    suppressed table: the footnote marks of the staff store's figures as reported are kept for this connection only,
    and attached where the figure is shown. Warnings may quote figures: the public store keeps their messages without
    them.
    Raises ``yearbook.disclosure.DisclosureError`` if a confidential figure cannot be protected (no file is left).

    Why each figure is hidden stays with staff: the staff store ``internal`` (staged, not yet published) receives
    ``disclosure_cells`` and its own summaries (:func:`_record_disclosure`), in a worker process while the public
    store's tables are made from its observations; a failure of either fails the step, and nothing is published.
    """
    with _new_store(path, spill=internal.parent) as con:
        _write_code_lists(con)
        con.execute(f"ATTACH '{_sql_string(internal)}' AS internal (READ_ONLY)")
        protected = _hidden_figures(con, policy, previous)
        _write_suppressed_observations(con, protected.hidden)
        for name in BUILD_LOG_TABLES:  # the staff store's history, this build included: the published store is never read
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM internal."{name}"')
        keep_footnote_marks(con, "internal")  # for this connection: notes.sql attaches them to the figures shown only
        con.execute("DETACH internal")
        with workers.beside(_record_disclosure, internal, protected) as recorded:  # the staff store's record meanwhile
            con.execute(_sql(ROUND_FIGURES_SQL))
            _run_sql_files(con, OBSERVATIONS_SQL)
            con.execute(_sql(ROUND_COMPUTED_SQL))
            published = record.problems.assign(  # the values a rule compared are figures: none in public (typed, not NULL-typed)
                values=pd.Series(pd.NA, index=record.problems.index, dtype="string"),
                message=record.problems["message"].map(without_figures),
            )
            write_table(con, "validation_results", published)
            counts = _finish(con, PUBLIC_SUMMARY_SQL)
            recorded()
    return counts, protected.carried


def _record_disclosure(internal: Path, protected: Protected) -> None:
    """The staff store's ``disclosure_cells`` (the key of every hidden figure, why, and the confidentiality code of
    that reason: STORE.md's C for a ministry's or a small count, D for a complement), ``disclosure_years`` (the digest
    each year was protected with), ``disclosure_answers`` (the optimal model's, for the next build), its yb_ views
    again (a table redesigned for the public store is redesigned for staff too), its summaries, and their comments."""
    hidden = protected.hidden
    con = duckdb.connect(str(internal))
    try:
        write_table(con, "disclosure_cells", hidden.assign(obs_conf=hidden["reason"].map(STAFF_CODES)))
        years = pd.DataFrame({YEAR: list(protected.digests), "digest": list(protected.digests.values())}).astype({YEAR: "int32"})
        write_table(con, YEARS_TABLE, years)
        con.register("_answers", protected.answers)
        con.execute(f"CREATE OR REPLACE TABLE {ANSWERS_TABLE} AS SELECT {YEAR}, digest, CAST(cells AS INTEGER[]) AS cells FROM _answers")
        con.unregister("_answers")
        create_table_views(con)
        con.execute(_sql(STAFF_SUMMARY_SQL))
        comment_store(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()


@contextmanager
def _new_store(path: Path, spill: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new store file at ``path`` (an old one removed), closed at the end; on an error the unfinished
    file is removed (a staged store is published by a later step: it must be whole or absent). DuckDB may use
    :data:`STORE_MEMORY_LIMIT`; beyond it, it writes what it works on to a folder in ``spill`` (a folder of the staff
    area: the public store is made from the figures as reported, and DuckDB's default folder is beside the store)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files = (path, path.with_name(path.name + ".wal"))
    for file in files:
        file.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"SET memory_limit = '{STORE_MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{_sql_string(spill / SPILL_FOLDER)}'")
        yield con
    except BaseException:
        con.close()
        for file in files:
            file.unlink(missing_ok=True)
        raise
    con.close()


def _sql(name: str) -> str:
    """The SQL file ``name`` of ``yearbook/sql/`` with the data model's names filled in."""
    return render_sql((sql_dir() / name).read_text(encoding="utf-8"), name)


def _run_sql_files(con: duckdb.DuckDBPyConnection, *folders: str) -> None:
    """The SQL files of these folders of ``yearbook/sql/``, folder by folder, each in the order of its file names."""
    for folder in folders:
        for sql_file in sorted((sql_dir() / folder).glob("*.sql")):
            con.execute(_sql(f"{folder}/{sql_file.name}"))


def _write_code_lists(con: duckdb.DuckDBPyConnection) -> None:
    """The code lists and indicators; the formulas of derived indicators as the SQL reads them (``derived_formulas``,
    for this connection only) and, for readers of the store, the ratios among them (``derived_ratios``); the SDG map
    for the SQL that assesses progress (yearbook.sdg.register_sdg_tables, for this connection only)."""
    for name, frame in {"indicators": indicator_metadata(), **codelist_tables(load_codelists())}.items():
        write_table(con, name, frame)
    write_table(con, "derived_formulas", formulas_frame(), temporary=True)
    write_table(con, "derived_ratios", derived_ratios())
    register_sdg_tables(con)


def _finish(con: duckdb.DuckDBPyConnection, after_views: str | None = None, *, views: bool = True) -> dict[str, int]:
    """The notes of the data (:data:`NOTES_SQL`: from the observations, the code lists, the build's problems and the
    footnote marks kept), the yb_ views unless ``views`` is false (then the SQL file ``after_views``, which reads them),
    the comments, a checkpoint; the row count of each table."""
    declare_notes(con)
    con.execute(_sql(NOTES_SQL))
    if views:
        create_table_views(con)  # after the build log: the views take the edition's years from build_files
    if after_views is not None:
        con.execute(_sql(after_views))
    comment_store(con)
    counts = {
        table: _one_row(con, f'SELECT count(*) FROM "{table}"')[0]
        for (table,) in con.execute(  # tables only: counting a yb_ view would run its query
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
        ).fetchall()
    }
    con.execute("CHECKPOINT")
    return counts


def _attach_first(con: duckdb.DuckDBPyConnection, alias: str, stores: list[Path]) -> bool:
    """Attach the first of ``stores`` that opens read-only; all held open for writing elsewhere: raise the last error."""
    for i, store in enumerate(stores):
        try:
            con.execute(f"ATTACH '{_sql_string(store)}' AS {alias} (READ_ONLY)")
            return True
        except duckdb.IOException:
            if i == len(stores) - 1:
                raise
    return False


def _one_row(con: duckdb.DuckDBPyConnection, query: str) -> tuple[Any, ...]:
    """The row of a query that always returns one: a count, or the definition of a table every staff store has."""
    row = con.execute(query).fetchone()
    assert row is not None, query  # a count without GROUP BY is one row; build_store always makes `observations`
    return row


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def _write_suppressed_observations(con: duckdb.DuckDBPyConnection, hidden: pd.DataFrame) -> None:
    """``observations`` (the definition and row order of ``internal.observations``) with the ``hidden`` keys coded C,
    value NULL."""
    (definition,) = _one_row(
        con, "SELECT sql FROM duckdb_tables() WHERE database_name = 'internal' AND schema_name = 'main' AND table_name = 'observations'"
    )
    con.execute(definition)  # CREATE TABLE observations (...): the staff store's columns and key
    con.register("_hidden", hidden)
    same_key = " AND ".join(f"o.{k} = h.{k}" for k in KEY)
    con.execute(
        "INSERT INTO observations SELECT o.* REPLACE (CASE WHEN h.reason IS NULL THEN o.obs_conf ELSE 'C' END AS obs_conf, "
        "CASE WHEN h.reason IS NULL THEN o.value END AS value) "
        f"FROM internal.observations AS o LEFT JOIN _hidden AS h ON {same_key} ORDER BY o.rowid"
    )
    con.unregister("_hidden")


def _hidden_figures(con: duckdb.DuckDBPyConnection, policy: DisclosurePolicy, previous: Path | None) -> Protected:
    """The keys of ``internal.observations`` that disclosure control hides, each with its reason (for staff only); the
    years ``previous`` (an earlier staff store) protected from the same figures, with the same schemas and code, are
    taken from it."""
    digests = year_digests(con)
    carried: tuple[list[int], pd.DataFrame | None] = ([], None)
    answers = None
    if previous is not None and previous.exists():
        try:
            con.execute(f"ATTACH '{_sql_string(previous)}' AS previous (READ_ONLY)")
        except duckdb.Error as exc:  # held open for writing by a session, or not a store: every year protected again
            LOG.info("disclosure control: nothing carried over from %s (%s)", previous, exc)
        else:
            carried, answers = carried_over(con, "previous", digests), kept_answers(con, "previous")
            con.execute("DETACH previous")
    query = f"SELECT {', '.join(KEY)}, value, obs_conf FROM internal.observations WHERE {YEAR} = ?"  # what protect() reads

    def figures_of(year: int) -> pd.DataFrame:
        return con.execute(query, [year]).df()

    return protect_years(figures_of, policy, digests, carried, answers)


def _write_build_log(con: duckdb.DuckDBPyConnection, record: BuildRecord, previous: Sequence[Path]) -> None:
    """``build_runs`` and ``build_files``: this build appended to the history of the first previous store that opens."""
    con.execute(
        "CREATE TABLE build_runs (run_id VARCHAR PRIMARY KEY, built_at TIMESTAMPTZ, reference_years VARCHAR, "
        "files INTEGER, observations BIGINT, warnings INTEGER)"
    )
    con.execute("CREATE TABLE build_files (run_id VARCHAR, file VARCHAR, year INTEGER, form VARCHAR, sha256 VARCHAR)")
    if _attach_first(con, "previous", [p for p in previous if p.exists()]):
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'previous'").fetchall()}
        if set(BUILD_LOG_TABLES) <= tables:
            con.execute("INSERT INTO build_runs SELECT * FROM previous.build_runs")
            con.execute("INSERT INTO build_files SELECT * FROM previous.build_files")
        con.execute("DETACH previous")
    years = ",".join(str(y) for y in sorted(record.files["year"].unique())) if len(record.files) else ""
    warnings = int((record.problems["severity"] == "warning").sum()) if len(record.problems) else 0
    (n_obs,) = _one_row(con, "SELECT count(*) FROM observations")
    con.execute(
        "INSERT INTO build_runs VALUES (?, ?, ?, ?, ?, ?)",
        [record.run_id, datetime.now(UTC), years, len(record.files), n_obs, warnings],
    )
    files = record.files.assign(run_id=record.run_id)[["run_id", "file", "year", "form", "sha256"]]
    con.register("_files", files)
    con.execute("INSERT INTO build_files SELECT * FROM _files")
    con.unregister("_files")
