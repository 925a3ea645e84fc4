"""Core layer: the validation gate, the staff store harmonized in DuckDB, and the public store made from it.

They gather every reference year: their raw inputs arrive as ``{year: value}`` dicts (see
:mod:`yearbook.io_manager`), whether the years were read in this run or in earlier ones. The public
store is a step of its own, which does not load the figures of the forms: disclosure control, the
build's largest memory, runs without them.
"""

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from pydantic import Field

from yearbook.config import reading_digest, staff_language
from yearbook.disclosure import load_policy
from yearbook.edition import EditionFiles, make_staging_dir
from yearbook.io_manager import SUMMARY
from yearbook.problems import ERROR, errors_first, problems_frame
from yearbook.resources import YearbookPaths
from yearbook.store import INTERNAL_STORE_NAME, STORE_NAME, BuildRecord, build_public_store, build_store
from yearbook.submissions import check_read_with, check_reads_current
from yearbook.validation.feedback import replace_feedback
from yearbook.validation.report import write_validation_workbook

from .metadata import NEXT_STEP, Metadata, check_result, preview, problems_preview, refusal
from .raw import RAW_FORM_NAMES, FormRead, Inventory

VALIDATION_REPORT = "validation_report.xlsx"
FEEDBACK = "feedback"  # <internal>/feedback/<year>/<workbook> — проверка.xlsx: the ministries' own workbooks, marked
GATE = "core_validation_no_errors"


@dataclass(frozen=True)
class Validation:
    """What the gate found: every problem, errors first (yearbook.problems.PROBLEM_COLUMNS), and the reads it validated
    (``raw_inventory/2018``, ``raw_f_dem_2/2018`` -> their read ids). A store is built only from the reads of a
    validation without errors: one run's or an earlier one's, never figures read again since (a re-read, another run)."""

    problems: pd.DataFrame
    reads: dict[str, str]
    validation_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def errors(self) -> int:
        return int((self.problems["severity"] == ERROR).sum())


def _reads(raw_inventory: dict[str, Inventory], forms: dict[str, dict[str, FormRead]]) -> dict[str, str]:
    """The read id of every year of the inventory and of each form asset, keyed ``<asset>/<year>``."""
    reads = {f"raw_inventory/{year}": inventory.read_id for year, inventory in raw_inventory.items()}
    return reads | {f"{name}/{year}": read.read_id for name, by_year in forms.items() for year, read in by_year.items()}


def _require_validated(validation: Validation, reads: dict[str, str]) -> None:
    """Refuse to build from a validation with errors, or from reads it did not validate (read again since)."""
    if validation.errors:
        raise dg.Failure(
            f"the latest validation found {validation.errors} error(s): nothing is built until they are corrected. " + NEXT_STEP
        )
    unvalidated = sorted(key for key, read_id in reads.items() if validation.reads.get(key) != read_id)
    if unvalidated:
        raise dg.Failure(
            f"{', '.join(unvalidated[:8])}{' ...' if len(unvalidated) > 8 else ''} read again since the latest validation: "
            "materialize core_validation again (or the whole build) before the stores"
        )


_FORM_INS = {name: dg.AssetIn(name) for name in RAW_FORM_NAMES}
_FORM_PROBLEMS_INS = {name: dg.AssetIn(name, metadata={SUMMARY: True}) for name in RAW_FORM_NAMES}  # without the figures


def _inventory_files(raw_inventory: dict[str, Inventory]) -> pd.DataFrame:
    """The files of every year's inventory as one table, in year order."""
    if not raw_inventory:
        raise dg.Failure("there is no reference_year partition: no folder raw/<year>/ has been registered and read yet")
    return pd.concat([raw_inventory[year].files for year in sorted(raw_inventory)], ignore_index=True)


