"""Declarative form specs (``schemas/forms/*.yaml``) and the header columns they define.

A spec says how a form's sheets are recognised, which labels head its columns (or which
code list they come from), what its rows are, and which published indicator and
dimension codes each column yields. Renaming a column or adding a label variant is an
edit of the YAML file, never of Python. A spec declares its headers' ``language``:
messages name a column by its labels in it (the first label of a ``labels`` list, or the
code list's name of an axis code), never by a code.

The "of which" words (``в том числе``, ``оның ішінде``, ``of which``, ...) that may stand
as a group label over any columns, or be left out, are ``schemas/codelists/of_which.csv``.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from yearbook.codelists import CodeLists, load_codelists
from yearbook.config import load_yaml, schemas_dir
from yearbook.labels import label_variants, normalize_label
from yearbook.model import DIMENSIONS

LOWER_CASE_SUBS = ("kk", "ru")  # Kazakh and Russian headers write a label under a group label in lower case ("Оқушылар / ұлдар")


@dataclass(frozen=True)
class OfWhich:
    """The "of which" words: a group label over "of which" columns that may stand there or not (FORMS.md)."""

    words: frozenset[str]  # normalised

    @cached_property
    def _prefix(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
        return re.compile(rf"^(?:{alternatives})(?:[\s:,\-]+|(?<=\.))(?=\S)")

    def is_word(self, label: object) -> bool:
        """Whether a header label is only an "of which" word (both sides of a bilingual ``'оның ішінде / в том числе'``)."""
        variants = label_variants(label)
        return bool(variants) and (variants[0] in self.words or (len(variants) > 1 and all(v in self.words for v in variants[1:])))

    def core(self, label: str) -> str | None:
        """A normalised label without the "of which" word it starts with (``'в том числе: под опекой'`` -> ``'под опекой'``)."""
        match = self._prefix.match(label)
        return label[match.end() :] if match else None

    def labels(self, raw: list[str]) -> frozenset[str]:
        """A column's normalised labels, and each without its leading "of which" word."""
        normalised = {normalize_label(x) for x in raw}
        return frozenset(normalised | {c for x in normalised if (c := self.core(x))})


@dataclass(frozen=True)
class Leaf:
    """One data column a sheet must (or may) have, with what it yields."""

    top: frozenset[str]  # normalised labels of the upper header cell; empty: none
    sub: frozenset[str] | None  # normalised labels of the lower header cell; None: no lower cell
    indicator: str | None
    dims: tuple[tuple[str, str], ...]
    required: bool
    check_only: bool
    title: str  # how the column is named in messages: its labels in the form's language

    def matches(self, path: tuple[str, ...]) -> bool:
        """Whether a header path (normalised labels, the upper cell first) names this column with all its labels."""
        if self.top and self.sub is not None:
            return len(path) == 2 and path[0] in self.top and path[1] in self.sub
        if self.top:
            return len(path) == 1 and path[0] in self.top
        return self.sub is not None and len(path) == 1 and path[0] in self.sub

    def matches_alone(self, label: str) -> bool:
        """Whether ``label`` is this column's own label under its group label: standing without the group label, it
        names this column if no other column of the sheet has it (the reader decides)."""
        return bool(self.top) and self.sub is not None and label in self.sub


@dataclass(frozen=True)
class RowSpec:
    """What the row labels of a sheet are: regions, a dimension's codes, or indicators."""

    kind: str  # region | dimension | indicator
    dimension: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # normalised label -> code
    names: dict[str, str] = field(default_factory=dict)  # code -> its row label as the form gives it: every row is required


@dataclass(frozen=True)
class SheetSpec:
    role: str
    description: str
    title_words: tuple[str, ...]
    rows: RowSpec
    leaves: tuple[Leaf, ...]
    header: bool
    ref_area: str | None
    region_from_title: bool
    required: bool

    def indicators(self) -> set[str]:
        found = {leaf.indicator for leaf in self.leaves if leaf.indicator and not leaf.check_only}
        if self.rows.kind == "indicator":
            found |= set(self.rows.labels.values())
        return found


@dataclass(frozen=True)
class FormSpec:
    code: str
    name: str
    ministry: str
    language: str  # kk | ru | en | kk/ru (bilingual headers)
    of_which: OfWhich
    decimal_comma: bool
    year_pattern: str | None
    survey_year: bool
    sheets: tuple[SheetSpec, ...]
    path: Path

    def indicators(self) -> set[str]:
        return set().union(*(s.indicators() for s in self.sheets))


def _axis_labels(lists: CodeLists, axis: dict) -> list[tuple[str, frozenset[str]]]:
    """(code, its normalised labels) for a code-list axis ``{dimension, codes, total}``."""
    by_code: dict[str, set[str]] = {code: set() for code in axis["codes"]}
    for label, code in lists.codes_for(axis["dimension"], axis["codes"]).items():
        by_code[code].add(label)
    if axis.get("total"):
        by_code[axis["total"]] |= set(lists.codes_for("total"))
    for extra_code, labels in (axis.get("labels") or {}).items():
        by_code.setdefault(extra_code, set()).update(normalize_label(x) for x in labels)
    return [(code, frozenset(labels)) for code, labels in by_code.items()]


def _axis_name(lists: CodeLists, axis: dict, code: str, language: str, under_group: bool) -> str:
    """How the form names a code of a code-list axis: the axis's own first label for it, else the code list's name in
    the form's language (in each language of a bilingual form: ``'Барлығы / Всего'``)."""
    own = (axis.get("labels") or {}).get(code)
    if own:
        return own[0]
    names = []
    for lang in language.split("/"):
        name = lists.name(axis["dimension"], code, lang)
        names.append(name[:1].lower() + name[1:] if under_group and lang in LOWER_CASE_SUBS else name)
    return " / ".join(names)


