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
from collections.abc import Hashable, Sequence
from copy import copy
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.styleable import StyleableObject
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from yearbook import workers
from yearbook.model import TOTAL
from yearbook.publish.charts import ListedChart, add_charts, charts_heading, print_footer
from yearbook.publish.key_figures import KeyFigures, read_key_figures
from yearbook.publish.layout import (
    CrosstabLayout,
    Member,
    StoreContext,
    TableResult,
    load_context,
    printed_spec,
    query_tables,
    sources_text,
    years_shown,
    years_text,
)
from yearbook.publish.notes import boundary_notes, missing_form_note, renamings
from yearbook.publish.specs import LANGUAGES, TableSpec, YearbookSpec, load_yearbook_spec
from yearbook.textfit import longest_word_units, row_height, units_for, wrapped_lines
from yearbook.validation.report import temporary_files_in

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
    repeat = Font(name=FONT, size=10, color="767676")  # a label repeated from the row above: lighter, 4.5:1 on white
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
        style("yb_label_repeat", font=repeat, border=box,
              alignment=Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)),
        style("yb_label_plain_repeat", font=repeat, border=box,
              alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        style("yb_label_total", font=bold, fill=total_fill, border=box,
              alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        style("yb_int", border=box, number_format=locale + "#,##0", alignment=right),
        style("yb_int_total", font=bold, fill=total_fill, border=box, number_format=locale + "#,##0", alignment=right),
        style("yb_dec1", border=box, number_format=locale + "0.0", alignment=right),
        style("yb_dec1_total", font=bold, fill=total_fill, border=box, number_format=locale + "0.0", alignment=right),
        style("yb_dec2", border=box, number_format=locale + "0.00", alignment=right),
        style("yb_year", border=box, number_format="0", alignment=Alignment(horizontal="center", vertical="center")),
        style("yb_symbol", border=box, alignment=right),
        style("yb_symbol_total", font=bold, fill=total_fill, border=box, alignment=right),
        style("yb_cell_text", border=box, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)),
        style("yb_cell_link", font=Font(name=FONT, size=10, color="0563C1", underline="single"), border=box,
              alignment=Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Grids: what a table sheet shows, without formatting.


@dataclass
class Cell:
    value: str | float  # a number, a symbol or a text
    kind: str  # int | dec1 | dec2 | year | symbol | text | link
    link: str | None = None  # kind link: the sheet it goes to


@dataclass
class GridRow:
    labels: list[str]
    label_kinds: list[str]  # label | label_plain | label_total, or label(_plain)_repeat: repeated from the row above
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
    last_label_width: float = 48  # the widest the last row-label column grows before its labels wrap
    text_width: float = 40  # the widest a data column of texts grows before its texts wrap


class NoteRegister:
    """Notes of one workbook, numbered in order of first use; keys are the same in every language."""

    def __init__(self, spec: YearbookSpec, lang: str) -> None:
        self.spec = spec
        self.lang = lang
        self.numbers: dict[Hashable, int] = {}
        self.texts: dict[int, str] = {}
        self.tables: dict[int, list[str]] = {}

    def marker(self, key: Hashable, text: str, table: TableSpec) -> tuple[int, str]:
        if key not in self.numbers:
            n = len(self.numbers) + 1
            self.numbers[key] = n
            self.texts[n] = text
            self.tables[n] = []
        n = self.numbers[key]
        if table.number not in self.tables[n]:
            self.tables[n].append(table.number)
        return n, "[" + self.spec.text("note_marker", self.lang, n=n) + "]"


def number_kind(decimals: int) -> str:
    """The cell kind (and style) of a figure printed with ``decimals`` (an indicator's, schemas/indicators.yaml)."""
    return ("int", "dec1", "dec2")[decimals]


def as_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _member_notes(table: TableSpec, years: list[int], regions: list[str], ctx: StoreContext, spec: YearbookSpec, lang: str) -> dict:
    """Notes the data attach to members (yearbook.publish.notes): (dim, code) -> [(note id, text)]; ("title", None) for
    the title."""
    out: dict[tuple[str, object], list[tuple[Hashable, str]]] = {}
    lo, hi = (min(years), max(years)) if years else (0, 0)
    for region in regions:
        noted = [note for note, year, areas in boundary_notes(spec) if region in areas and lo <= year <= hi]
        noted += [note for note, _ in renamings(spec, ctx, region, lo, hi) if lang in note.texts]
        for note in noted:
            out.setdefault(("ref_area", region), []).append((note.note_id, note.texts[lang]))
    if table.years != "all_available":
        axes = table.rows + table.columns
        for year in years:
            for form in table.source:
                if (form, year) in ctx.missing_forms:
                    note = missing_form_note(spec, form, year)
                    where = ("time_period", year) if "time_period" in axes else ("title", None)
                    out.setdefault(where, []).append((note.note_id, note.texts[lang]))
    return out


class GridBuilder:
    """Turns a table's query result into a grid in one language."""

    def __init__(self, spec: YearbookSpec, ctx: StoreContext, lang: str, notes: NoteRegister) -> None:
        self.spec, self.ctx, self.lang, self.notes = spec, ctx, lang, notes
        self.totals = {dim: set(codes) for dim, codes in spec.meta.get("total_codes", {}).items()}

    def t(self, key: str, **fields: object) -> str:
        return self.spec.text(key, self.lang, **fields)

    def unit_name(self, unit: str, indicators: tuple[str, ...] = ()) -> str:
        """The name of the unit ``indicators`` print in (:meth:`~yearbook.publish.specs.YearbookSpec.printed_unit`)."""
        unit = self.spec.printed_unit(unit, indicators)
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
            return self.ctx.region_name(str(code), lang)
        if isinstance(code, str) and code in table.labels:
            text = table.labels[code][lang]
        elif m.dim == "indicator":
            text = self.ctx.indicator_name(str(code), lang)
        elif m.dim == "disaggregation":
            text = self.ctx.dim_name("sex", TOTAL, lang) if code == TOTAL else self.spec.meta["dimensions"][code][lang]
        else:
            text = self.ctx.dim_name(m.dim, str(code), lang)
        if m.dim == "indicator" and table.unit == "mixed" and code in self.ctx.indicators.index:
            text = f"{text}, {self.unit_name(str(self.ctx.indicators.loc[code, 'unit']), (str(code),))}"
        return text

    def head_lines(self, table: TableSpec, years: list[int], not_applicable: bool, noted: bool) -> list[str]:
        unit = self.t("unit_mixed") if table.unit == "mixed" else self.t("unit", unit=self.unit_name(table.unit, table.indicators))
        source = self.t("source", source=sources_text(self.spec, self.ctx, table.source, years, self.lang))
        legend = self.t("legend") + (";  " + self.t("legend_not_applicable") if not_applicable else "")
        return [unit, source, legend] + ([self.t("notes_pointer")] if noted else [])

    def title(self, table: TableSpec, years: list[int]) -> str:
        return f"{self.t('table')} {table.number}. {table.title[self.lang].format(years=years_text(years))}"

    def withheld(self, table: TableSpec, cells: list[Cell]) -> list[tuple[tuple, str]]:
        """The note of a table that shows ``x``, whatever its kind: how many figures it withholds, and why."""
        n = sum(c.kind == "symbol" and c.value == "x" for c in cells)
        return [(("withheld", n), self.t("withheld_note", n=n))] if n else []

    def _marks(self, table: TableSpec, items: Sequence[tuple[Hashable, str]], used: dict[int, tuple[str, str]]) -> str:
        marks = {}
        for key, text in items:
            n, mark = self.notes.marker(key, text, table)
            used[n] = (mark, self.notes.texts[n])
            marks[n] = mark
        return (" " + " ".join(marks[n] for n in sorted(marks))) if marks else ""

    def crosstab(self, layout: CrosstabLayout, rows: list[tuple], columns: list[str]) -> Grid:
        table, ctx = layout.table, self.ctx
        used: dict[int, tuple[str, str]] = {}
        idx = {name: i for i, name in enumerate(columns)}
        by_cell = {(r[idx["row_no"]], r[idx["col_no"]]): r for r in rows}

        def cell(row: tuple) -> Cell:
            if row[idx["symbol"]] is not None:
                return Cell(row[idx["symbol"]], "symbol")
            return Cell(as_number(row[idx["value"]]), number_kind(ctx.decimals(row[idx["indicator"]])))

        ncols = len(layout.columns)
        cells = [[cell(by_cell[(r, c)]) for c in range(1, ncols + 1)] for r in range(1, len(layout.rows) + 1)]
        regions = [str(m.code) for e in layout.rows + layout.columns for m in e.levels if m is not None and m.dim == "ref_area"]
        member_notes = _member_notes(table, layout.years, list(dict.fromkeys(regions)), ctx, self.spec, self.lang)
        title_items = [(("text", n["en"]), n[self.lang]) for n in table.notes] + member_notes.get(("title", None), [])
        title_items += self.withheld(table, [c for row in cells for c in row])
        title = self.title(table, layout.years) + self._marks(table, title_items, used)

        def text(m: Member | None) -> str | None:
            if m is None:
                return None
            return self.label(table, m) + self._marks(table, member_notes.get((m.dim, m.code), []), used)

        header = (
            [[text(e.levels[level]) for e in layout.columns] for level in range(len(layout.columns[0].levels))] if layout.columns else [[]]
        )
        label_cols = len(layout.rows[0].levels) if layout.rows else 0
        has_total = [any(self.is_total(e.levels[i]) for e in layout.rows) for i in range(label_cols)]
        grid_rows: list[GridRow] = []
        previous: tuple = ()
        for entry, row_cells in zip(layout.rows, cells, strict=True):
            labels, kinds = [], []
            for i, m in enumerate(entry.levels):
                # every row carries its labels in full (no blank label cell in a data range); an outer label repeated
                # from the row above is printed lighter, so that the grouping still shows
                repeat = i < label_cols - 1 and previous[: i + 1] == entry.levels[: i + 1]
                kind = "label_total" if self.is_total(m) else ("label" if has_total[i] else "label_plain")
                labels.append(text(m) or "")
                kinds.append(f"{kind}_repeat" if repeat and kind != "label_total" else kind)
            previous = entry.levels
            grid_rows.append(GridRow(labels, kinds, self.is_total(entry.levels[-1]), row_cells))
        corner = [self.spec.meta["dimensions"][d][self.lang] for d in table.rows]
        lines = self.head_lines(table, layout.years, bool(layout.not_applicable), bool(used))
        return Grid(table, title, lines, corner, header, grid_rows, [(n, m, txt) for n, (m, txt) in sorted(used.items())])


def table_grids(spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str) -> tuple[list[Grid], NoteRegister]:
    """The grid of every table in ``lang``, in the yearbook's order, and the notes they number (the workbook's)."""
    from yearbook.publish import sdg_pages  # lays out with this module's grids: imported once both are loaded

    notes = NoteRegister(spec, lang)
    builder = GridBuilder(spec, ctx, lang, notes)
    grids = [
        builder.crosstab(res.layout, res.rows, res.columns) if res.layout is not None else sdg_pages.grid(builder, res) for res in results
    ]
    return grids, notes


def printed_cells(grid: Grid) -> list[list[Cell | None]]:
    """The table as its sheet prints it from the header's first row to the last row of figures (the range
    ``yb_<id>_table``), cell by cell: a heading in the first cell it spans (None in the others, as in a merged range),
    then each row's labels (texts; None where blank) and cells."""
    width = len(grid.corner) + (len(grid.header[0]) if grid.header else 0)
    header: list[list[Cell | None]] = [[None] * width for _ in grid.header]
    for level, col, _, _, text, _ in _header_cells(grid):
        header[level][col - 1] = Cell(text, "text")
    labels = [[Cell(label, "text") if label else None for label in row.labels] for row in grid.rows]
    return header + [row_labels + list(row.cells) for row_labels, row in zip(labels, grid.rows, strict=True)]


# ---------------------------------------------------------------------------------------------
# Writing: one function per sheet type, formatting only through the named styles. Every row is as high, and every
# column as wide, as the texts of the sheet's language need (textfit), never sized for English.

MIN_TEXT_WIDTH = 110  # titles, lines and notes span at least this width (empty columns added right of a narrow table)
PAGE_HEIGHT = 500  # printable height of a landscape A4 page, points
ONE_PAGE = 2.5  # a table up to this many pages long is shrunk onto one, its notes with it (the print check says when
# that makes it too small to read); a longer one runs over pages under its repeated header
LABEL_WIDTH = (12, 40)  # a row-label column's narrowest and widest (the last one: Grid.last_label_width)
DATA_WIDTH = (7, 16)  # a data column's narrowest and widest (a longer heading wraps; a word never breaks)


@lru_cache(maxsize=1)
def _style_fonts() -> dict[str, tuple[float, bool, int]]:
    """Font size, boldness and indent of every named style."""
    fonts = {}
    for s in named_styles():
        indent = int(s.alignment.indent or 0) if s.alignment is not None else 0
        fonts[s.name] = (float(s.font.sz or 10), bool(s.font.b), indent)
    return fonts


def _lines(text: str, style: str, units: float) -> int:
    """Lines ``text`` wraps to in a cell of ``style`` that is ``units`` wide."""
    size, bold, indent = _style_fonts()[style]
    return wrapped_lines(text, units, size, bold, indent)


def text_height(text: str, style: str, units: float) -> float:
    """Points a cell of ``style`` ``units`` wide needs for ``text``."""
    return row_height(_lines(text, style, units), _style_fonts()[style][0])


def _one_line(text: str, style: str) -> float:
    """The width that holds ``text`` in ``style`` on one line."""
    size, bold, indent = _style_fonts()[style]
    return units_for(text, size, bold, indent)


def set_style(cell: StyleableObject, name: str) -> None:
    """``cell.style = name`` for a named style of the cell's workbook: openpyxl lists and searches the workbook's named
    styles at every such assignment (a third of the time a table's rows took), so the style as openpyxl stores it on a
    cell is kept per workbook after its first use, and copied."""
    book = cell.parent.parent
    assert book is not None, "a cell of a workbook's sheet"
    stored = _STORED_STYLES.setdefault(book, {})
    if name in stored:
        cell._style = copy(stored[name])  # type: ignore[attr-defined]
    else:
        cell.style = name
        stored[name] = copy(cell._style)  # type: ignore[attr-defined]


_STORED_STYLES: WeakKeyDictionary[Workbook, dict[str, StyleArray]] = WeakKeyDictionary()


def fit_row(ws: Worksheet, row: int, height: float) -> None:
    """Make the row at least ``height`` points high."""
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, height)


def merged_text(ws: Worksheet, row: int, text: str, style: str, ncols: int, width: float) -> None:
    """A line of text (a title, a note) across the first ``ncols`` columns, ``width`` units in all, as high as it wraps."""
    cell = ws.cell(row=row, column=1, value=text)
    cell.style = style
    if ncols > 1:  # a text line has no border: register the merge without openpyxl's (slow) border formatting of merged cells
        ws.merged_cells.add(MergedCellRange(ws, f"A{row}:{get_column_letter(ncols)}{row}"))
    fit_row(ws, row, text_height(text, style, width))


def _value_text(c: Cell) -> str:
    """The text a number shows (the separators of every language are as wide as Arial's comma and point)."""
    if isinstance(c.value, int | float) and c.kind in ("int", "dec1", "dec2"):
        return f"{c.value:,.{('int', 'dec1', 'dec2').index(c.kind)}f}"
    return str(c.value or "")


def _tenths_up(units: float) -> float:
    """A width in tenths of a unit, rounded up: rounded down, a text measured to fit one line would wrap."""
    return math.ceil(round(units * 10, 6)) / 10


def _column_widths(grid: Grid) -> list[float]:
    """Widths of the row-label columns, then the data columns: from their texts in the grid's language."""
    widths = []
    for i, head in enumerate(grid.corner):
        cap = grid.last_label_width if i == len(grid.corner) - 1 else LABEL_WIDTH[1]
        labels = [_one_line(r.labels[i], f"yb_{r.label_kinds[i]}") for r in grid.rows]
        words = [longest_word_units(r.labels[i], 10, True) + 2 for r in grid.rows]
        need = min(max([LABEL_WIDTH[0], *labels]), cap)
        widths.append(_tenths_up(max([need, longest_word_units(head, 9, True), *words])))
    for j in range(len(grid.header[0]) if grid.header else 0):
        heading = max(longest_word_units(level[j] or "", 9, True) for level in grid.header)
        cells = [(c.cells[j], c.total) for c in grid.rows]
        text = any(c.kind in ("text", "link") for c, _ in cells)
        values = [_one_line(_value_text(c), _width_style(c.kind, total)) for c, total in cells]
        cap = grid.text_width if text else DATA_WIDTH[1]
        widths.append(_tenths_up(max(min(max([DATA_WIDTH[0], *values]), cap), heading)))
    return widths


def _width_style(kind: str, total: bool) -> str:
    """The style a cell's text is measured in: a text's own (indented), a figure's as a label's (a font like it, no indent)."""
    if kind in ("text", "link"):
        return _style_of(kind, total)
    return "yb_label_total" if total else "yb_label_plain"


def _style_of(kind: str, total: bool) -> str:
    if kind in ("int", "dec1", "symbol"):
        return f"yb_{kind}_total" if total else f"yb_{kind}"
    return {"dec2": "yb_dec2", "year": "yb_year", "text": "yb_cell_text", "link": "yb_cell_link"}[kind]


@dataclass(frozen=True)
class TableRanges:
    """A table sheet's ranges, each given a defined name: the figures alone (``yb_<id>``, which the charts read) and
    the whole table with its headings and row labels (``yb_<id>_table``, as the Analysis Function's guidance asks)."""

    figures: str
    table: str


def write_table_sheet(ws: Worksheet, grid: Grid, contents_sheet: str, back_text: str, notes_heading: str) -> TableRanges:
    """Write one table; return its ranges."""
    widths = _column_widths(grid)
    text_span = _set_widths(ws, widths)
    head_top = _write_title(ws, grid, text_span, contents_sheet, back_text)
    _write_header(ws, grid, head_top, widths)
    first = head_top + len(grid.header)
    _write_rows(ws, grid, first, widths)
    ncorner, ncols = len(grid.corner), len(widths)
    last = first + max(len(grid.rows), 1) - 1
    ws.freeze_panes = ws.cell(row=first, column=ncorner + 1).coordinate
    end = _write_notes(ws, grid, last, text_span, notes_heading)
    height = sum(ws.row_dimensions[i].height or row_height(1, 10) for i in range(1, end + 1))
    area = f"A1:{get_column_letter(text_span.columns)}{end}"
    page_setup(ws, f"{head_top}:{first - 1}", area, grid.table.number, one_page=height <= ONE_PAGE * PAGE_HEIGHT)
    sheet, right = quote_sheetname(ws.title), get_column_letter(ncols)
    return TableRanges(f"{sheet}!${get_column_letter(ncorner + 1)}${first}:${right}${last}", f"{sheet}!$A${head_top}:${right}${last}")


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
    merged_text(ws, r, grid.title, "yb_title", text.columns, text.width)
    for line in grid.lines:
        r += 1
        merged_text(ws, r, line, "yb_meta", text.columns, text.width)
    r += 1
    link = ws.cell(row=r, column=1, value=back_text)
    link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(contents_sheet)}!A1", display=back_text)
    link.style = "yb_link"
    return r + 2


