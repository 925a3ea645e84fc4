"""Statistical disclosure control: primary and secondary suppression, and the verifier that proves it.

The demo edition (raw/, 2016-2022) is built into a store once per module; its observations are the
internal (unsuppressed) figures. The 2018 sample submission has Karaganda's suicides of boys and
girls withheld by the ministry ('x') with the total given -- recoverable by subtraction unless
secondary suppression protects them.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLES
from yearbook.disclosure import (
    DisclosureError,
    DisclosurePolicy,
    DisclosureResult,
    cell_intervals,
    check_protection,
    derived_leaks,
    protect,
    recoverable_figures,
    verify,
)
from yearbook.disclosure.__main__ import main as audit
from yearbook.disclosure.policy import EQ, Protection, RelationSpec
from yearbook.disclosure.relations import CellSystem, Relation, build_system
from yearbook.disclosure.suppress import _publish_unneeded
from yearbook.disclosure.verify import KNOWN, SUPPRESSED, IntervalSolver, cell_status, derived_of_hidden, recoverable
from yearbook.model import KEY
from yearbook.problems import problems_frame
from yearbook.store import BuildRecord, build_store
from yearbook.submissions import discover, figures_frame, read_submission
from yearbook.validation.rules import Case

PROJECT_RAW = ROOT / "raw"
SMALL_TABLES = ["SUICIDE_ADOL", "CHILD_VICTIMS", "JUV_OFFENDERS"]  # sensitive, with small counts in the demo
NO_SMALL_COUNTS = ["JUV_PENAL", "JUV_PRETRIAL", "UASC", "ADOPTED", "DISAB_CHILD"]  # sensitive, every count >= 10


def _build(raw: Path, out: Path) -> Path:
    """Build a store from ``raw`` (reader + harmonization SQL, no validation gate): the internal, unsuppressed store."""
    files, _ = discover(raw)
    subs = [read_submission(f) for f in files]
    inventory = pd.DataFrame([{"file": s.file.relpath, "year": s.file.year, "form": s.form, "sha256": s.file.sha256} for s in subs])
    store = out / "yearbook.duckdb"
    build_store(store, [figures_frame(subs)], BuildRecord(inventory, problems_frame([]), "test-disclosure"))
    return store


def _observations(store: Path) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT * FROM observations").df()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    raw = PROJECT_RAW
    if not any(raw.glob("20*/")):  # a clone without the demo edition: write it
        from yearbook_demo import write_demo_edition

        raw = tmp_path_factory.mktemp("demo") / "raw"
        write_demo_edition(raw)
    return _observations(_build(raw, tmp_path_factory.mktemp("demo_store")))


@pytest.fixture(scope="module")
def demo_protected(demo: pd.DataFrame, policy: DisclosurePolicy) -> DisclosureResult:
    return protect(demo, policy)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(SAMPLES, tmp_path_factory.mktemp("sample_store"))


@pytest.fixture(scope="module")
def sample_2018(sample_store: Path) -> pd.DataFrame:
    return _observations(sample_store)


def _hidden(frame: pd.DataFrame) -> pd.Series:
    return frame["obs_conf"] != "F"


# ---------------------------------------------------------------------------- the policy


def test_policy_declares_the_sensitive_indicators_and_reuses_the_validation_relations(policy: DisclosurePolicy) -> None:
    assert {"SUICIDE_ADOL", "CHILD_VICTIMS", "JUV_OFFENDERS", "JUV_PENAL", "JUV_PRETRIAL", "UASC", "ADOPTED"} <= policy.sensitive
    assert policy.risk_class("SUICIDE_ADOL").threshold == 5
    assert policy.risk_class("JUV_OFFENDERS").threshold == 10
    assert policy.risk_class("SUICIDE_ADOL").zeros_safe
    assert policy.risk_class("POP_CHILD").threshold == 0  # not sensitive: only the ministry's own 'x' are protected
    rules = {spec.rule for spec in policy.relations}
    assert {"sex_sum", "region_sum", "age_groups_sum", "migration_flow_sum", "victims_violent_sexual_le_all"} <= rules
    assert policy.derived_reads["MORT_INFANT_RATE"] == (("DEATHS_INFANT", {}), ("BIRTHS_LIVE", {}))
    assert policy.derived_reads["MIG_NET"] == (("MIG_ARRIVALS", {}), ("MIG_DEPARTURES", {}))
    assert policy.derived_reads["TSA_CHILD_SHARE"] == (("TSA_CHILD", {}), ("POP_CHILD", {"age": "Y0T17"}))


# ---------------------------------------------------------------------------- the demo edition


@pytest.mark.slow  # the demo edition's store
def test_primary_and_secondary_suppression_happen_on_the_demo_data(
    demo: pd.DataFrame, demo_protected: DisclosureResult, policy: DisclosurePolicy
) -> None:
    public = demo_protected.public
    summary = demo_protected.summary.set_index("indicator")
    for code in SMALL_TABLES:
        assert summary.loc[code, "primary"] > 0, code
        assert summary.loc[code, "secondary"] > 0, code
    for code in NO_SMALL_COUNTS:
        assert code not in summary.index or summary.loc[code, ["primary", "secondary"]].sum() == 0, code

    assert set(public["obs_conf"]) == {"F", "C"}  # one code for every hidden figure, whatever the reason
    internal = demo.loc[public.index]
    reason = _reasons(demo_protected, public)
    primary = reason.eq("primary")
    thresholds = public["indicator"].map(lambda c: policy.risk_class(c).threshold)
    assert ((internal["value"][primary] > 0) & (internal["value"][primary] < thresholds[primary])).all()
    small = internal["indicator"].isin(policy.sensitive) & (internal["value"] > 0) & (internal["value"] < thresholds)
    assert reason[small].eq("primary").all()  # every small count is confidential
    assert reason.notna().eq(_hidden(public)).all()  # every hidden figure has its reason for staff, and only those
    assert public["value"][_hidden(public)].isna().all()  # value NULL when hidden
    shown = ~_hidden(public)
    assert public["value"][shown].equals(internal["value"][shown])  # nothing else changes
    assert not (reason.eq("secondary") & (public["ref_area"] == "KZ")).any()  # no national total hidden as a complement
    assert (public[KEY].to_numpy() == demo[KEY].to_numpy()).all()  # same rows, same order


def _reasons(result: DisclosureResult, frame: pd.DataFrame) -> pd.Series:
    """The staff reason of each row of ``frame`` (None where shown)."""
    merged = frame[KEY].merge(result.hidden, on=KEY, how="left")
    return merged["reason"].astype(object).where(merged["reason"].notna(), None).set_axis(frame.index)


def test_the_verifier_proves_no_hidden_figure_is_recoverable(
    demo: pd.DataFrame, demo_protected: DisclosureResult, policy: DisclosurePolicy
) -> None:
    public = demo_protected.public
    result = verify(public, policy)
    assert result.ok, result.protection.report()
    intervals = result.intervals
    hidden_reported = _hidden(public) & public["indicator"].map(policy.forms).ne("derived")
    assert len(intervals) == int(hidden_reported.sum())  # every hidden figure has its interval
    assert set(intervals["indicator"]) == set(SMALL_TABLES)
    assert intervals["reason"].isna().all()  # a public frame: the verifier does not know why a figure is hidden
    might_be_small = intervals[intervals["lower"] < intervals["indicator"].map(lambda c: policy.risk_class(c).threshold)]
    assert (might_be_small["width"] >= might_be_small["required"]).all() and (might_be_small["width"] >= 4).all()
    assert not intervals["recoverable"].any()
    # the true value lies in its interval (the LPs model the tables correctly)
    truth = intervals.merge(demo[[*KEY, "value"]], on=KEY, how="left")["value"]
    known = truth.notna()
    assert ((truth[known] >= intervals["lower"][known] - 1e-6) & (truth[known] <= intervals["upper"][known] + 1e-6)).all()
    assert derived_leaks(public, policy).empty


def test_whole_number_intervals_of_the_three_way_table_are_no_narrower(demo_protected: DisclosureResult, policy: DisclosurePolicy) -> None:
    """age x sex x region is not a two-way table, whose LP bounds are whole numbers anyway: a reader solving over
    whole numbers (MILP) could in principle narrow an interval. On the demo edition (two years of it) they cannot."""
    public = demo_protected.public
    offenders = public[(public["indicator"] == "JUV_OFFENDERS") & public["time_period"].isin([2018, 2022])]
    lp = cell_intervals(offenders, policy)
    whole = cell_intervals(offenders, policy, integer=True)
    assert len(lp) > 100
    assert np.allclose(lp[["lower", "upper"]], whole[["lower", "upper"]])
    assert check_protection(whole)


def test_primary_suppression_alone_is_caught_by_the_verifier(demo: pd.DataFrame, policy: DisclosurePolicy) -> None:
    """Without secondary suppression, most small counts can be recomputed from the totals."""
    naive = demo[demo["indicator"] == "SUICIDE_ADOL"].copy()
    small = (naive["value"] > 0) & (naive["value"] < 5)
    naive.loc[small, ["obs_conf", "value"]] = ["C", np.nan]
    intervals = cell_intervals(naive, policy)
    found = recoverable_figures(intervals)
    assert len(found) > 0 and not check_protection(intervals)
    truth = found.merge(demo[[*KEY, "value"]], on=KEY)
    assert (truth["lower"].round() == truth["value"]).all()  # recomputed exactly


# ---------------------------------------------------------------------------- a hand-made table


REGIONS = ("KZ-11", "KZ-15", "KZ-19")


def _table(rows: dict[str, tuple[float, float, float]], indicator: str = "SUICIDE_ADOL") -> pd.DataFrame:
    """A region x sex table (boys, girls, total) of one indicator in one year."""
    records = [
        {
            "indicator": indicator,
            "ref_area": area,
            "time_period": 2018,
            "sex": sex,
            "age": "_T",
            "area": "_T",
            "flow": "_T",
            "crime_type": "_T",
            "wealth_quintile": "_T",
            "value": float(v),
            "unit": "NUM",
            "obs_status": "A",
            "obs_conf": "F",
            "source_file": None,
            "source_sheet": None,
            "source_cell": None,
        }
        for area, values in rows.items()
        for sex, v in zip(("M", "F", "_T"), values, strict=True)
    ]
    return pd.DataFrame(records)


def _small_policy(policy: DisclosurePolicy, min_width: float | None = None) -> DisclosurePolicy:
    """The real policy, with the table's structure: boys + girls = total, three regions = KZ."""
    relations = (
        RelationSpec(EQ, "sex_sum", Case(axis="sex", total="_T", parts=("M", "F"))),
        RelationSpec(EQ, "region_sum", Case(axis="ref_area", total="KZ", parts=REGIONS)),
    )
    classes = policy.classes
    if min_width is not None:
        classes = classes | {"health": dataclasses.replace(classes["health"], protection=Protection(min_width, 0.25))}
    return dataclasses.replace(policy, relations=relations, classes=classes)


