"""Feedback workbooks for the ministries: each refused or warned workbook sent back as a safe copy of itself, with
every problem cell highlighted and commented in the form's language, and a first sheet listing the problems.

The copy is made from what the office's reader sees (yearbook.workbook.read_workbook: the values of every sheet and
its merged ranges, read in bounded time and memory from a file checked before it is parsed), never from the file
itself: a new workbook is written, holding values only, so that no formula, external link, hyperlink, macro or
defined name of the original can survive. Text stays text (a cell reading '=1+2' is a string, never a formula); a
cell the reader did not read (more than 1,000 characters, a formula without a saved result) is left empty and marked.

The texts come from the message catalogue ``schemas/messages.yaml`` (what each rule means and what to do, in Kazakh,
Russian and English); the specific message of a problem (in English, quoting its cell) follows it. The files are for
the staff area: folders 0700, files 0600, written under a temporary name and renamed, openpyxl's own temporary files
kept in the folder written to.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.hyperlink import Hyperlink

from yearbook.formats import UnsafeWorkbook
from yearbook.problems import ERROR, Problem, cell_position, errors_first, one_line
from yearbook.reader import form_codes
from yearbook.specs import FormSpec, load_forms
from yearbook.textfit import row_height, wrapped_lines
from yearbook.validation.messages import LANGUAGES, load_messages, load_words
from yearbook.validation.report import temporary_files_in
from yearbook.workbook import Grid, read_workbook

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # what create_sheet gives a write-only workbook

MAX_MARKED = 5_000  # problems listed and cells marked per workbook: a clerk corrects these first (and openpyxl's comments cost)
MAX_PER_CELL = 5  # problems spelt out in one cell's comment
MAX_NAME_CHARS = 100  # of the original's name in the feedback file's name: a file name has at most 255 bytes, a Cyrillic letter 2
FOLDER_MODE, FILE_MODE = 0o700, 0o600

_ERROR_FILL = PatternFill("solid", start_color="FFC7CE")
_WARNING_FILL = PatternFill("solid", start_color="FFEB9C")
_UNREAD_FILL = PatternFill("solid", start_color="D9D9D9")
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
_BOLD = Font(bold=True)
_LINK = Font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
# characters XML 1.0 cannot hold: written as Excel's own escape _xHHHH_, which Excel and calamine read back as the character
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")
_AS_TEXT = ("=", "+", "-", "@")

_LONG = {"intro", "unread", "more", "more_here", "not_copied", "unknown_rule", "title"}


@dataclass
class _Texts:
    """The texts of one feedback workbook: the words and the rules' texts in its languages (a line or ' / ' apart)."""

    languages: tuple[str, ...]
    messages: dict[str, dict[str, str]]
    rules: dict[str, str] = field(default_factory=dict)

    def word(self, key: str, **fields: object) -> str:
        texts = [load_words()[lang][key].format(**fields) for lang in self.languages]
        return ("\n" if key in _LONG else " / ").join(texts)

    def rule(self, rule: str) -> str:
        if rule not in self.rules:
            entry = self.messages.get(rule)
            self.rules[rule] = "\n".join(entry[lang] if entry else load_words()[lang]["unknown_rule"] for lang in self.languages)
        return self.rules[rule]


@dataclass
class _Job:
    """One workbook to send back: where it is, where its feedback goes, its problems."""

    file: str  # relative to the raw folder, as the problems name it
    source: Path
    base: str  # the original's name as the feedback file's name begins
    problems: list[Problem] = field(default_factory=list)


