"""The print check: proves from a PDF's positioned text that nothing on a page draws over anything else and no text is
cut, as a reader looking at the printed yearbook would see it.

For every page the words are read with their boxes in the order they are drawn (``pdfplumber``), and the cell borders
as the ruling lines the PDF draws. A page fails when

- two words drawn apart overlap (one text printed over another: a title running into the unit line, a wrapped label
  into the row below);
- a word inside the ruled part of a page (a table) leaves the cell it starts in, i.e. crosses a ruling line: a label
  or heading cut at its cell's edge (LibreOffice draws such text clipped, but still draws it);
- a cell shows ``###`` (a number too wide for its column);
- a word runs past the page's edge;
- the page's body text is smaller than :data:`SMALLEST` points, or any text smaller than :data:`SMALLEST_ANY`: a table
  shrunk to fit its page beyond easy reading.

And :func:`missing_words` finds, against the workbook, text that LibreOffice cut and did not draw at all.

Not a test module itself: ``tests/test_print.py`` runs it on the published PDFs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pdfplumber

TOLERANCE = 0.8  # points a glyph box may reach past a border or into another (anti-aliasing, rounding)
OVERLAP = 0.15  # share of the smaller word's box two words may share before one is drawn over the other
HASHES = re.compile(r"^#{2,}$")
SMALLEST = 6.5  # points: the 10-point text of a table printed at 65 %
SMALLEST_ANY = 5.5  # points: the smallest text on a page (a 9-point source line at 61 %)


@dataclass(frozen=True)
class PrintProblem:
    page: int  # from 1
    rule: str  # overlap | cut | hashes | small | missing
    text: str  # the word (and the other word of an overlap)

    def __str__(self) -> str:
        return f"page {self.page}: {self.rule}: {self.text}"


@dataclass(frozen=True)
class _Box:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def _overlaps(words: list[_Box]) -> list[tuple[_Box, _Box]]:
    """Pairs of words whose boxes share more than :data:`OVERLAP` of the smaller one (a sweep down the page)."""
    found = []
    ordered = sorted(words, key=lambda w: w.top)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.top >= a.bottom:
                break
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.bottom, b.bottom) - max(a.top, b.top)
            if w <= 0 or h <= 0:
                continue
            smaller = min((a.x1 - a.x0) * (a.bottom - a.top), (b.x1 - b.x0) * (b.bottom - b.top))
            if w * h > OVERLAP * smaller:
                found.append((a, b))
    return found


@dataclass
class _Rules:
    """The ruling lines of a page: vertical (x, top, bottom) and horizontal (y, x0, x1)."""

    vertical: list[tuple[float, float, float]]
    horizontal: list[tuple[float, float, float]]

    def cell(self, x: float, y: float) -> tuple[float, float, float, float] | None:
        """The ruled cell around a point: (left, right, top, bottom), None outside the ruled part of the page."""
        left = [v for v, top, bottom in self.vertical if v <= x and top - TOLERANCE <= y <= bottom + TOLERANCE]
        right = [v for v, top, bottom in self.vertical if v > x and top - TOLERANCE <= y <= bottom + TOLERANCE]
        above = [h for h, x0, x1 in self.horizontal if h <= y and x0 - TOLERANCE <= x <= x1 + TOLERANCE]
        below = [h for h, x0, x1 in self.horizontal if h > y and x0 - TOLERANCE <= x <= x1 + TOLERANCE]
        if not (left and right and above and below):
            return None
        return max(left), min(right), max(above), min(below)


def _rules(page: pdfplumber.page.Page) -> _Rules:
    vertical, horizontal = [], []
    for line in page.lines:
        if abs(line["x0"] - line["x1"]) < 0.1:
            vertical.append((line["x0"], line["top"], line["bottom"]))
        elif abs(line["top"] - line["bottom"]) < 0.1:
            horizontal.append((line["top"], line["x0"], line["x1"]))
    return _Rules(vertical, horizontal)


def _off_page(w: _Box, page: pdfplumber.page.Page) -> bool:
    return w.x0 < -TOLERANCE or w.top < -TOLERANCE or w.x1 > page.width + TOLERANCE or w.bottom > page.height + TOLERANCE


def check_page(page: pdfplumber.page.Page, number: int) -> list[PrintProblem]:
    """The problems of one page (see the module's docstring)."""
    words = [
        _Box(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
        for w in page.extract_words(use_text_flow=True, keep_blank_chars=False, x_tolerance=1.5)
    ]
    problems = [PrintProblem(number, "hashes", w.text) for w in words if HASHES.match(w.text)]
    sizes = Counter(round(c["size"], 1) for c in page.chars if c["upright"])  # a rotated glyph's size is not its height
    if sizes and sizes.most_common(1)[0][0] < SMALLEST:
        problems.append(PrintProblem(number, "small", f"body text of {sizes.most_common(1)[0][0]} pt"))
    elif sizes and min(sizes) < SMALLEST_ANY:
        problems.append(PrintProblem(number, "small", f"text of {min(sizes)} pt"))
    problems += [PrintProblem(number, "overlap", f"«{a.text}» and «{b.text}»") for a, b in _overlaps(words)]
    problems += [PrintProblem(number, "cut", f"«{w.text}» runs past the page's edge") for w in words if _off_page(w, page)]
    rules = _rules(page)
    for w in words:
        cell = rules.cell(w.x0 + min(2.0, (w.x1 - w.x0) / 2), (w.top + w.bottom) / 2)
        if cell is None:
            continue
        left, right, top, bottom = cell
        if w.x1 > right + TOLERANCE or w.top < top - TOLERANCE or w.bottom > bottom + TOLERANCE:
            problems.append(PrintProblem(number, "cut", f"«{w.text}» crosses its cell's border"))
    return problems


def _pieces(word: str) -> list[str]:
    """A word cut after each hyphen or dash: where a line may break (LibreOffice breaks "2016–2022" after the dash)."""
    return re.findall(r"[^-–—]*[-–—]|[^-–—]+", word)


def missing_words(workbook: Path, pdf: Path) -> list[PrintProblem]:
    """Words of the workbook's texts (every text cell in the print area of every worksheet) that the PDF does not
    print as often: text LibreOffice cut and did not draw at all (past its cell, the page or the print area)."""
    book = openpyxl.load_workbook(workbook)
    wanted: Counter[str] = Counter()
    for ws in book.worksheets:
        area = ws.print_area
        ranges = [r.split("!")[-1].replace("$", "") for r in (area if isinstance(area, list) else [area or ws.dimensions])]
        for cells in (ws[r] for r in ranges):
            for row in cells if isinstance(cells, tuple) else ((cells,),):
                for cell in row if isinstance(row, tuple) else (row,):
                    if isinstance(cell.value, str):
                        wanted.update(p for word in cell.value.split() for p in _pieces(word))
    with pdfplumber.open(pdf) as document:
        printed = Counter(
            p for page in document.pages for w in page.extract_words(use_text_flow=True, x_tolerance=1.5) for p in _pieces(w["text"])
        )
    return [PrintProblem(0, "missing", f"«{word}» ({n} of {wanted[word]} not printed)") for word, n in (wanted - printed).items()]


def figures(path: Path) -> list[str]:
    """The words of every page that stand at the right edge of a ruled cell: the figures of the tables (texts stand
    at the left)."""
    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            rules = _rules(page)
            for w in page.extract_words(use_text_flow=True, x_tolerance=1.5):
                cell = rules.cell(w["x1"] - 1, (w["top"] + w["bottom"]) / 2)
                if cell is not None and cell[1] - w["x1"] < 4:
                    found.append(w["text"])
    return found


def check_pdf(path: Path) -> list[PrintProblem]:
    """Every print problem of every page of ``path``."""
    with pdfplumber.open(path) as pdf:
        return [p for number, page in enumerate(pdf.pages, start=1) for p in check_page(page, number)]


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        book = Path(arg).with_suffix(".xlsx")  # the workbook printed, when it lies beside
        found = check_pdf(Path(arg)) + (missing_words(book, Path(arg)) if book.exists() else [])
        print(f"{arg}: {len(found)} problem(s)")
        for problem in found:
            print(f"  {problem}")
