"""Any asset re-materialized alone from Dagster: it reads the latest materialization of its inputs wherever it is now
(staged, or in a kept edition), and publishing assembles one edition from the latest part of each, never parts made
from different stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from yearbook.assets import ALL_ASSETS

from tests.conftest import ROOT
from tests.edition_diff import differences
from yearbook.command_runs import QUIET_LOGS
from yearbook.definitions import build_yearbook_job, defs
from yearbook.edition import EDITIONS, current_run, staging_dir
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
    return "\n".join(str(e.step_failure_data.error.message) for e in result.all_events if e.is_step_failure)


def test_the_workbooks_re_materialized_alone_are_published_with_the_rest_of_the_edition(built) -> None:
    instance, paths, first = built
    workbooks = _materialize_alone(instance, paths, "out_yearbook_workbooks")
    assert workbooks.success, _failure(workbooks)
    assert current_run(paths.out) == first, "rendering alone publishes nothing"
    staged = paths.out / EDITIONS / f".staging-{workbooks.run_id}"
    assert sorted(p.name for p in staged.iterdir()) == ["tables", "yearbook_en.xlsx", "yearbook_kk.xlsx", "yearbook_ru.xlsx"]

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
    instance, paths, first = built
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    (schemas / "disclosure.yaml").write_text("secondary: {method: guesswork}\n", encoding="utf-8")  # core_public_store fails
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    resources = {"io_manager": year_partitioned_io_manager, "paths": paths}
    failed = dg.materialize(
        ALL_ASSETS, selection=["core_observations", "core_public_store"], instance=instance, resources=resources, raise_on_error=False
    )
    assert not failed.success and staging_dir(paths.internal, failed.run_id).is_dir(), "the staff store it staged is left"
    monkeypatch.delenv("YEARBOOK_SCHEMAS")
    published = _materialize_alone(instance, paths, "out_yearbook")
    assert published.success, _failure(published)
    assert not staging_dir(paths.internal, failed.run_id).exists()
    assert current_run(paths.out) == published.run_id != first
