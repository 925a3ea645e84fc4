"""The published store under concurrent readers and killed builds."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow

BUILD = [sys.executable, "-m", "yearbook.cli", "build"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store published once from the samples (the 'previous' store of these tests)."""
    out = tmp_path_factory.mktemp("published")
    subprocess.run([*BUILD, "--raw", str(SAMPLES), "--out", str(out)], check=True, capture_output=True, timeout=300)
    return out / "yearbook.duckdb"


def _store_is_whole(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        observations = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        runs = con.execute("SELECT count(*) FROM build_runs").fetchone()[0]
    assert observations > 4000 and runs >= 1
    return runs


def test_reader_keeps_reading_during_a_build(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(published, out / "yearbook.duckdb")
    reader_code = f"""
import duckdb, time, sys
deadline = time.time() + 60
reads = 0
while time.time() < deadline and not __import__('os').path.exists({str(tmp_path / "stop")!r}):
    with duckdb.connect({str(out / "yearbook.duckdb")!r}, read_only=True) as con:
        n = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        assert n > 4000, n
    reads += 1
print(reads)
"""
    reader = subprocess.Popen([sys.executable, "-c", reader_code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as held:  # a reader that keeps the old file open
            subprocess.run([*BUILD, "--raw", str(SAMPLES), "--out", str(out)], check=True, capture_output=True, timeout=300)
            assert held.execute("SELECT count(*) FROM build_runs").fetchone()[0] == 1  # still its snapshot
    finally:
        (tmp_path / "stop").touch()
        stdout, stderr = reader.communicate(timeout=120)
    assert reader.returncode == 0, stderr
    assert int(stdout.strip()) > 0
    assert _store_is_whole(out / "yearbook.duckdb") == 2


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8, 0.9, 0.95, 0.99])
def test_killed_build_leaves_the_previous_store_whole(published: Path, tmp_path: Path, fraction: float, build_seconds: float) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(published, out / "yearbook.duckdb")
    before = _sha(out / "yearbook.duckdb")
    build = subprocess.Popen([*BUILD, "--raw", str(SAMPLES), "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(build_seconds * fraction)
    os.kill(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    store = out / "yearbook.duckdb"
    if _sha(store) != before:  # the kill came after the commit point: then the new store is whole
        assert _store_is_whole(store) == 2
    else:
        assert _store_is_whole(store) == 1
    assert not store.with_name("yearbook.duckdb.wal").exists()


@pytest.fixture(scope="module")
def build_seconds(published: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long one build takes on this machine, to spread the kills over it."""
    out = tmp_path_factory.mktemp("timing")
    start = time.perf_counter()
    subprocess.run([*BUILD, "--raw", str(SAMPLES), "--out", str(out)], check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start
