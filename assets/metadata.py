"""Materialization and check metadata shared by the asset layers."""

from __future__ import annotations

from collections import Counter

import dagster as dg
import pandas as pd

from yearbook.problems import ERROR, Problem, problems_frame, without_figures

PREVIEW_ROWS = 10
# the metadata of a materialization or a check as the assets give it: Dagster's values and counts (both among the values
# Dagster takes, its RawMetadataValue, which it does not export)
Metadata = dict[str, dg.MetadataValue | int]


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of a table as markdown."""
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "_(empty)_")


def problems_preview(problems: pd.DataFrame, rows: int) -> dg.MetadataValue:
    """The first problems (a frame of yearbook.problems.PROBLEM_COLUMNS) as they may be shown in Dagster's run storage,
    which is not the staff area: located, but their messages without the figures they quote."""
    first = problems.head(rows)[["file", "sheet", "cell", "rule", "severity", "message"]]
    return preview(first.assign(message=first["message"].map(without_figures)), rows)


def problems_metadata(problems: list[Problem]) -> Metadata:
    """Counts per rule and the first failures as a table, for an asset check."""
    counts = Counter(f"{p.severity}: {p.rule}" for p in problems)
    return {
        "errors": sum(1 for p in problems if p.severity == ERROR),
        "warnings": sum(1 for p in problems if p.severity != ERROR),
        "problems_per_rule": dg.MetadataValue.json(dict(sorted(counts.items()))),
        "first_problems": problems_preview(problems_frame(problems[:20]), 20),
    }


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
