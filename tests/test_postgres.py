"""The team instance: deploy/dagster.yaml against a real PostgreSQL server.

A throw-away PostgreSQL cluster (Debian's `postgresql` package; `.ci/run` installs it) is
initialised in a temporary folder, started on a free localhost port and given a role and a
database of its own. deploy/dagster.yaml is copied unchanged into a temporary DAGSTER_HOME and
pointed at that server through its environment variables; the `build_yearbook` job then runs on
the sample submissions against that instance, and the test reads back from PostgreSQL what the
instance recorded. The server is stopped and its folder removed in the fixture's finalizer.

PostgreSQL refuses to run as root: as root, the cluster is owned and run by the OS user
`postgres` (created by the Debian package).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEPLOY_YAML = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"

ROLE, PASSWORD, DB = "yearbook_dagster", "s3cret pass/word", "yearbook_dagster"  # a password that needs URL quoting


def _pg_bindir() -> Path | None:
    """The folder of initdb/pg_ctl: Debian's /usr/lib/postgresql/<major>/bin (newest), else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found and shutil.which("initdb") else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    password: str
    db: str

    def connect(self):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.db)


def _require_dagster_postgres() -> None:
    """dagster-postgres comes with the dev extras; a bare environment skips the test (CI fails it)."""
    if importlib.util.find_spec("dagster_postgres") is not None:
        return
    message = "dagster-postgres is not installed: pip install -e '.[dev]'"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _cluster_owner() -> dict:
    """subprocess.run's user and groups for the cluster: as root, the Debian package's user `postgres` (postgres refuses root)."""
    if os.geteuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root but there is no OS user 'postgres' to own the test cluster (Debian's postgresql creates it)")
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _init_cluster(pg: Callable[..., subprocess.CompletedProcess], data: Path, pwfile: Path) -> None:
    """initdb: superuser `postgres` with the password in pwfile over TCP, trusted on the socket; UTF-8, no locale, no fsync."""
    pg(
        "initdb",
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        f"--pwfile={pwfile}",
        "--encoding=UTF8",
        "--no-locale",
        "--no-sync",
    )


def _create_role_and_database(port: int, super_password: str) -> None:
    """The test's own login role (a password that needs URL quoting) and a database it owns."""
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=super_password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD %s", (PASSWORD,))
        cur.execute(f"CREATE DATABASE {DB} OWNER {ROLE}")
    admin.close()


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install -y postgresql (.ci/run does)")
    _require_dagster_postgres()
    run_as = _cluster_owner()

    base = Path(tempfile.mkdtemp(prefix="yearbook-pg-"))  # not under pytest's root-only tmp dir
    if run_as:
        os.chown(base, run_as["user"], run_as["group"])
    data, log, pwfile = base / "data", base / "server.log", base / "pwfile"
    super_password = "superuser-pw"
    pwfile.write_text(super_password + "\n")
    if run_as:
        os.chown(pwfile, run_as["user"], run_as["group"])

    def pg(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(bindir / args[0]), *args[1:]], cwd=base, capture_output=True, text=True, timeout=120, check=check, **run_as
        )

    port = _free_port()
    started = False
    try:
        _init_cluster(pg, data, pwfile)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
        started = True
        result = pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", str(log), "-o", options, check=False)
        if result.returncode != 0:
            pytest.fail(f"pg_ctl start failed: {result.stdout}{result.stderr}\n{log.read_text() if log.exists() else ''}")
        _create_role_and_database(port, super_password)
        yield PgServer("127.0.0.1", port, ROLE, PASSWORD, DB)
    except subprocess.CalledProcessError as e:
        pytest.fail(f"{e.cmd[0]} failed: {e.stdout}{e.stderr}")
    finally:
        if started:
            pg("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(data), check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def team_instance(pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """DAGSTER_HOME with deploy/dagster.yaml unchanged, its env vars pointing at the test server."""
    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_HOST", pg_server.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(pg_server.port))
    monkeypatch.setenv("DAGSTER_PG_USER", pg_server.user)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", pg_server.password)
    monkeypatch.setenv("DAGSTER_PG_DB", pg_server.db)
    with dg.DagsterInstance.get() as instance:
        yield instance


def _check_storages_are_the_team_configuration(instance) -> None:
    """deploy/dagster.yaml put all three storages on PostgreSQL and limits the DuckDB writer pool."""
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    assert instance.global_op_concurrency_default_limit == 1


def _build_the_samples(instance, out: Path) -> str:
    """build_yearbook on the sample submissions (2018) into out; the run's id."""
    from yearbook.definitions import defs
    from yearbook.resources import YearbookPaths
    from yearbook.runs import run_every_year

    paths = YearbookPaths(raw_dir=str(SAMPLES), out_dir=str(out))
    result = run_every_year(
        defs.resolve_job_def("build_yearbook"), paths, instance, {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    )
    assert result.success
    assert instance.get_dynamic_partitions("reference_year") == ["2018"]  # registered in PostgreSQL
    assert (out / "yearbook.duckdb").is_file()
    return result.run_id


def _check_run_and_every_materialization_recorded(instance, run_id: str) -> set:
    """The run as the instance reads it back from PostgreSQL, one materialization of every asset for it; the graph's asset keys."""
    import dagster as dg
    from dagster._core.events import DagsterEventType
    from yearbook.assets import ALL_ASSETS

    run = instance.get_run_by_id(run_id)
    assert run is not None and run.job_name == "build_yearbook" and run.status == dg.DagsterRunStatus.SUCCESS

    asset_keys = {key for a in ALL_ASSETS for key in a.keys}
    materialized = {e.dagster_event.asset_key for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
    assert materialized == asset_keys
    for key in asset_keys:
        latest = instance.get_latest_materialization_event(key)
        assert latest is not None and latest.run_id == run_id, key
    return asset_keys


def _check_every_asset_check_passed(instance, run_id: str) -> set[str]:
    """Every asset check evaluated and passed, the blocking gate among them; the writer pool's default limit. Returns the check names."""
    import dagster as dg
    from dagster._core.events import DagsterEventType
    from yearbook.assets import ALL_ASSETS

    evaluations = {
        e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.passed
        for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    }
    expected_checks = {spec.name for a in ALL_ASSETS for spec in a.check_specs}
    assert "core_validation_no_errors" in expected_checks and len(expected_checks) >= 9
    assert set(evaluations) == expected_checks
    assert all(evaluations.values()), evaluations
    gate = dg.AssetCheckKey(dg.AssetKey("core_validation"), "core_validation_no_errors")
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([gate])[gate]
    assert record.run_id == run_id and record.status.value == "SUCCEEDED"

    # the pool duckdb_writer got the default limit 1 when core_observations first claimed it
    assert instance.event_log_storage.get_concurrency_info("duckdb_writer").slot_count == 1
    return expected_checks


def _check_database_holds_the_same_facts(pg_server: PgServer, run_id: str, asset_keys: set, expected_checks: set[str]) -> None:
    """The same facts straight from the database, without Dagster."""
    with pg_server.connect() as con, con.cursor() as cur:
        cur.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s", (run_id,))
        assert cur.fetchall() == [("build_yearbook", "SUCCESS")]
        cur.execute(
            "SELECT dagster_event_type, count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type IN "
            "('ASSET_MATERIALIZATION', 'ASSET_CHECK_EVALUATION') GROUP BY 1",
            (run_id,),
        )
        assert dict(cur.fetchall()) == {"ASSET_MATERIALIZATION": len(asset_keys), "ASSET_CHECK_EVALUATION": len(expected_checks)}
        cur.execute("SELECT check_name, execution_status FROM asset_check_executions WHERE run_id = %s", (run_id,))
        assert dict(cur.fetchall()) == {name: "SUCCEEDED" for name in expected_checks}
        cur.execute("""SELECT "limit", using_default_limit FROM concurrency_limits WHERE concurrency_key = 'duckdb_writer'""")
        assert cur.fetchall() == [(1, True)]


def test_build_job_on_the_postgres_instance(team_instance, pg_server: PgServer, tmp_path: Path) -> None:
    _check_storages_are_the_team_configuration(team_instance)
    run_id = _build_the_samples(team_instance, tmp_path / "out")
    asset_keys = _check_run_and_every_materialization_recorded(team_instance, run_id)
    expected_checks = _check_every_asset_check_passed(team_instance, run_id)
    _check_database_holds_the_same_facts(pg_server, run_id, asset_keys, expected_checks)
