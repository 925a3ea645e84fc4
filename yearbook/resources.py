"""The Dagster resource that says where the raw workbooks are and where to publish."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from yearbook.config import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR, default_internal, separation_problem


class YearbookPaths(dg.ConfigurableResource):
    """Folders of one build: ``raw_dir`` holds ``<year>/`` submissions, ``out_dir`` receives the yearbook."""

    raw_dir: str = os.environ.get("YEARBOOK_RAW_DIR", str(DEFAULT_RAW_DIR))
    out_dir: str = os.environ.get("YEARBOOK_OUT_DIR", str(DEFAULT_OUT_DIR))
    # the unsuppressed store (and the validation report) for staff: never inside out_dir, which is published
    internal_dir: str = os.environ.get("YEARBOOK_INTERNAL_DIR", "")
    # what one step hands to the next (figures as reported): in the staff area, `<internal>/.steps` unless given
    steps_dir: str = os.environ.get("YEARBOOK_STEPS_DIR", "")

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir).resolve()

    @property
    def out(self) -> Path:
        return Path(self.out_dir).resolve()

    @property
    def internal(self) -> Path:
        """``internal_dir``, by default :func:`default_internal`."""
        return Path(self.internal_dir).resolve() if self.internal_dir else default_internal(self.out)

    @property
    def steps(self) -> Path:
        """``steps_dir``; by default ``<internal>/.steps``: step outputs hold unsuppressed figures, so they stay in the staff area."""
        return Path(self.steps_dir).resolve() if self.steps_dir else self.internal / ".steps"

    @property
    def reads(self) -> Path:
        """``<internal>/.reads``: every workbook's figures and problems as last read (yearbook.read_cache), staff only."""
        return self.internal / ".reads"

    def check_separate(self) -> None:
        """Refuse a staff folder that is the public folder, inside it or around it: the unsuppressed store would be
        published, or the published files would lie in the staff area."""
        refusal = separation_problem(self.out, self.internal)
        if refusal:
            raise dg.Failure(refusal)
