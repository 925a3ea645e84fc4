"""The ``yearbook`` command: build or validate the yearbook with the Dagster asset graph, in-process.

Exit status: 0 success; 1 a submission was refused (every problem printed as
``<file>: <sheet>: <cell>: <rule>: <message>``) or the build failed; 2 usage error.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_shared.error import SerializableErrorInfo  # what a failed step event carries

from yearbook.config import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR
from yearbook.definitions import build_yearbook_job, defs, validate_only_job
from yearbook.problems import ERROR, frame_problems
from yearbook.resources import YearbookPaths
from yearbook.runs import run_every_year
from yearbook.submissions import year_folders

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_job(job_name: str, raw_dir: Path, out_dir: Path, internal_dir: Path | None = None) -> dg.ExecuteInProcessResult:
    """Run the job ``build_yearbook`` or ``validate_submissions`` in-process for these folders, every reference year in one run."""
    paths = YearbookPaths(raw_dir=str(raw_dir), out_dir=str(out_dir), internal_dir=str(internal_dir or ""))
    with dg.DagsterInstance.ephemeral() as instance:
        return run_every_year(defs.resolve_job_def(job_name), paths, instance, QUIET_LOGS)


def _report(result: dg.ExecuteInProcessResult) -> tuple[int, int, int]:
    """Print every problem of the submissions, or, when none is an error (the gate did not refuse), every step that
    failed; return (errors, warnings, failed steps)."""
    try:
        frame: pd.DataFrame = result.output_for_node("core_validation")
    except Exception:  # the gate never ran
        problems = []
    else:
        problems = frame_problems(frame)
    for p in sorted(problems, key=lambda p: (p.severity != ERROR, p.file, p.sheet or "", p.cell or "")):
        print(p.line() if p.severity == ERROR else f"{p.line()} [warning]")
    errors = sum(p.severity == ERROR for p in problems)
    failures = [event for event in result.all_events if event.is_step_failure]
    if not errors:
        for event in failures:
            print(f"build failed in {event.step_key}: {_root_cause(event.step_failure_data.error)}", file=sys.stderr)
    return errors, len(problems) - errors, len(failures)


def _root_cause(error: SerializableErrorInfo) -> str:
    """The message of the exception that started a step's failure (Dagster wraps it in its own)."""
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
    if not year_folders(args.raw)[0]:
        print(f"refused: no reference year folder (<year>/, e.g. 2018/) under {args.raw}; nothing was published", file=sys.stderr)
        return 1
    job_name = build_yearbook_job.name if args.command == "build" else validate_only_job.name
    result = run_job(job_name, args.raw, args.out, args.internal)
    errors, warnings, failures = _report(result)
    if errors:
        print(f"refused: {errors} error(s), {warnings} warning(s); nothing was published", file=sys.stderr)
        return 1
    if failures or not result.success:
        print(f"the build failed ({failures} step(s), above); nothing was published", file=sys.stderr)
        return 1
    if args.command == "build":
        internal = args.internal or args.out.with_name(args.out.name + "-internal")
        print(
            f"published {args.out / 'yearbook.duckdb'} and the yearbook workbooks (public, disclosure-controlled), "
            f"{internal / 'yearbook_internal.duckdb'} for staff ({warnings} warning(s))",
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
