"""The ``yearbook`` command: build or validate the yearbook with the Dagster asset graph, in-process; or validate
some workbooks on their own (``yearbook validate FILE...``), which needs neither Dagster nor the publication stack,
imported only by the commands that use them.

Exit status: 0 success; 1 a submission was refused (every problem printed as
``<file>: <sheet>: <cell>: <rule>: <message>``) or the build failed; 2 usage error.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from yearbook.config import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR, PDF_SWITCH, default_internal, separation_problem
from yearbook.problems import ERROR, Problem

if TYPE_CHECKING:
    from yearbook.resources import YearbookPaths


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yearbook", description="Statistical Yearbook on Children")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="read, validate, harmonize and publish every reference year under --raw")
    build.add_argument("--raw", type=Path, default=DEFAULT_RAW_DIR, help="folder of <year>/ submissions (default: raw/)")
    build.add_argument("--no-wait", action="store_true", help="when another build is publishing into --out, exit 1 at once")
    build.add_argument("--no-pdf", action="store_true", help="publish no PDF edition (made by default when LibreOffice is installed)")
    build.add_argument(
        "--full",
        action="store_true",
        help="read every workbook and protect every year again (by default a workbook unchanged since it was last read is "
        "not read again, and a year unchanged since the published edition keeps its protection)",
    )
    validate = commands.add_parser(
        "validate", help="read and validate only (every year under --raw, or the FILEs given); publishes nothing"
    )
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE", help="workbooks to validate on their own (default: every year)")
    validate.add_argument("--year", type=int, help="the FILEs' reference year (default: the name of their year folder)")
    validate.add_argument("--raw", type=Path, default=DEFAULT_RAW_DIR)
    for command in (build, validate):
        command.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="the public folder (default: out/)")
        command.add_argument(
            "--internal",
            type=Path,
            default=None,
            help="the staff folder: unsuppressed store, validation report, feedback workbooks (default: <out>-internal/)",
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "validate" and args.files:
        internal = (args.internal or default_internal(args.out)).resolve()
        refusal = separation_problem(args.out.resolve(), internal)
        if refusal:
            parser.error(f"--internal: {refusal}")
        return _validate_files(parser, args.files, args.year, internal / "feedback")
    from yearbook import workers

    try:
        workers.warm_up()  # the workers' imports on the other CPU while this process imports Dagster
    except ValueError as exc:  # YEARBOOK_WORKERS is no number of workers
        parser.error(str(exc))
    from yearbook.resources import YearbookPaths  # a Dagster resource: Dagster is imported from here on
    from yearbook.submissions import year_folders

    if not args.raw.is_dir():
        parser.error(f"--raw {args.raw}: no such folder")
    paths = YearbookPaths(raw_dir=str(args.raw), out_dir=str(args.out), internal_dir=str(args.internal or ""))  # resolved
    refusal = separation_problem(paths.out, paths.internal)
    if refusal:
        parser.error(f"--internal: {refusal}")
    if not year_folders(args.raw)[0]:
        print(f"refused: no reference year folder (<year>/, e.g. 2018/) under {args.raw}; nothing was published", file=sys.stderr)
        return 1
    if getattr(args, "no_pdf", False):
        os.environ[PDF_SWITCH] = "0"  # read by the PDF step of this in-process run
    return _run(paths, build=args.command == "build", wait=not getattr(args, "no_wait", False), full=getattr(args, "full", False))


def _print_problems(problems: list[Problem]) -> tuple[int, int]:
    """Every problem as one line, errors first (they come so); (errors, warnings)."""
    for p in problems:
        print(p.line() if p.severity == ERROR else f"{p.line()} [warning]")
    errors = sum(p.severity == ERROR for p in problems)
    return errors, len(problems) - errors


def _validate_files(parser: argparse.ArgumentParser, files: list[Path], year: int | None, feedback: Path) -> int:
    from yearbook.validation.files import NotValidated, validate_files, write_files_feedback  # reading and the rules only

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    try:
        problems = validate_files(files, year)
    except NotValidated as exc:
        parser.error(str(exc))
    errors, warnings = _print_problems(problems)
    for written in write_files_feedback(problems, files, year, feedback):
        print(f"feedback for the ministry: {written}", file=sys.stderr)
    if errors:
        print(f"refused: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    print(f"valid: no errors, {warnings} warning(s) in {len(files)} workbook(s)", file=sys.stderr)
    return 0


def _run(paths: YearbookPaths, build: bool, wait: bool, full: bool = False) -> int:
    """The job build_yearbook (published) or validate_submissions, in-process, and what the command prints of it."""
    from yearbook.command_runs import failed_steps, problems_of, remove_what_killed_builds_left, run_job
    from yearbook.definitions import build_yearbook_job, validate_only_job
    from yearbook.edition import BuildInProgress, build_lock
    from yearbook.store import INTERNAL_STORE_NAME, STORE_NAME

    if build:
        try:
            with build_lock(paths.out, "yearbook build", wait=wait):  # one build per folder, however started
                remove_what_killed_builds_left(paths)
                carry_over = {"config": {"carry_over": not full}}  # what did not change since: read and protected again
                result = run_job(build_yearbook_job.name, paths, {"ops": {"raw_forms": carry_over, "core_public_store": carry_over}})
        except (BuildInProgress, OSError) as exc:  # another build publishes there; or --out is no folder one can write
            print(f"not built: {exc}; nothing was published", file=sys.stderr)
            return 1
    else:
        result = run_job(validate_only_job.name, paths)
    errors, warnings = _print_problems(problems_of(result))
    if errors:
        print(f"refused: {errors} error(s), {warnings} warning(s); nothing was published", file=sys.stderr)
        return 1
    failures = failed_steps(result)
    for step, cause in failures:
        print(f"build failed in {step}: {cause}", file=sys.stderr)
    if failures or not result.success:
        print(f"the build failed ({len(failures)} step(s), above); nothing was published", file=sys.stderr)
        return 1
    if not build:
        print(f"valid: no errors, {warnings} warning(s)", file=sys.stderr)
        return 0
    for notice in result.output_for_node("out_yearbook"):
        print(f"notice: {notice}", file=sys.stderr)
    reads = [m.metadata for m in result.asset_materializations_for_node("raw_forms")]
    unchanged = sum(int(str(m["workbooks_carried_over"].value)) for m in reads)
    if unchanged:
        read_now = sum(int(str(m["workbooks"].value)) for m in reads) - unchanged
        print(f"{unchanged} workbook(s) unchanged since they were read, not read again; {read_now} read (--full: all)", file=sys.stderr)
    (protection,) = result.asset_materializations_for_node("core_public_store")
    carried = protection.metadata["protection_carried_over"].value
    if carried != "none":
        print(f"disclosure control of {carried} carried over from the edition before (unchanged; --full protects again)", file=sys.stderr)
    print(
        f"published {paths.out / STORE_NAME} and the yearbook workbooks (public, disclosure-controlled), "
        f"{paths.internal / INTERNAL_STORE_NAME} for staff ({warnings} warning(s))",
        file=sys.stderr,
    )
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
