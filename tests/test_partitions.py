"""Reference years as partitions: one year re-read alone, the other years loaded as last read,
and the sensors and schedule that drive it, on a real (temporary) Dagster instance.

The raw folder is two years of the shipped demo edition (2018 and 2019).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from dagster._core.events import DagsterEventType
from yearbook_demo.corrections import bump_school_count, published_value

from tests.conftest import ROOT as PROJECT_ROOT
from yearbook.automation import raw_fingerprints, reference_year_folders
from yearbook.command_runs import QUIET_LOGS
from yearbook.config import READING_MODULES, reading_digest
from yearbook.definitions import build_yearbook_job, defs, raw_folder_sensor, yearly_schedule
from yearbook.resources import YearbookPaths
from yearbook.runs import RANGE_END_TAG, RANGE_START_TAG, REFERENCE_YEAR_PARTITIONS, run_every_year

pytestmark = pytest.mark.slow

YEARS = (2018, 2019)


@pytest.fixture
def two_years(tmp_path: Path) -> YearbookPaths:
    raw = tmp_path / "raw"
    for year in YEARS:
        shutil.copytree(PROJECT_ROOT / "raw" / str(year), raw / str(year))
    return YearbookPaths(raw_dir=str(raw), out_dir=str(tmp_path / "out"))


def _materialized_partitions(instance: dg.DagsterInstance, run_id: str) -> dict[str, set[str | None]]:
    found: dict[str, set[str | None]] = {}
    for event in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = event.dagster_event.step_materialization_data.materialization
        found.setdefault(materialization.asset_key.to_user_string(), set()).add(materialization.partition)
    return found


def _rows_per_year(out: Path) -> dict[int, int]:
    with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as con:
        return dict(con.execute("SELECT time_period, count(*) FROM observations WHERE source_file IS NOT NULL GROUP BY 1").fetchall())


def _job():
    return defs.resolve_job_def(build_yearbook_job.name)


def test_one_changed_year_is_read_again_alone(two_years: YearbookPaths, instance: dg.DagsterInstance) -> None:
    first = run_every_year(_job(), two_years, instance, QUIET_LOGS)
    assert first.success
    assert instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS) == ["2018", "2019"]
    every = _materialized_partitions(instance, first.run_id)
    assert every["raw_f_moes_1"] == {"2018", "2019"} and every["core_observations"] == {None}
    rows = _rows_per_year(two_years.out)
    assert set(rows) >= set(YEARS)

    change = bump_school_count(two_years.raw, 2019)
    again = _job().execute_in_process(instance=instance, partition_key="2019", resources={"paths": two_years}, run_config=QUIET_LOGS)
    assert again.success
    reread = _materialized_partitions(instance, again.run_id)
    assert reread["raw_inventory"] == {"2019"} and reread["raw_f_moes_1"] == {"2019"}  # 2018 was not read again
    assert reread["out_yearbook"] == {None}
    assert published_value(two_years.out, change) == change.value
    assert _rows_per_year(two_years.out) == rows  # 2018 still in the yearbook, loaded as read by the first run


def test_a_year_changed_since_it_was_read_refuses_the_build(two_years: YearbookPaths, instance: dg.DagsterInstance) -> None:
    assert run_every_year(_job(), two_years, instance, QUIET_LOGS).success
    store = two_years.out / "yearbook.duckdb"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    change = bump_school_count(two_years.raw, 2018)  # 2018 changes, but only 2019 is read again
    result = _job().execute_in_process(
        instance=instance, partition_key="2019", resources={"paths": two_years}, run_config=QUIET_LOGS, raise_on_error=False
    )
    assert not result.success
    problems = result.output_for_node("core_validation").problems
    stale = problems[problems["rule"] == "changed_since_read"]
    assert list(stale["file"]) == [change.file.relative_to(two_years.raw).as_posix()]
    assert "re-run the reference year 2018" in stale["message"].iloc[0]
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before  # nothing published


def test_a_new_year_folder_not_read_refuses_the_build(two_years: YearbookPaths, instance: dg.DagsterInstance) -> None:
    assert run_every_year(_job(), two_years, instance, QUIET_LOGS).success
    shutil.copytree(PROJECT_ROOT / "raw" / "2020", two_years.raw / "2020")
    result = _job().execute_in_process(
        instance=instance, partition_key="2019", resources={"paths": two_years}, run_config=QUIET_LOGS, raise_on_error=False
    )
    assert not result.success
    problems = result.output_for_node("core_validation").problems
    assert list(problems[problems["rule"] == "unread_year"]["file"]) == ["2020/"]


def test_reference_year_sensor_follows_the_folders(two_years: YearbookPaths, instance: dg.DagsterInstance) -> None:
    def tick():
        return reference_year_folders(dg.build_sensor_context(instance=instance, resources={"paths": two_years}))

    def apply(result) -> None:
        for request in result.dynamic_partitions_requests:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            else:
                for key in request.partition_keys:
                    instance.delete_dynamic_partition(request.partitions_def_name, key)

    apply(tick())
    assert instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS) == ["2018", "2019"]
    assert isinstance(tick(), dg.SkipReason)
    shutil.rmtree(two_years.raw / "2018")
    result = tick()
    assert [type(r) for r in result.dynamic_partitions_requests] == [dg.DeleteDynamicPartitionsRequest]
    apply(result)
    assert instance.get_dynamic_partitions(REFERENCE_YEAR_PARTITIONS) == ["2019"]


def test_raw_folder_sensor_requests_the_changed_year(two_years: YearbookPaths, instance: dg.DagsterInstance) -> None:
    instance.add_dynamic_partitions(REFERENCE_YEAR_PARTITIONS, ["2018", "2019"])

    def tick(cursor: str | None):
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"paths": two_years})
        return raw_folder_sensor(context), context.cursor

    first, cursor = tick(None)  # the first look: every year, in one run over the whole range
    (request,) = first.run_requests
    assert request.partition_key is None
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2018", "2019")
    nothing, same_cursor = tick(cursor)
    assert isinstance(nothing, dg.SkipReason) and "changed" in nothing.skip_message and same_cursor == cursor

    bump_school_count(two_years.raw, 2019)
    changed, _ = tick(cursor)
    (request,) = changed.run_requests
    assert request.partition_key == "2019" and request.tags["yearbook/changed_years"] == "2019"
    assert request.run_key == f"2019:{raw_fingerprints(two_years)['2019']}"  # the same content never launches twice


def test_yearly_schedule_builds_every_year(instance: dg.DagsterInstance) -> None:
    assert isinstance(yearly_schedule(dg.build_schedule_context(instance=instance)), dg.SkipReason)
    instance.add_dynamic_partitions(REFERENCE_YEAR_PARTITIONS, ["2016", "2017", "2018"])
    request = yearly_schedule(dg.build_schedule_context(instance=instance))
    assert request.job_name in (None, build_yearbook_job.name)
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2016", "2018")


def test_a_year_read_with_other_rules_refuses_the_build(
    two_years: YearbookPaths, instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(PROJECT_ROOT / "schemas", schemas)
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    assert run_every_year(_job(), two_years, instance, QUIET_LOGS).success
    with open(schemas / "codelists" / "regions.csv", "a", encoding="utf-8") as f:  # staff edit a code list
        f.write("\n")
    result = _job().execute_in_process(
        instance=instance, partition_key="2019", resources={"paths": two_years}, run_config=QUIET_LOGS, raise_on_error=False
    )
    assert not result.success
    problems = result.output_for_node("core_validation").problems
    assert list(problems[problems["rule"] == "read_with_other_rules"]["file"]) == ["2018/"]  # 2019 was just read again


def test_no_hidden_figure_in_the_dagster_run_storage(two_years: YearbookPaths, instance: dg.DagsterInstance, tmp_path: Path) -> None:
    """Step outputs (figures as reported) live in the staff area, and no metadata shows a figure that disclosure
    control hides: the instance's storage, event log and run database are outside the staff area."""
    result = run_every_year(_job(), two_years, instance, QUIET_LOGS)
    assert result.success
    with duckdb.connect(str(two_years.internal / "yearbook_internal.duckdb"), read_only=True) as staff:
        staff.execute(f"ATTACH '{two_years.out / 'yearbook.duckdb'}' AS public (READ_ONLY)")
        hidden = staff.execute(
            "SELECT s.indicator, s.ref_area, s.time_period, s.value FROM observations s JOIN public.observations p "
            "USING (indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile) "
            "WHERE p.obs_conf = 'C' AND s.value IS NOT NULL"
        ).fetchall()
    assert len(hidden) > 50
    home = Path(instance.root_directory)
    stored = [p for p in home.rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if b"check_only" in p.read_bytes()]  # no figures table (step output) there
    steps = two_years.internal / ".steps"
    assert any(steps.rglob("*.pickle")) and (steps.stat().st_mode & 0o777) == 0o700
    texts = []
    for event in instance.all_logs(result.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        texts += [str(value.value) for value in event.dagster_event.step_materialization_data.materialization.metadata.values()]
    rows = [line for text in texts for line in text.splitlines() if line.startswith("|")]
    assert rows, "the previews are there"
    for indicator, area, year, value in hidden:
        cells = {indicator, area, str(year), str(int(value)) if float(value).is_integer() else str(value)}
        leaked = [row for row in rows if cells <= {c.strip() for c in row.split("|")}]
        assert not leaked, (indicator, area, year, leaked[:2])


def test_a_refused_small_count_is_not_quoted_in_the_run_storage(samples_raw: Path, instance: dg.DagsterInstance, tmp_path: Path) -> None:
    """A ministry's suicides of Akmola region don't add up (4 boys + 3 girls, total 4): the build is refused, and the
    check's and validation's metadata, stored by Dagster outside the staff area, name the cells and the rule but quote
    no figure; the staff's validation report has them."""
    book = samples_raw / "2018" / "MOH children health 2018 final.xlsx"
    wb = openpyxl.load_workbook(book)
    wb["Suicides 15-17"]["C5"] = 3
    wb.save(book)
    paths = YearbookPaths(raw_dir=str(samples_raw), out_dir=str(tmp_path / "out"))
    result = run_every_year(_job(), paths, instance, QUIET_LOGS)
    assert not result.success
    texts = []
    for kind in (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION):
        for event in instance.all_logs(result.run_id, of_type=kind):
            data = event.dagster_event.event_specific_data
            metadata = data.materialization.metadata if kind == DagsterEventType.ASSET_MATERIALIZATION else data.metadata
            texts += [str(value.value) for value in metadata.values()]
    texts += [str(e.step_failure_data.error.message) for e in result.all_events if e.is_step_failure]  # the run's failure
    lines = [line for text in texts for line in text.splitlines() if "Suicides 15-17" in line and "sex_sum" in line]
    assert lines, "the refusal is shown, with its sheet and rule"
    figures = re.compile(r"(?<![\w.\-/])[34](?![\w\-/])")
    assert not [line for line in lines if figures.search(line)], lines
    report = openpyxl.load_workbook(paths.internal / "validation_report.xlsx", read_only=True)
    quoted = [v for row in report["Problems"].iter_rows(values_only=True) for v in row if isinstance(v, str) and "C5=3" in v]
    assert quoted, "the staff's report quotes the figures"


def test_the_reading_digest_covers_every_module_reading_and_validation_import() -> None:
    code = (
        "import sys, yearbook.read_cache, yearbook.formats.xls, yearbook.formats.ods\n"
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('yearbook') and getattr(m, '__file__', None)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT).stdout.split()
    package = PROJECT_ROOT / "yearbook"
    for file in loaded:
        relative = Path(file).relative_to(package).as_posix()
        assert any(relative == entry or relative.startswith(entry + "/") for entry in READING_MODULES), relative


def test_changing_the_publication_leaves_every_year_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column width of the renderer, a table's layout, the disclosure policy: not what a workbook is read with, so a
    stored year stays valid. A form spec or the reader: read again."""
    package = tmp_path / "yearbook"
    shutil.copytree(PROJECT_ROOT / "yearbook", package, ignore=shutil.ignore_patterns("__pycache__"))
    schemas = tmp_path / "schemas"
    shutil.copytree(PROJECT_ROOT / "schemas", schemas)
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    before = reading_digest(package)
    for changed in (
        package / "publish" / "render.py",
        package / "disclosure" / "policy.py",
        schemas / "tables" / "yearbook.yaml",
        schemas / "disclosure.yaml",
    ):
        changed.write_text(changed.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert reading_digest(package) == before
    reader = package / "reader.py"
    reader.write_text(reader.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert reading_digest(package) != before
    form = next((schemas / "forms").glob("*.yaml"))
    read_again = reading_digest(package)
    form.write_text(form.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert reading_digest(package) != read_again
