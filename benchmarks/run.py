"""Performance of the yearbook build on this machine: every figure printed next to its target.

    python benchmarks/run.py             # 5 runs per case, the full scale case (a scale build is stopped at 600 s)
    python benchmarks/run.py --quick     # 2 runs, a 4-year scale case stopped at 90 s (under 3 minutes)

The cases (docs/performance.md explains them):

1. full build of the shipped demo edition (raw/), ``yearbook build --raw raw --out <tmp> --no-pdf`` in a
   fresh process, start-up included: wall time, CPU time (user + system) and peak memory (the target);
   and the same with the PDF edition (LibreOffice prints each workbook: no target);
2. ingest alone against the floor, in this process: ``discover`` + ``read_submission`` of every
   workbook of raw/ against python-calamine reading the same workbooks cell by cell
   (every sheet ``to_python()``) without interpretation;
3. rebuild after one changed workbook: one F-MOES-1 school count of a region and the national
   one +1 (totals stay consistent), then ``yearbook build --no-pdf`` into the out folder of a first build of the
   same folder (start-up included; the unchanged workbooks' reads and the unchanged years' disclosure control carried
   over);
   and, as the raw-folder sensor or a statistician in the UI does it, a run of that year's partition of
   ``build_yearbook`` on a Dagster instance that built every year before (in this process: no start-up;
   only that year is read again, the core and out assets re-run);
4. scale: a generated district-level edition (200 districts as rows, 2003-2022, all forms) with
   its own schemas folder (``YEARBOOK_SCHEMAS``), built in a fresh process, ``--no-pdf`` as in cases 1 and 3;
5. disclosure control of the editions of cases 1 and 4 (benchmarks/disclosure.py on their staff
   stores): per yearbook table, the hidden cells and their value with the heuristic (before optimal
   suppression and table redesign) and with the declared method, and the time of each;
6. ``yearbook validate FILE`` on the smallest workbook of the edition: the command's start-up (its
   help) and the validation of one workbook beyond it (targets 2 s and 1 s).

Peak memory is the largest sum of the proportional set sizes (PSS: a page shared by n processes
counts 1/n in each) of the build and every process it started (its worker processes), sampled
every 0.1 s from ``/proc`` -- or the build process's own peak (``/usr/bin/time -v``, else
``os.wait4``) if that is larger; CPU time likewise, the larger of the processes' user and system
time at their last samples together and what ``/usr/bin/time`` reports. The script always exits
0: a failed build shows as FAILED in the table, with its last lines below it; a build stopped
at its timeout shows its figures as lower bounds (``≥``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CASES = ["build", "ingest", "rebuild", "scale", "validate"]
GNU_TIME = Path("/usr/bin/time")
# issue #24's targets (docs/performance.md); scale_rss in MiB
TARGETS = {"build": 5.0, "ingest_ratio": 2.0, "rebuild": 3.0, "scale_wall": 30.0, "scale_rss": 1536.0, "start": 2.0, "validate": 1.0}
SCALE_FIRST_YEAR, SCALE_LAST_YEAR = 2003, 2022
CONTENDED = 1.25  # a build whose wall time exceeds its CPU time by this factor did not have a CPU to itself


# ---------------------------------------------------------------------------------- measuring a process


@dataclass
class Run:
    """One process run: wall and CPU seconds (its processes together), peak memory (MiB, the PSS of its processes
    together), exit status."""

    wall: float
    cpu: float
    rss_mib: float
    returncode: int
    output: str = ""  # the last lines of stdout and stderr
    stopped: bool = False  # killed at the timeout: wall, CPU and memory are lower bounds

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.stopped


def _yearbook_command() -> list[str]:
    script = Path(sys.executable).parent / "yearbook"
    return [str(script)] if script.exists() else [sys.executable, "-m", "yearbook.cli"]


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_process(cmd: Sequence[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Run ``cmd`` in a fresh process (its own process group, killed after ``timeout`` seconds) and measure it."""
    env = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory(prefix="yearbook-bench-run-") as tmp:
        out_path, err_path, time_path = Path(tmp, "stdout"), Path(tmp, "stderr"), Path(tmp, "time")
        full = [str(GNU_TIME), "-v", "-o", str(time_path), *cmd] if GNU_TIME.exists() else list(cmd)
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(full, stdout=out, stderr=err, env=env, cwd=PROJECT, start_new_session=True)
            timer = threading.Timer(timeout, _stop, (proc.pid,))
            timer.start()
            sampler = _TreeSampler(proc.pid)
            try:
                _, status, usage = os.wait4(proc.pid, 0)  # the child's (and its children's) resource usage
            finally:
                timer.cancel()
                sampler.stop()
            wall = time.perf_counter() - start
            proc.returncode = returncode = os.waitstatus_to_exitcode(status)
        cpu, rss_kib = usage.ru_utime + usage.ru_stime, float(usage.ru_maxrss)  # kilobytes on Linux
        report = time_path.read_text() if time_path.exists() else ""
        if "Maximum resident set size" in report:
            cpu = _gnu_time(report, "User time (seconds)") + _gnu_time(report, "System time (seconds)")
            rss_kib = _gnu_time(report, "Maximum resident set size (kbytes)")
        # the workers are the forkserver's children, and the build may not wait for the forkserver: wait4 may miss them
        cpu, rss_kib = max(cpu, sampler.cpu), max(rss_kib, sampler.peak_kib)
        output = _tail(out_path.read_text(errors="replace") + "\n" + err_path.read_text(errors="replace"))
    stopped = wall >= timeout
    if stopped:
        output = f"stopped after {timeout:.0f} s\n{output}"
    return Run(wall, cpu, rss_kib / 1024, returncode, output, stopped)


