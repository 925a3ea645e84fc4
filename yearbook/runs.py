"""Reference years as Dagster partitions, and runs that cover them.

The partitions of ``reference_year`` follow the year folders under the raw folder. A build of
the whole yearbook is one run over the full range of partitions: the raw steps read every year
in that run (single-run backfill policy) and the core and out steps follow in the same run.
A run of one partition re-reads that year only; the core steps then load the other years from
earlier runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from yearbook.resources import YearbookPaths
from yearbook.submissions import year_folders

REFERENCE_YEAR_PARTITIONS = "reference_year"
# Dagster's run tags for a run over a range of partitions (dagster/asset_partition_range_*)
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_changes(registered: Sequence[str], years_on_disk: list[int]) -> tuple[list[str], list[str]]:
    """The year partitions to add (a new folder) and to delete (a folder gone)."""
    on_disk = [str(y) for y in sorted(years_on_disk)]
    return [y for y in on_disk if y not in registered], [y for y in registered if y not in on_disk]


def register_years(instance: dg.DagsterInstance, years_on_disk: list[int]) -> Sequence[str]:
    """Make the instance's year partitions exactly the year folders; the partitions, in their stored order."""
    registered = instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS)
    to_add, to_delete = partition_changes(registered, years_on_disk)
    if to_add:
        instance.add_dynamic_partitions(REFERENCE_YEAR_PARTITIONS, to_add)
    for year in to_delete:
        instance.delete_dynamic_partition(REFERENCE_YEAR_PARTITIONS, year)
    return instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS)


def every_year_tags(partitions: Sequence[str]) -> dict[str, str]:
    """Run tags for one run over every partition (first to last in the instance's stored order)."""
    return {RANGE_START_TAG: partitions[0], RANGE_END_TAG: partitions[-1]}


def run_every_year(
    job: dg.JobDefinition, paths: YearbookPaths, instance: dg.DagsterInstance, run_config: dict | None = None, run_id: str | None = None
) -> dg.ExecuteInProcessResult:
    """Run ``job`` (of the code location's definitions) in-process, once over every year folder of
    ``paths.raw`` (registered as partitions first), on ``instance`` (as ``run_id`` when given)."""
    years, _ = year_folders(paths.raw)
    if not years:
        raise ValueError(f"no reference year folder (raw/<year>/) under {paths.raw}")
    partitions = register_years(instance, years)
    return job.execute_in_process(
        instance=instance,
        resources={"paths": paths},
        run_config=run_config,
        tags=every_year_tags(partitions),
        raise_on_error=False,
        run_id=run_id,
    )
