"""Publication layer: the Excel yearbook, then the atomic publish of workbooks and store."""

from pathlib import Path

import dagster as dg

from yearbook.publish import render_workbooks
from yearbook.resources import YearbookPaths
from yearbook.sdmx import write_sdmx_csv
from yearbook.store import STORE_NAME, publish, staging_dir

SDMX_NAME = "yearbook_sdmx.csv"


@dg.asset(
    group_name="out",
    ins={"core_observations": dg.AssetIn("core_observations")},
    description="The yearbook workbooks (one per language), rendered from the staged store.",
)
def out_yearbook_workbooks(context: dg.AssetExecutionContext, paths: YearbookPaths, core_observations: str) -> dg.Output[list[str]]:
    written = render_workbooks(Path(core_observations), staging_dir(paths.out))
    return dg.Output([str(p) for p in written], metadata={"workbooks": dg.MetadataValue.json([p.name for p in written])})


@dg.asset(
    group_name="out",
    ins={"core_observations": dg.AssetIn("core_observations")},
    description=f"observations as SDMX-CSV 2.0 ({SDMX_NAME}) for international reporting.",
)
def out_sdmx_export(context: dg.AssetExecutionContext, paths: YearbookPaths, core_observations: str) -> dg.Output[str]:
    written = write_sdmx_csv(Path(core_observations), staging_dir(paths.out) / SDMX_NAME)
    return dg.Output(str(written), metadata={"bytes": written.stat().st_size})


@dg.asset(
    group_name="out",
    ins={
        "core_observations": dg.AssetIn("core_observations"),
        "out_yearbook_workbooks": dg.AssetIn("out_yearbook_workbooks"),
        "out_sdmx_export": dg.AssetIn("out_sdmx_export"),
    },
    description=f"The published yearbook: <out>/{STORE_NAME} and the workbooks, replaced atomically by rename.",
    pool="duckdb_writer",
)
def out_yearbook(
    context: dg.AssetExecutionContext,
    paths: YearbookPaths,
    core_observations: str,
    out_yearbook_workbooks: list[str],
    out_sdmx_export: str,
) -> dg.Output[list[str]]:
    staged = [Path(p) for p in out_yearbook_workbooks] + [Path(out_sdmx_export), Path(core_observations)]
    published = publish(staged, paths.out)
    return dg.Output(
        [str(p) for p in published],
        metadata={
            "published": dg.MetadataValue.json([p.name for p in published]),
            "store": dg.MetadataValue.path(str(paths.out / STORE_NAME)),
        },
    )
