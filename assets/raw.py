"""Raw layer: the inventory of submitted workbooks, and one asset per ministry form, by reference year.

Both are partitioned by reference year (:data:`REFERENCE_YEARS`, one partition per folder
``raw/<year>/``) so that a corrected workbook re-reads its own year only. A run may cover several
years at once (single-run backfill policy): the step then reads each year it is given and returns
``{year: value}``, which :mod:`yearbook.io_manager` stores year by year. Each ``raw_<form>`` asset
holds that form's figures of each year, read with the layout-tolerant reader and validated against
the pandera schema and the consistency rules, and reports what it found in the asset check
``<asset>_valid`` (for the years of the run). The eight form assets are computed by one step
(``raw_forms``, a multi-asset that can materialize any subset of them), which validates all their
figures together.
"""

import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from yearbook import workers
from yearbook.config import reading_digest
from yearbook.problems import Problem
from yearbook.publish.specs import Section, load_yearbook_spec
from yearbook.read_cache import KeptReads, read_workbooks, reading_workers
from yearbook.resources import YearbookPaths
from yearbook.runs import REFERENCE_YEAR_PARTITIONS
from yearbook.specs import load_forms
from yearbook.submissions import SubmissionFile, check_across_files, discover_year, figures_frame, identify_form, year_folders

from .metadata import check_result, preview

# Dynamic, not static or time-window partitions: the years are whatever folders the office has under
# raw/ (2016-2022 in the demo, 2003-2022 in the district edition, a new one each spring). A static list
# would be fixed when the code loads (a new folder would need a reload), and a yearly time window would
# invent empty years before the first folder and after the last. The sensor `reference_year_folders`
# keeps the partitions in step with the folders; the command line registers them itself.
REFERENCE_YEARS = dg.DynamicPartitionsDefinition(name=REFERENCE_YEAR_PARTITIONS)
_READ_EVERY_YEAR_IN_ONE_RUN = dg.BackfillPolicy.single_run()
# `backfill_policy` of @asset is marked beta in Dagster 1.13; without this every load would print the warning
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)


@dataclass
class Inventory:
    """The workbooks found in one year folder, with their form, and what could not be identified."""

    files: pd.DataFrame  # file, year, form, sha256, path
    problems: list[Problem] = field(default_factory=list)
    read_with: str = ""  # yearbook.config.reading_digest() when it was taken
    read_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # this inventory: the gate names what it validated


@dataclass
class FormRead:
    """The figures of one form for one reference year, and every problem found in its workbooks."""

    form: str
    figures: pd.DataFrame
    problems: list[Problem]
    read_with: str  # yearbook.config.reading_digest() when it was read
    carried_over: int = 0  # workbooks not read again: unchanged since they were read (yearbook.read_cache)
    read_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # this read: the gate names the reads it validated

    def summary(self) -> "FormRead":
        """The same without its figures: what the validation gate loads (yearbook.io_manager.SUMMARY)."""
        return FormRead(self.form, self.figures.iloc[:0], self.problems, self.read_with, self.carried_over, self.read_id)


def raw_asset_name(form: str) -> str:
    """``F-DEM-2`` -> ``raw_f_dem_2``."""
    return "raw_" + form.lower().replace("-", "_")


def submission_files(files: pd.DataFrame) -> list[SubmissionFile]:
    """The workbooks of (some rows of) an inventory's table."""
    columns = (files["path"], files["file"], files["year"], files["sha256"])  # column by column, as itertuples reads them
    return [SubmissionFile(Path(path), file, int(y), sha256) for path, file, y, sha256 in zip(*columns, strict=True)]


def take_inventories(raw_dir: Path, years: list[str], read_with: str) -> dict[str, Inventory]:
    """The workbooks of ``raw_dir/<year>/`` for each of ``years``: checksum and form code of each (each workbook
    opened, its first rows read: on every CPU when there are many, as reading them does); forms twice or missing."""
    found = {year: discover_year(raw_dir, int(year)) for year in years}
    subs = [sub for files, _ in found.values() for sub in files]
    spread = reading_workers(subs) > 1
    identified = iter(workers.run_all(identify_form, [(sub,) for sub in subs]) if spread else [identify_form(sub) for sub in subs])
    inventories = {}
    for year, (files, problems) in found.items():
        rows = []
        for sub in files:
            form, wrong = next(identified)
            problems += wrong
            rows.append({"file": sub.relpath, "year": sub.year, "form": form, "sha256": sub.sha256, "path": str(sub.path)})
        frame = pd.DataFrame(rows, columns=["file", "year", "form", "sha256", "path"]).astype({"year": "int64"})
        if (raw_dir / year).is_dir():
            problems += check_across_files(frame, load_forms(), [int(year)])
        inventories[year] = Inventory(frame, problems, read_with)
    return inventories


@dg.asset(
    group_name="raw",
    partitions_def=REFERENCE_YEARS,
    backfill_policy=_READ_EVERY_YEAR_IN_ONE_RUN,
    description="Every workbook under `raw/<year>/` with its checksum and form code; forms submitted twice or missing for the year.",
)
def raw_inventory(context: dg.AssetExecutionContext, paths: YearbookPaths) -> dg.Output[dict[str, Inventory]]:
    by_year = take_inventories(paths.raw, list(context.partition_keys), reading_digest())
    for year, inventory in by_year.items():
        metadata = {
            "reference_year": dg.MetadataValue.text(year),  # the overview shows the latest partition's: it says which
            "files": len(inventory.files),
            "source_files": preview(inventory.files[["file", "form", "sha256"]], 100),
        }
        context.add_asset_metadata(metadata, partition_key=year)
    return dg.Output(by_year)


