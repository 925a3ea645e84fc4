"""Where Dagster keeps what one step hands to the next: one pickle per asset and reference year, in the staff area.

The raw assets are partitioned by reference year and read several years in one run (a single-run
backfill policy: one step reads every year it is given, instead of one run per year). Dagster's
own filesystem IO manager refuses an output that covers several partitions, so this one takes a
``{year: value}`` dict from such a step and writes each year to its own file. A later run that
re-reads one year replaces that year's file only; the unpartitioned core assets load every
registered year, always as a ``{year: value}`` dict, and a year that has never been read is an
error naming the asset and the year (never a silently shorter yearbook).

A value with a ``summary()`` (a form's figures: its problems, reading digest and read id without the figures) is
written with that summary first, in the same file, and an input declared with ``metadata={SUMMARY: True}`` loads only
it: the validation gate reads the problems of every year without loading the figures of any.
"""

from __future__ import annotations

import os
import pickle
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

SUMMARY = "summary"  # input metadata: load the value's summary only


@dataclass(frozen=True)
class _Summary:
    """The first record of a file whose value has a summary: the summary, then the value follows."""

    summary: Any


class YearPartitionedIOManager(dg.IOManager):
    """``<base>/<asset>/<year>.pickle`` for year-partitioned assets, ``<base>/<asset>.pickle`` otherwise. A value with a
    summary is written after it in the same file (one rename: a summary never stands beside another value), and
    loading the summary reads the file's first record only.

    A value this process wrote and still holds is handed to a later step as it is, while its file is the one written:
    a run in one process (the command line's) keeps every step's output for its result anyway, and loading a second
    copy of the forms' figures from the file cost the district edition a third of a gigabyte and seconds of
    unpickling."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self._held: dict[Path, tuple[tuple[int, int, int], weakref.ref]] = {}  # file -> (its identity, the value written)

    def _path(self, asset_key: dg.AssetKey, year: str | None = None) -> Path:
        folder = self.base_dir.joinpath(*asset_key.path)
        return folder.with_suffix(".pickle") if year is None else folder / f"{year}.pickle"

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if not context.has_asset_partitions:
            self._write(self._path(context.asset_key), obj)
            return
        years = list(context.asset_partition_keys)
        if not isinstance(obj, dict) or set(obj) != set(years):
            got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
            raise dg.Failure(f"{context.asset_key.to_user_string()} must return {{year: value}} for the years {years}, got {got}")
        for year in years:
            self._write(self._path(context.asset_key, year), obj[year])

    def _write(self, path: Path, obj: Any) -> None:
        _write(path, obj)
        try:
            self._held[path] = (_identity(path), weakref.ref(obj))
        except TypeError:  # a value without weak references (a dict, a list): loaded from its file
            self._held.pop(path, None)

    def _read(self, path: Path, what: str, summary: bool) -> Any:
        held = self._held.get(path)
        if held is not None and not summary and (value := held[1]()) is not None:
            try:
                if held[0] == _identity(path):
                    return value
            except OSError:  # removed since: _read says so
                pass
        return _read(path, what, summary)

    def load_input(self, context: dg.InputContext) -> Any:
        key, summary = context.asset_key, bool((context.definition_metadata or {}).get(SUMMARY))
        if not context.has_asset_partitions:
            return self._read(self._path(key), key.to_user_string(), summary)
        return {
            year: self._read(self._path(key, year), f"{key.to_user_string()} for {year}", summary) for year in context.asset_partition_keys
        }


def _identity(path: Path) -> tuple[int, int, int]:
    """What tells one file written at ``path`` from another: its inode, modification time and size."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _write(path: Path, obj: Any) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        if hasattr(obj, "summary"):
            pickle.dump(_Summary(obj.summary()), f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)  # a killed step never leaves half a file behind


def _read(path: Path, what: str, summary: bool) -> Any:
    if not path.exists():
        raise dg.Failure(
            f"{what} has never been materialized on this Dagster instance: materialize that reference year "
            "(or every year: the build_yearbook job over all partitions) first"
        )
    with open(path, "rb") as f:
        first = pickle.load(f)
        if not isinstance(first, _Summary):  # a value without a summary, or written before summaries were
            return first.summary() if summary and hasattr(first, "summary") else first
        return first.summary if summary else pickle.load(f)


@dg.io_manager(
    description="One pickle per asset and reference year, in the staff area (`<internal>/.steps`): they hold figures as reported.",
    required_resource_keys={"paths"},
)
def year_partitioned_io_manager(init_context: dg.InitResourceContext) -> YearPartitionedIOManager:
    steps = init_context.resources.paths.steps
    steps.mkdir(mode=0o700, parents=True, exist_ok=True)
    steps.chmod(0o700)  # also when it was made before with other modes
    return YearPartitionedIOManager(steps)