def _why(result: DisclosureResult) -> dict[tuple[str, str], str | None]:
    """(region, sex) -> why the figure is hidden (None: shown)."""
    reason = _reasons(result, result.public)
    return {(r.ref_area, r.sex): reason[i] for i, r in zip(result.public.index, result.public.itertuples(), strict=True)}


def test_a_single_suppression_is_recoverable_and_secondary_suppression_fixes_it(policy: DisclosurePolicy) -> None:
    small = _small_policy(policy)
    table = _table({"KZ-11": (1, 20, 21), "KZ-15": (30, 25, 55), "KZ-19": (40, 35, 75), "KZ": (71, 80, 151)})
    naive = table.copy()
    naive.loc[(naive["ref_area"] == "KZ-11") & (naive["sex"] == "M"), ["obs_conf", "value"]] = ["C", np.nan]
    before = cell_intervals(naive, small)
    assert before[["lower", "upper"]].values.tolist() == [[1.0, 1.0]]  # 21 - 20
    assert len(recoverable_figures(before)) == 1

    result = protect(table, small)
    why = _why(result)
    assert why[("KZ-11", "M")] == "primary"
    # the row (girls, the smallest published figure with room) and the columns (Aktobe, the smallest region) get complements
    assert {k for k, v in why.items() if v == "secondary"} == {("KZ-11", "F"), ("KZ-15", "M"), ("KZ-15", "F")}
    assert set(result.public["obs_conf"]) == {"F", "C"}
    after = cell_intervals(result.public, small)
    assert check_protection(after), check_protection(after).report()
    boys = after[(after["ref_area"] == "KZ-11") & (after["sex"] == "M")].iloc[0]
    assert (boys["lower"], boys["upper"]) == (0.0, 21.0)