@dg.asset(
    group_name="core",
    ins={"raw_inventory": dg.AssetIn("raw_inventory"), **_FORM_PROBLEMS_INS},
    description=(
        "Every problem of the edition (reading, schema, consistency, duplicate or missing forms), "
        f"also written to `<internal>/{VALIDATION_REPORT}`, and for each workbook with a problem a marked copy for its "
        f"ministry in `<internal>/{FEEDBACK}/<year>/`. Its blocking check gates publication."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            GATE, asset="core_validation", blocking=True, description=f"No error in any submission. When it fails: {NEXT_STEP}"
        )
    ],
)
def core_validation(
    context: dg.AssetExecutionContext, paths: YearbookPaths, raw_inventory: dict[str, Inventory], **forms: dict[str, FormRead]
):
    files = _inventory_files(raw_inventory)
    problems = check_reads_current(paths.raw, files, [int(year) for year in raw_inventory])
    digests: dict[int, set[str]] = {int(year): {inv.read_with} for year, inv in raw_inventory.items()}
    for by_year in forms.values():
        for year, read in by_year.items():
            digests.setdefault(int(year), set()).add(read.read_with)
    problems += check_read_with(digests, reading_digest())
    problems += [p for inv in raw_inventory.values() for p in inv.problems]
    problems += [p for by_year in forms.values() for read in by_year.values() for p in read.problems]
    problems = errors_first(problems)
    frame = problems_frame(problems)
    paths.check_separate()
    paths.internal.mkdir(mode=0o700, parents=True, exist_ok=True)  # messages may quote small counts: staff only
    paths.internal.chmod(0o700)  # also when it was made before with other modes
    partial = paths.internal / f".{VALIDATION_REPORT}-{context.run.run_id}"
    write_validation_workbook(problems, partial)
    partial.chmod(0o600)
    os.replace(partial, paths.internal / VALIDATION_REPORT)  # whole, even with two builds at once: one's or the other's
    feedback = replace_feedback(problems, paths.raw, paths.internal / FEEDBACK, staff_language())
    validation = Validation(frame, _reads(raw_inventory, forms))
    yield dg.Output(
        validation,
        metadata={
            "errors": validation.errors,
            "warnings": len(problems) - validation.errors,
            "report": dg.MetadataValue.path(str(paths.internal / VALIDATION_REPORT)),
            "feedback_workbooks": len(feedback),  # one per workbook with a problem, for its ministry
            "feedback": dg.MetadataValue.path(str(paths.internal / FEEDBACK)),
            "preview": problems_preview(problems),
        },
    )
    yield check_result(GATE, problems, "core_validation")
    if validation.errors:  # the run's failure says which cells, not a check's stack trace
        raise dg.Failure(description=refusal(problems, paths.internal / VALIDATION_REPORT), allow_retries=False)


_RECORD_INS = {"raw_inventory": dg.AssetIn("raw_inventory"), "core_validation": dg.AssetIn("core_validation")}  # what a store records


def _build_record(context: dg.AssetExecutionContext, raw_inventory: dict[str, Inventory], core_validation: Validation) -> BuildRecord:
    files = _inventory_files(raw_inventory)
    return BuildRecord(files[files["form"].notna()][["file", "year", "form", "sha256"]], core_validation.problems, context.run.run_id)


def _store_metadata(store: Path, counts: dict[str, int], public: bool) -> Metadata:
    """Counts; and the first observations of a public store only: Dagster's run storage is not the staff area."""
    with duckdb.connect(str(store), read_only=True) as con:
        head = con.execute("SELECT * FROM observations LIMIT 10").df() if public else None
        found = con.execute("SELECT count(*), count(DISTINCT time_period), count(DISTINCT ref_area) FROM observations").fetchone()
    assert found is not None  # counts without GROUP BY are one row
    rows, years, regions = found
    metadata: Metadata = {"rows": rows, "years": years, "regions": regions, "tables": dg.MetadataValue.json(counts)}
    return metadata | ({"preview": preview(head)} if head is not None else {})


