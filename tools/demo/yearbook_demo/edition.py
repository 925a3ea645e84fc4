"""Writing the demo edition: one workbook per form and year, saved byte-for-byte reproducibly."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from yearbook_demo.anchors import DEFAULT_SEED, DEMO_YEARS
from yearbook_demo.drift import Drift, plan_drift
from yearbook_demo.forms import FORM_CODES, FORMS_BY_CODE, Form, sheet_areas
from yearbook_demo.geography import REGIONS, Geography
from yearbook_demo.layout import write_sheet
from yearbook_demo.rand import rng
from yearbook_demo.truth import year_truth

SAVED_AT = datetime(2023, 3, 1, 9, 0, 0)  # the fixed creation and modification time of every demo file
_ZIP_TIME = (2023, 3, 1, 9, 0, 0)
_FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\\/?*\[\]:]")


def write_demo_edition(
    raw_dir: Path,
    years: Sequence[int] = DEMO_YEARS,
    seed: int = DEFAULT_SEED,
    *,
    drift: Drift | None = None,
    forms: Sequence[str] | None = None,
    geography: Geography = REGIONS,
) -> list[Path]:
    """Write ``raw_dir/<year>/...xlsx`` for every form of every year; return the files written.

    ``drift`` None: each workbook shows the drift :func:`plan_drift` chose for it from the seed;
    otherwise every workbook shows ``drift`` (restricted to what its form can show).
    ``geography``: the units of the rows (and of F-DEM-1's sheets): the regions in force, or
    ``district_geography(n)`` with the code lists of ``write_geography_schemas``.
    """
    codes = tuple(forms or FORM_CODES)
    unknown = set(codes) - set(FORMS_BY_CODE)
    if unknown:
        raise ValueError(f"unknown form code(s) {sorted(unknown)}")
    plan = plan_drift(years, codes, seed) if drift is None else {}
    written = []
    for year in years:
        for code in codes:
            form = FORMS_BY_CODE[code]
            if not form.in_year(year):
                continue
            chosen = (plan[(year, code)] if drift is None else drift).within(form)
            path = raw_dir / str(year) / file_name(form, year, chosen, seed)
            written.append(write_form(path, form, year, chosen, seed, geography))
    return written


def file_name(form: Form, year: int, drift: Drift, seed: int) -> str:
    """The file's path under the year folder: the form code, or a ministry's own name and sub-folder."""
    if not drift.file_names:
        return f"{form.code}.xlsx"
    template = rng(seed, "file", year, form.code).choice(form.files)
    return template.format(year=year, survey=form.time_period(year))


def write_form(path: Path, form: Form, year: int, drift: Drift, seed: int, geography: Geography = REGIONS) -> Path:
    """Write one submission of ``form`` for ``year`` to ``path``."""
    truth = year_truth(year, seed, geography)
    wb = Workbook()
    wb.remove(wb.active)
    names = _SheetNames(form, year, drift, seed, geography)
    for sheet in form.sheets:
        for area in sheet_areas(sheet, year, geography):
            ws = wb.create_sheet(names.next(sheet.names, area))
            rnd = rng(seed, "layout", year, form.code, sheet.role, area)
            write_sheet(ws, form, sheet, year, area, truth, drift, rnd, geography)
    if drift.notes_sheet:
        rnd = rng(seed, "notes", year, form.code)
        notes = wb.create_sheet(names.next((rnd.choice(form.notes_names),), None, fixed=True), index=rnd.choice((0, len(wb.worksheets))))
        for i, line in enumerate(form.notes_lines, start=1):
            notes.cell(i + 1, 1, line)
    save_workbook(wb, path)
    return path


class _SheetNames:
    """Unique sheet names: the usual ones, or with drift other names, names cut at 31 characters, 'Лист1'."""

    def __init__(self, form: Form, year: int, drift: Drift, seed: int, geography: Geography = REGIONS):
        self.form, self.year, self.drift, self.geography = form, year, drift, geography
        self.rnd = rng(seed, "sheet-names", year, form.code)
        self.used: set[str] = set()

    def next(self, names: tuple[str, ...], area: str | None, fixed: bool = False) -> str:
        """A name for the next sheet: ``names[0]``, or with drift another one (``fixed``: a notes sheet keeps its name)."""
        if area is not None and not names:  # a per-region sheet
            stub = self.geography.sheet_stub(area, self.year)
            names = (
                stub,
                f"{stub} обл." if area != "KZ" else "Республика",
                f"Численность детей — {self.geography.labels(area, 'ru', self.year)[0]}",
            )
        generic = f"{self.form.generic_sheet}{len(self.used) + 1}"
        name = names[0]
        if self.drift.sheet_names and not fixed:
            name = self.rnd.choice((generic, *names[1:]) if len(names) > 1 else (generic,))
        name = _FORBIDDEN_IN_SHEET_NAMES.sub("-", name)[:31].strip()
        if name.lower() in self.used:
            name = generic
        self.used.add(name.lower())
        return name


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed timestamps (document properties and zip entries), so reruns give identical files."""
    wb.properties.creator = "yearbook demo"
    wb.properties.created = SAVED_AT
    buffer = io.BytesIO()
    wb.save(buffer)  # openpyxl stamps the modification time with the clock: replaced below
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = SAVED_AT.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
