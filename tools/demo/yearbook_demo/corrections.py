"""A correction as a ministry sends one: a figure changed in a submitted workbook, every sum still holding.

Used by the tests of re-running one reference year and by the rebuild benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl

from yearbook.submissions import discover_year, read_submission


@dataclass
class Change:
    file: Path
    sheet: str
    cells: dict[str, int]  # cell -> new value
    area: str
    year: int
    value: int  # the region's new school count


def bump_school_count(raw: Path, year: int) -> Change:
    """One region's F-MOES-1 school count and the national one +1, so every sum still holds."""
    files, _ = discover_year(raw, year)
    sub = next(s for f in files if (s := read_submission(f)).form == "F-MOES-1")
    schools = [f for f in sub.figure_records() if f["indicator"] == "SCHOOLS" and f["value"] is not None]
    region = next(f for f in schools if f["ref_area"] != "KZ")
    national = next(f for f in schools if f["ref_area"] == "KZ" and f["source_sheet"] == region["source_sheet"])
    cells = {f["source_cell"]: int(f["value"]) + 1 for f in (region, national)}
    book = openpyxl.load_workbook(sub.file.path)
    for cell, value in cells.items():
        book[region["source_sheet"]][cell].value = value
    book.save(sub.file.path)
    book.close()
    return Change(sub.file.path, region["source_sheet"], cells, region["ref_area"], year, cells[region["source_cell"]])


def published_value(out: Path, change: Change) -> float | None:
    """The school count of the changed region as ``<out>/yearbook.duckdb`` publishes it."""
    with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT value FROM observations WHERE indicator = 'SCHOOLS' AND ref_area = ? AND time_period = ? AND sex = '_T'",
            [change.area, change.year],
        ).fetchone()
    return None if row is None else row[0]
