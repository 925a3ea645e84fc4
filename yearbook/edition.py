"""Editions: one build's published files together, switched as a whole, and one publisher at a time.

An output folder (the public ``<out>`` and the staff ``<internal>`` alike) holds::

    editions/.staging-<run id>/   a build's edition while it is written: unique per run, so builds never share it
    editions/<run id>/            a complete edition, never changed once in place
    current -> editions/<run id>  the published edition: a symbolic link replaced by one rename (the commit point)
    yearbook.duckdb -> current/yearbook.duckdb, yearbook_kk.xlsx -> current/..., tables -> current/tables, ...
    .build.lock                   held (fcntl.flock) by the build that publishes, with who holds it

Downstream tools keep opening the well-known names; each resolves through ``current``, so a reader sees the
previous edition or the new one, never files of two builds, whatever instant a build is killed at. DuckDB
follows the link to the edition's own file: an analyst's read-write session writes its WAL inside that
edition's folder, never beside another build's store. Old editions are removed beyond :data:`KEEP_EDITIONS`
(an edition whose store someone holds open for writing is kept, and the build says so).

The staff area is published in the same way, just before the public one (whose switch is the build's commit point):
if the staff switch fails, nothing public changes; a build killed between the two leaves the staff area one
edition ahead of the public one, which the next build's publish makes whole again.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

EDITIONS = "editions"
CURRENT = "current"
LOCK_NAME = ".build.lock"
STAGING_PREFIX = ".staging-"
PARTS = ".parts.json"  # in an edition: which run made each of its files (a part found again once its own run's is gone)
KEEP_EDITIONS = int(os.environ.get("YEARBOOK_KEEP_EDITIONS", "3"))  # editions kept per folder, the current one included
STALE_STAGING_SECONDS = 24 * 3600  # a staging folder this old belongs to a build that died: removed when one publishes


class BuildInProgress(Exception):
    """Another build holds the folder's lock; the message says which."""


def staging_dir(area: Path, run_id: str) -> Path:
    """Where the build ``run_id`` writes its edition of ``area`` before publishing it."""
    return area / EDITIONS / f"{STAGING_PREFIX}{run_id}"


def staged_runs(area: Path) -> set[str]:
    """The run ids that have a staging folder in ``area``."""
    folder = area / EDITIONS
    return {p.name.removeprefix(STAGING_PREFIX) for p in folder.glob(f"{STAGING_PREFIX}*")} if folder.is_dir() else set()


def make_staging_dir(area: Path, run_id: str, private: bool = False) -> Path:
    """The staging folder of ``run_id``, created; ``private`` (the staff area): it, ``editions/`` and the area itself
    only their owner may enter, from before anything is written (a folder made earlier with other modes included)."""
    staged = staging_dir(area, run_id)
    staged.mkdir(parents=True, exist_ok=True)
    if private:
        for folder in (area, area / EDITIONS, staged):
            folder.chmod(0o700)
    return staged


@dataclass(frozen=True)
class EditionFiles:
    """What a step wrote into its run's edition: file names (a folder counts as one) in the public and the staff area,
    and what they were made from. An asset's output: a later step finds the files wherever
    they are now (:meth:`path`), so a step may be re-materialized alone and publishing assembles one edition from the
    latest materialization of each part (:func:`stage_parts`), refusing parts made from different stores."""

    run_id: str
    public: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    made_from: str | None = None  # what they were made from: the public store's run (workbooks, SDMX), the staff store's
    # run (the public store), the validation's id (the staff store)

    def path(self, area: Path, name: str) -> Path:
        """The file ``name`` of this run in ``area``: staged, in its own run's edition, or in a kept edition that
        published it (its :data:`PARTS` says which run made each file)."""
        for folder in self._folders(area, name):
            if (folder / name).exists():
                return folder / name
        raise FileNotFoundError(
            f"{name} of the run {self.run_id} is neither staged nor in a kept edition of {area} (an edition beyond the "
            f"{KEEP_EDITIONS} newest is removed): materialize the asset that makes it again"
        )

    def _folders(self, area: Path, name: str) -> Iterator[Path]:
        """Where the file may be, in order; the kept editions' records are read only when its own folders lack it."""
        yield staging_dir(area, self.run_id)
        yield area / EDITIONS / self.run_id
        yield from _editions_with(area, name, self.run_id)