def test_too_narrow_protection_is_widened_until_the_verifier_agrees(policy: DisclosurePolicy) -> None:
    """Two suppressed boys whose sum is published (66 - 60 = 6) cannot be wider than 6 apart: with a required
    width of 8 the verifier sends the table back for more complements, never the national total. (The heuristic: the
    optimal method finds the wider pattern at once, and the same loop is its safety net.)"""
    table = _table({"KZ-11": (2, 30, 32), "KZ-15": (4, 40, 44), "KZ-19": (60, 50, 110), "KZ": (66, 120, 186)})
    policy = dataclasses.replace(policy, method="heuristic")
    plain = protect(table, _small_policy(policy))
    assert plain.rounds == 1 and plain.intervals["upper"].max() <= 44
    assert set(plain.intervals.query("reason == 'primary'")["upper"]) == {6.0}

    strict = _small_policy(policy, min_width=8)
    result = protect(table, strict)
    assert result.rounds > 1
    assert check_protection(cell_intervals(result.public, strict))
    why = _why(result)
    assert all(why[("KZ", s)] is None for s in ("M", "F", "_T"))
    assert all(why[(r, "_T")] is None for r in REGIONS)  # widening guesses that were not needed are published again

    with pytest.raises(DisclosureError, match="not protected") as refused:  # no round to widen in: no public store is written
        protect(table, dataclasses.replace(strict, max_rounds=0))
    message = str(refused.value)  # a run's log never says where it lies, nor which is a small count
    assert "interval too narrow" in message and ".." not in message and "primary" not in message


