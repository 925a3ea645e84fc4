"""The ``yearbook`` command: build or validate the yearbook with the Dagster asset graph, in-process.

Exit status: 0 success; 1 a submission was refused (every problem printed as
``<file>: <sheet>: <cell>: <rule>: <message>``) or the build failed; 2 usage error.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import uuid
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_shared.error import SerializableErrorInfo  # what a failed step event carries

from yearbook.config import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR
from yearbook.definitions import build_yearbook_job, defs, validate_only_job
from yearbook.edition import BuildInProgress, build_lock, staging_dir
from yearbook.problems import ERROR, errors_first, frame_problems
from yearbook.resources import YearbookPaths, separation_problem
from yearbook.runs import run_every_year
from yearbook.store import INTERNAL_STORE_NAME, STORE_NAME
from yearbook.submissions import year_folders

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
CLI_STEPS = ".steps-cli-"  # <internal>/.steps-cli-<job>-<pid>/: a command-line run's step outputs, and its run id


def run_job(job_name: str, paths: YearbookPaths) -> dg.ExecuteInProcessResult:
    """Run the job ``build_yearbook`` or ``validate_submissions`` in-process for these folders, every reference year in one
    run; its step outputs (in the staff area, a folder of its own) and what it staged but did not publish (a refusal,
    a failed step) are removed at the end."""
    run_id = str(uuid.uuid4())
    steps = paths.internal / f"{CLI_STEPS}{job_name}-{os.getpid()}"  # this run's step outputs only: none kept for later
    paths.internal.mkdir(mode=0o700, parents=True, exist_ok=True)
    steps.mkdir(mode=0o700, exist_ok=True)
    (steps / "run_id").write_text(run_id)
    paths = YearbookPaths(raw_dir=paths.raw_dir, out_dir=str(paths.out), internal_dir=str(paths.internal), steps_dir=str(steps))
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            return run_every_year(defs.resolve_job_def(job_name), paths, instance, QUIET_LOGS, run_id=run_id)
    finally:
        _remove_run_files(steps, run_id, paths.out, paths.internal)


def _remove_run_files(steps: Path, run_id: str, *areas: Path) -> None:
    """A command-line run's step outputs and what it staged but did not publish (a refusal, a failed step)."""
    for area in areas:
        shutil.rmtree(staging_dir(area, run_id), ignore_errors=True)
    shutil.rmtree(steps, ignore_errors=True)


def _remove_what_killed_builds_left(paths: YearbookPaths) -> None:
    """The step outputs and staging folders of command-line builds that were killed. Called holding the folder's
    lock, which every command-line build holds for its whole run: any such folder left is a dead build's."""
    for steps in paths.internal.glob(f"{CLI_STEPS}{build_yearbook_job.name}-*"):
        run_file = steps / "run_id"
        run_id = run_file.read_text().strip() if run_file.exists() else ""
        _remove_run_files(steps, run_id, *((paths.out, paths.internal) if run_id else ()))


def _report(result: dg.ExecuteInProcessResult) -> tuple[int, int, int]:
    """Print every problem of the submissions, or, when none is an error (the gate did not refuse), every step that
    failed; return (errors, warnings, failed steps)."""
    try:
        frame: pd.DataFrame = result.output_for_node("core_validation")
    except Exception:  # the gate never ran
        problems = []
    else:
        problems = frame_problems(frame)
    for p in errors_first(problems):
        print(p.line() if p.severity == ERROR else f"{p.line()} [warning]")
    errors = sum(p.severity == ERROR for p in problems)
    failures = [event for event in result.all_events if event.is_step_failure]
    if not errors:
        for event in failures:
            print(f"build failed in {event.step_key}: {_root_cause(event.step_failure_data.error)}", file=sys.stderr)
    return errors, len(problems) - errors, len(failures)


def _root_cause(error: SerializableErrorInfo | None) -> str:
    """The message of the exception that started a step's failure (Dagster wraps it in its own)."""
    if error is None:  # Dagster's StepFailureData may carry no error
        return "no error recorded"
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yearbook", description="Statistical Yearbook on Children")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="read, validate, harmonize and publish every reference year under --raw")
    build.add_argument("--raw", type=Path, default=DEFAULT_RAW_DIR, help="folder of <year>/ submissions (default: raw/)")
    validate = commands.add_parser("validate", help="read and validate only; publishes nothing")
    validate.add_argument("--raw", type=Path, default=DEFAULT_RAW_DIR)
    build.add_argument("--no-wait", action="store_true", help="when another build is publishing into --out, exit 1 at once")
    for command in (build, validate):
        command.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="the public folder (default: out/)")
        command.add_argument(
            "--internal",
            type=Path,
            default=None,
            help="the staff folder: unsuppressed store and validation report (default: <out>-internal/)",
        )
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        parser.error(f"--raw {args.raw}: no such folder")
    paths = YearbookPaths(raw_dir=str(args.raw), out_dir=str(args.out), internal_dir=str(args.internal or ""))  # resolved
    refusal = separation_problem(paths.out, paths.internal)
    if refusal:
        parser.error(f"--internal: {refusal}")
    if not year_folders(args.raw)[0]:
        print(f"refused: no reference year folder (<year>/, e.g. 2018/) under {args.raw}; nothing was published", file=sys.stderr)
        return 1
    if args.command == "build":
        try:
            with build_lock(paths.out, "yearbook build", wait=not args.no_wait):  # one build per folder, however started
                _remove_what_killed_builds_left(paths)
                result = run_job(build_yearbook_job.name, paths)
        except (BuildInProgress, OSError) as exc:  # another build publishes there; or --out is no folder one can write
            print(f"not built: {exc}; nothing was published", file=sys.stderr)
            return 1
    else:
        result = run_job(validate_only_job.name, paths)
    errors, warnings, failures = _report(result)
    if errors:
        print(f"refused: {errors} error(s), {warnings} warning(s); nothing was published", file=sys.stderr)
        return 1
    if failures or not result.success:
        print(f"the build failed ({failures} step(s), above); nothing was published", file=sys.stderr)
        return 1
    if args.command == "build":
        for notice in result.output_for_node("out_yearbook"):
            print(f"notice: {notice}", file=sys.stderr)
        print(
            f"published {paths.out / STORE_NAME} and the yearbook workbooks (public, disclosure-controlled), "
            f"{paths.internal / INTERNAL_STORE_NAME} for staff ({warnings} warning(s))",
            file=sys.stderr,
        )
    else:
        print(f"valid: no errors, {warnings} warning(s)", file=sys.stderr)
    return 0


def console_main() -> None:
    """The ``yearbook`` command as the shell runs it: :func:`main` in a process that ends with it.

    The garbage collector's full passes go through every live object: freezing the imported
    modules keeps the run's passes to the objects the run makes, and freezing again at the end
    spares the interpreter's final passes over the run's objects at exit (about 1 s of a 9 s
    demo build). Those objects need no collecting then: every store and workbook is closed and published.
    """
    gc.freeze()
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    console_main()
