"""Profile a build (or the ingest alone) with pyinstrument and list where the time goes.

    python benchmarks/profile.py build --raw raw [--no-pdf]            # the shipped edition
    python benchmarks/profile.py build --raw R --schemas S             # e.g. the scale edition of benchmarks/run.py
    python benchmarks/profile.py ingest --raw raw                      # discover + read_submission only

It runs ``yearbook.cli.main(["build", ...])`` (start-up imports included) or the ingest in this
process under pyinstrument (wall-clock sampling; ``--cpu`` samples on the process CPU clock,
which other load on the machine does not inflate, but it calls a Python timer on every call
and return and so roughly doubles the run time and overweights call-heavy code). It prints the time of the
functions of the project and of the libraries it calls, inclusive (a function and everything it
calls, counted once on a recursive path) and self, and writes pyinstrument's tree and session
next to ``--save`` when given. A thread samples the resident memory every 0.2 s with the asset
(Dagster step) and the project function running then: the peak, the largest memory of each step,
and a coarse time per step and function, which ``--limit S`` prints when it stops a long build.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def _key(frame) -> tuple[str, str]:
    path = frame.file_path or ""
    if "site-packages/" in path:
        shown = path.split("site-packages/", 1)[1]
    else:
        try:
            shown = Path(path).resolve().relative_to(PROJECT).as_posix()
        except ValueError:
            shown = frame.file_path_short or path
    return frame.function or "?", f"{shown}:{frame.line_no}" if frame.line_no else shown


def aggregate(root) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """(inclusive, self) seconds per function over the whole tree."""
    inclusive: dict[tuple[str, str], float] = defaultdict(float)
    own: dict[tuple[str, str], float] = defaultdict(float)

    def walk(frame, on_path: frozenset) -> None:
        key = _key(frame)
        if key not in on_path:
            inclusive[key] += frame.time
        own[key] += frame.total_self_time
        for child in frame.children:
            walk(child, on_path | {key})

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    walk(root, frozenset())
    return inclusive, own


def _is_project(key: tuple[str, str]) -> bool:
    return key[1].startswith(("yearbook/", "assets/"))


def _is_library(key: tuple[str, str]) -> bool:
    function, where = key
    return not (_is_project(key) or where.startswith(("<", "benchmarks/", ".:")) or function.startswith("[") or where == ".")


def report(session, top: int) -> str:
    root = session.root_frame()
    inclusive, own = aggregate(root)
    total = root.time
    lines = [f"sampled: {total:.2f} s"]

    def table(title: str, data: dict, keep) -> None:
        lines.append(f"\n{title}")
        rows = sorted(((t, k) for k, t in data.items() if keep(k)), reverse=True)[:top]
        for t, (function, where) in rows:
            lines.append(f"{t:8.2f} s {100 * t / total:5.1f} %  {function}  {where}")

    table("project functions, inclusive", inclusive, _is_project)
    table("all functions, self time", own, lambda k: k[0] not in ("[self]", "[await]"))
    table("library functions, inclusive (called by the project)", inclusive, _is_library)
    return "\n".join(lines)


class StepSampler(threading.Thread):
    """Every ``interval`` seconds: resident memory, the asset (Dagster step) and the innermost project function running.

    It also serves as a coarse time profile that survives ``--limit`` (pyinstrument's own report
    needs the run to end): seconds per step and per project function.
    """

    def __init__(self, interval: float = 0.2, limit: float | None = None):
        super().__init__(daemon=True)
        self.interval, self.done = interval, threading.Event()
        self.samples: list[tuple[float, str, str]] = []  # resident MiB, step, project function
        self.main = threading.main_thread().ident or 0  # a started main thread has its ident
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.limit, self.start_time = limit, time.perf_counter()

    def run(self) -> None:
        while not self.done.is_set():
            if self.limit is not None and time.perf_counter() - self.start_time > self.limit:
                print(f"stopped after --limit {self.limit:.0f} s; what the sampler saw until then:\n{self.report()}", flush=True)
                os._exit(3)
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * self.page
            frame = sys._current_frames().get(self.main)
            step, where = "-", "-"
            while frame is not None:
                path = frame.f_code.co_filename
                if "site-packages" not in path and str(PROJECT) in path:
                    shown = Path(path).relative_to(PROJECT).as_posix()
                    if shown.startswith(("yearbook/", "assets/")) and where == "-":
                        where = f"{frame.f_code.co_name}  {shown}:{frame.f_lineno}"
                    if shown.startswith("assets/"):
                        step = frame.f_code.co_name
                frame = frame.f_back
            self.samples.append((rss / 1024**2, step, where))
            self.done.wait(self.interval)

    def report(self) -> str:
        if not self.samples:
            return "memory: no samples (no /proc/self/statm?)"
        peak = max(self.samples, key=lambda s: s[0])
        lines = [f"memory: peak {peak[0]:.0f} MiB sampled in step {peak[1]}, at {peak[2]}", "largest resident memory per step:"]
        steps: dict[str, float] = {}
        for rss, step, _ in self.samples:
            steps[step] = max(steps.get(step, 0.0), rss)
        lines += [f"{rss:8.0f} MiB  {step}" for step, rss in steps.items()]
        lines.append(f"time per step (samples every {self.interval} s):")
        for name, column in (("step", 1), ("where", 2)):
            counts = Counter(s[column] for s in self.samples)
            if name == "where":
                lines.append("time per innermost project function:")
            lines += [f"{n * self.interval:8.1f} s  {key}" for key, n in counts.most_common(15)]
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/profile.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["build", "ingest"])
    parser.add_argument("--raw", type=Path, default=PROJECT / "raw")
    parser.add_argument("--schemas", type=Path, help="sets YEARBOOK_SCHEMAS (the scale edition's schemas folder)")
    parser.add_argument("--out", type=Path, help="the build's out folder (default: a temporary one)")
    parser.add_argument("--cpu", action="store_true", help="sample on the process CPU clock instead of wall time")
    parser.add_argument("--top", type=int, default=25, help="rows per table (default 25)")
    parser.add_argument("--save", type=Path, help="write <save>.txt (pyinstrument's tree) and <save>.pyisession")
    parser.add_argument("--limit", type=float, help="stop after this many seconds and print what the step sampler saw")
    parser.add_argument("--no-pdf", action="store_true", help="build without the PDF edition (LibreOffice's time)")
    args = parser.parse_args(argv)
    if args.schemas:
        os.environ["YEARBOOK_SCHEMAS"] = str(args.schemas.resolve())

    from pyinstrument import Profiler
    from pyinstrument.stack_sampler import get_stack_sampler

    if args.cpu:
        get_stack_sampler().timer_func = time.process_time
    profiler = Profiler(interval=0.005)
    memory = StepSampler(limit=args.limit)
    with tempfile.TemporaryDirectory(prefix="yearbook-profile-") as tmp:
        out = args.out or Path(tmp) / "out"
        start, start_cpu = time.perf_counter(), time.process_time()
        memory.start()
        profiler.start()
        if args.what == "build":
            from yearbook.cli import main as cli

            status = cli(["build", "--raw", str(args.raw), "--out", str(out), *(["--no-pdf"] if args.no_pdf else [])])
        else:
            from yearbook.submissions import discover, read_submission

            files, _ = discover(args.raw)
            status = sum(len(read_submission(f).problems) for f in files)
        session = profiler.stop()
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        memory.done.set()
        memory.join()
    clock = "process CPU" if args.cpu else "wall"
    print(f"{args.what} of {args.raw}: {wall:.1f} s wall, {cpu:.1f} s CPU, status {status}; sampled on the {clock} clock", file=sys.stderr)
    print(report(session, args.top))
    print(f"\n{memory.report()}")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        session.save(str(args.save.with_suffix(".pyisession")))
        from pyinstrument.renderers import ConsoleRenderer

        text = ConsoleRenderer(unicode=True, color=False, short_mode=True).render(session)
        args.save.with_suffix(".txt").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