class _TreeSampler:
    """Samples, every 0.1 s in a thread of its own, the processes of the session ``leader`` starts (a build, its
    forkserver and its workers; ``/usr/bin/time``, the leader when present, is small): the peak of their PSS together,
    and the CPU seconds of all but ``/usr/bin/time``, each process's at its last sample."""

    def __init__(self, leader: int):
        self.leader, self.peak_kib = leader, 0.0
        self._cpu: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def cpu(self) -> float:
        return sum(seconds for pid, seconds in self._cpu.items() if pid != self.leader or not GNU_TIME.exists())

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        ticks, page_kib = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE") // 1024
        while not self._done.wait(0.1):
            processes = _session_processes(self.leader)
            for pid, fields in processes:
                self._cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            # a PSS is never above its RSS: the PSS (which the kernel works out page by page, slowing a large process
            # while it does: 10 % of the district build's time at every sample) only where the RSS could beat the peak
            if sum(int(fields[21]) for _, fields in processes) * page_kib > self.peak_kib:  # rss, in pages
                self.peak_kib = max(self.peak_kib, float(sum(_pss_kib(pid) for pid, _ in processes)))


def _session_processes(session: int) -> list[tuple[int, list[str]]]:
    """(pid, /proc/<pid>/stat fields after the name) of every process of ``session``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile
            if int(fields[3]) == session:  # state, ppid, pgrp, session
                found.append((int(entry), fields))
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # ended meanwhile
    return 0


def _stop(pid: int) -> None:
    """Kill the measured command (the children of /usr/bin/time, which then still reports), then its whole process group."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        for child in children.read_text().split() if children.exists() else []:
            os.kill(int(child), signal.SIGKILL)
        time.sleep(3)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _gnu_time(report: str, name: str) -> float:
    match = re.search(rf"{re.escape(name)}:\s*([\d.]+)", report)
    return float(match.group(1)) if match else float("nan")


# ---------------------------------------------------------------------------------- the results table


