"""When the yearbook builds by itself, and how the year partitions follow the raw folder.

- ``reference_year_folders`` (on by default; it launches nothing): adds a ``reference_year``
  partition for every new folder ``raw/<year>/`` and deletes the partition of a folder that is gone.
- ``raw_folder_sensor`` (off by default): a workbook added, changed or removed under ``raw/<year>/``
  requests a build of that year (the run re-reads that year and republishes with the others as last
  read); several years at once, or the first look at a folder, request a build of every year.
- ``yearly_yearbook_build`` (off by default): every year once, after the submission deadline.

All three need the Dagster daemon (``dagster dev`` runs it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import dagster as dg

from yearbook.resources import YearbookPaths
from yearbook.runs import REFERENCE_YEAR_PARTITIONS, every_year_tags, partition_changes
from yearbook.submissions import discover_year, year_folders

YEARLY_CRON = "0 6 1 3 *"  # 1 March, 06:00: the ministries' submissions for the past year are due by then


def raw_fingerprints(paths: YearbookPaths) -> dict[str, str]:
    """Per reference year, a digest of every workbook's path and content."""
    digests = {}
    for year in year_folders(paths.raw)[0]:
        files, _ = discover_year(paths.raw, year)
        items = "\n".join(sorted(f"{f.relpath}:{f.sha256}" for f in files))
        digests[str(year)] = hashlib.sha256(items.encode()).hexdigest()[:16]
    return digests


def _partition_requests(registered: Sequence[str], years_on_disk: list[int]) -> list:
    to_add, to_delete = partition_changes(registered, years_on_disk)
    requests: list = []
    if to_add:
        requests.append(dg.AddDynamicPartitionsRequest(REFERENCE_YEAR_PARTITIONS, to_add))
    if to_delete:
        requests.append(dg.DeleteDynamicPartitionsRequest(REFERENCE_YEAR_PARTITIONS, to_delete))
    return requests


@dg.sensor(
    name="reference_year_folders",
    minimum_interval_seconds=30,
    description="Keeps the reference_year partitions in step with the folders `raw/<year>/` (launches no run).",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def reference_year_folders(context: dg.SensorEvaluationContext, paths: YearbookPaths):
    years, _ = year_folders(paths.raw)
    requests = _partition_requests(context.instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS), years)
    if not requests:
        return dg.SkipReason(f"the partitions match the year folders of {paths.raw}: {', '.join(map(str, years)) or 'none'}")
    return dg.SensorResult(dynamic_partitions_requests=requests)


def build_automation(job_name: str) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    """The yearly schedule and the raw-folder sensor, both launching the job ``job_name``."""

    @dg.schedule(
        name="yearly_yearbook_build",
        job_name=job_name,
        cron_schedule=YEARLY_CRON,
        execution_timezone="Asia/Almaty",
        description="The full yearbook build (every reference year), once a year after the submission deadline.",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def yearly_yearbook_build(context: dg.ScheduleEvaluationContext):
        partitions = context.instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS)
        if not partitions:
            return dg.SkipReason("no reference_year partition yet: is the sensor reference_year_folders running?")
        return dg.RunRequest(tags=every_year_tags(partitions) | {"yearbook/trigger": "yearly"})

    @dg.sensor(
        name="raw_folder_sensor",
        job_name=job_name,
        minimum_interval_seconds=60,
        description="Requests a build of a reference year when a workbook under `raw/<year>/` is added, changed or removed.",
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def raw_folder_sensor(context: dg.SensorEvaluationContext, paths: YearbookPaths):
        current = raw_fingerprints(paths)
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = sorted(year for year in set(current) | set(previous) if current.get(year) != previous.get(year))
        if not changed:
            return dg.SkipReason(f"no workbook under {paths.raw} changed since the last check")
        context.update_cursor(json.dumps(current, sort_keys=True))
        registered = context.instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS)
        partition_requests = _partition_requests(registered, [int(year) for year in current])
        after = [y for y in registered if y in current] + [y for y in sorted(current) if y not in registered]
        if not after:
            return dg.SensorResult(skip_reason=f"no year folder left under {paths.raw}", dynamic_partitions_requests=partition_requests)
        key = "-".join(f"{year}:{current.get(year, 'removed')}" for year in changed)
        tags = {"yearbook/changed_years": ",".join(changed)}
        if previous and len(changed) == 1 and changed[0] in current:
            request = dg.RunRequest(run_key=key, partition_key=changed[0], tags=tags)
        else:  # the first look, several years, or a year removed: every year in one run
            request = dg.RunRequest(run_key=key, tags=tags | every_year_tags(after))
        return dg.SensorResult(run_requests=[request], dynamic_partitions_requests=partition_requests)

    return yearly_yearbook_build, raw_folder_sensor
