"""The Excel yearbook: one workbook per language, every table drawn by the same renderer.

Layout follows the conventions of official statistics spreadsheets (the gptables model): a cover
sheet, a contents sheet linking to every table, a notes sheet; one table per sheet with its title,
unit, source and a legend of symbols above it; notes as ``[note N]`` markers on the title, a row
or a column heading, listed under the table and on the notes sheet, numbered in order of first
appearance (the same numbers in the three languages).

Every table is first turned into a :class:`Grid` (texts and values only, no formatting); one
function writes any grid, and all formatting comes from the named styles of :func:`named_styles`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from yearbook.model import TOTAL
from yearbook.publish.charts import add_charts
from yearbook.publish.layout import (
    CrosstabLayout,
    Member,
    StoreContext,
    TableResult,
    load_context,
    printed_spec,
    query_tables,
    years_shown,
    years_text,
)
from yearbook.publish.specs import LANGUAGES, TableSpec, YearbookSpec, load_yearbook_spec
from yearbook.publish.views import write_table_csvs

RATE_UNITS = {"PT", "PER_1000_LB"}
FONT = "Arial"


# ---------------------------------------------------------------------------------------------
# Named styles: the only place where the yearbook's look is defined.


def named_styles(locale: str = "") -> list[NamedStyle]:
    """The workbook's styles; numbers formatted in ``locale`` (yearbook.yaml's ``number_locale`` of its language)."""
    thin = Side(style="thin", color="A6A6A6")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    total_fill = PatternFill("solid", fgColor="F2F2F2")

    def style(name: str, **kw: object) -> NamedStyle:
        s = NamedStyle(name=name)
        font = kw.pop("font", None)
        s.font = font if isinstance(font, Font) else Font(name=FONT, size=10)
        for k, v in kw.items():
            setattr(s, k, v)
        return s

    top_left = Alignment(horizontal="left", vertical="top", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")
    bold = Font(name=FONT, size=10, bold=True)
    return [
        style("yb_cover_title", font=Font(name=FONT, size=18, bold=True), alignment=top_left),
        style("yb_title", font=Font(name=FONT, size=12, bold=True), alignment=top_left),
        style("yb_heading", font=Font(name=FONT, size=11, bold=True), alignment=Alignment(horizontal="left", vertical="center")),
        style("yb_text", alignment=top_left),
        style("yb_meta", font=Font(name=FONT, size=9, color="404040"), alignment=top_left),
        style("yb_link", font=Font(name=FONT, size=10, color="0563C1", underline="single"), alignment=Alignment(vertical="top")),
        style("yb_note", font=Font(name=FONT, size=9), alignment=top_left),
        style("yb_header", font=Font(name=FONT, size=9, bold=True), fill=head_fill, border=box,
              alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
        style("yb_header_left", font=Font(name=FONT, size=9, bold=True), fill=head_fill, border=box,
              alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        style("yb_label", border=box, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)),
        style("yb_label_plain", border=box, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        style("yb_label_total", font=bold, fill=total_fill, border=box,
              alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        style("yb_int", border=box, number_format=locale + "#,##0", alignment=right),
        style("yb_int_total", font=bold, fill=total_fill, border=box, number_format=locale + "#,##0", alignment=right),
        style("yb_dec1", border=box, number_format=locale + "0.0", alignment=right),
        style("yb_dec1_total", font=bold, fill=total_fill, border=box, number_format=locale + "0.0", alignment=right),
        style("yb_year", border=box, number_format="0", alignment=Alignment(horizontal="center", vertical="center")),
        style("yb_symbol", border=box, alignment=right),
        style("yb_symbol_total", font=bold, fill=total_fill, border=box, alignment=right),
        style("yb_cell_text", border=box, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)),
        style("yb_blank", border=box),
        style("yb_blank_total", fill=total_fill, border=box),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Grids: what a table sheet shows, without formatting.


@dataclass
class Cell:
    value: str | float | None  # a number, a symbol, a text, or None (blank)
    kind: str  # int | dec1 | year | symbol | text | blank


@dataclass
class GridRow:
    labels: list[str]
    label_kinds: list[str]  # label | label_plain | label_total
    total: bool
    cells: list[Cell]


@dataclass
class Grid:
    table: TableSpec
    title: str
    lines: list[str]  # unit, source, legend, ... under the title
    corner: list[str]  # headings of the row-label columns
    header: list[list[str | None]]  # level -> data column -> heading (None: spanned by the level above)
    rows: list[GridRow]
    notes: list[tuple[int, str, str]] = field(default_factory=list)  # (number, marker, text)


class NoteRegister:
    """Notes of one workbook, numbered in order of first use; keys are the same in every language."""

    def __init__(self, spec: YearbookSpec, lang: str) -> None:
        self.spec = spec
        self.lang = lang
        self.numbers: dict[tuple, int] = {}
        self.texts: dict[int, str] = {}
        self.tables: dict[int, list[str]] = {}

    def marker(self, key: tuple, text: str, table: TableSpec) -> tuple[int, str]:
        if key not in self.numbers:
            n = len(self.numbers) + 1
            self.numbers[key] = n
            self.texts[n] = text
            self.tables[n] = []
        n = self.numbers[key]
        if table.number not in self.tables[n]:
            self.tables[n].append(table.number)
        return n, "[" + self.spec.text("note_marker", self.lang, n=n) + "]"


def _number_kind(unit: str) -> str:
    return "dec1" if unit in RATE_UNITS else "int"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _member_notes(table: TableSpec, years: list[int], regions: list[str], ctx: StoreContext, spec: YearbookSpec, lang: str) -> dict:
    """Notes the data attach to members: (dim, code) -> [(key, text)]; ("title", None) for the title."""
    out: dict[tuple[str, object], list[tuple[tuple, str]]] = {}
    lo, hi = (min(years), max(years)) if years else (0, 0)
    for region in regions:
        for geo in spec.meta.get("geography_notes", []):
            if region in geo["regions"] and lo <= geo["year"] <= hi:
                out.setdefault(("ref_area", region), []).append((("geo", geo["year"]), geo["text"][lang]))
        if len(ctx.region_labels):
            start, end = ctx.region_validity(region)
            seen = set()
            for label, vf, vt in ctx.region_label_periods(region, lang):
                narrower = (vf is not None and (start is None or vf > start)) or (vt is not None and (end is None or vt < end))
                if narrower and (vf is None or vf <= hi) and (vt is None or vt >= lo) and (vf, vt) not in seen:
                    seen.add((vf, vt))
                    span = years_text(list(range(vf if vf is not None else lo, (vt if vt is not None else hi) + 1)))
                    name = ctx.regions.loc[region, f"name_{lang}"]
                    text = spec.meta["rename_note"][lang].format(region=name, label=label, years=span)
                    out.setdefault(("ref_area", region), []).append((("rename", region, vf, vt), text))
    if table.years != "all_available":
        axes = table.rows + table.columns
        for year in years:
            for form in table.source:
                if (form, year) in ctx.missing_forms:
                    text = spec.meta["missing_form_note"][lang].format(form=form, source=spec.meta["sources"][form][lang], year=year)
                    where = ("time_period", year) if "time_period" in axes else ("title", None)
                    out.setdefault(where, []).append((("missing", form, year), text))
    return out


class GridBuilder:
    """Turns a table's query result into a grid in one language."""

    def __init__(self, spec: YearbookSpec, ctx: StoreContext, lang: str, notes: NoteRegister) -> None:
        self.spec, self.ctx, self.lang, self.notes = spec, ctx, lang, notes
        self.totals = {dim: set(codes) for dim, codes in spec.meta.get("total_codes", {}).items()}

    def t(self, key: str, **fields: object) -> str:
        return self.spec.text(key, self.lang, **fields)

    def unit_name(self, unit: str) -> str:
        return self.spec.meta["units"].get(unit, {}).get(self.lang, unit)

    def is_total(self, member: Member | None) -> bool:
        if member is None:
            return False
        return member.code == TOTAL or member.code in self.totals.get(member.dim, set())

    def label(self, table: TableSpec, m: Member) -> str:
        lang, code = self.lang, m.code
        if m.dim == "time_period":
            return str(code)
        if m.dim == "ref_area":
            return str(self.ctx.regions.loc[code, f"name_{lang}"]) if code in self.ctx.regions.index else str(code)
        if isinstance(code, str) and code in table.labels:
            text = table.labels[code][lang]
        elif m.dim == "indicator":
            text = str(self.ctx.indicators.loc[code, f"name_{lang}"]) if code in self.ctx.indicators.index else str(code)
        elif m.dim == "disaggregation":
            text = self.ctx.dim_name("sex", TOTAL, lang) if code == TOTAL else self.spec.meta["dimensions"][code][lang]
        else:
            text = self.ctx.dim_name(m.dim, str(code), lang)
        if m.dim == "indicator" and table.unit == "mixed" and code in self.ctx.indicators.index:
            text = f"{text}, {self.unit_name(str(self.ctx.indicators.loc[code, 'unit']))}"
        return text

    def head_lines(self, table: TableSpec, blank: bool, noted: bool) -> list[str]:
        unit = self.t("unit_mixed") if table.unit == "mixed" else self.t("unit", unit=self.unit_name(table.unit))
        source = self.t("source", source="; ".join(self.spec.meta["sources"][f][self.lang] for f in table.source))
        legend = self.t("legend") + (";  " + self.t("legend_blank") if blank else "")
        return [unit, source, legend] + ([self.t("notes_pointer")] if noted else [])

    def title(self, table: TableSpec, years: list[int]) -> str:
        return f"{self.t('table')} {table.number}. {table.title[self.lang].format(years=years_text(years))}"

    def _marks(self, table: TableSpec, items: list[tuple[tuple, str]], used: dict[int, tuple[str, str]]) -> str:
        marks = {}
        for key, text in items:
            n, mark = self.notes.marker(key, text, table)
            used[n] = (mark, self.notes.texts[n])
            marks[n] = mark
        return (" " + " ".join(marks[n] for n in sorted(marks))) if marks else ""

    def crosstab(self, layout: CrosstabLayout, rows: list[tuple], columns: list[str]) -> Grid:
        table, ctx = layout.table, self.ctx
        used: dict[int, tuple[str, str]] = {}
        regions = [str(m.code) for e in layout.rows + layout.columns for m in e.levels if m is not None and m.dim == "ref_area"]
        member_notes = _member_notes(table, layout.years, list(dict.fromkeys(regions)), ctx, self.spec, self.lang)
        title_items = [(("text", n["en"]), n[self.lang]) for n in table.notes] + member_notes.get(("title", None), [])
        idx = {name: i for i, name in enumerate(columns)}
        withheld = sum(r[idx["symbol"]] == "x" for r in rows)
        if withheld:  # every table with hidden figures says how many, and why
            title_items.append((("withheld", withheld), self.t("withheld_note", n=withheld)))
        title = self.title(table, layout.years) + self._marks(table, title_items, used)

        def text(m: Member | None) -> str | None:
            if m is None:
                return None
            return self.label(table, m) + self._marks(table, member_notes.get((m.dim, m.code), []), used)

        header = (
            [[text(e.levels[level]) for e in layout.columns] for level in range(len(layout.columns[0].levels))] if layout.columns else [[]]
        )
        by_cell = {(r[idx["row_no"]], r[idx["col_no"]]): r for r in rows}
        units = {code: ctx.indicators.loc[code, "unit"] for code in table.indicators if code in ctx.indicators.index}
        label_cols = len(layout.rows[0].levels) if layout.rows else 0
        has_total = [any(self.is_total(e.levels[i]) for e in layout.rows) for i in range(label_cols)]
        grid_rows: list[GridRow] = []
        previous: tuple = ()
        for r, entry in enumerate(layout.rows, start=1):
            labels, kinds = [], []
            for i, m in enumerate(entry.levels):
                repeat = i < label_cols - 1 and previous[: i + 1] == entry.levels[: i + 1]
                labels.append("" if repeat else (text(m) or ""))
                kinds.append("label_total" if self.is_total(m) else ("label" if has_total[i] else "label_plain"))
            previous = entry.levels
            total = self.is_total(entry.levels[-1])
            cells = []
            for c in range(1, len(layout.columns) + 1):
                row = by_cell.get((r, c))
                if row is None:
                    cells.append(Cell(None, "blank"))
                elif row[idx["symbol"]] is not None:
                    cells.append(Cell(row[idx["symbol"]], "symbol"))
                else:
                    unit = row[idx["unit"]] or units.get(row[idx["indicator"]], "PS")
                    cells.append(Cell(_number(row[idx["value"]]), _number_kind(str(unit))))
            grid_rows.append(GridRow(labels, kinds, total, cells))
        corner = [self.spec.meta["dimensions"][d][self.lang] for d in table.rows]
        lines = self.head_lines(table, layout.blank_cells, bool(used))
        return Grid(table, title, lines, corner, header, grid_rows, [(n, m, txt) for n, (m, txt) in sorted(used.items())])

    def sdg_summary(self, table: TableSpec, years: list[int], rows: list[tuple], columns: list[str]) -> Grid:
        used: dict[int, tuple[str, str]] = {}
        items = [(("text", n["en"]), n[self.lang]) for n in table.notes]
        title = self.title(table, years) + self._marks(table, items, used)
        t = self.t
        corner = [t("sdg_code"), t("sdg_series"), t("sdg_national")]
        header: list[list[str | None]] = [
            [
                t("sdg_unit"),
                t("sdg_baseline"),
                t("sdg_baseline"),
                t("sdg_latest"),
                t("sdg_latest"),
                t("sdg_change"),
                t("sdg_disaggregations"),
            ],
            [None, t("sdg_year"), t("sdg_value"), t("sdg_year"), t("sdg_value"), None, None],
        ]
        idx = {name: i for i, name in enumerate(columns)}
        grid_rows = []
        for row in rows:
            ind, unit = row[idx["indicator"]], row[idx["unit"]]
            kind = _number_kind(unit)

            def num(value: float | None, kind: str = kind) -> Cell:
                if value is None:
                    return Cell("…", "symbol")
                return Cell("-", "symbol") if value == 0 else Cell(_number(value), kind)

            dims = [d.strip() for d in (row[idx["disaggregations"]] or "").split(",") if d.strip()]
            dis = ", ".join(self.spec.meta["dimensions"][d][self.lang] for d in dims) or t("sdg_none")
            name = str(self.ctx.indicators.loc[ind, f"name_{self.lang}"]) if ind in self.ctx.indicators.index else ind
            cells = [
                Cell(self.unit_name(unit), "text"),
                num(row[idx["baseline_year"]], "year"),
                num(row[idx["baseline_value"]]),
                num(row[idx["latest_year"]], "year"),
                num(row[idx["latest_value"]]),
                num(row[idx["change"]]),
                Cell(dis, "text"),
            ]
            grid_rows.append(GridRow([row[idx["sdg_indicator"]], row[idx["sdg_series"]], name], ["label_plain"] * 3, False, cells))
        lines = self.head_lines(table, False, bool(used))
        return Grid(table, title, lines, corner, header, grid_rows, [(n, m, txt) for n, (m, txt) in sorted(used.items())])


