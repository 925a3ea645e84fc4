"""Which regions exist in a year, how the demo's fixed building blocks add up to them, and their labels.

The demo computes every count on the 20 regions of the 2022 geography ("atoms") and adds
atoms up to the regions in force: before 2018 Turkestan and Shymkent form South Kazakhstan;
before 2022 Abai, Zhetisu and Ulytau are still part of East Kazakhstan, Almaty region and
Karaganda. Region labels come from the contract's ``regions.csv``.
"""

from __future__ import annotations

from functools import lru_cache

from yearbook.codelists import CodeLists, load_codelists

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
    found = [r for r in lists().regions if r.ref_area == code and r.language == language and r.valid_in(year)]
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
    label = region_labels(code, "ru", year)[0]
    for word in ("область ", " область", "г. ", "г."):
        label = label.replace(word, "")
    return label.strip()
