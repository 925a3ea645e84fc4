"""Code lists as data: regions with validity years, and the other dimensions' labels.

Files in ``schemas/codelists/``: ``regions.csv`` (the contract's list, unchanged),
``region_order.csv`` (official row order) and ``dimensions.csv`` (sex, age, area, flow,
crime type, wealth quintile and the generic words for "total", each label keyed by code
and language; ``role`` is ``name`` for the published label, ``alias`` for a variant
that is only read).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from yearbook.config import schemas_dir
from yearbook.labels import label_variants, normalize_label
from yearbook.model import NATIONAL

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


@dataclass
class CodeLists:
    """Every code list, with label look-ups in normalised form."""

    regions: list[RegionLabel]
    region_order: dict[str, int]
    dimension_labels: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)
    # dimension -> code -> language -> labels (published name first)

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

    def name(self, dimension: str, code: str, language: str) -> str:
        """The published label of a code in a language (the code itself if none)."""
        if dimension == "ref_area":
            return self.region_name(code, language)
        labels = self.dimension_labels.get(dimension, {}).get(code, {}).get(language)
        return labels[0] if labels else code


def _year(text: str) -> int | None:
    return int(text) if text.strip() else None


def load_codelists(folder: Path | None = None) -> CodeLists:
    folder = folder or schemas_dir() / "codelists"
    return _load(str(folder))


@lru_cache(maxsize=4)
def _load(folder: str) -> CodeLists:
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
    return CodeLists(regions, order, dims)
