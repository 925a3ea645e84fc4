"""Publication: the Excel yearbook (one workbook per language) and the same tables as store views and CSV files.

Every table is declared once in ``schemas/tables/`` (:mod:`yearbook.publish.specs`); its layout and
query come from :mod:`yearbook.publish.layout`, the workbooks from :mod:`yearbook.publish.render`,
the views and CSVs from :mod:`yearbook.publish.views`.
"""

from yearbook.publish.render import render_workbooks
from yearbook.publish.specs import load_yearbook_spec
from yearbook.publish.views import create_table_views, write_table_csvs

__all__ = ["create_table_views", "load_yearbook_spec", "render_workbooks", "write_table_csvs"]