@dataclass
class Row:
    figure: str
    values: list[float]
    unit: str
    target: float | None = None  # an upper bound
    note: str = ""  # shown instead of met? when the figure cannot be judged (a failed build, a reduced case)
    lower: bool = False  # the values are lower bounds (runs stopped at the timeout)

    def cells(self) -> list[str]:
        if not self.values:
            return [self.figure, "-", "-", "-", self._target(), self.note or "n/a"]

        def fmt(v: float) -> str:
            text = f"{v:.0f} {self.unit}" if self.unit == "MiB" else f"{v:.2f} {self.unit}".replace(" ×", "×")
            return f"≥ {text}" if self.lower else text

        median = statistics.median(self.values)
        if self.note or self.target is None:
            met = self.note or "-"
        elif self.lower:
            met = "NO (stopped)" if median > self.target else "unknown (stopped)"
        else:
            met = "yes" if median <= self.target else "NO"
        return [self.figure, fmt(median), fmt(min(self.values)), fmt(max(self.values)), self._target(), met]

    def _target(self) -> str:
        if self.target is None:
            return "-"
        return f"≤ {self.target:g}×" if self.unit == "×" else f"≤ {self.target:g} {self.unit}"


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add_runs(
        self,
        name: str,
        runs: list[Run],
        wall_target: float | None,
        rss_target: float | None = None,
        note: str = "",
        memory: bool = True,
        rss_note: str = "",
    ) -> None:
        good = [r for r in runs if r.ok]
        stopped = [r for r in runs if r.stopped]
        failed = [r for r in runs if not r.ok and not r.stopped]
        shown, lower = (good, False) if good else (stopped, True)  # stopped runs: lower bounds
        fail_note = f"FAILED ({len(failed)}/{len(runs)} runs)" if failed else ""
        self.rows.append(Row(f"{name}: wall", [r.wall for r in shown], "s", wall_target, fail_note or note, lower))
        self.rows.append(Row(f"{name}: CPU user+sys", [r.cpu for r in shown], "s", None, fail_note, lower))
        if memory:
            self.rows.append(
                Row(
                    f"{name}: peak memory (PSS, all processes)", [r.rss_mib for r in shown], "MiB", rss_target, fail_note or rss_note, lower
                )
            )
        for r in failed[:1]:
            self.failures.append(f"{name} exited {r.returncode}; its last lines:\n{r.output}")
        for r in stopped[:1]:
            self.failures.append(f"{name} was stopped after {r.wall:.0f} s; its last lines:\n{r.output}")

    def print(self, markdown: bool) -> None:
        header = ["figure", "median", "min", "max", "target", "met?"]
        lines = [header, *(row.cells() for row in self.rows)]
        if markdown:
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
            for cells in lines[1:]:
                print("| " + " | ".join(cells) + " |")
        else:
            widths = [max(len(cells[i]) for cells in lines) for i in range(len(header))]
            for n, cells in enumerate(lines):
                print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))))
                if n == 0:
                    print("  ".join("-" * w for w in widths))
        for failure in self.failures:
            print(f"\n{failure}")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------- 1. the full build


def bench_build(raw: Path, work: Path, runs: int, timeout: float, pdf: bool = False) -> tuple[list[Run], Path | None]:
    """``runs`` builds (``pdf``: with the PDF edition, LibreOffice's time), each into a fresh out folder; the last good
    one is kept (the rebuild case starts from it)."""
    out, kept = [], None
    for i in range(runs):
        target = work / f"build-{i}"
        flags = [] if pdf else ["--no-pdf"]
        run = run_process([*_yearbook_command(), "build", "--raw", str(raw), "--out", str(target), *flags], timeout=timeout)
        name = "full build with the PDF edition" if pdf else "full build"
        say(f"  {name} {i + 1}/{runs}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, {run.rss_mib:.0f} MiB, exit {run.returncode}")
        out.append(run)
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
        kept = target if run.ok else None
        if not run.ok:
            shutil.rmtree(target, ignore_errors=True)
    return out, kept


# ---------------------------------------------------------------------------------- 2. ingest against the floor


def _ours(raw: Path) -> Callable[[], int]:
    from yearbook.submissions import discover, read_submission

    def ingest() -> int:
        files, _ = discover(raw)
        return sum(read_submission(f).figure_count for f in files)

    return ingest


def _floor(raw: Path) -> Callable[[], int]:
    from python_calamine import CalamineWorkbook

    from yearbook.submissions import discover

    paths = [f.path for f in discover(raw)[0]]

    def read_cells() -> int:
        cells = 0
        for path in paths:
            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
        return cells

    return read_cells