def _header_cells(grid: Grid) -> list[tuple[int, int, int, int, str, str]]:
    """Every heading cell of the header: (level, column, levels down, columns across, text, style), columns from 1.

    The row-label columns' headings come first, each down all the levels. A column heading repeated over neighbouring
    columns under the same headings is one cell across them; a heading with blank levels below it reaches down over
    them. (A table with a header of two levels, e.g. sex under urban/rural area, keeps them: the printed yearbook
    groups its columns so, and the levels are merged cells of the header only, never inside the data range.)"""
    header, levels, ncorner = grid.header, len(grid.header), len(grid.corner)
    cells = [(0, i, levels, 1, text, "yb_header_left") for i, text in enumerate(grid.corner, start=1)]
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
            if text is not None:
                depth = 1
                while level + depth < levels and header[level + depth][j] is None:
                    depth += 1
                cells.append((level, ncorner + 1 + j, depth, span, text, "yb_header"))
            j += span
    return cells


def _write_header(ws: Worksheet, grid: Grid, head_top: int, widths: list[float]) -> None:
    """The header from row ``head_top``, each level as high as its headings wrap (a heading down several levels: the
    last of them grows if the levels together are too low)."""
    cells = _header_cells(grid)
    for level, col, depth, span, text, style in cells:
        ws.cell(row=head_top + level, column=col, value=text)
        for dc in range(span):
            for dr in range(depth):
                set_style(ws.cell(row=head_top + level + dr, column=col + dc), style)
        if span > 1 or depth > 1:
            ws.merge_cells(start_row=head_top + level, start_column=col, end_row=head_top + level + depth - 1, end_column=col + span - 1)
    for level, col, depth, span, text, style in sorted(cells, key=lambda c: c[2]):
        need = text_height(text, style, sum(widths[col - 1 : col - 1 + span]))
        rows = range(head_top + level, head_top + level + depth)
        have = sum(ws.row_dimensions[r].height or 0 for r in rows[:-1])
        fit_row(ws, rows[-1], need - have)


