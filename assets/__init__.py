"""Dagster asset definitions of the yearbook, by layer: ``raw_`` (read), ``core_`` (validated and
harmonized), ``out_`` (published)."""

from .core import core_observations, core_public_store, core_validation
from .out import out_sdmx_export, out_yearbook, out_yearbook_pdf, out_yearbook_workbooks
from .raw import raw_forms, raw_inventory

ALL_ASSETS = [
    raw_inventory,
    raw_forms,
    core_validation,
    core_observations,
    core_public_store,
    out_yearbook_workbooks,
    out_yearbook_pdf,
    out_sdmx_export,
    out_yearbook,
]
VALIDATION_ASSETS = [raw_inventory, raw_forms, core_validation]