def _peer(raw: Path) -> Callable[[], int]:
    """What a statistician would otherwise write: every sheet of every workbook read with pandas and openpyxl, no
    interpretation at all (the peer line the issue asks for)."""
    import pandas as pd

    from yearbook.submissions import discover

    paths = [f.path for f in discover(raw)[0]]

    def read_frames() -> int:
        return sum(frame.size for path in paths for frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values())

    return read_frames


@dataclass
class Ingest:
    ours: list[float] = field(default_factory=list)  # wall seconds
    floor: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    ours_cpu: list[float] = field(default_factory=list)  # CPU seconds of this process
    floor_cpu: list[float] = field(default_factory=list)
    peer_cpu: list[float] = field(default_factory=list)
    figures: int = 0
    cells: int = 0


def bench_ingest(raw: Path, reps: int) -> Ingest:
    """Our ingest, the floor and the peer, alternating, after one warm-up each."""
    ours, floor, peer = _ours(raw), _floor(raw), _peer(raw)
    out = Ingest(figures=ours(), cells=floor())  # warm-up: imports, specs and code lists loaded, files in the page cache
    peer()
    for i in range(reps):
        for fn, wall, cpu in ((ours, out.ours, out.ours_cpu), (floor, out.floor, out.floor_cpu), (peer, out.peer, out.peer_cpu)):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        say(f"  ingest {i + 1}/{reps}: ours {out.ours[-1]:.2f} s, floor {out.floor[-1]:.2f} s, peer {out.peer[-1]:.2f} s")
    return out


# ---------------------------------------------------------------------------------- 3. rebuild after one change


def bench_rebuild(raw: Path, work: Path, runs: int, timeout: float) -> tuple[Run, list[Run], list[str]]:
    """A first build of a copy of ``raw`` (not timed: the workbooks' reads kept and the edition published by it, as a
    statistician's first build of the year), then ``runs`` rebuilds each after one changed workbook; notes on what the
    store shows."""
    copy, out = work / "rebuild-raw", work / "rebuild-out"
    shutil.copytree(raw, copy)
    cmd = [*_yearbook_command(), "build", "--raw", str(copy), "--out", str(out), "--no-pdf"]
    first = run_process(cmd, timeout=timeout)
    say(f"  first build: {first.wall:.1f} s wall, exit {first.returncode}")
    from yearbook_demo.corrections import bump_school_count, published_value

    year = max(int(p.name) for p in copy.iterdir() if p.name.isdigit())
    rebuilds, notes = [], []
    for i in range(runs):
        change = bump_school_count(copy, year)
        run = run_process(cmd, timeout=timeout)
        say(f"  rebuild {i + 1}/{runs} after {change.file.relative_to(copy)} changed: {run.wall:.1f} s wall, exit {run.returncode}")
        rebuilds.append(run)
        if run.ok:
            shown = published_value(out, change)
            if shown != change.value:
                notes.append(f"rebuild {i + 1}: the store shows {shown} for SCHOOLS {change.area} {year}, the workbook {change.value}")
    if not notes and rebuilds and all(r.ok for r in rebuilds):
        notes.append(f"checked: after every rebuild the store shows the changed school count ({change.area}, {year})")
    shutil.rmtree(copy, ignore_errors=True)
    return first, rebuilds, notes


