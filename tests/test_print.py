"""The PDF edition as a reader sees it: ``yearbook build`` prints every workbook to PDF, and the print check
(:mod:`tests.print_check`) finds no text drawn over other text and no label cut, on every page of every language;
numbers read with the separators of their language. The check itself is shown to fail on a title made too long."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pdfplumber
import pytest
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from tests import print_check as check
from tests.conftest import ROOT
from yearbook.cli import main
from yearbook.config import PDF_SWITCH
from yearbook.publish import pdf
from yearbook.publish.specs import LANGUAGES, load_yearbook_spec

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pdf.office() is None or shutil.which("pdftotext") is None, reason="needs libreoffice-calc and poppler-utils"),
]


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo edition built by the command line with its PDF edition (the default when LibreOffice is installed)."""
    out = tmp_path_factory.mktemp("print") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PDF_SWITCH, "1")
        assert main(["build", "--raw", str(ROOT / "raw"), "--out", str(out)]) == 0
    return out


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_build_prints_every_workbook_beside_it(edition: Path) -> None:
    for lang in LANGUAGES:
        assert (edition / f"yearbook_{lang}.pdf").is_file(), lang
        assert (edition / "current" / f"yearbook_{lang}.pdf").is_file(), "part of the edition, published with it"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_overlaps_or_is_cut_on_any_page(edition: Path, lang: str) -> None:
    printed = edition / f"yearbook_{lang}.pdf"
    problems = check.check_pdf(printed) + check.missing_words(edition / f"yearbook_{lang}.xlsx", printed)
    assert not problems, "\n".join(map(str, problems[:40]))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_numbers_print_with_the_separators_of_their_language(edition: Path, lang: str) -> None:
    with duckdb.connect(str(edition / "yearbook.duckdb"), read_only=True) as con:
        children, rate = con.execute(
            "SELECT max(value) FILTER (indicator = 'POP_CHILD'), max(value) FILTER (indicator = 'MORT_INFANT_RATE') FROM observations "
            "WHERE ref_area = 'KZ' AND sex = '_T' AND age IN ('_T', 'Y0T17') AND area = '_T' "
            "AND time_period = (SELECT max(time_period) FROM observations WHERE indicator = 'POP_CHILD')"
        ).fetchone()
    text = _text(edition / f"yearbook_{lang}.pdf")
    thousands, decimal = (",", ".") if lang == "en" else (" ", ",")
    assert f"{int(children):,}".replace(",", thousands) in text
    assert f"{rate:.1f}".replace(".", decimal) in text
    figures = check.figures(edition / f"yearbook_{lang}.pdf")
    assert len(figures) > 1000
    if lang == "en":
        assert not [f for f in figures if re.fullmatch(r"\d+,\d", f)], "a decimal comma in English"
    else:
        assert not [f for f in figures if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d)?", f)], "a thousands comma in Kazakh or Russian"
        assert not [f for f in figures if re.fullmatch(r"\d+\.\d", f)], "a decimal point in Kazakh or Russian"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_sdg_table_prints_on_one_page_with_its_verdict_symbols(edition: Path, lang: str) -> None:
    """Section 8 (issue #22): every table, its trend charts included, is one landscape page that passes the print check;
    the overview prints the symbols of the verdicts it shows in the yearbook's font, not a fallback."""
    spec = load_yearbook_spec()
    section = next(s for s in spec.sections if s.id == "sdg")
    word = spec.text("table", lang)
    with duckdb.connect(str(edition / "yearbook.duckdb"), read_only=True) as con:
        verdicts = {v for (v,) in con.execute("SELECT DISTINCT verdict FROM sdg_progress").fetchall()}
    symbols = {spec.meta["sdg_verdicts"][v]["symbol"] for v in verdicts}
    with pdfplumber.open(edition / f"yearbook_{lang}.pdf") as document:
        pages = {n: page for n, page in enumerate(document.pages, start=1)}
        for table in section.tables:
            title = f"{word} {table.number}. "
            printed = [n for n, page in pages.items() if (page.extract_text() or "").startswith(title)]
            assert len(printed) == 1, (lang, table.number, printed)
            page = pages[printed[0]]
            assert page.width > page.height, (lang, table.number, "landscape")
            problems = check.check_page(page, printed[0])
            assert not problems, (lang, table.number, problems)
            if table.kind == "sdg_progress":
                fonts = {c["text"]: c["fontname"] for c in page.chars if c["text"] in symbols}
                assert set(fonts) == symbols and all("LiberationSans" in f for f in fonts.values()), (lang, fonts)


