"""The Dagster code location: every asset, job and resource of the yearbook."""

from __future__ import annotations

import dagster as dg

from assets import ALL_ASSETS, VALIDATION_ASSETS
from yearbook.automation import build_automation
from yearbook.resources import YearbookPaths

build_yearbook_job = dg.define_asset_job(
    "build_yearbook", selection=dg.AssetSelection.assets(*ALL_ASSETS), description="Read, validate, harmonize and publish every year."
)
validate_only_job = dg.define_asset_job(
    "validate_submissions",
    selection=dg.AssetSelection.assets(*VALIDATION_ASSETS),
    description="Read and validate every submission; publishes nothing (writes the validation report).",
)

yearly_schedule, raw_folder_sensor = build_automation(build_yearbook_job.name)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[build_yearbook_job, validate_only_job],
    schedules=[yearly_schedule],
    sensors=[raw_folder_sensor],
    resources={"paths": YearbookPaths()},
)
