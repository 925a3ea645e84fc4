"""Core layer: the validation gate and the harmonized store, built in DuckDB.

Both gather every reference year: their raw inputs arrive as ``{year: value}`` dicts (see
:mod:`yearbook.io_manager`), whether the years were read in this run or in earlier ones.
"""

import dagster as dg
import duckdb
import pandas as pd

from assets.metadata import check_result, preview
from assets.raw import RAW_FORM_NAMES, FormRead, Inventory
from yearbook.config import reading_digest
from yearbook.disclosure import load_policy
from yearbook.problems import ERROR, problems_frame
from yearbook.resources import YearbookPaths
from yearbook.store import INTERNAL_STORE_NAME, STORE_NAME, BuildInputs, build_public_store, build_store, staging_dir
from yearbook.submissions import check_read_with, check_reads_current
from yearbook.validation.report import write_validation_workbook

VALIDATION_REPORT = "validation_report.xlsx"
GATE = "core_validation_no_errors"

_FORM_INS = {name: dg.AssetIn(name) for name in RAW_FORM_NAMES}


def _inventory_files(raw_inventory: dict[str, Inventory]) -> pd.DataFrame:
    """The files of every year's inventory as one table, in year order."""
    if not raw_inventory:
        raise dg.Failure("there is no reference_year partition: no folder raw/<year>/ has been registered and read yet")
    return pd.concat([raw_inventory[year].files for year in sorted(raw_inventory)], ignore_index=True)


@dg.asset(
    group_name="core",
    ins={"raw_inventory": dg.AssetIn("raw_inventory"), **_FORM_INS},
    description=(
        "Every problem of the edition (reading, schema, consistency, duplicate or missing forms), "
        f"also written to <internal>/{VALIDATION_REPORT} for the ministries. Its blocking check gates publication."
    ),
    check_specs=[dg.AssetCheckSpec(GATE, asset="core_validation", blocking=True, description="no error in any submission")],
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
    frame = problems_frame(problems)
    paths.internal.mkdir(parents=True, exist_ok=True)  # messages may quote small counts: staff only
    write_validation_workbook(problems, paths.internal / VALIDATION_REPORT)
    yield dg.Output(
        frame,
        metadata={
            "errors": int((frame["severity"] == ERROR).sum()),
            "warnings": int((frame["severity"] != ERROR).sum()),
            "report": dg.MetadataValue.path(str(paths.internal / VALIDATION_REPORT)),
            "preview": preview(frame[["file", "sheet", "cell", "rule", "severity", "message"]], 20),
        },
    )
    yield check_result(GATE, problems, "core_validation")


@dg.asset(
    group_name="core",
    ins={"raw_inventory": dg.AssetIn("raw_inventory"), "core_validation": dg.AssetIn("core_validation"), **_FORM_INS},
    description="The harmonized store (observations, derived indicators, code lists, metadata), built by SQL in a staging DuckDB file.",
    pool="duckdb_writer",
)
def core_observations(
    context: dg.AssetExecutionContext,
    paths: YearbookPaths,
    raw_inventory: dict[str, Inventory],
    core_validation: pd.DataFrame,
    **forms: dict[str, FormRead],
) -> dg.Output[str]:
    figures = pd.concat([read.figures for by_year in forms.values() for read in by_year.values()], ignore_index=True)
    files = _inventory_files(raw_inventory)
    files = files[files["form"].notna()][["file", "year", "form", "sha256"]]
    inputs = BuildInputs(figures, files, core_validation, context.run.run_id)
    internal = staging_dir(paths.internal) / INTERNAL_STORE_NAME
    build_store(internal, inputs, previous=paths.internal / INTERNAL_STORE_NAME)
    staged = staging_dir(paths.out) / STORE_NAME
    counts = build_public_store(staged, internal, inputs, load_policy(), previous=paths.out / STORE_NAME)
    with duckdb.connect(str(staged), read_only=True) as con:
        head = con.execute("SELECT * FROM observations LIMIT 10").df()
        summary = con.execute(
            "SELECT count(*) AS n, count(DISTINCT time_period) AS years, count(DISTINCT ref_area) AS regions FROM observations"
        ).fetchone()
    return dg.Output(
        str(staged),
        metadata={
            "rows": summary[0],
            "years": summary[1],
            "regions": summary[2],
            "tables": dg.MetadataValue.json(counts),
            "preview": preview(head),
        },
    )
