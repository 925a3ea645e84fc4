"""The notes the data carry, said once: a boundary change (a break in a region's series), a region's former name, a
form not submitted, a ministry's footnote mark. The workbook prints them under its tables
(:mod:`yearbook.publish.render`); both stores hold them for tools (``notes``, ``observation_notes``), declared here and
joined to the observations by ``yearbook/sql/notes.sql``.

Every text is a declaration of ``schemas/tables/yearbook.yaml`` in kk/ru/en: ``geography_notes``, ``rename_note``,
``missing_form_note``, ``footnote_mark_note``. A note's id says its kind and what it is about, the same in every
language and in both stores:

=====================================  ====================================================================
``boundary_change:<year>``             the regions of a geography note, in the year of the change
``renamed:<ref_area>:<from>-<to>``     a region in the years it bore another name (an open end left empty)
``form_not_submitted:<form>:<year>``   a form not submitted for a reference year: no observation to attach to
``footnote_mark:<mark>``               the figure read from a cell the ministry marked (``1 234¹``, ``56 1)``)
=====================================  ====================================================================

The reader keeps a cell's footnote mark (the staff store's ``raw_figures.footnote``) but not the footnote rows under a
table, so a mark's note says only that the figure is marked, and where its explanation is: its source workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from yearbook.duck import write_table
from yearbook.model import render_sql
from yearbook.publish.layout import StoreContext, load_context, years_text
from yearbook.publish.specs import LANGUAGES, YearbookSpec, load_yearbook_spec


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


def footnote_mark_note(spec: YearbookSpec, mark: str) -> Note:
    """The note of a figure its ministry's workbook marks with ``mark``: that it is marked, not what the mark means."""
    return Note(
        f"footnote_mark:{mark}", "footnote_mark", {lang: spec.meta["footnote_mark_note"][lang].format(mark=mark) for lang in LANGUAGES}
    )


def _span(first: int | None, last: int | None, lo: int, hi: int) -> list[int]:
    return list(range(first if first is not None else lo, (last if last is not None else hi) + 1))


def _end(year: int | None) -> str:
    return "" if year is None else str(year)


# ---------------------------------------------------------------------------------------------
# The notes of a store: what yearbook/sql/notes.sql joins to its observations.


def keep_footnote_marks(con: duckdb.DuckDBPyConnection, store: str) -> None:
    """``footnote_marks`` for this connection (a temporary table: never in the file): the key, cell and mark of every
    figure read with a footnote mark (``notes.sql`` keeps the cells ``observations`` shows), from ``raw_figures`` of
    ``store`` (``main``, the staff store's own; ``internal``, the staff store attached to the public one, which has no
    figures as reported)."""
    con.execute(
        render_sql(
            "CREATE OR REPLACE TEMP TABLE footnote_marks AS SELECT {key}, source_file, source_sheet, source_cell, footnote AS mark "
            f'FROM "{store}".raw_figures WHERE footnote IS NOT NULL AND NOT check_only',
            "footnote_marks",
        )
    )


def declare_notes(con: duckdb.DuckDBPyConnection, spec: YearbookSpec | None = None) -> None:
    """The notes this store's data may carry, for this connection (temporary tables, read by ``notes.sql``):
    ``note_texts`` (note_id, kind, text_kk, text_ru, text_en), ``note_areas`` (note_id, ref_area, time_period: the
    region-years a boundary or renaming note applies to) and ``note_marks`` (note_id, mark).

    A boundary note applies to its regions in the year of the change (a region gone by then, South Kazakhstan in
    2018, has no observation that year); a renaming to the region in the years of the name, within the store's years;
    a form not submitted for a year to nothing (``observations`` has no row of a form not submitted), and a survey
    form's not at all (its figures carry the survey year, not the reference year it was not sent for)."""
    spec = spec or load_yearbook_spec()
    ctx = load_context(con, spec)
    years = sorted({y for ys in ctx.indicator_years.values() for y in ys})
    lo, hi = (years[0], years[-1]) if years else (0, 0)
    notes: list[Note] = []
    areas: list[tuple[str, str, int]] = []
    for note, year, regions in boundary_notes(spec):
        notes.append(note)
        areas += [(note.note_id, region, year) for region in regions]
    for region in ctx.regions.index:
        for note, span in renamings(spec, ctx, str(region), lo, hi):
            notes.append(note)
            areas += [(note.note_id, str(region), year) for year in span]
    survey = set(spec.meta.get("survey_forms", ()))
    notes += [missing_form_note(spec, form, year) for form, year in sorted(ctx.missing_forms) if form not in survey]
    marks = {mark: footnote_mark_note(spec, mark) for (mark,) in con.execute("SELECT DISTINCT mark FROM footnote_marks").fetchall()}
    notes += [marks[mark] for mark in sorted(marks)]
    texts = [(n.note_id, n.kind, *(n.texts.get(lang) for lang in LANGUAGES)) for n in notes]
    _temp_table(con, "note_texts", pd.DataFrame(texts, columns=["note_id", "kind", *(f"text_{lang}" for lang in LANGUAGES)]))
    _temp_table(con, "note_areas", pd.DataFrame(areas, columns=["note_id", "ref_area", "time_period"]).astype({"time_period": "int32"}))
    _temp_table(con, "note_marks", pd.DataFrame([(n.note_id, mark) for mark, n in marks.items()], columns=["note_id", "mark"]))


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """``frame`` as a temporary table, its text columns VARCHAR even when it has no row."""
    write_table(con, name, frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}), temporary=True)
