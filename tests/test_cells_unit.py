"""Unit tests of the cell parser (yearbook.cells.parse_cell) against FORMS.md, "Cell values" (issue #19).

Every case is one line of the contract, or of the parser's own documented extension of it, in words: its id. A
``decimal_comma`` of True is a Russian or Kazakh form (a comma is always decimal there), False an English one.
"""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yearbook.cells import parse_cell
from yearbook.problems import quote

RU, EN = True, False  # decimal_comma of a Russian/Kazakh form, of an English form
BOTH = (RU, EN)
FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def _shown(raw: object, decimal_comma: bool) -> tuple[float | None, str, str, str | None]:
    """What a cell is read as: (value, obs_status, obs_conf, footnote); a refusal fails the test with its message."""
    cell = parse_cell(raw, decimal_comma=decimal_comma)
    assert cell.error is None, f"{raw!r} refused: {cell.error}"
    return cell.value, cell.obs_status, cell.obs_conf, cell.footnote


def count(value: float, footnote: str | None = None) -> tuple[float, str, str, str | None]:
    return (value, "A", "F", footnote)


def missing(footnote: str | None = None) -> tuple[None, str, str, str | None]:
    return (None, "M", "F", footnote)


def confidential(footnote: str | None = None) -> tuple[None, str, str, str | None]:
    return (None, "A", "C", footnote)


def _both(raw: object, expected: tuple, id: str) -> list:
    return [pytest.param(raw, dc, expected, id=f"{id} [{'ru/kk' if dc else 'en'}]") for dc in BOTH]


READ = [
    # a number, or text like 12 345, 12 345 (no-break space), 12,345 in English forms: that count
    *_both(12345, count(12345.0), "a number cell is that number"),
    *_both(73.4, count(73.4), "a decimal number cell is that decimal"),
    *_both(0, count(0.0), "a number cell holding 0 is a true zero"),
    *_both("12 345", count(12345.0), "text 12 345 with a space is that count"),
    *_both("12\u00a0345", count(12345.0), "text 12 345 with a no-break space is that count"),
    *_both("1 234 567", count(1234567.0), "several thousands groups, each of three digits"),
    *_both("12\u202f345", count(12345.0), "a narrow no-break space separates thousands too (the parser's extension)"),
    *_both("12\u2009345", count(12345.0), "a thin space separates thousands too (the parser's extension)"),
    *_both("  12 345 \u00a0", count(12345.0), "spaces around the text are not part of the value"),
    *_both("2018", count(2018.0), "plain digits as text are that count"),
    pytest.param("12,345", EN, count(12345.0), id="12,345 in an English form is that count"),
    pytest.param("1,234,567", EN, count(1234567.0), id="1,234,567 in an English form is that count"),
    # 73,4 (Russian/Kazakh forms: a comma is always decimal there) or 73.4: a decimal
    pytest.param("73,4", RU, count(73.4), id="73,4 in a Russian or Kazakh form is a decimal"),
    pytest.param("12,345", RU, count(12.345), id="12,345 in a Russian or Kazakh form is 12.345: a comma is always decimal there"),
    pytest.param("0,5", RU, count(0.5), id="0,5 in a Russian or Kazakh form is a half"),
    *_both("73.4", count(73.4), "73.4 is a decimal"),
    # - or –: a true zero
    *_both("-", count(0.0), "a hyphen is a true zero"),
    *_both("–", count(0.0), "an en dash is a true zero"),
    *_both("—", count(0.0), "an em dash is a true zero (the parser's extension)"),
    *_both(" – ", count(0.0), "a dash with spaces around it is a true zero"),
    # ... or …: not available (missing), never zero
    *_both("...", missing(), "three dots are not available, never zero"),
    *_both("…", missing(), "an ellipsis character is not available, never zero"),
    *_both("..", missing(), "two dots are not available (the parser's extension)"),
    # x or х (Latin or Cyrillic): confidential, withheld by the ministry
    *_both("x", confidential(), "a Latin x is confidential"),
    *_both("х", confidential(), "a Cyrillic kha is confidential"),
    *_both("X", confidential(), "a capital Latin X is confidential (the parser's extension)"),
    *_both("Х", confidential(), "a capital Cyrillic KHA is confidential (the parser's extension)"),
    # a value followed by a footnote mark: 1 234¹, 1234*, 56 1): that value, with a note
    *_both("1 234¹", count(1234.0, "¹"), "1 234 superscript-1 is 1234 with the note superscript-1"),
    *_both("1234*", count(1234.0, "*"), "1234* is 1234 with the note *"),
    *_both("56 1)", count(56.0, "1)"), "56 1) is 56 with the note 1)"),
    *_both("12 345²", count(12345.0, "²"), "a spaced count with a superscript note"),
    *_both("12345 *", count(12345.0, "*"), "a space between the value and its mark"),
    *_both("5¹*", count(5.0, "¹*"), "several marks are one note"),
    pytest.param("73,4*", RU, count(73.4, "*"), id="a decimal with a comma and a note"),
    *_both("x*", confidential("*"), "a confidential symbol with a note stays confidential"),
    *_both("х 1)", confidential("1)"), "a Cyrillic kha with the note 1) stays confidential"),
    *_both("-¹", count(0.0, "¹"), "a zero dash with a note is a true zero"),
    *_both("…*", missing("*"), "an ellipsis with a note stays missing"),
    # empty, or only spaces: missing
    *_both(None, missing(), "an empty cell is missing"),
    *_both("", missing(), "an empty text is missing"),
    *_both("   ", missing(), "a cell of only spaces is missing"),
    *_both("\u00a0\u202f\t\n", missing(), "a cell of only no-break spaces, tabs and line breaks is missing"),
    # counts >= 0 is a consistency rule of the submission (a validation error), not a cell rule
    *_both("-5", count(-5.0), "a negative number is read: counts >= 0 is checked by validation"),
    *_both(-5, count(-5.0), "a negative number cell is read: counts >= 0 is checked by validation"),
]


