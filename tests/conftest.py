"""Shared fixtures: the contract's sample submissions (copied from ../shared/forms/samples), the demo edition built by
the command line, a Dagster instance of the test's own, the disclosure policy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pytest

from yearbook.config import PDF_SWITCH

if TYPE_CHECKING:
    from yearbook.disclosure import DisclosurePolicy

# The PDF edition (LibreOffice, some ten seconds a build) is made by the builds of tests/test_print.py alone.
os.environ.setdefault(PDF_SWITCH, "0")
# sdmx1 (a test dependency) brings lxml, with which openpyxl would write and parse workbook XML by lxml instead of the
# standard library and defusedxml, as an installed yearbook (no lxml) does: the tests keep to what runs. Set before
# anything imports openpyxl (yearbook.disclosure does: load_policy is imported in its fixture).
os.environ.setdefault("OPENPYXL_LXML", "False")

ROOT = Path(__file__).resolve().parents[1]  # the checkout: its raw/ demo edition, schemas/, docs/
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "samples"


@pytest.fixture
def samples_raw(tmp_path: Path) -> Path:
    """A private copy of the sample raw folder (``<tmp>/raw/2018/*.xlsx``) that a test may change."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    return raw


@pytest.fixture
def schemas_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's schemas that the code reads instead (YEARBOOK_SCHEMAS) and a test may change."""
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    return schemas


@pytest.fixture(scope="session")
def demo_edition(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(public folder, staff folder) of the demo edition built by ``yearbook build``, once per test session: read it,
    never change it."""
    from yearbook.cli import main

    root = tmp_path_factory.mktemp("demo_edition")
    raw = ROOT / "raw"
    if not any(raw.glob("20*/")):  # a clone without the demo edition: write it
        from yearbook_demo import write_demo_edition

        raw = root / "raw"
        write_demo_edition(raw)
    assert main(["build", "--raw", str(raw), "--out", str(root / "out"), "--internal", str(root / "internal")]) == 0
    return root / "out", root / "internal"


@pytest.fixture
def instance(tmp_path: Path):
    """A Dagster instance of this test's own (its storage in the test's folder): runs, materializations, partitions."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home)) as inst:
        yield inst


@pytest.fixture(scope="module")
def policy() -> DisclosurePolicy:
    from yearbook.disclosure import load_policy

    return load_policy()
