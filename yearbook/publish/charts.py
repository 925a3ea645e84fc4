"""The yearbook's charts (``schemas/tables/charts.yaml``): each on a chart sheet of its own after the tables.

A chart draws cells of its table's sheet and nothing else: its series point into the table's data range (the defined
name ``yb_<id>``), its categories and series names at the table's own labels, so chart and table cannot disagree and a
figure the table withholds is never drawn. A cell shown as x or … is text, which Excel and LibreOffice both draw at
zero: a bar of no length whose label the label format hides, and a line chart draws such a series as markers only, none
at that cell; the subtitle says such cells are not plotted. A true zero (-) is text too, drawn at zero, rightly. The
numbers are formatted as the table's cells are (their locale included).

The population pyramid needs no negated helper cells: the first series (males) is drawn against the primary value
axis reversed, the second against a hidden secondary one, both spanning -M..M, so both grow out from the middle; the
axis format prints the negative half without its sign.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, cast

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart
from openpyxl.chart.axis import ChartLines, TextAxis
from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumFmt, NumRef, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.legend import Legend
from openpyxl.chart.marker import DataPoint, Marker
from openpyxl.chart.series import Series, SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.line import LineProperties
from openpyxl.drawing.spreadsheet_drawing import AbsoluteAnchor
from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.page import PageMargins, PrintPageSetup

from yearbook.config import load_yaml
from yearbook.model import TOTAL
from yearbook.publish.layout import AxisEntry, StoreContext, TableResult, sources_text, years_text
from yearbook.publish.specs import LANGUAGES, SpecError, YearbookSpec, _text, load_yearbook_spec, tables_dir
from yearbook.publish.specs import Text as Texts

TYPES = ("pyramid", "line", "bar")
FONT = "Arial"
COLOURS = ("2E75B6", "E46C0A")  # the first and second series: boys and girls, infant and under-five
HIGHLIGHT = "1F3864"  # a total category among the bars
GRID = "D9D9D9"
ZERO = "-"  # the symbol of a true zero (layout.SYMBOL_SQL): drawn at zero, rightly
Chart = BarChart | LineChart
PAGE = (9_720_000, 6_480_000)  # the chart's size in EMU: 27 x 18 cm, a landscape A4 page within its margins


@dataclass(frozen=True)
class ChartSpec:
    id: str
    type: str
    table: str
    series_in: str  # columns | rows
    series: tuple[dict[str, str], ...]
    totals: str  # omit | highlight
    title: Texts
    value_axis: Texts
    category_axis: Texts


@dataclass(frozen=True)
class ChartsSpec:
    charts: tuple[ChartSpec, ...]
    text: dict[str, Texts]


def load_charts() -> ChartsSpec:
    """``charts.yaml`` beside the table specs (YEARBOOK_SCHEMAS: a staff's changed copy), checked against them."""
    return _load_charts(str(tables_dir()))


@lru_cache(maxsize=4)
def _load_charts(folder: str) -> ChartsSpec:
    raw = load_yaml(Path(folder) / "charts.yaml")
    text = {key: _text(value, f"charts.yaml: text.{key}") for key, value in raw["text"].items()}
    tables = {t.id: t for t in load_yearbook_spec(Path(folder)).tables}
    charts = []
    for item in raw["charts"]:
        where = f"charts.yaml: chart {item.get('id')}"
        chart = ChartSpec(
            id=item["id"],
            type=item["type"],
            table=item["table"],
            series_in=item.get("series_in", "columns"),
            series=tuple({k: str(v) for k, v in s.items()} for s in item["series"]),
            totals=item.get("totals", "omit"),
            title=_text(item["title"], f"{where}: title"),
            value_axis=_text(item["value_axis"], f"{where}: value_axis"),
            category_axis=_text(item["category_axis"], f"{where}: category_axis"),
        )
        table = tables.get(chart.table)
        if table is None or table.redesign is not None or table.kind != "crosstab":
            raise SpecError(f"{where}: table must be a crosstab of the section files that declares no redesign")
        axis = table.columns if chart.series_in == "columns" else table.rows
        if chart.type not in TYPES or chart.series_in not in ("columns", "rows") or chart.totals not in ("omit", "highlight"):
            raise SpecError(f"{where}: type must be one of {TYPES}, series_in columns or rows, totals omit or highlight")
        if not chart.series or any(set(s) - set(axis) for s in chart.series):
            raise SpecError(f"{where}: each series names codes of the dimensions of the table's {chart.series_in}")
        if len(chart.series) != {"pyramid": 2, "bar": 1}.get(chart.type, len(chart.series)):
            raise SpecError(f"{where}: a pyramid draws two series, a bar chart one")
        if chart.totals == "highlight" and chart.type != "bar":
            raise SpecError(f"{where}: only a bar chart highlights its totals")
        charts.append(chart)
    names = [text["chart"][lang].format(n=len(charts)) for lang in LANGUAGES]
    if any(len(n) > 31 or set(n) & set("[]:*?/\\") for n in names):
        raise SpecError("charts.yaml: text.chart makes sheet names of at most 31 characters, without []:*?/\\")
    return ChartsSpec(tuple(charts), text)


# ---------------------------------------------------------------------------------------------
# Where a chart's cells are on its table's sheet.


@dataclass(frozen=True)
class Placed:
    """A chart's references into its table's sheet, and the cells' values (for the axis and the note)."""

    values: list[str]  # one range per series, in the table's data range
    names: list[str]  # one cell per series: its heading or row label
    categories: str  # the labels of the categories
    highlight: list[int]  # positions of the total categories
    figures: list[list[object]]  # the values of the cells drawn, series by series
    number_format: str  # the table's format of its figures (General: none shown)

    def withheld(self, series: int) -> list[int]:
        """Positions of the series' cells that show a symbol other than a true zero (x, …, [z]): no figure."""
        return [k for k, v in enumerate(self.figures[series]) if isinstance(v, str) and v != ZERO]


def _ref(sheet: str, first: tuple[int, int], last: tuple[int, int]) -> str:
    """An absolute reference from (row, column) to (row, column)."""
    (r1, c1), (r2, c2) = first, last
    start = f"${get_column_letter(c1)}${r1}"
    return f"{quote_sheetname(sheet)}!{start}" + ("" if first == last else f":${get_column_letter(c2)}${r2}")


def _pick(entries: list[AxisEntry], codes: dict[str, str], latest: int, where: str) -> int:
    wanted = {dim: str(latest) if dim == "time_period" and code == "latest" else code for dim, code in codes.items()}
    found = [k for k, e in enumerate(entries) if all(str(dict(e.key).get(d)) == c for d, c in wanted.items())]
    if len(found) != 1:
        raise SpecError(f"{where}: series {codes} is {len(found)} entries of the table, not one")
    return found[0]


def _first_of_group(entries: list[AxisEntry], k: int, level: int) -> int:
    """The first entry sharing entry ``k``'s headings down to ``level``: where the table writes that heading."""
    while k > 0 and entries[k - 1].levels[: level + 1] == entries[k].levels[: level + 1]:
        k -= 1
    return k


def place(wb: Workbook, result: TableResult, chart: ChartSpec, totals: dict[str, list[str]]) -> Placed:
    layout, where = result.layout, f"chart {chart.id}"
    assert layout is not None, "load_charts admits crosstabs only"
    sheet, ref = next(iter(wb.defined_names[result.table.view].destinations))
    c0, r0, _, _ = range_boundaries(ref)
    assert c0 is not None and r0 is not None, "render.py names a table's data range by its corners"
    by_columns = chart.series_in == "columns"
    along, across = (layout.columns, layout.rows) if by_columns else (layout.rows, layout.columns)
    picked = [_pick(along, codes, layout.years[-1], where) for codes in chart.series]

    def is_total(entry: AxisEntry) -> bool:
        m = entry.levels[-1]
        return m is not None and (m.code == TOTAL or m.code in totals.get(m.dim, ()))

    kept = [k for k, e in enumerate(across) if chart.totals == "highlight" or not is_total(e)]
    if not kept or kept != list(range(kept[0], kept[-1] + 1)):
        raise SpecError(f"{where}: the totals left out must lead or close the table's {'rows' if by_columns else 'columns'}")
    first, last = kept[0], kept[-1]
    levels = len(along[0].levels)
    level = next((i for i in range(levels) if len({along[s].levels[i] for s in picked}) > 1), levels - 1)

    def cell(s: int, k: int) -> tuple[int, int]:  # series entry s, category entry k
        return (r0 + k, c0 + s) if by_columns else (r0 + s, c0 + k)

    values = [_ref(sheet, cell(s, first), cell(s, last)) for s in picked]
    if by_columns:
        names = [_ref(sheet, *[(r0 - levels + level, c0 + _first_of_group(along, s, level))] * 2) for s in picked]
        categories = _ref(sheet, (r0 + first, c0 - 1), (r0 + last, c0 - 1))
    else:
        names = [_ref(sheet, *[(r0 + _first_of_group(along, s, level), c0 - levels + level)] * 2) for s in picked]
        categories = _ref(sheet, (r0 - 1, c0 + first), (r0 - 1, c0 + last))
    ws = wb[sheet]
    figures: list[list[object]] = [[ws.cell(*cell(s, k)).value for k in kept] for s in picked]
    highlight = [k - first for k in kept if is_total(across[k])] if chart.totals == "highlight" else []
    numbers = (ws.cell(*cell(s, k)) for s in picked for k in kept)
    number_format = next((c.number_format for c in numbers if isinstance(c.value, int | float)), "General")
    return Placed(values, names, categories, highlight, figures, number_format)


# ---------------------------------------------------------------------------------------------
# Drawing.


def _font(size: float, bold: bool = False, colour: str = "262626") -> CharacterProperties:
    return CharacterProperties(latin=Font(typeface=FONT), sz=int(size * 100), b=bold, solidFill=colour)


def _rich(lines: Sequence[tuple[str, float, bool]]) -> RichText:
    return RichText(
        p=[
            Paragraph(pPr=ParagraphProperties(defRPr=_font(size, bold)), r=[RegularTextRun(rPr=_font(size, bold), t=t)])
            for t, size, bold in lines
        ]
    )


def chart_title(lines: Sequence[tuple[str, float, bool]]) -> Title:
    return Title(tx=Text(rich=_rich(lines)), overlay=False)


def _text_size(size: float) -> RichText:
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=_font(size)), endParaRPr=_font(size))])


