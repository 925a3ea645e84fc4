"""Publication layer: the Excel yearbook and the SDMX files staged beside the store, then the edition published whole.

Each step stages its files in its run's edition and returns them as :class:`yearbook.edition.EditionFiles`; any step
may be materialized alone (it reads the latest store wherever it is: staged, or in a kept edition), and ``out_yearbook``
publishes one edition from the latest materialization of each part, refusing parts made from different stores.
"""

import shutil
from pathlib import Path

import dagster as dg
import duckdb

from yearbook.edition import (
    BuildInProgress,
    EditionFiles,
    build_lock,
    make_staging_dir,
    publish_edition,
    stage_parts,
    staged_runs,
    staging_dir,
)
from yearbook.publish import pdf
from yearbook.publish.datapackage import CODELISTS_DIR, SDG_SDMX_NAME, SDMX_NAME, TABLES_DIR, write_code_lists, write_datapackage
from yearbook.publish.views import render_yearbook
from yearbook.resources import YearbookPaths
from yearbook.sdg_sdmx import write_sdg_sdmx_csv
from yearbook.sdmx import write_sdmx_csv
from yearbook.store import STORE_NAME


@dg.asset(
    group_name="out",
    ins={"core_public_store": dg.AssetIn("core_public_store")},
    description=(
        f"The yearbook workbooks (one per language), every table as CSV in {TABLES_DIR}/ (coded, and as printed in each "
        f"language) and the code lists in {CODELISTS_DIR}/, rendered from the public store."
    ),
)
def out_yearbook_workbooks(
    context: dg.AssetExecutionContext, paths: YearbookPaths, core_public_store: EditionFiles
) -> dg.Output[EditionFiles]:
    staged = make_staging_dir(paths.out, context.run.run_id)
    store = core_public_store.path(paths.out, STORE_NAME)
    workbooks, csvs = render_yearbook(store, staged, staged / TABLES_DIR)
    with duckdb.connect(str(store), read_only=True) as con:
        lists = write_code_lists(con, staged / CODELISTS_DIR)
    public = (*(p.name for p in workbooks), TABLES_DIR, CODELISTS_DIR)
    files = EditionFiles(context.run.run_id, public=public, made_from=core_public_store.run_id)
    return dg.Output(
        files, metadata={"workbooks": dg.MetadataValue.json([p.name for p in workbooks]), "csv_tables": len(csvs), "code_lists": len(lists)}
    )


@dg.asset(
    group_name="out",
    description="The PDF edition: each workbook printed by LibreOffice (none when it is not installed or YEARBOOK_PDF=0).",
)
def out_yearbook_pdf(
    context: dg.AssetExecutionContext, paths: YearbookPaths, out_yearbook_workbooks: EditionFiles
) -> dg.Output[EditionFiles]:
    staged = make_staging_dir(paths.out, context.run.run_id)
    books = [out_yearbook_workbooks.path(paths.out, name) for name in out_yearbook_workbooks.public if name.endswith(".xlsx")]
    notice = pdf.not_made_notice()
    made = [] if notice else pdf.to_pdf(books, staged)
    files = EditionFiles(context.run.run_id, public=tuple(p.name for p in made), made_from=out_yearbook_workbooks.run_id)
    return dg.Output(files, metadata={"pdfs": dg.MetadataValue.json([p.name for p in made]), "notice": notice or ""})


@dg.asset(
    group_name="out",
    ins={"core_public_store": dg.AssetIn("core_public_store")},
    description=(
        f"observations as SDMX-CSV 2.0 ({SDMX_NAME}) for international reporting, and the national figures of the SDG "
        f"series in the global SDG data structure ({SDG_SDMX_NAME}, codes from schemas/sdg_sdmx.yaml) for the UN global "
        "SDG database; its metadata names the mapped indicators not sent, and why."
    ),
)
def out_sdmx_export(context: dg.AssetExecutionContext, paths: YearbookPaths, core_public_store: EditionFiles) -> dg.Output[EditionFiles]:
    staged = make_staging_dir(paths.out, context.run.run_id)
    store = core_public_store.path(paths.out, STORE_NAME)
    written = write_sdmx_csv(store, staged / SDMX_NAME)
    not_sent = write_sdg_sdmx_csv(store, staged / SDG_SDMX_NAME)
    files = EditionFiles(context.run.run_id, public=(SDMX_NAME, SDG_SDMX_NAME), made_from=core_public_store.run_id)
    return dg.Output(
        files,
        metadata={
            "bytes": written.stat().st_size,
            "sdg_bytes": (staged / SDG_SDMX_NAME).stat().st_size,
            "sdg_not_sent": dg.MetadataValue.json(not_sent),
        },
    )


