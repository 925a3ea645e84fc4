"""The worked questions of docs/queries/, one per yearbook section: each query file run on the published demo edition
(``yearbook build``), its answer checked against the same figures got another way -- the cells of a yearbook table's
view (``yb_<table>``, what the workbook prints) or ``observations`` read with other logic -- never only for being
there. Every query file has its check here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import ROOT
from yearbook.model import DIMENSIONS

QUERIES = ROOT / "docs" / "queries"
ROUNDED = 0.05 + 1e-9  # a figure the query rounds to one decimal
OFF_TRACK = {"acceleration_needed", "regressing", "stagnating", "deteriorating"}


@pytest.fixture(scope="module")
def con(demo_edition: tuple[Path, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(demo_edition[0] / "yearbook.duckdb"), read_only=True) as store:
        yield store


def _answer(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The answer of the query file ``name``, NULL as None."""
    answer = con.execute((QUERIES / name).read_text(encoding="utf-8")).df()
    return answer.astype(object).where(answer.notna(), None)


def _cells(con: duckdb.DuckDBPyConnection, view: str, by: str, **where: object) -> dict[object, float | None]:
    """The values of the printed cells of a yearbook table's view at ``where``, keyed by their code in ``by``."""
    frame = con.execute(f'SELECT * FROM "{view}"').df()
    for column, code in where.items():
        frame = frame[frame[column] == code]
    assert not frame.empty and not frame[by].duplicated().any(), (view, by, where)
    return {key: None if pd.isna(value) else value for key, value in zip(frame[by], frame["value"], strict=True)}


def _region_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {name: code for code, name in con.execute("SELECT ref_area, name_en FROM regions").fetchall()}


