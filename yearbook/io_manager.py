"""Where Dagster keeps what one step hands to the next: one pickle per asset and reference year, in the staff area.

The raw assets are partitioned by reference year and read several years in one run (a single-run
backfill policy: one step reads every year it is given, instead of one run per year). Dagster's
own filesystem IO manager refuses an output that covers several partitions, so this one takes a
``{year: value}`` dict from such a step and writes each year to its own file. A later run that
re-reads one year replaces that year's file only; the unpartitioned core assets load every
registered year, always as a ``{year: value}`` dict, and a year that has never been read is an
error naming the asset and the year (never a silently shorter yearbook).

A value with a ``summary()`` (a form's figures: its problems and reading digest without the figures) is also written
as that summary, and an input declared with ``metadata={SUMMARY: True}`` loads only it: the validation gate reads the
problems of every year without loading the figures of any.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import dagster as dg

SUMMARY = "summary"  # input metadata: load the value's summary only


class YearPartitionedIOManager(dg.IOManager):
    """``<base>/<asset>/<year>.pickle`` for year-partitioned assets, ``<base>/<asset>.pickle`` otherwise (and
    ``<year>.summary.pickle``, ``<asset>.summary.pickle`` for a value that has a summary)."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir

    def _path(self, asset_key: dg.AssetKey, year: str | None = None, summary: bool = False) -> Path:
        folder = self.base_dir.joinpath(*asset_key.path)
        suffix = ".summary.pickle" if summary else ".pickle"
        return folder.with_suffix(suffix) if year is None else folder / f"{year}{suffix}"

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if not context.has_asset_partitions:
            self._write_value(context.asset_key, None, obj)
            return
        years = list(context.asset_partition_keys)
        if not isinstance(obj, dict) or set(obj) != set(years):
            got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
            raise dg.Failure(f"{context.asset_key.to_user_string()} must return {{year: value}} for the years {years}, got {got}")
        for year in years:
            self._write_value(context.asset_key, year, obj[year])

    def load_input(self, context: dg.InputContext) -> Any:
        key, summary = context.asset_key, bool((context.definition_metadata or {}).get(SUMMARY))
        if not context.has_asset_partitions:
            return self._read(self._path(key, summary=summary), key.to_user_string())
        return {
            year: self._read(self._path(key, year, summary), f"{key.to_user_string()} for {year}") for year in context.asset_partition_keys
        }

    def _write_value(self, key: dg.AssetKey, year: str | None, obj: Any) -> None:
        if hasattr(obj, "summary"):
            self._write(self._path(key, year, summary=True), obj.summary())
        self._write(self._path(key, year), obj)

    @staticmethod
    def _write(path: Path, obj: Any) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # a killed step never leaves half a file behind

    @staticmethod
    def _read(path: Path, what: str) -> Any:
        if not path.exists():
            raise dg.Failure(
                f"{what} has never been materialized on this Dagster instance: materialize that reference year "
                "(or every year: the build_yearbook job over all partitions) first"
            )
        with open(path, "rb") as f:
            return pickle.load(f)


@dg.io_manager(
    description="One pickle per asset and reference year, in the staff area (`<internal>/.steps`): they hold figures as reported.",
    required_resource_keys={"paths"},
)
def year_partitioned_io_manager(init_context: dg.InitResourceContext) -> YearPartitionedIOManager:
    steps = init_context.resources.paths.steps
    steps.mkdir(mode=0o700, parents=True, exist_ok=True)
    steps.chmod(0o700)  # also when it was made before with other modes
    return YearPartitionedIOManager(steps)
