"""Materialization and check metadata shared by the asset layers."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd

from yearbook.problems import ERROR, Problem, errors_first, without_figures

PREVIEW_ROWS = 10
PROBLEMS_SHOWN = 20  # problems listed in a check's metadata and a refused run's message
NEXT_STEP = (
    "Send each ministry the lines of its workbooks, put the corrected workbooks in `raw/<year>/` and build that year "
    "again (Materialize, or `yearbook build`)."
)
# the metadata of a materialization or a check as the assets give it: Dagster's values and counts (both among the values
# Dagster takes, its RawMetadataValue, which it does not export)
Metadata = dict[str, dg.MetadataValue | int]


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of a table as markdown."""
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "_(empty)_")


def problems_preview(problems: list[Problem], rows: int = PROBLEMS_SHOWN) -> dg.MetadataValue:
    """The first problems as they may be shown in Dagster's run storage, which is not the staff area: located (``-``
    where a problem has no sheet or cell), but their messages without the figures they quote."""
    first = [
        {"file": p.file, "sheet": p.sheet or "-", "cell": p.cell or "-", "rule": p.rule, "severity": p.severity,
         "message": without_figures(p.message)}
        for p in problems[:rows]
    ]  # fmt: skip
    return preview(pd.DataFrame(first, columns=["file", "sheet", "cell", "rule", "severity", "message"]), rows)


def problems_metadata(problems: list[Problem]) -> Metadata:
    """Counts per severity and rule, and the first problems (errors first) as a table, for an asset check."""
    counts = Counter(f"{p.severity}: {p.rule}" for p in problems)
    return {
        "errors": sum(1 for p in problems if p.severity == ERROR),
        "warnings": sum(1 for p in problems if p.severity != ERROR),
        "problems_per_rule": dg.MetadataValue.json(dict(sorted(counts.items()))),
        "first_problems": problems_preview(errors_first(problems)),
    }


def refusal(problems: list[Problem], report: Path) -> str:
    """What a refused run says first (its failure message): the errors as the command line prints them, up to
    :data:`PROBLEMS_SHOWN`, then how many more are in the validation report; figures left out (run storage)."""
    errors = [p for p in errors_first(problems) if p.severity == ERROR]
    lines = [f"{len(errors)} error(s) in the submissions: nothing is published until they are corrected."]
    lines += [replace(p, message=without_figures(p.message)).line() for p in errors[:PROBLEMS_SHOWN]]
    if len(errors) > PROBLEMS_SHOWN:
        lines.append(f"and {len(errors) - PROBLEMS_SHOWN} more in {report}")
    lines.append(f"Every problem, with the figures, is in {report}. {NEXT_STEP}")
    return "\n".join(lines)


def check_result(check_name: str, problems: list[Problem], asset_key: str | None = None) -> dg.AssetCheckResult:
    """Passed when no problem is an error; warnings are reported but never fail the check."""
    errors = [p for p in problems if p.severity == ERROR]
    return dg.AssetCheckResult(
        check_name=check_name,
        asset_key=asset_key,
        passed=not errors,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        metadata=problems_metadata(problems),
    )
