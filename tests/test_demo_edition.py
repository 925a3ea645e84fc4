"""The demo edition (2016-2022, eight forms, seeded drift) read back by the real reader equals its truth."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from yearbook_demo import DEFAULT_SEED, DEMO_YEARS, DRIFT_KINDS, FORM_CODES, FORMS_BY_CODE, demo_truth, plan_drift, write_demo_edition
from yearbook_demo.__main__ import main

from yearbook.cells import parse_cell
from yearbook.codelists import load_codelists
from yearbook.model import KEY as OBSERVATION_KEY
from yearbook.specs import load_forms
from yearbook.submissions import discover, figures_frame, read_submission

pytestmark = pytest.mark.slow  # generates the whole demo edition

KEY = [*OBSERVATION_KEY, "check_only"]  # a figure's key
SURVEY_FOLDERS = {2016: 2015, 2019: 2018, 2022: 2021}


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, pd.DataFrame, pd.DataFrame]:
    raw = tmp_path_factory.mktemp("demo") / "raw"
    write_demo_edition(raw)
    files, passed_over = discover(raw)
    assert passed_over == []
    subs = [read_submission(f) for f in files]
    return raw, subs, figures_frame(subs), demo_truth(DEMO_YEARS, DEFAULT_SEED)


def test_every_form_every_year_and_the_survey_in_some(edition) -> None:
    _, subs, _, _ = edition
    by_year = defaultdict(set)
    for s in subs:
        by_year[s.file.year].add(s.form)
    assert sorted(by_year) == list(DEMO_YEARS)
    for year, forms in by_year.items():
        expected = set(FORM_CODES) - ({"F-MICS-1"} if year not in SURVEY_FOLDERS else set())
        assert forms == expected, year


def test_every_file_reads_without_problems(edition) -> None:
    _, subs, _, _ = edition
    lines = [p.line() for s in subs for p in s.problems]
    assert not lines, "\n".join(lines[:50])


def test_figures_read_equal_the_truth(edition) -> None:
    _, _, got, truth = edition
    merged = got.merge(truth, on=KEY, how="outer", suffixes=("_read", "_true"), indicator=True)
    unread = merged[merged["_merge"] == "right_only"]
    assert unread.empty, f"{len(unread)} true figures not read:\n{unread[KEY].head(20)}"
    unexpected = merged[merged["_merge"] == "left_only"]
    assert unexpected.empty, f"{len(unexpected)} figures read that the generator did not write:\n{unexpected[KEY].head(20)}"
    assert len(got) == len(truth), "a figure was read twice"
    same_value = (merged["value_read"] - merged["value_true"]).abs().lt(1e-9) | (merged["value_read"].isna() & merged["value_true"].isna())
    same = same_value & merged["obs_status_read"].eq(merged["obs_status_true"]) & merged["obs_conf_read"].eq(merged["obs_conf_true"])
    wrong = merged[~same]
    shown = KEY + [
        "value_read",
        "value_true",
        "obs_status_read",
        "obs_status_true",
        "obs_conf_read",
        "obs_conf_true",
        "source_file",
        "source_cell",
        "raw",
    ]
    assert wrong.empty, f"{len(wrong)} figures differ from the truth:\n{wrong[shown].head(20).to_string()}"


def test_survey_figures_carry_the_survey_year(edition) -> None:
    _, _, got, _ = edition
    mics = got[got["form"] == "F-MICS-1"]
    assert set(zip(mics["received_year"], mics["time_period"], strict=True)) == set(SURVEY_FOLDERS.items())


def test_source_cells_hold_the_published_values(edition) -> None:
    raw, _, got, _ = edition
    specs = load_forms()
    sample = got.sample(n=600, random_state=7)
    for source_file, rows in sample.groupby("source_file"):
        wb = openpyxl.load_workbook(raw / source_file, data_only=True)
        try:
            for row in rows.itertuples():
                cell = parse_cell(wb[row.source_sheet][row.source_cell].value, decimal_comma=specs[row.form].decimal_comma)
                where = f"{source_file} {row.source_sheet}!{row.source_cell}"
                assert (cell.obs_status, cell.obs_conf) == (row.obs_status, row.obs_conf), where
                assert (cell.value is None and pd.isna(row.value)) or abs(cell.value - row.value) < 1e-9, where
        finally:
            wb.close()


def test_the_edition_shows_every_kind_of_drift() -> None:
    plan = plan_drift(DEMO_YEARS, FORM_CODES, DEFAULT_SEED)
    shown = set().union(*(d.kinds for d in plan.values()))
    assert shown == set(DRIFT_KINDS)
    assert all(len(d.kinds) < len(DRIFT_KINDS) for d in plan.values()), "no workbook shows every kind at once"


def test_the_edition_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    def digests(raw: Path) -> dict[str, str]:
        return {p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(raw.rglob("*.xlsx"))}

    assert main([str(tmp_path / "a"), "--years", "2019", "2022"]) == 0
    assert main([str(tmp_path / "b"), "--years", "2019", "2022"]) == 0
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert len(digests(tmp_path / "a")) == 16
    assert main([str(tmp_path / "a"), "--years", "2019"]) == 1, "refuses to write over an edition without --replace"


# -- the truth itself: realistic and consistent -----------------------------------------------


def _values(truth: pd.DataFrame, indicator: str, **dims: object) -> pd.Series:
    rows = truth[truth["indicator"] == indicator]
    for column, code in dims.items():
        rows = rows[rows[column] == code]
    return rows.set_index(["ref_area", "time_period"])["value"]


def test_national_figures_are_anchored_on_published_ones(edition) -> None:
    _, _, _, truth = edition
    births = _values(truth, "BIRTHS_LIVE", sex="_T")
    infant, under5 = _values(truth, "DEATHS_INFANT", sex="_T"), _values(truth, "DEATHS_U5", sex="_T")
    children = _values(truth, "POP_CHILD", sex="_T", area="_T", age="Y0T17")
    assert births[("KZ", 2017)] == pytest.approx(390_000, rel=0.01)
    assert infant[("KZ", 2017)] / births[("KZ", 2017)] * 1000 == pytest.approx(9, abs=0.5)
    assert under5[("KZ", 2017)] / births[("KZ", 2017)] * 1000 == pytest.approx(10, abs=0.7)
    assert children[("KZ", 2018)] == pytest.approx(5_800_000, rel=0.02)
    national = children.xs("KZ").sort_index()
    growth = national.pct_change().dropna()
    assert growth.between(0.01, 0.05).all(), "the child population grows smoothly"


def test_small_counts_are_small_and_symbols_are_sprinkled(edition) -> None:
    _, _, _, truth = edition
    regional = truth[truth["ref_area"] != "KZ"]
    suicides = regional[regional["indicator"] == "SUICIDE_ADOL"]["value"].dropna()
    assert suicides.max() <= 30 and (suicides <= 3).any()
    sexual_boys = regional[(regional["indicator"] == "CHILD_VICTIMS") & (regional["crime_type"] == "SEXUAL") & (regional["sex"] == "M")]
    assert sexual_boys["value"].dropna().max() <= 20
    offenders = truth[(truth["indicator"] == "JUV_OFFENDERS") & (truth["age"] == "Y14T17") & (truth["ref_area"] == "KZ")]
    girls = offenders[offenders["sex"] == "F"].set_index("time_period")["value"]
    assert (girls / offenders[offenders["sex"] == "_T"].set_index("time_period")["value"]).between(0.03, 0.12).all()
    assert (truth["obs_conf"] == "C").sum() >= 7, "a few confidential cells every year"
    assert (truth["obs_status"] == "M").sum() >= 7, "a few not-available cells every year"
    assert (truth["value"] == 0).sum() > 0, "true zeros"


BREAKDOWNS = ["sex", "age", "area", "flow", "crime_type", "wealth_quintile"]  # a figure's dimensions besides indicator, region, year


def _additive_breaks(counts: pd.DataFrame, dim: str, total: str, parts: list[str], name: str) -> list[str]:
    """Where the parts of a dimension (boys and girls, urban and rural, ...) do not add up to its total."""
    rest = [c for c in ["indicator", "ref_area", "time_period", *BREAKDOWNS] if c != dim]
    wide = counts[counts[dim].isin([total, *parts])].set_index([*rest, dim])["value"].unstack(dim)
    wide = wide.reindex(columns=[total, *parts]).dropna()
    bad = wide[(wide[parts].sum(axis=1) - wide[total]).abs() > 1e-9]
    return [f"{name}: {idx}" for idx in bad.index[:5]]


def _breakdown_sum_breaks(counts: pd.DataFrame) -> list[str]:
    """Every breakdown that should add up to its total: sexes, areas, single ages, age groups, migration flows."""
    indicator = counts["indicator"]
    return [
        *_additive_breaks(counts, "sex", "_T", ["M", "F"], "boys + girls = total"),
        *_additive_breaks(counts, "area", "_T", ["U", "R"], "urban + rural = all"),
        *_additive_breaks(counts[indicator == "POP_CHILD"], "age", "Y0T17", [f"Y{a}" for a in range(18)], "single ages"),
        *_additive_breaks(counts[indicator == "DISAB_CHILD"], "age", "Y0T17", ["Y0T6", "Y7T14", "Y15T17"], "age groups"),
        *_additive_breaks(counts[indicator == "JUV_OFFENDERS"], "age", "Y14T17", ["Y14T15", "Y16T17"], "age groups"),
        *_additive_breaks(counts[indicator.str.startswith("MIG_")], "flow", "_T", ["INTERNAL", "CIS", "OTHER"], "migration flows"),
    ]


def _regional_sum_breaks(counts: pd.DataFrame) -> list[str]:
    """Every year shows exactly the regions valid in it (and KZ), and the national figure is the sum of the regions'."""
    out: list[str] = []
    lists = load_codelists()
    regional = counts[~counts["indicator"].isin(["JUV_PENAL", "JUV_PRETRIAL", "UASC"])]
    for year, frame in regional.groupby("time_period"):
        valid = set(lists.regions_valid_in(int(year)))
        assert set(frame["ref_area"]) == valid | {"KZ"}, year
        wide = frame.set_index(["indicator", *BREAKDOWNS, "ref_area"])["value"].unstack("ref_area").dropna()
        bad = wide[(wide[sorted(valid)].sum(axis=1) - wide["KZ"]).abs() > 1e-9]
        out.extend(f"national = sum of regions {year}: {idx}" for idx in bad.index[:5])
    return out


