"""When the yearbook builds by itself: a yearly schedule and a sensor on the raw folder.

Both need the Dagster daemon (``dagster dev`` runs it).
"""

import hashlib
import json

import dagster as dg

from yearbook.resources import YearbookPaths
from yearbook.submissions import discover

YEARLY_CRON = "0 6 1 3 *"  # 1 March, 06:00: the ministries' submissions for the past year are due by then


def raw_fingerprints(paths: YearbookPaths) -> dict[str, str]:
    """Per reference year, a digest of every workbook's path and content."""
    files, _ = discover(paths.raw)
    by_year: dict[int, list[str]] = {}
    for f in files:
        by_year.setdefault(f.year, []).append(f"{f.relpath}:{f.sha256}")
    return {str(year): hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16] for year, items in by_year.items()}


def build_automation(job_name: str) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    """The yearly schedule and the raw-folder sensor, both launching the job ``job_name``."""
    schedule = dg.ScheduleDefinition(
        name="yearly_yearbook_build",
        job_name=job_name,
        cron_schedule=YEARLY_CRON,
        execution_timezone="Asia/Almaty",
        description="The full yearbook build, once a year after the submission deadline.",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )

    @dg.sensor(
        name="raw_folder_sensor",
        job_name=job_name,
        minimum_interval_seconds=60,
        description="Requests a build when a workbook under raw/<year>/ is added, changed or removed.",
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def raw_folder_sensor(context: dg.SensorEvaluationContext, paths: YearbookPaths):
        current = raw_fingerprints(paths)
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = sorted(year for year in set(current) | set(previous) if current.get(year) != previous.get(year))
        if not changed:
            return dg.SkipReason(f"no workbook under {paths.raw} changed since the last check")
        context.update_cursor(json.dumps(current, sort_keys=True))
        key = "-".join(f"{year}:{current.get(year, 'removed')}" for year in changed)
        return dg.RunRequest(run_key=key, tags={"yearbook/changed_years": ",".join(changed)})

    return schedule, raw_folder_sensor
