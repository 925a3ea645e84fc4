"""The published edition describes itself: datapackage.json validated by the frictionless library (every CSV described,
every code resolving through a foreign key to a code list), and no CSV value with more decimals than its table declares."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from frictionless import validate

from yearbook.publish.datapackage import DESCRIPTOR
from yearbook.publish.specs import load_yearbook_spec

pytestmark = pytest.mark.slow
DECIMALS = re.compile(r"^-?\d+(?:[.,](\d+))?$")  # a decimal point, or a decimal comma (the kk and ru tables as printed)


@pytest.fixture(scope="module")
def edition(demo_edition: tuple[Path, Path]) -> Path:
    """The published folder of the demo edition (conftest.py: built once by the command line)."""
    return demo_edition[0] / "current"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _decimals(text: str) -> int:
    match = DECIMALS.match(text)
    assert match, text
    return len(match.group(1) or "")


def test_the_data_package_is_valid_and_describes_every_csv(edition: Path) -> None:
    report = validate(edition / DESCRIPTOR)
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((edition / DESCRIPTOR).read_text(encoding="utf-8"))
    described = {r["path"] for r in package["resources"]}
    assert described == {p.relative_to(edition).as_posix() for p in edition.rglob("*.csv")}
    assert {"tables/yb_pop_region_ts.csv", "tables/ru/yb_pop_region_ts.csv", "codelists/regions.csv", "yearbook_sdmx.csv"} <= described


def test_every_coded_column_resolves_through_a_foreign_key(edition: Path, tmp_path: Path) -> None:
    """Each column that holds codes has a foreign key to a code list; and the validation really checks them: a region
    code no list has, written into a copy, makes the package invalid at that row."""
    package = json.loads((edition / DESCRIPTOR).read_text(encoding="utf-8"))
    coded = {"indicator", "ref_area", "sex", "age", "area", "flow", "crime_type", "wealth_quintile", "unit", "obs_status"}
    coded |= {"obs_conf", "symbol", "verdict", "INDICATOR", "REF_AREA", "SEX", "AGE", "URBANISATION", "UNIT_MEASURE", "OBS_STATUS"}
    coded |= {"relation", "direction", "gap_kind", "form", "section", "sdg_series", "sdg_indicator", "note_id", "group_a", "group_b"}
    kinds = {"tables/yb_tables.csv", "codelists/notes.csv"}  # `kind` there is a code of table_kind, note_kind
    for resource in package["resources"]:
        if resource.get("dialect"):  # a table as printed: texts
            continue
        keyed = {k["fields"] if isinstance(k["fields"], str) else k["fields"][-1] for k in resource["schema"].get("foreignKeys", [])}
        names = {f["name"] for f in resource["schema"]["fields"]} - set(resource["schema"].get("primaryKey", []))
        must = names & (coded | ({"kind"} if resource["path"] in kinds else set()))
        assert must <= keyed, (resource["path"], must - keyed)
    spoilt = tmp_path / "spoilt"
    shutil.copytree(edition, spoilt, symlinks=False, ignore=shutil.ignore_patterns("*.duckdb", "*.xlsx", "*.pdf"))
    table = spoilt / "tables" / "yb_pop_region_ts.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",KZ-11,", ",KZ-99,", 1), encoding="utf-8")
    report = validate(spoilt / DESCRIPTOR)
    invalid = {task.name: [e.type for e in task.errors] for task in report.tasks if not task.valid}
    assert invalid == {"tables-yb-pop-region-ts": ["foreign-key"]}, invalid


def test_no_csv_value_shows_more_decimals_than_its_table_declares(edition: Path) -> None:
    decimals = {r["code"]: int(r["decimals"]) for r in _rows(edition / "codelists" / "indicators.csv")}
    by_series = {r["sdg_series"]: decimals[r["code"]] for r in _rows(edition / "codelists" / "indicators.csv") if r["sdg_series"]}
    checked, in_unit = (
        0,
        ("value", "baseline_value", "latest_value", "anticipated_2030", "target_value", "value_a", "value_b", "difference"),
    )
    for path in sorted((edition / "tables").glob("yb_*.csv")):
        for row in _rows(path):
            for column in in_unit:
                if row.get(column):
                    assert _decimals(row[column]) <= decimals[row["indicator"]], (path.name, column, row)
                    checked += 1
            if row.get("ratio"):
                assert _decimals(row["ratio"]) <= 2, (path.name, row)
    for row in _rows(edition / "yearbook_sdmx.csv"):
        if row["OBS_VALUE"] != "NaN":
            assert _decimals(row["OBS_VALUE"].removesuffix(".0")) <= decimals[row["INDICATOR"]], row
            checked += 1
    for row in _rows(edition / "yearbook_sdg_sdmx.csv"):
        assert _decimals(row["OBS_VALUE"].removesuffix(".0")) <= by_series[row["SERIES"]], row
    formats = load_yearbook_spec().meta["csv_format"]
    for path in sorted((edition / "tables").glob("*/yb_*.csv")):  # as printed: figures with the table's decimals, at most 2
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=formats[path.parent.name]["delimiter"]))
        assert all(_decimals(cell) <= 2 for row in rows for cell in row if DECIMALS.match(cell)), path
    assert checked > 10_000