def _part_of_whole_breaks(truth: pd.DataFrame) -> list[str]:
    """Every figure that is part of another is at most that one; internal arrivals equal departures nationally."""
    out: list[str] = []

    def value(indicator: str, **dims_: str) -> pd.Series:
        return _values(truth, indicator, **{"sex": "_T", **dims_})

    def at_most(part: pd.Series, whole: pd.Series, name: str) -> None:
        both = pd.concat([part, whole], axis=1, keys=["part", "whole"]).dropna()
        out.extend(f"{name}: {idx}" for idx in both[both["part"] > both["whole"]].index[:5])

    at_most(value("PRESCHOOL_ENROL"), value("PRESCHOOL_POP"), "enrolled ≤ children 3-6")
    at_most(value("SEN_HOME"), value("SEN_CHILD"), "home-schooled ≤ SEN")
    at_most(value("SCHOOLS_INCL"), value("SCHOOLS"), "inclusive ≤ schools")
    at_most(value("DEATHS_INFANT"), value("DEATHS_U5"), "deaths under 1 ≤ under 5")
    at_most(value("TSA_FAMILIES"), value("TSA_CHILD"), "families ≤ children")
    npc = sum(value(i).fillna(0) for i in ("NPC_RESID", "NPC_GUARD", "NPC_FOSTER", "ADOPTED"))
    at_most(npc, value("NPC_CHILD"), "NPC of whom ≤ total")
    for sex in ("_T", "M", "F"):
        violent_sexual = value("CHILD_VICTIMS", sex=sex, crime_type="VIOLENT") + value("CHILD_VICTIMS", sex=sex, crime_type="SEXUAL")
        at_most(violent_sexual, value("CHILD_VICTIMS", sex=sex, crime_type="_T"), f"violent + sexual ≤ all ({sex})")
        arrivals = value("MIG_ARRIVALS", sex=sex, flow="INTERNAL").xs("KZ")
        departures = value("MIG_DEPARTURES", sex=sex, flow="INTERNAL").xs("KZ")
        if not arrivals.equals(departures):
            out.append(f"internal arrivals = departures nationally ({sex})")
    return out