@pytest.mark.parametrize(("raw", "decimal_comma", "expected"), READ)
def test_a_cell_is_read_as_the_contract_says(raw: object, decimal_comma: bool, expected: tuple) -> None:
    assert _shown(raw, decimal_comma) == expected


def _both_refused(raw: object, id: str) -> list:
    return [pytest.param(raw, dc, id=f"{id} [{'ru/kk' if dc else 'en'}]") for dc in BOTH]


REFUSED = [
    # anything else in a numeric cell (n/a in a Russian form, 12.3.4, #REF!) is an error to report, not a value to guess
    *_both_refused("n/a", "n/a is not a number of the contract"),
    *_both_refused("н/д", "n/d in Cyrillic (Russian no data) is not one of the contract's symbols"),
    *_both_refused("12.3.4", "12.3.4 is no number"),
    *_both_refused("#REF!", "an error value #REF! is no number"),
    *_both_refused("#DIV/0!", "an error value #DIV/0! is no number"),
    *_both_refused("#N/A", "an error value #N/A is no number"),
    *_both_refused("=SUM(B6:B23)", "the text of a formula is no value"),
    pytest.param("73,4", EN, id="73,4 in an English form is ambiguous: a comma separates thousands there"),
    pytest.param("12,34", EN, id="12,34 in an English form is ambiguous: a thousands group has three digits"),
    pytest.param("1,234,567", RU, id="1,234,567 in a Russian form: a comma is decimal there, two commas make no number"),
    pytest.param("1,234.5", RU, id="a comma and a point in a Russian form make no number"),
    *_both_refused("1.234.567", "dots as thousands separators are no number"),
    *_both_refused("1 23", "a thousands group of two digits is ambiguous"),
    *_both_refused("12 34 567", "uneven thousands groups are ambiguous"),
    *_both_refused("1 2 3", "digits apart are no number"),
    *_both_refused("12'345", "an apostrophe is no thousands separator of the contract"),
    *_both_refused("1_000", "an underscore is no thousands separator of the contract"),
    *_both_refused("561)", "a footnote 1) needs a space before it: 561) is no value"),
    *_both_refused("*", "a footnote mark alone has no value to carry it"),
    *_both_refused("¹", "a superscript mark alone has no value to carry it"),
    *_both_refused("1)", "a footnote 1) alone has no value to carry it"),
    *_both_refused("xx", "xx is not the confidential symbol"),
    *_both_refused("x5", "a confidential symbol before a number is no value"),
    *_both_refused("- 5", "a dash, a space and a number is no value"),
    *_both_refused("5-", "a trailing minus is no value"),
    *_both_refused("(5)", "a number in brackets is no value"),
    *_both_refused("+5", "a leading plus is not a form of the contract"),
    *_both_refused("1e3", "scientific notation is not a form of the contract"),
    *_both_refused(".5", "a decimal without its leading digit"),
    *_both_refused("5.", "a decimal point without digits after it"),
    *_both_refused("73.4%", "a percentage typed as text (not a fraction formatted as a percentage)"),
    *_both_refused("nan", "the text nan is no number"),
    *_both_refused("inf", "the text inf is no number"),
    *_both_refused("Infinity", "the text Infinity is no number"),
    *_both_refused("9" * 400, "a number too large for a float is refused, not read as infinity"),
    *_both_refused(float("nan"), "a NaN float is no number"),
    *_both_refused(float("inf"), "an infinite float is no number"),
    *_both_refused(True, "a boolean cell is no number"),
    *_both_refused(datetime.date(2018, 1, 1), "a date cell is no number"),
]


