"""Which regions exist in a year, how the demo's fixed building blocks add up to them, and their labels.

The demo computes every count on the 20 regions of the 2022 geography ("atoms") and adds
atoms up to the regions in force: before 2018 Turkestan and Shymkent form South Kazakhstan;
before 2022 Abai, Zhetisu and Ulytau are still part of East Kazakhstan, Almaty region and
Karaganda. Region labels come from the contract's ``regions.csv``.

:class:`Geography` names the units an edition reports on: :data:`REGIONS` (the regions in
force, the shipped edition) or :func:`district_geography` (e.g. 200 synthetic districts, for
the scale benchmark), with :func:`write_geography_schemas` for the matching code lists.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from yearbook.codelists import CodeLists, load_codelists
from yearbook_demo.anchors import CARVED_2022, base_table
from yearbook_demo.rand import apportion, unit

NATIONAL = "KZ"
# an atom that is not a region in some year belongs to this region then
PREDECESSOR = {"KZ-10": "KZ-63", "KZ-33": "KZ-19", "KZ-62": "KZ-35", "KZ-61": "KZ-51", "KZ-79": "KZ-51"}
ATOMS = (
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
)  # fmt: skip
LANGUAGE_NAMES = {"ru": "Russian", "kk": "Kazakh", "en": "English"}


def lists() -> CodeLists:
    return load_codelists()


@lru_cache(maxsize=32)
def regions(year: int) -> tuple[str, ...]:
    """The region codes in force in ``year`` (without the national total), in official order."""
    return tuple(lists().regions_valid_in(year))


@lru_cache(maxsize=32)
def atom_region(year: int) -> dict[str, str]:
    """atom -> the region it belongs to in ``year``."""
    valid = set(regions(year))
    out = {}
    for atom in ATOMS:
        region = atom if atom in valid else PREDECESSOR[atom]
        if region not in valid:
            raise ValueError(f"{atom} has no region in force in {year}")
        out[atom] = region
    if set(out.values()) != valid:
        raise ValueError(f"the demo atoms do not cover the {year} geography {sorted(valid - set(out.values()))}")
    return out


@lru_cache(maxsize=4096)
def region_labels(code: str, language: str, year: int) -> tuple[str, ...]:
    """The labels a ministry writing in ``language`` uses for ``code`` in ``year`` (usual one first).

    Labels with a validity span are the ones of their time: Nur-Sultan in 2019-2021 rather
    than Astana.
    """
    return _labels_in(lists(), code, language, year)


def _labels_in(codelists: CodeLists, code: str, language: str, year: int) -> tuple[str, ...]:
    found = [r for r in codelists.regions if r.ref_area == code and r.language == language and r.valid_in(year)]
    if not found:
        raise ValueError(f"no {LANGUAGE_NAMES.get(language, language)} label for {code} in {year}")

    def span(r) -> int:
        return (r.valid_to or 9999) - (r.valid_from or 0)

    narrowest = min(span(r) for r in found)
    return tuple(r.label for r in found if span(r) == narrowest)


def sheet_stub(code: str, year: int) -> str:
    """A short Russian name for a region, as a ministry names its per-region sheets."""
    if code == NATIONAL:
        return "РК"
    return _stub(region_labels(code, "ru", year)[0])


def _stub(label: str) -> str:
    for word in ("область ", " область", "г. ", "г."):
        label = label.replace(word, "")
    return label.strip()


# -- geographies: which units the rows of an edition are --------------------------------------


@dataclass(frozen=True)
class Geography:
    """The reporting units of an edition: the regions in force (the default) or a finer geography.

    The demo's model computes every count on ``atoms`` and adds atoms up to the units in force
    in a year (:meth:`atom_unit`). Region-row forms have one row per unit; F-DEM-1 one sheet
    per unit and one for the country.
    """

    @property
    def atoms(self) -> tuple[str, ...]:
        return ATOMS

    def units(self, year: int) -> tuple[str, ...]:
        """The unit codes in force in ``year`` (without the national total), in official order."""
        return regions(year)

    def atom_unit(self, year: int) -> dict[str, str]:
        """atom -> the unit it belongs to in ``year``."""
        return atom_region(year)

    def labels(self, code: str, language: str, year: int) -> tuple[str, ...]:
        """The labels a ministry writing in ``language`` uses for ``code`` in ``year`` (usual one first)."""
        return region_labels(code, language, year)

    def sheet_stub(self, code: str, year: int) -> str:
        """A short Russian name for a unit, as a ministry names its per-unit sheets."""
        return sheet_stub(code, year)

    def atom_base(self, base: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        """The 2018 table on the atoms, from the table on the 20 regions of 2022."""
        return base


REGIONS = Geography()  # the regions in force: the shipped edition
RATE_COLUMNS = frozenset({"pov"})  # base-table columns that are rates, not counts
_LABEL_YEAR = 2022  # the geography whose region names the districts carry (every atom is a region then)
# districts are named after the contract's regions, whatever YEARBOOK_SCHEMAS says: the schemas/ of the repository this
# generator lives in (tools/demo/yearbook_demo/ in it)
CONTRACT_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


@lru_cache(maxsize=4096)
def _contract_labels(code: str, language: str, year: int) -> tuple[str, ...]:
    return _labels_in(load_codelists(CONTRACT_SCHEMAS / "codelists"), code, language, year)


DISTRICT_LABELS = {  # the usual label first; {name} is the region's, {i} the district's number
    "ru": ("{name}, район {i}", "{name}: район {i}"),
    "kk": ("{name}, {i}-аудан", "{name}: {i}-аудан"),
    "en": ("{name}, district {i}", "{name}: district {i}"),
}


@dataclass(frozen=True)
class Districts(Geography):
    """``n`` synthetic districts (codes ``KZ-11-01``) as rows instead of the regions, for the scale case.

    Each of the 20 regions of 2022 gets at least one district, the rest in proportion to its
    children; a district takes a fixed share (from the seed) of its region's counts. The
    districts exist in every year (no boundary changes), so the national row is the sum of all
    of them in every year. Their labels name the region and a number ("Акмолинская область,
    район 3"); :func:`write_geography_schemas` writes the matching code lists.
    """

    n: int = 200
    seed: int = 2018

    def __post_init__(self) -> None:
        if self.n < len(ATOMS):
            raise ValueError(f"a district geography needs at least {len(ATOMS)} districts (one per region), not {self.n}")

    @property
    def atoms(self) -> tuple[str, ...]:
        return tuple(code for codes in self._by_region().values() for code in codes)

    def units(self, year: int) -> tuple[str, ...]:
        return self.atoms

    def atom_unit(self, year: int) -> dict[str, str]:
        return {code: code for code in self.atoms}

    def region_of(self, code: str) -> str:
        return code.rsplit("-", 1)[0]

    def labels(self, code: str, language: str, year: int) -> tuple[str, ...]:
        if code == NATIONAL:
            return _contract_labels(code, language, year)
        return self._labels()[(code, language)]

    def sheet_stub(self, code: str, year: int) -> str:
        if code == NATIONAL:
            return sheet_stub(code, year)
        return f"{_stub(_contract_labels(self.region_of(code), 'ru', _LABEL_YEAR)[0])} р-н {int(code.rsplit('-', 1)[1])}"

    def atom_base(self, base: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        out = {}
        for region, codes in self._by_region().items():
            shares = self._shares(codes)
            for code in codes:
                out[code] = {col: v if col in RATE_COLUMNS else v * shares[code] for col, v in base[region].items()}
        return out

    def codelist_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(ref_area, valid_from, valid_to, language, label) of every district label, as regions.csv has them."""
        return [(code, "", "", lang, label) for (code, lang), labels in self._labels().items() for label in labels]

    # -- the allocation, fixed by n and the seed ---------------------------------------------
    def _by_region(self) -> dict[str, tuple[str, ...]]:
        return _district_codes(self.n)

    def _shares(self, codes: tuple[str, ...]) -> dict[str, float]:
        weights = {code: 0.4 + unit(self.seed, "district-size", code) for code in codes}
        mass = sum(weights.values())
        return {code: w / mass for code, w in weights.items()}

    def _labels(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return _district_labels(self.n)


@lru_cache(maxsize=8)
def _district_codes(n: int) -> dict[str, tuple[str, ...]]:
    """region (a 2022 region) -> its district codes, in official order; at least one each, the rest by children."""
    table = base_table()
    children = {code: row["pop"] for code, row in table.items()}
    for atom, (parent, share) in CARVED_2022.items():
        children[atom] = table[parent]["pop"] * share
        children[parent] = table[parent]["pop"] * (1 - share)
    ordered = load_codelists(CONTRACT_SCHEMAS / "codelists").regions_valid_in(_LABEL_YEAR)
    if set(ordered) != set(ATOMS):
        raise ValueError(f"the {_LABEL_YEAR} regions of the contract are not the demo's atoms")
    extra = apportion(n - len(ordered), {code: children[code] for code in ordered})
    return {code: tuple(f"{code}-{i:02d}" for i in range(1, 2 + extra[code])) for code in ordered}


@lru_cache(maxsize=8)
def _district_labels(n: int) -> dict[tuple[str, str], tuple[str, ...]]:
    out = {}
    for region, codes in _district_codes(n).items():
        for code in codes:
            i = int(code.rsplit("-", 1)[1])
            for lang, templates in DISTRICT_LABELS.items():
                name = _contract_labels(region, lang, _LABEL_YEAR)[0]
                out[(code, lang)] = tuple(t.format(name=name, i=i) for t in templates)
    return out


def district_geography(n: int = 200, seed: int = 2018) -> Districts:
    """``n`` synthetic districts as the rows of every form (see :class:`Districts`)."""
    return Districts(n, seed)


def write_geography_schemas(geography: Districts, target: Path, source: Path | None = None) -> Path:
    """A copy of the schemas folder (default: the project's) whose region list is the national total and the districts.

    The regions are left out: the reader wants a row (and F-DEM-1 a sheet) for every unit
    in force, and the validation sums every unit in force to the national total, so a list
    with both regions and districts would ask each form for both, and count every child twice.
    """
    source = source or CONTRACT_SCHEMAS
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty: the district schemas go into a new folder")
    shutil.copytree(source, target, dirs_exist_ok=True)
    codelists = target / "codelists"
    with open(source / "codelists" / "regions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, national = rows[0], [r for r in rows[1:] if r and r[0] == NATIONAL]
    with open(codelists / "regions.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerows([header, *national, *geography.codelist_rows()])
    with open(codelists / "region_order.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerows([("ref_area", "order"), (NATIONAL, 0), *((code, i) for i, code in enumerate(geography.atoms, start=1))])
    return target
