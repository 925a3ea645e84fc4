"""Writing one sheet of a form into a worksheet, with the layout drift asked for.

A sheet is first laid out logically (title lines, header cells, labelled rows of values,
footnotes) and then placed on the grid: blank rows and columns, merged cells and a far
form-code cell are decided only in the placement step. Every choice comes from the sheet's
own random stream, so the same seed always gives the same sheet.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yearbook_demo.drift import Drift, of_which_runs, omissible_groups, one_row_possible
from yearbook_demo.forms import Form, Head, Sheet, cell_key, columns, is_percent, row_keys
from yearbook_demo.geography import REGIONS, Geography
from yearbook_demo.model import Key, Obs

FOOTNOTE_MARKS = ("¹", "*", " 1)", "²", "**")
LABEL_MARKS = (":", "*", " *")
COMBINED_SEPARATORS = (", ", "\n", ": ")
GENERIC_TOTALS = {"Всего", "Total"}  # national-row labels that are header words too


@dataclass
class _Logical:
    """A sheet before placement: text lines, header cells and rows."""

    titles: list[str] = field(default_factory=list)
    code_row: str | None = None  # the form code alone in a row under the title
    far_code: str | None = None  # the form code alone in a far cell of the first row
    header_top: list[object] = field(default_factory=list)  # label column first
    header_sub: list[object] | None = None  # the second header row, if any
    spans: list[tuple[int, int]] = field(default_factory=list)  # (first, last) logical column of each group
    singles: list[int] = field(default_factory=list)  # logical columns without a group, in a two-row header
    rows: list[list[object]] = field(default_factory=list)  # label first
    footnotes: list[str] = field(default_factory=list)


class SheetWriter:
    """Lays out one sheet of ``form`` (one region's copy for a per-region sheet)."""

    def __init__(
        self, form: Form, sheet: Sheet, year: int, area: str | None, drift: Drift, rnd: random.Random, geography: Geography = REGIONS
    ):
        self.form, self.sheet, self.year, self.area, self.drift, self.rnd = form, sheet, year, area, drift, rnd
        self.geography = geography

    # -- labels ----------------------------------------------------------------------------
    def style(self, text: str | int, chance: float = 0.35) -> str | int:
        """Case, spacing and trailing marks, as the drift allows."""
        d, rnd = self.drift, self.rnd
        if isinstance(text, int):
            return f"{text}{rnd.choice(LABEL_MARKS)}" if d.label_marks and rnd.random() < chance / 2 else text
        if d.label_case and rnd.random() < chance:
            text = rnd.choice((str.upper, str.lower, str.capitalize))(text)
        if d.label_spacing and rnd.random() < chance:
            text = _respace(text, rnd)
        if d.label_marks and rnd.random() < chance / 2:
            text += rnd.choice(LABEL_MARKS)
        return text

    def label(self, head: Head, under_of_which: bool = False) -> str | int:
        """A header or row label; ``under_of_which``: under an added "of which" group label, without the "of which" word
        it may start with itself ("оның ішінде мектепке дейінгі ұйымдарда" under "оның ішінде")."""
        choice = head.labels[0]
        if self.drift.label_synonyms and len(head.labels) > 1 and self.rnd.random() < 0.6:
            choice = self.rnd.choice(head.labels[1:])
        if under_of_which:
            choice = next((str(choice)[len(w) + 1 :] for w in self.form.of_which if str(choice).startswith(f"{w} ")), choice)
        return self.style(choice)

    def region(self, code: str, title: bool = False) -> str:
        """A region's row label, or (``title``) its name in a title row, where "Всего" would not name it."""
        d, rnd = self.drift, self.rnd
        language = self.form.region_languages[0]
        varied = d.region_variants and rnd.random() < 0.5
        if varied:
            language = rnd.choice(self.form.region_languages)
        parts = []
        for lang in language.split("/"):
            labels = [x for x in self.geography.labels(code, lang, self.year) if not (title and x in GENERIC_TOTALS)]
            parts.append(rnd.choice(labels) if varied else labels[0])
        text = " / ".join(parts)
        if d.region_footnotes and rnd.random() < 0.25:
            text += rnd.choice(FOOTNOTE_MARKS)
        return str(self.style(text, 0.25))

    # -- values ----------------------------------------------------------------------------
    def value(self, obs: Obs, percent: bool, force_footnote: bool) -> object:
        d, rnd = self.drift, self.rnd
        if obs.confidential:
            return rnd.choice(("x", "х")) if d.symbol_variants else "x"
        if obs.missing:
            return rnd.choice(("...", "…", None)) if d.symbol_variants else "..."
        assert obs.value is not None
        if obs.value == 0 and not percent:
            return rnd.choice(("-", "–", "-", 0)) if d.symbol_variants else 0
        number: int | float = round(obs.value, 1) if percent else int(obs.value)
        text: str | None = None
        if d.numbers_as_text and rnd.random() < 0.3:
            text = _as_text(number, rnd)
        elif d.thousands_commas and not percent and number >= 1000 and rnd.random() < 0.4:
            text = f"{number:,}"
        elif d.decimal_comma and percent and rnd.random() < 0.5:
            text = f"{number:.1f}".replace(".", ",")
        if d.value_footnotes and (force_footnote or rnd.random() < 0.01):
            text = (text or _as_text(number, rnd)) + rnd.choice(FOOTNOTE_MARKS)
        return number if text is None else text

    # -- the logical sheet -----------------------------------------------------------------
    def logical(self, truth: Mapping[Key, Obs]) -> _Logical:
        form, sheet, d, rnd = self.form, self.sheet, self.drift, self.rnd
        out = _Logical()
        self._titles(out)
        cols = columns(sheet)
        if d.column_order:
            cols = _shuffle_within(cols, rnd)
        run, of_which = self._of_which_run()
        flat_in_two_rows = bool(run) and not sheet.grouped and rnd.random() < 0.5  # the added label above its run, not in its cells
        one_row = (not sheet.grouped and not flat_in_two_rows) or (d.one_row_header and one_row_possible(form, sheet))
        if sheet.header:
            self._header(out, cols, one_row, run, of_which)
        rows = row_keys(sheet, self.year, self.geography)
        if d.row_order:
            rows = _shuffled(rows, rnd)
        keys = [[cell_key(form, sheet, self.year, self.area, key, top, sub) for _, top, sub in cols] for _, key in rows]
        forced = rnd.randrange(max(1, sum(1 for row in keys for k in row if truth[k].value)))
        n = 0
        for (item, _), row in zip(rows, keys, strict=True):
            label = self.region(item) if isinstance(item, str) else self.label(item)
            cells: list[object] = [label]
            for key in row:
                obs = truth[key]
                cells.append(self.value(obs, is_percent(key), n == forced))
                n += bool(obs.value)
            out.rows.append(cells)
        if d.footnote_rows:
            out.footnotes = rnd.sample(form.footnotes, rnd.randint(1, min(2, len(form.footnotes))))
        return out

    def _titles(self, out: _Logical) -> None:
        form, sheet, d, rnd = self.form, self.sheet, self.drift, self.rnd
        template = rnd.choice(sheet.titles) if d.title_rows else sheet.titles[0]
        title = template.format(year=self.year, survey=form.time_period(self.year))
        code = f"{rnd.choice(form.code_words)} {form.code}"
        placement = rnd.choice(("after", "far", "row")) if d.form_code_placement else "before"
        if placement == "before":
            title = f"{code}. {title}"
        elif placement == "after":
            title = f"{title} ({code})"
        elif placement == "far":
            out.far_code = rnd.choice((form.code, code))
        else:
            out.code_row = form.code
        out.titles.append(title)
        if sheet.per_region:
            assert self.area is not None
            out.titles.append(self.region(self.area, title=True))
        if d.title_rows:
            room = 5 - len(out.titles) - (out.code_row is not None)
            out.titles += rnd.sample(form.subtitles, rnd.randint(1, min(room, len(form.subtitles))))

    def _of_which_run(self) -> tuple[range, str | None]:
        """The columns (positions in ``cols``) an added "of which" group label stands over, and that label."""
        runs = of_which_runs(self.sheet) if self.drift.group_label_added else []
        if not runs:
            return range(0), None
        first, last = self.rnd.choice(runs)
        start = self.rnd.randint(first, last)
        return range(start, self.rnd.randint(start, last) + 1), str(self.style(self.rnd.choice(self.form.of_which)))

    def _header(
        self, out: _Logical, cols: list[tuple[int, Head | None, Head | None]], one_row: bool, run: range, of_which: str | None
    ) -> None:
        """The header cells; ``run``: the positions in ``cols`` under the added "of which" label ``of_which``."""
        rnd = self.rnd
        corner = self.style(self.sheet.row_header) if self.sheet.row_header else None
        out.header_top = [corner]
        omitted = omissible_groups(self.sheet) if self.drift.group_label_omitted else frozenset()
        if one_row:
            separator = rnd.choice(COMBINED_SEPARATORS)
            for position, (block, top, sub) in enumerate(cols):
                under = position in run
                parts: list[object] = [self.label(x, under) for x in (None if block in omitted else top, sub) if x is not None]
                if under:
                    parts.insert(0, of_which)
                out.header_top.append(separator.join(str(p) for p in parts) if len(parts) == 2 else parts[0] if parts else None)
            return
        out.header_sub = [None]
        previous = None
        for j, (block, top, sub) in enumerate(cols, start=1):
            head = top or sub
            if j - 1 in run:  # under the added "of which" label: it stands over the run's first column and spans the run
                assert head is not None
                if j - 1 == run.start:
                    out.header_top.append(of_which)
                    out.spans.append((j, j))
                else:
                    out.header_top.append(None)
                    out.spans[-1] = (out.spans[-1][0], j)
                out.header_sub.append(self.label(head, under_of_which=True))
                previous = None
                continue
            if top is None or sub is None:  # a column without a group: its label stands in the upper row
                out.header_top.append(self.label(head) if head else None)
                out.header_sub.append(None)
                out.singles.append(j)
                previous = None
                continue
            if block != previous:
                out.header_top.append(self.label(top) if top and block not in omitted else None)
                out.spans.append((j, j))
            else:
                out.header_top.append(None)
                out.spans[-1] = (out.spans[-1][0], j)
            out.header_sub.append(self.label(sub))
            previous = block

    # -- placement -------------------------------------------------------------------------
    def place(self, ws: Worksheet, out: _Logical) -> None:
        d, rnd = self.drift, self.rnd
        width = max(len(r) for r in [out.header_top, *out.rows])
        first = 1 + (rnd.randint(1, 2) if d.blank_columns else 0)
        cols = [first]
        for j in range(1, width):
            gap = d.blank_columns and (rnd.random() < 0.15 or j == width // 2)
            cols.append(cols[-1] + 1 + gap)
        last = cols[-1]

        r = 1 + (d.blank_rows and rnd.random() < 0.4)

        def blank(chance: float) -> None:
            nonlocal r
            if d.blank_rows and rnd.random() < chance:
                r += 1

        for i, text in enumerate(out.titles):
            ws.cell(r, first, text)
            if d.merged_cells and last > first:
                ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            if i == 0 and out.far_code:
                ws.cell(r, last + 2 + rnd.randint(0, 2), out.far_code)
            r += 1
            if i == 0 and out.code_row:
                ws.cell(r, first, out.code_row)
                r += 1
            blank(0.25)
        blank(0.5)
        if out.header_top:
            top = r
            self._row(ws, r, cols, out.header_top)
            if out.header_sub is not None:
                r += 1
                blank(0.3)
                self._row(ws, r, cols, out.header_sub)
                if d.merged_cells:
                    for j in [0, *out.singles]:
                        ws.merge_cells(start_row=top, start_column=cols[j], end_row=r, end_column=cols[j])
                    for a, b in out.spans:
                        if b > a and out.header_top[a] is not None:  # a group label left out leaves its cells unmerged
                            ws.merge_cells(start_row=top, start_column=cols[a], end_row=top, end_column=cols[b])
            r += 1 + d.blank_rows  # a blank row between the header and the data
        for row in out.rows:
            self._row(ws, r, cols, row)
            r += 1
            blank(0.08)
        if out.footnotes:
            blank(0.7)
            for text in out.footnotes:
                ws.cell(r, first, text)
                r += 1
        ws.column_dimensions[get_column_letter(first)].width = 36

    @staticmethod
    def _row(ws: Worksheet, r: int, cols: list[int], values: list[object]) -> None:
        for j, value in enumerate(values):
            if value is not None:
                ws.cell(r, cols[j], value)


def write_sheet(
    ws: Worksheet,
    form: Form,
    sheet: Sheet,
    year: int,
    area: str | None,
    truth: Mapping[Key, Obs],
    drift: Drift,
    rnd: random.Random,
    geography: Geography = REGIONS,
) -> None:
    """Write one sheet of a submission of ``form`` for ``year`` (``area``: the region of a per-region sheet)."""
    writer = SheetWriter(form, sheet, year, area, drift, rnd, geography)
    writer.place(ws, writer.logical(truth))


def _respace(text: str, rnd: random.Random) -> str:
    """Extra spaces or a line break, never around the " / " of a bilingual label."""
    inner = [i for i, c in enumerate(text) if c == " " and text[i - 1 : i] != "/" and text[i + 1 : i + 2] != "/"]
    how = rnd.choice(("pad", "double", "break") if inner else ("pad",))
    if how == "pad":
        return rnd.choice((" ", "")) + text + rnd.choice(("  ", "\n", " "))
    i = rnd.choice(inner)
    return text[:i] + ("  " if how == "double" else "\n") + text[i + 1 :]


def _as_text(number: int | float, rnd: random.Random) -> str:
    if isinstance(number, float):
        return f"{number:.1f}"
    if number < 1000:
        return str(number)
    return rnd.choice((str(number), f"{number:,}".replace(",", " "), f"{number:,}".replace(",", "\u00a0")))


def _shuffled(items: list, rnd: random.Random) -> list:
    """A visibly different order (when there are two items or more)."""
    out = list(items)
    rnd.shuffle(out)
    if out == items and len(items) > 1:
        out[0], out[1] = out[1], out[0]
    return out


def _shuffle_within(cols: list[tuple[int, Head | None, Head | None]], rnd: random.Random) -> list[tuple[int, Head | None, Head | None]]:
    """Columns in another order within each header group; groups keep their places."""
    out: list[tuple[int, Head | None, Head | None]] = []
    blocks = sorted({b for b, _, _ in cols})
    for b in blocks:
        members = [c for c in cols if c[0] == b]
        out += _shuffled(members, rnd)
    return out