def _percentage_breaks(truth: pd.DataFrame) -> list[str]:
    """The reported coverage is enrolled / children × 100 rounded half up; every percentage shown is within 0-100."""
    enrolled = _values(truth, "PRESCHOOL_ENROL", sex="_T").astype("int64")
    children = _values(truth, "PRESCHOOL_POP", sex="_T").astype("int64")
    computed = ((2 * enrolled * 1000 + children) // (2 * children)) / 10  # rounded half up to one decimal
    coverage = _values(truth, "PRESCHOOL_COVERAGE_REPORTED", sex="_T")
    out = [f"coverage = enrolled / children × 100: {idx}" for idx in coverage.index if abs(coverage[idx] - computed[idx]) > 1e-9]
    percents = truth[
        truth["indicator"].isin(["POVERTY_CHILD_RATE", "PRESCHOOL_COVERAGE_REPORTED"])
        | ((truth["form"] == "F-MICS-1") & ~truth["check_only"])
    ]
    shown = percents["value"].dropna()
    out.extend(f"percentage out of 0-100: {r}" for r in shown[~shown.between(0, 100)].index[:5])
    return out


def _breaks(truth: pd.DataFrame) -> list[str]:
    """Every break of the consistency rules at the end of FORMS.md (figures not shown are skipped)."""
    counts = truth[(truth["form"] != "F-MICS-1") & ~truth["indicator"].isin(["POVERTY_CHILD_RATE", "PRESCHOOL_COVERAGE_REPORTED"])]
    assert (counts["value"].dropna() >= 0).all(), "counts ≥ 0"
    return [*_breakdown_sum_breaks(counts), *_regional_sum_breaks(counts), *_part_of_whole_breaks(truth), *_percentage_breaks(truth)]


def test_the_truth_keeps_every_consistency_rule(edition) -> None:
    _, _, _, truth = edition
    breaks = _breaks(truth)
    assert not breaks, "\n".join(breaks[:40])


def test_forms_and_truth_cover_the_same_indicators() -> None:
    truth = demo_truth([2019], DEFAULT_SEED)
    specs = load_forms()
    for code in FORM_CODES:
        published = set(truth[(truth["form"] == code) & ~truth["check_only"]]["indicator"])
        assert published == specs[code].indicators(), code
        assert FORMS_BY_CODE[code].code == code
