"""End to end through the Dagster UI, as a maintainer uses it.

`dagster dev` is started from the project root on a free localhost port with a fresh
DAGSTER_HOME and the yearbook pointed at two reference years (YEARBOOK_RAW_DIR: the sample
submissions of 2018 and the demo edition's 2019) and a temporary output folder
(YEARBOOK_OUT_DIR). Debian's Chromium, driven by Playwright (never `playwright install`: the
browser is /usr/bin/chromium), opens the asset graph, checks the groups raw/core/out, waits until
the sensor `reference_year_folders` has registered both years as partitions, clicks
"Materialize all", selects all partitions and launches the backfill, follows it until it
succeeds (the raw assets read both years in one run, then the core and out assets run), then
opens the checks of core_validation and a form's partitions and metadata. A screenshot of every
step is saved under tests/output/ui/ (git-ignored), with the log of `dagster dev` beside them.

The process group of `dagster dev` (webserver, daemon, code servers, run workers) is ended in
the fixture's finalizer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "tests" / "output" / "ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 120  # s: webserver answering
UI_TIMEOUT_MS = 90_000  # a page element (the code location loads lazily)
RUN_TIMEOUT = 480  # s: the whole backfill (about 100 s on 2 cores: two runs, each step a subprocess)
PARTITIONS_TIMEOUT = 90  # s: the sensor reference_year_folders registers the years (its first tick is at start-up)
YEARS = ("2018", "2019")

pytestmark = [
    pytest.mark.ui,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not found: apt-get install -y chromium (.ci/run does)"),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_signals() -> None:
    # A child inherits ignored signals: a shell's background job ignores SIGINT (and some CI
    # runners SIGTERM too), which would leave `dagster dev` deaf to the finalizer's polite stop.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


@dataclass
class DagsterDev:
    url: str
    out_dir: Path
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGINT (dagster dev shuts its services down), then SIGTERM, then SIGKILL, to the whole group."""
    for sig, grace in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; its children (code servers, run workers) may outlive it briefly
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.fixture
def dagster_dev(tmp_path: Path) -> Iterator[DagsterDev]:
    raw, out, home = tmp_path / "raw", tmp_path / "out", tmp_path / "dagster_home"
    shutil.copytree(SAMPLES, raw)  # 2018
    shutil.copytree(ROOT / "raw" / "2019", raw / "2019")
    out.mkdir()
    home.mkdir()
    # the default local instance (SQLite under DAGSTER_HOME); no telemetry, no welcome dialog
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    log = SHOTS / "dagster_dev.log"

    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "YEARBOOK_RAW_DIR": str(raw), "YEARBOOK_OUT_DIR": str(out)}
    env.pop("DAGSTER_PG_HOST", None)
    dagster = Path(sys.executable).with_name("dagster")
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(dagster), "dev", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as a whole
            preexec_fn=_default_signals,
        )
    server = DagsterDev(f"http://127.0.0.1:{port}", out, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dagster dev exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(server.url + "/server_info", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dagster dev did not answer on {server.url} within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")
            time.sleep(1)
        yield server
    finally:
        _stop_group(proc)


@pytest.fixture
def page(dagster_dev: DagsterDev):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000}, base_url=dagster_dev.url)
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _wait_for_final_status(page, dagster_dev: DagsterDev) -> str:
    """Poll the backfill page until the tag under "Status" reads Succeeded, Failed, Canceled or Completed with failures."""
    status = page.locator("xpath=//div[normalize-space()='Status']/following-sibling::div[1]//span[@data-tooltip]").first
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        if status.count():
            text = status.inner_text().strip()
            if text in ("Succeeded", "Failed", "Canceled", "Completed with failures"):
                return text
        if time.monotonic() > deadline:
            _shot(page, "04_backfill_timeout")
            pytest.fail(f"the backfill did not finish within {RUN_TIMEOUT} s:\n{dagster_dev.log_tail()}")
        time.sleep(5)
        page.reload()  # read the status afresh
        page.get_by_text("Status", exact=True).first.wait_for()