def bench_partition_rebuild(raw: Path, work: Path, runs: int) -> tuple[list[Run], list[str]]:
    """Every year built once on a temporary Dagster instance (not timed), then ``runs`` times one workbook of the
    last year changed and that year's partition run in this process (wall and CPU time of the run only)."""
    import dagster as dg
    from yearbook_demo.corrections import bump_school_count, published_value

    from yearbook.config import PDF_SWITCH
    from yearbook.definitions import build_yearbook_job, defs
    from yearbook.resources import YearbookPaths
    from yearbook.runs import run_every_year

    copy, home = work / "partition-raw", work / "partition-home"
    os.environ[PDF_SWITCH] = "0"  # as the CLI cases: LibreOffice's time (child processes) is not the pipeline's
    shutil.copytree(raw, copy)
    home.mkdir()
    paths = YearbookPaths(raw_dir=str(copy), out_dir=str(work / "partition-out"))
    job = defs.resolve_job_def(build_yearbook_job.name)
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    year = max(int(p.name) for p in copy.iterdir() if p.name.isdigit())
    out, notes = [], []
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        if not run_every_year(job, paths, instance, quiet).success:
            return [], ["the first build of the partition rebuild case failed"]
        for i in range(runs):
            change = bump_school_count(copy, year)
            wall, cpu = time.perf_counter(), time.process_time()
            result = job.execute_in_process(
                instance=instance, partition_key=str(year), resources={"paths": paths}, run_config=quiet, raise_on_error=False
            )
            run = Run(time.perf_counter() - wall, time.process_time() - cpu, 0.0, 0 if result.success else 1)
            say(f"  partition {year} run {i + 1}/{runs}: {run.wall:.1f} s wall, success {result.success}")
            out.append(run)
            if result.success and published_value(paths.out, change) != change.value:
                notes.append(f"partition rebuild {i + 1}: the store does not show the changed school count")
    if not notes and out and all(r.ok for r in out):
        notes.append(f"checked: after every partition run the store shows the changed school count ({change.area}, {year})")
    shutil.rmtree(copy, ignore_errors=True)
    return out, notes


# ---------------------------------------------------------------------------------- 4. the district-level scale case