@pytest.mark.parametrize(("raw", "decimal_comma"), REFUSED)
def test_anything_else_is_refused_with_the_cell_quoted(raw: object, decimal_comma: bool) -> None:
    cell = parse_cell(raw, decimal_comma=decimal_comma)
    assert cell.error, f"{raw!r} read as {cell[:4]}, not refused"
    assert cell.value is None
    if isinstance(raw, str):
        assert quote(raw) in cell.error, "the message quotes the cell as it shows"


# Surprises against the contract, each a bug until decided otherwise (see the report of issue #19).
# A figure in thousands groups never begins with 0: '0,500' in an English form is not the '12,345' of FORMS.md but most
# likely 0.5 written with a decimal comma. Ambiguous, it is refused, the message saying what to write for each meaning.
ZERO_GROUPED = [
    pytest.param("0,500", EN, "write 0.500 if it is a decimal, 500 if it is a count", id="0,500 in an English form"),
    pytest.param("-0,500", EN, "write -0.500 if it is a decimal, -500 if it is a count", id="-0,500 in an English form"),
    pytest.param("0 500", EN, "write 0.500 if it is a decimal, 500 if it is a count", id="0 500 in an English form"),
    pytest.param("0\u00a0500", RU, "write 0,500 if it is a decimal, 500 if it is a count", id="0 500 in a Russian form"),
    pytest.param("0,500,000", EN, "write 500000 if it is a count", id="0,500,000 in an English form"),
    pytest.param("00,500", EN, "write 500 if it is a count", id="00,500 in an English form"),
    pytest.param("012 345*", RU, "write 12345 if it is a count", id="012 345 with a note in a Russian form"),
]


@pytest.mark.parametrize(("raw", "decimal_comma", "advice"), ZERO_GROUPED)
def test_a_leading_zero_thousands_group_is_refused(raw: str, decimal_comma: bool, advice: str) -> None:
    cell = parse_cell(raw, decimal_comma=decimal_comma)
    assert cell.error and cell.value is None
    assert quote(raw) in cell.error and "ambiguous" in cell.error and advice in cell.error


def test_a_leading_zero_before_a_decimal_comma_is_a_decimal_in_a_russian_form() -> None:
    assert _shown("0,500", RU) == count(0.5)


# FORMS.md's thousands separators are a space and a no-break space (and the thin spaces the parser reads alike); a cell
# showing 12 and 345 on two lines may hold two figures, which is not a value to guess
OTHER_WHITE_SPACE = [
    pytest.param("12\n345", "a line break", id="a line break between the thousands"),
    pytest.param("12\r\n345", "a line break", id="a Windows line break between the thousands"),
    pytest.param("12\t345", "a tab", id="a tab between the thousands"),
    pytest.param("1 234\n567", "a line break", id="a line break between two of several thousands groups"),
    pytest.param("12 \n 345", "a line break", id="a line break with spaces around it"),
    pytest.param("12\u2007345*", "U+2007", id="a figure space between the thousands, a note after"),
]


