"""The Excel yearbook, the table views and the CSVs, checked against the observations they come from.

Stores are built for real from submissions: the 2018 samples; the samples without the F-GP-1
workbook (a form not submitted); and, when ``raw/`` holds year folders, the multi-year demo
edition. For every table of every workbook, each figure is compared with its ``observations``
row (symbols included), independently of the renderer's own layout code.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import range_boundaries

from tests.conftest import SAMPLES
from yearbook.model import DIMENSIONS, KEY
from yearbook.problems import problems_frame
from yearbook.publish import create_table_views, render_workbooks, write_table_csvs
from yearbook.publish.front_matter import FRONT_SHEETS
from yearbook.publish.specs import LANGUAGES, SpecError, TableSpec, YearbookSpec, load_yearbook_spec, tables_dir
from yearbook.specs import load_forms
from yearbook.store import BuildRecord, build_store
from yearbook.submissions import check_across_files, discover, figures_frame, read_submission

ROOT = Path(__file__).resolve().parents[1]
RAW = Path(os.environ.get("YEARBOOK_TEST_RAW", ROOT / "raw"))  # the multi-year demo edition
MARKER = re.compile(r"\s*\[[^\]\[]*?\s(\d+)\]")
SYMBOLS = {"-", "…", "x"}  # and [z] where a table shows a region in a year it did not exist
NOT_APPLICABLE = "[z]"
RATE_UNITS = {"PT", "PER_1000_LB"}


def _raw_available() -> bool:
    return RAW.is_dir() and any(p.is_dir() and re.fullmatch(r"\d{4}", p.name) for p in RAW.iterdir())


@dataclass
class Case:
    name: str
    store: Path
    books: dict[str, openpyxl.Workbook]
    spec: YearbookSpec


@lru_cache(maxsize=2)
def _read(raw: Path) -> tuple[list, list]:
    files, problems = discover(raw)
    return [s for s in (read_submission(f) for f in files) if s.form is not None], problems


def _build_case(name: str, raw: Path, out: Path, drop_form: str | None = None) -> Case:
    subs, problems = _read(raw)
    subs = [s for s in subs if s.form != drop_form]
    inventory = pd.DataFrame([{"file": s.file.relpath, "year": s.file.year, "form": s.form, "sha256": s.file.sha256} for s in subs])
    problems = list(problems) + [p for s in subs for p in s.problems] + check_across_files(inventory, load_forms())
    store = out / "yearbook.duckdb"
    build_store(store, [figures_frame(subs)], BuildRecord(inventory, problems_frame(problems), f"test-{name}"))
    with duckdb.connect(str(store)) as con:  # as the build does at its end
        create_table_views(con)
        con.execute("CHECKPOINT")
    paths = render_workbooks(store, out / "yearbook")
    assert [p.name for p in paths] == ["yearbook_kk.xlsx", "yearbook_ru.xlsx", "yearbook_en.xlsx"]
    books = {lang: openpyxl.load_workbook(out / "yearbook" / f"yearbook_{lang}.xlsx") for lang in LANGUAGES}
    return Case(name, store, books, load_yearbook_spec())


CASES = ["samples", "samples_without_gp", "raw"]


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Case:
    out = tmp_path_factory.mktemp(request.param)
    if request.param == "samples":
        return _build_case("samples", SAMPLES, out)
    if request.param == "samples_without_gp":
        return _build_case("samples_without_gp", SAMPLES, out, drop_form="F-GP-1")
    if not _raw_available():
        pytest.skip("raw/ holds no year folders")
    return _build_case("raw", RAW, out)


@pytest.fixture
def con(case: Case):
    with duckdb.connect(str(case.store), read_only=True) as connection:
        yield connection


# --- expectations computed from the store, independently of yearbook.publish.layout ------------


def _edition_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    run = con.execute("SELECT run_id FROM build_runs ORDER BY built_at DESC LIMIT 1").fetchone()[0]
    return sorted(y for (y,) in con.execute("SELECT DISTINCT year FROM build_files WHERE run_id = ?", [run]).fetchall())


def _years(table: TableSpec, con: duckdb.DuckDBPyConnection) -> list[int]:
    if table.years == "all_available":
        marks = ",".join("?" * len(table.indicators))
        return sorted(
            y
            for (y,) in con.execute(
                f"SELECT DISTINCT time_period FROM observations WHERE indicator IN ({marks})", list(table.indicators)
            ).fetchall()
        )
    years = _edition_years(con)
    return years[-1:] if table.years == "latest" else years


def _axis_dims(table: TableSpec) -> set[str]:
    dims = set(table.rows) | set(table.columns)
    return dims | set(table.disaggregations) if "disaggregation" in dims else dims


def _fixed(table: TableSpec) -> dict[str, str]:
    return {d: table.filters.get(d, "KZ" if d == "ref_area" else "_T") for d in ("ref_area", *DIMENSIONS) if d not in _axis_dims(table)}


def _expected(obs: tuple | None) -> object:
    """What a cell shows for an observation (value, obs_status, obs_conf), or for none."""
    if obs is None:
        return "…"
    value, status, conf = obs
    if value is None and conf in ("C", "D"):
        return "x"
    if value is None or status == "M":
        return "…"
    return "-" if value == 0 else value


def _region_exists(regions: pd.DataFrame, code: str, year: int) -> bool:
    row = regions.loc[code]
    return (pd.isna(row["valid_from"]) or row["valid_from"] <= year) and (pd.isna(row["valid_to"]) or row["valid_to"] >= year)


class Names:
    """Labels of codes in one language, from the store's code-list tables and the spec."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: YearbookSpec, lang: str) -> None:
        self.lang, self.spec = lang, spec
        self.regions = dict(con.execute(f"SELECT ref_area, name_{lang} FROM regions").fetchall())
        rows = con.execute(f"SELECT code, name_{lang}, unit FROM indicators").fetchall()
        self.indicators = {code: (name, unit) for code, name, unit in rows}
        self.dims = {
            (r.dimension, r.code): getattr(r, f"name_{lang}") for r in con.execute("SELECT * FROM dimension_codes").df().itertuples()
        }

    def __call__(self, table: TableSpec, dim: str, code: object) -> str:
        if dim == "time_period":
            return str(code)
        if dim == "ref_area":
            return self.regions[code]
        if code in table.labels:
            text = table.labels[code][self.lang]
        elif dim == "indicator":
            text = self.indicators[code][0]
        else:
            text = self.dims[(dim, code)]
        if dim == "indicator" and table.unit == "mixed":
            text += ", " + self.unit(code)
        return text

    def unit(self, code: str) -> str:
        """The unit an indicator prints in: its store unit, or for a count the unit of what it counts."""
        unit = self.spec.meta.get("count_units", {}).get(code, self.indicators[code][1])
        return self.spec.meta["units"][unit][self.lang]

    def source(self, form: str, year: int) -> str:
        """The body behind a form in a year."""
        return next(p[self.lang] for p in self.spec.meta["sources"][form] if p.get("from", year) <= year <= p.get("to", year))


