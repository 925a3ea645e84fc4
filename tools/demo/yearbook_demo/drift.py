"""Layout drift as named switches, and which drift each workbook of the edition shows.

Every kind of drift FORMS.md says a reader must tolerate is one boolean of :class:`Drift`.
``Drift()`` is a tidy submission; ``Drift.only("merged_cells")`` shows exactly one kind.
:func:`plan_drift` switches kinds on for the workbooks of an edition from the seed and makes
sure every kind appears at least once where it can.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from yearbook_demo.forms import FORMS_BY_CODE, PERCENT, Form, Sheet, columns
from yearbook_demo.rand import unit


@dataclass(frozen=True)
class Drift:
    """Which kinds of layout drift a workbook shows (all off: a tidy submission)."""

    title_rows: bool = False  # 2-5 title, subtitle and unit rows instead of one
    blank_rows: bool = False  # blank rows anywhere, also between header rows and data
    blank_columns: bool = False  # blank columns anywhere, also a blank first column
    merged_cells: bool = False  # merged group headers, label header and title (else blank group cells)
    one_row_header: bool = False  # group and sub-column in one header cell ("Оқушылар, ұлдар")
    group_label_omitted: bool = False  # no group label over sub-columns whose own labels name them ("под опекой")
    group_label_added: bool = False  # an "of which" group label over ungrouped columns ("в том числе: Дети")
    label_case: bool = False  # "ВСЕГО", "всего", "Всего"
    label_spacing: bool = False  # extra spaces and line breaks in labels
    label_marks: bool = False  # a trailing ":" or "*" on labels
    label_synonyms: bool = False  # other accepted labels ("юноши", "0–6 yrs", "1 год" as 1)
    row_order: bool = False  # rows in any order
    column_order: bool = False  # columns in any order within a header group
    sheet_names: bool = False  # other sheet names, names cut at 31 characters, "Лист1"
    notes_sheet: bool = False  # an extra sheet without a form code ("Пояснения", "Notes")
    footnote_rows: bool = False  # "Примечание: ...", "* ...", "1) ..." rows under the table
    numbers_as_text: bool = False  # "12345", "12 345", "12 345" (no-break space), "73.4" as text
    thousands_commas: bool = False  # "12,345" (English forms only)
    decimal_comma: bool = False  # "73,4" (Russian and Kazakh forms only)
    value_footnotes: bool = False  # "1 234¹", "1234*", "56 1)"
    symbol_variants: bool = False  # "х" for "x", "…" or an empty cell for "...", "-" or "–" for zero
    region_variants: bool = False  # other spellings of region labels ("Aqtobe", "г.Алматы", "Всего")
    region_footnotes: bool = False  # a footnote mark on region labels ("Ақтөбе облысы*")
    form_code_placement: bool = False  # the form code alone in a far cell or row, or after the title
    file_names: bool = False  # a ministry's own file name, in a sub-folder (raw/2019/МОН/итог.xlsx)

    @classmethod
    def only(cls, *kinds: str) -> Drift:
        unknown = set(kinds) - set(DRIFT_KINDS)
        if unknown:
            raise ValueError(f"unknown drift kind(s) {sorted(unknown)}; known: {DRIFT_KINDS}")
        return cls(**dict.fromkeys(kinds, True))

    @classmethod
    def every(cls) -> Drift:
        return cls(**dict.fromkeys(DRIFT_KINDS, True))

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(k for k in DRIFT_KINDS if getattr(self, k))

    def within(self, form: Form) -> Drift:
        """The kinds this form can show (thousands commas only in English forms, ...)."""
        return replace(self, **{k: False for k in self.kinds if not applies(k, form)})


DRIFT_KINDS: tuple[str, ...] = tuple(f.name for f in fields(Drift))


def applies(kind: str, form: Form) -> bool:
    """Whether ``form`` can show ``kind`` within what FORMS.md allows."""
    sheets = form.sheets
    if kind == "one_row_header":
        return any(one_row_possible(form, s) for s in sheets)
    if kind == "group_label_omitted":
        return any(omissible_groups(s) for s in sheets)
    if kind == "group_label_added":
        return any(of_which_runs(s) for s in sheets)
    if kind == "thousands_commas":
        return not form.decimal_comma
    if kind == "decimal_comma":
        return form.decimal_comma and any(
            dict(h.key).get("indicator") in PERCENT for s in sheets for b in s.blocks for h in b.subs + (b.top,) if h
        )
    if kind in ("region_variants", "region_footnotes"):
        return any(s.rows == "region" or s.per_region for s in sheets)
    return True


def one_row_possible(form: Form, sheet: Sheet) -> bool:
    """Whether a grouped sheet may put each group and sub-column label in one header cell (any grouped sheet)."""
    return sheet.grouped


def omissible_groups(sheet: Sheet) -> frozenset[int]:
    """The groups (block indices) whose label a ministry may leave out: each label of their sub-columns is the label
    of no other column of the sheet, so it names its column alone (F-DEM-2's "всего" under three groups does not)."""
    heads = [sub or top for _, top, sub in columns(sheet)]
    uses = Counter(str(label).lower() for head in heads if head for label in set(head.labels))
    return frozenset(
        b
        for b, block in enumerate(sheet.blocks)
        if block.top and block.subs and all(uses[str(label).lower()] == 1 for sub in block.subs for label in sub.labels)
    )


def of_which_runs(sheet: Sheet) -> list[tuple[int, int]]:
    """The runs (first, last position in ``columns(sheet)``) of ungrouped columns that an added "of which" group label
    may stand over: any but the sheet's first column, the figure they are "of". Shuffling columns within their groups
    (column_order) keeps these positions ungrouped."""
    runs: list[tuple[int, int]] = []
    for p, (_, top, sub) in enumerate(columns(sheet) if sheet.header else ()):
        if p == 0 or (top is not None and sub is not None):
            continue
        if runs and runs[-1][1] == p - 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def plan_drift(years: Sequence[int], forms: Sequence[str], seed: int) -> dict[tuple[int, str], Drift]:
    """The drift of every (year, form) workbook of an edition, fixed by the seed.

    Each applicable kind is on with probability 0.45; a kind that ends up nowhere is switched
    on in one workbook chosen by the seed, so that the edition shows every kind.
    """
    slots = [(y, f) for y in years for f in forms if FORMS_BY_CODE[f].in_year(y)]
    chosen: dict[tuple[int, str], set[str]] = {s: set() for s in slots}
    for year, code in slots:
        for kind in DRIFT_KINDS:
            if applies(kind, FORMS_BY_CODE[code]) and unit(seed, "drift", year, code, kind) < 0.45:
                chosen[(year, code)].add(kind)
    for kind in DRIFT_KINDS:
        if any(kind in kinds for kinds in chosen.values()):
            continue
        candidates = [s for s in slots if applies(kind, FORMS_BY_CODE[s[1]])]
        if candidates:
            chosen[min(candidates, key=lambda s: unit(seed, "force", kind, *s))].add(kind)
    return {s: Drift.only(*sorted(kinds)) for s, kinds in chosen.items()}