@dg.asset(
    group_name="core",
    ins={**_RECORD_INS, **_FORM_INS},
    description=(
        "The staff store (observations, derived indicators, code lists, metadata), every figure as reported, "
        f"harmonized by SQL in the run's staging folder; published with the edition as `<internal>/{INTERNAL_STORE_NAME}`."
    ),
    pool="duckdb_writer",
)
def core_observations(
    context: dg.AssetExecutionContext,
    paths: YearbookPaths,
    raw_inventory: dict[str, Inventory],
    core_validation: Validation,
    **forms: dict[str, FormRead],
) -> dg.Output[EditionFiles]:
    _require_validated(core_validation, _reads(raw_inventory, forms))
    figures = [read.figures for by_year in forms.values() for read in by_year.values()]
    staged = make_staging_dir(paths.internal, context.run.run_id, private=True) / INTERNAL_STORE_NAME
    counts = build_store(
        staged,
        figures,
        _build_record(context, raw_inventory, core_validation),
        previous=[paths.internal / INTERNAL_STORE_NAME, paths.out / STORE_NAME],  # an analyst may hold one open for writing
    )
    files = EditionFiles(context.run.run_id, staff=(INTERNAL_STORE_NAME,), made_from=core_validation.validation_id)
    return dg.Output(files, metadata=_store_metadata(staged, counts, public=False))


class DisclosureCarryOver(dg.Config):
    """How core_public_store protects a reference year whose figures, schemas and code are those of the published
    edition: `carry_over` takes its hidden figures from that edition's staff store; false protects every year again
    (a full rebuild, which gives the same store: yearbook/disclosure/carry_over.py)."""

    carry_over: bool = Field(
        default=True,
        description=(
            "true: a reference year whose figures, schemas and code are those of the published edition keeps its hidden "
            "figures; false: every year is protected again (a full rebuild, the same store)."
        ),
    )


@dg.asset(
    group_name="core",
    ins={**_RECORD_INS, "core_observations": dg.AssetIn()},
    description=(
        "The public store: the staff store's observations with disclosure control applied (confidential figures and those "
        f"that would reveal them hidden), without the working tables of the figures; staged for `<out>/{STORE_NAME}`. "
        "The staff store, staged again with what was hidden and why, is published from here. A year unchanged since the "
        "published edition keeps its protection (config carry_over; metadata protection_carried_over)."
    ),
    pool="duckdb_writer",
)
def core_public_store(
    context: dg.AssetExecutionContext,
    config: DisclosureCarryOver,
    paths: YearbookPaths,
    raw_inventory: dict[str, Inventory],
    core_validation: Validation,
    core_observations: EditionFiles,
) -> dg.Output[EditionFiles]:
    _require_validated(core_validation, {})
    if core_observations.made_from != core_validation.validation_id:
        raise dg.Failure("the staff store was built from another validation than the latest: materialize core_observations again")
    run_id = context.run.run_id
    staff = _staff_store_of_this_run(paths, run_id, core_observations)
    staged = make_staging_dir(paths.out, run_id) / STORE_NAME
    previous = paths.internal / INTERNAL_STORE_NAME if config.carry_over else None  # the published edition's
    counts, carried = build_public_store(staged, staff, _build_record(context, raw_inventory, core_validation), load_policy(), previous)
    if carried:
        context.log.info(f"disclosure control carried over from the published edition for {', '.join(map(str, carried))}")
    files = EditionFiles(run_id, public=(STORE_NAME,), staff=(INTERNAL_STORE_NAME,), made_from=core_observations.run_id)
    carried_over = {"protection_carried_over": ", ".join(map(str, carried)) or "none"}  # first: the tables' counts are long
    metadata = carried_over | _store_metadata(staged, counts, public=True)
    return dg.Output(files, metadata=metadata)


def _staff_store_of_this_run(paths: YearbookPaths, run_id: str, core_observations: EditionFiles) -> Path:
    """The staff store this run records disclosure control in: the one it staged, or a staged copy of an earlier run's
    (an edition is never changed once made)."""
    source = core_observations.path(paths.internal, INTERNAL_STORE_NAME)
    staged = make_staging_dir(paths.internal, run_id, private=True) / INTERNAL_STORE_NAME
    if source != staged:
        shutil.copyfile(source, staged)
        staged.chmod(0o600)
    return staged