def _strip(text: object) -> str:
    return MARKER.sub("", str(text)).strip()


def _data_range(book: openpyxl.Workbook, table: TableSpec) -> tuple[openpyxl.worksheet.worksheet.Worksheet, int, int, int, int]:
    """The sheet and (min_col, min_row, max_col, max_row) of the table's figures, from its defined name."""
    sheet, ref = next(iter(book.defined_names[table.view].destinations))
    assert sheet == table.sheet
    return book[sheet], *range_boundaries(ref)


def _cell_value(ws, row: int, col: int) -> object:
    return ws.cell(row=row, column=col).value


def _same(shown: object, expected: object) -> bool:
    if isinstance(expected, str):
        return shown == expected
    return isinstance(shown, int | float) and not isinstance(shown, bool) and shown == pytest.approx(expected, rel=1e-12, abs=1e-9)


# --- the crosstab test's steps: a table's view against its observations, a workbook against the view -------


def _crosstab_observations(table: TableSpec, con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    """The observations of the table's indicators: KEY -> (value, obs_status, obs_conf)."""
    marks = ",".join("?" * len(table.indicators))
    return {
        tuple(r[: len(KEY)]): r[len(KEY) :]
        for r in con.execute(
            f"SELECT {', '.join(KEY)}, value, obs_status, obs_conf FROM observations WHERE indicator IN ({marks})",
            list(table.indicators),
        ).fetchall()
    }


def _check_view_holds_the_specs_figures(table: TableSpec, view: pd.DataFrame, years: list[int], regions: pd.DataFrame) -> None:
    """The view holds exactly the spec's figures: its filters, its years, its indicators, its members and regions in order."""
    for dim, code in _fixed(table).items():
        assert set(view[dim]) == {code}, (table.id, dim)
    assert set(view["time_period"]) <= set(years) and set(view["indicator"]) <= set(table.indicators), table.id
    for dim, members in table.members.items():
        assert list(dict.fromkeys(view[dim])) == list(members), (table.id, dim)
    if "ref_area" in _axis_dims(table):
        shown = list(dict.fromkeys(view["ref_area"]))
        official = ["KZ", *[r for r in regions.index if r != "KZ" and any(_region_exists(regions, r, y) for y in years)]]
        assert shown == official, (table.id, "regions in official order, only those existing in the years shown")
    if "time_period" in _axis_dims(table):
        assert sorted(set(view["time_period"])) == years, table.id


def _check_no_observation_missing_from_the_view(table: TableSpec, view: pd.DataFrame, obs: dict[tuple, tuple], years: list[int]) -> None:
    """Every observation the table's years, filters, members and disaggregations select is a figure of the view."""
    fixed = _fixed(table)
    keys = {tuple(r) for r in view[list(KEY)].itertuples(index=False)}
    for key in obs:
        k = dict(zip(KEY, key, strict=True))
        if key[2] not in years or any(k[d] != c for d, c in fixed.items()):
            continue
        if any(d in table.members and k[d] not in table.members[d] for d in _axis_dims(table)):
            continue
        if "disaggregation" in table.columns and sum(k[d] != "_T" for d in table.disaggregations) > 1:
            continue
        assert key in keys, (table.id, "figure missing from the table", key)


def _shown(obs: dict[tuple, tuple], key: tuple, regions: pd.DataFrame) -> object:
    """What a cell of this key shows: [z] for a region in a year it did not exist, else its observation."""
    k = dict(zip(KEY, key, strict=True))
    return _expected(obs.get(key)) if _region_exists(regions, k["ref_area"], k["time_period"]) else NOT_APPLICABLE


def _check_view_figures_equal_observations(table: TableSpec, view: pd.DataFrame, obs: dict[tuple, tuple], regions: pd.DataFrame) -> None:
    """Every figure of the view shows its observation (a value or a symbol), or [z] with no value for a region in a
    year it did not exist."""
    for row in view.itertuples(index=False):
        key = tuple(getattr(row, k) for k in KEY)
        expected = _shown(obs, key, regions)
        if expected == NOT_APPLICABLE:
            assert pd.isna(row.value) and pd.isna(row.obs_conf), (table.id, key)
        assert (row.symbol if isinstance(row.symbol, str) else row.value) == expected or _same(row.value, expected), (table.id, key)


def _check_cell_labels(ws, table: TableSpec, row, cell: tuple[int, int], corner: tuple[int, int], names: Names, lang: str) -> None:
    """A figure's cell sits under its column's head and beside its row's label (corner: the first figure's row and column)."""
    key = tuple(getattr(row, k) for k in KEY)
    (r, c), (r0, c0) = cell, corner
    inner_row = table.rows[-1]
    assert _strip(_cell_value(ws, r, c0 - 1)) == names(table, inner_row, getattr(row, inner_row)), (lang, table.id, key)
    inner_col = table.columns[-1]
    head = _cell_value(ws, r0 - 1, c)
    if inner_col == "disaggregation":
        broken = [d for d in table.disaggregations if getattr(row, d) != "_T"]
        if broken:
            assert _strip(head) == names(table, broken[0], getattr(row, broken[0])), (lang, table.id, key)
        else:
            assert _strip(_cell_value(ws, r0 - 2, c)) == names.dims[("sex", "_T")], (lang, table.id)
    else:
        assert _strip(head) == names(table, inner_col, getattr(row, inner_col)), (lang, table.id, key, head)


def _check_workbook_shows_the_view(
    book: openpyxl.Workbook,
    table: TableSpec,
    view: pd.DataFrame,
    obs: dict[tuple, tuple],
    names: Names,
    units: dict,
    lang: str,
    regions: pd.DataFrame,
) -> set[str]:
    """The workbook shows the view cell by cell, in its number format, under the right labels, and nothing else in the
    table's range; the symbols it shows.
    """
    symbols_seen: set[str] = set()
    ws, c0, r0, c1, r1 = _data_range(book, table)
    assert (c1 - c0 + 1, r1 - r0 + 1) == (view["col_no"].max(), view["row_no"].max()), (table.id, lang)
    filled = set()
    for row in view.itertuples(index=False):
        key = tuple(getattr(row, k) for k in KEY)
        r, c = r0 + row.row_no - 1, c0 + row.col_no - 1
        filled.add((r, c))
        shown = _cell_value(ws, r, c)
        expected = _shown(obs, key, regions)
        assert _same(shown, expected), (lang, table.id, key, shown, expected)
        if isinstance(expected, str):
            symbols_seen.add(expected)
        else:
            rate = units[row.indicator] in RATE_UNITS
            locale = load_yearbook_spec().meta["number_locale"][lang]
            assert ws.cell(row=r, column=c).number_format == locale + ("0.0" if rate else "#,##0"), (table.id, key)
        _check_cell_labels(ws, table, row, (r, c), (r0, c0), names, lang)
    for r in range(r0, r1 + 1):
        for c in range(c0, c1 + 1):
            if (r, c) not in filled:
                assert _cell_value(ws, r, c) is None, (lang, table.id, "a cell outside the view must be blank", r, c)
    return symbols_seen


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.slow  # a store built per case
def test_every_crosstab_figure_equals_its_observation(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    regions = con.execute("SELECT * FROM regions ORDER BY display_order").df().set_index("ref_area")
    units = dict(con.execute("SELECT code, unit FROM indicators").fetchall())
    symbols_seen: set[str] = set()
    all_names = {lang: Names(con, case.spec, lang) for lang in case.books}
    for table in case.spec.tables:
        if table.kind != "crosstab":
            continue
        years = _years(table, con)
        obs = _crosstab_observations(table, con)
        view = con.execute(f"SELECT * FROM {table.view} ORDER BY row_no, col_no").df()
        assert len(view), table.id
        _check_view_holds_the_specs_figures(table, view, years, regions)
        _check_no_observation_missing_from_the_view(table, view, obs, years)
        _check_view_figures_equal_observations(table, view, obs, regions)
        # every workbook shows the view, cell by cell, under the right labels
        for lang, book in case.books.items():
            symbols_seen |= _check_workbook_shows_the_view(book, table, view, obs, all_names[lang], units, lang, regions)
    if case.name == "samples":
        assert symbols_seen == SYMBOLS, "the samples exercise every symbol"


def test_sections_contents_and_links(case: Case) -> None:
    meta = case.spec.meta
    for lang, book in case.books.items():
        names = meta["sheet_names"]
        front = [names[key][lang] for key in FRONT_SHEETS]
        assert book.sheetnames[: len(front)] == front
        assert [ws.title for ws in book.worksheets[len(front) :]] == [t.sheet for t in case.spec.tables]  # charts follow
        assert all(len(n) <= 31 for n in book.sheetnames) and len(set(book.sheetnames)) == len(book.sheetnames)
        contents = book[names["contents"][lang]]
        texts = [str(c.value) for row in contents.iter_rows() for c in row if c.value is not None]
        for section in case.spec.sections:
            assert f"{case.spec.text('section', lang)} {section.number}. {section.title[lang]}" in texts, (lang, section.id)
        assert len(case.spec.sections) >= 8
        assert all(merged.max_row < 4 for merged in contents.merged_cells.ranges), "one table: no heading rows merged inside it"
        linked = set()
        for ws in book.worksheets:
            for link in (c.hyperlink for row in ws.iter_rows() for c in row if c.hyperlink is not None):
                sheet = link.location.rsplit("!", 1)[0].strip("'").replace("''", "'")
                assert sheet in book.sheetnames, (lang, ws.title, link.location)
                if ws.title == contents.title:
                    linked.add(sheet)
        assert linked == {t.sheet for t in case.spec.tables} | {names[key][lang] for key in ("key_figures", "methodology")}, lang
        assert "yb_notes" in book.defined_names, lang
        for table in case.spec.tables:
            ws = book[table.sheet]
            whole = range_boundaries(book.defined_names[f"{table.view}_table"].attr_text.split("!")[1].replace("$", ""))
            figures = range_boundaries(book.defined_names[table.view].attr_text.split("!")[1].replace("$", ""))
            assert whole[0] == 1 and whole[1] < figures[1] and whole[2:] == figures[2:], (lang, table.id, "headings and labels too")
            assert ws.cell(row=whole[1], column=1).style == "yb_header_left", (lang, table.id, "from the header's first row")
            assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.freeze_panes is not None and ws.print_title_rows
            assert str(ws["A1"].value).startswith(f"{case.spec.text('table', lang)} {table.number}. ")
            assert any(str(c.value or "").startswith(case.spec.text("legend", lang)) for c in ws["A"][:8]), (lang, table.id)


def _markers(ws) -> dict[int, set[str]]:
    """Note number -> texts of the cells that carry its marker."""
    out: dict[int, set[str]] = {}
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                for n in MARKER.findall(c.value):
                    out.setdefault(int(n), set()).add(c.value)
    return out


def test_notes_are_driven_by_the_data(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    meta = case.spec.meta
    geo = {g["year"]: g for g in meta["geography_notes"]}
    years = _edition_years(con)
    missing = (
        set(con.execute("SELECT form, CAST(year AS INTEGER) FROM validation_results WHERE rule = 'missing_form'").fetchall())
        if con.execute("SELECT count(*) FROM validation_results").fetchone()[0]
        else set()
    )
    for lang, book in case.books.items():
        notes_ws = book[meta["sheet_names"]["notes"][lang]]
        notes = {int(MARKER.findall(str(r[0].value))[0]): r[1].value for r in notes_ws.iter_rows(min_row=5) if r[0].value}
        assert sorted(notes) == list(range(1, len(notes) + 1))
        names = Names(con, case.spec, lang)
        for table in case.spec.tables:
            ws = book[table.sheet]
            marked = _markers(ws)
            assert set(marked) <= set(notes), (lang, table.id)
            for n in marked:  # every marker is explained under the table too
                assert any(str(c.value or "").endswith(notes[n]) for c in ws["A"]), (lang, table.id, n)
            for note in table.notes:
                n = next(k for k, v in notes.items() if v == note[lang])
                assert any(s.startswith(f"{case.spec.text('table', lang)} {table.number}.") for s in marked[n]), (lang, table.id)
            shown = _years(table, con)
            if "ref_area" in _axis_dims(table) and shown:
                for year, g in geo.items():
                    n = next((k for k, v in notes.items() if v == g["text"][lang]), None)
                    for region in g["regions"]:
                        label = names(table, "ref_area", region)
                        rows = [c.value for c in ws["A"] if isinstance(c.value, str) and _strip(c.value) == label]
                        if min(shown) <= year <= max(shown) and rows:
                            assert n is not None and all(f" {n}]" in v for v in rows), (lang, table.id, region)
            if table.years != "all_available":
                for form, year in missing:
                    if form in table.source and year in shown:
                        text = meta["missing_form_note"][lang].format(form=form, source=names.source(form, year), year=year)
                        n = next(k for k, v in notes.items() if v == text)
                        assert n in marked, (lang, table.id, form, year)
    if case.name == "samples_without_gp":
        assert ("F-GP-1", years[-1]) in missing
        with duckdb.connect(str(case.store), read_only=True) as c:
            for table in case.spec.tables:
                if "F-GP-1" in table.source and table.kind == "crosstab":
                    assert set(c.execute(f"SELECT DISTINCT symbol FROM {table.view}").fetchall()) == {("…",)}, table.id


def test_views_and_csvs(case: Case, tmp_path: Path) -> None:
    with duckdb.connect(str(case.store), read_only=True) as con:
        views = {v for (v,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'").fetchall()}
        assert {t.view for t in case.spec.tables} | {f"{t.view}_{lang}" for t in case.spec.tables for lang in LANGUAGES} <= views
        catalog = con.execute("SELECT table_id, table_number, view_name FROM yb_tables ORDER BY position").fetchall()
        assert catalog == [(t.id, t.number, t.view) for t in case.spec.tables]
        paths = write_table_csvs(case.store, tmp_path)
        coded = {f"{t.view}.csv" for t in case.spec.tables}
        labelled = {f"{lang}/{name}" for lang in LANGUAGES for name in coded}
        assert {p.relative_to(tmp_path).as_posix() for p in paths} == coded | labelled | {"yb_tables.csv"}
        for table in case.spec.tables:
            frame = con.execute(f"SELECT * FROM {table.view}").df()
            with open(tmp_path / f"{table.view}.csv", encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            assert len(rows) == len(frame), table.id
            assert list(rows[0]) == list(frame.columns)
            for got, want in zip(rows, frame.to_dict("records"), strict=True):
                for col, value in want.items():
                    if value is None or (isinstance(value, float) and pd.isna(value)):
                        assert got[col] == "", (table.id, col)
                    elif isinstance(value, float):
                        assert float(got[col]) == pytest.approx(value, rel=1e-12), (table.id, col)
                    else:
                        assert got[col] == str(value), (table.id, col)


def test_numbers_carry_the_locale_of_their_language(case: Case) -> None:
    """89 190 and 5,2 in the Kazakh and Russian editions, 89,190 and 5.2 in the English one, whatever the reader's own
    settings: the number formats carry the locale of yearbook.yaml (LibreOffice and Excel honour [$-LCID])."""
    for lang, book in case.books.items():
        locale = case.spec.meta["number_locale"][lang]
        formats = {c.number_format for ws in book.worksheets[3:] for row in ws.iter_rows() for c in row if isinstance(c.value, int | float)}
        numbers = formats - {"0", "General"}  # years, and texts' cells
        assert {locale + "#,##0", locale + "0.0"} & numbers and all(f.startswith(locale) for f in numbers), (lang, formats)
    assert case.spec.meta["number_locale"]["ru"] == "[$-419]"


# --- time series, symbols, labels and sources as a reader sees them (issue #21) -------------------------------------


def _head_line(ws, prefix: str) -> str:
    """The line under a table's title that starts with ``prefix`` (its unit, source or legend)."""
    return next(str(c.value) for c in ws["A"][:8] if str(c.value or "").startswith(prefix))


def test_every_time_series_starts_at_the_first_year_built(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    years = _edition_years(con)
    series = [t for t in case.spec.tables if t.years == "all_reference_years"]
    assert len(series) >= 15, "the yearbook's time series declare every reference year of the edition"
    for table in series:
        view = con.execute(f"SELECT DISTINCT time_period FROM {table.view} ORDER BY 1").fetchall()
        assert [y for (y,) in view] == years, table.id
        for lang, book in case.books.items():
            ws, c0, r0, c1, _ = _data_range(book, table)
            heads = [_strip(ws.cell(row=r, column=c).value) for r in range(1, r0) for c in range(c0, c1 + 1)]
            assert str(years[0]) in heads and str(years[-1]) in heads, (lang, table.id, heads)
    if case.name == "raw":
        assert years[0] == 2016 and len(years) == 7, "the demo edition is 2016-2022"


def test_every_table_that_withholds_a_figure_says_so(case: Case) -> None:
    """Every table that shows x, whatever its kind or layout (a redesign included), carries the note that says how many
    figures it withholds; a table that shows none does not."""
    for lang, book in case.books.items():
        note = case.spec.meta["text"]["withheld_note"][lang].split("{n}")[0]
        for table in case.spec.tables:
            ws, c0, r0, c1, r1 = _data_range(book, table)
            withheld = sum(ws.cell(row=r, column=c).value == "x" for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
            said = [str(c.value) for c in ws["A"] if str(c.value or "").split("] ", 1)[-1].startswith(note)]
            assert bool(said) == bool(withheld), (lang, table.number, withheld, said)
            if withheld:
                assert said[0].split("] ", 1)[-1] == case.spec.text("withheld_note", lang, n=withheld), (lang, table.number)


def test_no_data_row_has_an_empty_label(case: Case) -> None:
    """Every row of a table's data range carries all its labels (a label repeated from the row above included): a screen
    reader, a filter or a copied row needs no empty label cell."""
    for lang, book in case.books.items():
        for table in case.spec.tables:
            ws, c0, r0, _, r1 = _data_range(book, table)
            for r in range(r0, r1 + 1):
                labels = [ws.cell(row=r, column=c).value for c in range(1, c0)]
                assert all(str(v or "").strip() for v in labels), (lang, table.number, r, labels)
    if case.name == "raw":  # tables of several label columns (1.8: indicator and sex) repeat the outer label
        book = case.books["en"]
        ws, c0, r0, _, _ = _data_range(book, case.spec.table("mortality_sex_ts"))
        assert ws.cell(row=r0, column=1).value == ws.cell(row=r0 + 1, column=1).value == "Infant mortality rate"
        assert ws.cell(row=r0 + 1, column=1).style == "yb_label_plain_repeat"


@pytest.mark.parametrize("case", ["raw"], indirect=True)  # the samples hold one year
def test_a_region_shows_z_in_the_years_before_it_existed(case: Case, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Abai, Zhetisu and Ulytau regions, formed in 2022, show [z] (not applicable) in 2016-2021 of a time series: the
    view and the CSV have a row for every such cell (symbol [z], no value), the workbook shows it and its legend says it."""
    table = case.spec.table("pop_region_ts")
    new = dict(con.execute("SELECT ref_area, name_en FROM regions WHERE valid_from = 2022").fetchall())
    assert set(new.values()) == {"Abai region", "Zhetisu region", "Ulytau region"}
    view = con.execute(f"SELECT ref_area, time_period, value, symbol, row_no, col_no FROM {table.view}").df()
    mine = view[view["ref_area"].isin(list(new))]
    before = mine[mine["time_period"] < 2022]
    assert len(before) == 3 * 6 and set(before["symbol"]) == {NOT_APPLICABLE} and before["value"].isna().all()
    assert mine[mine["time_period"] == 2022]["value"].notna().all()
    paths = write_table_csvs(case.store, tmp_path)
    with open(next(p for p in paths if p.name == f"{table.view}.csv"), encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["ref_area"] in new and int(r["time_period"]) < 2022]
    assert len(rows) == 18 and all(r["symbol"] == NOT_APPLICABLE and r["value"] == "" for r in rows)
    for lang, book in case.books.items():
        ws, c0, r0, _, _ = _data_range(book, table)
        for row in before.itertuples(index=False):
            assert ws.cell(row=r0 + row.row_no - 1, column=c0 + row.col_no - 1).value == NOT_APPLICABLE, (lang, row)
        legend = _head_line(ws, case.spec.text("legend", lang))
        assert legend.endswith(case.spec.text("legend_not_applicable", lang)), (lang, legend)
        symbols = [s for s, _ in case.spec.meta["text"]["symbol_rows"]]
        cover = [c.value for c in book.worksheets[0]["A"]]
        assert NOT_APPLICABLE in symbols and NOT_APPLICABLE in cover, lang
    one_year = case.spec.table("pop_region_area_sex")  # the latest year only: every region shown exists
    assert not con.execute(f"SELECT count(*) FROM {one_year.view} WHERE symbol = '{NOT_APPLICABLE}'").fetchone()[0]


SOURCE_LINES = {  # what a reader is told: the body that held the figures in each year shown, by name, no form code
    "preschool_region": {  # 2022 only
        "en": "Source: Ministry of Education of the Republic of Kazakhstan",
        "ru": "Источник: Министерство просвещения Республики Казахстан",
        "kk": "Дереккөзі: Қазақстан Республикасы Оқу-ағарту министрлігі",
    },
    "schooling_ts": {  # 2016-2022: the Ministry of Education and Science was split in June 2022
        "en": "Source: Ministry of Education and Science of the Republic of Kazakhstan (2016–2021); "
        "Ministry of Education of the Republic of Kazakhstan (2022)",
        "ru": "Источник: Министерство образования и науки Республики Казахстан (2016–2021); "
        "Министерство просвещения Республики Казахстан (2022)",
        "kk": "Дереккөзі: Қазақстан Республикасы Білім және ғылым министрлігі (2016–2021); "
        "Қазақстан Республикасы Оқу-ағарту министрлігі (2022)",
    },
}


@pytest.mark.parametrize("case", ["raw"], indirect=True)  # the samples hold one year
def test_a_source_line_names_the_body_of_each_year_shown(case: Case) -> None:
    for lang, book in case.books.items():
        for table_id, lines in SOURCE_LINES.items():
            ws = book[case.spec.table(table_id).sheet]
            assert _head_line(ws, case.spec.text("source", lang, source="")) == lines[lang], (lang, table_id)
        for table in case.spec.tables:
            line = _head_line(book[table.sheet], case.spec.text("source", lang, source=""))
            assert not re.search(r"F-[A-Z]+-\d", line), (lang, table.number, "a form code is for staff, not readers")
    en = case.books["en"]
    adoptions = _head_line(en[case.spec.table("adoptions_region_ts").sheet], "Source: ")
    assert adoptions == (
        "Source: Ministry of Healthcare and Social Development of the Republic of Kazakhstan (2016); "
        "Ministry of Labour and Social Protection of the Population of the Republic of Kazakhstan (2017–2022)"
    )
    births = _head_line(en[case.spec.table("births_region_ts").sheet], "Source: ")
    assert births.startswith("Source: Committee on Statistics, Ministry of National Economy of the Republic of Kazakhstan (2016–2020); ")


def test_a_count_of_suicides_is_in_persons(case: Case) -> None:
    for lang, book in case.books.items():
        for table in case.spec.tables:
            if "SUICIDE_ADOL" in table.indicators:
                unit = _head_line(book[table.sheet], case.spec.text("unit", lang, unit=""))
                assert unit == case.spec.text("unit", lang, unit=case.spec.meta["units"]["PS"][lang]), (lang, table.number)


def test_sources_must_name_a_body_for_every_year(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    shutil.copytree(tables_dir(), folder)
    meta = folder / "yearbook.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("    - from: 2022\n", "    - from: 2023\n", 1), encoding="utf-8")
    with pytest.raises(SpecError, match="from must be the year after the previous name's to"):
        load_yearbook_spec(folder)


def _printed_decimals(cell) -> int:
    """The decimals a figure's number format prints (0.0 -> 1)."""
    fmt = cell.number_format.split("]")[-1]
    return len(fmt.split(".")[1]) if "." in fmt else 0


def test_labelled_csvs_are_the_printed_tables_cell_for_cell(case: Case, tmp_path: Path) -> None:
    """Each table's CSV in kk, ru and en holds its sheet's range yb_<id>_table cell for cell: the headings where the
    sheet has them (blank where a heading spans), the row labels with their note markers, every figure with the
    decimals the sheet prints and no more, every symbol; the labelled view holds the same rows."""
    write_table_csvs(case.store, tmp_path)
    with duckdb.connect(str(case.store), read_only=True) as con:
        for lang, book in case.books.items():
            for table in case.spec.tables:
                path = tmp_path / lang / f"{table.view}.csv"
                assert path.read_bytes().startswith(codecs.BOM_UTF8), path
                separators = case.spec.meta["csv_format"][lang]
                with open(path, encoding="utf-8-sig", newline="") as f:
                    rows = list(csv.reader(f, delimiter=separators["delimiter"]))
                ((sheet, ref),) = book.defined_names[f"{table.view}_table"].destinations
                printed = [list(r) for r in book[sheet][ref.replace("$", "")]]
                assert len(rows) == len(printed) and all(len(r) == len(p) for r, p in zip(rows, printed, strict=True)), (lang, table.id)
                for got_row, cells in zip(rows, printed, strict=True):
                    for got, cell in zip(got_row, cells, strict=True):
                        where = (lang, table.id, cell.coordinate)
                        if cell.value is None:
                            assert got == "", where
                        elif isinstance(cell.value, int | float):
                            decimals = _printed_decimals(cell)
                            assert got == f"{cell.value:.{decimals}f}".replace(".", separators["decimal"]), where
                            assert float(got.replace(",", ".")) == pytest.approx(cell.value, abs=0.5 * 10**-decimals), where
                        else:
                            assert got == str(cell.value), where
                headings = _data_range(book, table)[2] - range_boundaries(ref)[1]  # the figures' first row - the table's
                view = con.execute(f'SELECT * FROM "{table.view}_{lang}"').fetchall()
                assert [[v or "" for v in row] for row in view] == rows[headings:], (lang, table.id)