def _axes(chart: Chart, spec: ChartSpec, lang: str, number_format: str) -> None:
    """Titles, label sizes, number format and grid lines of both axes."""
    x, y = chart.x_axis, chart.y_axis
    x.title, y.title = chart_title([(spec.category_axis[lang], 9, False)]), chart_title([(spec.value_axis[lang], 9, False)])
    x.txPr, y.txPr = _text_size(9), _text_size(9)
    x.delete = y.delete = False  # openpyxl 3.1 leaves them out otherwise
    y.number_format = number_format
    y.numFmt.sourceLinked = False
    y.majorGridlines = ChartLines(spPr=GraphicalProperties(ln=LineProperties(solidFill=GRID, w=6350)))
    x.majorTickMark = y.majorTickMark = "none"


def _series(ref: str, name: str, categories: str, colour: str) -> Series:
    s = Series(
        val=NumDataSource(numRef=NumRef(f=ref)), cat=AxDataSource(strRef=StrRef(f=categories)), tx=SeriesLabel(strRef=StrRef(f=name))
    )
    s.graphicalProperties = GraphicalProperties(solidFill=colour)
    return s


def _nice(top: float) -> float:
    """The round number (1, 2, 2.5 or 5 times a power of ten) at or above ``top``."""
    if top <= 0:
        return 1
    power = 10 ** math.floor(math.log10(top))
    return next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= top)