@pytest.mark.parametrize("seed", range(20))
def test_unneeded_complements_are_published_as_one_at_a_time_would(seed: int) -> None:
    """Publishing unneeded widening complements in runs, halving a run that fails, must end where publishing them one at
    a time (latest first) ends, for any check that is monotone in what is hidden -- as protection is."""
    rng = np.random.default_rng(seed)
    cells = [int(c) for c in rng.permutation(40)[:24]]
    needs = [set(rng.choice(40, size=3, replace=False).tolist()) for _ in range(int(rng.integers(0, 6)))]

    def passes(status: np.ndarray) -> bool:  # each need: one of its cells hidden (monotone)
        return all(any(status[c] == SUPPRESSED for c in need) for need in needs)

    start = np.full(40, SUPPRESSED, dtype=np.int8)
    one_at_a_time = start.copy()
    for cell in cells:
        one_at_a_time[cell] = KNOWN
        if not passes(one_at_a_time):
            one_at_a_time[cell] = SUPPRESSED
    status, checks = start.copy(), []
    _publish_unneeded(cells, status, lambda: checks.append(1) or passes(status))
    assert status.tolist() == one_at_a_time.tolist()
    if not needs:
        assert len(checks) == 1  # every complement published again at once


# ---------------------------------------------------------------------------- the ministry's own 'x'


def test_ministry_withheld_cells_of_the_2018_sample_become_protected(sample_2018: pd.DataFrame, policy: DisclosurePolicy) -> None:
    karaganda = (sample_2018["indicator"] == "SUICIDE_ADOL") & (sample_2018["ref_area"] == "KZ-35")
    conf = dict(zip(sample_2018.loc[karaganda, "sex"], sample_2018.loc[karaganda, "obs_conf"], strict=True))
    assert conf == {"M": "C", "F": "C", "_T": "F"}
    before = recoverable_figures(cell_intervals(sample_2018, policy))
    recovered = before[(before["indicator"] == "SUICIDE_ADOL") & (before["ref_area"] == "KZ-35")]
    assert sorted(recovered["sex"]) == ["F", "M"]  # as published today: national boys minus the other regions' boys

    result = protect(sample_2018, policy)
    check = verify(result.public, policy)
    assert check.ok, check.protection.report()
    iv = check.intervals
    cells = iv[(iv["indicator"] == "SUICIDE_ADOL") & (iv["ref_area"] == "KZ-35")]
    assert sorted(cells["sex"]) == ["F", "M"]
    assert (cells["lower"] == 0).all() and (cells["upper"] == 5).all()  # anything from 0 to the published total 5
    assert (result.summary.set_index("indicator").loc["SUICIDE_ADOL", "ministry"]) == 2


