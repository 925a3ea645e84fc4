"""Where the project's declarative files live."""

from __future__ import annotations

import hashlib
import os
import platform
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml


def schemas_dir() -> Path:
    """The folder of form specs and code lists: the installed package data ``yearbook.schemas`` (the checkout's
    ``schemas/`` in an editable install), or YEARBOOK_SCHEMAS where staff try a changed copy."""
    return Path(os.environ.get("YEARBOOK_SCHEMAS") or str(files("yearbook.schemas")))


def sql_dir() -> Path:
    """The SQL files run by DuckDB, package data of ``yearbook``."""
    return Path(str(files("yearbook") / "sql"))


def load_yaml(path: Path | str) -> Any:
    """A YAML file of the schemas folder, parsed by libyaml (PyYAML's C parser): the same documents as
    ``yaml.safe_load``, about eight times faster; start-up alone parses some twenty of them."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


# relative to the working directory: a checkout's raw/ and out/ when run from it (the README, workspace.yaml), and the
# same names wherever an installed package is run
DEFAULT_RAW_DIR = Path("raw")
DEFAULT_OUT_DIR = Path("out")

PDF_SWITCH = "YEARBOOK_PDF"  # 0: a build publishes no PDF edition (yearbook build --no-pdf)


def staff_language() -> str:
    """The office's language (YEARBOOK_STAFF_LANGUAGE: kk, ru or en; English by default): its validation report explains
    each rule in it, and a feedback workbook whose form is not known is written in it."""
    language = os.environ.get("YEARBOOK_STAFF_LANGUAGE", "en")
    if language not in ("kk", "ru", "en"):
        raise ValueError(f"YEARBOOK_STAFF_LANGUAGE is {language!r}: kk, ru or en")
    return language


def default_internal(out: Path) -> Path:
    """The staff folder of an out folder: ``<out>-internal/`` beside it (same file system: published by rename)."""
    return out.with_name(out.name + "-internal")


def separation_problem(out: Path, internal: Path) -> str | None:
    """Why ``internal`` cannot be the staff folder of ``out`` (both resolved), or None."""
    if internal == out or out in internal.parents or internal in out.parents:
        return f"the staff folder {internal} must lie outside the public folder {out} (and not contain it)"
    return None


# What reading and validating a workbook depends on, and nothing else (the digest of a stored year): the modules that
# reading and validation import (a test checks this list against what importing them loads) and the schemas they read.
# Publication, disclosure control and the stores are not in it: changing them leaves every year read.
READING_MODULES = (
    "__init__.py", "cells.py", "codelists.py", "config.py", "figures.py", "labels.py", "model.py", "problems.py", "reader.py",
    "read_cache.py", "specs.py", "submissions.py", "workbook.py", "formats", "validation/__init__.py", "validation/rules.py",
    "validation/schemas.py", "workers.py",
)  # fmt: skip
READING_SCHEMAS = ("forms", "codelists", "rules.yaml", "indicators.yaml")
# the libraries that read a workbook and check its figures: a new release may read a cell otherwise
READING_LIBRARIES = ("python-calamine", "openpyxl", "defusedxml", "olefile", "pandas", "pyarrow", "pandera", "numpy", "PyYAML")


def reading_digest(package: Path | None = None) -> str:
    """A digest of everything but the workbook that reading and validating it depends on: the form specs, code lists,
    rules and indicators of the schemas folder, the reading and validation modules (:data:`READING_MODULES` of
    ``package``, default this library) and the versions of :data:`READING_LIBRARIES`. Years are read in separate runs,
    and workbooks are read once (yearbook.read_cache); a year or workbook read under another digest is read again."""
    digest = hashlib.sha256()
    for root, entries in ((schemas_dir(), READING_SCHEMAS), (package or Path(__file__).parent, READING_MODULES)):
        for entry in entries:
            path = root / entry
            found = sorted(p for p in files_under(path) if "__pycache__" not in p.parts) if path.is_dir() else [path]
            for file in found:  # a declared file that is missing raises: a digest must not skip what it declares
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
    for library in READING_LIBRARIES:
        digest.update(f"{library}=={version(library)}".encode())
    digest.update(f"python=={platform.python_version()}".encode())
    return digest.hexdigest()[:16]


def files_under(folder: Path) -> list[Path]:
    """Every file under ``folder``, through linked folders too (``Path.rglob`` does not follow them), each folder once
    (a link to a folder above it would loop)."""
    found, seen = [], set()
    for root, folders, names in os.walk(folder, followlinks=True):
        seen.add(os.path.realpath(root))
        folders[:] = [name for name in folders if os.path.realpath(os.path.join(root, name)) not in seen]
        found += [Path(root) / name for name in names]
    return found
