"""Section 8, Children and the SDGs (issue #22): the progress overview, the equity table and the goal tables' trend
charts.

The overview (kind ``sdg_progress``) and the equity table (kind ``sdg_equity``) lay out the rows of their views, which
read the store's ``sdg_progress`` and ``sdg_equity`` (:func:`yearbook.publish.layout.sdg_progress_sql`,
:func:`~yearbook.publish.layout.sdg_equity_sql`), so sheet, view and CSV agree. A verdict prints as its symbol and its
word (``yearbook.yaml`` ``sdg_verdicts``: never colour alone); a proxy's reason, a target's source and a withheld latest
figure are notes on the series' name; each row links to the first table of the yearbook that shows the series.

A goal table is an ordinary crosstab (indicators down, years across) that declares ``trend_charts``: under its notes,
one small line chart per indicator draws the indicator's row of the table, through :mod:`yearbook.publish.charts` (its
series reference the table's cells; a cell shown as x, … or [z] is not plotted).
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.worksheet import Worksheet

from yearbook.publish.charts import DRAW, ChartSpec, chart_title, load_charts, place
from yearbook.publish.layout import StoreContext, TableResult
from yearbook.publish.render import Cell, Grid, GridBuilder, GridRow, as_number, number_kind
from yearbook.publish.specs import TableSpec, YearbookSpec
from yearbook.sdg import load_sdg_map

CHART_ROWS = 14  # rows of 15 points a trend chart is high (about 7.4 cm)
CHART_ROW_HEIGHT = 15
CHART_GAP = 16  # pixels between two charts side by side
# The widest the series' names and the texts among the figures (units, verdicts) grow before they wrap: the overview's
# many columns and notes, in Kazakh or Russian, must keep its text at a readable size on one page.
PROGRESS_WIDTHS = {"last_label_width": 52.0, "text_width": 22.0}
EQUITY_WIDTHS = {"last_label_width": 56.0, "text_width": 40.0}  # fewer columns: the indicator's name and unit on one line
DIGIT_PIXELS = 7  # a column one unit wide is this many pixels (Arial 10's digit, the workbook's default font)


def _figure(value: float | None, kind: str) -> Cell:
    """A figure of a wide SDG table: … when there is none, - a true zero."""
    if value is None:
        return Cell("…", "symbol")
    return Cell("-", "symbol") if value == 0 else Cell(as_number(value), kind)


def detail_tables(spec: YearbookSpec) -> dict[str, TableSpec]:
    """Each indicator's first crosstab in yearbook order: where the overview sends a reader for its figures in full (its
    regions or survey breakdowns where a table shows them before the goal tables do)."""
    out: dict[str, TableSpec] = {}
    for table in spec.tables:
        if table.kind == "crosstab":
            for code in table.indicators:
                out.setdefault(code, table)
    return out


def verdict_text(spec: YearbookSpec, verdict: str, lang: str) -> str:
    """A verdict as the overview prints it: its symbol, then its word."""
    declared = spec.meta["sdg_verdicts"][verdict]
    return f"{declared['symbol']} {declared[lang]}"


def _method_note(b: GridBuilder) -> str:
    method = load_sdg_map().method
    band = f"{method['stagnation_band']:g}".replace(".", b.spec.meta["decimal_separator"][b.lang])
    return b.t("sdg_method_note", baseline_from=int(method["baseline_from"]), min_points=int(method["min_points"]), band=band)


def _progress(b: GridBuilder, res: TableResult) -> Grid:
    """The overview: one row per national series, from baseline to the anticipated 2030 value, target and verdict."""
    table, lang, t = res.table, b.lang, b.t
    idx = {name: i for i, name in enumerate(res.columns)}
    details = detail_tables(b.spec)
    used: dict[int, tuple[str, str]] = {}
    rows = []
    for row in res.rows:
        v = {name: row[i] for name, i in idx.items()}
        code, unit = v["indicator"], v["unit"]
        kind = number_kind(b.ctx.decimals(code))
        name = str(b.ctx.indicators.loc[code, f"name_{lang}"])
        parts = []
        if v["relation"] == "proxy":
            parts.append(t("sdg_proxy_note", why=v[f"proxy_why_{lang}"]))
        if v["target_value"] is not None:
            parts.append(t("sdg_target_note", source=v[f"target_source_{lang}"]))
        if v["latest_withheld"]:
            parts.append(t("sdg_withheld_note", year=v["latest_year"]))
        key: tuple = ("sdg_series", code, v["relation"], v["target_value"], v["latest_withheld"] and v["latest_year"])  # any language's
        items: list[tuple[tuple, str]] = [(key, t("sdg_series_note", name=name, parts=" ".join(parts)))] if parts else []
        label = name + (f" {t('sdg_proxy')}" if v["relation"] == "proxy" else "") + b._marks(table, items, used)
        detail = details.get(code)
        cells = [
            Cell(b.unit_name(unit, (code,)), "text"),
            _figure(v["baseline_year"], "year"),
            _figure(v["baseline_value"], kind),
            _figure(v["latest_year"], "year"),
            _figure(v["latest_value"], kind),
            _figure(v["anticipated_2030"], kind),
            _figure(v["target_value"], kind) if v["target_value"] is not None else Cell(t("sdg_no_target"), "text"),
            Cell(verdict_text(b.spec, v["verdict"], lang), "text"),
            Cell(detail.number, "link", detail.sheet) if detail is not None else Cell("…", "symbol"),
        ]
        rows.append(GridRow([f"{v['sdg_indicator']} {v['sdg_series']}", label], ["label_plain"] * 2, False, cells))
    notes: list[tuple[tuple, str]] = [(("text", n["en"]), n[lang]) for n in table.notes] + [(("sdg_method",), _method_note(b))]
    notes += b.withheld(table, [c for r in rows for c in r.cells])
    title = b.title(table, res.years) + b._marks(table, notes, used)
    lines = b.head_lines(table, res.years, False, bool(used))
    corner = [t("sdg_code_series"), t("sdg_national")]
    header: list[list[str | None]] = [
        [t("sdg_unit"), t("sdg_baseline"), t("sdg_baseline"), t("sdg_latest"), t("sdg_latest"), t("sdg_2030"), t("sdg_2030"),
         t("sdg_assessment"), t("sdg_detail")],
        [None, t("sdg_year"), t("sdg_value"), t("sdg_year"), t("sdg_value"), t("sdg_anticipated"), t("sdg_target"), None, None],
    ]  # fmt: skip
    listed = [(n, m, txt) for n, (m, txt) in sorted(used.items())]
    return Grid(table, title, lines, corner, header, rows, listed, **PROGRESS_WIDTHS)


def _equity(b: GridBuilder, res: TableResult) -> Grid:
    """The equity table: one row per gap, group a against group b, their ratio and difference."""
    table, lang, t, ctx = res.table, b.lang, b.t, b.ctx
    idx = {name: i for i, name in enumerate(res.columns)}

    def group(dimension: str, code: str) -> str:
        if dimension == "ref_area":
            return ctx.region_name(code, lang)
        return ctx.dim_name(dimension, code, lang)

    dims = b.spec.meta["dimensions"]
    rows: list[GridRow] = []
    previous = None
    for row in res.rows:
        v = {name: row[i] for name, i in idx.items()}
        code, kind, dimension = v["indicator"], number_kind(ctx.decimals(v["indicator"])), v["dimension"]
        name = f"{ctx.indicators.loc[code, f'name_{lang}']}, {b.unit_name(v['unit'], (code,))}"
        labels = [v["sdg_indicator"] or t("sdg_not_linked"), name]
        repeat = "label_plain_repeat" if code == previous else "label_plain"  # an indicator's next gaps: its labels lighter
        previous = code
        cells = [
            Cell(dims[dimension][lang], "text"),
            Cell(v["time_period"], "year"),
            Cell(group(dimension, v["group_a"]), "text"),
            _figure(v["value_a"], kind),
            Cell(group(dimension, v["group_b"]), "text"),
            _figure(v["value_b"], kind),
            _figure(v["ratio"], "dec2"),
            _figure(v["difference"], kind),
        ]
        rows.append(GridRow(labels, [repeat, repeat], False, cells))
    used: dict[int, tuple[str, str]] = {}
    items = [(("text", n["en"]), n[lang]) for n in table.notes] + b.withheld(table, [c for r in rows for c in r.cells])
    title = b.title(table, res.years) + b._marks(table, items, used)
    lines = b.head_lines(table, res.years, False, bool(used))
    corner = [t("sdg_code"), t("col_indicator")]
    header: list[list[str | None]] = [
        [dims["disaggregation"][lang], dims["time_period"][lang], t("sdg_group_a"), t("sdg_group_a"), t("sdg_group_b"),
         t("sdg_group_b"), t("sdg_ratio"), t("sdg_difference")],
        [None, None, t("sdg_group"), t("sdg_value"), t("sdg_group"), t("sdg_value"), None, None],
    ]  # fmt: skip
    listed = [(n, m, txt) for n, (m, txt) in sorted(used.items())]
    return Grid(table, title, lines, corner, header, rows, listed, **EQUITY_WIDTHS)


def grid(builder: GridBuilder, res: TableResult) -> Grid:
    """The grid of a table of section 8 that lays itself out (kind ``sdg_progress`` or ``sdg_equity``)."""
    return {"sdg_progress": _progress, "sdg_equity": _equity}[res.table.kind](builder, res)


# ---------------------------------------------------------------------------------------------
# Trend charts under the goal tables.


def _anchor(widths: list[float], first: int, last: int, top: int) -> TwoCellAnchor:
    """The cells from ``first`` to ``last`` pixels across the sheet's columns (``widths``), ``CHART_ROWS`` rows down
    from row ``top`` (from 1)."""

    def marker(x: float, row: int) -> AnchorMarker:
        col = 0
        while col < len(widths) - 1 and x >= widths[col] * DIGIT_PIXELS:
            x -= widths[col] * DIGIT_PIXELS
            col += 1
        return AnchorMarker(col=col, colOff=pixels_to_EMU(int(x)), row=row, rowOff=0)

    return TwoCellAnchor(_from=marker(first, top - 1), to=marker(last, top - 1 + CHART_ROWS))


def _trend_charts(wb: Workbook, spec: YearbookSpec, ctx: StoreContext, res: TableResult, lang: str) -> None:
    """One line chart per indicator of a goal table, side by side under its notes, inside its page's print area."""
    layout, table = res.layout, res.table
    assert layout is not None, "specs.py admits trend charts on crosstabs only"
    ws = wb[table.sheet]
    assert isinstance(ws, Worksheet), "a table's sheet is a worksheet"
    area = str(ws.print_area).rsplit("!", 1)[-1].replace("$", "")
    _, _, ncols, end = range_boundaries(area)
    assert ncols is not None and end is not None, "render.py sets the print area by its corners"
    top = end + 2  # a blank row under the notes
    widths = [float(ws.column_dimensions[get_column_letter(j)].width or 0) for j in range(1, ncols + 1)]
    span = sum(widths) * DIGIT_PIXELS
    codes = [str(entry.key[0][1]) for entry in layout.rows]
    unit = spec.meta["units"][spec.printed_unit(table.unit, table.indicators)][lang]
    gaps = load_charts().text["gaps"][lang].format(table=table.number)
    for k, code in enumerate(codes):
        sdg = ctx.indicators.loc[code, "sdg_indicator"]
        name = str(ctx.indicators.loc[code, f"name_{lang}"])
        chart = ChartSpec(
            id=f"{table.id}_{code.lower()}", type="line", table=table.id, series_in="rows", series=({"indicator": code},),
            totals="omit", title={lang: name}, value_axis={lang: unit}, category_axis={lang: spec.meta["dimensions"]["time_period"][lang]},
        )  # fmt: skip
        placed = place(wb, res, chart, spec.meta.get("total_codes", {}))
        drawing = DRAW["line"](chart, placed, lang)
        lines = [(name if not isinstance(sdg, str) else f"{sdg} {name}", 9, True)]
        if placed.withheld(0):
            lines.append((gaps, 8, False))
        drawing.title = chart_title(lines)
        drawing.legend = None  # one series: the title names it
        drawing.display_blanks = "gap"
        first, last = span * k / len(codes) + CHART_GAP / 2, span * (k + 1) / len(codes) - CHART_GAP / 2
        drawing.anchor = _anchor(widths, round(first), round(last), top)  # type: ignore[assignment]  # the stubs: a cell's name
        ws.add_chart(drawing)
    for r in range(top, top + CHART_ROWS):
        ws.row_dimensions[r].height = CHART_ROW_HEIGHT
    ws.print_area = f"A1:{get_column_letter(ncols)}{top + CHART_ROWS - 1}"
    ws.page_setup.fitToHeight = 1  # the table and its charts: one page


def add_trend_charts(wb: Workbook, spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str) -> None:
    """The trend charts of every table that declares them, on the table's own sheet (the tables written before)."""
    for res in results:
        if res.table.trend_charts:
            _trend_charts(wb, spec, ctx, res, lang)