def _by_region(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> dict[str, pd.Series]:
    codes = _region_codes(con)
    return {codes[row["region"]]: row for _, row in answer.iterrows()}


def _year(answer: pd.DataFrame) -> int:
    (year,) = set(answer["year"])
    return int(year)


def _published(cells: dict[object, float | None]) -> set[object]:
    return {key for key, value in cells.items() if value is not None}


def _rural_children_by_region(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_pop_region_area_sex (children by region, urban/rural area and sex, latest year): its totals and rural children."""
    year = _year(answer)
    total = _cells(con, "yb_pop_region_area_sex", "ref_area", time_period=year, sex="_T", area="_T")
    rural = _cells(con, "yb_pop_region_area_sex", "ref_area", time_period=year, sex="_T", area="R")
    rows = _by_region(con, answer)
    assert set(rows) == _published(total)
    for area, row in rows.items():
        assert (row["children"], row["rural"]) == (total[area], rural[area]), area
        assert row["rural_pct"] == pytest.approx(100 * rural[area] / total[area], abs=ROUNDED)


def _disability_by_age_group(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_disability_region_age_sex (by region, age group and sex, latest year) for the groups; yb_disability_region_ts
    (aged 0-17 by region, every year) for their total: the groups add up to it every year."""
    codes = {name: code for code, name in con.execute("SELECT code, name_en FROM dimension_codes WHERE dimension = 'age'").fetchall()}
    latest = answer[answer["year"] == answer["year"].max()]
    printed = _cells(con, "yb_disability_region_age_sex", "age", time_period=latest["year"].max(), ref_area="KZ", sex="_T")
    assert {codes[g]: n for g, n in zip(latest["age_group"], latest["children"], strict=True)} == {
        age: n for age, n in printed.items() if age != "Y0T17"
    }
    totals = _cells(con, "yb_disability_region_ts", "time_period", ref_area="KZ")
    assert answer.groupby("year")["children"].sum().to_dict() == totals
    assert answer.groupby("year")["share_pct"].sum().to_numpy() == pytest.approx(100, abs=3 * ROUNDED)


def _preschool_coverage_by_region(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_preschool_region (children aged 3-6, of whom in preschool, coverage by region, latest year)."""
    year = _year(answer)
    pop, enrolled, coverage = (
        _cells(con, "yb_preschool_region", "ref_area", time_period=year, indicator=code)
        for code in ("PRESCHOOL_POP", "PRESCHOOL_ENROL", "PRESCHOOL_COVERAGE")
    )
    rows = _by_region(con, answer)
    assert set(rows) == _published(pop) - {"KZ"}
    for area, row in rows.items():
        assert (row["children_3_6"], row["in_preschool"], row["not_enrolled"]) == (pop[area], enrolled[area], pop[area] - enrolled[area])
        assert row["coverage_pct"] == pytest.approx(coverage[area], abs=ROUNDED)
    assert list(answer["coverage_pct"]) == sorted(answer["coverage_pct"])


def _targeted_social_assistance(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_tsa_ts (TSA families and their children, every year); the share recomputed from the children aged 0-17 of
    yb_pop_region_ts; the poverty rate of yb_child_poverty_region_ts."""
    families = _cells(con, "yb_tsa_ts", "time_period", indicator="TSA_FAMILIES", ref_area="KZ")
    children = _cells(con, "yb_tsa_ts", "time_period", indicator="TSA_CHILD", ref_area="KZ")
    population = _cells(con, "yb_pop_region_ts", "time_period", ref_area="KZ")
    poverty = _cells(con, "yb_child_poverty_region_ts", "time_period", ref_area="KZ")
    assert list(answer["year"]) == sorted(families)
    for _, row in answer.iterrows():
        year = row["year"]
        assert (row["families_receiving_tsa"], row["children_in_them"]) == (families[year], children[year])
        assert row["below_subsistence_minimum_pct"] == poverty[year]
        assert row["children_per_family"] == pytest.approx(children[year] / families[year], abs=0.005 + 1e-9)
        assert row["share_of_all_children_pct"] == pytest.approx(100 * children[year] / population[year], abs=ROUNDED)


def _residential_care_by_region(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_care_region (children without parental care by form of care and region, latest year); the share recomputed."""
    year = _year(answer)
    columns = {
        "without_parental_care": "NPC_CHILD",
        "in_residential_institutions": "NPC_RESID",
        "under_guardianship": "NPC_GUARD",
        "in_foster_families": "NPC_FOSTER",
    }
    printed = {column: _cells(con, "yb_care_region", "ref_area", time_period=year, indicator=code) for column, code in columns.items()}
    rows = _by_region(con, answer)
    assert set(rows) == _published(printed["without_parental_care"]) - {"KZ"}
    for area, row in rows.items():
        assert {c: row[c] for c in columns} == {c: printed[c][area] for c in columns}, area
        share = 100 * row["in_residential_institutions"] / row["without_parental_care"]
        assert row["residential_pct"] == pytest.approx(share, abs=ROUNDED)
    assert list(answer["residential_pct"]) == sorted(answer["residential_pct"], reverse=True)


def _juvenile_offenders_per_10000(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_offenders_region_ts (offenders aged 14-17 by region, every year); the children aged 14-17 read from
    observations by their single ages with every other dimension named, and for the country from yb_pop_age_sex_area."""
    year = _year(answer)
    offenders = _cells(con, "yb_offenders_region_ts", "ref_area", time_period=year)
    ages = ("Y14", "Y15", "Y16", "Y17")
    children = dict(
        con.execute(
            "SELECT ref_area, sum(value) FROM observations WHERE indicator = 'POP_CHILD' AND time_period = ? "
            "AND list_contains(?, age) AND sex = '_T' AND area = '_T' GROUP BY ref_area",
            [year, list(ages)],
        ).fetchall()
    )
    national = _cells(con, "yb_pop_age_sex_area", "age", time_period=year, sex="_T", area="_T")
    assert children["KZ"] == sum(national[age] for age in ages)
    rows = _by_region(con, answer)
    assert set(rows) == _published(offenders)
    for area, row in rows.items():
        assert (row["offenders"], row["children_aged_14_17"]) == (offenders[area], children[area]), area
        assert row["per_10000"] == pytest.approx(offenders[area] / children[area] * 10_000, abs=ROUNDED)


def _net_migration_by_flow(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_net_migration_region_ts (net migration by region, every year) for the total; each flow's arrivals
    (yb_arrivals_region_flow) less its departures (yb_departures_region_flow); the flows add up to the total, and
    internal migration nets to zero for the country."""
    year = _year(answer)
    net = _cells(con, "yb_net_migration_region_ts", "ref_area", time_period=year)
    flows = {"internal": "INTERNAL", "cis_countries": "CIS", "other_countries": "OTHER"}
    arrivals = {flow: _cells(con, "yb_arrivals_region_flow", "ref_area", time_period=year, flow=flow) for flow in flows.values()}
    departures = {flow: _cells(con, "yb_departures_region_flow", "ref_area", time_period=year, flow=flow) for flow in flows.values()}
    rows = _by_region(con, answer)
    assert set(rows) == _published(net)
    for area, row in rows.items():
        assert row["net_migration"] == net[area] == sum(row[column] for column in flows), area
        for column, flow in flows.items():
            assert row[column] == arrivals[flow][area] - departures[flow][area], (area, flow)
    assert rows["KZ"]["internal"] == 0 and answer["region"].iloc[0] == rows["KZ"]["region"]
    regional = list(answer["net_migration"].iloc[1:])
    assert regional == sorted(regional, reverse=True)


def _sdg_series_off_track(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """yb_sdg_progress (the progress overview) for the verdicts; the latest value and the worst and best regions read from
    observations (the national figure, every dimension the total; the regions in the latest year with regional
    figures, ranked by the series' direction)."""
    progress = con.execute("SELECT * FROM yb_sdg_progress").df().set_index("indicator")
    codes = {name: code for code, name in con.execute("SELECT code, name_en FROM indicators").fetchall()}
    names = {code: name for name, code in _region_codes(con).items()}
    series = [codes[name] for name in answer["series"]]
    assert set(series) == set(progress.index[progress["verdict"].isin(OFF_TRACK)])
    at_totals = " AND ".join(f"{d} = '_T'" for d in DIMENSIONS)
    for code, (_, row) in zip(series, answer.iterrows(), strict=True):
        assert row["verdict"] == progress.loc[code, "verdict"]
        (latest,) = con.execute(
            f"SELECT value FROM observations WHERE indicator = ? AND ref_area = 'KZ' AND time_period = ? AND {at_totals}",
            [code, row["latest_year"]],
        ).fetchone()
        assert row["latest_value"] == pytest.approx(latest, abs=ROUNDED)
        regional = con.execute(
            f"SELECT ref_area, value FROM observations WHERE indicator = ? AND ref_area <> 'KZ' AND value IS NOT NULL AND {at_totals} "
            "QUALIFY time_period = max(time_period) OVER () ORDER BY value",
            [code],
        ).df()
        if regional.empty:  # a survey series: no regions
            assert row["lagging_region"] is None and row["best_region"] is None
            continue
        lowest, highest = regional.iloc[0], regional.iloc[-1]
        worst, best = (highest, lowest) if progress.loc[code, "direction"] == "down" else (lowest, highest)
        assert (row["lagging_region"], row["best_region"]) == (names[worst["ref_area"]], names[best["ref_area"]]), code
        assert (row["lagging_value"], row["best_value"]) == pytest.approx((worst["value"], best["value"]), abs=ROUNDED)


def _infant_mortality_comparable(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame) -> None:
    """A unit whose boundary changed (KZ-51C ...): the infant deaths of its parts that year over their live births, from
    observations; a region whose boundary never changed (Akmola): its rate as yb_infant_mortality_region_ts prints it."""
    parts = con.execute("SELECT comparable_area AS unit, ref_area FROM comparable_regions").df()
    counts = con.execute(
        "SELECT indicator, ref_area, time_period, value FROM observations "
        "WHERE indicator IN ('DEATHS_INFANT', 'BIRTHS_LIVE') AND sex = '_T'"
    ).df()
    summed = counts.merge(parts, on="ref_area").pivot_table(
        index=["unit", "time_period"], columns="indicator", values="value", aggfunc="sum"
    )
    expected = (summed["DEATHS_INFANT"] / summed["BIRTHS_LIVE"] * 1000).to_dict()
    akmola = _cells(con, "yb_infant_mortality_region_ts", "time_period", ref_area="KZ-11")
    expected |= {("KZ-11", year): rate for year, rate in akmola.items()}
    assert len(expected) == 5 * 7  # four comparable units and Akmola, 2016-2022
    got = {(area, year): value for area, year, value in zip(answer["ref_area"], answer["time_period"], answer["value"], strict=True)}
    for key, rate in expected.items():
        assert got[key] == pytest.approx(rate, abs=ROUNDED), key  # published to the decimal printed (indicators.yaml)


CHECKS: dict[str, Callable[[duckdb.DuckDBPyConnection, pd.DataFrame], None]] = {
    "1_rural_children_by_region.sql": _rural_children_by_region,
    "2_disability_by_age_group.sql": _disability_by_age_group,
    "3_preschool_coverage_by_region.sql": _preschool_coverage_by_region,
    "4_targeted_social_assistance.sql": _targeted_social_assistance,
    "5_residential_care_by_region.sql": _residential_care_by_region,
    "6_juvenile_offenders_per_10000.sql": _juvenile_offenders_per_10000,
    "7_net_migration_by_flow.sql": _net_migration_by_flow,
    "8_sdg_series_off_track.sql": _sdg_series_off_track,
    "infant_mortality_comparable.sql": _infant_mortality_comparable,
}


def test_every_query_file_is_checked() -> None:
    assert sorted(path.name for path in QUERIES.glob("*.sql")) == sorted(CHECKS)


@pytest.mark.slow  # reads the demo edition built by the command line
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_query_answers_its_question(con: duckdb.DuckDBPyConnection, name: str) -> None:
    text = (QUERIES / name).read_text(encoding="utf-8")
    assert text.startswith("-- ") and f"< docs/queries/{name}" in text, "a header: the question, how to run it"
    answer = _answer(con, name)
    assert len(answer) > 0
    CHECKS[name](con, answer)