def _write_rows(ws: Worksheet, grid: Grid, first: int, widths: list[float]) -> None:
    """The rows of the table from row ``first``: labels and cells, each row as high as its longest text wraps."""
    ncorner = len(grid.corner)
    for k, row in enumerate(grid.rows):
        rr = first + k
        height = row_height(1, 10)
        for i, (label, kind) in enumerate(zip(row.labels, row.label_kinds, strict=True), start=1):
            style = f"yb_{kind}"
            set_style(ws.cell(row=rr, column=i, value=label or None), style)
            height = max(height, text_height(label, style, widths[i - 1]))
        for j, c in enumerate(row.cells, start=ncorner + 1):
            cell, style = ws.cell(row=rr, column=j, value=c.value), _style_of(c.kind, row.total)
            set_style(cell, style)
            if c.link is not None:
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(c.link)}!A1", display=str(c.value))
            if c.kind in ("text", "link"):
                height = max(height, text_height(str(c.value), style, widths[j - 1]))
        ws.row_dimensions[rr].height = height


def _write_notes(ws: Worksheet, grid: Grid, last: int, text: _TextSpan, notes_heading: str) -> int:
    """The notes of the table under its last row ``last``; return the sheet's last row."""
    end = last
    if grid.notes:
        end += 2
        merged_text(ws, end, notes_heading, "yb_heading", 1, text.width)
        for _, marker, note in grid.notes:
            end += 1
            merged_text(ws, end, f"{marker} {note}", "yb_note", text.columns, text.width)
    return end