def test_the_audit_command_reports_the_recoverable_cells_of_a_store(
    sample_store: Path, sample_2018: pd.DataFrame, policy: DisclosurePolicy, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert audit([str(sample_store)]) == 1
    out = capsys.readouterr().out
    assert "SUICIDE_ADOL 2018 KZ-35 sex=M" in out and "recoverable exactly (= 4)" in out

    public = tmp_path / "public.duckdb"
    with duckdb.connect(str(public)) as con:
        con.register("p", protect(sample_2018, policy).public)
        con.execute("CREATE TABLE observations AS SELECT * FROM p")
    assert audit([str(public)]) == 0
    assert "every hidden figure is protected" in capsys.readouterr().out

    changed = tmp_path / "changed.duckdb"  # a store changed after disclosure control: a small count shown, a value kept
    shutil.copy(public, changed)
    with duckdb.connect(str(changed)) as con:
        first, last = con.execute("SELECT min(rowid), max(rowid) FROM observations WHERE obs_conf = 'C'").fetchone()
        con.execute(f"UPDATE observations SET obs_conf = 'F', value = 2 WHERE rowid = {first}")
        con.execute(f"UPDATE observations SET value = 3 WHERE rowid = {last}")
    assert audit([str(changed)]) == 1
    out = capsys.readouterr().out
    assert "a small count shown: " in out and "a hidden figure with a value: " in out


def test_the_interval_shortcuts_agree_with_two_lps_per_cell(sample_2018: pd.DataFrame, policy: DisclosurePolicy) -> None:
    """The solver settles many bounds from feasible points of other LPs and solves small tables in batches; it must give
    what a min and a max LP per cell, each table alone, give."""
    public = protect(sample_2018, policy).public.reset_index(drop=True)
    system = build_system(public, policy)
    values, status = cell_status(public, system.n_cells)

    fast, slow = IntervalSolver(system, values), IntervalSolver(system, values)
    got, expected = fast.intervals(status), {}
    for cells, rel_ids in slow.components(status):  # two LPs per hidden cell, each table alone
        table = slow._table(cells, rel_ids)
        for cell in (c for c in cells if status[c] == SUPPRESSED):
            c = np.zeros(len(table.col))
            c[table.col[cell]] = 1.0
            expected[cell] = (slow.minimum(c, table, cell)[0], -slow.minimum(-c, table, cell)[0])
    assert got.keys() == expected.keys() and len(got) > 50
    for cell, (lo, hi) in expected.items():
        assert got[cell] == pytest.approx((max(lo, 0.0), hi), abs=1e-6), system.key(cell)
    assert fast.lp_solved < slow.lp_solved / 2


def test_an_unbounded_figure_in_a_batch_of_tables_keeps_its_infinite_maximum() -> None:
    """Small tables are solved in one LP with every cell capped; a maximum at the cap is asked of its table alone."""
    eq = [Relation(EQ, "total", 0, (1, 2)), Relation(EQ, "total", 3, (4, 5))]  # 0 = 1 + 2 (1 known); 3 = 4 + 5 (3 known)
    system = CellSystem([("X", str(c)) for c in range(6)], 6, eq, [[0], [0], [0], [1], [1], [1]])
    values = np.array([np.nan, 5.0, np.nan, 10.0, np.nan, np.nan])
    status = np.array([SUPPRESSED, KNOWN, SUPPRESSED, KNOWN, SUPPRESSED, SUPPRESSED], dtype=np.int8)
    solver = IntervalSolver(system, values)
    assert [len(b.tables) for b in solver._batches([solver._table(c, r) for c, r in solver.components(status)])] == [2]
    assert solver.intervals(status) == {0: (5.0, math.inf), 2: (0.0, math.inf), 4: (0.0, 10.0), 5: (0.0, 10.0)}


@pytest.mark.slow
def test_batches_solved_in_threads_give_what_one_thread_gives(demo: pd.DataFrame, policy: DisclosurePolicy, monkeypatch) -> None:
    """Many small batches, runs of three, at most three LPs kept loaded: the threads' timing must change nothing, not
    even which feasible points were seen (the intervals) or how many LPs were solved."""
    solver_module = importlib.import_module("yearbook.disclosure.verify")  # the package exports a function of that name
    monkeypatch.setattr(solver_module, "BATCH_COLUMNS", 16)
    monkeypatch.setattr(solver_module, "LPS_LOADED", 3)
    results = []
    for threads in (1, 2, 2):
        monkeypatch.setattr(solver_module, "SOLVER_THREADS", threads)
        results.append(protect(demo, policy))
    one = results[0]
    assert one.lp_solved > 100 and (one.hidden["reason"] == "secondary").any()
    for other in results[1:]:
        pd.testing.assert_frame_equal(other.public, one.public)
        pd.testing.assert_frame_equal(other.intervals, one.intervals)
        assert other.lp_solved == one.lp_solved


def test_suppression_is_deterministic_whatever_the_row_order(sample_2018: pd.DataFrame, policy: DisclosurePolicy) -> None:
    first = protect(sample_2018, policy)
    shuffled = sample_2018.sample(frac=1.0, random_state=7)
    second = protect(shuffled, policy)
    assert first.public["obs_conf"].equals(second.public.loc[first.public.index, "obs_conf"])
    assert _reasons(first, sample_2018).equals(_reasons(second, sample_2018))


# ---------------------------------------------------------------------------- derived indicators


def test_a_share_of_an_input_read_at_fixed_coordinates_is_hidden_with_it(demo: pd.DataFrame, policy: DisclosurePolicy) -> None:
    """The child population 0-17 (age Y0T17) of KZ-11 withheld in 2020: the share of children covered by TSA (age _T)
    there is hidden; a withheld single year of age (Y5) hides no share."""
    frame = demo[demo["indicator"].isin(["TSA_CHILD", "POP_CHILD", "TSA_CHILD_SHARE"])].reset_index(drop=True)
    where = (frame["ref_area"] == "KZ-11") & (frame["time_period"] == 2020) & (frame["sex"] == "_T") & (frame["area"] == "_T")
    pop = frame["indicator"] == "POP_CHILD"
    share = where & (frame["indicator"] == "TSA_CHILD_SHARE")
    assert share.sum() == 1
    hidden = (where & pop & (frame["age"] == "Y5")).to_numpy()
    assert not derived_of_hidden(frame, hidden, policy).any()
    hidden = (where & pop & (frame["age"] == "Y0T17")).to_numpy()
    assert derived_of_hidden(frame, hidden, policy).tolist() == share.tolist()


def test_derived_figures_of_hidden_inputs_are_hidden(demo: pd.DataFrame, policy: DisclosurePolicy) -> None:
    """A ministry withholds Aktobe's infant deaths of boys and girls in 2020: the complements in other regions
    are hidden too, and so is their infant mortality rate -- rate x births would give the deaths back."""
    frame = demo[demo["indicator"].isin(["DEATHS_INFANT", "BIRTHS_LIVE", "MORT_INFANT_RATE"])].copy()
    withheld = (frame["ref_area"] == "KZ-15") & (frame["time_period"] == 2020) & frame["sex"].isin(["M", "F"])
    frame.loc[withheld & (frame["indicator"] == "DEATHS_INFANT"), ["obs_conf", "value"]] = ["C", np.nan]
    frame.loc[withheld & (frame["indicator"] == "MORT_INFANT_RATE"), ["obs_status", "value"]] = ["M", np.nan]  # as the SQL does
    assert derived_leaks(frame, policy).empty  # the rates of the withheld inputs are missing already

    result = protect(frame, policy)
    public = result.public
    summary = result.summary.set_index("indicator")
    assert summary.loc["DEATHS_INFANT", "ministry"] == 2 and summary.loc["DEATHS_INFANT", "secondary"] >= 2
    assert summary.loc["MORT_INFANT_RATE", "derived"] == summary.loc["DEATHS_INFANT", "secondary"]
    reason = _reasons(result, public)
    deaths_hidden = public[(public["indicator"] == "DEATHS_INFANT") & reason.eq("secondary")]
    rates = public[public["indicator"] == "MORT_INFANT_RATE"].merge(deaths_hidden[KEY[1:]], on=KEY[1:])
    assert (rates["obs_conf"] == "C").all() and rates["value"].isna().all()
    assert verify(public, policy).ok

    leaky = public.copy()
    again = leaky.index[(leaky["indicator"] == "MORT_INFANT_RATE") & reason.eq("derived")][0]
    leaky.loc[again, ["obs_conf", "value"]] = ["F", demo.loc[again, "value"]]
    assert len(derived_leaks(leaky, policy)) == 1


def test_intervals_proven_by_feasible_points_decide_as_the_exact_ones(demo_protected: DisclosureResult, policy: DisclosurePolicy) -> None:
    """protect() checks a hidden figure by the range it takes over feasible points of its table, solving for its own min
    and max only when that range does not already show it protected: the range must lie inside the exact interval, and
    the verdict must be the exact one's. Checked on the demo's public figures with a tightened policy (width 12), so
    that the range alone decides some figures and not others."""
    public = demo_protected.public.reset_index(drop=True)
    wider = Protection(12, 0.25)
    strict = dataclasses.replace(policy, classes={n: dataclasses.replace(c, protection=wider) for n, c in policy.classes.items()})
    system = build_system(public, strict)
    values, status = cell_status(public, system.n_cells)
    indicator = public["indicator"].to_numpy()

    def protected(cell: int, lo: float, hi: float) -> bool:
        return not recoverable(lo, hi) and hi - lo + 1e-6 >= strict.risk_class(indicator[cell]).protection.required(hi)

    exact = IntervalSolver(system, values).intervals(status)
    solver = IntervalSolver(system, values)
    proven = solver.proven_intervals(status, None, enough=protected)
    assert proven.keys() == exact.keys() and len(exact) > 500
    for cell, (lo, hi) in proven.items():
        assert exact[cell][0] - 1e-6 <= lo <= hi <= exact[cell][1] + 1e-6, system.key(cell)
        assert protected(cell, lo, hi) == protected(cell, *exact[cell]), system.key(cell)
    decided_by_points = sum(proven[c] != exact[c] for c in exact)
    assert 0 < decided_by_points and solver.lp_solved < len(exact)


# ---------------------------------------------------------------------------- optimal secondary suppression


def test_optimal_suppression_finds_the_optimum_worked_out_by_hand(policy: DisclosurePolicy) -> None:
    """Akmola region's whole row is small (1 boy, 1 girl, 2 in all; threshold 5, width 4).

    By hand: each of the three columns (boys, girls, total) then holds one hidden figure, so each needs another,
    and a published figure lies in one column: at least three complements. Three complements one per column from
    different rows would leave those rows with one hidden figure each, so the three must make a whole row:
    Aktobe's (30, 20, 50), Almaty region's (30, 8, 38) or the national one (avoided). The cost is the number of
    figures, ties broken by value: Almaty region's row, 76 against 100. Its girls then range over 0..9 and
    Akmola's over 0..9 too (width 9 >= 4). The greedy heuristic, which takes the smallest figure with room in each
    relation, starts with Aktobe's boys for the boys' column and needs a fourth."""
    table = _table({"KZ-11": (1, 1, 2), "KZ-15": (30, 20, 50), "KZ-19": (30, 8, 38), "KZ": (61, 29, 90)})
    small = _small_policy(policy)
    result = protect(table, small)
    why = _why(result)
    assert {k for k, v in why.items() if v == "primary"} == {("KZ-11", "M"), ("KZ-11", "F"), ("KZ-11", "_T")}
    assert {k for k, v in why.items() if v == "secondary"} == {("KZ-19", "M"), ("KZ-19", "F"), ("KZ-19", "_T")}
    exact = cell_intervals(result.public, small).set_index(["ref_area", "sex"])
    assert check_protection(exact.reset_index())
    assert tuple(exact.loc[("KZ-11", "F"), ["lower", "upper"]]) == (0.0, 9.0)

    greedy = protect(table, dataclasses.replace(small, method="heuristic"))
    assert sum(v == "secondary" for v in _why(greedy).values()) == 4


def test_a_table_without_an_optimum_in_time_keeps_the_heuristics_answer(policy: DisclosurePolicy, caplog: pytest.LogCaptureFixture) -> None:
    table = _table({"KZ-11": (1, 1, 2), "KZ-15": (30, 20, 50), "KZ-19": (30, 8, 38), "KZ": (61, 29, 90)})
    small = _small_policy(policy)
    with caplog.at_level("WARNING", logger="yearbook.disclosure.suppress"):
        late = protect(table, dataclasses.replace(small, time_limit=0.0))
    assert "no answer for the linked table of SUICIDE_ADOL 2018: no proven optimum within 0 s" in caplog.text
    heuristic = protect(table, dataclasses.replace(small, method="heuristic"))
    assert _why(late) == _why(heuristic)
    assert check_protection(cell_intervals(late.public, small))
