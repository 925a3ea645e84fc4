"""What differs between two published editions, the run id set aside.

Compares every file two builds published (public folder and staff folder): each table and view
of a DuckDB store row by row, each cell of a workbook and each part of its archive (styles, merges, footers), each CSV
line, the text of each PDF page. The run id (and the time a
build started, which travels with it) is replaced by a placeholder first, so two builds of the
same inputs by the same code compare equal. Used by tests and, from the command line, to record
that a change of code changes no output:

    python tests/edition_diff.py OUT_A OUT_B [INTERNAL_A INTERNAL_B]
"""

from __future__ import annotations

import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl

RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?")


def _plain(value: object) -> object:
    if isinstance(value, str):
        return TIMESTAMP.sub("<time>", RUN_ID.sub("<run>", value))
    if hasattr(value, "isoformat") and not isinstance(value, int | float):
        return "<time>"
    return value


def _store_rows(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        rows = {}
        for name in names:
            columns = tuple(f"{column} {kind}" for column, kind, *_ in con.execute(f'DESCRIBE "{name}"').fetchall())
            relation = con.execute(f'SELECT * FROM "{name}"')
            body = [tuple(_plain(v) for v in row) for row in relation.fetchall()]
            rows[name] = [columns, *sorted(body, key=repr)]
        return rows
    finally:
        con.close()


def _workbook_cells(path: Path) -> dict[str, list]:
    """Each sheet's values by title, and each part of the archive as XML, a tag a line: styles, merges, footers and
    hyperlinks are not values."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        parts: dict[str, list] = {
            sheet.title: [tuple(_plain(v) for v in row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
        }
    finally:
        book.close()
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            xml = archive.read(member).decode("utf-8")
            parts[f"xml {member}"] = [_plain(tag) for tag in xml.replace("><", ">\n<").splitlines()]
    return parts


def _pdf_pages(path: Path) -> dict[str, list]:
    """The text of every page (a PDF's bytes hold the time it was made)."""
    import pdfplumber  # a dev dependency, as this script is

    with pdfplumber.open(path) as pdf:
        return {f"page {n}": [_plain(line) for line in (page.extract_text() or "").splitlines()] for n, page in enumerate(pdf.pages, 1)}


def _contents(path: Path) -> dict[str, list]:
    if path.suffix == ".duckdb":
        return _store_rows(path)
    if path.suffix == ".xlsx":
        return _workbook_cells(path)
    if path.suffix == ".pdf":
        return _pdf_pages(path)
    return {"": [_plain(line) for line in path.read_text(encoding="utf-8-sig").splitlines()]}


def _published_files(folder: Path) -> dict[str, Path]:
    root = (folder / "current").resolve() if (folder / "current").exists() else folder
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def differences(folder_a: Path, folder_b: Path) -> Iterator[str]:
    """One line per difference: a file only one side has, or the first differing part of a file."""
    files_a, files_b = _published_files(folder_a), _published_files(folder_b)
    for name in sorted(files_a.keys() ^ files_b.keys()):
        yield f"{name}: only in {folder_a if name in files_a else folder_b}"
    for name in sorted(files_a.keys() & files_b.keys()):
        parts_a, parts_b = _contents(files_a[name]), _contents(files_b[name])
        for part in sorted(parts_a.keys() | parts_b.keys()):
            rows_a, rows_b = parts_a.get(part), parts_b.get(part)
            if rows_a == rows_b:
                continue
            if rows_a is None or rows_b is None:
                yield f"{name}: {part}: only on one side"
                continue
            first = next((i for i, (a, b) in enumerate(zip(rows_a, rows_b, strict=False)) if a != b), min(len(rows_a), len(rows_b)))
            yield (
                f"{name}: {part}: {len(rows_a)} vs {len(rows_b)} rows; first difference at row {first}: "
                f"{rows_a[first] if first < len(rows_a) else '-'} vs {rows_b[first] if first < len(rows_b) else '-'}"
            )


if __name__ == "__main__":
    folders = [Path(a) for a in sys.argv[1:]]
    if len(folders) not in (2, 4):
        sys.exit(__doc__)
    found = [line for a, b in zip(folders[::2], folders[1::2], strict=True) for line in differences(a, b)]
    print("\n".join(found) or "identical (run id and build time aside)")
    sys.exit(1 if found else 0)