def _editions_with(area: Path, name: str, run_id: str) -> list[Path]:
    """The kept editions of ``area`` that published the file ``name`` made by the run ``run_id``, newest first."""
    found = []
    for parts in (area / EDITIONS).glob(f"*/{PARTS}"):
        try:
            made_by = json.loads(parts.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # pruned meanwhile, or not ours
            continue
        if isinstance(made_by, dict) and made_by.get(name) == run_id:
            found.append(parts.parent)
    return sorted(found, key=lambda edition: edition.stat().st_mtime_ns, reverse=True)


def stage_parts(area: Path, run_id: str, names: list[tuple[EditionFiles, str]]) -> None:
    """Complete the staged edition of ``run_id`` in ``area`` with the named files of other runs' parts: what this run
    re-made is staged already, the rest is copied from where it is (copied, not linked: a session that opens one
    edition's store for writing must not change another edition's)."""
    staged = staging_dir(area, run_id)
    staged.mkdir(parents=True, exist_ok=True)
    (staged / PARTS).write_text(json.dumps({name: part.run_id for part, name in names}, indent=1), encoding="utf-8")
    for part, name in names:
        source, target = part.path(area, name), staged / name
        if source == target:
            continue
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)


def current_run(area: Path) -> str | None:
    """The run id of the published edition of ``area``, or None."""
    link = area / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


# ---------------------------------------------------------------------------- one publisher at a time

_held: dict[Path, tuple[int, int]] = {}  # lock file -> (descriptor, depth): re-entered by the same process (CLI then step)


