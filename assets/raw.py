"""Raw layer: the inventory of submitted workbooks, and one asset per ministry form.

Each ``raw_<form>`` asset reads every workbook of its form (all reference years) with the
layout-tolerant reader, validates the figures against the pandera schema and the
consistency rules, and reports what it found in the asset check ``<asset>_valid``.
"""

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.metadata import check_result, preview
from yearbook.problems import Problem
from yearbook.resources import YearbookPaths
from yearbook.specs import load_forms
from yearbook.submissions import SubmissionFile, check_across_files, discover, figures_frame, identify_form, read_submission
from yearbook.validation import validate_figures


@dataclass
class Inventory:
    """The workbooks found under the raw folder, by form, and what could not be identified."""

    files: pd.DataFrame  # file, year, form, sha256, path
    problems: list[Problem] = field(default_factory=list)


@dataclass
class FormRead:
    """The figures of one form over all years, and every problem found in its workbooks."""

    form: str
    figures: pd.DataFrame
    problems: list[Problem]


def raw_asset_name(form: str) -> str:
    """``F-DEM-2`` -> ``raw_f_dem_2``."""
    return "raw_" + form.lower().replace("-", "_")


@dg.asset(
    group_name="raw",
    description="Every workbook under raw/<year>/ with its checksum and form code; forms submitted twice or missing for a year.",
)
def raw_inventory(context: dg.AssetExecutionContext, paths: YearbookPaths) -> dg.Output[Inventory]:
    files, problems = discover(paths.raw)
    rows = []
    for sub in files:
        form, found = identify_form(sub)
        problems += found
        rows.append({"file": sub.relpath, "year": sub.year, "form": form, "sha256": sub.sha256, "path": str(sub.path)})
    frame = pd.DataFrame(rows, columns=["file", "year", "form", "sha256", "path"])
    problems += check_across_files(frame, load_forms())
    return dg.Output(
        Inventory(frame, problems),
        metadata={
            "files": len(frame),
            "years": dg.MetadataValue.text(", ".join(str(y) for y in sorted(frame["year"].unique()))),
            "source_files": preview(frame[["file", "form", "sha256"]], 100),
        },
    )


def _form_asset(form: str) -> dg.AssetsDefinition:
    spec = load_forms()[form]
    name = raw_asset_name(form)

    @dg.asset(
        name=name,
        group_name="raw",
        description=f"{form} — {spec.name} ({spec.ministry}): every figure read, with its source cell.",
        check_specs=[dg.AssetCheckSpec(f"{name}_valid", asset=name, description=f"{form} workbooks read and consistent")],
    )
    def _read_form(context: dg.AssetExecutionContext, raw_inventory: Inventory):
        chosen = raw_inventory.files[raw_inventory.files["form"] == form]
        subs = [read_submission(SubmissionFile(Path(r.path), r.file, int(r.year), r.sha256)) for r in chosen.itertuples()]
        figures = figures_frame(subs)
        problems = [p for s in subs for p in s.problems] + validate_figures(figures).problems
        yield dg.Output(
            FormRead(form, figures, problems),
            metadata={
                "rows": len(figures),
                "years": dg.MetadataValue.text(", ".join(str(y) for y in sorted(figures["time_period"].unique()))),
                "regions": int(figures["ref_area"].nunique()),
                "source_files": preview(chosen[["file", "sha256"]], 50),
                "preview": preview(figures[["indicator", "ref_area", "time_period", "sex", "value", "source_sheet", "source_cell"]]),
            },
        )
        yield check_result(f"{name}_valid", problems, name)

    return _read_form


RAW_FORM_ASSETS = [_form_asset(form) for form in sorted(load_forms())]
RAW_FORM_NAMES = [raw_asset_name(form) for form in sorted(load_forms())]
