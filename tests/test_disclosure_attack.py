"""A reader of the published demo edition who knows the policy cannot recover a hidden figure nor read a small count.

The demo edition is built by the command line; the attack (tests/disclosure_attack.py) is written apart from the
project's verifier and solves over whole numbers, with what the published codes imply. It must find nothing in the
public store -- and, to show that it would, it recovers figures from the same store recoded as it was before one
code was published for every hidden figure (C a small count, D a complement, from the staff store's reasons).
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from tests.disclosure_attack import attack, published_observations
from yearbook.cli import main as yearbook
from yearbook.disclosure import DisclosurePolicy, load_policy

PROJECT_RAW = Path(__file__).resolve().parents[1] / "raw"
KEY = ["indicator", "ref_area", "time_period", "sex", "age", "area", "flow", "crime_type", "wealth_quintile"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(public folder, staff folder) of the demo edition built by ``yearbook build``."""
    root = tmp_path_factory.mktemp("attack")
    raw = PROJECT_RAW
    if not any(raw.glob("20*/")):
        from yearbook.demo import write_demo_edition

        raw = root / "raw"
        write_demo_edition(raw)
    assert yearbook(["build", "--raw", str(raw), "--out", str(root / "out"), "--internal", str(root / "internal")]) == 0
    return root / "out", root / "internal"


@pytest.fixture(scope="module")
def policy() -> DisclosurePolicy:
    return load_policy()


def test_the_attack_recovers_nothing_from_the_public_store(edition: tuple[Path, Path], policy: DisclosurePolicy) -> None:
    public = published_observations(edition[0] / "yearbook.duckdb")
    result = attack(public, policy)
    assert len(result.intervals) > 1000  # the sensitive tables of the demo do hide figures
    assert result.recovered.empty, result.recovered.to_string()
    assert result.below_rule.empty, result.below_rule.to_string()
    for code, smallest in result.thresholds_read.items():  # what the attacker reads the thresholds from
        assert smallest >= policy.risk_class(code).threshold, code


def test_the_same_attack_breaks_a_store_that_tells_small_counts_from_complements(
    edition: tuple[Path, Path], policy: DisclosurePolicy
) -> None:
    """The store as published before: the staff store's reasons as codes, C for a small count or a ministry's own x,
    D for a complement. The D flag alone pins victims of violent crimes of 2016 in one region (9 and 7)."""
    public = published_observations(edition[0] / "yearbook.duckdb")
    with duckdb.connect(str(edition[1] / "yearbook_internal.duckdb"), read_only=True) as con:
        reasons = con.execute("SELECT * FROM disclosure_cells").df()
    coded = public.merge(reasons, on=KEY, how="left")
    coded["obs_conf"] = coded["reason"].map({"ministry": "C", "primary": "C", "secondary": "D", "derived": "D"}).fillna(coded["obs_conf"])
    result = attack(coded.drop(columns="reason"), policy)
    assert len(result.recovered) >= 10 and len(result.below_rule) >= 10
    victims = result.recovered[(result.recovered["indicator"] == "CHILD_VICTIMS") & (result.recovered["time_period"] == 2016)]
    assert len(victims) >= 2


def test_no_public_file_tells_why_a_figure_is_hidden(edition: tuple[Path, Path]) -> None:
    out, staff = edition
    with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as con:
        assert {c for (c,) in con.execute("SELECT DISTINCT obs_conf FROM observations").fetchall()} == {"F", "C"}
        assert {c for (c,) in con.execute("SELECT DISTINCT obs_conf FROM observations_comparable").fetchall()} <= {"F", "C"}
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'"
        ).df()
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        summary = con.execute("SELECT * FROM disclosure_summary").df()
        by_table = con.execute("SELECT * FROM disclosure_tables").df()
    words = ("primary", "secondary", "reason", "ministry", "derived", "hidden_value")
    assert not columns[columns["column_name"].str.lower().str.contains("|".join(words))].size
    assert "disclosure_cells" not in tables
    assert list(summary.columns) == ["indicator", "figures", "hidden", "hidden_share"]
    assert list(by_table.columns) == ["table_id", "table_number", "cells", "hidden", "hidden_share"]
    assert summary["hidden"].sum() > 1000 and by_table["hidden"].sum() > 0

    for path in (out / "tables").glob("*.csv"):
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        if rows and "obs_conf" in rows[0]:
            assert {r["obs_conf"] for r in rows} <= {"F", "C", ""}, path.name
    sdmx = pd.read_csv(out / "yearbook_sdmx.csv", dtype=str, keep_default_na=False)
    assert set(sdmx["CONF_STATUS"]) == {"F", "C"}
    books = sorted(out.glob("yearbook_*.xlsx"))
    assert len(books) == 3
    for book in books:  # the workbooks print one symbol, x, and never a code or a reason
        wb = openpyxl.load_workbook(book, read_only=True)
        texts = {v.strip().lower() for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)}
        wb.close()
        assert "x" in texts and not texts & {"c", "d"}
        assert not any("secondary" in t or "primary suppression" in t for t in texts)

    with duckdb.connect(str(staff / "yearbook_internal.duckdb"), read_only=True) as con:  # the staff keep why
        why = con.execute("SELECT reason, count(*) FROM disclosure_cells GROUP BY reason").fetchall()
        staff_summary = con.execute("SELECT * FROM disclosure_summary").df()
    assert {r for r, _ in why} == {"ministry", "primary", "secondary"}
    assert {"primary", "secondary", "hidden_value"} <= set(staff_summary.columns)