def page_setup(ws: Worksheet, title_rows: str | None, area: str, footer: str, one_page: bool = False) -> None:
    """Landscape A4, fit to the page width (and to one page tall when ``one_page``: a table a little too long)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    page = ws.sheet_properties.pageSetUpPr
    assert page is not None, "openpyxl makes it with every worksheet"
    page.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.25, footer=0.3)
    ws.print_options.horizontalCentered = False
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = area
    print_footer(ws.oddFooter, footer)


CONTENTS_WIDTH = 165  # the contents' five columns, in all
LINK_WIDTH = 12


@dataclass(frozen=True)
class _ContentsRow:
    """One row of the contents: section, the sheet's name (a link, unless the sheet is a chart's: Excel cannot link to
    a chart sheet), title, years, source."""

    section: str
    name: str
    sheet: str | None
    title: str
    years: str = ""
    source: str = ""


def write_contents(
    ws: Worksheet, spec: YearbookSpec, ctx: StoreContext, lang: str, front: list[tuple[str, str]], charts: list[ListedChart]
) -> None:
    """The contents as one table, a row per sheet (no heading rows inside it: the section is a column, so a screen
    reader reads every row whole and no heading is left alone at the foot of a printed page): the sheets ``front``
    (sheet, title) in front of the tables, every table by section, the charts."""
    t = lambda key, **kw: spec.text(key, lang, **kw)  # noqa: E731
    rows = [_ContentsRow(t("contents_front"), sheet, sheet, title) for sheet, title in front]
    for section in spec.sections:
        for table in section.tables:
            years = years_shown(table, ctx)
            rows.append(
                _ContentsRow(
                    f"{t('section')} {section.number}. {section.title[lang]}",
                    f"{t('table')} {table.number}",
                    table.sheet,
                    table.title[lang].format(years=years_text(years)),
                    years_text(years),
                    sources_text(spec, ctx, table.source, years, lang),
                )
            )
    for chart in charts:
        rows.append(_ContentsRow(charts_heading(lang), chart.name, None, chart.title, chart.years, chart.source))
    # a link does not wrap in LibreOffice (it prints as a field): its column holds the longest name on one line
    names = max(LINK_WIDTH, *(_one_line(row.name, "yb_link") for row in rows))
    widths = {"A": 24.0, "B": round(names, 1), "D": 12.0, "E": 45.0}
    widths["C"] = round(CONTENTS_WIDTH - sum(widths.values()), 1)  # the titles take what is left
    widths = {col: widths[col] for col in "ABCDE"}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    merged_text(ws, 1, spec.meta["sheet_names"]["contents"][lang], "yb_title", len(widths), sum(widths.values()))
    merged_text(ws, 2, t("contents_intro"), "yb_meta", len(widths), sum(widths.values()))
    head = 4
    for column, key in enumerate(("col_section", "col_table", "col_title", "col_years", "col_source"), start=1):
        ws.cell(row=head, column=column, value=t(key)).style = "yb_header_left"
    for r, row in enumerate(rows, start=head + 1):
        texts = ((row.section, "yb_text", "A"), (row.title, "yb_text", "C"), (row.years, "yb_text", "D"), (row.source, "yb_meta", "E"))
        for text, style, col in texts:
            ws[f"{col}{r}"] = text or None
            ws[f"{col}{r}"].style = style
        name = ws.cell(row=r, column=2, value=row.name)
        name.style = "yb_text"
        if row.sheet is not None:
            name.hyperlink = Hyperlink(ref=name.coordinate, location=f"{quote_sheetname(row.sheet)}!A1", display=row.name)
            name.style = "yb_link"
        fit_row(ws, r, max(text_height(text, style, widths[col]) for text, style, col in (*texts, (row.name, "yb_text", "B"))))
    last = head + len(rows)
    ws.freeze_panes = ws.cell(row=head + 1, column=1).coordinate
    page_setup(ws, f"{head}:{head}", f"A1:E{last}", "")


def write_notes(ws: Worksheet, spec: YearbookSpec, notes: NoteRegister, lang: str) -> str:
    """The notes sheet, one table; return its range (the defined name ``yb_notes``)."""
    t = lambda key, **kw: spec.text(key, lang, **kw)  # noqa: E731
    widths = {"A": 16, "B": 110, "C": 24}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    merged_text(ws, 1, spec.meta["sheet_names"]["notes"][lang], "yb_title", 3, sum(widths.values()))
    merged_text(ws, 2, t("notes_intro"), "yb_meta", 3, sum(widths.values()))
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
        fit_row(ws, r, max(text_height(notes.texts[n], "yb_cell_text", widths["B"]), text_height(applies, "yb_cell_text", widths["C"])))
    ws.freeze_panes = ws.cell(row=head + 1, column=1).coordinate
    page_setup(ws, f"{head}:{head}", f"A1:C{max(r, head)}", "")
    return f"{quote_sheetname(ws.title)}!$A${head}:$C${max(r, head)}"


# ---------------------------------------------------------------------------------------------
# The workbooks.


def build_workbook(spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str, key_figures: KeyFigures) -> Workbook:
    from yearbook.publish import front_matter, sdg_pages  # drawn with this module's helpers: imported once both are loaded

    wb = Workbook()
    # The default font, Arial 10, is the unit of every column width (textfit); openpyxl has no public setter for it.
    wb._fonts = IndexedList([Font(name=FONT, size=10)])  # type: ignore[attr-defined]
    for style in named_styles(spec.meta["number_locale"][lang]):
        wb.add_named_style(style)
    sheets = {key: spec.meta["sheet_names"][key][lang] for key in front_matter.FRONT_SHEETS}
    wb.worksheets[0].title = sheets["cover"]  # the one sheet a new workbook has
    for key in front_matter.FRONT_SHEETS[1:]:
        wb.create_sheet(sheets[key])
    contents, notes_ws = wb[sheets["contents"]], wb[sheets["notes"]]
    grids, notes = table_grids(spec, ctx, results, lang)
    for res, grid in zip(results, grids, strict=True):
        ws = wb.create_sheet(res.table.sheet)
        ranges = write_table_sheet(ws, grid, contents.title, spec.text("back", lang), spec.text("notes_heading", lang))
        wb.defined_names[res.table.view] = DefinedName(res.table.view, attr_text=ranges.figures)
        wb.defined_names[f"{res.table.view}_table"] = DefinedName(f"{res.table.view}_table", attr_text=ranges.table)
    sdg_pages.add_trend_charts(wb, spec, ctx, results, lang)
    front_matter.write_cover(wb[sheets["cover"]], spec, ctx, lang, sheets)
    charts = add_charts(wb, spec, ctx, results, lang)
    write_contents(contents, spec, ctx, lang, front_matter.contents_links(spec, lang, key_figures), charts)
    wb.defined_names["yb_notes"] = DefinedName("yb_notes", attr_text=write_notes(notes_ws, spec, notes, lang))
    front_matter.write_key_figures(wb, spec, ctx, lang, key_figures)
    front_matter.write_methodology(wb, spec, ctx, results, lang)
    wb.properties.title = spec.text("yearbook_title", lang)
    wb.properties.creator = spec.text("publisher", lang)
    wb.properties.language = spec.meta["document_language"][lang]
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
        key_figures = read_key_figures(con, spec, ctx)
    written = [folder / f"yearbook_{lang}.xlsx" for lang in LANGUAGES]
    arguments = [(spec, ctx, results, lang, key_figures, path) for lang, path in zip(LANGUAGES, written, strict=True)]
    workers.run_all(_write_workbook, arguments, here=True)  # three languages on two CPUs: this process writes one
    return written


def _write_workbook(
    spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str, key_figures: KeyFigures, path: Path
) -> None:
    """One language's workbook, written to ``path`` (the languages are written side by side: yearbook.workers), its
    temporary files beside it (a staff rendering's hold figures as reported: never in the system's temporary folder)."""
    with temporary_files_in(path.parent):
        build_workbook(spec, ctx, results, lang, key_figures).save(path)