def _leaves(lists: CodeLists, col: dict, language: str, of_which: OfWhich) -> list[Leaf]:
    base_dims = dict(col.get("set") or {})
    required = col.get("required", True)
    check_only = col.get("check_only", False)
    if "group" in col:
        axis = col["group"]
        tops = [
            ({axis["dimension"]: code}, labels, _axis_name(lists, axis, code, language, False))
            for code, labels in _axis_labels(lists, axis)
        ]
    elif "labels" in col:
        name = col["labels"][0]  # an "of which" word names no column: it is left out of the name
        tops = [({}, of_which.labels(col["labels"]), "" if of_which.is_word(name) else name)]
    else:
        tops = [({}, frozenset(), "")]
    subs: list[tuple[dict[str, str], frozenset[str] | None, str | None, str]]  # (dimensions, lower labels, indicator, name)
    if "split" in col:
        axis, under_group = col["split"], bool(tops[0][2])  # a group label names the columns above this axis
        subs = [
            ({axis["dimension"]: code}, labels, None, _axis_name(lists, axis, code, language, under_group))
            for code, labels in _axis_labels(lists, axis)
        ]
    elif "subcolumns" in col:
        subs = [
            (dict(sc.get("set") or {}), of_which.labels(sc["labels"]), sc.get("indicator"), sc["labels"][0]) for sc in col["subcolumns"]
        ]
    else:
        subs = [({}, None, None, "")]
    leaves = []
    for (top_dims, top_labels, top_name), (sub_dims, sub_labels, sub_indicator, sub_name) in itertools.product(tops, subs):
        dims = {**base_dims, **top_dims, **sub_dims}
        unknown = set(dims) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimension(s) {sorted(unknown)} in column {col}")
        title = " / ".join(x for x in (top_name, sub_name) if x)
        leaves.append(
            Leaf(top_labels, sub_labels, sub_indicator or col.get("indicator"), tuple(sorted(dims.items())), required, check_only, title)
        )
    return leaves


def _rows(lists: CodeLists, rows: object, language: str) -> RowSpec:
    if rows == "region":
        return RowSpec("region")
    if isinstance(rows, dict) and "indicators" in rows:
        labels = {normalize_label(label): code for code, variants in rows["indicators"].items() for label in variants}
        return RowSpec("indicator", labels=labels, names={code: variants[0] for code, variants in rows["indicators"].items()})
    if isinstance(rows, dict) and "dimension" in rows:
        axis = _axis_labels(lists, rows)
        labels = {label: code for code, variants in axis for label in variants}
        names = {code: _axis_name(lists, rows, code, language, False) for code, _ in axis}
        return RowSpec("dimension", rows["dimension"], labels, names)
    raise ValueError(f"rows must be 'region', {{dimension: ...}} or {{indicators: ...}}, not {rows!r}")


def _sheet(lists: CodeLists, raw: dict, language: str, of_which: OfWhich) -> SheetSpec:
    leaves = tuple(leaf for col in raw.get("columns", []) for leaf in _leaves(lists, col, language, of_which))
    return SheetSpec(
        role=raw["role"],
        description=raw.get("description", raw["role"]),
        title_words=tuple(normalize_label(w) for w in raw.get("title_words", [])),
        rows=_rows(lists, raw["rows"], language),
        leaves=leaves,
        header=raw.get("header", True),
        ref_area=raw.get("ref_area"),
        region_from_title=raw.get("region_from_title", False),
        required=raw.get("required", True),
    )


def load_of_which() -> OfWhich:
    """The "of which" words of ``schemas/codelists/of_which.csv`` (any language: a header may mix them)."""
    return of_which_in(str(schemas_dir() / "codelists"))


@lru_cache(maxsize=4)
def of_which_in(folder: str) -> OfWhich:
    """The "of which" words of a code list folder (kept per process: yearbook.read_cache.load_specs_again forgets them)."""
    with open(Path(folder) / "of_which.csv", encoding="utf-8") as f:
        return OfWhich(frozenset(normalize_label(row["label"]) for row in csv.DictReader(f)))


def load_form(path: Path, lists: CodeLists | None = None) -> FormSpec:
    lists = lists or load_codelists()
    of_which = load_of_which()
    raw = load_yaml(path)
    language = raw["language"]
    return FormSpec(
        code=raw["form"],
        name=raw["name"],
        ministry=raw["ministry"],
        language=language,
        of_which=of_which,
        decimal_comma=raw["decimal_comma"],
        year_pattern=raw.get("year_pattern"),
        survey_year=raw.get("survey_year", False),
        sheets=tuple(_sheet(lists, s, language, of_which) for s in raw["sheets"]),
        path=path,
    )


@lru_cache(maxsize=4)
def forms_in(folder: str) -> dict[str, FormSpec]:
    """The form specs of a folder (kept per process: yearbook.read_cache.load_specs_again forgets them)."""
    lists = load_codelists()
    specs = [load_form(p, lists) for p in sorted(Path(folder).glob("*.yaml"))]
    return {s.code: s for s in specs}


def load_forms(folder: Path | None = None) -> dict[str, FormSpec]:
    """Every form spec, keyed by form code."""
    return forms_in(str(folder or schemas_dir() / "forms"))