@contextmanager
def build_lock(area: Path, who: str, *, wait: bool, say=lambda text: print(text, file=sys.stderr)) -> Iterator[None]:
    """Hold the publishing lock of ``area`` for ``who`` (a run id, a command). Held by another build: wait (saying
    for whom) or raise BuildInProgress. A process holding it may take it again (the CLI's run publishes in-process)."""
    area.mkdir(parents=True, exist_ok=True)
    path = (area / LOCK_NAME).resolve()
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield
        finally:
            _held[path] = (fd, depth)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another build"
            message = f"{area} is being published by {holder}"
            if not wait:
                raise BuildInProgress(message + ": try again when it has finished") from None
            say(f"waiting: {message}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{who} (pid {os.getpid()}), publishing since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        _held[path] = (fd, 1)
        yield
    finally:
        _held.pop(path, None)
        os.close(fd)  # closing the descriptor releases the lock


# ---------------------------------------------------------------------------- switching an edition


@dataclass(frozen=True)
class Published:
    edition: Path
    notices: list[str]  # for the person who built it: an analyst's open session, an edition kept


def publish_edition(area: Path, run_id: str, keep: int = KEEP_EDITIONS, private: bool = False) -> Published:
    """Make the staged edition of ``run_id`` the current edition of ``area`` (the caller holds the lock); ``private``:
    the staff area, whose folders only their owner may enter and whose files only their owner may read."""
    staged, final = staging_dir(area, run_id), area / EDITIONS / run_id
    if not staged.is_dir():
        raise FileNotFoundError(f"nothing staged to publish in {staged}")
    if private:
        _make_private(area, staged)
    if current_run(area) is None:
        _adopt_files_in_place(area, [p.name for p in staged.iterdir()], private)
    previous = _current_edition(area)
    _fsync_tree(staged)
    if final.exists():  # the same run published before (a re-executed step): its folder is replaced whole
        shutil.rmtree(final)
    os.rename(staged, final)
    os.utime(final)  # its time is when it was published: pruning keeps the newest
    _fsync(final.parent)
    _switch(area, final)
    _link_names(area, final)
    notices = _held_open(previous)
    notices += _prune(area, keep)
    return Published(final, notices)


def _adopt_files_in_place(area: Path, names: list[str], private: bool) -> None:
    """A folder published before editions existed: its files become the edition ``before-editions`` (hard links, the
    same bytes) and every name a link to it, one at a time, each still showing the old file. Then the new edition
    is switched in like any other."""
    found = [area / n for n in names if (area / n).exists() and not (area / n).is_symlink()]
    if not found:
        return
    edition = area / EDITIONS / "before-editions"
    shutil.rmtree(edition, ignore_errors=True)
    edition.mkdir(parents=True)
    for path in found:
        if path.is_dir():
            shutil.copytree(path, edition / path.name, copy_function=os.link)
        else:
            os.link(path, edition / path.name)
    if private:
        _make_private(area, edition)
    _fsync_tree(edition)
    _switch(area, edition)
    _link_names(area, edition)


def _make_private(area: Path, edition: Path) -> None:
    for folder in (area, area / EDITIONS, edition, *(p for p in edition.rglob("*") if p.is_dir())):
        folder.chmod(0o700)
    for file in (p for p in edition.rglob("*") if p.is_file()):
        file.chmod(0o600)


def _current_edition(area: Path) -> Path | None:
    run = current_run(area)
    return area / EDITIONS / run if run else None


def _switch(area: Path, edition: Path) -> None:
    """Point ``current`` at ``edition`` by one rename of a new link over the old one: the commit point."""
    link = area / f".{CURRENT}-{edition.name}"
    _remove(link)
    os.symlink(f"{EDITIONS}/{edition.name}", link)
    os.replace(link, area / CURRENT)
    _fsync(area)


def _link_names(area: Path, edition: Path) -> None:
    """Every name of the edition as a link through ``current``. Links already in place are left alone; a file or
    folder of the layout before editions (or a name this edition brings first) is replaced by its link; the link of a
    name this edition lacks (a PDF edition not made this time) is removed rather than left pointing at nothing."""
    for link in area.iterdir():
        if link.is_symlink() and os.readlink(link).startswith(f"{CURRENT}/") and not (edition / link.name).exists():
            link.unlink()
    for entry in sorted(p for p in edition.iterdir() if not p.name.startswith(".")):  # not PARTS
        name, target = area / entry.name, f"{CURRENT}/{entry.name}"
        if name.is_symlink() and os.readlink(name) == target:
            continue
        link = area / f".{entry.name}.link"
        _remove(link)
        os.symlink(target, link)
        if name.is_dir() and not name.is_symlink():  # a rename cannot replace a folder: the two are exchanged
            _exchange(link, name)
            shutil.rmtree(link)
        else:
            os.replace(link, name)
    _fsync(area)


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE): a folder and the link that replaces it."""
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, rename_exchange = -100, 2
    if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"cannot exchange {a} and {b}: {os.strerror(error)}")


def _held_open(edition: Path | None) -> list[str]:
    """A notice for each store of ``edition`` that a session holds open for writing: its writes stay in that
    edition, which the well-known names no longer show."""
    notices: list[str] = []
    if edition is None:
        return notices
    for store in sorted(edition.glob("*.duckdb")):
        holder = _writer(store)
        if holder:
            notices.append(
                f"{store} is open for writing ({holder}): what that session writes stays in the edition {edition.name}, "
                "no longer the published one; open the store read-only and keep your own tables in your own database file"
            )
    return notices


def _writer(store: Path) -> str | None:
    """Who holds ``store`` open for writing (DuckDB's file lock), or None."""
    try:
        duckdb.connect(str(store), read_only=True).close()
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            return text[text.find("Conflicting lock") :][:160] or "a lock is held"
        raise
    return None


def _prune(area: Path, keep: int) -> list[str]:
    """Remove editions beyond the ``keep`` newest (the current one always kept), and staging folders of builds that
    died; an edition whose store is open for writing is kept and said."""
    folder, current = area / EDITIONS, current_run(area)
    notices = []
    editions = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime_ns)
    for old in editions[: max(0, len(editions) - keep)]:
        if old.name == current:
            continue
        held = [s for s in old.glob("*.duckdb") if _writer(s)]
        if held:
            notices.append(f"the edition {old.name} is kept: {held[0].name} is open for writing")
            continue
        shutil.rmtree(old)
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        if time.time() - staging.stat().st_mtime > STALE_STAGING_SECONDS:
            shutil.rmtree(staging, ignore_errors=True)
    for leftover in [*area.glob(f".{CURRENT}-*"), *area.glob(".*.link")]:  # what a killed publish left: links, a folder
        _remove(leftover)
    return notices


def _remove(path: Path) -> None:
    """A link or file, or a folder exchanged for its link and not yet removed when a publish was killed."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    for path in [*sorted(p for p in folder.rglob("*") if p.is_dir()), folder]:
        _fsync(path)


def _fsync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
