"""How much room a text takes in a printed cell: widths from the font's metrics, lines as Excel wraps them.

The workbooks set every text in Arial (and make Arial 10 the workbook's default font, the unit of its column
widths). Widths come from ``font_metrics.json`` (Liberation Sans, metric-compatible with Arial: written by
``tools/font_metrics.py``), so the layout is the same on every machine that builds. The constants below are those of
the stricter of the two programs a reader uses: Excel (7 pixels per column-width unit at 96 dpi, lines of about 1.2
times the font size) is narrower and taller than LibreOffice (5.55 points per unit, 1.12 times the size), and Excel's
hinted glyphs are up to a few per cent wider than their outlines.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib.resources import files

POINTS_PER_UNIT = 5.25  # a column-width unit in Excel: 7 px at 96 dpi (one digit of Arial 10)
CELL_PADDING = 4.0  # points of a cell's width that text never uses (margins on both sides)
INDENT = 9.0  # points one indent level takes
HINTING = 1.06  # Excel's glyphs at screen resolution against the font's outlines
LINE = 1.2  # a wrapped line's height, in font sizes
ROW_PADDING = 3.0  # points a row needs above and below its lines


@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[str, int], int, int]:
    """The font's advance widths, its widest advance and its units per em."""
    metrics = json.loads(files("yearbook").joinpath("font_metrics.json").read_text(encoding="utf-8"))
    advance: dict[str, int] = metrics["bold" if bold else "regular"]
    return advance, max(advance.values()), int(metrics["units_per_em"])


@lru_cache(maxsize=65536)  # the same labels are measured again for every table, column and language
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Points the text takes on one line (a character the font lacks counts as the widest one, to be safe)."""
    advance, widest, units_per_em = _advances(bold)
    units = sum(advance.get(ch, widest) for ch in text)
    return units / units_per_em * size * HINTING


def room(units: float, indent: int = 0) -> float:
    """Points of text a column ``units`` wide holds on one line."""
    return units * POINTS_PER_UNIT - CELL_PADDING - indent * INDENT


def units_for(text: str, size: float, bold: bool = False, indent: int = 0) -> float:
    """The column width that holds ``text`` on one line (its longest line if it has several)."""
    longest = max((text_width(part, size, bold) for part in str(text).split("\n")), default=0.0)
    return (longest + CELL_PADDING + indent * INDENT) / POINTS_PER_UNIT


def wrapped_lines(text: str, units: float, size: float, bold: bool = False, indent: int = 0) -> int:
    """Lines the text takes in a wrapping cell ``units`` wide: words filled greedily, a word too long for a line on
    lines of its own (Excel then breaks it between letters)."""
    width = max(room(units, indent), size)
    space = text_width(" ", size, bold)
    lines = 0
    for paragraph in str(text).split("\n"):
        used = None  # points used on the current line; None before the paragraph's first word
        count = 1
        for word in paragraph.split():
            w = text_width(word, size, bold)
            if used is None:
                used = w
            elif used + space + w <= width:
                used += space + w
                continue
            else:
                count += 1
                used = w
            if used > width:  # a word longer than the line: it runs over as many lines as it needs
                count += math.ceil(used / width) - 1
                used = used % width
        lines += count
    return max(lines, 1)


def row_height(lines: int, size: float) -> float:
    """Points a row needs for ``lines`` lines of text in ``size``."""
    return round(lines * LINE * size + ROW_PADDING, 1)


def longest_word_units(text: str, size: float, bold: bool = False) -> float:
    """The column width that holds the longest word of ``text`` (a narrower column breaks it between letters)."""
    return max((units_for(word, size, bold) for word in str(text).split()), default=0.0)
