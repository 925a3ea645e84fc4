"""The sheets in front of the tables (yearbook/publish/front_matter.py), checked against yearbook.yaml and the store.

The cover names the edition, release date, publisher, contact and partner in each language; the methodology sheet has
a row for every indicator a table shows; the key figures equal the store's observations, a confidential one shown x.
Expectations are computed from the store and the YAML, not from the renderer's own code.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from tests import test_publish
from tests.conftest import SAMPLES
from tests.test_publish import Case, _build_case, _edition_years, _expected, _same
from yearbook.model import DIMENSIONS
from yearbook.publish import render_workbooks
from yearbook.publish.key_figures import read_key_figures
from yearbook.publish.layout import load_context, printed_spec, query_tables
from yearbook.publish.render import build_workbook
from yearbook.publish.specs import LANGUAGES, YearbookSpec

case, con = test_publish.case, test_publish.con  # the stores of test_publish (built here once more: module fixtures)


def _texts(ws: Worksheet) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def _table_rows(book: openpyxl.Workbook, name: str) -> tuple[Worksheet, list[str], list[list[object]]]:
    """The sheet, the header and the rows of the Excel table whose rows the defined name ``name`` covers."""
    sheet, ref = next(iter(book.defined_names[name].destinations))
    ws = book[sheet]
    c0, r0, c1, r1 = range_boundaries(ref)
    (table,) = ws.tables.values()
    assert range_boundaries(table.ref) == (c0, r0 - 1, c1, r1), (name, table.ref, ref)
    assert not any(set(m.cells) & {(r, c) for r in range(r0 - 1, r1 + 1) for c in range(c0, c1 + 1)} for m in ws.merged_cells.ranges)
    header = [str(ws.cell(row=r0 - 1, column=c).value) for c in range(c0, c1 + 1)]
    rows = [[ws.cell(row=r, column=c).value for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
    assert all(v is not None and str(v).strip() for row in rows for v in row), (name, "no blank cell in a table")
    return ws, header, rows


# --- the cover ---------------------------------------------------------------------------------


def test_the_cover_names_edition_release_publisher_contact_and_partner(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    meta = case.spec.meta
    built = con.execute("SELECT built_at FROM build_runs ORDER BY built_at DESC LIMIT 1").fetchone()[0]
    day = meta["edition"]["release_date"] or built  # none declared: the build's date
    released = {
        "kk": f"{day.year} жылғы {day.day} {meta['month_names']['kk'][day.month - 1]}",
        "ru": f"{day.day} {meta['month_names']['ru'][day.month - 1]} {day.year} г.",
        "en": f"{day.day} {meta['month_names']['en'][day.month - 1]} {day.year}",
    }
    partner = {"kk": "ЮНИСЕФ", "ru": "ЮНИСЕФ", "en": "UNICEF"}
    for lang, book in case.books.items():
        texts = _texts(book.worksheets[0])
        text = "\n".join(texts)
        assert case.spec.text("publisher", lang) in texts
        assert case.spec.text("partner_credit", lang) in texts and partner[lang] in text
        assert case.spec.text("edition_year", lang, year=meta["edition"]["year"]) in texts
        assert case.spec.text("released", lang, date=released[lang]) in texts, (lang, released[lang])
        assert case.spec.text("contact_website", lang, value="https://stat.gov.kz") in texts
        assert case.spec.text("contact_address", lang, value=meta["contact"]["address"][lang]) in texts
        for field in ("email", "phone"):  # staff fill them; an empty one is left out, never printed empty
            label = case.spec.text(f"contact_{field}", lang, value="").strip()
            assert (label in text) == bool(meta["contact"][field]), (lang, field)


def test_a_declared_release_date_is_printed_in_each_language(case: Case) -> None:
    meta = case.spec.meta | {"edition": case.spec.meta["edition"] | {"release_date": date(2024, 3, 1)}}
    spec = dataclasses.replace(case.spec, meta=meta)
    with duckdb.connect(str(case.store), read_only=True) as connection:
        ctx = load_context(connection, spec)
        key = read_key_figures(connection, spec, ctx)
        results = query_tables(connection, printed_spec(connection, spec, ctx), ctx)
    expected = {"kk": "2024 жылғы 1 наурыз", "ru": "1 марта 2024 г.", "en": "1 March 2024"}
    for lang in LANGUAGES:
        texts = _texts(build_workbook(spec, ctx, results, lang, key).worksheets[0])
        assert spec.text("released", lang, date=expected[lang]) in texts, lang


# --- the methodology ---------------------------------------------------------------------------


def _shown(spec: YearbookSpec, con: duckdb.DuckDBPyConnection) -> list[str]:
    """The indicators the yearbook's tables show: a crosstab's own, the rows of the SDG overview and equity tables."""
    codes: list[str] = []
    for table in spec.tables:
        if table.kind != "crosstab":
            codes += [c for (c,) in con.execute(f"SELECT indicator FROM {table.view} ORDER BY row_no").fetchall()]
        else:
            codes += table.indicators
    return list(dict.fromkeys(codes))


def test_the_methodology_defines_every_indicator_a_table_shows(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    columns = ["code", "form", "unit", "formula", *(f"{x}_{lang}" for lang in LANGUAGES for x in ("name", "definition")), "sdg_indicator"]
    store = {r[0]: dict(zip(columns, r, strict=True)) for r in con.execute(f"SELECT {', '.join(columns)} FROM indicators").fetchall()}
    shown = _shown(case.spec, con)
    derived = [c for c in shown if store[c]["form"] == "derived"]
    assert {"MORT_INFANT_RATE", "MIG_NET"} <= set(derived)
    for lang, book in case.books.items():
        ws, header, rows = _table_rows(book, "yb_methodology")
        assert ws.title == case.spec.meta["sheet_names"]["methodology"][lang]
        assert len(header) == len(set(header)) == 8
        by_name = {row[1]: row for row in rows}
        assert len(rows) == len(by_name) == len(shown), lang
        assert set(by_name) == {store[c][f"name_{lang}"] for c in shown}, lang
        sections = [int(str(row[0]).split(".")[0]) for row in rows]
        assert sections == sorted(sections), (lang, "grouped by section in yearbook order")
        for code in shown:
            row = by_name[store[code][f"name_{lang}"]]
            assert row[2] == store[code][f"definition_{lang}"] and str(row[2]).strip(), (lang, code)
            assert row[3] == case.spec.meta["units"][case.spec.printed_unit(store[code]["unit"], (code,))][lang], (lang, code)
            assert (store[code]["sdg_indicator"] or "") in str(row[6]), (lang, code)
            formula = str(row[4])
            if code in derived:  # "A / B[age=Y0T17] * 1000" or "A - B" in the store: the names of A and B, in words
                written = re.sub(r"\[[^]]*\]", " ", str(store[code]["formula"]))  # without an input's fixed coordinates
                inputs = written.replace("*", " ").replace("/", " ").replace("-", " ").split()
                names = [store[i][f"name_{lang}"] for i in inputs if i in store]
                assert len(names) == 2 and formula.startswith(names[0]) and names[1] in formula, (lang, code, formula)
                assert ("÷" in formula) == ("/" in store[code]["formula"]) and ("−" in formula) == ("-" in store[code]["formula"])
            else:
                assert formula == case.spec.text("formula_reported", lang), (lang, code)
    _, _, rows = _table_rows(case.books["en"], "yb_methodology")
    assert ["Infant mortality rate", "Infant deaths ÷ Live births × 1,000"] in [row[1:5:3] for row in rows]
    _, _, rows = _table_rows(case.books["ru"], "yb_methodology")
    assert any(str(row[4]).endswith("× 1\u00a0000") for row in rows), "Russian groups digits with a no-break space"


# --- the key figures ---------------------------------------------------------------------------


def _store_figure(con: duckdb.DuckDBPyConnection, figure: dict, year: int) -> object:
    """What the key figure shows for ``year``, from the observations: a number or a symbol."""
    filters = figure.get("filters") or {}
    where = " AND ".join(f"{d} = '{filters.get(d, '_T')}'" for d in DIMENSIONS)
    found = con.execute(
        f"SELECT value, obs_status, obs_conf FROM observations WHERE indicator = ? AND ref_area = 'KZ' AND time_period = ? AND {where}",
        [figure["indicator"], year],
    ).fetchone()
    return _expected(found)


def _check_key_figures(book: openpyxl.Workbook, spec: YearbookSpec, con: duckdb.DuckDBPyConnection, lang: str) -> list[list[object]]:
    latest = _edition_years(con)[-1]
    ws, header, rows = _table_rows(book, "yb_key_figures")
    assert ws.title == spec.meta["sheet_names"]["key_figures"][lang]
    assert header[2:4] == [str(latest - 1), str(latest)], (lang, header)
    assert len(rows) == len(spec.meta["key_figures"]) and 5 <= len(rows) <= 8
    names = dict(con.execute(f"SELECT code, name_{lang} FROM indicators").fetchall())
    for figure, row in zip(spec.meta["key_figures"], rows, strict=True):
        assert row[0] == names[figure["indicator"]], (lang, row)
        before, after = (_store_figure(con, figure, y) for y in (latest - 1, latest))
        assert _same(row[2], before) and _same(row[3], after), (lang, figure, row, before, after)
        if "x" in (before, after):
            assert row[4:] == ["x", "x"], (lang, figure, row)
        elif "…" in (before, after):
            assert row[4:] == ["…", "…"], (lang, figure, row)
        elif isinstance(before, float) and isinstance(after, float) and after != before:
            assert _same(row[4], after - before), (lang, figure, row)
            assert _same(row[5], (after / before - 1) * 100) if before > 0 and after > 0 else row[5] == "[z]", (lang, figure, row)
    locale = spec.meta["number_locale"][lang]
    numbers = [c for c in ws.iter_rows(min_row=ws.min_row) for c in c if isinstance(c.value, int | float)]
    assert numbers and all(c.number_format in (locale + "#,##0", locale + "0.0") for c in numbers), lang
    return rows


def test_the_key_figures_are_the_stores_observations(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    for lang, book in case.books.items():
        _check_key_figures(book, case.spec, con, lang)
        ws = book[case.spec.meta["sheet_names"]["key_figures"][lang]]
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows


def test_a_confidential_key_figure_prints_x(tmp_path: Path) -> None:
    case = _build_case("samples", SAMPLES, tmp_path / "samples")
    store = tmp_path / "yearbook.duckdb"
    shutil.copy(case.store, store)
    with duckdb.connect(str(store)) as connection:
        latest = _edition_years(connection)[-1]
        totals = " AND ".join(f"{d} = '_T'" for d in DIMENSIONS)
        hidden = connection.execute(
            f"UPDATE observations SET value = NULL, obs_conf = 'C' WHERE indicator = 'BIRTHS_LIVE' AND ref_area = 'KZ' "
            f"AND time_period = ? AND {totals} RETURNING value",
            [latest],
        ).fetchall()
        assert len(hidden) == 1
    original = case.books["en"][case.spec.meta["sheet_names"]["key_figures"]["en"]]
    figure = next(row[3].value for row in original.iter_rows() if row[0].value == "Live births")
    assert isinstance(figure, int | float)
    render_workbooks(store, tmp_path / "out")
    with duckdb.connect(str(store), read_only=True) as connection:
        for lang in LANGUAGES:
            book = openpyxl.load_workbook(tmp_path / "out" / f"yearbook_{lang}.xlsx")
            rows = _check_key_figures(book, case.spec, connection, lang)
            births = next(row for row, f in zip(rows, case.spec.meta["key_figures"], strict=True) if f["indicator"] == "BIRTHS_LIVE")
            assert births[3:] == ["x", "x", "x"], (lang, births)
            shown = [c.value for r in book[case.spec.meta["sheet_names"]["key_figures"][lang]].iter_rows() for c in r]
            assert figure not in shown, (lang, "the hidden figure is nowhere on the sheet")