def _open_launch_dialog_with_every_year(page, dagster_dev: DagsterDev):
    """Materialize all, then "All" partitions; retried until the sensor has registered every year."""
    from playwright.sync_api import expect

    deadline = time.monotonic() + PARTITIONS_TIMEOUT
    while True:
        page.goto("/asset-groups")
        materialize_all = page.get_by_role("button", name="Materialize all")
        expect(page.get_by_text("fetching statuses")).to_have_count(0)
        expect(materialize_all).to_be_enabled()
        materialize_all.click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="All", exact=True).click()
        try:
            expect(dialog.get_by_text(f"{len(YEARS)} partitions", exact=True)).to_be_visible(timeout=5_000)
            return dialog
        except AssertionError:
            if time.monotonic() > deadline:
                _shot(page, "02_partitions_missing")
                pytest.fail(f"the years {YEARS} were not registered as partitions within {PARTITIONS_TIMEOUT} s:\n{dagster_dev.log_tail()}")
            time.sleep(3)


def _check_asset_graph_shows_every_group(page) -> None:
    """Step 1: the asset graph (Lineage), one node per group."""
    from playwright.sync_api import expect

    page.goto("/asset-groups")
    expect(page.get_by_role("button", name="Materialize all")).to_be_visible()
    for group in ("raw", "core", "out"):
        expect(page.get_by_text(group, exact=True).first).to_be_visible()
    _shot(page, "01_asset_graph")


def _launch_backfill_of_every_year(page, dagster_dev: DagsterDev) -> str:
    """Step 2: every asset, every year (partition); the raw assets read them in one run, then the rest. Returns the backfill's id."""
    from playwright.sync_api import expect

    dialog = _open_launch_dialog_with_every_year(page, dagster_dev)
    for year in YEARS:
        expect(dialog.get_by_text(year, exact=True).first).to_be_visible()
    _shot(page, "02_launch_every_year")
    dialog.get_by_role("button", name="Launch backfill").click()
    toast = page.get_by_text(re.compile(r"Created backfill [a-z0-9]{8}")).first
    expect(toast).to_be_visible()
    return re.search(r"backfill ([a-z0-9]{8})", toast.inner_text()).group(1)


def _check_backfill_lists_every_asset(page, backfill_id: str) -> None:
    """Step 3: the backfill page lists every asset."""
    from playwright.sync_api import expect
    from yearbook.assets import ALL_ASSETS

    page.goto(f"/runs/b/{backfill_id}")
    for name in [key.to_user_string() for a in ALL_ASSETS for key in a.keys]:
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
    _shot(page, "03_backfill_in_progress")


def _check_backfill_succeeded(page, dagster_dev: DagsterDev, backfill_id: str) -> None:
    """Step 4: followed until it ends, it succeeded and wrote the store."""
    status = _wait_for_final_status(page, dagster_dev)
    _shot(page, "04_backfill_finished")
    assert status == "Succeeded", f"backfill {backfill_id} ended {status}:\n{dagster_dev.log_tail()}"
    assert (dagster_dev.out_dir / "yearbook.duckdb").is_file()


