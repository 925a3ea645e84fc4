"""A rebuild after one corrected workbook protects again only the year that changed, and gives the edition a full
rebuild of the same workbooks gives: every store table (staff and public), CSV, SDMX file and workbook cell
(yearbook/disclosure/carry_over.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from yearbook_demo.corrections import bump_school_count, published_value

from tests.conftest import ROOT
from tests.edition_diff import differences
from yearbook.config import default_internal, schemas_dir
from yearbook.disclosure import load_policy
from yearbook.disclosure.carry_over import YEARS_TABLE, fingerprint, protect_years, year_digests
from yearbook.model import KEY
from yearbook.store import INTERNAL_STORE_NAME, STORE_NAME

CARRIED = re.compile(r"disclosure control of (.+) carried over")
READ = re.compile(r"workbook\(s\) unchanged since they were read, not read again; (\d+) read")


def _build(raw: Path, out: Path, *flags: str) -> tuple[list[str], int | None]:
    """``yearbook build`` of ``raw`` into ``out``; the years whose protection it carried over, and how many workbooks
    it read when it took the others as they were read before (None: it read every one)."""
    run = subprocess.run(
        [sys.executable, "-m", "yearbook.cli", "build", "--raw", str(raw), "--out", str(out), "--no-pdf", *flags],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    found, read = CARRIED.search(run.stderr), READ.search(run.stderr)
    return (found.group(1).split(", ") if found else []), (int(read.group(1)) if read else None)


@pytest.mark.slow
def test_a_rebuild_after_one_corrected_workbook_is_the_full_rebuild(tmp_path: Path) -> None:
    raw = shutil.copytree(ROOT / "raw", tmp_path / "raw")
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    assert _build(raw, incremental) == ([], None)  # nothing published or read before: every year read and protected
    for folder in (incremental, default_internal(incremental)):  # the same first edition on both sides
        shutil.copytree(folder, full if folder == incremental else default_internal(full), symlinks=True)

    change = bump_school_count(raw, 2019)
    carried, read = _build(raw, incremental)
    assert "2019" not in carried and {"2016", "2018", "2020", "2022"} <= set(carried) and read == 1  # the corrected workbook
    assert _build(raw, full, "--full") == ([], None)

    assert list(differences(incremental, full)) == []
    assert list(differences(default_internal(incremental), default_internal(full))) == []
    assert published_value(incremental, change) == change.value
    with duckdb.connect(str(incremental / STORE_NAME), read_only=True) as con:  # a digest of unsuppressed figures: staff only
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [YEARS_TABLE]).fetchone() == (0,)


def _digests(frame: pd.DataFrame) -> dict[int, str]:
    with duckdb.connect() as con:
        con.execute("ATTACH ':memory:' AS internal")
        con.register("frame", frame)
        con.execute("CREATE TABLE internal.observations AS SELECT * FROM frame")
        return year_digests(con)


def test_a_year_digest_changes_with_any_figure_it_covers_and_only_that_year() -> None:
    """What protection reads of a year -- a figure's key, value, code, a figure more -- changes its digest, and no
    other year's; the schemas' and the code's fingerprint are in every digest."""
    key = dict.fromkeys(KEY, "_T") | {"indicator": "JUV_OFFENDERS", "ref_area": "KZ-11"}
    frame = pd.DataFrame(
        [key | {"time_period": year, "value": value, "obs_conf": "F"} for year in (2018, 2019) for value in (3.0,)]
        + [key | {"time_period": 2019, "ref_area": "KZ-15", "value": None, "obs_conf": "C"}]
    )
    before = _digests(frame)
    assert set(before) == {2018, 2019}
    changes = {
        "a value": frame.assign(value=[3.0, 4.0, None]),
        "a code": frame.assign(obs_conf=["F", "F", "M"]),
        "a key": frame.assign(sex=["_T", "F", "_T"]),
        "a figure more": pd.concat([frame, frame.iloc[[1]].assign(ref_area="KZ-19")], ignore_index=True),
        "a missing value given": frame.assign(value=[3.0, 3.0, 0.0]),
    }
    for what, changed in changes.items():
        after = _digests(changed)
        assert after[2018] == before[2018], what
        assert after[2019] != before[2019], what
    assert len(fingerprint()) == 64


