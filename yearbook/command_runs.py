"""A job of the yearbook run in-process for the command line: its step outputs in a folder of its own, what it
staged but did not publish removed at its end, and its problems and failed steps reported as the command prints them."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd

from yearbook.definitions import build_yearbook_job, defs
from yearbook.edition import staging_dir
from yearbook.problems import Problem, errors_first, frame_problems
from yearbook.resources import YearbookPaths
from yearbook.runs import run_every_year

if TYPE_CHECKING:
    from dagster_shared.error import SerializableErrorInfo  # what a failed step event carries

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
CLI_STEPS = ".steps-cli-"  # <internal>/.steps-cli-<job>-<pid>/: a command-line run's step outputs, and its run id


def run_job(job_name: str, paths: YearbookPaths, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """Run the job ``build_yearbook`` or ``validate_submissions`` in-process for these folders, every reference year in one
    run, with ``run_config`` (the console's log level added); its step outputs (in the staff area, a folder of its
    own) and what it staged but did not publish (a refusal, a failed step) are removed at the end."""
    run_id = str(uuid.uuid4())
    steps = paths.internal / f"{CLI_STEPS}{job_name}-{os.getpid()}"  # this run's step outputs only: none kept for later
    paths.internal.mkdir(mode=0o700, parents=True, exist_ok=True)
    steps.mkdir(mode=0o700, exist_ok=True)
    (steps / "run_id").write_text(run_id)
    paths = YearbookPaths(raw_dir=paths.raw_dir, out_dir=str(paths.out), internal_dir=str(paths.internal), steps_dir=str(steps))
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            return run_every_year(defs.resolve_job_def(job_name), paths, instance, QUIET_LOGS | (run_config or {}), run_id=run_id)
    finally:
        _remove_run_files(steps, run_id, paths.out, paths.internal)


def _remove_run_files(steps: Path, run_id: str, *areas: Path) -> None:
    """A command-line run's step outputs and what it staged but did not publish (a refusal, a failed step)."""
    for area in areas:
        shutil.rmtree(staging_dir(area, run_id), ignore_errors=True)
    shutil.rmtree(steps, ignore_errors=True)


def remove_what_killed_builds_left(paths: YearbookPaths) -> None:
    """The step outputs and staging folders of command-line builds that were killed. Called holding the folder's
    lock, which every command-line build holds for its whole run: any such folder left is a dead build's."""
    for steps in paths.internal.glob(f"{CLI_STEPS}{build_yearbook_job.name}-*"):
        run_file = steps / "run_id"
        run_id = run_file.read_text().strip() if run_file.exists() else ""
        _remove_run_files(steps, run_id, *((paths.out, paths.internal) if run_id else ()))


def problems_of(result: dg.ExecuteInProcessResult) -> list[Problem]:
    """Every problem of the submissions a run found, errors first (none when the gate never ran)."""
    try:
        frame: pd.DataFrame = result.output_for_node("core_validation").problems
    except Exception:  # the gate never ran
        return []
    return errors_first(frame_problems(frame))


def failed_steps(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    """(step, the message of the exception that started its failure) of every step that failed."""
    return [(event.step_key or "-", _root_cause(event.step_failure_data.error)) for event in result.all_events if event.is_step_failure]


def _root_cause(error: SerializableErrorInfo | None) -> str:
    """The message of the exception that started a step's failure (Dagster wraps it in its own)."""
    if error is None:  # Dagster's StepFailureData may carry no error
        return "no error recorded"
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
