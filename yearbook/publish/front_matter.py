"""The sheets in front of the tables: the cover, the key figures and the methodology.

The cover names the edition, its release date, the publisher and its contact, and the partner credit, all declared in
``yearbook.yaml``. The key figures and the methodology are tables in the Analysis Function's sense ("Releasing
statistics in spreadsheets", as gptables writes them): a title and a few lines of text above one table with a single
header row, no merged or blank cell in it, no meaning carried by colour, an Excel table over the header and the rows
(screen readers and filters find it) and a defined name ``yb_key_figures`` / ``yb_methodology`` over the rows.

Drawing goes through :mod:`yearbook.publish.render`'s helpers and named styles; render imports this module inside
:func:`~yearbook.publish.render.build_workbook`, which calls it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet

from yearbook.model import Formula, derived_formulas
from yearbook.publish.key_figures import Figure, KeyFigures, change
from yearbook.publish.layout import NOT_APPLICABLE, StoreContext, TableResult, sources_text, years_text
from yearbook.publish.render import fit_row, merged_text, number_kind, page_setup, text_height
from yearbook.publish.specs import YearbookSpec

FRONT_SHEETS = ("cover", "contents", "notes", "key_figures", "methodology")  # keys of yearbook.yaml's sheet_names, in order


def _link(ws: Worksheet, row: int, column: int, sheet: str, text: str) -> None:
    cell = ws.cell(row=row, column=column, value=text)
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(sheet)}!A1", display=text)
    cell.style = "yb_link"


def _figure_cell(ws: Worksheet, row: int, column: int, value: Figure, kind: str) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    cell.style = "yb_symbol" if isinstance(value, str) else f"yb_{kind}"


def _release_date(spec: YearbookSpec, ctx: StoreContext, lang: str) -> str | None:
    """The declared release date, else the build's date (None: a store without a build record)."""
    day = spec.meta["edition"]["release_date"] or ctx.run.get("built_at")
    if not isinstance(day, date):
        return None
    month = spec.meta["month_names"][lang][day.month - 1]
    return spec.text("date", lang, day=day.day, month=month, year=day.year)


def write_cover(ws: Worksheet, spec: YearbookSpec, ctx: StoreContext, lang: str, sheets: dict[str, str]) -> None:
    """The cover: title, publisher, partner, edition and release date, about the yearbook, links, symbols, contact."""
    t = lambda key, **kw: spec.text(key, lang, **kw)  # noqa: E731
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 100
    width = 112
    built, released = ctx.run.get("built_at"), _release_date(spec, ctx, lang)
    rows: list[tuple[str, str]] = [
        (t("yearbook_title"), "yb_cover_title"),
        (t("publisher"), "yb_text"),
        (t("partner_credit"), "yb_text"),
        ("", "yb_text"),
        (t("edition_year", year=spec.meta["edition"]["year"]), "yb_heading"),
        (t("edition", years=years_text(ctx.edition_years)), "yb_text"),
    ]
    if released is not None:
        rows.append((t("released", date=released), "yb_text"))
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
        merged_text(ws, r, text, style, 2, width)
    for key in FRONT_SHEETS[1:]:
        r += 1
        _link(ws, r, 1, sheets[key], f"→ {sheets[key]}")
    r += 2
    ws.cell(row=r, column=1, value=t("symbols_heading")).style = "yb_heading"
    r += 1
    for col, key in ((1, "col_symbol"), (2, "col_meaning")):
        ws.cell(row=r, column=col, value=t(key)).style = "yb_header_left"
    verdicts = [(v["symbol"], {lang: t("sdg_verdict_symbol", verdict=v[lang])}) for v in spec.meta["sdg_verdicts"].values()]
    for symbol, meaning in [*spec.meta["text"]["symbol_rows"], *verdicts]:
        r += 1
        ws.cell(row=r, column=1, value=symbol).style = "yb_label_plain"
        ws.cell(row=r, column=2, value=meaning[lang]).style = "yb_label_plain"
    r += 2
    ws.cell(row=r, column=1, value=t("contact_heading")).style = "yb_heading"
    for field in ("address", "email", "phone", "website"):  # a field staff have not filled is left out
        value = spec.meta["contact"].get(field)
        if value:
            r += 1
            text = t(f"contact_{field}", value=value[lang] if isinstance(value, dict) else value)
            merged_text(ws, r, text, "yb_text", 2, width)
    page_setup(ws, None, f"A1:B{r}", "")
    ws.page_setup.orientation = "portrait"