def test_the_fingerprint_follows_the_schemas_a_process_reads_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds of one process with a threshold changed between them: the second must protect every year again; a
    code list behind a linked folder counts too."""
    schemas = shutil.copytree(schemas_dir(), tmp_path / "schemas")
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    first = fingerprint()
    policy = schemas / "disclosure.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("threshold: 10", "threshold: 12", 1), encoding="utf-8")
    second = fingerprint()
    assert second != first
    lists = shutil.move(schemas / "codelists", tmp_path / "codelists")
    (schemas / "codelists").symlink_to(lists, target_is_directory=True)
    assert fingerprint() == second
    regions = Path(lists) / "regions.csv"
    regions.write_text(regions.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert fingerprint() != second


def test_a_carried_year_that_shows_a_small_count_is_protected_again() -> None:
    """The staff store of the edition before changed by hand (a small count's row deleted from disclosure_cells): the
    year is not carried over but protected again, and the count is hidden."""
    key = dict.fromkeys(KEY, "_T") | {"indicator": "JUV_OFFENDERS", "ref_area": "KZ-11", "time_period": 2018}
    reported = pd.DataFrame([key | {"value": 3.0, "obs_conf": "F"}, key | {"ref_area": "KZ-15", "value": 40.0, "obs_conf": "F"}])
    reported = reported.astype({"time_period": "int32"})
    nothing_hidden = pd.DataFrame(columns=[*KEY, "reason"])
    protected = protect_years(lambda year: reported[reported["time_period"] == year], load_policy(), {2018: "d"}, ([2018], nothing_hidden))
    assert protected.carried == []
    assert protected.hidden[["ref_area", "reason"]].values.tolist() == [["KZ-11", "primary"]]


def test_the_readmes_full_rebuild_config_is_the_jobs() -> None:
    """The YAML the README gives for a full rebuild from the UI names the options the job has, and both."""
    import dagster as dg
    import yaml

    from yearbook.definitions import build_yearbook_job, defs

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\*\*Add config\*\*.*?```yaml\n(.*?)```", readme, re.S)
    assert block, "the README gives the full rebuild's config"
    config = yaml.safe_load(block.group(1))
    full = {"carry_over": False}
    assert {op: c["config"] for op, c in config["ops"].items()} == {"raw_forms": full, "core_public_store": full}
    assert dg.validate_run_config(defs.resolve_job_def(build_yearbook_job.name), config)


def test_the_years_share_the_builds_time_budget_for_the_optimal_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each year protected gets what the years before it left of the budget: only time in the optimal model counts."""
    from yearbook.disclosure import carry_over
    from yearbook.disclosure.suppress import DisclosureResult

    budgets: list[float] = []

    def protect(figures: pd.DataFrame, policy, answers=None) -> DisclosureResult:
        budgets.append(policy.time_budget)
        nothing = pd.DataFrame(columns=[*KEY, "reason"])
        return DisclosureResult(figures, nothing, nothing, nothing, 0, 0, optimal_seconds=25.0)

    monkeypatch.setattr(carry_over, "protect", protect)
    monkeypatch.setenv("YEARBOOK_WORKERS", "1")  # in this process, where protect is replaced (workers side by side: test_workers)
    policy = load_policy()
    carry_over.protect_years(lambda year: pd.DataFrame(), policy, {2016: "a", 2017: "b", 2018: "c", 2019: "d"}, ([], None))
    assert budgets == [policy.time_budget, policy.time_budget - 25, policy.time_budget - 50, max(0.0, policy.time_budget - 75)]


def test_a_linked_table_met_again_unchanged_takes_its_answer_and_a_changed_one_is_solved(
    demo_edition: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The optimal model's answers kept by table (optimal.TableQuestion.digest): protecting the demo's 2022 again with the
    answers of a first protection solves no table and hides the same figures; with one figure of a table withheld,
    exactly that table is solved again, and the outcome is a protection from scratch's; under other code, none is
    taken; a kept answer that does not protect its table, or names cells it cannot hide, is solved again."""
    from yearbook.disclosure import suppress
    from yearbook.disclosure.optimal import Answers

    _, internal = demo_edition
    with duckdb.connect(str(internal / INTERNAL_STORE_NAME), read_only=True) as con:
        figures = con.execute(f"SELECT {', '.join(KEY)}, value, obs_conf FROM observations WHERE time_period = 2022").df()
    policy, salt = load_policy(), fingerprint()
    first = suppress.protect(figures, policy, answers=Answers(salt))
    assert len(first.answers) >= 2, "the demo's 2022 has several linked tables the optimal model answers"

    solved: list[int] = []
    solve = suppress.choose_complements

    def counted(question, time_limit):
        solved.append(len(question.table.cells))
        return solve(question, time_limit)

    monkeypatch.setattr(suppress, "choose_complements", counted)
    again = suppress.protect(figures, policy, answers=Answers(salt, first.answers))
    assert solved == [] and again.answers == first.answers
    pd.testing.assert_frame_equal(again.hidden, first.hidden)

    offenders = figures.index[(figures["indicator"] == "JUV_OFFENDERS") & (figures["value"] > 100)][0]
    changed = figures.copy()
    changed.loc[offenders, "obs_conf"] = "C"  # the ministry withholds one more figure of that table (the sums still hold)
    kept = suppress.protect(changed, policy, answers=Answers(salt, first.answers))
    assert len(solved) == 1 and len(set(kept.answers) - set(first.answers)) == 1
    solved.clear()
    scratch = suppress.protect(changed, policy, answers=Answers(salt))
    assert len(solved) == len(first.answers)
    pd.testing.assert_frame_equal(kept.hidden, scratch.hidden)
    assert kept.answers == scratch.answers
    solved.clear()
    suppress.protect(figures, policy, answers=Answers("the fingerprint of other code", first.answers))
    assert len(solved) == len(first.answers), "answers kept under other code are never taken"

    needed = next(digest for digest, cells in first.answers.items() if cells)  # a table whose answer hides something
    for spoilt in [(), (100000,), (-1,), (*first.answers[needed], 100000)]:  # a staff store changed by hand
        solved.clear()
        again = suppress.protect(figures, policy, answers=Answers(salt, first.answers | {needed: spoilt}))
        assert len(solved) == 1, f"a kept answer {spoilt} that is none of the table's is not taken"
        pd.testing.assert_frame_equal(again.hidden, first.hidden)
