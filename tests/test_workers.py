"""The worker processes (yearbook.workers): what a worker takes from the process that hands it work, what it gives
back, and that the parts run side by side give what they give in one process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from yearbook.assets.raw import take_inventories

from tests.conftest import ROOT
from yearbook import read_cache, workers
from yearbook.disclosure.carry_over import protect_years
from yearbook.disclosure.policy import load_policy
from yearbook.model import KEY
from yearbook.store import INTERNAL_STORE_NAME

LOG = logging.getLogger(__name__)


def _where_am_i(name: str) -> tuple[str | None, str, int]:
    return os.environ.get(name), os.getcwd(), os.getpid()


def _write(path: Path) -> int:
    path.write_text("staff only")
    return path.stat().st_mode & 0o777


def _log_and_fail(fail: bool) -> int:
    LOG.warning("a warning from pid %d", os.getpid())
    LOG.debug("below what the asking process logs")
    if fail:
        raise ValueError("the task's own error")
    return 1


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YEARBOOK_WORKERS", "2")
    workers.warm_up()  # the server starts now, with the environment of now: the tests change it after


def test_a_worker_takes_the_environment_and_folder_of_the_process_that_hands_it_work(
    two_workers: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("YEARBOOK_TEST_SETTING", "set after the server started")
    monkeypatch.chdir(tmp_path)
    answers = workers.run_all(_where_am_i, [("YEARBOOK_TEST_SETTING",), ("YEARBOOK_TEST_SETTING",)])
    assert [(setting, folder) for setting, folder, _ in answers] == [("set after the server started", str(tmp_path))] * 2
    assert os.getpid() not in {pid for _, _, pid in answers}, "the tasks ran in workers"


def test_here_this_process_does_the_last_task_while_workers_do_the_others(two_workers: None, tmp_path: Path) -> None:
    answers = workers.run_all(_where_am_i, [("HOME",), ("PATH",), ("YEARBOOK_WORKERS",)], here=True)
    assert [setting for setting, _, _ in answers] == [os.environ.get("HOME"), os.environ.get("PATH"), "2"], "values in order"
    pids = [pid for _, _, pid in answers]
    assert pids[-1] == os.getpid() and os.getpid() not in pids[:-1], "the last here, the others in workers"


def test_a_worker_takes_the_file_mode_mask_of_the_process_that_hands_it_work(two_workers: None, tmp_path: Path) -> None:
    """A staff rendering makes its files private by the mask (yearbook.publish): so must the workbooks its workers write."""
    mask = os.umask(0o077)
    try:
        modes = workers.run_all(_write, [(tmp_path / "a",), (tmp_path / "b",)])
    finally:
        os.umask(mask)
    assert modes == [0o600, 0o600]


def test_one_worker_means_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YEARBOOK_WORKERS", "1")
    assert {pid for _, _, pid in workers.run_all(_where_am_i, [("HOME",), ("HOME",)])} == {os.getpid()}
    with workers.beside(_where_am_i, "HOME") as waited:
        assert waited()[2] == os.getpid()


def test_what_a_task_logs_is_logged_by_the_process_that_handed_it_out(two_workers: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=__name__)
    assert workers.run_all(_log_and_fail, [(False,), (False,)]) == [1, 1]
    warnings = [r for r in caplog.records if r.name == __name__]
    assert len(warnings) == 2 and all(r.getMessage().startswith("a warning from pid") for r in warnings)
    assert {int(r.getMessage().rsplit(" ", 1)[1]) for r in warnings}.isdisjoint({os.getpid()})


def test_a_tasks_error_is_raised_where_it_was_handed_out(two_workers: None) -> None:
    with pytest.raises(ValueError, match="the task's own error"):
        workers.run_all(_log_and_fail, [(False,), (True,)])
    with pytest.raises(ValueError, match="the task's own error"), workers.beside(_log_and_fail, True) as waited:
        waited()


def test_years_protected_side_by_side_hide_what_one_process_hides(demo_edition: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every year of the demo edition protected again, in two workers and in this process: the same hidden figures, for
    the same reasons (the order the years are protected in changes nothing while the time budget lasts)."""
    _, internal = demo_edition
    policy = load_policy()
    with duckdb.connect(str(internal / INTERNAL_STORE_NAME), read_only=True) as con:
        digests = {year: "unused" for (year,) in con.execute("SELECT DISTINCT time_period FROM observations").fetchall()}
        query = f"SELECT {', '.join(KEY)}, value, obs_conf FROM observations WHERE time_period = ?"
        frames = {year: con.execute(query, [year]).df() for year in digests}
    hidden = {}
    for count in ("1", "2"):
        monkeypatch.setenv("YEARBOOK_WORKERS", count)
        hidden[count] = protect_years(frames.__getitem__, policy, digests, ([], None)).hidden
    assert len(digests) > 2 and len(hidden["1"]) > 100
    pd.testing.assert_frame_equal(hidden["1"], hidden["2"])


