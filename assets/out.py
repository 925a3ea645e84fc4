"""Publication layer: the Excel yearbook and the SDMX file staged beside the store, then the edition published whole."""

from pathlib import Path

import dagster as dg

from yearbook.edition import BuildInProgress, build_lock, make_staging_dir, publish_edition
from yearbook.publish.render import render_yearbook
from yearbook.resources import YearbookPaths
from yearbook.sdmx import write_sdmx_csv
from yearbook.store import STORE_NAME

SDMX_NAME = "yearbook_sdmx.csv"
TABLES_DIR = "tables"


@dg.asset(
    group_name="out",
    ins={"core_public_store": dg.AssetIn("core_public_store")},
    description=f"The yearbook workbooks (one per language) and every table as CSV in {TABLES_DIR}/, rendered from the staged store.",
)
def out_yearbook_workbooks(context: dg.AssetExecutionContext, paths: YearbookPaths, core_public_store: str) -> dg.Output[list[str]]:
    staged = make_staging_dir(paths.out, context.run.run_id)
    workbooks, csvs = render_yearbook(Path(core_public_store), staged, staged / TABLES_DIR)
    return dg.Output(
        [str(p) for p in workbooks] + [str(staged / TABLES_DIR)],
        metadata={"workbooks": dg.MetadataValue.json([p.name for p in workbooks]), "csv_tables": len(csvs)},
    )


@dg.asset(
    group_name="out",
    ins={"core_public_store": dg.AssetIn("core_public_store")},
    description=f"observations as SDMX-CSV 2.0 ({SDMX_NAME}) for international reporting.",
)
def out_sdmx_export(context: dg.AssetExecutionContext, paths: YearbookPaths, core_public_store: str) -> dg.Output[str]:
    written = write_sdmx_csv(Path(core_public_store), make_staging_dir(paths.out, context.run.run_id) / SDMX_NAME)
    return dg.Output(str(written), metadata={"bytes": written.stat().st_size})


@dg.asset(
    group_name="out",
    ins={
        "core_observations": dg.AssetIn("core_observations"),
        "core_public_store": dg.AssetIn("core_public_store"),
        "out_yearbook_workbooks": dg.AssetIn("out_yearbook_workbooks"),
        "out_sdmx_export": dg.AssetIn("out_sdmx_export"),
    },
    description=(
        "The published edition: the staff store becomes <internal>/current, then the run's staged store, workbooks, CSVs "
        "and SDMX file become <out>/current by one rename (the well-known names <out>/yearbook.duckdb ... link through it)."
    ),
    pool="duckdb_writer",
)
def out_yearbook(
    context: dg.AssetExecutionContext,
    paths: YearbookPaths,
    core_observations: str,
    core_public_store: str,
    out_yearbook_workbooks: list[str],
    out_sdmx_export: str,
) -> dg.Output[list[str]]:
    """The notices of publishing (a session holding the previous store open for writing, an edition kept)."""
    run_id = context.run.run_id
    try:
        with build_lock(paths.out, run_id, wait=False):  # a build holding it (the CLI, another run): fail fast, never collide
            staff = publish_edition(paths.internal, run_id, private=True)  # first: if it fails, nothing public changes
            public = publish_edition(paths.out, run_id)  # the commit point
    except BuildInProgress as exc:
        raise dg.Failure(str(exc)) from exc
    except FileNotFoundError as exc:  # published already, or staged by another run
        raise dg.Failure(f"{exc}: materialize the core_ stores and the out_ assets together") from exc
    notices = public.notices + staff.notices
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