def _pyramid(spec: ChartSpec, placed: Placed, lang: str) -> Chart:
    numbers = [v for figures in placed.figures for v in figures if isinstance(v, int | float)]
    span = _nice(max(numbers, default=0))
    left, right = BarChart(), BarChart()
    for bars, k in ((left, 0), (right, 1)):
        bars.type, bars.grouping, bars.gapWidth = "bar", "clustered", 15
        bars.append(_series(placed.values[k], placed.names[k], placed.categories, COLOURS[k]))
        bars.y_axis.scaling.min, bars.y_axis.scaling.max, bars.y_axis.majorUnit = -span, span, span / 5
    fmt = placed.number_format
    _axes(left, spec, lang, f"{fmt};{fmt}")  # the negative half of the axis without its sign
    left.y_axis.scaling.orientation = "maxMin"
    left.x_axis.tickLblPos = "high"  # the ages at the left edge: the high end of the reversed axis
    # the second series on axes of its own; LibreOffice ignores the scaling of a deleted axis: this one is hidden by
    # a number format that prints nothing
    right.x_axis = TextAxis(axId=20, crossAx=200, delete=True, axPos="r")
    right.y_axis.axId, right.y_axis.crossAx, right.y_axis.crosses, right.y_axis.axPos = 200, 20, "max", "t"
    right.y_axis.delete, right.y_axis.tickLblPos, right.y_axis.majorGridlines = False, "none", None
    right.y_axis.numFmt = NumFmt(formatCode=";;;", sourceLinked=False)
    left += right
    return left