def _generator_digest() -> str:
    """What a generated edition depends on: the demo generator and the schemas."""
    digest = hashlib.sha256()
    for folder in (PROJECT / "tools" / "demo" / "yearbook_demo", PROJECT / "schemas"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def scale_edition(cache: Path, districts: int, years: list[int], seed: int, timeout: float) -> tuple[Path, Path, Run | None]:
    """The district edition and its schemas folder, generated once per generator version (cached)."""
    folder = cache / f"districts-{districts}-{years[0]}-{years[-1]}-seed{seed}-{_generator_digest()}"
    raw, schemas, done = folder / "raw", folder / "schemas", folder / "complete"
    if done.exists():
        say(f"  reusing the generated edition {folder}")
        return raw, schemas, None
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [sys.executable, "-m", "yearbook_demo", str(raw), "--years", *map(str, years), "--seed", str(seed)]
    cmd += ["--districts", str(districts), "--schemas", str(schemas)]
    say(f"  generating {districts} districts × {len(years)} years into {folder} ...")
    run = run_process(cmd, timeout=timeout)
    if run.ok:
        done.write_text(" ".join(cmd) + "\n")
    return raw, schemas, run


def bench_scale(raw: Path, schemas: Path, work: Path, runs: int, timeout: float) -> tuple[list[Run], Path | None]:
    """The scale builds; the staff store of the last good one (case 5 reads it)."""
    out, kept = [], None
    for i in range(runs):
        target = work / f"scale-{i}"
        cmd = [*_yearbook_command(), "build", "--raw", str(raw), "--out", str(target), "--no-pdf"]  # as cases 1 and 3
        run = run_process(cmd, env={"YEARBOOK_SCHEMAS": str(schemas)}, timeout=timeout)
        say(f"  scale build {i + 1}/{runs}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, {run.rss_mib:.0f} MiB, exit {run.returncode}")
        out.append(run)
        staff = work / f"scale-{i}-internal"
        if run.ok:
            kept = work / "scale-staff"
            shutil.rmtree(kept, ignore_errors=True)
            staff.rename(kept)  # moved, not copied: its links into editions/ are relative
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(staff, ignore_errors=True)
    return out, kept


# ---------------------------------------------------------------------------------- 5. disclosure control


def bench_disclosure(staff: Path, env: dict[str, str] | None = None) -> str:
    """benchmarks/disclosure.py on a build's staff folder: hidden cells and value per table, heuristic against the
    declared method, and their times (its output, for the end of the report)."""
    store = staff / "yearbook_internal.duckdb"
    cmd = [sys.executable, str(PROJECT / "benchmarks" / "disclosure.py"), str(store)]
    done = subprocess.run(cmd, env=os.environ | (env or {}), capture_output=True, text=True, timeout=3600, check=False)
    return done.stdout if done.returncode == 0 else f"FAILED (exit {done.returncode}):\n{_tail(done.stderr)}"


# ---------------------------------------------------------------------------------- main


def reference_loop() -> float:
    """Seconds of a fixed pure-Python loop (median of 3): the speed of the CPU at that moment. On a shared VM it
    varies by tens of percent from one minute to the next; printed at the start and the end, it says how fast the
    machine was when the figures were taken."""

    def once() -> float:
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        return time.perf_counter() - started

    return statistics.median(once() for _ in range(3))


def _machine() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=PROJECT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    memory = "?"
    if Path("/proc/meminfo").exists():
        if total := re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()):
            memory = f"{int(total.group(1)) / 1024**2:.0f} GiB"
    timer = "/usr/bin/time -v" if GNU_TIME.exists() else "os.wait4"
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, {memory} RAM, load average {load}; Python {platform.python_version()}; "
        f"commit {commit}; peak memory: the PSS of the build and its workers together (/proc), or the build's own from {timer}"
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    raw = args.raw.resolve()
    started = time.perf_counter()
    machine_before = _machine()
    say(machine_before)
    speed_before = reference_loop()
    say(f"CPU speed reference (10 million additions in Python): {speed_before:.2f} s")
    report = Report()
    with tempfile.TemporaryDirectory(prefix="yearbook-bench-") as tmp:
        work = Path(tmp)
        if "build" in args.cases:
            case_build(raw, work, args, report)
        if "ingest" in args.cases:
            case_ingest(raw, args.reps, report)
        if "rebuild" in args.cases:
            case_rebuild(raw, work, args, report)
        if "scale" in args.cases:
            case_scale(work, args, report)
        if "validate" in args.cases:
            case_validate(raw, args.runs, report)
    print_report(report, machine_before, time.perf_counter() - started, speed_before, args.markdown)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line, with the defaults that depend on ``--quick`` filled in, the scale case's ``years`` and the
    ``cases`` to run."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 runs per case (ingest 3) and a 4-year scale case (under 3 minutes)")
    parser.add_argument("--runs", type=int, help="runs of the build and rebuild cases (default 5, --quick 2)")
    parser.add_argument("--reps", type=int, help="repetitions of the ingest case (default 5, --quick 3)")
    parser.add_argument("--scale-runs", type=int, default=1, help="runs of the scale build (default 1)")
    parser.add_argument("--districts", type=int, default=200, help="districts of the scale edition (default 200)")
    parser.add_argument("--scale-years", type=int, help="reference years of the scale edition, ending 2022 (default 20, --quick 4)")
    parser.add_argument("--seed", type=int, default=2018, help="seed of the scale edition (default 2018)")
    parser.add_argument("--raw", type=Path, default=PROJECT / "raw", help="the edition of cases 1-3 (default raw/)")
    cache = Path(tempfile.gettempdir()) / "yearbook-bench-cache"
    parser.add_argument("--cache", type=Path, default=cache, help=f"where generated scale editions are kept (default {cache})")
    parser.add_argument("--only", nargs="+", choices=CASES, help="run only these cases")
    parser.add_argument("--timeout", type=float, default=600, help="seconds after which a build of cases 1-3 is stopped (default 600)")
    parser.add_argument(
        "--scale-timeout",
        type=float,
        help="seconds after which a scale build is stopped; its figures are then lower bounds (default 600, --quick 90)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = parser.parse_args(argv)
    args.runs = args.runs or (2 if args.quick else 5)
    args.reps = args.reps or (3 if args.quick else 5)
    args.scale_timeout = args.scale_timeout or (90 if args.quick else 600)
    scale_years = args.scale_years or (4 if args.quick else SCALE_LAST_YEAR - SCALE_FIRST_YEAR + 1)
    args.years = list(range(SCALE_LAST_YEAR - scale_years + 1, SCALE_LAST_YEAR + 1))
    if args.years[0] < SCALE_FIRST_YEAR:
        parser.error(f"--scale-years: the demo models {SCALE_FIRST_YEAR}-{SCALE_LAST_YEAR} at most")
    args.cases = set(args.only or CASES)
    return args


@dataclass
class Report:
    """What the cases found, printed at the end."""

    results: Results = field(default_factory=Results)
    notes: list[str] = field(default_factory=list)
    disclosure: list[tuple[str, str]] = field(default_factory=list)  # (edition, benchmarks/disclosure.py's output)
    runs: list[Run] = field(default_factory=list)  # every build process (their wall against CPU time: contention)


def case_build(raw: Path, work: Path, args: argparse.Namespace, report: Report) -> None:
    """Case 1, and case 5 on its edition; the out folder of the last good build (the rebuild case starts from it)."""
    say(f"1. full build of {raw} ({args.runs} runs)")
    with_pdf, with_pdf_out = bench_build(raw, work / "pdf", args.runs, args.timeout, pdf=True)
    if with_pdf_out is not None:
        shutil.rmtree(with_pdf_out, ignore_errors=True)
    builds, built = bench_build(raw, work, args.runs, args.timeout)
    report.runs += builds + with_pdf
    report.results.add_runs("1. full build (raw/, no PDF)", builds, TARGETS["build"])
    report.results.add_runs("1. full build with the PDF edition", with_pdf, None, note="LibreOffice: no target")
    if built is not None:
        say("5. disclosure control of the demo edition (heuristic and declared method)")
        report.disclosure.append(("the demo edition (raw/)", bench_disclosure(built.with_name(built.name + "-internal"))))


def case_ingest(raw: Path, reps: int, report: Report) -> None:
    say(f"2. ingest against the floor ({reps} repetitions)")
    ing = bench_ingest(raw, reps)
    rows = report.results.rows
    rows.append(Row("2. ingest: ours (discover + read_submission)", ing.ours, "s"))
    rows.append(Row("2. ingest: floor (calamine to_python)", ing.floor, "s"))
    rows.append(Row("2. ingest: peer (pandas.read_excel with openpyxl, no interpretation)", ing.peer, "s"))
    ratios = [m / t for m, t in zip(ing.ours, ing.floor, strict=True)]
    rows.append(Row("2. ingest: ratio ours / floor (wall)", ratios, "×", TARGETS["ingest_ratio"]))
    cpu_ratios = [m / t for m, t in zip(ing.ours_cpu, ing.floor_cpu, strict=True)]
    rows.append(Row("2. ingest: ratio ours / floor (CPU)", cpu_ratios, "×"))
    of_medians = statistics.median(ing.ours) / statistics.median(ing.floor)
    report.notes.append(
        f"ingest: {ing.figures} figures read from {ing.cells} cells; the ratio of the two medians is {of_medians:.2f}× "
        "(the ratio rows: one ratio per repetition)"
    )


def case_rebuild(raw: Path, work: Path, args: argparse.Namespace, report: Report) -> None:
    """Case 3 and 3b."""
    say(f"3. rebuild after one changed workbook ({args.runs} runs)")
    first, rebuilds, rebuild_notes = bench_rebuild(raw, work, args.runs, args.timeout)
    report.runs += rebuilds
    if not first.ok:
        report.results.failures.append(f"the first build of the rebuild case exited {first.returncode}:\n{first.output}")
    report.results.add_runs("3. rebuild after 1 changed workbook", rebuilds, TARGETS["rebuild"], memory=False)  # memory: as case 1
    report.notes += rebuild_notes
    say(f"3b. rebuild of the changed year's partition on a Dagster instance ({args.runs} runs)")
    partition_runs, partition_notes = bench_partition_rebuild(raw, work, args.runs)
    report.results.add_runs("3b. rebuild, the changed year's partition (in-process)", partition_runs, TARGETS["rebuild"], memory=False)
    report.notes += partition_notes


def case_validate(raw: Path, runs: int, report: Report) -> None:
    """Case 6: ``yearbook validate FILE`` on one workbook, as a clerk's call needs it: the command's start-up (its
    help, which imports what every command imports) and the validation of one workbook beyond it."""
    workbook = min((p for p in raw.glob("*/*.xlsx")), key=lambda p: p.stat().st_size, default=None)
    if workbook is None:
        report.notes.append(f"validate: no workbook under {raw}")
        return
    say(f"6. yearbook validate {workbook.relative_to(raw)} ({runs} runs)")
    starts = [run_process([*_yearbook_command(), "validate", "--help"]) for _ in range(runs)]
    checks = [run_process([*_yearbook_command(), "validate", str(workbook)]) for _ in range(runs)]
    failed = [run.output for run in checks if run.returncode not in (0, 1)]
    if failed:
        report.results.failures.append(f"yearbook validate failed:\n{failed[0]}")
        return
    report.results.rows.append(Row("6. validate FILE: start-up (the command's help)", [r.wall for r in starts], "s", TARGETS["start"]))
    beyond = [check.wall - statistics.median(r.wall for r in starts) for check in checks]
    report.results.rows.append(Row("6. validate FILE: one workbook, beyond start-up", beyond, "s", TARGETS["validate"]))


def case_scale(work: Path, args: argparse.Namespace, report: Report) -> None:
    """Case 4 on the generated edition (generated first unless it is in the cache), and case 5 on its edition."""
    years = args.years
    label = f"4. scale, {args.districts} districts × {len(years)} years"
    reduced = "n/a (target: 20 years)" if len(years) < 20 else ""
    say(f"4. scale: {args.districts} districts, {years[0]}-{years[-1]} ({args.scale_runs} runs)")
    scale_raw, schemas, generated = scale_edition(args.cache, args.districts, years, args.seed, 1800)
    if generated is not None:
        report.results.rows.append(Row(f"{label}: generate (once, cached)", [generated.wall] if generated.ok else [], "s"))
        if not generated.ok:
            report.results.failures.append(f"generating the scale edition exited {generated.returncode}:\n{generated.output}")
            return
    n_files = sum(1 for p in scale_raw.rglob("*.xlsx"))
    size = sum(p.stat().st_size for p in scale_raw.rglob("*.xlsx")) / 1024**2
    report.notes.append(f"scale edition: {n_files} workbooks, {size:.0f} MiB, in {scale_raw.parent}")
    scale_runs, scale_staff = bench_scale(scale_raw, schemas, work, args.scale_runs, args.scale_timeout)
    if scale_staff is not None:
        say("5. disclosure control of the scale edition (heuristic and declared method)")
        disclosure = bench_disclosure(scale_staff, {"YEARBOOK_SCHEMAS": str(schemas)})
        report.disclosure.append((f"the scale edition ({args.districts} districts × {len(years)} years)", disclosure))
    report.runs += scale_runs
    wall_note = reduced
    if reduced and any(r.stopped and r.wall > TARGETS["scale_wall"] for r in scale_runs):
        wall_note = f"NO: stopped, with {len(years)} of 20 years"
    report.results.add_runs(label, scale_runs, TARGETS["scale_wall"], TARGETS["scale_rss"], note=wall_note, rss_note=reduced)


def print_report(report: Report, machine_before: str, took: float, speed_before: float, markdown: bool) -> None:
    """The machine before and after, the results table, the notes, case 5's reports and a word on contention."""
    print(f"\n{machine_before}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"at the end: load average {load}; the benchmark took {took:.0f} s")
    print(f"CPU speed reference (10 million additions in Python): {speed_before:.2f} s at the start, {reference_loop():.2f} s at the end\n")
    report.results.print(markdown)
    if report.notes:
        print()
        for note in report.notes:
            print(f"- {note}")
    for edition, output in report.disclosure:
        print(f"\n5. disclosure control of {edition}: per table, hidden cells and their value, before and after\n{output.rstrip()}")
    contended = [r for r in report.runs if r.ok and r.wall > CONTENDED * r.cpu]
    if contended:
        print(
            f"- {len(contended)} of {len(report.runs)} builds took more than {CONTENDED}× their CPU time in wall time: other processes "
            "competed for the CPUs, so wall times are inflated; compare the CPU times"
        )


if __name__ == "__main__":
    sys.exit(main())
