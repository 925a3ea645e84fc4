"""The workbook formats FORMS.md accepts (.xlsx, .xls, .ods): telling them apart by content, the limits
an untrusted file must respect, and what each format says about its cells beyond their values.

python-calamine reads the values of all three (yearbook/workbook.py). It does not say which cells hold
an error (``#REF!``), a formula without a saved result, or a fraction formatted as a percentage; each
format module finds those in the file itself (:func:`facts`), so that no such cell is read as missing or
as a wrong number. File names are free text, so a file is recognised by its first bytes, not by its
extension.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls files and of password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MAX_FILE_BYTES = 100 * 1024 * 1024  # an .xls is not compressed: larger is no ministry form
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # zip formats: total size once inflated
MAX_ENTRIES = 2_000  # zip formats: entries of the archive
MAX_COMPRESSION_RATIO = 200  # zip formats: an entry over 1 MB inflating more than this is a zip bomb
MAX_CELLS_PER_SHEET = 2_000_000
PASSWORD_PROTECTED = "the workbook is password-protected: save it without a password (File > Info > Protect Workbook)"
MACROS = "the workbook contains macros: they are never run; only the values saved in its cells are read"
# quoted text, an escaped character, a padding or fill character (_x, *x), a colour or condition: no format's own %
_LITERAL = re.compile(r'"[^"]*"|[\\_*].|\[[^\]]*\]')


class UnsafeWorkbook(Exception):
    """The file is not a workbook that may be opened; the message says why, in the ministry's terms, and where, when
    one cell is the cause (``sheet``, ``cell``)."""

    def __init__(self, message: str, sheet: str | None = None, cell: str | None = None):
        super().__init__(message)
        self.sheet, self.cell = sheet, cell


Position = tuple[int, int]  # (row, column), 1-based: row 1 is sheet row 1, column 1 is column A
MergedRange = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first column), (last row, last column)), 0-based as calamine's


@dataclass
class SheetFacts:
    """What a sheet's file says of its cells beyond the values calamine returns."""

    errors: dict[Position, str] = field(default_factory=dict)  # cells holding an error: '#REF!', '#DIV/0!'
    unsaved_formulas: dict[Position, str] = field(default_factory=dict)  # formula cells with no saved result: the formula
    percent: set[Position] = field(default_factory=set)  # number cells formatted as a percentage (hold 0.734, show 73.4%)
    merged: list[MergedRange] | None = None  # merged ranges where calamine gives none (.ods); None: calamine's are used


def once_per_file(scan: Callable[[str], T]) -> Callable[[Path], T]:
    """One scan of a file serves a format's check and facts: the last file's result is kept, by path, size and
    modification time (a changed file is scanned anew)."""
    cached = functools.lru_cache(maxsize=1)(lambda path, size, mtime_ns: scan(path))

    def by_file(path: Path) -> T:
        stat = path.stat()
        return cached(str(path), stat.st_size, stat.st_mtime_ns)

    return by_file


def is_percent_format(code: str) -> bool:
    """A number format shows a positive number as a percentage when its first section has a % outside quoted text,
    escapes and padding ('0.0%', not '0.0"%"', '0_%' or '0.0;-0.0%')."""
    return "%" in _LITERAL.sub("", code).split(";")[0]


def is_time_format(code: str) -> bool:
    """A number format shows a date, a time or a duration when a section has a year, month, day, hour, minute or
    second outside quoted text, escapes and brackets ('dd.mm.yyyy', 'h:mm', '[h]:mm:ss', not 'General' or '0" m"')."""
    return code.strip().lower() != "general" and re.search(r"[ydhms]", _LITERAL.sub("", code), re.IGNORECASE) is not None


def check_zip_limits(archive: zipfile.ZipFile) -> set[str]:
    """The archive's entry names, once its entry count, inflated size and compression ratios are within the limits
    (a zip bomb is refused before anything is inflated)."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise UnsafeWorkbook(f"the archive has {len(entries)} entries (limit {MAX_ENTRIES})")
    total = sum(e.file_size for e in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnsafeWorkbook(f"uncompressed size {total} bytes exceeds the limit of {MAX_UNCOMPRESSED_BYTES}")
    for e in entries:
        if e.compress_size and e.file_size / e.compress_size > MAX_COMPRESSION_RATIO and e.file_size > 1_000_000:
            raise UnsafeWorkbook(
                f"entry {e.filename} expands {e.file_size // e.compress_size}:1 (limit {MAX_COMPRESSION_RATIO}:1): refused as a zip bomb"
            )
    return {e.filename for e in entries}


def sniff(path: Path) -> str:
    """The format of a workbook file by its first bytes: ``xlsx``, ``xls`` or ``ods``, or why it is none."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(96)
    except OSError as exc:
        raise UnsafeWorkbook(f"the file cannot be opened: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"the file has {size:,} bytes (limit {MAX_FILE_BYTES:,}): no form is that large")
    if head.startswith(OLE2_MAGIC):
        return "encrypted" if _is_encrypted_package(path) else "xls"
    if head.startswith(ZIP_MAGIC):
        # an OpenDocument file starts with its uncompressed 'mimetype' entry (ODF 1.2, 3.3)
        return "ods" if head[30:38] == b"mimetype" and ODS_MIMETYPE in head[38:] else "xlsx"
    raise UnsafeWorkbook("not a workbook (.xlsx, .xls or .ods): save it as Excel Workbook (.xlsx)")


def _is_encrypted_package(path: Path) -> bool:
    """A password-protected .xlsx is an OLE2 container holding the streams EncryptionInfo and EncryptedPackage."""
    name = "EncryptedPackage".encode("utf-16-le")
    chunk = 1 << 20
    with open(path, "rb") as f:
        tail = b""
        while block := f.read(chunk):
            if name in tail + block:
                return True
            tail = block[-len(name) :]  # a name split across two blocks
    return False
