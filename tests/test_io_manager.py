"""The step outputs' IO manager (yearbook/io_manager.py): a value this process wrote and still holds is handed on as
it is only while its file is the one written; otherwise the file is read."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from yearbook.io_manager import SUMMARY, YearPartitionedIOManager

KEY = dg.AssetKey("core_validation")


@dataclass
class Value:
    figures: list[int]

    def summary(self) -> Value:
        return Value([])


def _write(manager: YearPartitionedIOManager, value: object) -> None:
    manager.handle_output(dg.build_output_context(asset_key=KEY), value)


def _load(manager: YearPartitionedIOManager, summary: bool = False) -> object:
    return manager.load_input(dg.build_input_context(asset_key=KEY, definition_metadata={SUMMARY: True} if summary else None))


def test_a_value_held_is_handed_on_while_its_file_is_the_one_written(tmp_path: Path) -> None:
    manager = YearPartitionedIOManager(tmp_path)
    value = Value([1, 2, 3])
    _write(manager, value)
    assert _load(manager) is value
    assert _load(manager, summary=True) == Value([])  # the summary, never the value
    YearPartitionedIOManager(tmp_path).handle_output(dg.build_output_context(asset_key=KEY), Value([4]))  # another run's
    assert _load(manager) == Value([4])


def test_a_value_no_longer_held_is_read_from_its_file_and_a_removed_file_is_not_loaded(tmp_path: Path) -> None:
    manager = YearPartitionedIOManager(tmp_path)
    _write(manager, Value([1, 2, 3]))
    gc.collect()
    assert _load(manager) == Value([1, 2, 3])
    held = Value([5])
    _write(manager, held)
    (tmp_path / "core_validation.pickle").unlink()
    with pytest.raises(dg.Failure, match="never been materialized"):
        _load(manager)
