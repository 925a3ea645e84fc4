"""Validation of the raw figures table: a generated pandera schema and the consistency rules.

:func:`validate_figures` runs both on the table of :func:`yearbook.submissions.figures_frame`
and returns every problem (located at the file, sheet and cell to fix) with a summary per
rule id of ``schemas/rules.yaml``: its severity and how many figures or groups of figures
were checked, failed, or could not be checked (a confidential or missing figure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from yearbook.codelists import CodeLists, load_codelists
from yearbook.problems import Problem
from yearbook.specs import FormSpec, load_forms
from yearbook.validation.rules import NOT_CHECKABLE_COLUMNS, RuleSet, check_consistency, load_rules
from yearbook.validation.schemas import schema_problems, structural

SUMMARY_COLUMNS = ["rule", "kind", "severity", "checked", "failed", "not_checkable"]

__all__ = ["SUMMARY_COLUMNS", "ValidationResult", "load_rules", "validate_figures"]


@dataclass
class ValidationResult:
    """What validation found.

    ``problems``: one per failure, located at the cell to fix (a sum rule: the total's cell).
    ``summary``: one row per rule id (all rules of ``schemas/rules.yaml``, in file order) with
    ``kind``, ``severity``, ``checked`` (figures, or groups of figures for the consistency
    rules, on which the rule could be evaluated), ``failed`` and ``not_checkable`` (a
    confidential, missing or absent figure made an exact check impossible; information,
    not a problem).
    ``not_checkable``: those groups one by one (rule, file, sheet, cell of the total, reason).
    """

    problems: list[Problem]
    summary: pd.DataFrame
    not_checkable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOT_CHECKABLE_COLUMNS))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def failed(self, rule: str) -> int:
        """How many failures a rule had (0 for an unknown rule id)."""
        row = self.summary[self.summary["rule"] == rule]
        return int(row["failed"].iloc[0]) if len(row) else 0


def validate_figures(
    figures: pd.DataFrame, *, rules: RuleSet | None = None, forms: dict[str, FormSpec] | None = None, lists: CodeLists | None = None
) -> ValidationResult:
    """Validate the raw figures table (``FIGURE_COLUMNS``): schema checks, then the consistency rules.

    The consistency rules are skipped when the table itself is malformed (a column missing
    or of the wrong type); the ``figure_table`` problems say why.
    """
    rules = rules or load_rules()
    forms = forms or load_forms()
    lists = lists or load_codelists()
    frame = figures.reset_index(drop=True)
    schema = schema_problems(frame, rules, forms, lists)
    problems = list(schema.problems)
    outcomes = dict(schema.outcomes)
    not_checkable = list(schema.not_checkable)
    if not structural(schema.problems):
        consistency = check_consistency(frame, lists, rules)
        problems += consistency.problems
        outcomes |= consistency.outcomes
        not_checkable += consistency.not_checkable
    rows = []
    for rule in rules.rules.values():
        o = outcomes.get(rule.id)
        rows.append(
            {
                "rule": rule.id,
                "kind": rule.kind,
                "severity": rule.severity,
                "checked": o.checked if o else 0,
                "failed": o.failed if o else 0,
                "not_checkable": o.not_checkable if o else 0,
            }
        )
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"checked": "int64", "failed": "int64", "not_checkable": "int64"})
    return ValidationResult(problems, summary, pd.DataFrame(not_checkable, columns=NOT_CHECKABLE_COLUMNS))
