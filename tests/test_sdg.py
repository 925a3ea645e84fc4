"""Children and the SDGs (issue #22): the SDG map and its unit check, the derived shares, the progress verdicts of
``sdg_progress`` recomputed by hand with the published formulas (docs/sdg-progress.md), and the gaps of ``sdg_equity``
against ``observations`` -- on stores built by ``build_store`` from the demo edition, one of them with constructed
series."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from yearbook.config import load_yaml
from yearbook.problems import problems_frame
from yearbook.sdg import SdgMapError, load_sdg_map
from yearbook.store import BuildRecord, build_store
from yearbook.submissions import discover, figures_frame, read_submission

TOTALS = {"sex": "_T", "age": "_T", "area": "_T", "flow": "_T", "crime_type": "_T", "wealth_quintile": "_T"}
VERDICTS = {"target_met", "on_track", "acceleration_needed", "regressing", "improving", "stagnating", "deteriorating", "insufficient_data"}
METHOD = load_yaml(ROOT / "schemas" / "sdg.yaml")["method"]


@pytest.fixture(scope="module")
def demo_figures() -> pd.DataFrame:
    files, _ = discover(ROOT / "raw")
    subs = [read_submission(f) for f in files]
    return figures_frame(subs)


def _build(path: Path, figures: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    inventory = pd.DataFrame(columns=["file", "year", "form", "sha256"])
    build_store(path, [figures], BuildRecord(inventory, problems_frame([]), "test-run"))
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture(scope="module")
def store(demo_figures: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _build(tmp_path_factory.mktemp("sdg") / "yearbook.duckdb", demo_figures)
    yield con
    con.close()


# Constructed: child poverty rises from 2016 (5.2 %) while its target is half the baseline, and its 2022 figure is
# withheld by the ministry; the child population of KZ-11 aged 0-17 is withheld in 2020.
RISING_POVERTY = {2016: 5.2, 2017: 5.4, 2018: 5.3, 2019: 5.8, 2020: 6.1, 2021: 6.3}


@pytest.fixture(scope="module")
def constructed(demo_figures: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    figures = demo_figures.copy()
    poverty = (figures["indicator"] == "POVERTY_CHILD_RATE") & (figures["ref_area"] == "KZ")
    for year, value in RISING_POVERTY.items():
        figures.loc[poverty & (figures["time_period"] == year), "value"] = value
    withheld = poverty & (figures["time_period"] == 2022)
    withheld |= (
        (figures["indicator"] == "POP_CHILD")
        & (figures["ref_area"] == "KZ-11")
        & (figures["time_period"] == 2020)
        & (figures["age"] == "Y0T17")
        & (figures["sex"] == "_T")
        & (figures["area"] == "_T")
    )
    assert withheld.sum() == 2
    figures.loc[withheld, "value"] = np.nan
    figures.loc[withheld, "obs_conf"] = "C"
    con = _build(tmp_path_factory.mktemp("sdg-constructed") / "yearbook.duckdb", figures)
    yield con
    con.close()


def _progress(con: duckdb.DuckDBPyConnection, indicator: str) -> pd.Series:
    return con.execute("SELECT * FROM sdg_progress WHERE indicator = ?", [indicator]).df().iloc[0]


def _series(con: duckdb.DuckDBPyConnection, indicator: str) -> pd.DataFrame:
    where = " AND ".join(f"{d} = '{c}'" for d, c in TOTALS.items())
    return con.execute(
        f"SELECT time_period, value FROM observations WHERE indicator = ? AND ref_area = 'KZ' AND {where} AND value IS NOT NULL "
        "ORDER BY time_period",
        [indicator],
    ).df()


# ---------------------------------------------------------------------------- the map and its units


def test_every_mapped_series_is_published_in_the_unit_of_its_sdg_series(store: duckdb.DuckDBPyConnection) -> None:
    sdg = load_sdg_map().series
    units = dict(store.execute("SELECT code, unit FROM indicators").fetchall())
    assert sdg and all(units[code] == entry.unit for code, entry in sdg.items())
    assert not {code for code in sdg if units[code] in ("PS", "NUM")}  # no count under any SDG series
    mapped = store.execute("SELECT code, sdg_indicator, sdg_series FROM indicators WHERE sdg_series IS NOT NULL").fetchall()
    assert {code: (i, s) for code, i, s in mapped} == {code: (e.sdg_indicator, e.sdg_series) for code, e in sdg.items()}
    for count in ("TSA_FAMILIES", "SCHOOLS_INCL", "JUV_PRETRIAL"):  # the rows issue #22 found under proportional series
        assert count not in sdg
    assert sdg["TSA_CHILD_SHARE"].sdg_indicator == "1.3.1" and sdg["SCHOOLS_INCL_SHARE"].sdg_series == "SE_INF_DSBL"
    assert [c for c, e in sdg.items() if e.sdg_series == "SE_PRE_PARTN"] == ["PRESCHOOL_COVERAGE"]
    units_published = store.execute(
        "SELECT DISTINCT s.indicator, o.unit FROM sdg_progress AS s JOIN observations AS o USING (indicator)"
    ).df()
    assert (units_published["unit"] == units_published["indicator"].map(lambda c: sdg[c].unit)).all()


def test_a_count_under_a_proportional_series_is_refused(schemas_copy: Path) -> None:
    path = schemas_copy / "sdg.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  TSA_FAMILIES: {indicator: 1.3.1, series: SI_COV_POOR, relation: measure, unit: PT, direction: up}\n",
        encoding="utf-8",
    )
    with pytest.raises(SdgMapError, match="TSA_FAMILIES is a count .* never published under a proportional SDG series"):
        load_sdg_map()


def test_a_proxy_says_why_and_a_target_names_its_source(schemas_copy: Path) -> None:
    path = schemas_copy / "sdg.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "  NPC_RESID_SHARE: {indicator: 16.2.1, series: X, relation: proxy, unit: PT, direction: down}\n", encoding="utf-8"
    )
    with pytest.raises(SdgMapError, match="proxy .* say why"):
        load_sdg_map()
    path.write_text(
        text + "  NPC_RESID_SHARE: {indicator: 16.2.1, series: X, relation: measure, unit: PT, direction: down, target: {value: 5}}\n",
        encoding="utf-8",
    )
    with pytest.raises(SdgMapError, match="target source"):
        load_sdg_map()


# ---------------------------------------------------------------------------- derived shares


def _value(con: duckdb.DuckDBPyConnection, indicator: str, ref_area: str, year: int, **dims: str) -> float:
    """The figure at these coordinates (the other dimensions the total); NaN when there is none or it has no value."""
    coordinates = TOTALS | dims
    row = con.execute(
        "SELECT value FROM observations WHERE indicator = ? AND ref_area = ? AND time_period = ? AND "
        + " AND ".join(f"{d} = ?" for d in coordinates),
        [indicator, ref_area, year, *coordinates.values()],
    ).fetchone()
    return math.nan if row is None or row[0] is None else float(row[0])


def test_derived_shares_equal_the_ratio_of_their_inputs(store: duckdb.DuckDBPyConnection) -> None:
    assert _value(store, "SCHOOLS", "KZ", 2022) == 7254 and _value(store, "SCHOOLS_INCL", "KZ", 2022) == 5520
    assert _value(store, "SCHOOLS_INCL_SHARE", "KZ", 2022) == pytest.approx(76.0959, abs=1e-4)  # the 76.1 %
    for area in ("KZ", "KZ-11", "KZ-75"):
        for year in (2016, 2022):
            children = _value(store, "POP_CHILD", area, year, age="Y0T17")
            assert _value(store, "TSA_CHILD_SHARE", area, year) == pytest.approx(_value(store, "TSA_CHILD", area, year) / children * 100)
            assert _value(store, "NPC_RESID_SHARE", area, year) == pytest.approx(
                _value(store, "NPC_RESID", area, year) / _value(store, "NPC_CHILD", area, year) * 100
            )
    # the share stands where its numerator does (age _T), never at the denominator's fixed age
    ages = {a for (a,) in store.execute("SELECT DISTINCT age FROM observations WHERE indicator = 'TSA_CHILD_SHARE'").fetchall()}
    assert ages == {"_T"}


def test_a_share_of_a_withheld_input_is_not_available(constructed: duckdb.DuckDBPyConnection) -> None:
    assert math.isnan(_value(constructed, "POP_CHILD", "KZ-11", 2020, age="Y0T17"))
    assert math.isnan(_value(constructed, "TSA_CHILD_SHARE", "KZ-11", 2020))
    assert not math.isnan(_value(constructed, "TSA_CHILD_SHARE", "KZ-11", 2021))


# ---------------------------------------------------------------------------- progress verdicts


def test_every_series_of_the_demo_has_a_verdict(store: duckdb.DuckDBPyConnection) -> None:
    progress = store.execute("SELECT * FROM sdg_progress").df()
    assert set(progress["indicator"]) == set(load_sdg_map().series)
    assert set(progress["verdict"]) <= VERDICTS and progress["verdict"].notna().all()
    few = progress["points"] < METHOD["min_points"]
    assert (progress.loc[few, "verdict"] == "insufficient_data").all()
    assert progress.loc[~few, "anticipated_2030"].notna().all()
    assert (progress["baseline_year"] >= METHOD["baseline_from"]).all()
    assert not progress["latest_withheld"].any()


def _by_hand(years: list[int], values: list[float], direction: str, target: float | None, unit_high: float) -> dict[str, object]:
    """The published formulas (docs/sdg-progress.md), step by step."""
    t, x = np.array(years, dtype=float), np.array(values, dtype=float)
    w = 1 + METHOD["weight_per_year"] * (t - t.min())
    tw, xw = (w * t).sum() / w.sum(), (w * x).sum() / w.sum()
    slope = (w * (t - tw) * (x - xw)).sum() / (w * (t - tw) ** 2).sum()
    anticipated = min(unit_high, max(0.0, xw + slope * (METHOD["target_year"] - tw)))
    sign = 1 if direction == "up" else -1
    baseline, latest = x[0], x[-1]
    out: dict[str, object] = {"anticipated_2030": anticipated, "slope": slope}
    if target is None:
        change = sign * slope / abs(baseline) * 100
        band = METHOD["stagnation_band"]
        out["verdict"] = "improving" if change >= band else "deteriorating" if change <= -band else "stagnating"
        return out
    if sign * (latest - target) >= 0:
        out["verdict"] = "target_met"
        return out
    api = (anticipated - baseline) / (target - baseline)
    out["current_status_index"] = (latest - baseline) / (target - baseline)
    out["anticipated_progress_index"] = api
    out["verdict"] = "on_track" if api >= METHOD["on_track"] else "acceleration_needed" if api > METHOD["regressing"] else "regressing"
    return out


def _check(row: pd.Series, expected: dict[str, object]) -> None:
    for column, value in expected.items():
        assert row[column] == (value if isinstance(value, str) else pytest.approx(value)), column


def test_an_improving_series_by_hand(store: duckdb.DuckDBPyConnection) -> None:
    """Infant mortality: no global target (3.2 sets neonatal and under-five only), so a trend verdict."""
    series = _series(store, "MORT_INFANT_RATE")
    row = _progress(store, "MORT_INFANT_RATE")
    assert pd.isna(row["target_value"]) and row["points"] == len(series) == 7
    expected = _by_hand(list(series["time_period"]), list(series["value"]), "down", None, 1000)
    _check(row, expected)
    assert expected["verdict"] == "improving"


def test_a_series_with_its_target_already_met_by_hand(store: duckdb.DuckDBPyConnection) -> None:
    """Wasting: below the 3 % of the WHO/UNICEF 2030 target in the latest survey (2.9 %), above it at the baseline."""
    series = _series(store, "WASTING")
    row = _progress(store, "WASTING")
    assert row["target_value"] == 3 and series["value"].iloc[0] > 3 > series["value"].iloc[-1]
    expected = _by_hand(list(series["time_period"]), list(series["value"]), "down", 3.0, 100)
    _check(row, expected)
    assert expected["verdict"] == "target_met"
    baseline, latest = series["value"].iloc[0], series["value"].iloc[-1]
    assert row["current_status_index"] == pytest.approx((latest - baseline) / (3 - baseline))


def test_a_regressing_series_with_its_latest_figure_withheld_by_hand(constructed: duckdb.DuckDBPyConnection) -> None:
    """Child poverty rising from 5.2 % against a target of half the baseline; 2022 withheld: latest is 2021, said so."""
    row = _progress(constructed, "POVERTY_CHILD_RATE")
    assert row["latest_year"] == 2021 and bool(row["latest_withheld"]) and row["points"] == 6
    assert row["target_value"] == pytest.approx(2.6)
    expected = _by_hand(list(RISING_POVERTY), list(RISING_POVERTY.values()), "down", 2.6, 100)
    _check(row, expected)
    assert expected["verdict"] == "regressing" and row["anticipated_progress_index"] < 0


# ---------------------------------------------------------------------------- equity gaps


def _gap(con: duckdb.DuckDBPyConnection, indicator: str, kind: str, year: int | None = None) -> pd.Series:
    gaps = con.execute("SELECT * FROM sdg_equity WHERE indicator = ? AND gap_kind = ?", [indicator, kind]).df()
    return gaps[gaps["time_period"] == year].iloc[0] if year is not None else gaps.iloc[0]


@pytest.mark.parametrize(
    ("kind", "dimension", "a", "b"),
    [("wealth_quintile", "wealth_quintile", "Q1", "Q5"), ("area", "area", "R", "U"), ("sex", "sex", "F", "M")],
)
def test_a_survey_gap_against_observations(store: duckdb.DuckDBPyConnection, kind: str, dimension: str, a: str, b: str) -> None:
    gap = _gap(store, "STUNTING", kind, 2021)
    value_a = _value(store, "STUNTING", "KZ", 2021, **{dimension: a})
    value_b = _value(store, "STUNTING", "KZ", 2021, **{dimension: b})
    assert (gap["group_a"], gap["group_b"]) == (a, b) and (gap["value_a"], gap["value_b"]) == (value_a, value_b)
    assert gap["ratio"] == pytest.approx(value_a / value_b) and gap["difference"] == pytest.approx(value_a - value_b)


def test_a_region_gap_against_observations(store: duckdb.DuckDBPyConnection) -> None:
    """Under-five mortality (down is progress): the worst region has the highest rate, the best the lowest."""
    where = " AND ".join(f"{d} = '{c}'" for d, c in TOTALS.items())
    regions = store.execute(
        f"SELECT ref_area, value FROM observations WHERE indicator = 'MORT_U5_RATE' AND ref_area <> 'KZ' AND time_period = 2022 AND {where}"
    ).df()
    gap = _gap(store, "MORT_U5_RATE", "region")
    ordered = regions.sort_values("value")
    worst, best = ordered.iloc[-1], ordered.iloc[0]
    assert gap["time_period"] == 2022 and (gap["group_a"], gap["group_b"]) == (worst["ref_area"], best["ref_area"])
    assert gap["ratio"] == pytest.approx(worst["value"] / best["value"])
    coverage = _gap(store, "PRESCHOOL_COVERAGE", "region")  # up is progress: the worst region has the lowest coverage
    assert coverage["value_a"] < coverage["value_b"]


def test_hidden_values_are_never_used(constructed: duckdb.DuckDBPyConnection) -> None:
    regional = constructed.execute("SELECT * FROM sdg_equity WHERE indicator = 'POVERTY_CHILD_RATE' AND gap_kind = 'region'").df()
    assert regional["value_a"].notna().all() and regional["value_b"].notna().all()
    hidden = constructed.execute(
        "SELECT count(*) FROM sdg_equity AS e JOIN observations AS o ON o.indicator = e.indicator AND o.time_period = e.time_period "
        "AND o.ref_area IN (e.group_a, e.group_b) WHERE o.value IS NULL AND e.gap_kind = 'region'"
    ).fetchone()
    assert hidden == (0,)