def contents_links(spec: YearbookSpec, lang: str, key: KeyFigures) -> list[tuple[str, str]]:
    """(sheet, text) of the sheets the contents lists before the sections: the key figures and the methodology."""
    names = spec.meta["sheet_names"]
    return [
        (names["key_figures"][lang], spec.text("key_figures_title", lang, years=years_text(list(key.years)))),
        (names["methodology"][lang], names["methodology"][lang]),
    ]


def _table(wb: Workbook, ws: Worksheet, name: str, display: str, head: int, last: int, ncols: int) -> None:
    """The Excel table ``display`` over header and rows, the defined name ``name`` over the rows; panes frozen under
    the header and right of the first column."""
    end = get_column_letter(ncols)
    ws.add_table(Table(displayName=display, ref=f"A{head}:{end}{max(last, head + 1)}"))
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!$A${head + 1}:${end}${max(last, head + 1)}")
    ws.freeze_panes = ws.cell(row=head + 1, column=2).coordinate


def _heading_row(ws: Worksheet, row: int, headings: list[str], widths: list[float], text_columns: int) -> None:
    """The header: headings of text columns left, of number columns centred (as over the tables' figures)."""
    for column, text in enumerate(headings, start=1):
        ws.cell(row=row, column=column, value=text).style = "yb_header_left" if column <= text_columns else "yb_header"
    fit_row(ws, row, max(text_height(h, "yb_header", w) for h, w in zip(headings, widths, strict=True)))


def _row_height(texts: list[str], widths: list[float]) -> float:
    """A row as high as its longest text wraps (as an indented 10-point text: never too low)."""
    return max(text_height(text, "yb_cell_text", width) for text, width in zip(texts, widths, strict=False))


def _above_table(ws: Worksheet, title: str, lines: list[str], widths: list[float], contents: str, back: str) -> int:
    """Title, lines of text and the link back to the contents; return the header's row."""
    merged_text(ws, 1, title, "yb_title", len(widths), sum(widths))
    for r, line in enumerate(lines, start=2):
        merged_text(ws, r, line, "yb_meta", len(widths), sum(widths))
    _link(ws, len(lines) + 2, 1, contents, back)
    return len(lines) + 4


def write_key_figures(wb: Workbook, spec: YearbookSpec, ctx: StoreContext, lang: str, key: KeyFigures) -> None:
    """A handful of headline figures: the latest reference year beside the year before, and the change."""
    t = lambda name, **kw: spec.text(name, lang, **kw)  # noqa: E731
    names = spec.meta["sheet_names"]
    ws = wb[names["key_figures"][lang]]
    widths = [40.0, 26.0, 11.0, 11.0, 14.0, 14.0]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    before, latest = key.years
    title = t("key_figures_title", years=years_text(list(key.years)))
    legend = t("legend")
    if any(NOT_APPLICABLE in change(f.previous, f.latest) for f in key.figures):
        legend += ";  " + t("legend_not_applicable_change")
    lines = [t("key_figures_intro", sheet=names["methodology"][lang]), legend]
    head = _above_table(ws, title, lines, widths, names["contents"][lang], t("back"))
    headings = [
        t("col_indicator"),
        t("col_unit"),
        str(before),
        str(latest),
        t("col_change", year=before),
        t("col_change_pct", year=before),
    ]
    _heading_row(ws, head, headings, widths, 2)
    r = head
    for figure in key.figures:
        r += 1
        name = str(ctx.indicators.loc[figure.indicator, f"name_{lang}"])
        unit = spec.meta["units"][spec.printed_unit(figure.unit, (figure.indicator,))][lang]
        ws.cell(row=r, column=1, value=name).style = "yb_label_plain"
        ws.cell(row=r, column=2, value=unit).style = "yb_cell_text"
        kind = number_kind(ctx.decimals(figure.indicator))
        difference, percent = change(figure.previous, figure.latest)
        for column, (value, style) in enumerate(
            ((figure.previous, kind), (figure.latest, kind), (difference, kind), (percent, "dec1")), start=3
        ):
            _figure_cell(ws, r, column, value, style)
        ws.row_dimensions[r].height = _row_height([name, unit], widths)
    _table(wb, ws, "yb_key_figures", "KeyFigures", head, r, len(widths))
    page_setup(ws, f"{head}:{head}", f"A1:{get_column_letter(len(widths))}{r}", names["key_figures"][lang], one_page=True)
    ws.page_setup.orientation = "portrait"


