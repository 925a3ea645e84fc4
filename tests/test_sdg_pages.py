"""Section 8, Children and the SDGs (issue #22), on real builds: the progress overview against the store's
``sdg_progress`` and the SDG map, its links, the equity table against ``sdg_equity``, the goal tables against
``observations`` and their trend charts against the goal tables' cells.

Expectations are read from the store and from the YAML files themselves, not from yearbook.publish.
"""

from __future__ import annotations

import dataclasses

import duckdb
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import range_boundaries

from tests import test_publish
from tests.test_publish import ROOT, Case, _data_range, _same, _strip
from yearbook.config import load_yaml
from yearbook.publish import sdg_pages
from yearbook.publish.layout import load_context, printed_spec, query_tables
from yearbook.publish.render import GridBuilder, NoteRegister
from yearbook.publish.specs import LANGUAGES, TableSpec

case, con = test_publish.case, test_publish.con  # its fixtures: a store and workbooks built per case, a connection

SDG_MAP = load_yaml(ROOT / "schemas" / "sdg.yaml")["series"]
COUNTS = ("PS", "NUM")


def _figure(value: object) -> object:
    """What an overview or equity cell shows for a figure of the store."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "…"
    return "-" if value == 0 else value


def _rows(book: openpyxl.Workbook, table: TableSpec) -> list[tuple[list[object], list[openpyxl.cell.Cell]]]:
    """Each row of a table's data range: its labels and its cells."""
    ws, c0, r0, c1, r1 = _data_range(book, table)
    return [([ws.cell(r, c).value for c in range(1, c0)], [ws.cell(r, c) for c in range(c0, c1 + 1)]) for r in range(r0, r1 + 1)]


def _goal_tables(case: Case) -> list[TableSpec]:
    return [t for t in case.spec.tables if t.trend_charts]