def _made_from_other_stores(store: EditionFiles, parts: dict[str, EditionFiles]) -> list[str]:
    return [
        f"{name} was made from the store of the run {part.made_from}, not from the store to publish (run {store.run_id}): "
        f"materialize {name} again"
        for name, part in parts.items()
        if part.made_from != store.run_id
    ]


def _remove_staging_of_failed_runs(context: dg.AssetExecutionContext, in_use: dict[Path, set[str]]) -> None:
    """What runs that failed or were cancelled staged in each area and no asset's latest materialization is (a step
    that failed after its run staged a folder leaves it). Runs this instance does not know are left alone (a
    command-line run removes its own)."""
    for area, runs in in_use.items():
        for run_id in staged_runs(area) - runs:
            run = context.instance.get_run_by_id(run_id)
            if run is not None and run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
                shutil.rmtree(staging_dir(area, run_id), ignore_errors=True)


@dg.asset(
    group_name="out",
    ins={
        "core_observations": dg.AssetIn("core_observations"),
        "core_public_store": dg.AssetIn("core_public_store"),
        "out_yearbook_workbooks": dg.AssetIn("out_yearbook_workbooks"),
        "out_sdmx_export": dg.AssetIn("out_sdmx_export"),
    },
    description=(
        "The published edition: the latest staff store becomes `<internal>/current`, then the public store, workbooks, PDF "
        "edition, CSVs, code lists and SDMX files (every observation; the SDG series for the UN global SDG database) made "
        "from it, with `datapackage.json` describing every CSV, become `<out>/current` by one rename (the well-known names "
        "`<out>/yearbook.duckdb` ... link through it). Parts made in earlier runs are taken from where they are."
    ),
    pool="duckdb_writer",
)
def out_yearbook(
    context: dg.AssetExecutionContext,
    paths: YearbookPaths,
    core_observations: EditionFiles,
    core_public_store: EditionFiles,
    out_yearbook_workbooks: EditionFiles,
    out_sdmx_export: EditionFiles,
    out_yearbook_pdf: EditionFiles,
) -> dg.Output[list[str]]:
    """The notices of publishing (a session holding the previous store open for writing, an edition kept)."""
    run_id = context.run.run_id
    parts = {"out_yearbook_workbooks": out_yearbook_workbooks, "out_sdmx_export": out_sdmx_export}
    mixed = _made_from_other_stores(core_public_store, parts)
    if core_public_store.made_from != core_observations.run_id:
        mixed.append(
            f"the public store was made from the staff store of the run {core_public_store.made_from}, not from the latest "
            f"(run {core_observations.run_id}): materialize core_public_store again"
        )
    if out_yearbook_pdf.public and out_yearbook_pdf.made_from != out_yearbook_workbooks.run_id:
        mixed.append(
            f"out_yearbook_pdf was printed from the workbooks of the run {out_yearbook_pdf.made_from}, not from those to publish "
            f"(run {out_yearbook_workbooks.run_id}): materialize out_yearbook_pdf again"
        )
    if mixed:
        raise dg.Failure("one edition is made from one store; " + "; ".join(mixed))
    try:
        with build_lock(paths.out, run_id, wait=False):  # a build holding it (the CLI, another run): fail fast, never collide
            make_staging_dir(paths.internal, run_id, private=True)
            stage_parts(paths.internal, run_id, [(core_public_store, name) for name in core_public_store.staff])
            public_parts = (core_public_store, *parts.values(), out_yearbook_pdf)
            stage_parts(paths.out, run_id, [(part, name) for part in public_parts for name in part.public])  # one call: one record
            staged = staging_dir(paths.out, run_id)
            write_datapackage(staged, staged / STORE_NAME)  # describes the CSVs of every part, as published together
            staff = publish_edition(paths.internal, run_id, private=True)  # first: if it fails, nothing public changes
            public = publish_edition(paths.out, run_id)  # the commit point
    except BuildInProgress as exc:
        raise dg.Failure(str(exc)) from exc
    except FileNotFoundError as exc:  # a part neither staged nor kept any longer
        raise dg.Failure(str(exc)) from exc
    in_use = {  # the runs whose staged files are the latest of an asset, per area
        paths.out: {part.run_id for part in (core_public_store, out_yearbook_pdf, *parts.values())},
        paths.internal: {core_observations.run_id, core_public_store.run_id},
    }
    _remove_staging_of_failed_runs(context, in_use)
    printed = pdf.font_notice() if out_yearbook_pdf.public else (pdf.not_made_notice() or "no PDF edition")
    notices = public.notices + staff.notices + ([printed] if printed else [])
    for notice in notices:
        context.log.warning(notice)
    return dg.Output(
        notices,
        metadata={
            "edition": dg.MetadataValue.path(str(public.edition)),
            "store": dg.MetadataValue.path(str(paths.out / STORE_NAME)),
            "notices": dg.MetadataValue.json(notices),
        },
    )