def shown_indicators(results: list[TableResult]) -> dict[str, list[TableResult]]:
    """Every indicator a printed table shows, in yearbook order of first appearance, with the tables that show it."""
    shown: dict[str, list[TableResult]] = {}
    for res in results:
        if res.layout is not None:
            codes = list(res.table.indicators)
        else:  # section 8's SDG overview and equity table: one row per national series or gap
            codes = [row[res.columns.index("indicator")] for row in res.rows]
        for code in dict.fromkeys(codes):
            shown.setdefault(code, []).append(res)
    return shown


def _formula(ctx: StoreContext, code: str) -> Formula | None:
    """The formula of an indicator the store says is derived (yearbook/model.py reads them from indicators.yaml)."""
    return derived_formulas().get(code) if ctx.indicators.loc[code, "form"] == "derived" else None


def calculation(spec: YearbookSpec, ctx: StoreContext, code: str, lang: str) -> str:
    """How a derived indicator is calculated, with the names of its inputs ("Infant deaths ÷ Live births × 1,000")."""
    formula = _formula(ctx, code)
    if formula is None:
        return spec.text("formula_reported", lang)
    left, right = (str(ctx.indicators.loc[i, f"name_{lang}"]) for i in formula.inputs)
    if formula.operation == "difference":
        return spec.text("formula_difference", lang, left=left, right=right)
    times = f"{formula.scale:,.0f}".replace(",", spec.meta["digit_group_separator"][lang])
    return spec.text("formula_ratio", lang, left=left, right=right, times=times)


def _sources(spec: YearbookSpec, ctx: StoreContext, code: str, lang: str) -> str:
    """The body behind an indicator's form (a derived indicator's: those of its inputs), as named in the edition's
    years."""
    formula = _formula(ctx, code)
    codes = formula.inputs if formula is not None else (code,)
    forms = tuple(dict.fromkeys(str(ctx.indicators.loc[c, "form"]) for c in codes))
    return sources_text(spec, ctx, forms, ctx.edition_years, lang)


def write_methodology(wb: Workbook, spec: YearbookSpec, ctx: StoreContext, results: list[TableResult], lang: str) -> None:
    """One row per indicator the tables show, by section: definition, unit, calculation, source, SDG, tables."""
    t = lambda name, **kw: spec.text(name, lang, **kw)  # noqa: E731
    names = spec.meta["sheet_names"]
    ws = wb[names["methodology"][lang]]
    widths = [15.0, 28.0, 40.0, 18.0, 32.0, 28.0, 21.0, 10.0]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    head = _above_table(ws, names["methodology"][lang], [t("methodology_intro")], widths, names["contents"][lang], t("back"))
    headings = [
        t("col_section"),
        t("col_indicator"),
        t("col_definition"),
        t("col_unit"),
        t("col_calculation"),
        t("col_source"),
        t("sdg_code"),
        t("col_applies"),
    ]
    _heading_row(ws, head, headings, widths, len(headings))
    sections = {s.id: f"{s.number}. {s.title[lang]}" for s in spec.sections}
    r = head
    for code, shown_in in shown_indicators(results).items():
        r += 1
        ind = ctx.indicators.loc[code]
        sdg = ind["sdg_indicator"]
        texts = [
            sections[shown_in[0].table.section],
            str(ind[f"name_{lang}"]),
            str(ind[f"definition_{lang}"]),
            spec.meta["units"][spec.printed_unit(str(ind["unit"]), (code,))][lang],
            calculation(spec, ctx, code, lang),
            _sources(spec, ctx, code, lang),
            t("sdg_not_linked") if pd.isna(sdg) else f"{sdg} ({ind['sdg_series']})",
            ", ".join(dict.fromkeys(res.table.number for res in shown_in)),
        ]
        for column, text in enumerate(texts, start=1):
            ws.cell(row=r, column=column, value=text).style = "yb_cell_text" if column > 1 else "yb_label_plain"
        ws.row_dimensions[r].height = _row_height(texts, widths)
    _table(wb, ws, "yb_methodology", "Methodology", head, r, len(widths))
    page_setup(ws, f"{head}:{head}", f"A1:{get_column_letter(len(widths))}{r}", names["methodology"][lang])
