"""Render the yearbook from a store, outside the pipeline, and optionally check its print layout.

    python -m yearbook.publish out/yearbook.duckdb /tmp/yearbook --pdf

writes ``yearbook_{kk,ru,en}.xlsx`` and ``tables/yb_<id>.csv`` into the folder; with ``--pdf`` it also
converts each workbook with LibreOffice (``libreoffice --headless --convert-to pdf``) into ``pdf/``
and turns the first pages into PNG images (``pdftoppm -png -r 60``) to look at.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from yearbook.publish import pdf
from yearbook.publish.layout import REASONS_TABLE
from yearbook.publish.views import render_yearbook


def to_pdf(workbooks: list[Path], folder: Path, pages: int) -> list[Path]:
    """The PDF edition of the workbooks (:mod:`yearbook.publish.pdf`) and PNGs of the first pages of each, to look at."""
    if pdf.office() is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs libreoffice and pdftoppm: apt-get install -y libreoffice-calc poppler-utils fonts-liberation2")
    pdfs = pdf.to_pdf(workbooks, folder)
    for printed in pdfs:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(pages), str(printed), str(folder / printed.stem)], check=True, timeout=600
        )
    return pdfs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yearbook.publish", description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="the DuckDB store (opened read-only)")
    parser.add_argument("folder", type=Path, help="where to write the workbooks, tables/ and pdf/")
    parser.add_argument("--pdf", action="store_true", help="also convert to PDF with LibreOffice and render pages to PNG")
    parser.add_argument("--pages", type=int, default=8, help="how many pages of each PDF to render as PNG (default 8)")
    parser.add_argument(
        "--staff", action="store_true", help="render the staff store (every figure as reported) into a folder only its owner may enter"
    )
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.store), read_only=True) as con:
        found = con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{REASONS_TABLE}'").fetchone()
    assert found is not None  # a count without GROUP BY is one row
    staff = bool(found[0])
    if staff and not args.staff:
        parser.error(f"{args.store} is the staff store, without disclosure control: render the public store, or pass --staff")
    previous = os.umask(0o077) if staff else None  # the staff's workbooks and CSVs: private, like the staff area
    try:
        books, csvs = render_yearbook(args.store, args.folder, args.folder / "tables")
    finally:
        if previous is not None:
            os.umask(previous)
    print(f"{len(books)} workbooks and {len(csvs)} CSV files in {args.folder}")
    if args.pdf:
        for pdf in to_pdf(books, args.folder / "pdf", args.pages):
            print(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
