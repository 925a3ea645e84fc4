"""Publication layer: the Excel yearbook, then the atomic publish of workbooks and store."""


from pathlib import Path

import dagster as dg

from yearbook.publish import render_workbooks
from yearbook.resources import YearbookPaths
from yearbook.store import STORE_NAME, publish, staging_dir


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
    ins={"core_observations": dg.AssetIn("core_observations"), "out_yearbook_workbooks": dg.AssetIn("out_yearbook_workbooks")},
    description=f"The published yearbook: <out>/{STORE_NAME} and the workbooks, replaced atomically by rename.",
    pool="duckdb_writer",
)
def out_yearbook(
    context: dg.AssetExecutionContext, paths: YearbookPaths, core_observations: str, out_yearbook_workbooks: list[str]
) -> dg.Output[list[str]]:
    published = publish([Path(p) for p in out_yearbook_workbooks] + [Path(core_observations)], paths.out)
    return dg.Output(
        [str(p) for p in published],
        metadata={"published": dg.MetadataValue.json([p.name for p in published]), "store": dg.MetadataValue.path(str(paths.out / STORE_NAME))},
    )