# ---------------------------------------------------------------------------------------------
# Writing: one function per sheet type, formatting only through the named styles.

TITLE_CHARS_PER_WIDTH = 1.3  # characters of 10pt Arial per unit of column width, roughly
MIN_TEXT_WIDTH = 110  # titles, lines and notes span at least this width (empty columns added right of a narrow table)
PAGE_HEIGHT = 500  # printable height of a landscape A4 page, points
DEFAULT_ROW_HEIGHT = 13


def _lines(text: str, width: float, size_factor: float = 1.0) -> int:
    chars = max(1.0, width * TITLE_CHARS_PER_WIDTH / size_factor)
    return sum(max(1, math.ceil(len(part) / chars)) for part in str(text).split("\n"))


def _merged_text(
    ws: Worksheet, row: int, text: str, style: str, ncols: int, width: float, line_height: float, size_factor: float = 1.0
) -> None:
    cell = ws.cell(row=row, column=1, value=text)
    cell.style = style
    if ncols > 1:  # a text line has no border: register the merge without openpyxl's (slow) border formatting of merged cells
        ws.merged_cells.add(MergedCellRange(ws, f"A{row}:{get_column_letter(ncols)}{row}"))
    ws.row_dimensions[row].height = line_height * _lines(text, width, size_factor) + 3


