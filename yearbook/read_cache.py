"""Every workbook read and validated once: what it gave is kept in the staff area, found again by its content.

What reading and validating a workbook gives (its figures with their source cells, and its problems) depends only
on its bytes, where it lies (its path, its name under the raw folder, its year folder) and what
:func:`yearbook.config.reading_digest` covers: form specs, code lists, rules, the reading and validation code and the
libraries they use. Every consistency rule compares figures of one file (schemas/rules.yaml) and the schema checks
one figure at a time, so a workbook validated together with others has the problems it has alone. A build therefore
reads again only the workbooks whose key changed, and takes the others' figures and problems as they were kept: the
rebuild after one corrected workbook reads that workbook. ``carry_over=False`` (``yearbook build --full``) reads every
workbook again, and keeps what it read.

Kept reads lie in ``<internal>/.reads/<year>/`` (the staff area: they hold figures as reported), one file per
workbook name, written whole by a rename, replaced when the workbook changes and removed when it leaves its folder.
A kept read that cannot be loaded, or whose key is not the workbook's now, is not used: the workbook is read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from yearbook import codelists, specs, workers
from yearbook.config import reading_digest
from yearbook.problems import Problem
from yearbook.submissions import SubmissionFile, figures_frame, file_sha256, read_submission
from yearbook.validation import rules, validate_figures

LOG = logging.getLogger(__name__)
UNREADABLE = "unreadable_file"  # yearbook.submissions: the workbook could not be opened (never kept)
PARTIAL = ".partial"
PARTIAL_AGE = 3600  # seconds after which a partial file is a killed build's, not one being written

# workbooks (bytes) below which reading them in worker processes saves nothing: a worker is forked ready
# (yearbook.workers) but loads the form specs and code lists, validation has a fixed cost per call (0.1 s), and the
# figures travel back; the demo edition's 0.9 MB take about 1 s either way, a 12 MB district edition 16 s in one process
PARALLEL_READ_BYTES = 4 * 1024 * 1024
READ_TASK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class WorkbookRead:
    """One workbook read and validated: its figures (yearbook.figures.FIGURE_COLUMNS) and its problems, the
    reading's first, then the validation's."""

    figures: pd.DataFrame
    problems: list[Problem]
    carried_over: bool = False  # taken from a kept read: not read again


class KeptReads:
    """The reads kept in ``folder`` (yearbook.resources.YearbookPaths.reads), each file under the key of what it was
    read from: ``<folder>/<year>/<digest of the workbook's name>.pickle``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.digest = reading_digest()  # before anything is read: see read_workbooks

    def key(self, sub: SubmissionFile) -> str:
        """What a workbook's read depends on besides the reading digest: its place and its content."""
        return "\0".join((self.digest, str(sub.path.resolve()), sub.relpath, str(sub.year), sub.sha256))

    def _path(self, sub: SubmissionFile) -> Path:
        return self.folder / str(sub.year) / f"{hashlib.sha256(sub.relpath.encode()).hexdigest()[:32]}.pickle"

    def find(self, sub: SubmissionFile) -> WorkbookRead | None:
        """The kept read of this workbook as it is now, or None."""
        try:
            with open(self._path(sub), "rb") as f:
                key, read = pickle.load(f)
        except Exception:  # none kept, or a file that is not a kept read: the workbook is read again
            return None
        return replace(read, carried_over=True) if key == self.key(sub) and isinstance(read, WorkbookRead) else None

    def keep(self, sub: SubmissionFile, read: WorkbookRead) -> None:
        """Keep a read, unless the workbook changed or went while it was read (its content is then not the key's), or
        could not be opened at all (the cause may have been the machine's: it is tried again at the next build). Its
        folder is made first (:meth:`make_folders`); a read that cannot be kept (the folder damaged, the disk full) is
        only logged: keeping saves time, reading is right."""
        if any(p.rule == UNREADABLE for p in read.problems):
            return
        path = self._path(sub)
        partial = path.with_name(f"{path.name}.{os.getpid()}{PARTIAL}")
        try:
            if file_sha256(sub.path) != sub.sha256:
                return
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                pickle.dump((self.key(sub), read), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, path)
        except OSError as exc:
            LOG.warning("the read of %s is not kept for the next build: %s", sub.relpath, exc)
            if partial.is_file():
                partial.unlink()

    def make_folders(self, years: set[int]) -> bool:
        """The folder and the year folders that reads of ``years`` are kept in (mode 700: they hold figures as
        reported), made once before keeping them; False when they cannot be (logged: nothing is kept)."""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.folder.chmod(0o700)  # also when it was made before with other modes
            for year in years:
                (self.folder / str(year)).mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            LOG.warning("no read is kept for the next build: %s", exc)
            return False
        return True

    def keep_only(self, years: list[int], files: dict[int, list[SubmissionFile]]) -> None:
        """Remove the reads kept of years without a folder (``years``: those with one), of workbooks no longer in the
        folders of ``files`` (each year's workbooks, all of them), and what killed builds left while keeping one."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if not (entry.name.isdigit() and int(entry.name) in years and entry.is_dir() and not entry.is_symlink()):
                _remove(entry)
        for year, subs in files.items():
            wanted, folder = {self._path(sub).name for sub in subs}, self.folder / str(year)
            for entry in folder.iterdir() if folder.is_dir() else ():
                partial_left = entry.name.endswith(PARTIAL) and time.time() - entry.stat().st_mtime > PARTIAL_AGE
                if (entry.name not in wanted and not entry.name.endswith(PARTIAL)) or partial_left:
                    _remove(entry)


def _remove(entry: Path) -> None:
    """A file or a folder of the kept reads, whatever it is now (a damaged folder is repaired by removing)."""
    try:
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink(missing_ok=True)
    except OSError as exc:
        LOG.warning("%s not removed: %s", entry, exc)


def read_workbooks(files: list[SubmissionFile], kept: KeptReads | None = None, carry_over: bool = True) -> list[WorkbookRead]:
    """The read of each workbook, in order: the kept one when ``carry_over`` and there is one for the workbook as it is
    now; the others read and validated together (in one worker process per CPU above :data:`PARALLEL_READ_BYTES`),
    and kept."""
    found: dict[str, WorkbookRead] = {}
    if kept is not None and carry_over:
        found = {sub.relpath: read for sub in files if (read := kept.find(sub)) is not None}
    missing = [sub for sub in files if sub.relpath not in found]
    if kept is not None:
        load_specs_again()  # read with the specs as they are now, not as this process loaded them before kept.digest
    reads = _read_and_validate(missing)
    keep = (
        kept is not None
        and reading_digest() == kept.digest  # a spec saved while reading: nothing is kept
        and kept.make_folders({sub.year for sub in missing})
    )
    for sub, read in zip(missing, reads, strict=True):
        found[sub.relpath] = read
        if keep and kept is not None and not any(p.file != sub.relpath for p in read.problems):  # a problem of no workbook
            kept.keep(sub, read)
    return [found[sub.relpath] for sub in files]


def load_specs_again() -> None:
    """Forget the form specs, code lists and rules this process loaded (their loaders keep them): a process that lives
    longer than a build (Dagster's, a test's) would read with specs older than the reading digest that keys its reads."""
    for loader in (specs.forms_in, specs.of_which_in, codelists.codelists_in, rules.rules_in):
        loader.cache_clear()


def reading_workers(files: list[SubmissionFile], total_bytes: int | None = None) -> int:
    """How many processes open ``files`` (``total_bytes`` in all, when known): one per CPU when they come to
    :data:`PARALLEL_READ_BYTES` or more, else this one (a pool costs more than it saves on a few small workbooks)."""
    total = sum(_size(sub.path) for sub in files) if total_bytes is None else total_bytes
    return workers.worker_count(len(files)) if total >= PARALLEL_READ_BYTES else 1


def _read_and_validate(files: list[SubmissionFile]) -> list[WorkbookRead]:
    """Read these workbooks and validate their figures, in worker processes above :data:`PARALLEL_READ_BYTES` (the
    reader and validation are Python, one CPU per process). The workbooks go to the workers in runs of at most
    :data:`READ_TASK_BYTES`, validated a run at a time: validation has a fixed cost per call, and what a worker holds
    while it reads and validates grows with its run (about 170 MB per MB of workbooks)."""
    sizes = [_size(sub.path) for sub in files]
    total = sum(sizes)
    count = reading_workers(files, total)
    if count < 2:
        return _read_share(files)
    runs: list[list[SubmissionFile]] = [[]]
    run_bytes, limit = 0, min(READ_TASK_BYTES, total // (2 * count) + 1)  # two runs per worker at least: they share the work
    for sub, size in zip(files, sizes, strict=True):  # in order: a run is mostly one year's workbooks
        if runs[-1] and run_bytes + size > limit:
            runs.append([])
            run_bytes = 0
        runs[-1].append(sub)
        run_bytes += size
    return [read for run in workers.run_all(_read_share, [(run,) for run in runs]) for read in run]


def _read_share(files: list[SubmissionFile]) -> list[WorkbookRead]:
    """Read these workbooks, validate all their figures in one call, and give each workbook its figures and problems
    (a problem of the figures table itself, of no workbook, goes with the first)."""
    submissions = [read_submission(sub) for sub in files]
    frames = [figures_frame([s]) for s in submissions]
    validation = validate_figures(pd.concat(frames, ignore_index=True)).problems if files else []
    by_file: dict[str, list[Problem]] = {sub.relpath: [] for sub in files}
    for problem in validation:
        by_file.get(problem.file, by_file[files[0].relpath]).append(problem)
    return [WorkbookRead(frame, s.problems + by_file[sub.relpath]) for sub, s, frame in zip(files, submissions, frames, strict=True)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since it was listed: read_submission reports it
        return 0
