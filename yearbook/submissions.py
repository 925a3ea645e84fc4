"""Finding the submissions under ``raw/<year>/`` and reading each one with its form spec."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import SupportsInt, cast

import pandas as pd
from openpyxl.utils import get_column_letter

from yearbook.codelists import CodeLists, load_codelists
from yearbook.figures import FIGURE_COLUMNS, FigureBlock, figures_table
from yearbook.formats import UnsafeWorkbook
from yearbook.model import NATIONAL
from yearbook.problems import ERROR, WARNING, Problem
from yearbook.reader import FORM_CODE_ROWS, form_codes, read_sheet
from yearbook.specs import FormSpec, load_forms
from yearbook.workbook import Grid, read_workbook

YEAR_FOLDER = re.compile(r"^(19|20)\d{2}$")


@dataclass(frozen=True)
class SubmissionFile:
    """One workbook found under the raw folder."""

    path: Path
    relpath: str  # relative to the raw folder, with '/' separators
    year: int  # the folder's reference year
    sha256: str


@dataclass
class Submission:
    """One workbook read: its form, its figures and the problems found."""

    file: SubmissionFile
    form: str | None
    blocks: list[FigureBlock] = field(default_factory=list)  # its figures, a block per sheet with where it was read
    problems: list[Problem] = field(default_factory=list)

    @property
    def figure_count(self) -> int:
        return sum(len(block) for block in self.blocks)

    def figure_records(self) -> list[dict]:
        """The figures as dicts keyed by :data:`FIGURE_COLUMNS` (for tests; the build takes the blocks)."""
        return [dict(zip(FIGURE_COLUMNS, row, strict=True)) for block in self.blocks for row in block.rows()]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def year_folders(raw_dir: Path) -> tuple[list[int], list[Problem]]:
    """The reference years that have a folder ``raw_dir/<year>/``, and the entries passed over."""
    if not raw_dir.is_dir():
        return [], [Problem(str(raw_dir), None, None, "no_raw_folder", "the raw folder does not exist")]
    years: list[int] = []
    problems: list[Problem] = []
    for entry in sorted(raw_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and YEAR_FOLDER.match(entry.name):
            years.append(int(entry.name))
        else:
            problems.append(Problem(entry.name, None, None, "not_a_year_folder", "ignored: submissions live in raw/<year>/", WARNING))
    return years, problems


def discover_year(raw_dir: Path, year: int) -> tuple[list[SubmissionFile], list[Problem]]:
    """Every workbook under ``raw_dir/<year>/`` (sub-folders allowed), and what was passed over."""
    folder = raw_dir / str(year)
    if not folder.is_dir():
        return [], [Problem(f"{year}/", None, None, "no_year_folder", f"the folder {year}/ no longer exists under {raw_dir}", year=year)]
    files: list[SubmissionFile] = []
    problems: list[Problem] = []
    for path in sorted(p for p in folder.rglob("*") if not p.is_dir()):
        rel = path.relative_to(raw_dir).as_posix()
        if any(part.startswith(".") for part in path.relative_to(raw_dir).parts) or path.name.startswith("~$"):
            problems.append(Problem(rel, None, None, "hidden_file", "ignored: hidden or Excel lock file", WARNING, year=year))
            continue
        try:
            if not path.is_file():  # a broken link, a pipe or a device: never opened (a pipe would block the build)
                raise OSError("not a regular file (a broken link, or a pipe or a device)")
            files.append(SubmissionFile(path, rel, year, file_sha256(path)))
        except OSError as exc:
            message = f"the file cannot be opened: {exc.strerror or exc}; a workbook the office cannot read must be sent again"
            problems.append(Problem(rel, None, None, "unreadable_file", message, year=year))
    return files, problems


def discover(raw_dir: Path) -> tuple[list[SubmissionFile], list[Problem]]:
    """Every workbook of every year folder under ``raw_dir``, and what was passed over."""
    years, problems = year_folders(raw_dir)
    files: list[SubmissionFile] = []
    for year in years:
        found, passed_over = discover_year(raw_dir, year)
        files += found
        problems += passed_over
    return files, problems


def identify_form(sub: SubmissionFile) -> tuple[str | None, list[Problem]]:
    """The form code a workbook carries (from the first rows of its sheets), or why it has none."""
    try:
        grids = read_workbook(sub.path, first_rows=FORM_CODE_ROWS).grids
    except UnsafeWorkbook as exc:
        return None, [Problem(sub.relpath, exc.sheet, exc.cell, "unreadable_file", str(exc), year=sub.year)]
    codes = set().union(*(form_codes(g) for g in grids)) if grids else set()
    if len(codes) == 1:
        return codes.pop(), []
    rule, message = _form_code_problem(codes)
    return None, [Problem(sub.relpath, None, None, rule, message, year=sub.year)]


def _form_code_problem(codes: set[str]) -> tuple[str, str]:
    if not codes:
        return "no_form_code", "no sheet carries a form code (F-DEM-1, F-MOH-1, ...) in its first 6 rows"
    return "mixed_forms", f"the workbook carries several forms {sorted(codes)}; send one workbook per form"


def read_submission(sub: SubmissionFile, forms: dict[str, FormSpec] | None = None, lists: CodeLists | None = None) -> Submission:
    """Read every data sheet of one workbook; a sheet without a form code is a notes sheet."""
    forms = forms or load_forms()
    lists = lists or load_codelists()
    out = Submission(sub, None)

    def problem(rule: str, message: str, sheet: str | None = None, severity: str = ERROR) -> None:
        out.problems.append(Problem(sub.relpath, sheet, None, rule, message, severity, form=out.form, year=sub.year))

    try:
        book = read_workbook(sub.path)
    except UnsafeWorkbook as exc:
        out.problems.append(Problem(sub.relpath, exc.sheet, exc.cell, "unreadable_file", str(exc), year=sub.year))
        return out
    for notice in book.notices:
        problem("notice", notice, severity=WARNING)
    sheets = [(grid, codes) for grid in book.grids if (codes := form_codes(grid))]
    all_codes = set().union(*(codes for _, codes in sheets)) if sheets else set()
    if len(all_codes) != 1:
        problem(*_form_code_problem(all_codes))
        return out
    unknown = sorted(all_codes - set(forms))
    if unknown:
        problem("unknown_form", f"form code {unknown[0]} is not a form of FORMS.md", sheets[0][0].sheet)
        return out
    out.form = code = all_codes.pop()
    spec = forms[code]
    roles: dict[str, list[str]] = {}
    areas: dict[str, str] = {}
    for grid, _ in sheets:
        out.problems += _defects(grid, sub, code)
        read = read_sheet(sub.relpath, grid, spec, sub.year, lists)
        out.problems += read.problems
        roles.setdefault(read.role, []).append(grid.sheet)
        if read.ref_area:
            if read.ref_area in areas:
                problem("duplicate_sheet", f"{read.ref_area} has two sheets: {areas[read.ref_area]!r} and {grid.sheet!r}", grid.sheet)
                continue
            areas[read.ref_area] = grid.sheet
        if read.block is not None:
            where = {
                "form": code,
                "sheet_role": read.role,
                "received_year": sub.year,
                "source_file": sub.relpath,
                "source_sheet": grid.sheet,
            }
            out.blocks.append(read.block.placed(where))
    _check_sheets(spec, roles, areas, sub, lists, problem)
    return out


def _defects(grid: Grid, sub: SubmissionFile, form: str) -> list[Problem]:
    """The cells of a data sheet that could not be read with certainty (a notes sheet's are never read)."""
    return [
        Problem(sub.relpath, grid.sheet, f"{get_column_letter(d.col)}{d.row}", d.rule, d.message, form=form, year=sub.year)
        for d in grid.defects
    ]


def _check_sheets(
    spec: FormSpec, roles: dict[str, list[str]], areas: dict[str, str], sub: SubmissionFile, lists: CodeLists, problem
) -> None:
    for sheet in spec.sheets:
        found = roles.get(sheet.role, [])
        if not found and sheet.required:
            problem("missing_sheet", f"the sheet '{sheet.description}' of {spec.code} is missing")
        elif len(found) > 1 and not sheet.region_from_title:
            problem("duplicate_sheet", f"the sheet '{sheet.description}' appears {len(found)} times: {found}", found[1])
        if sheet.region_from_title and found:
            for code in [NATIONAL, *lists.regions_valid_in(sub.year)]:
                if code not in areas:
                    problem("missing_sheet", f"no sheet for {lists.region_name(code, 'ru')} ({code}), which exists in {sub.year}")


def check_across_files(files: pd.DataFrame, forms: dict[str, FormSpec], years: Iterable[int] | None = None) -> list[Problem]:
    """Over the inventory (file, year, form): the same form twice in one year is an error naming
    both files; a form missing for a year (of ``years``, by default those of ``files``) is a warning."""
    problems: list[Problem] = []
    identified = files[files["form"].notna()].sort_values("file")
    for key, group in identified.groupby(["year", "form"], sort=True):
        year, form = cast(tuple[SupportsInt, str], key)  # the groups' (year, form): pandas-stubs type a key of two columns Hashable
        names = list(group["file"])
        for name in names[1:]:
            message = f"{form} for {year} is submitted twice: {names[0]} and {name}"
            problems.append(Problem(name, None, None, "duplicate_form", message, form=form, year=int(year), values="; ".join(names)))
    present = set(zip(identified["year"], identified["form"], strict=True))
    unidentified = set(files.loc[files["form"].isna(), "year"])  # a workbook not read or of no known form: maybe this one
    for year in sorted(set(files["year"]) if years is None else set(years)):
        for form in sorted(forms):
            if (year, form) not in present:
                message = f"no {form} submission for {year}: its tables are marked not available"
                if year in unidentified:
                    message += " (unless it is a workbook of the year refused above: once that one is corrected, this goes)"
                problems.append(Problem(f"{year}/", None, None, "missing_form", message, WARNING, form=form, year=int(year)))
    return problems


def check_reads_current(raw_dir: Path, read: pd.DataFrame, read_years: Iterable[int]) -> list[Problem]:
    """What the raw folder holds now against what was read (``read``: file, year, sha256 of the
    inventories of ``read_years``): a year folder never read, a year read whose folder is gone, and a
    workbook added, changed or removed since its year was read are errors; entries that are not year
    folders are warnings. Years are read in separate runs, so this is what keeps a yearbook from
    mixing a corrected workbook's year with figures read before the correction."""
    years_now, problems = year_folders(raw_dir)
    read_years = set(read_years)
    for year in sorted(set(years_now) - read_years):
        message = f"the folder {year}/ has not been read: materialize its reference year (the partition {year}) before the yearbook"
        problems.append(Problem(f"{year}/", None, None, "unread_year", message, year=year))
    for year in sorted(read_years - set(years_now)):
        message = f"the folder {year}/ was read but is gone: delete the partition {year} or restore the folder"
        problems.append(Problem(f"{year}/", None, None, "no_year_folder", message, year=year))
    for year in sorted(read_years & set(years_now)):
        files, _ = discover_year(raw_dir, year)
        now = {f.relpath: f.sha256 for f in files}
        of_year = read[read["year"] == year]
        before = dict(zip(of_year["file"], of_year["sha256"], strict=True))
        for name in sorted(now.keys() | before.keys()):
            if now.get(name) != before.get(name):
                state = "added" if name not in before else "removed" if name not in now else "changed"
                message = f"{state} since {year} was read: re-run the reference year {year}"
                problems.append(Problem(name, None, None, "changed_since_read", message, year=year))
    return problems


def check_read_with(digests: dict[int, set[str]], current: str) -> list[Problem]:
    """A year read under another :func:`yearbook.config.reading_digest` (other form specs, code lists,
    rules or reader code) than ``current`` is an error: its figures may differ once read again."""
    problems = []
    for year in sorted(y for y, seen in digests.items() if seen != {current}):
        message = f"{year} was read with other form specs, code lists or reader code than now: re-run the reference year {year}"
        problems.append(Problem(f"{year}/", None, None, "read_with_other_rules", message, year=year))
    return problems


def figures_frame(subs: list[Submission]) -> pd.DataFrame:
    """All figures of the submissions as one table with :data:`FIGURE_COLUMNS`.

    Every column gets its type even when no figure was read (or none has a footnote): a column left as Python
    objects in one year's frame makes the whole edition's columns objects once the years are concatenated,
    four times the memory of text columns (1.1 GB against 0.28 GB for the district edition's figures)."""
    return figures_table((block for s in subs for block in s.blocks), FIGURE_COLUMNS)
