"""Where the project's declarative files live."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def schemas_dir() -> Path:
    """The folder of form specs and code lists (override with YEARBOOK_SCHEMAS)."""
    return Path(os.environ.get("YEARBOOK_SCHEMAS", PROJECT_ROOT / "schemas"))


def load_yaml(path: Path | str) -> Any:
    """A YAML file of the schemas folder, parsed by libyaml (PyYAML's C parser): the same documents as
    ``yaml.safe_load``, about eight times faster; start-up alone parses some twenty of them."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


DEFAULT_RAW_DIR = PROJECT_ROOT / "raw"
DEFAULT_OUT_DIR = PROJECT_ROOT / "out"


def reading_digest() -> str:
    """A digest of everything but the workbook that reading and validating it depends on: the schemas
    folder (form specs, code lists, rules) and the library's Python source. Years are read in separate
    runs; a year read under another digest must be read again before it is published beside years read now."""
    digest = hashlib.sha256()
    for root, pattern in ((schemas_dir(), "*"), (PROJECT_ROOT / "yearbook", "*.py")):
        for path in sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