LineStyle = tuple[Literal["solid", "dash", "sysDot", "dashDot"], Literal["circle", "square", "triangle", "diamond"]]
LINE_STYLES: tuple[LineStyle, ...] = (("solid", "circle"), ("dash", "square"), ("sysDot", "triangle"), ("dashDot", "diamond"))


def _line(spec: ChartSpec, placed: Placed, lang: str) -> Chart:
    """Lines with markers; a series with a withheld cell as markers only, none at that cell: Excel and LibreOffice
    draw a text cell at zero, and neither (LibreOffice) hides a line's segment to it."""
    chart = LineChart()
    for k, (ref, name) in enumerate(zip(placed.values, placed.names, strict=True)):
        colour = COLOURS[k % len(COLOURS)]
        s = _series(ref, name, placed.categories, colour)
        withheld = placed.withheld(k)
        dash, symbol = LINE_STYLES[k % len(LINE_STYLES)]  # each line told apart by its dashes and markers, not colour alone
        line = LineProperties(noFill=True) if withheld else LineProperties(solidFill=colour, w=28575, prstDash=dash)
        s.graphicalProperties = GraphicalProperties(ln=line)
        s.marker = Marker(symbol=symbol, size=7, spPr=GraphicalProperties(solidFill=colour))
        hidden = GraphicalProperties(ln=LineProperties(noFill=True))
        s.dPt = [DataPoint(idx=i, marker=Marker(symbol="none"), spPr=hidden) for i in withheld]
        s.smooth = False
        chart.append(s)
    _axes(chart, spec, lang, placed.number_format)
    return chart