@pytest.mark.parametrize(("raw", "name"), OTHER_WHITE_SPACE)
@pytest.mark.parametrize("decimal_comma", BOTH, ids=["ru/kk", "en"])
def test_a_line_break_is_no_thousands_separator(raw: str, name: str, decimal_comma: bool) -> None:
    cell = parse_cell(raw, decimal_comma=decimal_comma)
    assert cell.error and cell.value is None
    assert quote(raw) in cell.error and name in cell.error and "only a space or a no-break space separates thousands" in cell.error


@pytest.mark.parametrize(
    ("raw", "expected"), [("56\n1)", count(56.0, "1)")), ("1234\n*", count(1234.0, "*")), ("\t12 345\n", count(12345.0))]
)
def test_white_space_around_a_figure_or_before_its_note_is_no_matter(raw: str, expected: tuple) -> None:
    assert _shown(raw, RU) == _shown(raw, EN) == expected


@pytest.mark.parametrize("raw", [10**400, -(10**400), 10**5000], ids=["10**400", "-10**400", "10**5000, beyond int-to-text"])
def test_an_integer_too_large_for_a_float_is_refused_not_raised(raw: int) -> None:
    """Not reachable from a workbook today (calamine gives floats), but the parser never raises: the text '9'*400 is
    refused with a message, and so is the number."""
    cell = parse_cell(raw, decimal_comma=RU)
    assert cell.error and "too large" in cell.error
    assert cell.value is None


# Properties -------------------------------------------------------------------------------------------------------

SEPARATORS = {RU: [" ", "\u00a0", "\u202f", "\u2009"], EN: [" ", "\u00a0", "\u202f", "\u2009", ","]}
MARKS = ["*", "¹", "²", "³", " 1)", " 2)", "**", " *"]


def _grouped(n: int, separator: str) -> str:
    """``n`` with a thousands separator: 1234567 -> '1 234 567'."""
    sign, digits = ("-", str(-n)) if n < 0 else ("", str(n))
    groups = []
    while len(digits) > 3:
        digits, groups = digits[:-3], [digits[-3:], *groups]
    return sign + separator.join([digits, *groups])


@FAST
@given(n=st.integers(0, 10**15), decimal_comma=st.sampled_from(BOTH), data=st.data())
def test_a_count_written_in_any_accepted_style_parses_back_to_itself(n: int, decimal_comma: bool, data: st.DataObject) -> None:
    separator = data.draw(st.sampled_from(SEPARATORS[decimal_comma]), label="separator")
    text = _grouped(n, separator)
    assert _shown(text, decimal_comma) == count(float(n))
    assert _shown(str(n), decimal_comma) == count(float(n))
    mark = data.draw(st.sampled_from(MARKS), label="mark")
    assert _shown(text + mark, decimal_comma) == count(float(n), mark.strip())


@FAST
@given(units=st.integers(0, 10**6), decimals=st.integers(1, 3), data=st.data())
def test_a_decimal_written_as_the_form_writes_it_parses_back_to_itself(units: int, decimals: int, data: st.DataObject) -> None:
    fraction = data.draw(st.integers(0, 10**decimals - 1), label="fraction")
    dotted = f"{units}.{fraction:0{decimals}d}"
    expected = count(float(dotted))
    assert _shown(dotted, RU) == expected
    assert _shown(dotted, EN) == expected
    assert _shown(dotted.replace(".", ","), RU) == expected


@FAST
@given(value=st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False)), decimal_comma=st.sampled_from(BOTH))
def test_a_number_cell_is_that_number(value: float, decimal_comma: bool) -> None:
    read = _shown(value, decimal_comma)
    assert read == count(float(value))
    assert math.copysign(1.0, read[0]) == (-1.0 if value < 0 else 1.0), "a zero is never a negative zero"


@settings(max_examples=1000, deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=30), decimal_comma=st.sampled_from(BOTH))
def test_any_text_is_read_or_refused_never_raised(text: str, decimal_comma: bool) -> None:
    cell = parse_cell(text, decimal_comma=decimal_comma)
    assert cell.obs_status in {"A", "M"} and cell.obs_conf in {"F", "C"}
    if cell.error is not None or cell.obs_status == "M" or cell.obs_conf == "C":
        assert cell.value is None, "a refused, missing or confidential cell has no value"
    else:
        assert cell.value is not None and math.isfinite(cell.value), "a read cell has a finite value"
    if cell.error is not None:
        assert (cell.obs_status, cell.obs_conf, cell.footnote) == ("A", "F", None)
