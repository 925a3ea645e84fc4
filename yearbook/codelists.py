"""Code lists as data: regions with validity years, and the other dimensions' labels.

Files in ``schemas/codelists/``: ``regions.csv`` (the contract's list, unchanged),
``region_order.csv`` (official row order), ``dimensions.csv`` (sex, age, area, flow,
crime type, wealth quintile and the generic words for "total", each label keyed by code
and language; ``role`` is ``name`` for the published label, ``alias`` for a variant
that is only read) and ``breakdowns.csv`` (how the codes of a dimension make up its total,
where not simply every code a part of ``_T``: the ages, whose totals are Y0T17 and Y14T17,
split into single years or into groups that overlap them, and the crime types, "of which"
parts of all crimes).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from yearbook.config import schemas_dir
from yearbook.labels import label_variants, normalize_label
from yearbook.model import DIMENSIONS, NATIONAL, TOTAL

LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class RegionLabel:
    ref_area: str
    valid_from: int | None
    valid_to: int | None
    language: str
    label: str

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (self.valid_to is None or year <= self.valid_to)


@dataclass(frozen=True)
class BreakdownMember:
    """A code that is a part of a total: ``member`` of ``total`` in ``dimension``, in the breakdown named ``breakdown``
    (the parts of one total that are read together: the single ages, or the age groups). ``adds_up``: the members of
    the breakdown add up to its total; False for "of which" parts (victims of violent and of sexual crimes, among all)."""

    dimension: str
    breakdown: str
    total: str
    member: str
    adds_up: bool


@dataclass
class CodeLists:
    """Every code list, with label look-ups in normalised form."""

    regions: list[RegionLabel]
    region_order: dict[str, int]
    dimension_labels: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)
    # dimension -> code -> language -> labels (published name first)
    breakdowns: list[BreakdownMember] = field(default_factory=list)  # as declared in breakdowns.csv

    def __post_init__(self) -> None:
        self._by_label: dict[str, list[RegionLabel]] = {}
        for r in self.regions:
            self._by_label.setdefault(normalize_label(r.label), []).append(r)
        self._valid_in: dict[int, list[str]] = {}

    def region_matches(self, label: object) -> list[RegionLabel]:
        """Every region-list entry whose label equals ``label`` (normalised), any year."""
        found: list[RegionLabel] = []
        for variant in dict.fromkeys(label_variants(label)):
            found += self._by_label.get(variant, [])
        return found

    def region_codes(self) -> list[str]:
        return sorted({r.ref_area for r in self.regions}, key=lambda c: self.region_order.get(c, 99))

    def regions_valid_in(self, year: int) -> list[str]:
        """Region codes (not the national total) that exist in ``year``'s geography."""
        if year not in self._valid_in:
            codes = {r.ref_area for r in self.regions if r.ref_area != NATIONAL and r.valid_in(year)}
            self._valid_in[year] = sorted(codes, key=lambda c: self.region_order.get(c, 99))
        return list(self._valid_in[year])

    def region_name(self, code: str, language: str) -> str:
        for r in self.regions:
            if r.ref_area == code and r.language == language:
                return r.label
        return code

    def region_validity(self, code: str) -> tuple[int | None, int | None]:
        """The years a region code exists, from the widest validity of its labels."""
        labels = [r for r in self.regions if r.ref_area == code]
        starts = [r.valid_from for r in labels]
        ends = [r.valid_to for r in labels]
        first = None if None in starts else min(y for y in starts if y is not None)
        last = None if None in ends else max(y for y in ends if y is not None)
        return (first, last)

    def codes_for(self, dimension: str, codes: list[str] | None = None) -> dict[str, str]:
        """Map every normalised label of ``dimension`` (restricted to ``codes``) to its code."""
        mapping: dict[str, str] = {}
        for code, by_lang in self.dimension_labels.get(dimension, {}).items():
            if codes is not None and code not in codes:
                continue
            for labels in by_lang.values():
                for label in labels:
                    mapping[normalize_label(label)] = code
        return mapping

    def breakdown_members(self) -> list[BreakdownMember]:
        """Every part of a total: those declared in breakdowns.csv and, in a dimension that declares none, every code
        but ``_T`` as a part of ``_T`` in a breakdown named after the dimension (boys and girls add up to both sexes)."""
        declared = {m.dimension for m in self.breakdowns}
        return self.breakdowns + [
            BreakdownMember(dimension, dimension, TOTAL, code, True)
            for dimension in DIMENSIONS
            if dimension not in declared
            for code in self.dimension_labels.get(dimension, {})
            if code != TOTAL
        ]

    def name(self, dimension: str, code: str, language: str) -> str:
        """The published label of a code in a language (the code itself if none)."""
        if dimension == "ref_area":
            return self.region_name(code, language)
        labels = self.dimension_labels.get(dimension, {}).get(code, {}).get(language)
        return labels[0] if labels else code