def test_the_overview_shows_every_series_with_its_verdict_in_its_sdg_unit(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    """One row per series of the SDG map, in the unit of its SDG series (never a count under a proportional series), its
    baseline, latest, anticipated and target values, and its verdict as the symbol and word of yearbook.yaml."""
    table = case.spec.table("sdg_progress")
    progress = con.execute("SELECT * FROM sdg_progress").df().set_index("indicator")
    assert set(progress.index) == set(SDG_MAP)
    verdicts = case.spec.meta["sdg_verdicts"]
    assert set(progress["verdict"]) <= set(verdicts)
    units = case.spec.meta["units"]
    names = {lang: dict(con.execute(f"SELECT code, name_{lang} FROM indicators").fetchall()) for lang in LANGUAGES}
    for lang, book in case.books.items():
        rows = _rows(book, table)
        assert len(rows) == len(SDG_MAP), lang
        seen = set()
        for (codes, label), cells in rows:
            mapped = [c for c, e in SDG_MAP.items() if f"{e['indicator']} {e['series']}" == codes]
            code = next(c for c in mapped if _strip(label).startswith(names[lang][c]))
            seen.add(code)
            row, declared = progress.loc[code], SDG_MAP[code]
            unit = [u for u, name in units.items() if name[lang] == cells[0].value]
            assert declared["unit"] in unit and not set(unit) & set(COUNTS), (lang, code, cells[0].value)
            proxy = case.spec.text("sdg_proxy", lang)
            assert (proxy in str(label)) == (declared["relation"] == "proxy"), (lang, code, label)
            if declared["relation"] == "proxy" or "target" in declared:
                assert test_publish.MARKER.search(str(label)), (lang, code, "the proxy's why, the target's source: a note")
            shown = [c.value for c in cells[1:7]]
            want = [row.baseline_year, row.baseline_value, row.latest_year, row.latest_value, row.anticipated_2030, row.target_value]
            for got, value in zip(shown, want, strict=True):
                assert _same(got, _figure(value)) or (pd.isna(value) and got == case.spec.text("sdg_no_target", lang)), (lang, code, shown)
            verdict = verdicts[row.verdict]
            assert cells[7].value == f"{verdict['symbol']} {verdict[lang]}", (lang, code, cells[7].value)
        assert seen == set(SDG_MAP), lang
    if case.name == "raw":  # the demo edition's verdicts (docs/sdg-progress.md)
        assert dict(progress["verdict"])["MORT_U5_RATE"] == "target_met" and dict(progress["verdict"])["TSA_CHILD_SHARE"] == "deteriorating"
    if case.name == "samples":  # one year: too few points for any verdict
        assert set(progress["verdict"]) == {"insufficient_data"}


def test_every_verdict_symbol_is_its_own_and_declared_on_the_cover(case: Case) -> None:
    """No two verdicts share a symbol, and the cover lists each with the other symbols (tests/test_print.py sees them
    printed in the yearbook's font)."""
    symbols = [v["symbol"] for v in case.spec.meta["sdg_verdicts"].values()]
    assert len(set(symbols)) == len(symbols) == len(case.spec.meta["sdg_verdicts"])
    for lang, book in case.books.items():
        cover = book.worksheets[0]
        listed = {r[0].value: r[1].value for r in cover.iter_rows() if r[0].value in symbols}
        assert set(listed) == set(symbols), lang
        for verdict in case.spec.meta["sdg_verdicts"].values():
            assert verdict[lang] in listed[verdict["symbol"]], lang


def test_each_overview_link_goes_to_the_first_table_that_holds_its_series(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    table = case.spec.table("sdg_progress")
    first = {}
    for t in case.spec.tables:
        for code in t.indicators:
            first.setdefault(code, t)
    for lang, book in case.books.items():
        for (codes, _), cells in _rows(book, table):
            link = cells[-1].hyperlink
            assert link is not None and link.location, (lang, codes)
            sheet = link.location.rsplit("!", 1)[0].strip("'")
            target = next(t for t in case.spec.tables if t.sheet == sheet)
            held = {c for (c,) in con.execute(f"SELECT DISTINCT indicator FROM {target.view}").fetchall()}
            code = next(c for c in held if c in SDG_MAP and f"{SDG_MAP[c]['indicator']} {SDG_MAP[c]['series']}" == codes)
            assert first[code] is target and cells[-1].value == target.number, (lang, code, sheet)
    links = {first[c].id for c in SDG_MAP}
    assert {"infant_mortality_region_ts", "survey_indicators"} <= links, "regional and survey tables: the breakdowns"


def test_a_withheld_latest_figure_is_said_in_a_note(case: Case) -> None:
    """A series whose latest national figure is withheld (sdg_progress.latest_withheld) carries a note on its name that
    says so and gives the year shown instead."""
    with duckdb.connect(str(case.store), read_only=True) as connection:
        ctx = load_context(connection, case.spec)
        spec = printed_spec(connection, case.spec, ctx)
        result = next(r for r in query_tables(connection, spec, ctx) if r.table.kind == "sdg_progress")
    at = result.columns.index("latest_withheld")
    year = result.rows[0][result.columns.index("latest_year")]
    withheld = dataclasses.replace(result, rows=[(*result.rows[0][:at], True, *result.rows[0][at + 1 :]), *result.rows[1:]])
    for lang in LANGUAGES:
        for res, said in ((result, False), (withheld, True)):
            grid = sdg_pages.grid(GridBuilder(spec, ctx, lang, NoteRegister(spec, lang)), res)
            text = spec.meta["text"]["sdg_withheld_note"][lang].format(year=year)
            notes = [n for n, _, note in grid.notes if text in note]
            assert bool(notes) == said, (lang, said)
            if said:
                assert f" {notes[0]}]" in grid.rows[0].labels[-1], (lang, grid.rows[0].labels)


@pytest.mark.parametrize("case", ["raw"], indirect=True)  # the samples have one survey year and no regional gap kinds to spare
def test_the_equity_table_shows_sdg_equity(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    """The view is sdg_equity's latest year of each indicator's gaps; the workbook shows its figures: group a and b,
    their values, ratio and difference, for one gap of each kind at least."""
    table = case.spec.table("sdg_equity")
    equity = con.execute("SELECT * FROM sdg_equity").df()
    latest = equity[equity["time_period"] == equity.groupby(["indicator", "gap_kind"])["time_period"].transform("max")]
    view = con.execute(f"SELECT * FROM {table.view} ORDER BY row_no").df()
    key = ["indicator", "gap_kind", "time_period"]
    assert sorted(map(tuple, view[key].values.tolist())) == sorted(map(tuple, latest[key].values.tolist()))
    assert set(view["gap_kind"]) == {"wealth_quintile", "area", "sex", "region"}
    names = {lang: dict(con.execute(f"SELECT code, name_{lang} FROM indicators").fetchall()) for lang in LANGUAGES}
    regions = {lang: dict(con.execute(f"SELECT ref_area, name_{lang} FROM regions").fetchall()) for lang in LANGUAGES}
    dims = con.execute("SELECT * FROM dimension_codes").df()
    for lang, book in case.books.items():
        rows = _rows(book, table)
        assert len(rows) == len(view), lang
        checked = set()
        for (_, label), cells in rows:
            code = next(c for c in view["indicator"].unique() if str(label).startswith(f"{names[lang][c]}, "))
            dimension = next(d for d, name in case.spec.meta["dimensions"].items() if name[lang] == cells[0].value)
            gap = latest[(latest["indicator"] == code) & (latest["dimension"] == dimension)].iloc[0]

            def group(value: str, dimension: str = dimension, lang: str = lang) -> str:
                if dimension == "ref_area":
                    return regions[lang][value]
                return str(dims[(dims["dimension"] == dimension) & (dims["code"] == value)].iloc[0][f"name_{lang}"])

            shown = [c.value for c in cells[1:]]
            assert shown[0] == gap.time_period and shown[1] == group(gap.group_a) and shown[3] == group(gap.group_b), (lang, code, shown)
            figures = [gap.value_a, gap.value_b, gap.ratio, gap.difference]
            for got, want in zip([shown[2], shown[4], shown[5], shown[6]], figures, strict=True):
                assert _same(got, _figure(want)), (lang, code, dimension, shown)
            assert cells[6].number_format.endswith("0.00"), "a ratio in two decimals"
            checked.add(gap.gap_kind)
        assert checked == {"wealth_quintile", "area", "sex", "region"}, lang


def test_each_goal_table_holds_the_national_series_of_its_goal(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    """Every series of the SDG map is in one goal table, with the series of its goal only, and every cell of a goal
    table is the series' national figure of that year (the years of the edition; survey series: their survey years)."""
    goals = _goal_tables(case)
    held = [code for t in goals for code in t.indicators]
    assert sorted(held) == sorted(SDG_MAP), "each mapped series in one goal table"
    totals = " AND ".join(f"{d} = '_T'" for d in ("sex", "age", "area", "flow", "crime_type", "wealth_quintile"))
    for table in goals:
        assert len({str(SDG_MAP[c]["indicator"]).split(".")[0] for c in table.indicators}) == 1, table.id
        national = {
            (code, year): value
            for code, year, value in con.execute(
                f"SELECT indicator, time_period, value FROM observations WHERE ref_area = 'KZ' AND {totals} AND indicator IN "
                f"({', '.join('?' * len(table.indicators))})",
                list(table.indicators),
            ).fetchall()
        }
        years = sorted({y for _, y in national}) if table.years == "all_available" else test_publish._edition_years(con)
        for lang, book in case.books.items():
            ws, c0, r0, c1, r1 = _data_range(book, table)
            heads = [int(_strip(ws.cell(r0 - 1, c).value)) for c in range(c0, c1 + 1)]
            assert heads == (years or heads), (lang, table.id, heads)
            for r, code in enumerate(table.indicators, start=r0):
                for c, year in enumerate(heads, start=c0):
                    assert _same(ws.cell(r, c).value, _figure(national.get((code, year)))), (lang, table.id, code, year)


def test_the_trend_charts_draw_the_rows_of_their_goal_table(case: Case) -> None:
    """One line chart per indicator under each goal table: its series is the indicator's row of the table's data range,
    its categories the table's year headings; it sits below the table's notes, inside the printed page."""
    goals = _goal_tables(case)
    assert len(goals) >= 5
    for lang, book in case.books.items():
        for table in goals:
            ws, c0, r0, c1, r1 = _data_range(book, table)
            charts = ws._charts
            assert len(charts) == len(table.indicators), (lang, table.id)
            _, _, _, last_printed = range_boundaries(str(ws.print_area).rsplit("!", 1)[-1].replace("$", ""))
            assert ws.page_setup.fitToHeight == 1 and ws.page_setup.orientation == "landscape"
            for k, chart in enumerate(charts):
                (series,) = [s for part in chart._charts for s in part.series]
                sheet, cells = series.val.numRef.f.rsplit("!", 1)
                assert sheet.strip("'") == table.sheet, (lang, table.id)
                a, b, c, d = range_boundaries(cells.replace("$", ""))
                assert (a, b, c, d) == (c0, r0 + k, c1, r0 + k), (lang, table.id, cells, "the indicator's row")
                categories = series.cat.strRef.f.rsplit("!", 1)[1].replace("$", "")
                assert range_boundaries(categories) == (c0, r0 - 1, c1, r0 - 1), (lang, table.id, "the years' headings")
                anchor = chart.anchor
                assert r1 < anchor._from.row + 1 and anchor.to.row <= last_printed, (lang, table.id, "below the table, on its page")
