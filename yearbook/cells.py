"""Reading one numeric cell as FORMS.md defines it ("Cell values")."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from yearbook.labels import SUPERSCRIPTS

ZERO_SYMBOLS = {"-", "–", "—", "‒", "−"}
MISSING_SYMBOLS = {"...", "…", ".."}
CONFIDENTIAL_SYMBOLS = {"x", "х", "X", "Х"}

_FOOTNOTE = re.compile(rf"(?:\s+\d\)|\s*[*{SUPERSCRIPTS}]+)$")  # "56 1)" (the space is required: "561)" is an error)
_INT_SPACED = re.compile(r"^-?\d{1,3}(?: \d{3})+$")
_INT_COMMA_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+$")
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


class CellValue(NamedTuple):
    """A parsed cell: the number (or None), its SDMX status and confidentiality, and any note.

    A named tuple, not a dataclass: one is made per figure, and a tuple is several times cheaper to make."""

    value: float | None
    obs_status: str = "A"  # A normal, M missing
    obs_conf: str = "F"  # F free, C confidential
    footnote: str | None = None
    error: str | None = None


MISSING = CellValue(None, "M")


def parse_cell(raw: object, *, decimal_comma: bool) -> CellValue:
    """Interpret a cell of a numeric column.

    ``decimal_comma`` is True for Russian and Kazakh forms (a comma is always decimal
    there) and False for English forms (``12,345`` is a thousands separator).
    """
    kind = type(raw)
    if kind is int or (kind is float and math.isfinite(raw)):  # most cells: tested first, by exact type
        return CellValue(float(raw))
    if raw is None:
        return MISSING
    if isinstance(raw, bool):
        return CellValue(None, error=f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):  # an infinite or NaN float, or a subclass (numpy)
        return CellValue(float(raw)) if math.isfinite(raw) else CellValue(None, error=f"not a number: {raw!r}")
    text = str(raw).replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ").strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        return MISSING
    footnote = None
    match = _FOOTNOTE.search(text)
    if match and match.start() > 0:
        footnote = match.group(0).strip()
        text = text[: match.start()].strip()
    if text in ZERO_SYMBOLS:
        return CellValue(0.0, footnote=footnote)
    if text in MISSING_SYMBOLS:
        return CellValue(None, "M", footnote=footnote)
    if text in CONFIDENTIAL_SYMBOLS:
        return CellValue(None, "A", "C", footnote=footnote)
    number = _parse_number(text, decimal_comma)
    if number is None:
        return CellValue(None, error=f"not a number nor a symbol of FORMS.md: {str(raw)!r}")
    return CellValue(number, footnote=footnote)


def _parse_number(text: str, decimal_comma: bool) -> float | None:
    if _INT_SPACED.match(text):
        return float(text.replace(" ", ""))
    if _PLAIN.match(text):
        return float(text)
    if decimal_comma and _DECIMAL_COMMA.match(text):
        return float(text.replace(",", "."))
    if not decimal_comma and _INT_COMMA_THOUSANDS.match(text):
        return float(text.replace(",", ""))
    return None
