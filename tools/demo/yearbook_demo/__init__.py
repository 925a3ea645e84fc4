"""A deterministic demo edition: ministry workbooks for 2016-2022 with realistic figures and layout drift.

``write_demo_edition(raw_dir)`` writes ``raw_dir/<year>/...xlsx`` for the eight forms of FORMS.md;
``demo_truth(years, seed)`` gives the figures written, so a test can compare what the reader
reads with the truth; :class:`Drift` names the kinds of layout drift, one switch each.

For the scale benchmark, ``write_demo_edition(raw_dir, range(2003, 2023), geography=district_geography(200))``
writes 200 synthetic districts as rows instead of the regions (years before 2016 extrapolated), and
``write_geography_schemas(geography, folder)`` the schemas folder whose code lists know them
(point ``YEARBOOK_SCHEMAS`` at it).
"""

from yearbook_demo.drift import DRIFT_KINDS, Drift, applies, plan_drift
from yearbook_demo.edition import DEFAULT_SEED, DEMO_YEARS, write_demo_edition, write_form
from yearbook_demo.forms import FORM_CODES, FORMS_BY_CODE
from yearbook_demo.geography import REGIONS, Districts, Geography, district_geography, write_geography_schemas
from yearbook_demo.truth import demo_truth, year_truth

__all__ = [
    "DEFAULT_SEED", "DEMO_YEARS", "DRIFT_KINDS", "FORMS_BY_CODE", "FORM_CODES", "REGIONS", "Districts", "Drift", "Geography",
    "applies", "demo_truth", "district_geography", "plan_drift", "write_demo_edition", "write_form", "write_geography_schemas",
    "year_truth",
]  # fmt: skip
