"""The package runs anywhere, not only from a checkout: a wheel built from the repository, installed into a fresh
virtual environment outside it, builds the yearbook of the samples, the same as the checkout builds it."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.edition_diff import differences
from yearbook.cli import main

pytestmark = pytest.mark.slow


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_a_wheel_installed_outside_the_checkout_builds_the_yearbook(samples_raw: Path, tmp_path: Path) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", tmp_path / "dist", ROOT, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("yearbook-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"yearbook/schemas/indicators.yaml", "yearbook/sql/harmonize/03_observations.sql", "yearbook/assets/out.py"} <= set(names)
    assert not [n for n in names if n.split("/")[0] != "yearbook" and not n.split("/")[0].endswith(".dist-info")], "one package only"

    elsewhere = tmp_path / "elsewhere"  # neither the checkout nor a folder below it
    venv.create(elsewhere / "venv", with_pip=True)
    python = elsewhere / "venv" / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", wheel, cwd=elsewhere)
    code = "import yearbook.assets, yearbook.config as c; print(yearbook.assets.__file__); print(c.schemas_dir())"
    where = _run(python, "-c", code, cwd=elsewhere)
    assert all(line.startswith(str(elsewhere / "venv")) for line in where.stdout.split()), where.stdout

    built = _run(elsewhere / "venv" / "bin" / "yearbook", "build", "--raw", samples_raw, cwd=elsewhere)
    assert "published" in built.stderr
    assert main(["build", "--raw", str(samples_raw), "--out", str(tmp_path / "checkout-out")]) == 0
    assert not list(differences(tmp_path / "checkout-out", elsewhere / "out"))
    assert not list(differences(tmp_path / "checkout-out-internal", elsewhere / "out-internal"))
