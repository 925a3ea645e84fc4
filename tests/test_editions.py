"""One edition at a time: a crash at any file operation of publishing leaves the previous edition or the new one,
two builds into one folder publish one build's edition each in turn, and an analyst's session never breaks it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

import yearbook.edition as edition
from tests.conftest import SAMPLES
from yearbook.command_runs import QUIET_LOGS
from yearbook.definitions import defs
from yearbook.edition import CURRENT, EDITIONS, build_lock, current_run, publish_edition, staging_dir
from yearbook.resources import YearbookPaths
from yearbook.runs import run_every_year

pytestmark = pytest.mark.slow

BUILD = [sys.executable, "-m", "yearbook.cli", "build", "--raw", str(SAMPLES)]
NAMES = [
    "tables", "yearbook.duckdb", "yearbook_en.xlsx", "yearbook_kk.xlsx", "yearbook_ru.xlsx", "yearbook_sdmx.csv", "yearbook_sdg_sdmx.csv",
]  # fmt: skip
FILE_OPERATIONS = ["rename", "replace", "symlink", "link", "unlink", "mkdir", "rmdir", "chmod"]


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two real editions of the samples (two builds), as complete folders."""
    out = tmp_path_factory.mktemp("built") / "out"
    folders = []
    for _ in range(2):
        subprocess.run([*BUILD, "--out", str(out)], check=True, capture_output=True, timeout=300)
        folders.append(out / EDITIONS / current_run(out))
    return folders[0], folders[1]


