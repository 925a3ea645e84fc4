"""The observation's data model, said once: its key, the dimensions of the key and the codes of their totals.

Every module that names the key's columns, a dimension or the national code imports them from here (the SQL of
``yearbook/sql/`` spells the key out; the table ``observations`` of ../shared/forms/STORE.md is its contract).
"""

from __future__ import annotations

DIMENSIONS = ("sex", "age", "area", "flow", "crime_type", "wealth_quintile")  # breakdowns; each has the total TOTAL
KEY = ["indicator", "ref_area", "time_period", *DIMENSIONS]  # no two observations share it (a list: pandas selects by it)
TOTAL = "_T"  # SDMX's code of a dimension's total
NATIONAL = "KZ"  # the ref_area of the country: the total of the regions
