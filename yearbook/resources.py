"""The Dagster resource that says where the raw workbooks are and where to publish."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from yearbook.config import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR


class YearbookPaths(dg.ConfigurableResource):
    """Folders of one build: ``raw_dir`` holds ``<year>/`` submissions, ``out_dir`` receives the yearbook."""

    raw_dir: str = os.environ.get("YEARBOOK_RAW_DIR", str(DEFAULT_RAW_DIR))
    out_dir: str = os.environ.get("YEARBOOK_OUT_DIR", str(DEFAULT_OUT_DIR))
    # the unsuppressed store (and the validation report) for staff: never inside out_dir, which is published
    internal_dir: str = os.environ.get("YEARBOOK_INTERNAL_DIR", "")

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir).resolve()

    @property
    def out(self) -> Path:
        return Path(self.out_dir).resolve()

    @property
    def internal(self) -> Path:
        """``internal_dir``; by default ``<out>-internal/`` beside the out folder (same file system: published by rename)."""
        return Path(self.internal_dir).resolve() if self.internal_dir else self.out.with_name(self.out.name + "-internal")