def _check_core_validation_gate_passed(page) -> None:
    """Step 5: the gate: the blocking check of core_validation passed."""
    from playwright.sync_api import expect

    page.goto("/assets/core_validation?view=checks")
    expect(page.get_by_text("core_validation_no_errors").first).to_be_visible()
    expect(page.get_by_text("This is a blocking asset check.", exact=False)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    _shot(page, "05_core_validation_checks")


def _check_form_check_partitions_and_metadata(page) -> None:
    """Step 6: a form's check, its two partitions, and the metadata of its latest materialization."""
    from playwright.sync_api import expect

    page.goto("/assets/raw_f_dem_2?view=checks")
    expect(page.get_by_text("raw_f_dem_2_valid").first).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    _shot(page, "06_raw_f_dem_2_checks")
    page.goto("/assets/raw_f_dem_2?view=partitions")
    for year in YEARS:
        expect(page.get_by_text(year, exact=True).first).to_be_visible()
    page.get_by_text(YEARS[-1], exact=True).first.click()  # the metadata of that year's materialization
    for key in ("rows", "regions", "source_files", "preview"):
        expect(page.get_by_text(key, exact=True).first).to_be_visible()
    expect(page.get_by_text(f"{YEARS[-1]}/F-DEM-2.xlsx", exact=False).first).to_be_visible()  # the source file of that year
    _shot(page, "07_raw_f_dem_2_partition_metadata")


def _check_jobs_and_automation(page) -> None:
    """Step 7: the jobs and the automation (schedule and run sensor stopped by default, the partition sensor running)."""
    from playwright.sync_api import expect

    page.goto("/jobs")
    for job in ("build_yearbook", "validate_submissions"):
        expect(page.get_by_text(job, exact=True).first).to_be_visible()
    page.goto("/automation")
    for name in ("yearly_yearbook_build", "raw_folder_sensor", "reference_year_folders"):
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"only in March"))).to_be_visible()  # cron 0 6 1 3 *, Asia/Almaty
    _shot(page, "08_automation")


def _check_descriptions_show_their_placeholders(page) -> None:
    """Step 8: an asset's description shows the folders as written (`<internal>/...`), not as swallowed HTML tags."""
    from playwright.sync_api import expect

    page.goto("/assets/core_validation")
    expect(page.get_by_text("<internal>/validation_report.xlsx", exact=False).first).to_be_visible()
    _shot(page, "09_description_placeholders")


def _launch_refused_run(dagster_dev: DagsterDev) -> str:
    """A cell of the 2018 births workbook spoilt, then that year's build launched (as the raw-folder sensor would)."""
    import openpyxl
    from dagster_graphql import DagsterGraphQLClient

    book_path = next((dagster_dev.out_dir.parent / "raw" / "2018").glob("Рождаемость*.xlsx"))
    book = openpyxl.load_workbook(book_path)
    book.worksheets[0]["B7"] = "#REF!"
    book.save(book_path)
    client = DagsterGraphQLClient("127.0.0.1", port_number=int(dagster_dev.url.rsplit(":", 1)[1]))
    run_id = client.submit_job_execution("build_yearbook", tags={"dagster/partition": "2018"})
    deadline = time.monotonic() + RUN_TIMEOUT
    while client.get_run_status(run_id).value not in ("SUCCESS", "FAILURE", "CANCELED"):
        if time.monotonic() > deadline:
            pytest.fail(f"the run {run_id} did not finish within {RUN_TIMEOUT} s:\n{dagster_dev.log_tail()}")
        time.sleep(3)
    assert client.get_run_status(run_id).value == "FAILURE"
    return run_id


def _check_refused_run_says_which_cell(page, run_id: str) -> None:
    """Step 9: the refused run's page shows the problem line (file, sheet, cell, rule, what is wrong) and what to do."""
    from playwright.sync_api import expect

    page.goto(f"/runs/{run_id}")
    line = "2018/Рождаемость и смертность детей 2018.xlsx: Лист1: B7: invalid_value: not a number nor a symbol of FORMS.md"
    expect(page.get_by_text(line, exact=False).first).to_be_visible()
    expect(page.get_by_text("1 error(s) in the submissions", exact=False).first).to_be_visible()
    _shot(page, "10_refused_run")


def test_materialize_everything_from_the_ui(dagster_dev: DagsterDev, page) -> None:
    _check_asset_graph_shows_every_group(page)
    backfill_id = _launch_backfill_of_every_year(page, dagster_dev)
    _check_backfill_lists_every_asset(page, backfill_id)
    _check_backfill_succeeded(page, dagster_dev, backfill_id)
    _check_core_validation_gate_passed(page)
    _check_form_check_partitions_and_metadata(page)
    _check_jobs_and_automation(page)
    _check_descriptions_show_their_placeholders(page)
    _check_refused_run_says_which_cell(page, _launch_refused_run(dagster_dev))
