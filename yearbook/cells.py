"""Reading one numeric cell as FORMS.md defines it ("Cell values")."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from yearbook.labels import FOOTNOTE_MARKS
from yearbook.problems import QUOTE_CHARS, quote

ZERO_SYMBOLS = {"-", "–", "—", "‒", "−"}
MISSING_SYMBOLS = {"...", "…", ".."}
CONFIDENTIAL_SYMBOLS = {"x", "х", "X", "Х"}

# FORMS.md separates thousands by a space or a no-break space; the narrow no-break and the thin space, which typesetting
# uses alike, are read as a space too. Any other white space (a line break, a tab) inside a figure is refused: a cell
# showing 12 and 345 on two lines may hold two figures. White space around the text, and before a note, is no matter.
_AS_SPACE = str.maketrans("\u00a0\u202f\u2009", "   ")
_SPACE_RUN = re.compile(r" {2,}")
_OTHER_SPACE = re.compile(r"[^\S ]")
_SPACE_NAMES = {"\n": "a line break", "\r": "a line break", "\t": "a tab"}
# A figure in thousands groups begins with 1-9: '0,500' or '0 500' is no count of 500 but most likely a decimal with the
# wrong separator, so it is refused (never guessed), as are '012 345' and '00,500'.
_INT_SPACED = re.compile(r"^-?[1-9]\d{0,2}(?: \d{3})+$")
_INT_COMMA_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(?:,\d{3})+$")
_ZERO_GROUPED = {True: re.compile(r"^(-?)(0\d{0,2})((?: \d{3})+)$"), False: re.compile(r"^(-?)(0\d{0,2})((?:[ ,]\d{3})+)$")}
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
    if type(raw) is float and math.isfinite(raw):  # most cells: tested first, by exact type
        return CellValue(raw + 0.0)
    if raw is None:
        return MISSING
    if isinstance(raw, bool):
        return CellValue(None, error=f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):  # an integer, an infinite or NaN float, or a subclass (numpy)
        return _number_cell(raw)
    text = _SPACE_RUN.sub(" ", str(raw).translate(_AS_SPACE).strip())
    if not text:
        return MISSING
    text, footnote = _split_footnote(text)
    if _OTHER_SPACE.search(text):
        return CellValue(None, error=_other_space_error(raw, text, decimal_comma))
    if text in ZERO_SYMBOLS:
        return CellValue(0.0, footnote=footnote)
    if text in MISSING_SYMBOLS:
        return CellValue(None, "M", footnote=footnote)
    if text in CONFIDENTIAL_SYMBOLS:
        return CellValue(None, "A", "C", footnote=footnote)
    number = _parse_number(text, decimal_comma)
    if number is None or not math.isfinite(number):
        return CellValue(
            None, error=_zero_grouped_error(raw, text, decimal_comma) or f"not a number nor a symbol of FORMS.md: {quote(str(raw))}"
        )
    return CellValue(number + 0.0, footnote=footnote)  # + 0.0: '-0' is zero, never a negative zero


def _number_cell(raw: int | float) -> CellValue:
    """A number cell: that number, unless it is no finite float (NaN, infinity, an integer beyond 1.8e308)."""
    try:
        value = float(raw)
    except OverflowError:  # only an integer is too large for a float
        assert isinstance(raw, int)
        return CellValue(None, error=f"not a number: a number of about {int(raw.bit_length() * 0.30103)} digits, too large for any figure")
    if not math.isfinite(value):
        return CellValue(None, error=f"not a number: {raw!r}")
    return CellValue(value + 0.0)


def _other_space_error(raw: object, text: str, decimal_comma: bool) -> str:
    """The refusal of a value with white space inside that is no thousands separator: said so where it would be a
    number were it a space (``'12\\n345'``), the plain refusal otherwise."""
    if _parse_number(_SPACE_RUN.sub(" ", _OTHER_SPACE.sub(" ", text)), decimal_comma) is None:
        return f"not a number nor a symbol of FORMS.md: {quote(str(raw))}"
    found = _OTHER_SPACE.search(text)
    assert found is not None, "called for a text with such a space"
    char = found.group()
    name = _SPACE_NAMES.get(char, f"the white space U+{ord(char):04X}")
    return (
        f"not a number: {quote(str(raw))} has {name} between its digits, and only a space or a no-break space separates "
        "thousands ('12 345'): write one figure in the cell, on one line"
    )


def _zero_grouped_error(raw: object, text: str, decimal_comma: bool) -> str | None:
    """The refusal of a figure in thousands groups that begins with 0 (``'0,500'`` in an English form, ``'0 500'``):
    ambiguous, with what to write for each meaning; None for any other text."""
    match = _ZERO_GROUPED[decimal_comma].match(text)
    if match is None:
        return None
    sign, lead, groups = match.groups()
    digits = (lead + re.sub(r"[ ,]", "", groups)).lstrip("0")
    count = sign + digits if digits else "0"
    meant = f"write {count} if it is a count" if len(count) <= QUOTE_CHARS else "write the count without its leading 0"
    if lead == "0" and len(groups) == 4:  # '0,500': maybe a decimal written with the other separator
        meant = f"write {sign}0{',' if decimal_comma else '.'}{groups[1:]} if it is a decimal, {count} if it is a count"
    return f"not a number: {quote(str(raw))} is ambiguous, for a figure written in thousands groups never begins with 0: {meant}"


def _split_footnote(text: str) -> tuple[str, str | None]:
    """A value and its trailing footnote mark: ``'1 234¹'``, ``'1234*'``, ``'56 1)'`` (white space before ``1)`` is
    required: ``'561)'`` is an error). A cell of marks alone has no value to carry them. One pass back from the end."""
    end = len(text)
    if end >= 3 and text[-1] == ")" and text[-2].isdecimal() and text[-3].isspace():
        start = end - 2
    else:
        start = end
        while start and text[start - 1] in FOOTNOTE_MARKS:
            start -= 1
    value = text[:start].strip()
    if start == end or not value:
        return text, None
    return value, text[start:].strip()


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
