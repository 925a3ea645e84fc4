"""A deterministic demo edition: ministry workbooks for 2016-2022 with realistic figures and layout drift.

``write_demo_edition(raw_dir)`` writes ``raw_dir/<year>/...xlsx`` for the eight forms of FORMS.md;
``demo_truth(years, seed)`` gives the figures written, so a test can compare what the reader
reads with the truth; :class:`Drift` names the kinds of layout drift, one switch each.
"""

from yearbook.demo.drift import DRIFT_KINDS, Drift, applies, plan_drift
from yearbook.demo.edition import DEFAULT_SEED, DEMO_YEARS, write_demo_edition, write_form
from yearbook.demo.forms import FORM_CODES, FORMS_BY_CODE
from yearbook.demo.truth import demo_truth, year_truth

__all__ = [
    "DEFAULT_SEED", "DEMO_YEARS", "DRIFT_KINDS", "FORMS_BY_CODE", "FORM_CODES", "Drift", "applies", "demo_truth", "plan_drift",
    "write_demo_edition", "write_form", "year_truth",
]  # fmt: skip