def write_feedback(problems: list[Problem], raw_dir: Path, folder: Path, staff_language: str = "en") -> list[Path]:
    """For every workbook under ``raw_dir`` with at least one problem (error or warning), write
    ``<folder>/<year>/<original stem> — <word>.xlsx`` (the word in the form's language: «проверка», «тексеру», check;
    the folders under the year folder kept; the original's extension kept in the name where two workbooks of one
    folder share a stem): a copy of the workbook with every problem cell highlighted and commented, and a first sheet
    listing the problems, errors first. The form's language is its spec's (a bilingual kk/ru form: both, named in
    Russian); a workbook whose form is not known, ``staff_language``. Problems that name no workbook file (a year
    folder, the figures table) are left out. Returns the files written, in the order of the workbooks' names."""
    if staff_language not in LANGUAGES:
        raise ValueError(f"staff_language {staff_language!r} is none of {', '.join(LANGUAGES)}")
    forms, messages = load_forms(), load_messages()
    written = []
    for job in _jobs(problems, Path(raw_dir)):
        written.append(_write_job(job, Path(folder), forms, messages, staff_language))
    return written


def replace_feedback(problems: list[Problem], raw_dir: Path, folder: Path, staff_language: str = "en") -> list[Path]:
    """:func:`write_feedback` into a fresh folder that then replaces ``folder`` (``<internal>/feedback``): no feedback
    is left for a workbook corrected since. Returns the files, at their place in ``folder``."""
    fresh = folder.with_name(f".{folder.name}-{os.getpid()}-new")
    old = folder.with_name(f".{folder.name}-{os.getpid()}-old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    written = write_feedback(problems, raw_dir, fresh, staff_language)
    _private_folders(fresh, fresh)
    if folder.exists():
        os.rename(folder, old)
    os.rename(fresh, folder)
    shutil.rmtree(old, ignore_errors=True)
    return [folder / path.relative_to(fresh) for path in written]


def feedback_paths(folder: Path, file: str) -> list[Path]:
    """Every name the feedback of the workbook ``file`` (relative to the raw folder) may have in ``folder``: with or
    without the original's extension, in any language."""
    path = PurePosixPath(file)
    target_dir = folder.joinpath(*path.parent.parts)
    bases = dict.fromkeys((path.stem[:MAX_NAME_CHARS], path.name[:MAX_NAME_CHARS]))
    return [target_dir / f"{base} — {words['file']}.xlsx" for base in bases for words in load_words().values()]


def _jobs(problems: list[Problem], raw_dir: Path) -> list[_Job]:
    """The workbooks the problems name that are files under ``raw_dir``, each with its problems (a hidden or lock file,
    which a build passes over, has none to send)."""
    jobs: dict[str, _Job] = {}
    hidden = {p.file for p in problems if p.rule == "hidden_file"}
    for p in problems:
        if p.file in hidden:
            continue
        if p.file not in jobs:
            source = _source(raw_dir, p.file)
            if source is None:
                continue
            jobs[p.file] = _Job(p.file, source, "")
        jobs[p.file].problems.append(p)
    for job in jobs.values():
        path = PurePosixPath(job.file)
        job.base = (path.name if _stem_shared(job.source) else path.stem)[:MAX_NAME_CHARS]
    return [jobs[f] for f in sorted(jobs)]


def _stem_shared(source: Path) -> bool:
    """Whether another file of the workbook's own folder has its stem (``cells.xls``, ``cells.ods``): then the
    feedback's name keeps the extension. Decided by the folder, so a build and ``yearbook validate FILE`` agree."""
    real = source.resolve()
    stem = real.stem.casefold()
    return any(p.stem.casefold() == stem and p.name != real.name and p.is_file() for p in real.parent.iterdir())


def _source(raw_dir: Path, file: str) -> Path | None:
    """The workbook file a problem names (``<year>/<name>``, relative to the raw folder), or None."""
    parts = PurePosixPath(file).parts
    if len(parts) < 2 or PurePosixPath(file).is_absolute() or ".." in parts:
        return None
    path = raw_dir.joinpath(*parts)
    if path.is_file():
        return path
    year_folder = raw_dir / parts[0]  # a name with a control character: the problem names it escaped (one_line)
    found = [p for p in year_folder.rglob("*") if one_line(p.relative_to(raw_dir).as_posix()) == file] if year_folder.is_dir() else []
    return found[0] if len(found) == 1 and found[0].is_file() else None


def _write_job(job: _Job, folder: Path, forms: dict[str, FormSpec], messages: dict[str, dict[str, str]], staff_language: str) -> Path:
    """Read the workbook with the office's reader and write its feedback workbook; the path written."""
    try:
        grids: list[Grid] | None = read_workbook(job.source).grids
    except UnsafeWorkbook:  # its problems say why (unreadable_file): the list alone is sent
        grids = None
    texts = _Texts(_languages(job.problems, grids or [], forms, staff_language), messages)
    relative = PurePosixPath(job.file)
    target_dir = folder.joinpath(*relative.parent.parts)
    target = target_dir / f"{job.base} — {load_words()['ru' if 'ru' in texts.languages else texts.languages[0]]['file']}.xlsx"
    _private_folders(folder, target_dir)
    with temporary_files_in(target_dir):
        book = _feedback_book(job, grids, texts)
        _save_atomically(book, target)
    return target


def _languages(problems: list[Problem], grids: list[Grid], forms: dict[str, FormSpec], staff_language: str) -> tuple[str, ...]:
    """The languages of the workbook's form (from its problems, else from the form codes on its sheets), or the staff's."""
    form = next((p.form for p in problems if p.form in forms), None)
    if form is None:
        codes = set().union(*(form_codes(g) for g in grids)) & set(forms) if grids else set()
        form = codes.pop() if len(codes) == 1 else None
    language = forms[form].language if form else staff_language
    languages = tuple(lang for lang in language.split("/") if lang in LANGUAGES)
    return languages or (staff_language,)


def _private_folders(folder: Path, target_dir: Path) -> None:
    """``target_dir`` and every folder from ``folder`` down to it, only their owner's (0700); missing parents of
    ``folder`` are made so too."""
    missing = []
    path = target_dir
    while not path.exists():
        missing.append(path)
        path = path.parent
    for path in reversed(missing):
        path.mkdir(mode=FOLDER_MODE, exist_ok=True)
    path = target_dir
    while True:
        os.chmod(path, FOLDER_MODE)
        if path == folder or path == path.parent:
            break
        path = path.parent


def _save_atomically(book: Workbook, target: Path) -> None:
    """Save under a temporary name (0600) in the target's folder, then rename: a reader sees the old file or the new."""
    fd, name = tempfile.mkstemp(prefix=".feedback-", suffix=".xlsx.tmp", dir=target.parent)
    os.close(fd)
    try:
        book.save(name)
        os.chmod(name, FILE_MODE)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# ---- the feedback workbook ---------------------------------------------------------------------------------------


@dataclass
class _Mark:
    """What a cell of the copy carries: the worst severity of its problems, and its comment's paragraphs."""

    severity: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    more: int = 0


def _feedback_book(job: _Job, grids: list[Grid] | None, texts: _Texts) -> Workbook:
    """The list sheet, then a copy of every sheet of the workbook, with its marks (write-only: bounded memory)."""
    titles = _sheet_titles([g.sheet for g in grids or []])
    list_name = texts.word("sheet").replace(" / ", " - ")[:31]  # no '/' in a sheet's name
    list_title = _unique_title(list_name, {t.casefold() for t in titles.values()})
    shown = errors_first(job.problems)[:MAX_MARKED]
    marks = _marks(shown, titles, texts)
    book = Workbook(write_only=True)
    notes = [] if grids is not None else [texts.word("unread")]
    if len(job.problems) > len(shown):
        notes.append(texts.word("more", shown=f"{len(shown):,}", total=f"{len(job.problems):,}"))
    _write_list(book.create_sheet(list_title), job, shown, titles, texts, notes)
    budget = MAX_MARKED - sum(len(m) for m in marks.values())
    for grid in grids or []:
        sheet_marks = _on_visible_cells(grid, marks[titles[grid.sheet]])
        budget -= _mark_unread(grid, sheet_marks, budget, texts)
        _write_sheet(book.create_sheet(titles[grid.sheet]), grid, sheet_marks, texts)
    return book


def _sheet_titles(names: list[str]) -> dict[str, str]:
    """Each sheet's title in the copy: its own name, unless Excel forbids it (a character, the length, a repeat)."""
    titles: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        title = _TITLE_FORBIDDEN.sub("_", "".join(c if c.isprintable() else "_" for c in name)).strip("'")[:31] or "_"
        titles[name] = title = _unique_title(title, taken)
        taken.add(title.casefold())
    return {**titles, **{one_line(n): t for n, t in titles.items()}}


def _unique_title(title: str, taken: set[str]) -> str:
    n, candidate = 1, title
    while candidate.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = title[: 31 - len(suffix)] + suffix
    return candidate


def _marks(problems: list[Problem], titles: dict[str, str], texts: _Texts) -> dict[str, dict[tuple[int, int], _Mark]]:
    """The marks of the cells the problems name, by sheet title of the copy."""
    marks: dict[str, dict[tuple[int, int], _Mark]] = defaultdict(dict)
    for p in problems:
        position = cell_position(p.cell)
        if p.sheet not in titles or position is None:
            continue
        mark = marks[titles[p.sheet]].setdefault(position, _Mark())
        if mark.severity != ERROR:
            mark.severity = p.severity
        if len(mark.paragraphs) >= MAX_PER_CELL:
            mark.more += 1
            continue
        severity = texts.word("error" if p.severity == ERROR else "warning")
        details = texts.word("col_details")
        mark.paragraphs.append(f"{severity[:1].upper()}{severity[1:]}: {texts.rule(p.rule)}\n{details}: {p.message}")
    return marks


def _on_visible_cells(grid: Grid, marks: dict[tuple[int, int], _Mark]) -> dict[tuple[int, int], _Mark]:
    """The marks, those of a cell hidden under a merged range moved to the range's first cell (where Excel shows it)."""
    rows, cols = {r: i for i, r in enumerate(grid.rows)}, {c: j for j, c in enumerate(grid.cols)}
    out: dict[tuple[int, int], _Mark] = {}
    for (row, column), mark in sorted(marks.items()):
        span = grid.merged.get((rows.get(row, -1), cols.get(column, -1)))
        if span is not None:
            first = CellRange(span)
            row, column = first.min_row, first.min_col
        if (row, column) in out:
            shown = out[(row, column)]
            shown.severity = ERROR if ERROR in (shown.severity, mark.severity) else shown.severity or mark.severity
            room = max(MAX_PER_CELL - len(shown.paragraphs), 0)
            shown.paragraphs += mark.paragraphs[:room]
            shown.more += mark.more + len(mark.paragraphs[room:])
        else:
            out[(row, column)] = mark
    return out


def _mark_unread(grid: Grid, marks: dict[tuple[int, int], _Mark], budget: int, texts: _Texts) -> int:
    """Mark the cells the reader did not read (left empty in the copy), within ``budget``; how many were marked."""
    marked = 0
    for defect in grid.defects:
        if marked >= budget:
            break
        mark = marks.setdefault((defect.row, defect.col), _Mark())
        if not mark.paragraphs:
            marked += 1
        mark.paragraphs.append(texts.word("not_copied"))
    return marked


def _comment(mark: _Mark, texts: _Texts) -> Comment:
    text = "\n\n".join(mark.paragraphs)
    if mark.more:
        text += "\n\n" + texts.word("more_here", n=mark.more)
    text = _xml_text(text)[:8_000]
    lines = sum(1 + len(line) // 48 for line in text.splitlines())
    return Comment(text, texts.word("author"), height=min(40 + 15 * lines, 600), width=360)


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _cell(ws: WriteOnlyWorksheet, value: object, mark: _Mark | None = None, texts: _Texts | None = None) -> object:
    """A value as the write-only sheet takes it: as is when plain, else a cell (text kept text, a mark's fill and
    comment)."""
    if isinstance(value, str):
        value = _xml_text(value)
        plain = not (value.startswith(_AS_TEXT) or value in ERROR_CODES)
    elif isinstance(value, float) and not math.isfinite(value):
        value, plain = str(value), True  # no number Excel can hold: as the reader gave it, in words
    else:
        plain = True
    if plain and mark is None:
        return value
    cell = WriteOnlyCell(ws)
    cell.value = cast(Any, value)  # a value as the reader gives it: text, number, boolean, date or time
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula nor an error: the text as the ministry wrote it
    if mark is not None:
        assert texts is not None, "a mark's comment is written in the workbook's languages"
        cell.fill = _ERROR_FILL if mark.severity == ERROR else _WARNING_FILL if mark.severity else _UNREAD_FILL
        cell.comment = _comment(mark, texts)
    return cell


def _styled(ws: WriteOnlyWorksheet, value: object, font: Font | None = None, fill: PatternFill | None = None, wrap: bool = False) -> Cell:
    cell = _cell(ws, value)
    if not isinstance(cell, Cell):
        cell = WriteOnlyCell(ws)
        cell.value = cast(Any, value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    cell.alignment = _WRAP if wrap else _TOP
    return cell


def _write_list(ws: WriteOnlyWorksheet, job: _Job, shown: list[Problem], titles: dict[str, str], texts: _Texts, notes: list[str]) -> None:
    """The first sheet: the workbook's name, the counts, what the copy is, then one row per problem with a link."""
    errors = sum(p.severity == ERROR for p in job.problems)
    intro = texts.word("intro")
    heights = {4: _height(intro, 180), 5: _height("\n".join(notes), 180) if notes else 0}
    merges = [CellRange(f"A{row}:E{row}") for row in (1, 4, 5)]
    _layout(ws, dict(zip("ABCDE", (28, 10, 16, 70, 70), strict=True)), merges, heights)
    ws.freeze_panes = "A7"
    printed = cast(Any, ws)  # a write-only sheet has a worksheet's print settings, which types-openpyxl does not declare
    printed.page_setup.orientation = "landscape"  # printed: the five columns across one page (no print titles: a
    # defined name, and the copy carries none)
    printed.page_setup.fitToWidth, printed.page_setup.fitToHeight = 1, 0
    printed.sheet_properties.pageSetUpPr.fitToPage = True
    ws.append([_styled(ws, texts.word("title", name=PurePosixPath(job.file).name), font=_BOLD)])
    ws.append([_styled(ws, texts.word("errors"), font=_BOLD), errors])
    ws.append([_styled(ws, texts.word("warnings"), font=_BOLD), len(job.problems) - errors])
    ws.append([_styled(ws, intro, wrap=True)])
    ws.append([_styled(ws, "\n".join(notes), font=_BOLD, wrap=True) if notes else None])
    columns = ("col_sheet", "col_cell", "col_severity", "col_what", "col_details")
    ws.append([_styled(ws, texts.word(c), font=_BOLD, fill=_HEADER_FILL, wrap=True) for c in columns])
    for row, p in enumerate(shown, start=7):
        what = texts.rule(p.rule)
        _layout(ws, {}, [], {row: max(_height(what, 70), _height(p.message, 70))})  # wrapped text: no viewer fits it
        ws.append(_list_row(ws, p, what, titles, texts))


def _height(text: str, width: int) -> float:
    """Points a text in the default font (Calibri 11) takes, wrapped in a column ``width`` wide; measured as Arial,
    which is wider: never too low."""
    return row_height(wrapped_lines(text, width, 11), 11)


def _layout(ws: WriteOnlyWorksheet, widths: Mapping[str, float], merges: list[CellRange], heights: Mapping[int, float]) -> None:
    """Column widths, merged ranges and row heights, set before the first row is written. A write-only sheet has the
    attributes of a worksheet for them (openpyxl's Worksheet._setup), which openpyxl's type stubs do not declare."""
    for column, width in widths.items():
        ws.column_dimensions[column].width = width  # type: ignore[attr-defined]
    for row, height in heights.items():
        if height:
            ws.row_dimensions[row].height = height  # type: ignore[attr-defined]
    if merges:
        ws.merged_cells = MultiCellRange(merges)  # type: ignore[attr-defined]


def _list_row(ws: WriteOnlyWorksheet, p: Problem, what: str, titles: dict[str, str], texts: _Texts) -> list[object]:
    position = cell_position(p.cell)
    link = None
    if p.sheet in titles and position is not None:
        title = titles[p.sheet].replace("'", "''")
        link = Hyperlink(ref="", location=f"'{title}'!{get_column_letter(position[1])}{position[0]}")
    cell = _styled(ws, p.cell, font=_LINK if link else None)
    if link is not None:
        cell.hyperlink = link
    severity = texts.word("error" if p.severity == ERROR else "warning")
    return [
        _styled(ws, p.sheet),
        cell,
        _styled(ws, severity, fill=_ERROR_FILL if p.severity == ERROR else _WARNING_FILL),
        _styled(ws, what, wrap=True),
        _styled(ws, p.message, wrap=True),
    ]


def _write_sheet(ws: WriteOnlyWorksheet, grid: Grid, marks: dict[tuple[int, int], _Mark], texts: _Texts) -> None:
    """A sheet of the copy: the grid's values at their own cells, its merged ranges, column widths, the marks."""
    _layout(ws, {get_column_letter(c): width for c, width in _widths(grid).items()}, _merges(grid), {})
    by_row: dict[int, dict[int, _Mark]] = defaultdict(dict)
    for (row, column), mark in marks.items():
        by_row[row][column] = mark
    index = {r: i for i, r in enumerate(grid.rows)}
    last = 0
    for row in sorted(index.keys() | by_row.keys()):
        for _ in range(row - last - 1):
            ws.append([])
        last = row
        ws.append(list(_row_cells(ws, grid, index.get(row), by_row.get(row, {}), texts)))


def _row_cells(ws: WriteOnlyWorksheet, grid: Grid, i: int | None, marks: dict[int, _Mark], texts: _Texts) -> Iterator[object]:
    """The cells of one row, from column A: the grid's values and the marked cells, None between them."""
    values = {} if i is None else {grid.cols[j]: v for j, v in enumerate(grid.cells[i]) if v is not None}
    columns = values.keys() | marks.keys()
    for column in range(1, max(columns, default=0) + 1):
        value, mark = values.get(column), marks.get(column)
        yield None if value is None and mark is None else _cell(ws, value, mark, texts)


def _widths(grid: Grid) -> dict[int, float]:
    """A column's width from its longest value (a line of it), between 8 and 60 characters. A title (a row's only
    value) and a label merged over several columns overflow to the right: they set no width."""
    longest: dict[int, int] = {}
    for i, row in enumerate(grid.cells):
        if sum(value is not None for value in row) < 2:
            continue
        for j, value in enumerate(row):
            if value is not None and (i, j + 1) not in grid.merged:
                size = max((len(line) for line in str(value).splitlines()), default=0)
                if size > longest.get(j, 0):
                    longest[j] = size
    return {grid.cols[j]: min(max(size + 2, 8), 60) for j, size in longest.items()}


def _merges(grid: Grid) -> list[CellRange]:
    """The sheet's merged ranges as the reader gave them, but one that overlaps another (which Excel would repair): a
    map of the sheet's extent claims each range's cells, so the work stays within the sheet's size."""
    ranges = sorted((CellRange(text) for text in set(grid.merged.values())), key=lambda r: r.bounds)
    if not ranges:
        return []
    height, width = max(grid.rows), max(grid.cols)
    taken = bytearray(height * width)
    kept = []
    for cell_range in ranges:
        clear = True
        for row in range(cell_range.min_row, min(cell_range.max_row, height) + 1):
            for column in range(cell_range.min_col, min(cell_range.max_col, width) + 1):
                at = (row - 1) * width + column - 1
                if taken[at]:
                    clear = False
                    break
                taken[at] = 1
            if not clear:
                break
        if clear:
            kept.append(cell_range)
    return kept
