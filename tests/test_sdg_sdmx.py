"""The SDG export on a small store made here: which observations are sent, how they are coded, and which mapped
indicators are left out (the export of a whole build is checked in tests/test_build.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
import yaml

from yearbook.config import schemas_dir
from yearbook.model import render_sql
from yearbook.sdg_sdmx import MAPPING_FILE, load_sdg_mapping, sdg_frame, write_sdg_sdmx_csv

INDICATORS = [  # code, form, unit, sdg_series
    ("MORT_U5_RATE", "derived", "PER_1000_LB", "SH_DYN_MORT"),
    ("STUNTING", "F-MICS-1", "PT", "SH_STA_STNT"),
    ("POVERTY_CHILD_RATE", "F-MLSP-1", "PT", "SI_POV_NAHC"),
    ("SCHOOLS_INCL", "F-MOES-1", "NUM", "SE_INF_DSBL"),  # a count: the series is a percentage
    ("JUV_PRETRIAL", "F-GP-1", "PS", "VC_PRS_UNSEC"),  # not an SDG series code
    ("ECE_ATTEND", "F-MICS-1", "PT", "SE_PRE_PARTN"),  # 36-59 months: the series' age is its definition (_T)
    ("POP_CHILD", "F-DEM-1", "PS", None),
]
T = "_T"
# indicator, ref_area, year, sex, age, area, flow, crime_type, wealth_quintile, value, unit, obs_status, obs_conf
OBSERVATIONS = [
    ("MORT_U5_RATE", "KZ", 2018, T, T, T, T, T, T, 9.5, "PER_1000_LB", "A", "F"),  # sent
    ("MORT_U5_RATE", "KZ", 2018, "F", T, T, T, T, T, 8.25, "PER_1000_LB", "A", "C"),  # withheld, its value present
    ("MORT_U5_RATE", "KZ", 2018, "M", T, T, T, T, T, None, "PER_1000_LB", "M", "F"),  # not available
    ("MORT_U5_RATE", "KZ-10", 2018, T, T, T, T, T, T, 11.0, "PER_1000_LB", "A", "F"),  # a region
    ("STUNTING", "KZ", 2015, T, T, "U", T, T, T, 7.1, "PT", "A", "F"),  # sent
    ("STUNTING", "KZ", 2015, T, T, T, T, T, "Q1", 9.9, "PT", "A", "F"),  # sent
    ("STUNTING", "KZ", 2015, T, T, T, "INTERNAL", T, T, 3.0, "PT", "A", "F"),  # a flow: no SDG dimension
    ("POVERTY_CHILD_RATE", "KZ", 2018, T, "Y0T17", T, T, T, T, 4.5, "PT", "A", "F"),  # an age group of CL_AGE: sent
    ("POVERTY_CHILD_RATE", "KZ", 2018, T, "Y14T15", T, T, T, T, 5.5, "PT", "A", "F"),  # none in CL_AGE
    ("SCHOOLS_INCL", "KZ", 2018, T, T, T, T, T, T, 1200.0, "NUM", "A", "F"),
    ("JUV_PRETRIAL", "KZ", 2018, T, T, T, T, T, T, 40.0, "PS", "A", "F"),
    ("ECE_ATTEND", "KZ", 2018, T, T, T, T, T, T, 60.0, "PT", "A", "F"),
    ("POP_CHILD", "KZ", 2018, T, T, T, T, T, T, 6e6, "PS", "A", "F"),
]
HEADER = [
    "STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION",
    "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS",
    "ACTIVITY", "PRODUCT", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "NATURE",
]  # fmt: skip
FIXED = ["A", "N"]  # FREQ, REPORTING_TYPE
NOT_BROKEN_DOWN = ["_T"] * 7  # EDUCATION_LEV ... PRODUCT


def _store(path: Path, indicators: list[tuple], observations: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE indicators (code VARCHAR, form VARCHAR, unit VARCHAR, sdg_series VARCHAR)")
        con.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?)", indicators)
        columns = "{key_definition}, value DOUBLE, unit VARCHAR, obs_status VARCHAR, obs_conf VARCHAR"
        con.execute(render_sql(f"CREATE TABLE observations ({columns})"))
        con.executemany(f"INSERT INTO observations VALUES ({', '.join('?' * 13)})", observations)
    return path


def _row(series: str, sex: str, age: str, urbanisation: str, quintile: str, year: str, value: str, unit: str, nature: str) -> list[str]:
    return ["datastructure", "IAEG-SDGs:SDG(1.14)", "I", *FIXED, series, "398", sex, age, urbanisation, quintile, *NOT_BROKEN_DOWN, year,
            value, unit, "0", "A", nature]  # fmt: skip


def test_only_national_published_figures_of_sent_series_are_written(tmp_path: Path) -> None:
    store = _store(tmp_path / "store.duckdb", INDICATORS, OBSERVATIONS)
    left_out = write_sdg_sdmx_csv(store, tmp_path / "sdg.csv")
    with open(tmp_path / "sdg.csv", encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == HEADER
    assert rows == [
        _row("SH_DYN_MORT", "_T", "Y0T4", "_T", "_T", "2018", "9.5", "PER_1000_LIVE_BIRTHS", "C"),
        _row("SH_STA_STNT", "_T", "Y0T4", "U", "_T", "2015", "7.1", "PT", "C"),
        _row("SH_STA_STNT", "_T", "Y0T4", "_T", "Q1", "2015", "9.9", "PT", "C"),
        _row("SI_POV_NAHC", "_T", "Y0T17", "_T", "_T", "2018", "4.5", "PT", "C"),
    ]
    assert set(left_out) == {"SCHOOLS_INCL", "JUV_PRETRIAL", "ECE_ATTEND"}
    assert "unit NUM" in left_out["SCHOOLS_INCL"] and "VC_PRS_UNSEC" in left_out["JUV_PRETRIAL"] and "M36T59" in left_out["ECE_ATTEND"]


def test_a_store_with_nothing_to_send_gives_the_header_alone(tmp_path: Path) -> None:
    store = _store(tmp_path / "store.duckdb", INDICATORS[-1:], OBSERVATIONS[-1:])
    assert write_sdg_sdmx_csv(store, tmp_path / "sdg.csv") == {}
    assert (tmp_path / "sdg.csv").read_text(encoding="utf-8").splitlines() == [",".join(HEADER)]


def test_two_indicators_giving_one_sdg_observation_are_refused(tmp_path: Path) -> None:
    """Two indicators mapped to one series with the same ages would send two values for one SDG key."""
    indicators = [("MORT_U5_RATE", "derived", "PER_1000_LB", "SH_DYN_MORT"), ("MORT_INFANT_RATE", "derived", "PER_1000_LB", "SH_DYN_MORT")]
    both = [(i, "KZ", 2018, T, T, T, T, T, T, 9.5, "PER_1000_LB", "A", "F") for i in ("MORT_U5_RATE", "MORT_INFANT_RATE")]
    mapping = load_sdg_mapping()
    mapping.age_of_total["MORT_INFANT_RATE"] = "Y0T4"  # as if declared of the same age
    with pytest.raises(ValueError, match="one SDG observation"):
        sdg_frame(_store(tmp_path / "store.duckdb", indicators, both), mapping)


def test_a_dimension_neither_mapped_nor_total_only_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((schemas_dir() / MAPPING_FILE).read_text(encoding="utf-8"))
    raw["totals_only"].remove("flow")
    (tmp_path / MAPPING_FILE).write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="flow"):
        load_sdg_mapping(tmp_path / MAPPING_FILE)
