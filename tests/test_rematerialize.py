"""Any asset re-materialized alone from Dagster: it reads the latest materialization of its inputs wherever it is now
(staged, or in a kept edition), and publishing assembles one edition from the latest part of each, never parts made
from different stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import openpyxl
import pytest
from yearbook.assets import ALL_ASSETS

from tests.conftest import ROOT
from tests.edition_diff import differences
from yearbook.command_runs import QUIET_LOGS
from yearbook.definitions import build_yearbook_job, defs
from yearbook.edition import EDITIONS, KEEP_EDITIONS, current_run, staging_dir
from yearbook.io_manager import year_partitioned_io_manager
from yearbook.resources import YearbookPaths
from yearbook.runs import run_every_year

pytestmark = pytest.mark.slow


@pytest.fixture
def built(samples_raw: Path, tmp_path: Path, instance: dg.DagsterInstance):
    """A Dagster instance on which the whole yearbook of the samples was built and published, and its folders."""
    paths = YearbookPaths(raw_dir=str(samples_raw), out_dir=str(tmp_path / "out"))
    first = run_every_year(defs.resolve_job_def(build_yearbook_job.name), paths, instance, QUIET_LOGS)
    assert first.success and current_run(paths.out) == first.run_id
    return instance, paths, first.run_id


def _materialize_alone(instance: dg.DagsterInstance, paths: YearbookPaths, asset: str) -> dg.ExecuteInProcessResult:
    resources = {"io_manager": year_partitioned_io_manager, "paths": paths}
    return dg.materialize(
        ALL_ASSETS, selection=[asset], instance=instance, resources=resources, raise_on_error=False, run_config=QUIET_LOGS
    )


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        f"{e.step_failure_data.error.message} {e.step_failure_data.error.cause.message if e.step_failure_data.error.cause else ''}"
        for e in result.all_events
        if e.is_step_failure
    )


def test_the_workbooks_re_materialized_alone_are_published_with_the_rest_of_the_edition(built) -> None:
    instance, paths, first = built
    workbooks = _materialize_alone(instance, paths, "out_yearbook_workbooks")
    assert workbooks.success, _failure(workbooks)
    assert current_run(paths.out) == first, "rendering alone publishes nothing"
    staged = paths.out / EDITIONS / f".staging-{workbooks.run_id}"
    assert sorted(p.name for p in staged.iterdir()) == ["codelists", "tables", "yearbook_en.xlsx", "yearbook_kk.xlsx", "yearbook_ru.xlsx"]

    published = _materialize_alone(instance, paths, "out_yearbook")
    assert published.success, _failure(published)
    assert current_run(paths.out) == current_run(paths.internal) == published.run_id
    edition = paths.out / EDITIONS / published.run_id
    assert (edition / "yearbook_en.xlsx").read_bytes() == (staged / "yearbook_en.xlsx").read_bytes(), "the workbooks rendered alone"
    assert not list(differences(paths.out / EDITIONS / first, edition)), "the same store gives the same edition"
    assert not list(differences(paths.internal / EDITIONS / first, paths.internal / EDITIONS / published.run_id))


def test_an_edition_is_never_assembled_from_parts_made_from_different_stores(built) -> None:
    instance, paths, first = built
    store = _materialize_alone(instance, paths, "core_public_store")
    assert store.success, _failure(store)
    refused = _materialize_alone(instance, paths, "out_yearbook")
    assert not refused.success
    message = _failure(refused)
    assert (
        f"out_yearbook_workbooks was made from the store of the run {first}, not from the store to publish (run {store.run_id})" in message
    )
    assert "materialize out_sdmx_export again" in message
    assert current_run(paths.out) == current_run(paths.internal) == first


def test_what_a_failed_run_staged_is_removed_when_an_edition_is_published(built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """core_public_store fails after its run staged the staff store (kept: the latest core_observations) and began the
    public one (removed when the next edition is published)."""
    instance, paths, first = built
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    (schemas / "disclosure.yaml").write_text("secondary: {method: guesswork}\n", encoding="utf-8")  # core_public_store fails
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    resources = {"io_manager": year_partitioned_io_manager, "paths": paths}
    failed = dg.materialize(
        ALL_ASSETS, selection=["core_observations", "core_public_store"], instance=instance, resources=resources, raise_on_error=False
    )
    assert not failed.success and staging_dir(paths.out, failed.run_id).is_dir()
    monkeypatch.delenv("YEARBOOK_SCHEMAS")
    rest = ["core_public_store", "out_yearbook_workbooks", "out_sdmx_export", "out_yearbook"]
    published = dg.materialize(ALL_ASSETS, selection=rest, instance=instance, resources=resources, raise_on_error=False)
    assert published.success, _failure(published)
    assert not staging_dir(paths.out, failed.run_id).exists()
    assert staging_dir(paths.internal, failed.run_id).is_dir(), "the latest staff store stays where core_observations left it"
    assert current_run(paths.out) == published.run_id != first


def _spoil_births(paths: YearbookPaths) -> None:
    book_path = next((paths.raw / "2018").glob("Рождаемость*.xlsx"))
    book = openpyxl.load_workbook(book_path)
    book.worksheets[0]["C9"] = 999999
    book.save(book_path)


def test_no_store_is_built_from_a_refused_validation(built) -> None:
    """The gate blocks its own run; the stores re-materialized alone after it refused are refused too."""
    instance, paths, first = built
    _spoil_births(paths)
    refused = run_every_year(defs.resolve_job_def(build_yearbook_job.name), paths, instance, QUIET_LOGS)
    assert not refused.success
    for asset in ("core_observations", "core_public_store"):
        alone = _materialize_alone(instance, paths, asset)
        assert not alone.success
        assert "the latest validation found 2 error(s): nothing is built until they are corrected" in _failure(alone)
    assert current_run(paths.out) == first


def test_no_store_is_built_from_figures_read_again_since_the_validation(built) -> None:
    """Figures read again after the gate (a re-read of one year, another run) are not what it validated."""
    instance, paths, first = built
    _spoil_births(paths)
    raw = [key.to_user_string() for a in ALL_ASSETS for key in a.keys if key.to_user_string().startswith("raw_")]
    resources = {"io_manager": year_partitioned_io_manager, "paths": paths}
    reread = dg.materialize(ALL_ASSETS, selection=raw, partition_key="2018", instance=instance, resources=resources, raise_on_error=False)
    assert reread.success, _failure(reread)  # the asset checks of the forms fail, the reading does not
    alone = _materialize_alone(instance, paths, "core_observations")
    assert not alone.success
    assert "raw_f_dem_2/2018" in _failure(alone) and "read again since the latest validation" in _failure(alone)
    assert current_run(paths.out) == first


def test_a_part_is_found_in_the_editions_that_published_it(built) -> None:
    """The store of the first build, published again by later editions, serves after its own edition is pruned."""
    instance, paths, first = built
    for _ in range(KEEP_EDITIONS + 1):
        workbooks = _materialize_alone(instance, paths, "out_yearbook_workbooks")
        assert workbooks.success, _failure(workbooks)
        published = _materialize_alone(instance, paths, "out_yearbook")
        assert published.success, _failure(published)
    assert not (paths.out / EDITIONS / first).exists(), "the first edition was pruned"
    assert _materialize_alone(instance, paths, "out_sdmx_export").success