def read_forms(
    forms: list[str], inventories: dict[str, Inventory], kept: KeptReads | None = None, carry_over: bool = True
) -> dict[str, dict[str, FormRead]]:
    """Read and validate the workbooks of ``forms`` listed in each year's inventory (each once: those unchanged since
    a read ``kept`` are not read again unless ``carry_over`` is false, yearbook.read_cache); ``{form: {year:
    FormRead}}``, each problem with the form and year of its workbook."""
    if not forms:
        return {}

    def workbooks(form: str, year: str) -> list[SubmissionFile]:
        files = inventories[year].files
        return submission_files(files[files["form"] == form])

    batches = {(form, year): workbooks(form, year) for year in inventories for form in forms}
    digest = kept.digest if kept is not None else reading_digest()  # before reading: a spec changed since is caught
    reads = iter(read_workbooks([sub for batch in batches.values() for sub in batch], kept, carry_over))
    out: dict[str, dict[str, FormRead]] = {form: {} for form in forms}
    for (form, year), batch in batches.items():
        got = [next(reads) for _ in batch]
        figures = pd.concat([read.figures for read in got], ignore_index=True) if got else figures_frame([])
        out[form][year] = FormRead(form, figures, [p for read in got for p in read.problems], digest, sum(r.carried_over for r in got))
    return out


def _form_read_metadata(read: FormRead, inventory: Inventory, year: str) -> dict[str, object]:
    figures = read.figures
    files = inventory.files[inventory.files["form"] == read.form]
    return {
        "reference_year": dg.MetadataValue.text(year),  # the overview shows the latest partition's: it says which
        "rows": len(figures),
        "regions": int(figures["ref_area"].nunique()),
        "problems": len(read.problems),
        "workbooks": len(files),
        "workbooks_carried_over": read.carried_over,  # unchanged since read: not read again (config carry_over)
        "source_files": preview(files[["file", "sha256"]], 50),
        # where figures were read, never their values: Dagster's run storage is not the staff area
        "preview": preview(figures[["indicator", "ref_area", "time_period", "sex", "source_sheet", "source_cell"]]),
    }


def _sections_fed(form: str) -> list[Section]:
    """The yearbook sections with a table sourced from ``form`` (schemas/tables)."""
    return [section for section in load_yearbook_spec().sections if any(form in table.source for table in section.tables)]


def _form_out(form: str) -> dg.AssetOut:
    spec = load_forms()[form]
    sections = _sections_fed(form)
    fed = ", ".join(f"{s.number} {s.title['en']}" for s in sections)
    return dg.AssetOut(
        group_name="raw",
        is_required=False,  # the step can materialize any subset of the forms
        description=f"{form} — {spec.name} ({spec.ministry}): every figure read, with its source cell, for each reference year. "
        f"Feeds the yearbook sections {fed}.",
        tags={f"section/{s.id}": "" for s in sections},  # the UI filters the graph by section: tag:section/health
    )


FORMS = sorted(load_forms())
RAW_FORM_NAMES = [raw_asset_name(form) for form in FORMS]


class ReadCarryOver(dg.Config):
    """How raw_forms reads a workbook it has read before, unchanged: `carry_over` takes what reading and validating it
    gave then (yearbook/read_cache.py); false reads every workbook again (a full rebuild, the same figures)."""

    carry_over: bool = Field(
        default=True,
        description=(
            "true: a workbook whose content, place, form specs, rules and reading code are those of its last read is not "
            "read again; false: every workbook is read again (a full rebuild, the same figures)."
        ),
    )


@dg.multi_asset(
    name="raw_forms",
    outs={name: _form_out(form) for form, name in zip(FORMS, RAW_FORM_NAMES, strict=True)},
    check_specs=[
        dg.AssetCheckSpec(f"{name}_valid", asset=name, description=f"{form} workbooks of the run's years read and consistent")
        for form, name in zip(FORMS, RAW_FORM_NAMES, strict=True)
    ],
    ins={"raw_inventory": dg.AssetIn("raw_inventory")},
    partitions_def=REFERENCE_YEARS,
    backfill_policy=_READ_EVERY_YEAR_IN_ONE_RUN,
    can_subset=True,
)
def raw_forms(context: dg.AssetExecutionContext, config: ReadCarryOver, paths: YearbookPaths, raw_inventory: dict[str, Inventory]):
    """One asset per form (``raw_<form>``), read in one step: the forms selected, for the run's years."""
    chosen = [form for form, name in zip(FORMS, RAW_FORM_NAMES, strict=True) if dg.AssetKey(name) in context.selected_asset_keys]
    years = {year: raw_inventory[year] for year in context.partition_keys}
    kept = KeptReads(paths.reads)
    reads = read_forms(chosen, years, kept, config.carry_over)
    kept.keep_only(year_folders(paths.raw)[0], {int(year): submission_files(inventory.files) for year, inventory in years.items()})
    for form, by_year in reads.items():
        name = raw_asset_name(form)
        for year, read in by_year.items():
            context.add_asset_metadata(_form_read_metadata(read, raw_inventory[year], year), asset_key=name, partition_key=year)
        yield dg.Output(by_year, output_name=name)
        yield check_result(f"{name}_valid", [p for read in by_year.values() for p in read.problems], name)
