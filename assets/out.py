"""Publication layer: the Excel yearbook, then the atomic publish of workbooks and store."""

import shutil
from pathlib import Path

import dagster as dg

from yearbook.publish.render import render_yearbook
from yearbook.resources import YearbookPaths
from yearbook.sdmx import write_sdmx_csv
from yearbook.store import STORE_NAME, publish, staging_dir

SDMX_NAME = "yearbook_sdmx.csv"
TABLES_DIR = "tables"


@dg.asset(
    group_name="out",
    ins={"core_public_store": dg.AssetIn("core_public_store")},
    description=f"The yearbook workbooks (one per language) and every table as CSV in {TABLES_DIR}/, rendered from the staged store.",
)
def out_yearbook_workbooks(context: dg.AssetExecutionContext, paths: YearbookPaths, core_public_store: str) -> dg.Output[list[str]]:
    tables = staging_dir(paths.out) / TABLES_DIR
    shutil.rmtree(tables, ignore_errors=True)
    workbooks, csvs = render_yearbook(Path(core_public_store), staging_dir(paths.out), tables)
    return dg.Output(
        [str(p) for p in workbooks] + [str(tables)],
        metadata={"workbooks": dg.MetadataValue.json([p.name for p in workbooks]), "csv_tables": len(csvs)},
    )


@dg.asset(
    group_name="out",
    ins={"core_public_store": dg.AssetIn("core_public_store")},
    description=f"observations as SDMX-CSV 2.0 ({SDMX_NAME}) for international reporting.",
)
def out_sdmx_export(context: dg.AssetExecutionContext, paths: YearbookPaths, core_public_store: str) -> dg.Output[str]:
    written = write_sdmx_csv(Path(core_public_store), staging_dir(paths.out) / SDMX_NAME)
    return dg.Output(str(written), metadata={"bytes": written.stat().st_size})


@dg.asset(
    group_name="out",
    ins={
        "core_observations": dg.AssetIn("core_observations"),
        "core_public_store": dg.AssetIn("core_public_store"),
        "out_yearbook_workbooks": dg.AssetIn("out_yearbook_workbooks"),
        "out_sdmx_export": dg.AssetIn("out_sdmx_export"),
    },
    description=f"The published yearbook: <out>/{STORE_NAME} and the workbooks, replaced atomically by rename (the staff store first).",
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
    staged = [Path(p) for p in out_yearbook_workbooks] + [Path(out_sdmx_export), Path(core_public_store)]
    gone = [p.name for p in [Path(core_observations), *staged] if not p.exists()]
    if gone:  # a staged file is moved by publishing: re-running this asset alone has nothing to publish
        missing = ", ".join(gone)
        raise dg.Failure(f"nothing staged to publish ({missing} missing): materialize the core_ stores and the out_ assets together")
    publish([Path(core_observations)], paths.internal)  # staff copy first, then the public commit
    published = publish(staged, paths.out)
    return dg.Output(
        [str(p) for p in published],
        metadata={
            "published": dg.MetadataValue.json([p.name for p in published]),
            "store": dg.MetadataValue.path(str(paths.out / STORE_NAME)),
        },
    )
