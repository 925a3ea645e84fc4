"""Where the project's declarative files live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def schemas_dir() -> Path:
    """The folder of form specs and code lists (override with YEARBOOK_SCHEMAS)."""
    return Path(os.environ.get("YEARBOOK_SCHEMAS", PROJECT_ROOT / "schemas"))


DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"
DEFAULT_OUT_DIR = PROJECT_ROOT / "out"
