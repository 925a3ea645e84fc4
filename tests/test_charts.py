"""The yearbook's charts (schemas/tables/charts.yaml): on chart sheets after the tables, in the workbook's language,
drawing exactly the cells of the tables they illustrate.

Each series is checked against the table's view, independently of the chart code: every cell it points at lies in
the table's data range (the defined name ``yb_<id>``), is the figure of the codes the chart names, and its category
label is the label of that figure's row or column.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.series import Series
from openpyxl.chart.title import Title
from openpyxl.utils.cell import range_boundaries

from tests import test_publish
from tests.test_publish import Case, Names, _data_range, _expected, _same, _strip
from yearbook.config import schemas_dir
from yearbook.publish.__main__ import to_pdf
from yearbook.publish.charts import ChartSpec, load_charts, print_footer
from yearbook.publish.key_figures import read_key_figures
from yearbook.publish.layout import NOT_APPLICABLE, load_context, printed_spec, query_tables
from yearbook.publish.render import build_workbook
from yearbook.publish.specs import SpecError, TableSpec

case, con = test_publish.case, test_publish.con  # its fixtures: a store and workbooks built per case, a connection


def _cells(ref: str) -> tuple[str, list[tuple[int, int]]]:
    """The sheet and the (row, column) of every cell of a reference."""
    sheet, _, cells = ref.rpartition("!")
    c1, r1, c2, r2 = range_boundaries(cells.replace("$", ""))
    return sheet.strip("'").replace("''", "'"), [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _text(title: Title) -> str:
    return "\n".join("".join(r.t for r in p.r or ()) for p in title.tx.rich.p)


def _chart(book: openpyxl.Workbook, n: int, lang: str) -> ChartBase:
    sheet = book[load_charts().text["chart"][lang].format(n=n)]
    assert isinstance(sheet, openpyxl.chartsheet.Chartsheet)
    (chart,) = sheet._charts
    return chart


def _series(chart: ChartBase) -> list[Series]:
    return [s for part in chart._charts for s in part.series]


def _is_total(case: Case, dim: str, code: object) -> bool:
    return code in ("_T", *case.spec.meta["total_codes"].get(dim, ()))


def _check_series(book, table: TableSpec, chart: ChartSpec, s: Series, codes: dict, view: pd.DataFrame, names: Names, case: Case):
    """The series draws the view's figures of ``codes``, in the table's data range, under their own labels."""
    ws, c0, r0, c1, r1 = _data_range(book, table)
    sheet, cells = _cells(s.val.numRef.f)
    assert sheet == table.sheet and all(r0 <= r <= r1 and c0 <= c <= c1 for r, c in cells), (chart.id, s.val.numRef.f)
    by_cell = {(row.row_no, row.col_no): row for row in view.itertuples(index=False)}
    latest = view["time_period"].max()
    wanted = {d: latest if c == "latest" else c for d, c in codes.items()}
    across = table.rows[-1] if chart.series_in == "columns" else table.columns[-1]
    for r, c in cells:
        row = by_cell[(r - r0 + 1, c - c0 + 1)]
        if row.symbol == NOT_APPLICABLE:  # a region that did not exist that year
            assert ws.cell(r, c).value == NOT_APPLICABLE
            continue
        assert all(str(getattr(row, d)) == str(code) for d, code in wanted.items()), (chart.id, codes, r, c)
        assert _same(ws.cell(r, c).value, _expected((row.value, row.obs_status, row.obs_conf))), (chart.id, r, c)
        if chart.totals == "omit":
            assert not _is_total(case, across, getattr(row, across)), (chart.id, "a total drawn", r, c)
    # the categories: the label of each figure's row (or column heading), beside (above) the figures
    cat_sheet, categories = _cells(s.cat.strRef.f)
    assert cat_sheet == table.sheet and len(categories) == len(cells)
    for (r, c), (cr, cc) in zip(cells, categories, strict=True):
        row = by_cell.get((r - r0 + 1, c - c0 + 1))
        assert (cr, cc) == ((r, c0 - 1) if chart.series_in == "columns" else (r0 - 1, c)), (chart.id, (cr, cc))
        if row is not None:
            assert _strip(ws.cell(cr, cc).value) == names(table, across, getattr(row, across)), (chart.id, cr, cc)
    # the series' name: a heading or label of the table naming one of its codes
    name_sheet, ((nr, nc),) = _cells(s.tx.strRef.f)
    assert name_sheet == table.sheet and (nr < r0 or nc < c0)
    assert _strip(ws.cell(nr, nc).value) in {names(table, d, code) for d, code in codes.items() if code != "latest"} | {str(latest)}


def test_the_charts_draw_the_cells_of_their_tables(case: Case, con: duckdb.DuckDBPyConnection) -> None:
    charts = load_charts()
    assert {c.type for c in charts.charts} >= {"pyramid", "line", "bar"} and len(charts.charts) >= 4
    for lang, book in case.books.items():
        words = [charts.text["chart"][lang].format(n=n) for n in range(1, len(charts.charts) + 1)]
        assert [cs.title for cs in book.chartsheets] == words == book.sheetnames[-len(words) :], lang
        names = Names(con, case.spec, lang)
        contents = [c.value for row in book[case.spec.meta["sheet_names"]["contents"][lang]].iter_rows() for c in row]
        for n, spec in enumerate(charts.charts, start=1):
            table = case.spec.table(spec.table)
            view = con.execute(f"SELECT * FROM {table.view} ORDER BY row_no, col_no").df()
            chart = _chart(book, n, lang)
            title = _text(chart.title)
            assert title.startswith(f"{words[n - 1]}. {spec.title[lang].split('{')[0]}"), (lang, title)
            assert words[n - 1] in contents, (lang, "the contents list the chart")
            assert (_text(chart.x_axis.title), _text(chart.y_axis.title)) == (spec.category_axis[lang], spec.value_axis[lang])
            series = _series(chart)
            assert len(series) == len(spec.series), spec.id
            for s, codes in zip(series, spec.series, strict=True):
                _check_series(book, table, spec, s, codes, view, names, case)
    en, ru, kk = (_text(_chart(case.books[lang], 1, lang).title) for lang in ("en", "ru", "kk"))
    assert len({en, ru, kk}) == 3, "each workbook's charts in its own language"


def test_the_pyramid_draws_males_left_and_females_right_without_helper_cells(case: Case) -> None:
    charts = load_charts()
    n = next(n for n, c in enumerate(charts.charts, start=1) if c.type == "pyramid")
    for lang, book in case.books.items():
        chart = _chart(book, n, lang)
        left, right = chart._charts
        assert left.y_axis.scaling.orientation == "maxMin" and right.y_axis.scaling.orientation == "minMax"
        assert left.y_axis.scaling.min == -left.y_axis.scaling.max == right.y_axis.scaling.min == -right.y_axis.scaling.max
        locale = case.spec.meta["number_locale"][lang]
        assert left.y_axis.numFmt.formatCode == f"{locale}#,##0;{locale}#,##0", "the left half's labels without a minus"
        males, females = (_series(chart)[k] for k in (0, 1))
        ws = book[_cells(males.val.numRef.f)[0]]
        for s in (males, females):  # the table's own figures, none negated
            assert all(isinstance(ws.cell(r, c).value, int) and ws.cell(r, c).value > 0 for r, c in _cells(s.val.numRef.f)[1])


def test_a_withheld_cell_is_not_plotted_and_the_chart_says_so(case: Case) -> None:
    """A national rate withheld (x) in the trend table and in the regional one: the charts still point at the cell,
    the line draws no point there and no line through it, and the subtitle says why."""
    spec = case.spec
    with duckdb.connect(str(case.store), read_only=True) as connection:
        ctx = load_context(connection, spec)
        spec = printed_spec(connection, spec, ctx)
        results = query_tables(connection, spec, ctx)
        key_figures = read_key_figures(connection, spec, ctx)
    charts = load_charts()
    hide = {"mortality_sex_ts": 1, "infant_mortality_region_ts": 2}  # the row whose latest year is withheld
    for result in results:
        if result.table.id in hide:
            idx = {c: i for i, c in enumerate(result.columns)}
            cell = (hide[result.table.id], max(r[idx["col_no"]] for r in result.rows))
            result.rows = [
                (*r[: idx["value"]], None, *r[idx["value"] + 1 : idx["symbol"]], "x", *r[idx["symbol"] + 1 :])
                if (r[idx["row_no"]], r[idx["col_no"]]) == cell
                else r
                for r in result.rows
            ]
    lang = "kk"
    book = build_workbook(spec, ctx, results, lang, key_figures)
    for n, chart_spec in enumerate(charts.charts, start=1):
        chart = book[charts.text["chart"][lang].format(n=n)]._charts[0]
        table = spec.table(chart_spec.table)
        note = charts.text["gaps"][lang].format(table=table.number)
        first = _series(chart)[0]
        sheet, cells = _cells(first.val.numRef.f)
        values = [book[sheet].cell(*c).value for c in cells]
        assert (note in _text(chart.title)) == ("x" in values) == (table.id in hide), (chart_spec.id, _text(chart.title))
        if chart_spec.type == "line" and "x" in values:
            assert first.graphicalProperties.line.noFill and [p.idx for p in first.dPt] == [values.index("x")]
            assert all(p.marker.symbol is None for p in first.dPt)  # openpyxl's "none"


@pytest.mark.slow  # LibreOffice converts a workbook in some ten seconds
@pytest.mark.parametrize("case", ["samples"], indirect=True)
def test_libreoffice_renders_the_chart_pages(case: Case, tmp_path: Path) -> None:
    if not (shutil.which("libreoffice") or shutil.which("soffice")):
        pytest.skip("libreoffice is not installed")
    charts = load_charts()
    lang = "ru"
    book = case.store.parent / "yearbook" / f"yearbook_{lang}.xlsx"
    (pdf,) = to_pdf([book], tmp_path, 1)
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found, info
    pages = int(found.group(1))
    count = len(charts.charts)
    for n, chart in enumerate(charts.charts, start=1):
        page = pages - count + n  # the chart sheets close the workbook, a page each
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), pdf, "-"], capture_output=True, text=True, check=True).stdout
        words = " ".join(text.split())
        assert f"{charts.text['chart'][lang].format(n=n)}. {chart.title[lang].split('{')[0].strip()}" in words, (n, words[:300])
        assert chart.value_axis[lang] in words
        if chart.type == "pyramid":  # the axis in the Russian locale: 200 000, not 200,000
            assert re.search(r"\b\d{2,3}[ \u00a0\u202f]000\b", words) and not re.search(r"\d,000", words), words


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("table: migration_region_sex", "table: suicide_region_sex"),  # a redesign may be printed instead
        ("- {indicator: MIG_NET, sex: _T}", "- {indicator: MIG_NET, age: _T}"),  # age is on no axis of the table
        ('title:\n      kk: "Балалар көші-қонының', 'title:\n      kz: "Балалар көші-қонының'),  # a text without kk
    ],
)
def test_a_chart_the_tables_cannot_draw_is_refused(old: str, new: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), schemas)
    charts = schemas / "tables" / "charts.yaml"
    assert old in charts.read_text(encoding="utf-8")
    charts.write_text(charts.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    monkeypatch.setenv("YEARBOOK_SCHEMAS", str(schemas))
    with pytest.raises(SpecError, match="net_migration_region"):
        load_charts()


def test_a_footer_prints_an_ampersand_as_written() -> None:
    """A lone & in a footer starts one of its codes (&P, &N): a name's own is doubled."""
    sheet = openpyxl.Workbook().create_chartsheet("Chart 1")
    print_footer(sheet.headerFooter.oddFooter, "Births & deaths")
    footer = sheet.headerFooter.oddFooter
    assert footer.left.text == "Births && deaths" and footer.right.text == "&P / &N"