def _column_widths(grid: Grid) -> list[float]:
    widths = []
    for i, head in enumerate(grid.corner):
        longest = max([len(r.labels[i]) for r in grid.rows] + [len(head) // 2, 8])
        widths.append(round(min(max(longest / 1.15 + 3, 12), 48 if i == len(grid.corner) - 1 else 40), 1))
    ncols = len(grid.header[0]) if grid.header else 0
    for j in range(ncols):
        words = [w for level in grid.header for w in str(level[j] or "").split()]
        longest_word = max([len(w) for w in words] + [4])
        numbers = [c.cells[j] for c in grid.rows]
        longest_value = max(
            [len(f"{c.value:,.1f}") if isinstance(c.value, int | float) else len(str(c.value or "")) for c in numbers] + [4]
        )
        text_cell = any(c.kind == "text" for c in numbers)
        widths.append(min(max(longest_word + 2, longest_value + 3, 10), 40 if text_cell else 18))
    return widths


def _style_of(kind: str, total: bool) -> str:
    if kind in ("int", "dec1", "symbol", "blank"):
        return f"yb_{kind}_total" if total else f"yb_{kind}"
    return {"year": "yb_year", "text": "yb_cell_text"}[kind]


def write_table_sheet(ws: Worksheet, grid: Grid, contents_sheet: str, back_text: str, notes_heading: str) -> str:
    """Write one table; return the reference of its data range (for the defined name ``yb_<id>``)."""
    widths = _column_widths(grid)
    text_span = _set_widths(ws, widths)
    head_top = _write_title(ws, grid, text_span, contents_sheet, back_text)
    _write_corner(ws, grid, head_top)
    _write_header(ws, grid, head_top)
    _header_heights(ws, grid, head_top, widths)
    first = head_top + len(grid.header)
    _write_rows(ws, grid, first, widths)
    ncorner, ncols = len(grid.corner), len(widths)
    last = first + max(len(grid.rows), 1) - 1
    ws.freeze_panes = ws.cell(row=first, column=ncorner + 1).coordinate
    end = _write_notes(ws, grid, last, text_span, notes_heading)
    height = sum(ws.row_dimensions[i].height or DEFAULT_ROW_HEIGHT for i in range(1, end + 1))
    area = f"A1:{get_column_letter(text_span.columns)}{end}"
    _page_setup(ws, f"{head_top}:{first - 1}", area, grid.table.number, one_page=height <= 1.5 * PAGE_HEIGHT)
    return f"{quote_sheetname(ws.title)}!${get_column_letter(ncorner + 1)}${first}:${get_column_letter(ncols)}${last}"


@dataclass(frozen=True)
class _TextSpan:
    """The columns a title, a line or a note spans, and their width in all."""

    columns: int
    width: float


def _set_widths(ws: Worksheet, widths: list[float]) -> _TextSpan:
    """The table's column widths, and empty columns to their right up to :data:`MIN_TEXT_WIDTH` for the texts."""
    text_widths = list(widths)
    while sum(text_widths) < MIN_TEXT_WIDTH:
        text_widths.append(min(12, MIN_TEXT_WIDTH - sum(text_widths)))
    for j, w in enumerate(text_widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    return _TextSpan(len(text_widths), sum(text_widths))


def _write_title(ws: Worksheet, grid: Grid, text: _TextSpan, contents_sheet: str, back_text: str) -> int:
    """The title, the lines under it and the link back to the contents; return the header's first row."""
    r = 1
    _merged_text(ws, r, grid.title, "yb_title", text.columns, text.width, 16, 1.25)
    for line in grid.lines:
        r += 1
        _merged_text(ws, r, line, "yb_meta", text.columns, text.width, 12, 0.9)
    r += 1
    link = ws.cell(row=r, column=1, value=back_text)
    link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(contents_sheet)}!A1", display=back_text)
    link.style = "yb_link"
    return r + 2


def _write_corner(ws: Worksheet, grid: Grid, head_top: int) -> None:
    """The headings of the row label columns, each merged down the header's levels."""
    levels = len(grid.header)
    for i, text in enumerate(grid.corner, start=1):
        cell = ws.cell(row=head_top, column=i, value=text)
        cell.style = "yb_header_left"
        for k in range(1, levels):
            ws.cell(row=head_top + k, column=i).style = "yb_header_left"
        if levels > 1:
            ws.merge_cells(start_row=head_top, start_column=i, end_row=head_top + levels - 1, end_column=i)


def _write_header(ws: Worksheet, grid: Grid, head_top: int) -> None:
    """The column headings, level by level: a heading repeated over neighbouring columns under the same headings is one
    cell merged across them, and a heading with blank levels below it is merged down over them."""
    header, levels, ncorner = grid.header, len(grid.header), len(grid.corner)
    ndata = len(header[0]) if header else 0
    for level in range(levels):
        j = 0
        while j < ndata:
            text = header[level][j]
            span = 1
            while (
                j + span < ndata
                and text is not None
                and all(header[lv][j + span] == header[lv][j] for lv in range(level + 1))
                and (level + 1 >= levels or header[level + 1][j] is not None)
            ):
                span += 1
            col = ncorner + 1 + j
            if text is not None:
                depth = 1
                while level + depth < levels and header[level + depth][j] is None:
                    depth += 1
                ws.cell(row=head_top + level, column=col, value=text)
                for dc in range(span):
                    for dr in range(depth):
                        ws.cell(row=head_top + level + dr, column=col + dc).style = "yb_header"
                if span > 1 or depth > 1:
                    ws.merge_cells(
                        start_row=head_top + level, start_column=col, end_row=head_top + level + depth - 1, end_column=col + span - 1
                    )
            j += span


def _header_heights(ws: Worksheet, grid: Grid, head_top: int, widths: list[float]) -> None:
    """Each header row as high as its longest heading wraps (a one-level header: the corner's headings too)."""
    levels, ncorner = len(grid.header), len(grid.corner)
    for level in range(levels):
        lines = 1
        for j, text in enumerate(grid.header[level]):
            if text:
                lines = max(lines, _lines(text, widths[ncorner + j] - 1, 0.9))
        if level == levels - 1:
            lines = max([lines] + [_lines(t, widths[i] - 1, 0.9) for i, t in enumerate(grid.corner)]) if levels == 1 else lines
        ws.row_dimensions[head_top + level].height = 12.5 * lines + 4


def _write_rows(ws: Worksheet, grid: Grid, first: int, widths: list[float]) -> None:
    """The rows of the table from row ``first``: labels and cells, each row as high as its longest text wraps."""
    ncorner = len(grid.corner)
    for k, row in enumerate(grid.rows):
        rr = first + k
        height = 1
        for i, (label, kind) in enumerate(zip(row.labels, row.label_kinds, strict=True), start=1):
            cell = ws.cell(row=rr, column=i, value=label or None)
            cell.style = f"yb_{kind}"
            height = max(height, _lines(label, widths[i - 1] - 2, 0.9))
        for j, c in enumerate(row.cells, start=ncorner + 1):
            cell = ws.cell(row=rr, column=j, value=c.value)
            cell.style = _style_of(c.kind, row.total)
            if c.kind == "text":
                height = max(height, _lines(str(c.value), widths[j - 1] - 1, 0.9))
        if height > 1:
            ws.row_dimensions[rr].height = 13 * height + 2


def _write_notes(ws: Worksheet, grid: Grid, last: int, text: _TextSpan, notes_heading: str) -> int:
    """The notes of the table under its last row ``last``; return the sheet's last row."""
    end = last
    if grid.notes:
        end += 2
        head = ws.cell(row=end, column=1, value=notes_heading)
        head.style = "yb_heading"
        for _, marker, note in grid.notes:
            end += 1
            _merged_text(ws, end, f"{marker} {note}", "yb_note", text.columns, text.width, 12, 0.9)
    return end


def _page_setup(ws: Worksheet, title_rows: str | None, area: str, footer: str, one_page: bool = False) -> None:
    """Landscape A4, fit to the page width (and to one page tall when ``one_page``: a table a little too long)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    page, footer_parts = ws.sheet_properties.pageSetUpPr, ws.oddFooter
    assert page is not None and footer_parts is not None, "openpyxl makes them with every worksheet"
    left, right = footer_parts.left, footer_parts.right
    assert left is not None and right is not None, "openpyxl makes both parts of a footer"
    page.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.25, footer=0.3)
    ws.print_options.horizontalCentered = False
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = area
    left.text, left.size = footer, 8
    right.text, right.size = "&P / &N", 8


def write_cover(ws: Worksheet, spec: YearbookSpec, ctx: StoreContext, lang: str, contents: str, notes: str) -> None:
    t = lambda key, **kw: spec.text(key, lang, **kw)  # noqa: E731
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 100
    width = 112
    built = ctx.run.get("built_at")
    rows: list[tuple[str, str]] = [
        (t("yearbook_title"), "yb_cover_title"),
        (t("publisher"), "yb_text"),
        (t("edition", years=years_text(ctx.edition_years)), "yb_heading"),
    ]
    if built is not None:
        rows.append((t("built", date=str(built)[:10], run=ctx.run.get("run_id", "")), "yb_meta"))
    rows += [
        ("", "yb_text"),
        (t("about_heading"), "yb_heading"),
        (t("about"), "yb_text"),
        (t("how_heading"), "yb_heading"),
        (t("how"), "yb_text"),
        (t("machine_readable"), "yb_text"),
    ]
    r = 0
    for text, style in rows:
        r += 1
        height = 26 if style == "yb_cover_title" else 15
        _merged_text(ws, r, text, style, 2, width, height, 1.6 if style == "yb_cover_title" else 1.0)
    for target, label in ((contents, spec.meta["sheet_names"]["contents"][lang]), (notes, spec.meta["sheet_names"]["notes"][lang])):
        r += 1
        cell = ws.cell(row=r, column=1, value=f"→ {label}")
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(target)}!A1", display=label)
        cell.style = "yb_link"
    r += 2
    ws.cell(row=r, column=1, value=t("symbols_heading")).style = "yb_heading"
    r += 1
    for col, key in ((1, "col_symbol"), (2, "col_meaning")):
        ws.cell(row=r, column=col, value=t(key)).style = "yb_header_left"
    for symbol, meaning in spec.meta["text"]["symbol_rows"]:
        r += 1
        ws.cell(row=r, column=1, value=symbol).style = "yb_label_plain"
        ws.cell(row=r, column=2, value=meaning[lang]).style = "yb_label_plain"
    _page_setup(ws, None, f"A1:B{r}", "")
    ws.page_setup.orientation = "portrait"


def write_contents(ws: Worksheet, spec: YearbookSpec, ctx: StoreContext, lang: str) -> None:
    t = lambda key, **kw: spec.text(key, lang, **kw)  # noqa: E731
    widths = {"A": 12, "B": 85, "C": 12, "D": 48}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    _merged_text(ws, 1, spec.meta["sheet_names"]["contents"][lang], "yb_title", 4, sum(widths.values()), 16)
    _merged_text(ws, 2, t("contents_intro"), "yb_meta", 4, sum(widths.values()), 12)
    r = 4
    for column, key in enumerate(("col_table", "col_title", "col_years", "col_source"), start=1):
        ws.cell(row=r, column=column, value=t(key)).style = "yb_header_left"
    head = r
    for section in spec.sections:
        r += 1
        cell = ws.cell(row=r, column=1, value=f"{t('section')} {section.number}. {section.title[lang]}")
        cell.style = "yb_heading"
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        ws.row_dimensions[r].height = 20
        for table in section.tables:
            r += 1
            years = years_shown(table, ctx)
            link = ws.cell(row=r, column=1, value=f"{t('table')} {table.number}")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(table.sheet)}!A1", display=table.number)
            link.style = "yb_link"
            title = table.title[lang].format(years=years_text(years))
            ws.cell(row=r, column=2, value=title).style = "yb_text"
            ws.cell(row=r, column=3, value=years_text(years)).style = "yb_text"
            source = "; ".join(spec.meta["sources"][f][lang] for f in table.source)
            ws.cell(row=r, column=4, value=source).style = "yb_meta"
            ws.row_dimensions[r].height = 13 * max(_lines(title, widths["B"] - 2, 0.9), _lines(source, widths["D"] - 2, 0.9)) + 3
    ws.freeze_panes = ws.cell(row=head + 1, column=1).coordinate
    _page_setup(ws, f"{head}:{head}", f"A1:D{r}", "")


def write_notes(ws: Worksheet, spec: YearbookSpec, notes: NoteRegister, lang: str) -> None:
    t = lambda key, **kw: spec.text(key, lang, **kw)  # noqa: E731
    widths = {"A": 16, "B": 110, "C": 24}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    _merged_text(ws, 1, spec.meta["sheet_names"]["notes"][lang], "yb_title", 3, sum(widths.values()), 16)
    _merged_text(ws, 2, t("notes_intro"), "yb_meta", 3, sum(widths.values()), 12)
    r = 4
    for column, key in enumerate(("col_note", "col_note_text", "col_applies"), start=1):
        ws.cell(row=r, column=column, value=t(key)).style = "yb_header_left"
    head = r
    for n in sorted(notes.texts):
        r += 1
        ws.cell(row=r, column=1, value="[" + t("note_marker", n=n) + "]").style = "yb_label_plain"
        ws.cell(row=r, column=2, value=notes.texts[n]).style = "yb_cell_text"
        ws.cell(row=r, column=3, value=", ".join(notes.tables[n])).style = "yb_cell_text"
        applies = ", ".join(notes.tables[n])
        ws.row_dimensions[r].height = 13 * max(_lines(notes.texts[n], widths["B"] - 2), _lines(applies, widths["C"] - 2)) + 3
    ws.freeze_panes = ws.cell(row=head + 1, column=1).coordinate
    _page_setup(ws, f"{head}:{head}", f"A1:C{max(r, head)}", "")


# ---------------------------------------------------------------------------------------------
# The workbooks.


def build_workbook(spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str) -> Workbook:
    wb = Workbook()
    for style in named_styles(spec.meta["number_locale"][lang]):
        wb.add_named_style(style)
    names = spec.meta["sheet_names"]
    cover = wb.worksheets[0]  # the one sheet a new workbook has
    cover.title = names["cover"][lang]
    contents = wb.create_sheet(names["contents"][lang])
    notes_ws = wb.create_sheet(names["notes"][lang])
    notes = NoteRegister(spec, lang)
    builder = GridBuilder(spec, ctx, lang, notes)
    for res in results:
        if res.layout is not None:
            grid = builder.crosstab(res.layout, res.rows, res.columns)
        else:
            grid = builder.sdg_summary(res.table, res.years, res.rows, res.columns)
        ws = wb.create_sheet(res.table.sheet)
        ref = write_table_sheet(ws, grid, contents.title, spec.text("back", lang), spec.text("notes_heading", lang))
        wb.defined_names[res.table.view] = DefinedName(res.table.view, attr_text=ref)
    write_cover(cover, spec, ctx, lang, contents.title, notes_ws.title)
    write_contents(contents, spec, ctx, lang)
    write_notes(notes_ws, spec, notes, lang)
    add_charts(wb, spec, results, lang)
    wb.properties.title = spec.text("yearbook_title", lang)
    wb.properties.creator = spec.text("publisher", lang)
    wb.properties.language = lang
    return wb


def render_workbooks(store: Path, folder: Path, spec: YearbookSpec | None = None, results: list[TableResult] | None = None) -> list[Path]:
    """Write ``yearbook_kk.xlsx``, ``yearbook_ru.xlsx`` and ``yearbook_en.xlsx`` from ``store`` (opened read-only) into
    ``folder``; ``results``: the tables already queried (:func:`~yearbook.publish.layout.query_tables`)."""
    spec = spec or load_yearbook_spec()
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(store), read_only=True) as con:
        ctx = load_context(con, spec)
        spec = printed_spec(con, spec, ctx)
        results = results if results is not None else query_tables(con, spec, ctx)
    written = []
    for lang in LANGUAGES:
        path = folder / f"yearbook_{lang}.xlsx"
        build_workbook(spec, ctx, results, lang).save(path)
        written.append(path)
    return written


def render_yearbook(store: Path, folder: Path, tables_folder: Path, spec: YearbookSpec | None = None) -> tuple[list[Path], list[Path]]:
    """The workbooks into ``folder`` and every table as CSV into ``tables_folder``, each table queried once."""
    spec = spec or load_yearbook_spec()
    with duckdb.connect(str(store), read_only=True) as con:
        ctx = load_context(con, spec)
        spec = printed_spec(con, spec, ctx)
        results = query_tables(con, spec, ctx)
    return render_workbooks(store, folder, spec, results), write_table_csvs(store, tables_folder, spec, results)