def _title_four_times_as_long(sheet: Worksheet) -> None:
    sheet["A1"].value = f"{sheet['A1'].value} " * 4  # in a row still as high as one title line


def _a_row_too_low_for_its_label(sheet: Worksheet) -> None:
    row = next(c.row for c in sheet["A"] if c.value and str(c.value).startswith("Shymkent"))
    sheet.cell(row=row, column=1).value = "Shymkent city, a label grown to three lines in a row left one line high " * 2
    sheet.row_dimensions[row].height = 13


def _a_note_of_three_lines_in_a_row_of_one(sheet: Worksheet) -> None:
    row = min(c.row for c in sheet["A"] if c.value and str(c.value).startswith("[note"))  # another note below it
    sheet.cell(row=row, column=1).value = f"{sheet.cell(row=row, column=1).value} " * 3
    sheet.row_dimensions[row].height = 13


def _a_label_that_does_not_wrap(sheet: Worksheet) -> None:
    cell = next(c for c in sheet["A"] if c.value and str(c.value).startswith("Shymkent"))
    cell.value = "Shymkent city, a label much longer than its column, which the figure beside it cuts short"
    cell.alignment = Alignment(wrap_text=False)


@pytest.mark.parametrize(
    ("spoil", "rule"),
    [
        (_title_four_times_as_long, "overlap"),
        (_a_note_of_three_lines_in_a_row_of_one, "overlap"),
        (_a_row_too_low_for_its_label, "cut"),
        (_a_label_that_does_not_wrap, "missing"),
    ],
)
def test_the_check_finds_text_drawn_over_or_cut(edition: Path, tmp_path: Path, spoil, rule: str) -> None:
    book = openpyxl.load_workbook(edition / "yearbook_en.xlsx")
    spoil(book["1.3"])  # a time series with three notes
    spoilt = tmp_path / "yearbook_en.xlsx"
    book.save(spoilt)
    printed = pdf.to_pdf([spoilt], tmp_path / "pdf")[0]
    problems = check.check_pdf(printed) + check.missing_words(spoilt, printed)
    assert any(p.rule == rule for p in problems), problems


def test_without_libreoffice_the_build_publishes_without_pdfs_and_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(PDF_SWITCH, "1")
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # the venv's commands: no LibreOffice among them
    assert pdf.office() is None
    out = tmp_path / "out"
    assert main(["build", "--raw", str(ROOT / "tests" / "fixtures" / "samples"), "--out", str(out)]) == 0
    assert "notice: no PDF edition: LibreOffice is not installed" in capsys.readouterr().err
    assert not list(out.glob("*.pdf"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_carries_its_number_and_the_number_of_pages(edition: Path, lang: str) -> None:
    """The footer of every sheet, the chart sheets' too (which had none until 3 December): "page / pages" in the band
    at the foot of the page."""
    unnumbered = []
    with pdfplumber.open(edition / f"yearbook_{lang}.pdf") as document:
        count = len(document.pages)
        for n, page in enumerate(document.pages, start=1):
            foot = " ".join(w["text"] for w in page.extract_words() if w["top"] > page.height * 0.93)
            if not re.search(rf"\b{n} / {count}$", foot):
                unnumbered.append((n, foot))
    assert not unnumbered, f"pages without 'page / {count}' at their foot: {unnumbered}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_pdf_is_tagged_and_declares_its_language(edition: Path, lang: str) -> None:
    info = subprocess.run(["pdfinfo", str(edition / f"yearbook_{lang}.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), "a structure a screen reader follows"
    declared = re.findall(rb"/Lang\s*\(([^)]*)\)", (edition / f"yearbook_{lang}.pdf").read_bytes())
    assert declared == [load_yearbook_spec().meta["document_language"][lang].encode()], declared
