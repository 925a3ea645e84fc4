"""The Dagster code location: every asset, job, schedule, sensor and resource of the yearbook."""

from __future__ import annotations

import dagster as dg

from yearbook.assets import ALL_ASSETS, VALIDATION_ASSETS
from yearbook.automation import build_automation, reference_year_folders
from yearbook.io_manager import year_partitioned_io_manager
from yearbook.resources import YearbookPaths

build_yearbook_job = dg.define_asset_job(
    "build_yearbook",
    selection=dg.AssetSelection.assets(*ALL_ASSETS),
    description="Read the run's reference years, validate, harmonize and publish the yearbook of every year.",
)
validate_only_job = dg.define_asset_job(
    "validate_submissions",
    selection=dg.AssetSelection.assets(*VALIDATION_ASSETS),
    description="Read and validate the run's reference years; publishes nothing (writes the validation report of every year).",
)

yearly_schedule, raw_folder_sensor = build_automation(build_yearbook_job.name)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[build_yearbook_job, validate_only_job],
    schedules=[yearly_schedule],
    sensors=[reference_year_folders, raw_folder_sensor],
    resources={"io_manager": year_partitioned_io_manager, "paths": YearbookPaths()},
)
