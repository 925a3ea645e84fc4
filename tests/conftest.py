"""Shared fixtures: the contract's sample submissions (copied from ../shared/forms/samples)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout: its raw/ demo edition, schemas/, docs/
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "samples"


@pytest.fixture
def samples_raw(tmp_path: Path) -> Path:
    """A private copy of the sample raw folder (``<tmp>/raw/2018/*.xlsx``) that a test may change."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    return raw