def _year(text: str) -> int | None:
    return int(text) if text.strip() else None


@lru_cache(maxsize=4)
def _terms(path: str) -> dict[str, dict[str, dict[str, str]]]:
    terms: dict[str, dict[str, dict[str, str]]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            terms.setdefault(row["term"], {})[row["code"]] = {lang: row[f"name_{lang}"] for lang in LANGUAGES}
    return terms


def load_terms() -> dict[str, dict[str, dict[str, str]]]:
    """``terms.csv``: the small vocabularies of the store's columns (an SDG series' relation and direction, the kinds of
    equity gaps, tables and notes, the form of a derived indicator), term -> code -> language -> name."""
    return _terms(str(schemas_dir() / "codelists" / "terms.csv"))


def load_codelists(folder: Path | None = None) -> CodeLists:
    folder = folder or schemas_dir() / "codelists"
    return codelists_in(str(folder))


@lru_cache(maxsize=4)
def codelists_in(folder: str) -> CodeLists:
    """The code lists of a folder (kept per process: yearbook.read_cache.load_specs_again forgets them)."""
    base = Path(folder)
    with open(base / "regions.csv", encoding="utf-8") as f:
        regions = [
            RegionLabel(row["ref_area"], _year(row["valid_from"]), _year(row["valid_to"]), row["language"], row["label"])
            for row in csv.DictReader(f)
        ]
    with open(base / "region_order.csv", encoding="utf-8") as f:
        order = {row["ref_area"]: int(row["order"]) for row in csv.DictReader(f)}
    dims: dict[str, dict[str, dict[str, list[str]]]] = {}
    with open(base / "dimensions.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            labels = dims.setdefault(row["dimension"], {}).setdefault(row["code"], {}).setdefault(row["lang"], [])
            if row["role"] == "name":
                labels.insert(0, row["label"])
            else:
                labels.append(row["label"])
    with open(base / "breakdowns.csv", encoding="utf-8") as f:
        breakdowns = [_breakdown_member(row) for row in csv.DictReader(f)]
    _check_breakdowns(breakdowns)
    return CodeLists(regions, order, dims, breakdowns)


def _breakdown_member(row: dict[str, str]) -> BreakdownMember:
    if row["adds_up"] not in ("true", "false"):
        raise ValueError(f"breakdowns.csv: {row['dimension']} {row['member']}: adds_up is {row['adds_up']!r}, not true or false")
    return BreakdownMember(row["dimension"], row["breakdown"], row["total"], row["member"], row["adds_up"] == "true")


def _check_breakdowns(members: list[BreakdownMember]) -> None:
    """A code is a member of one breakdown of its dimension at most, and a total is no member: each figure of
    ``observations_totals`` then has one breakdown, and no total is counted again as a part of another."""
    seen: set[tuple[str, str]] = set()
    for m in members:
        if (m.dimension, m.member) in seen:
            raise ValueError(f"breakdowns.csv: {m.dimension} {m.member} is a member of more than one breakdown")
        seen.add((m.dimension, m.member))
    both = sorted(seen & {(m.dimension, m.total) for m in members})
    if both:
        raise ValueError(f"breakdowns.csv: {', '.join(f'{d} {c}' for d, c in both)}: both a total and a member")