def _digest(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _shown(out: Path) -> dict[str, str]:
    """What a reader of the well-known names sees: each name's content digest (a missing name raises)."""
    return {name: _digest(out / name) for name in NAMES}


class Crash(BaseException):
    """The process dies here: nothing after it runs, no handler catches it."""


def _crash_at(monkeypatch: pytest.MonkeyPatch, k: int) -> list[str]:
    """Make the k-th file operation (1-based; 0: none) raise Crash; returns the operations seen."""
    seen: list[str] = []
    for name in FILE_OPERATIONS:
        real = getattr(os, name)

        def operation(*args, _real: Callable = real, _name: str = name, **kwargs):
            seen.append(_name)
            if len(seen) == k:
                raise Crash(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, operation)
    real_exchange = edition._exchange

    def exchange(a: Path, b: Path) -> None:
        seen.append("exchange")
        if len(seen) == k:
            raise Crash("exchange")
        real_exchange(a, b)

    monkeypatch.setattr(edition, "_exchange", exchange)
    return seen


def _stage(out: Path, run_id: str, source: Path) -> None:
    shutil.copytree(source, staging_dir(out, run_id))


def _layouts(tmp_path: Path, before: Path, after: Path) -> dict[str, Path]:
    """Folders with a published edition and the next one staged: one published with editions, one of the layout before."""
    with_editions = tmp_path / "with_editions"
    _stage(with_editions, "old", before)
    publish_edition(with_editions, "old")
    legacy = tmp_path / "legacy"
    shutil.copytree(before, legacy)
    for out in (with_editions, legacy):
        _stage(out, "new", after)
    return {"with_editions": with_editions, "legacy": legacy}


@pytest.mark.parametrize("layout", ["with_editions", "legacy"])
def test_a_crash_at_any_file_operation_of_publishing_leaves_one_whole_edition(
    layout: str, two_editions: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = two_editions
    old = {name: _digest(before / name) for name in NAMES}
    new = {name: _digest(after / name) for name in NAMES}
    template = _layouts(tmp_path / "template", before, after)[layout]
    counted = shutil.copytree(template, tmp_path / "count", symlinks=True)
    with monkeypatch.context() as patch:  # a publish without a crash: how many file operations it makes
        seen = _crash_at(patch, 0)
        publish_edition(counted, "new")
        operations = len(seen)
    assert operations >= 4
    for k in range(1, operations + 1):
        out = shutil.copytree(template, tmp_path / f"crash{k}", symlinks=True)
        with monkeypatch.context() as patch:
            seen = _crash_at(patch, k)
            with pytest.raises(Crash):
                publish_edition(out, "new")
        assert _shown(out) in (old, new), f"a mix after a crash at {seen[-1]} (operation {k} of {operations})"
        _stage(out, "next", after)  # the next build publishes whatever the crash left
        publish_edition(out, "next")
        assert _shown(out) == new and current_run(out) == "next"
        assert not list(out.glob(".*.link")) and not list(out.glob(f".{CURRENT}-*"))
        shutil.rmtree(out)  # a copy of two editions per file operation: hundreds, gigabytes if kept


def test_old_editions_are_pruned_and_the_current_one_kept(two_editions: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    for i in range(5):
        _stage(out, f"run{i}", two_editions[i % 2])
        publish_edition(out, f"run{i}", keep=2)
        time.sleep(0.01)  # distinct folder times
    assert sorted(p.name for p in (out / EDITIONS).iterdir()) == ["run3", "run4"]
    assert current_run(out) == "run4"


def _run_id_of_workbook(path: Path) -> str:
    cover = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    text = " ".join(str(v) for row in cover.iter_rows(values_only=True) for v in row if v)
    return next(word.strip(".,;()") for word in text.split() if word.count("-") == 4)


def _one_build(out: Path) -> str:
    """The run id that every published name of ``out`` agrees on."""
    run = current_run(out)
    with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as con:
        assert con.execute("SELECT run_id FROM build_runs ORDER BY built_at DESC LIMIT 1").fetchone()[0] == run
    for lang in ("kk", "ru", "en"):
        assert _run_id_of_workbook(out / f"yearbook_{lang}.xlsx") == run
    assert all(os.path.realpath(out / name).startswith(str((out / EDITIONS / run).resolve())) for name in NAMES)
    return run


@pytest.mark.parametrize("offset", [0.0, 1.5, 3.0])
def test_two_builds_into_one_folder_publish_one_edition_each_in_turn(offset: float, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.Popen([*BUILD, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(offset)
    second = subprocess.run([*BUILD, "--out", str(out)], capture_output=True, text=True, timeout=300)
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, first_err + second.stderr
    assert "published" in first_err and "published" in second.stderr
    waited = "waiting: " in first_err + second.stderr
    assert waited or offset > 0, "started together, one of them must have waited for the other"
    _one_build(out)
    assert len(list((out / EDITIONS).iterdir())) == 2  # both published, in turn: no staging folder left


def _dagster_build(out: Path) -> dg.ExecuteInProcessResult:
    """A build_yearbook run as the UI, the schedule or the sensor starts it: not through the command line's lock."""
    paths = YearbookPaths(raw_dir=str(SAMPLES), out_dir=str(out))
    with dg.DagsterInstance.ephemeral() as instance:
        return run_every_year(defs.resolve_job_def("build_yearbook"), paths, instance, QUIET_LOGS)


@contextmanager
def _held_elsewhere(out: Path, who: str) -> Iterator[None]:
    """The publishing lock of ``out`` held by another process, as another build holds it."""
    code = (
        "import sys, time; from pathlib import Path; from yearbook.edition import build_lock\n"
        "with build_lock(Path(sys.argv[1]), sys.argv[2], wait=False):\n    print('held', flush=True); time.sleep(300)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(out), who], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_build_that_must_not_wait_says_who_holds_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with _held_elsewhere(out, "a test build"):
        done = subprocess.run([*BUILD, "--out", str(out), "--no-wait"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert f"not built: {out} is being published by a test build (pid " in done.stderr and ", publishing since" in done.stderr
    assert done.stderr.rstrip().endswith("nothing was published")
    assert not (out / CURRENT).exists() and not (out / "yearbook.duckdb").exists()


def test_a_dagster_run_fails_fast_when_another_build_publishes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with _held_elsewhere(out, "yearbook build (pid 4242)"):
        result = _dagster_build(out)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure and e.step_key == "out_yearbook")
    assert "is being published by yearbook build (pid 4242)" in str(failure.step_failure_data.error.message)
    assert not (out / CURRENT).exists()


@pytest.mark.parametrize("offset", [0.5, 4.0])
def test_a_command_line_build_and_a_dagster_run_into_one_folder(offset: float, tmp_path: Path) -> None:
    """The command line holds the folder's lock for its whole build; a Dagster run publishing meanwhile fails fast and
    says who holds it, and one that comes after publishes its own edition: each time one build's edition is shown."""
    out = tmp_path / "out"
    cli = subprocess.Popen([*BUILD, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(offset)
    run = _dagster_build(out)
    _, cli_err = cli.communicate(timeout=300)
    assert cli.returncode == 0 and "published" in cli_err, cli_err
    if run.success:  # it published after the command line, or before it took the lock: its edition is the current one
        assert current_run(out) in (run.run_id, _one_build(out))
    else:
        failure = next(e for e in run.all_events if e.is_step_failure)
        assert failure.step_key == "out_yearbook"
        assert f"{out.resolve()} is being published by yearbook build (pid {cli.pid})" in failure.step_failure_data.error.message
    _one_build(out)


def test_an_analyst_session_open_for_writing_neither_breaks_the_build_nor_is_dropped_silently(tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([*BUILD, "--out", str(out)], check=True, capture_output=True, timeout=300)
    first = current_run(out)
    (out / "yearbook.duckdb.wal").write_bytes(b"a stale WAL beside the name, as a dead session left it")
    analyst = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time\ncon = duckdb.connect({str(out / 'yearbook.duckdb')!r})\n"
         "con.execute('CREATE TABLE my_notes AS SELECT 1 AS x')\nprint('open', flush=True)\ntime.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert analyst.stdout.readline().strip() == "open"
        done = subprocess.run([*BUILD, "--out", str(out)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"notice: {out / EDITIONS / first / 'yearbook.duckdb'} is open for writing" in done.stderr
        assert _one_build(out) != first  # a reader opens the new edition, whatever the analyst and the stale WAL
        assert (out / EDITIONS / first).is_dir()  # the analyst's edition stays while it is open
    finally:
        analyst.kill()
        analyst.wait()
    with duckdb.connect(str(out / EDITIONS / first / "yearbook.duckdb"), read_only=True) as con:
        assert con.execute("SELECT x FROM my_notes").fetchone() == (1,)  # the analyst's table is where they wrote it


def test_the_staff_area_is_private(tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([*BUILD, "--out", str(out)], check=True, capture_output=True, timeout=300)
    internal = tmp_path / "out-internal"
    assert (internal.stat().st_mode & 0o777) == 0o700
    store = internal / "yearbook_internal.duckdb"
    assert (Path(os.path.realpath(store)).stat().st_mode & 0o777) == 0o600
    assert ((internal / "validation_report.xlsx").stat().st_mode & 0o777) == 0o600
    with build_lock(out, "a test", wait=False):  # free again once the build is over
        pass


def test_a_killed_build_leaves_nothing_once_its_successor_has_run(tmp_path: Path) -> None:
    out, internal = tmp_path / "out", tmp_path / "out-internal"
    build = subprocess.Popen([*BUILD, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(internal.glob(".steps-cli-*/**/*.pickle")) and time.time() < deadline:  # step outputs written
        time.sleep(0.05)
    build.kill()
    build.wait()
    assert list(internal.glob(".steps-cli-*")), "the kill came before any step output: nothing to show"
    subprocess.run([*BUILD, "--out", str(out)], check=True, capture_output=True, timeout=300)
    assert not list(internal.glob(".steps-cli-*"))
    assert not list(out.glob("editions/.staging-*")) and not list(internal.glob("editions/.staging-*"))
    _one_build(out)


@pytest.mark.parametrize("internal", ["out", "out/staff", "."])
def test_the_staff_folder_must_lie_apart_from_the_public_one(internal: str, tmp_path: Path, capsys) -> None:
    from yearbook.cli import main

    with pytest.raises(SystemExit) as usage:
        main(["build", "--raw", str(SAMPLES), "--out", str(tmp_path / "out"), "--internal", str(tmp_path / internal)])
    assert usage.value.code == 2
    assert "must lie outside the public folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_staff_area_that_cannot_be_published_leaves_the_public_edition_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([*BUILD, "--out", str(out)], check=True, capture_output=True, timeout=300)
    before = current_run(out)
    staff_current = tmp_path / "out-internal" / CURRENT
    staff_current.unlink()
    staff_current.mkdir()  # the staff switch will fail
    done = subprocess.run([*BUILD, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr.rstrip().endswith("nothing was published"), done.stderr
    assert current_run(out) == before
    _one_build(out)


def test_the_validation_report_keeps_its_temporary_files_in_the_staff_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl writes each sheet to a temporary file first; a killed build would leave the report's in /tmp."""
    import openpyxl.worksheet._writer as sheet_writer

    from yearbook.problems import Problem
    from yearbook.validation.report import write_validation_workbook

    made: list[str] = []
    real = sheet_writer.create_temporary_file
    monkeypatch.setattr(sheet_writer, "create_temporary_file", lambda suffix="": made.append(real(suffix)) or made[-1])
    staff = tmp_path / "out-internal"
    staff.mkdir()
    write_validation_workbook([Problem("2018/a.xlsx", "Лист1", "B7", "sex_sum", "boys + girls (3) ≠ the total (5)")], staff / "r.xlsx")
    assert made and all(Path(f).parent == staff for f in made)