def _bar(spec: ChartSpec, placed: Placed, lang: str) -> Chart:
    chart = BarChart()
    chart.type, chart.grouping, chart.gapWidth = "bar", "clustered", 40
    s = _series(placed.values[0], placed.names[0], placed.categories, COLOURS[0])
    for k in placed.highlight:
        s.dPt.append(DataPoint(idx=k, invertIfNegative=False, spPr=GraphicalProperties(solidFill=HIGHLIGHT)))
    s.invertIfNegative = False
    fmt = placed.number_format
    s.dLbls = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False)
    s.dLbls.numFmt, s.dLbls.position, s.dLbls.txPr = f"{fmt};-{fmt};", "outEnd", _text_size(8)  # zero: a symbol, no label
    chart.append(s)
    _axes(chart, spec, lang, fmt)
    chart.x_axis.scaling.orientation = "maxMin"  # the table's first row at the top
    chart.x_axis.tickLblPos = "low"  # region names at the left edge, clear of negative bars
    chart.y_axis.crosses = "max"  # the value axis at the bottom
    chart.legend = None
    return chart


DRAW = {"pyramid": _pyramid, "line": _line, "bar": _bar}


@dataclass(frozen=True)
class ListedChart:
    """A chart as the contents sheet lists it: its sheet's name, title, years and source."""

    name: str
    title: str
    years: str
    source: str


def _years_drawn(chart: ChartSpec, result: TableResult) -> list[int]:
    """The years a chart draws: those its series name (``latest``: the table's last), else every year its table shows."""
    named = {series.get("time_period") for series in chart.series}
    if None in named:
        return result.years
    return sorted({result.years[-1] if year == "latest" else int(str(year)) for year in named})


def print_footer(footer: HeaderFooterItem | None, text: str) -> None:
    """The footer of every printed page of a sheet, a table's or a chart's: ``text`` (the table's number, the chart's
    name) on the left, the page and the pages on the right."""
    assert footer is not None and footer.left is not None and footer.right is not None, "openpyxl makes a sheet's footer whole"
    footer.left.text, footer.left.size = text.replace("&", "&&"), 8  # a lone & starts a code (&P, &N)
    footer.right.text, footer.right.size = "&P / &N", 8


def charts_heading(lang: str) -> str:
    """The heading of the charts on the contents sheet."""
    return load_charts().text["heading"][lang]


def add_charts(wb: Workbook, spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str) -> list[ListedChart]:
    """Every chart of ``charts.yaml`` on a chart sheet of its own at the end of ``wb``; return them for the contents."""
    charts = load_charts()
    by_table = {r.table.id: r for r in results}
    word = charts.text
    listed = []
    for n, chart in enumerate(charts.charts, start=1):
        result = by_table[chart.table]
        table = result.table
        placed = place(wb, result, chart, spec.meta.get("total_codes", {}))
        drawing = DRAW[chart.type](chart, placed, lang)
        name = word["chart"][lang].format(n=n)
        title = chart.title[lang].format(year=result.years[-1], years=years_text(result.years))
        sources = sources_text(spec, ctx, table.source, _years_drawn(chart, result), lang)
        source = spec.text("source", lang, source=sources)
        lines = [(f"{name}. {title}", 13, True), (word["data_line"][lang].format(source=source, table=table.number), 9, False)]
        if any(placed.withheld(k) for k in range(len(placed.values))):
            lines.append((word["gaps"][lang].format(table=table.number), 9, False))
        drawing.title = chart_title(lines)
        if drawing.legend is not None:
            drawing.legend = Legend(legendPos="b", overlay=False, txPr=_text_size(10))
        drawing.display_blanks = "gap"
        sheet = wb.create_chartsheet(name)
        sheet.add_chart(drawing)
        # Excel fills the sheet's window anyway; LibreOffice needs a size (the stubs take an anchor for a cell's name)
        cast(AbsoluteAnchor, drawing.anchor).ext = XDRPositiveSize2D(*PAGE)
        sheet.pageSetup = PrintPageSetup(orientation="landscape", paperSize=9)  # A4
        sheet.pageMargins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.25, footer=0.25)
        print_footer(sheet.headerFooter.oddFooter, name)
        listed.append(ListedChart(name, title, years_text(_years_drawn(chart, result)), sources))
    return listed
