"""The harmonized store built from the demo edition: key, codes, derived indicators, comparable geography."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import ROOT as PROJECT_ROOT
from yearbook.codelists import load_codelists
from yearbook.model import DIMENSIONS, KEY
from yearbook.problems import problems_frame
from yearbook.store import BuildRecord, build_store
from yearbook.submissions import discover, figures_frame, read_submission

COMPARABLE_QUERY = (PROJECT_ROOT / "docs" / "queries" / "infant_mortality_comparable.sql").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    files, _ = discover(PROJECT_ROOT / "raw")
    subs = [read_submission(f) for f in files]
    inventory = pd.DataFrame([{"file": s.file.relpath, "year": s.file.year, "form": s.form, "sha256": s.file.sha256} for s in subs])
    path = tmp_path_factory.mktemp("store") / "yearbook.duckdb"
    build_store(path, [figures_frame(subs)], BuildRecord(inventory, problems_frame([]), "test-run"))
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_key_is_unique_and_every_code_valid(store: duckdb.DuckDBPyConnection) -> None:
    keys = ", ".join(KEY)
    assert store.execute(f"SELECT count(*) FROM (SELECT {keys} FROM observations GROUP BY ALL HAVING count(*) > 1)").fetchone()[0] == 0
    lists = load_codelists()
    obs = store.execute("SELECT * FROM observations").df()
    for dim in ("sex", "age", "area", "flow", "crime_type", "wealth_quintile"):
        assert set(obs[dim]) <= set(lists.dimension_labels[dim]), dim
    indicators = set(store.execute("SELECT code FROM indicators").df()["code"])
    assert set(obs["indicator"]) <= indicators
    for year, areas in obs.groupby("time_period")["ref_area"]:
        assert set(areas) <= {"KZ", *lists.regions_valid_in(int(year))}, year
    assert set(obs["unit"]) <= {"PS", "NUM", "PER_1000_LB", "PT"}
    assert set(obs["obs_status"]) <= {"A", "M"} and set(obs["obs_conf"]) <= {"F", "C", "D"}
    assert obs.loc[obs["obs_conf"] != "F", "value"].isna().all()
    reported = obs[obs["source_cell"].notna()]
    assert reported["source_file"].notna().all() and reported["source_sheet"].notna().all()


def test_every_form_indicator_is_published(store: duckdb.DuckDBPyConnection) -> None:
    published = {i for (i,) in store.execute("SELECT DISTINCT indicator FROM observations").fetchall()}
    expected = {i for (i,) in store.execute("SELECT code FROM indicators").fetchall()}
    assert expected == published


def _value(store: duckdb.DuckDBPyConnection, indicator: str, area: str, year: int, **dims: str) -> float | None:
    where = " AND ".join(f"{d} = '{dims.get(d, '_T')}'" for d in ("sex", "age", "area", "flow", "crime_type", "wealth_quintile"))
    row = store.execute(
        f"SELECT value FROM observations WHERE indicator = ? AND ref_area = ? AND time_period = ? AND {where}", [indicator, area, year]
    ).fetchone()
    return None if row is None else row[0]


@pytest.mark.parametrize("year", [2016, 2019, 2022])
@pytest.mark.parametrize("area", ["KZ", "KZ-11", "KZ-75"])
def test_derived_indicators_equal_hand_computed(store: duckdb.DuckDBPyConnection, year: int, area: str) -> None:
    births = _value(store, "BIRTHS_LIVE", area, year)
    infant = _value(store, "DEATHS_INFANT", area, year)
    under5 = _value(store, "DEATHS_U5", area, year)
    assert _value(store, "MORT_INFANT_RATE", area, year) == pytest.approx(infant / births * 1000)
    assert _value(store, "MORT_U5_RATE", area, year) == pytest.approx(under5 / births * 1000)
    coverage = _value(store, "PRESCHOOL_ENROL", area, year) / _value(store, "PRESCHOOL_POP", area, year) * 100
    assert _value(store, "PRESCHOOL_COVERAGE", area, year) == pytest.approx(coverage)
    for flow in ("_T", "INTERNAL", "CIS", "OTHER"):
        for sex in ("_T", "M", "F"):
            arrivals = _value(store, "MIG_ARRIVALS", area, year, flow=flow, sex=sex)
            departures = _value(store, "MIG_DEPARTURES", area, year, flow=flow, sex=sex)
            assert _value(store, "MIG_NET", area, year, flow=flow, sex=sex) == arrivals - departures


def test_derived_is_not_available_where_an_input_is_missing(store: duckdb.DuckDBPyConnection) -> None:
    rows = store.execute(
        """SELECT d.obs_status, d.value FROM observations AS d
           JOIN observations AS n ON n.indicator = 'DEATHS_INFANT' AND n.value IS NULL
            AND (n.ref_area, n.time_period, n.sex) = (d.ref_area, d.time_period, d.sex)
           WHERE d.indicator = 'MORT_INFANT_RATE'"""
    ).fetchall()
    assert all(status == "M" and value is None for status, value in rows)


def test_comparable_series_equals_the_sum_of_its_parts(store: duckdb.DuckDBPyConnection) -> None:
    for year, parts in [(2016, ["KZ-51"]), (2019, ["KZ-61", "KZ-79"]), (2022, ["KZ-61", "KZ-79"])]:
        total = store.execute(
            "SELECT value FROM observations_comparable WHERE indicator = 'BIRTHS_LIVE' AND ref_area = 'KZ-51C' AND time_period = ? "
            "AND sex = '_T'",
            [year],
        ).fetchone()[0]
        assert total == sum(_value(store, "BIRTHS_LIVE", p, year) for p in parts)
    east_2022 = store.execute(
        "SELECT value, reported_areas FROM observations_comparable WHERE indicator = 'POP_CHILD' AND ref_area = 'KZ-63C' "
        "AND time_period = 2022 AND sex = '_T' AND age = 'Y0T17' AND area = '_T'"
    ).fetchone()
    assert east_2022 == (
        _value(store, "POP_CHILD", "KZ-63", 2022, age="Y0T17") + _value(store, "POP_CHILD", "KZ-10", 2022, age="Y0T17"),
        "KZ-10+KZ-63",
    )


def test_documented_query_gives_a_full_comparable_series(store: duckdb.DuckDBPyConnection) -> None:
    series = store.execute(COMPARABLE_QUERY).df()
    assert set(series["time_period"]) == set(range(2016, 2023))
    per_region = series.groupby("ref_area")["time_period"].nunique()
    assert (per_region == 7).all() and len(per_region) == 16  # the 14 regions and 2 cities of 2016
    assert series["value"].between(2, 25).all() and not series.duplicated(["ref_area", "time_period"]).any()


PLACE = ["indicator", "ref_area", "time_period"]  # a figure's indicator, place and year: not breakdowns
COUNTS = {"PS", "NUM"}  # the units that add up


def test_observations_totals_add_up_without_double_counting(store: duckdb.DuckDBPyConnection) -> None:
    """The guard rail of observations_totals: one grand total per indicator, place and year, each member of a breakdown
    once, and the grand total standing at the total of every breakdown of it; the members of each breakdown of a count
    add up to the grand total wherever all of them and the total are there and free (obs_conf F), the "of which" ones
    (adds_up false: the crime types) each at most the total. Rates (PER_1000_LB) and percentages (PT) are skipped, by
    their unit in `indicators`: the infant mortality of boys and that of girls do not add up to that of all children,
    nor do the shares of stunted children in each quintile."""
    units = dict(store.execute("SELECT code, unit FROM indicators").fetchall())
    assert set(units.values()) - COUNTS == {"PER_1000_LB", "PT"}  # a new unit: say here whether it adds up
    totals = store.execute("SELECT * FROM observations_totals").df()
    assert not totals.duplicated([*PLACE, "breakdown", "member"]).any()
    grand = totals[totals["breakdown"] == "_T"]
    assert len(grand) == len(totals[PLACE].drop_duplicates())
    breakdowns = store.execute("SELECT * FROM breakdowns").df()
    members = totals[totals["breakdown"] != "_T"].merge(breakdowns, on=["breakdown", "member"], suffixes=("", "_declared"))
    assert len(members) == (totals["breakdown"] != "_T").sum() and (members["adds_up"] == members["adds_up_declared"]).all()
    members = members.merge(grand, on=PLACE, suffixes=("", "_grand"))
    assert (members.apply(lambda m: m[f"{m['dimension']}_grand"], axis=1) == members["total"]).all()

    counts = members[members["unit"].isin(COUNTS)].assign(free=lambda m: (m["obs_conf"] == "F") & m["value"].notna())
    groups = counts.groupby([*PLACE, "breakdown", "total"], as_index=False).agg(
        members=("member", "size"),
        free=("free", "all"),
        adds_up=("adds_up", "first"),
        summed=("value", "sum"),
        largest=("value", "max"),
        grand_value=("value_grand", "first"),
        grand_conf=("obs_conf_grand", "first"),
    )
    declared = breakdowns.groupby(["breakdown", "total"]).size().rename("declared").reset_index()
    groups = groups.merge(declared, on=["breakdown", "total"])
    whole = groups[(groups["members"] == groups["declared"]) & groups["free"] & (groups["grand_conf"] == "F")]
    adding = whole[whole["adds_up"]]
    assert (adding["summed"] == adding["grand_value"]).all(), adding[adding["summed"] != adding["grand_value"]].head()
    of_which = whole[~whole["adds_up"]]
    assert (of_which["largest"] <= of_which["grand_value"]).all()
    assert (of_which["summed"] != of_which["grand_value"]).any()  # they do not add up: summing them would be wrong
    assert set(adding["breakdown"]) == {"sex", "area", "age", "age_group", "flow"} and set(of_which["breakdown"]) == {"crime_type"}
    assert len(whole) > 0.95 * len(groups) > 2000  # nearly every breakdown checked: the ministries withheld few figures


def test_every_code_is_a_total_or_a_member_of_one_breakdown() -> None:
    """No code falls out of observations_totals for want of a breakdown, and each names a code of the code lists."""
    lists = load_codelists()
    members = lists.breakdown_members()
    for dimension in DIMENSIONS:
        totals = {"_T"} | {m.total for m in members if m.dimension == dimension}
        parts = [m.member for m in members if m.dimension == dimension]
        assert sorted([*totals, *parts]) == sorted(lists.dimension_labels[dimension]), dimension


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("age,age_group,Y0T17,Y14T17,true", "age Y14T17: both a total and a member"),  # 14-17 is the total of 14-15 and 16-17
        ("age,age_group,Y0T17,Y5,true", "age Y5 is a member of more than one breakdown"),  # counted with the single ages and the groups
    ],
)
def test_a_code_counted_twice_in_breakdowns_is_refused(tmp_path: Path, line: str, refusal: str) -> None:
    folder = tmp_path / "codelists"
    shutil.copytree(PROJECT_ROOT / "schemas" / "codelists", folder)
    with (folder / "breakdowns.csv").open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    with pytest.raises(ValueError, match=refusal):
        load_codelists(folder)