def test_an_inventory_taken_in_workers_is_the_one_taken_in_this_process(two_workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inventory opens the workbooks on every CPU when reading them would (here however few: the threshold set to
    nothing), and finds the same files, forms, checksums and problems, in the same order; a year without its folder
    included. The demo's 52 small workbooks are opened in this process."""
    years = sorted(p.name for p in (ROOT / "raw").iterdir() if p.name.isdigit()) + ["2099"]
    handed_out: list[int] = []
    run_all = workers.run_all

    def counted(task, arguments, **options):
        arguments = list(arguments)
        handed_out.append(len(arguments))
        return run_all(task, arguments, **options)

    monkeypatch.setattr(workers, "run_all", counted)
    here = take_inventories(ROOT / "raw", years, "digest")
    assert handed_out == [], "the demo's workbooks are few and small"
    monkeypatch.setattr(read_cache, "PARALLEL_READ_BYTES", 0)
    spread = take_inventories(ROOT / "raw", years, "digest")
    assert handed_out == [sum(len(inventory.files) for inventory in here.values())]
    assert list(here) == list(spread) == years
    for year in years:
        pd.testing.assert_frame_equal(here[year].files, spread[year].files)
        assert here[year].problems == spread[year].problems, year
    assert here["2099"].files.empty and len(here["2022"].files) > 5


def test_workers_end_when_the_process_that_handed_them_work_is_killed(tmp_path: Path) -> None:
    """A build killed outright (by the system, for want of memory) leaves no worker holding memory and figures."""
    script = tmp_path / "asker.py"
    script.write_text(
        "import os, time\n"
        "from yearbook import workers\n"
        "def main():\n"
        "    os.environ['YEARBOOK_WORKERS'] = '2'\n"
        "    with workers.worker_pool(2) as pool:\n"
        "        futures = [pool.submit(time.sleep, 600) for _ in range(2)]\n"
        "        time.sleep(3)\n"
        "        print(' '.join(str(p) for p in pool._processes), flush=True)\n"
        "        time.sleep(600)\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )
    asker = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert asker.stdout is not None
    pids = [int(p) for p in asker.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    asker.kill()
    asker.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)], "workers outlived the process that handed them work"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_number_of_workers_is_a_whole_number_and_at_most_one_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    cpus = len(os.sched_getaffinity(0))
    monkeypatch.setenv("YEARBOOK_WORKERS", "64")
    assert workers.worker_count(100) == cpus
    for wrong in ("0", "abc", "-2", "1e3"):
        monkeypatch.setenv("YEARBOOK_WORKERS", wrong)
        with pytest.raises(ValueError, match="YEARBOOK_WORKERS must be a whole number"):
            workers.worker_count(4)


def test_the_command_refuses_a_number_of_workers_that_is_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from yearbook.cli import main

    monkeypatch.setenv("YEARBOOK_WORKERS", "two")
    with pytest.raises(SystemExit) as refused:
        main(["build", "--raw", str(ROOT / "raw"), "--out", str(tmp_path / "out"), "--no-pdf"])
    assert refused.value.code == 2
    assert "YEARBOOK_WORKERS must be a whole number of workers, 1 or more, not 'two'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
