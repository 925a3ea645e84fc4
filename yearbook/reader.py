"""The layout-tolerant reader: one sheet of a submission, read by its form spec.

It finds the header wherever it stands (after 1-5 title rows, blank rows and columns
removed), maps every data column to a spec column by its header labels (one or two
header rows, merged or blank group cells, columns in any order), maps every row label
to a region, age or indicator code, and parses every figure with its cell reference.
It never raises on bad input: every defect becomes a :class:`Problem`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from yearbook.cells import parse_cell
from yearbook.codelists import CodeLists
from yearbook.figures import FIGURE_FIELDS, FigureBlock
from yearbook.labels import label_variants, mixed_scripts, normalize_label
from yearbook.model import DIMENSIONS, NATIONAL, TOTAL
from yearbook.problems import ERROR, Problem
from yearbook.specs import FormSpec, Leaf, OfWhich, SheetSpec
from yearbook.workbook import Grid

FORM_CODE = re.compile(r"\bF-[A-Z]{2,5}-\d{1,2}\b")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
FOOTNOTE_ROW = re.compile(r"^\s*(?:\*|\d{1,2}\)|[¹²³⁴⁵⁶⁷⁸⁹]|примечани|ескерту|ескертпе|note|источник|дереккөз|source)", re.IGNORECASE)
_COMBINED_SPLIT = re.compile(r"\s*[,:\n]\s*|\s+[-–—]\s+")
HEADER_SEARCH_ROWS = 12
MAX_HEADER_SPLITS = 8  # a header cell "group<separator>sub" has one or two separators; a label of the forms, none
FORM_CODE_ROWS = 6


ALL_TOTALS = (TOTAL,) * len(DIMENSIONS)
_EXACT_INT = 2**53  # an integer cell within this reads as float(cell) exactly as parse_cell reads it (never too large)


@dataclass
class SheetRead:
    """What reading one sheet produced."""

    role: str
    block: FigureBlock | None = None  # its figures (None: none)
    problems: list[Problem] = field(default_factory=list)
    ref_area: str | None = None  # the region of a per-region sheet (F-DEM-1)

    def figure_records(self) -> list[dict]:
        """Its figures as dicts keyed by :data:`FIGURE_FIELDS` (for tests; the build takes the block as it is)."""
        return [] if self.block is None else [dict(zip(FIGURE_FIELDS, row, strict=True)) for row in self.block.rows(FIGURE_FIELDS)]


def form_codes(grid: Grid) -> set[str]:
    """Form codes found in the first rows of a sheet."""
    found = set()
    for i, row_number in enumerate(grid.rows):
        if row_number > FORM_CODE_ROWS:
            break
        for value in grid.cells[i]:
            if isinstance(value, str):
                found.update(FORM_CODE.findall(value))
    return found


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Context:
    """Where we are, for building problems."""

    def __init__(self, file: str, grid: Grid, form: FormSpec, year: int, lists: CodeLists):
        self.file, self.grid, self.form, self.year, self.lists = file, grid, form, year, lists

    def problem(self, rule: str, message: str, cell: str | None = None, values: object = None, severity: str = ERROR) -> Problem:
        return Problem(
            self.file,
            self.grid.sheet,
            cell,
            rule,
            message,
            severity,
            None if values is None else str(values),
            self.form.code,
            self.year,
        )


@dataclass
class _Header:
    top: int  # first header row (grid index)
    rows: list[int]
    label_col: int
    columns: dict[int, Leaf]  # grid column -> spec column
    problems: list[Problem]
    refused: set[int]  # columns whose header is already reported as a problem
    ambiguous: dict[int, tuple[Leaf, ...]] = field(default_factory=dict)  # grid column -> the spec columns it could be


def _all_labels(spec: SheetSpec) -> set[str]:
    labels: set[str] = set()
    for leaf in spec.leaves:
        labels |= leaf.top
        labels |= leaf.sub or set()
    return labels


def _combined_splits(text: str) -> list[tuple[str, str]]:
    """The ways to read one header cell as "group<separator>sub" (a one-row header of a two-level form), at its first
    :data:`MAX_HEADER_SPLITS` separators: each way is a label lookup of its text, so a long cell of many separators
    (a title, a note, or a hostile file's cell) costs a bounded number of them, not one per separator."""
    inside = (m for m in _COMBINED_SPLIT.finditer(text) if m.start() > 0 and m.end() < len(text))
    return [(text[: m.start()], text[m.end() :]) for m in itertools.islice(inside, MAX_HEADER_SPLITS)]


def _header_variants(value: object, of_which: OfWhich) -> tuple[str, ...]:
    """A header label's normalised variants, each also without a leading "of which" word ("в том числе: под опекой")."""
    found = label_variants(value)
    return found + tuple(core for v in found if (core := of_which.core(v)))


class _Memo(NamedTuple):
    """What the header search found for one sheet spec's columns and "of which" words: header paths and cells seen in
    earlier sheets and workbooks (the same few labels recur in all of them), by their text."""

    leaves: tuple[Leaf, ...]
    of_which: OfWhich
    paths: dict[tuple[str, ...], tuple[Leaf, ...]]
    cells: dict[str, bool]


_MEMOS: dict[int, _Memo] = {}


def _memo(spec: SheetSpec, of_which: OfWhich) -> _Memo:
    """The memo of ``spec``'s columns under ``of_which``: kept by identity (the memo holds both, so an id is never
    another object's while it is kept); the answers depend on nothing else."""
    memo = _MEMOS.get(id(spec.leaves))
    if memo is None or memo.leaves is not spec.leaves or memo.of_which is not of_which:
        if len(_MEMOS) >= 256:  # form specs loaded anew (tests, a long-lived process): start over
            _MEMOS.clear()
        memo = _MEMOS[id(spec.leaves)] = _Memo(spec.leaves, of_which, {}, {})
    return memo


def _cell_has_label(value: object, spec: SheetSpec, labels: set[str], of_which: OfWhich) -> bool:
    """:func:`_cell_has_label_uncached`, remembered per text (``labels`` are those of ``spec``'s columns)."""
    if not isinstance(value, str):
        return False
    cells = _memo(spec, of_which).cells
    found = cells.get(value)
    if found is None:
        found = cells[value] = _cell_has_label_uncached(value, spec, labels, of_which)
    return found


def _cell_has_label_uncached(value: object, spec: SheetSpec, labels: set[str], of_which: OfWhich) -> bool:
    """Whether a cell may be a header cell of ``spec``: one of its labels, or "group<separator>sub" naming one of its
    columns by both labels (a one-row header of a two-level form). Both, not a label and any text after a separator:
    a title may begin with a column label ('Мектептер, 2018 жыл (Нысан F-MOES-1)'). A cell carrying a form code or a
    year is title text (FORMS.md, "Finding the form"), never a header cell, even where one side of it is a label
    ('Балалары бар отбасылар / Семьи с детьми, 2018')."""
    if not isinstance(value, str) or FORM_CODE.search(value) or YEAR.search(value):
        return False
    if any(x in labels for x in _header_variants(value, of_which)):
        return True
    return any(
        _match_path(spec, [top, sub], of_which) for top, sub in _combined_splits(value) if any(x in labels for x in label_variants(top))
    )


def _row_has_label(row: list[object], spec: SheetSpec, labels: set[str], of_which: OfWhich, skip: int | None = None) -> bool:
    return any(j != skip and _cell_has_label(v, spec, labels, of_which) for j, v in enumerate(row))


def _match_variants(spec: SheetSpec, parts: list[str], of_which: OfWhich) -> tuple[Leaf, ...]:
    """The columns a header path names with all their labels or, failing that, for one label standing alone, the
    grouped columns whose sub-column label it is: one is the column, several are ambiguous (never guessed)."""
    combos = list(itertools.product(*(_header_variants(p, of_which) for p in parts)))
    found = tuple(leaf for leaf in spec.leaves if any(leaf.matches(c) for c in combos))
    if found or len(parts) != 1:
        return found
    return tuple(leaf for leaf in spec.leaves if any(leaf.matches_alone(label) for (label,) in combos))


def _match_path(spec: SheetSpec, path: list[str], of_which: OfWhich) -> tuple[Leaf, ...]:
    """:func:`_match_path_uncached`, remembered per path."""
    paths, key = _memo(spec, of_which).paths, tuple(path)
    found = paths.get(key)
    if found is None:
        found = paths[key] = _match_path_uncached(spec, path, of_which)
    return found


def _match_path_uncached(spec: SheetSpec, path: list[str], of_which: OfWhich) -> tuple[Leaf, ...]:
    """The columns a header path names: as written; under a group label that is only an "of which" word, by the
    label below it; or, for one cell, read as "group<separator>sub" (a one-row header of a two-level form)."""
    found = _match_variants(spec, path, of_which)
    if not found and len(path) == 2 and of_which.is_word(path[0]):
        found = _match_variants(spec, path[1:], of_which)
    if not found and len(path) == 1:
        found = next((m for top, sub in _combined_splits(path[0]) if (m := _match_path(spec, [top, sub], of_which))), ())
    return found


def _find_header(ctx: _Context, spec: SheetSpec) -> _Header | None:
    grid, of_which = ctx.grid, ctx.form.of_which
    labels = _all_labels(spec)
    top = next(
        (
            i
            for i in range(min(len(grid.cells), HEADER_SEARCH_ROWS))
            if not any(_is_number(v) for v in grid.cells[i]) and _row_has_label(grid.cells[i], spec, labels, of_which)
        ),
        None,
    )
    if top is None:
        return None
    width = len(grid.cols)
    # the first column with a label at or below the header: a footnote row's text ('Примечание: ...', '*') may stand
    # further left, in a column of its own (FORMS.md: footnote rows under the table are not data)
    below = range(top, len(grid.cells))
    filled = [j for j in range(width) if any(grid.cells[i][j] is not None for i in below)]
    label_col = next((j for j in filled if any(_is_label_text(grid.cells[i][j]) for i in below)), filled[0])
    rows = [top]
    nxt = top + 1
    if (
        nxt < len(grid.cells)
        and not any(_is_number(v) for v in grid.cells[nxt])
        and _row_has_label(grid.cells[nxt], spec, labels, of_which, skip=label_col)
    ):
        rows.append(nxt)
    header = _Header(top, rows, label_col, {}, [], set())
    seen: dict[Leaf, int] = {}
    filled_top = group_cell = None
    for j in range(label_col + 1, width):
        upper = grid.cells[top][j]
        lower = grid.cells[rows[1]][j] if len(rows) == 2 else None
        if upper is not None:
            filled_top, group_cell = upper, grid.ref(top, j)
        elif (top, j) in grid.merge_anchors:  # a merged group cell left blank: its columns have no group label
            filled_top = None
        candidates = _candidate_paths(upper, lower, filled_top)
        if not candidates:
            continue
        grouped = upper is None and filled_top is not None and (top, j) in grid.merged  # under a merged group label
        path, leaves = _match_column(spec, candidates, of_which, grouped)
        where = grid.ref(rows[-1] if lower is not None else top, j)
        if len(leaves) > 1 and upper is None and len(rows) == 2:  # the fix is the blank group cell above (a merge's first)
            where = grid.merged.get((top, j), grid.ref(top, j)).partition(":")[0]
        elif not leaves and _under_unknown_group(spec, path, of_which):  # the fix is the group label
            where = group_cell or where
        shown = " / ".join(path)
        problem = _column_problem(ctx, spec, path, leaves, where) or _duplicate_problem(ctx, leaves[0], seen, top, where, shown)
        if problem:
            header.problems.append(problem)
            header.refused.add(j)
            if len(leaves) > 1:
                header.ambiguous[j] = leaves
            continue
        seen[leaves[0]] = j
        header.columns[j] = leaves[0]
    return header


def _is_note(value: object) -> bool:
    """Whether a cell is the text of a footnote row ('Примечание: ...', 'Ескерту', 'Note:', '*', '1) ...')."""
    return isinstance(value, str) and FOOTNOTE_ROW.match(value) is not None


def _is_label_text(value: object) -> bool:
    return value is not None and not _is_note(value)


def _candidate_paths(upper: object, lower: object, filled_top: object) -> list[list[str]]:
    """The header paths a data column may have, the likeliest first. Under a blank upper cell: the group label to
    its left (a group cell not merged) over the lower cell, then the lower cell alone (its group label left out)."""
    if upper is not None:
        return [[str(upper)] + ([str(lower)] if lower is not None else [])]
    if lower is None:
        return []
    return ([[str(filled_top), str(lower)]] if filled_top is not None else []) + [[str(lower)]]


def _match_column(spec: SheetSpec, candidates: list[list[str]], of_which: OfWhich, grouped: bool) -> tuple[list[str], tuple[Leaf, ...]]:
    """The first candidate path that names columns, with them; else the first path, naming none. Under a merged group
    label (``grouped``) the label is written over the column: a lower label alone then names only a column of its own,
    never a sub-column of the form's groups ('мальчики' under an unknown 'Умершие в возрасте до 7 лет', 'үйде оқитын'
    under 'Оқушылар'), which is refused as the path under that group label, not as a label missing its group."""
    for path in candidates:
        leaves = _match_path(spec, path, of_which)
        if grouped and len(path) == 1:
            leaves = tuple(leaf for leaf in leaves if not (leaf.top and leaf.sub is not None))
        if leaves:
            return path, leaves
    return candidates[0], ()


def _column_problem(ctx: _Context, spec: SheetSpec, path: list[str], leaves: tuple[Leaf, ...], where: str) -> Problem | None:
    """The problem of a header that names no column of the sheet, or several (a sub-column label alone that other
    columns share: never guessed)."""
    shown = " / ".join(path)
    if not leaves:
        return ctx.problem("unknown_column", _unknown_column_message(ctx, spec, path), where, shown)
    if len(leaves) > 1:
        names = ", ".join(repr(leaf.title) for leaf in leaves)
        message = (
            f"column header {shown!r} names no single column of {ctx.form.code} without its group label above it: "
            f"it could be {names}; write the group label"
        )
        return ctx.problem("ambiguous_column", message, where, shown)
    return None


def _under_unknown_group(spec: SheetSpec, path: list[str], of_which: OfWhich) -> tuple[Leaf, ...]:
    """For a header path "group / label" that names no column because its group label is none of the form's while its
    label is a sub-column label of the form's groups ('Умершие в возрасте до 7 лет / мальчики'): the columns the label
    names under their group labels. Empty otherwise (one label, a group of the form, a label of no group)."""
    if len(path) != 2 or any(v in leaf.top for leaf in spec.leaves for v in _header_variants(path[0], of_which)):
        return ()
    return tuple(leaf for leaf in _match_variants(spec, path[1:], of_which) if leaf.top and leaf.sub is not None)


def _unknown_column_message(ctx: _Context, spec: SheetSpec, path: list[str]) -> str:
    """Why a header path names no column; where its group label is the one to mend, the message says so and names the
    columns of the label under it."""
    shown = " / ".join(path)
    hints = "".join(mixed_scripts(part) for part in path)  # a character counted in its own cell
    message = f"column header {shown!r} is not a column of {ctx.form.code} ({spec.description}){hints}"
    under = _under_unknown_group(spec, path, ctx.form.of_which)
    if not under:
        return message
    names = ", ".join(repr(leaf.title) for leaf in under)
    return f"{message}: the group label {path[0]!r} is none of the form's; under the form's group labels, {path[1]!r} is {names}"


def _duplicate_problem(ctx: _Context, leaf: Leaf, seen: dict[Leaf, int], top: int, where: str, shown: str) -> Problem | None:
    if leaf not in seen:
        return None
    return ctx.problem("duplicate_column", f"column {leaf.title!r} appears twice (also at {ctx.grid.ref(top, seen[leaf])})", where, shown)


def _score(header: _Header | None, spec: SheetSpec) -> tuple[bool, int, int]:
    """How well a sheet fits a spec: its header found first, so that a sheet whose header has defects is read, and
    its defects reported, as that sheet rather than as one with no header at all; then its columns read less twice
    those missing or unknown. An ambiguous column counts neither way: it is not read, but not missing either."""
    if header is None:
        return (False, 0, 0)
    present = {*header.columns.values(), *(leaf for leaves in header.ambiguous.values() for leaf in leaves)}
    missing = sum(1 for leaf in spec.leaves if leaf.required and leaf not in present)
    unknown = sum(1 for p in header.problems if p.rule == "unknown_column")
    return (True, len(header.columns) - 2 * (missing + unknown), -missing)


def _title_text(grid: Grid, upto: int) -> list[tuple[int, int, str]]:
    return [(i, j, str(v)) for i in range(upto) for j, v in enumerate(grid.cells[i]) if isinstance(v, str)]


def _read_year(ctx: _Context, titles: list[tuple[int, int, str]]) -> tuple[int | None, list[Problem]]:
    grid, form = ctx.grid, ctx.form
    pattern = re.compile(form.year_pattern, re.IGNORECASE) if form.year_pattern else YEAR
    found = [(int(m.group(1)), grid.ref(i, j)) for i, j, text in titles for m in pattern.finditer(text)]
    where = grid.ref(0, 0) if grid.cells else None
    if not found:
        what = "the survey year ('Survey year: YYYY')" if form.survey_year else "the reference year"
        return None, [ctx.problem("missing_year", f"the title above the header does not state {what}", where)]
    years = sorted({y for y, _ in found})
    if len(years) > 1:
        return None, [ctx.problem("ambiguous_year", f"the title states several years {years}", found[0][1], years)]
    year, ref = found[0]
    if form.survey_year:
        if year > ctx.year:
            return None, [ctx.problem("year_mismatch", f"survey year {year} is after the folder's year {ctx.year}", ref, year)]
    elif year != ctx.year:
        return None, [ctx.problem("year_mismatch", f"the title says {year} but the file is in the folder {ctx.year}", ref, year)]
    return year, []


def _region_code(ctx: _Context, label: object, cell: str) -> tuple[str | None, Problem | None]:
    matches = ctx.lists.region_matches(label)
    valid = {m.ref_area for m in matches if m.valid_in(ctx.year)}
    if len(valid) == 1:
        return valid.pop(), None
    if not matches:
        message = f"region label {str(label)!r} is not in the region list{mixed_scripts(str(label))}"
        return None, ctx.problem("unknown_region", message, cell, label)
    if not valid:
        spans = sorted({(m.valid_from, m.valid_to) for m in matches}, key=str)
        span = ", ".join(f"{a or '…'}-{b or '…'}" for a, b in spans)
        return None, ctx.problem("region_not_valid", f"region label {str(label)!r} is not valid in {ctx.year} (valid {span})", cell, label)
    return None, ctx.problem("ambiguous_region", f"region label {str(label)!r} names several regions {sorted(valid)}", cell, label)


def read_sheet(file: str, grid: Grid, form: FormSpec, folder_year: int, lists: CodeLists) -> SheetRead:
    """Read one data sheet of ``form``; the sheet role is recognised from its title and header."""
    ctx = _Context(file, grid, form, folder_year, lists)
    head_text = " ".join(normalize_label(v) for _, _, v in _title_text(grid, min(len(grid.cells), HEADER_SEARCH_ROWS)))
    candidates = [s for s in form.sheets if not s.title_words or any(w in head_text for w in s.title_words)]
    if not candidates:
        return SheetRead(
            "?",
            problems=[
                ctx.problem("unknown_sheet", f"sheet is not one of the sheets of {form.code}", grid.ref(0, 0) if grid.cells else None)
            ],
        )
    scored = []
    for spec in candidates:
        header = _find_header(ctx, spec) if spec.header else None
        scored.append((_score(header, spec) if spec.header else (True, 0, 0), spec, header))
    scored.sort(key=lambda t: t[0], reverse=True)
    best_score, spec, header = scored[0]
    if spec.header and header is None:
        expected = sorted({leaf.title for leaf in spec.leaves})[:6]
        return SheetRead(
            spec.role,
            problems=[
                ctx.problem(
                    "missing_header",
                    f"no header row of {form.code} found (expected labels such as {expected})",
                    grid.ref(0, 0) if grid.cells else None,
                )
            ],
        )
    return _read_table(ctx, spec, header)


def _column_codes(leaf: Leaf) -> tuple[str | None, tuple[str, ...], bool]:
    """What every figure of a data column carries: its indicator, its dimension codes (in DIMENSIONS order), check-only."""
    own = dict(leaf.dims)
    return leaf.indicator, tuple(own.get(d, TOTAL) for d in DIMENSIONS), leaf.check_only


def _read_table(ctx: _Context, spec: SheetSpec, header: _Header | None) -> SheetRead:
    """Find where the data start, read the year (and a per-region sheet's region) from the title above, read every
    row, then report the rows of the form that are not there."""
    out = SheetRead(spec.role)
    label_col, first_data, title_rows = _layout(ctx, spec, header, out.problems)
    titles = _title_text(ctx.grid, title_rows)
    year, problems = _read_year(ctx, titles)
    out.problems += problems
    if year is None:
        return out
    area = _title_region(ctx, spec, titles, out)
    if area is None:
        return out
    rows = _RowReader(ctx, spec, header, label_col, year, area, out)
    for i in range(first_data, len(ctx.grid.cells)):
        rows.read(i)
    out.block = rows.figures()
    _missing_rows(ctx, spec, rows.seen, year, out.problems)
    return out


def _layout(ctx: _Context, spec: SheetSpec, header: _Header | None, problems: list[Problem]) -> tuple[int, int, int]:
    """(the column of the row labels, the first data row, the rows of the title above the table); the header's
    problems and its missing required columns join ``problems``."""
    grid = ctx.grid
    if header is None:  # a header-less sheet: data start at the first row whose label is known
        first_data = next(
            (i for i, row in enumerate(grid.cells) if any(normalize_label(v) in spec.rows.labels for v in row if isinstance(v, str))),
            len(grid.cells),
        )
        return 0, first_data, first_data
    problems += header.problems
    for leaf in spec.leaves:
        if leaf.required and leaf not in header.columns.values():
            message = f"required column {leaf.title!r} of {ctx.form.code} ({spec.description}) is missing"
            problems.append(ctx.problem("missing_column", message, grid.ref(header.top, header.label_col)))
    return header.label_col, header.rows[-1] + 1, header.top


def _title_region(
    ctx: _Context, spec: SheetSpec, titles: list[tuple[int, int, str]], out: SheetRead
) -> tuple[str | None, str | None] | None:
    """(the region of the sheet's figures, its label as written): the spec's, or on a per-region sheet the one its title
    names (also set as ``out.ref_area``); None when the title names none that is valid (reported in ``out``)."""
    if not spec.region_from_title:
        return spec.ref_area, None
    for i, j, text in titles:
        if ctx.lists.region_matches(text):
            ref_area, problem = _region_code(ctx, text, ctx.grid.ref(i, j))
            if problem:
                out.problems.append(problem)
                return None
            out.ref_area = ref_area
            return ref_area, text.strip()
    out.problems.append(
        ctx.problem("missing_region_title", "no title row names the region (or the country) of this sheet", ctx.grid.ref(0, 0))
    )
    return None


class _RowCodes(NamedTuple):
    """What a row label gives the figures of its row."""

    area: str | None
    area_label: str | None
    indicator: str | None
    dims: tuple[tuple[str, str], ...]  # (dimension, code) of the row, sorted; none for a region or an indicator row


class _Row(NamedTuple):
    """A data row whose label was understood: where it is, its codes, the grid columns of its cells, and how many
    problems were reported before its cells are read (its cells' problems go there, in reading order)."""

    i: int
    codes: _RowCodes
    columns: list[int]
    problems_before: int


class _RowReader:
    """Reads the data rows of one table: each row's label to its codes (:meth:`read`, row by row), then every cell of
    the rows understood to a figure (:meth:`figures`, column-wise)."""

    def __init__(
        self,
        ctx: _Context,
        spec: SheetSpec,
        header: _Header | None,
        label_col: int,
        year: int,
        area: tuple[str | None, str | None],
        out: SheetRead,
    ):
        self.ctx, self.spec, self.header, self.label_col, self.year, self.out = ctx, spec, header, label_col, year, out
        self.area, self.area_label = area
        self.seen: dict[tuple, str] = {}  # (area, indicator, dims) of every row read -> its row number
        self.rows: list[_Row] = []
        grid = ctx.grid
        # what stays the same down a column, worked out once: the other columns a stray value may stand in (every row
        # of a grid is as wide as its columns), and the rows with a cell not to read or under a merged range
        self.others = (
            [j for j in range(len(grid.cols)) if j != label_col and j not in header.columns and j not in header.refused]
            if header is not None
            else []
        )
        self.marked_rows = {i for i, _ in grid.unread} | {i for i, _ in grid.merged}

    def read(self, i: int) -> None:
        """Read the label of row ``i`` of the grid, and its defects into ``out.problems``; a row understood is kept
        for :meth:`figures`."""
        grid, label_col = self.ctx.grid, self.label_col
        row = grid.cells[i]
        label = row[label_col]
        data, stray = self._cells(row)
        if self._footnote_row(row) or (_is_note(label) and not any(row[j] is not None for j in data)):
            return
        if label is None:
            if any(row[j] is not None for j in data):
                self.out.problems.append(self.ctx.problem("missing_row_label", "figures in a row without a label", grid.ref(i, label_col)))
            return
        codes = self._codes(label, grid.ref(i, label_col))
        if codes is None or self._duplicate(i, label, codes):
            return
        for j in stray:
            self.out.problems.append(
                self.ctx.problem("value_outside_table", "a value in a column without a known header", grid.ref(i, j), row[j])
            )
        self.rows.append(_Row(i, codes, data, len(self.out.problems)))

    def _footnote_row(self, row: list[object]) -> bool:
        """Whether a row is a footnote row under the table (FORMS.md: not data), in whichever column its text stands:
        its first cell a note's text ('Примечание: ...', '*', '1)'), its label cell that text or blank, and no other
        cell a figure or a symbol (a row labelled '*' with figures in it, or a mark before a region's label, is a row
        whose cells are read, and reported where they cannot be)."""
        first = next((j for j, v in enumerate(row) if v is not None), None)
        if first is None or not _is_note(row[first]) or (first != self.label_col and row[self.label_col] is not None):
            return False
        return all(v is None or self._not_a_figure(v) for v in row[first + 1 :])

    def _not_a_figure(self, value: object) -> bool:
        return isinstance(value, str) and parse_cell(value, decimal_comma=self.ctx.form.decimal_comma).error is not None

    def _cells(self, row: list[object]) -> tuple[list[int], list[int]]:
        """The grid columns of the row's cells under the table's columns, and the columns of values outside them. A
        header-less table has one column: the first value right of the label."""
        label_col, header = self.label_col, self.header
        if header is not None:
            return list(header.columns), [j for j in self.others if row[j] is not None]
        filled = [j for j, v in enumerate(row) if j != label_col and v is not None]
        return filled[:1], filled[1:]

    def _codes(self, label: object, label_ref: str) -> _RowCodes | None:
        """The codes the row label gives its figures: a region, an indicator or a dimension's code; None when the label
        is none of the form's (reported)."""
        ctx, spec = self.ctx, self.spec
        if spec.rows.kind == "region":
            area, problem = _region_code(ctx, label, label_ref)
            if problem:
                self.out.problems.append(problem)
                return None
            return _RowCodes(area, str(label).strip(), None, ())
        code = next((spec.rows.labels[v] for v in label_variants(label) if v in spec.rows.labels), None)
        if code is None:
            kind = "indicator" if spec.rows.kind == "indicator" else spec.rows.dimension
            message = f"row label {str(label)!r} is not a {kind} of {ctx.form.code} ({spec.description}){mixed_scripts(str(label))}"
            self.out.problems.append(ctx.problem("unknown_row_label", message, label_ref, label))
            return None
        if spec.rows.kind == "indicator":
            return _RowCodes(self.area, self.area_label, code, ())
        assert spec.rows.dimension is not None, "rows that are no regions nor indicators are a dimension's codes (specs.py)"
        return _RowCodes(self.area, self.area_label, None, ((spec.rows.dimension, code),))

    def _duplicate(self, i: int, label: object, codes: _RowCodes) -> bool:
        """Whether row ``i`` has the codes of a row read before: both are reported, either may be the wrong one."""
        grid, key = self.ctx.grid, (codes.area, codes.indicator, codes.dims)
        if key not in self.seen:
            self.seen[key] = grid.row_ref(i)
            return False
        first = grid.letters[self.label_col] + self.seen[key]
        for cell, other in ((grid.ref(i, self.label_col), self.seen[key]), (first, grid.row_ref(i))):
            self.out.problems.append(self.ctx.problem("duplicate_row", f"row {str(label)!r} appears twice (also row {other})", cell, label))
        return True

    def figures(self) -> FigureBlock | None:
        """The figures of the rows understood, as one block: every cell of their columns read at once, the common
        cells (a finite number, a blank) without a call each; a cell not to read, under a merged range or not a
        figure (reported) is left out. Its problems join those of its row, where a row-by-row reading would put them."""
        rows = [row for row in self.rows if row.columns]  # a header-less table's row without a value gives no figure
        if not rows:
            return None
        grid = self.ctx.grid
        n_cols = len(rows[0].columns)
        cells = [grid.cells[row.i][j] for row in rows for j in row.columns]
        letters = grid.letters
        refs = [letters[j] + number for row, number in zip(rows, [grid.row_ref(row.i) for row in rows], strict=True) for j in row.columns]
        exact = _EXACT_INT
        values = [v + 0.0 if type(v) is float else float(v) if type(v) is int and -exact < v < exact else None for v in cells]
        # a blank, text, a number no float holds exactly or no finite one, and a cell not to read or under a merged range
        odd = [p for p, v in enumerate(cells) if not (type(v) is float and v - v == 0.0 or type(v) is int and -exact < v < exact)]
        odd += [
            r * n_cols + k
            for r, row in enumerate(rows)
            if row.i in self.marked_rows
            for k, j in enumerate(row.columns)
            if (row.i, j) in grid.unread or (row.i, j) in grid.merged
        ]
        block = FigureBlock(len(rows), n_cols, same={"time_period": self.year})
        block.by_cell = {"value": values, "source_cell": refs, "raw": [None if v is None else str(v) for v in cells]}
        statuses, left_out = self._odd_cells(rows, cells, values, sorted(set(odd)))
        if statuses is None:
            block.same |= {"obs_status": "A", "obs_conf": "F", "footnote": None}
        else:
            block.by_cell |= statuses
        self._codes_of(block, rows, left_out)
        if left_out:
            block.kept = [p for p in range(len(cells)) if p not in left_out]
        return block

    def _odd_cells(
        self, rows: list[_Row], cells: list[object], values: list[float | None], odd: list[int]
    ) -> tuple[dict[str, list[object]] | None, set[int]]:
        """Read the cells at ``odd`` one by one, in reading order, as :func:`parse_cell` reads a cell; their values
        into ``values``. Returns each cell's status, confidentiality and note (None: every cell a number), and the
        cells left out."""
        if not odd:
            return None, set()
        grid, ctx, n_cols = self.ctx.grid, self.ctx, len(rows[0].columns)
        n = len(cells)
        status: list[object] = ["A"] * n
        conf: list[object] = ["F"] * n
        note: list[object] = [None] * n
        left_out: set[int] = set()
        found: list[tuple[int, Problem]] = []  # (the row's place in rows, a problem of its cells)
        reported: set[str] = set()  # merged ranges reported
        for p in odd:
            r = p // n_cols
            i, j = rows[r].i, rows[r].columns[p % n_cols]
            if (i, j) in grid.unread:  # reported where the sheet was read (a formula without a result, a huge cell)
                left_out.add(p)
                continue
            if (i, j) in grid.merged:  # a figure hidden under a merged range would read as missing
                left_out.add(p)
                span = grid.merged[(i, j)]
                if span not in reported:
                    reported.add(span)
                    message = f"the cells {span} are merged over figures: unmerge them and write each figure in its own cell"
                    found.append((r, ctx.problem("merged_data_cells", message, span.partition(":")[0], span)))
                continue
            raw = cells[p]
            if raw is None:
                status[p] = "M"
                continue
            parsed = parse_cell(raw, decimal_comma=ctx.form.decimal_comma)
            if parsed.error:
                left_out.add(p)
                found.append((r, ctx.problem("invalid_value", parsed.error, grid.ref(i, j), raw)))
                continue
            values[p], status[p], conf[p], note[p], _ = parsed
        self._place(found, rows)
        return {"obs_status": status, "obs_conf": conf, "footnote": note}, left_out

    def _place(self, found: list[tuple[int, Problem]], rows: list[_Row]) -> None:
        """Put the problems of cells (in reading order, with their row's place in ``rows``) among the others, after
        those of their row."""
        if not found:
            return
        problems, merged, taken = self.out.problems, [], 0
        for r, problem in found:
            upto = rows[r].problems_before
            merged += problems[taken:upto]
            taken = max(taken, upto)
            merged.append(problem)
        problems[:] = merged + problems[taken:]

    def _codes_of(self, block: FigureBlock, rows: list[_Row], left_out: set[int]) -> None:
        """The block's codes: its region and row label by row, its indicator and dimension codes by row or by column
        (the rows' kind says which); a cell without an indicator or a region gives no figure."""
        n_cols, spec = block.n_cols, self.spec
        block.by_row = {"ref_area": [row.codes.area for row in rows], "area_label": [row.codes.area_label for row in rows]}
        if self.header is not None:
            leaves = [_column_codes(self.header.columns[j]) for j in rows[0].columns]
        else:
            leaves = [(None, ALL_TOTALS, False)]
        block.by_col = {"check_only": [check_only for _, _, check_only in leaves]}
        if spec.rows.kind == "indicator":
            block.by_row["indicator"] = [row.codes.indicator for row in rows]
        else:
            block.by_col["indicator"] = [indicator for indicator, _, _ in leaves]
        for k, dim in enumerate(DIMENSIONS):
            if spec.rows.kind == "dimension" and dim == spec.rows.dimension:
                block.by_row[dim] = [dict(row.codes.dims)[dim] for row in rows]
            else:
                block.by_col[dim] = [dims[k] for _, dims, _ in leaves]
        for r, row in enumerate(rows):
            for c, (indicator, _, _) in enumerate(leaves):
                if row.codes.area is None or (row.codes.indicator or indicator) is None:
                    left_out.add(r * n_cols + c)


def _missing_rows(ctx: _Context, spec: SheetSpec, seen: dict[tuple, str], year: int, problems: list[Problem]) -> None:
    """Every row of the form is required: report the indicators or codes, or the regions valid in ``year``, that no row
    gave (``seen``: the (area, indicator, dims) of the rows read) -- unless a row label was not understood, which may be
    the missing row written otherwise."""
    if spec.rows.kind != "region" and not any(p.rule == "unknown_row_label" for p in problems):
        present = {indicator or dict(dims).get(spec.rows.dimension) for _, indicator, dims in seen}
        for code, label in spec.rows.names.items():
            if code not in present:
                problems.append(ctx.problem("missing_row", f"no row {label!r} ({code}): every row of the form is required", None, code))
    label_rules = {"unknown_region", "region_not_valid", "ambiguous_region"}
    if spec.rows.kind == "region" and not any(p.rule in label_rules for p in problems):
        present = {area for area, _, _ in seen}
        for code in [NATIONAL, *ctx.lists.regions_valid_in(year)]:
            if code not in present:
                name = ctx.lists.region_name(code, "ru")
                problems.append(ctx.problem("missing_region", f"no row for {name} ({code}), which exists in {year}", None, code))
