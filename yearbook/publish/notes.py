"""The notes the data carry, said once: a boundary change (a break in a region's series), a region's former name, a
form not submitted. The workbook prints them under its tables (:mod:`yearbook.publish.render`).

Every text is a declaration of ``schemas/tables/yearbook.yaml`` in kk/ru/en: ``geography_notes``, ``rename_note``,
``missing_form_note``. A note's id says its kind and what it is about, the same in every language:

=====================================  ====================================================================
``boundary_change:<year>``             the regions of a geography note, in the year of the change
``renamed:<ref_area>:<from>-<to>``     a region in the years it bore another name (an open end left empty)
``form_not_submitted:<form>:<year>``   a form not submitted for a reference year
=====================================  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from yearbook.publish.layout import StoreContext, years_text
from yearbook.publish.specs import LANGUAGES, YearbookSpec


@dataclass(frozen=True)
class Note:
    note_id: str
    kind: str
    texts: dict[str, str]  # language -> text; a renaming lacks a language the code list names no label in


def boundary_notes(spec: YearbookSpec) -> list[tuple[Note, int, tuple[str, ...]]]:
    """Each geography note of ``yearbook.yaml`` with the year of its change and the regions it concerns."""
    return [
        (Note(f"boundary_change:{g['year']}", "boundary_change", dict(g["text"])), int(g["year"]), tuple(g["regions"]))
        for g in spec.meta.get("geography_notes", [])
    ]


def renamings(spec: YearbookSpec, ctx: StoreContext, region: str, lo: int, hi: int) -> list[tuple[Note, list[int]]]:
    """The names ``region`` bore in only some of the years it existed (the store's ``region_labels``), where they meet
    the years ``lo`` to ``hi``: one note per period, in the order the code list gives them, with the years it covers
    (an open end: ``lo`` or ``hi``). A period's text in a language names its first label there."""
    start, end = ctx.region_validity(region)
    periods: dict[tuple[int | None, int | None], dict[str, str]] = {}
    for lang in LANGUAGES:
        for label, vf, vt in ctx.region_label_periods(region, lang):
            narrower = (vf is not None and (start is None or vf > start)) or (vt is not None and (end is None or vt < end))
            if narrower and (vf is None or vf <= hi) and (vt is None or vt >= lo) and lang not in periods.get((vf, vt), {}):
                span = years_text(_span(vf, vt, lo, hi))
                name = ctx.regions.loc[region, f"name_{lang}"]
                periods.setdefault((vf, vt), {})[lang] = spec.meta["rename_note"][lang].format(region=name, label=label, years=span)
    return [
        (Note(f"renamed:{region}:{_end(vf)}-{_end(vt)}", "renamed", texts), _span(vf, vt, lo, hi)) for (vf, vt), texts in periods.items()
    ]


def missing_form_note(spec: YearbookSpec, form: str, year: int) -> Note:
    """The note of ``form`` not submitted for ``year``, naming the body that was to send it."""
    names = spec.source_names(form, [year])[0][0]
    texts = {lang: spec.meta["missing_form_note"][lang].format(form=form, source=names[lang], year=year) for lang in LANGUAGES}
    return Note(f"form_not_submitted:{form}:{year}", "form_not_submitted", texts)


def _span(first: int | None, last: int | None, lo: int, hi: int) -> list[int]:
    return list(range(first if first is not None else lo, (last if last is not None else hi) + 1))


def _end(year: int | None) -> str:
    return "" if year is None else str(year)
