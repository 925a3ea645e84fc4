"""The PDF edition: each language's workbook printed to PDF by LibreOffice, as its print settings lay it out.

Made when LibreOffice is installed (Debian: ``libreoffice-calc``) and not switched off (``YEARBOOK_PDF=0``, or
``yearbook build --no-pdf``). The workbooks are set in Arial: a machine without Arial or its metric-compatible
substitute Liberation Sans (``fonts-liberation2``) prints a wider font than the layout was made for, which
:func:`font_notice` says.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from yearbook.config import PDF_SWITCH
from yearbook.publish.render import FONT

CONVERSION_TIMEOUT = 600  # seconds for one workbook


def office() -> str | None:
    """LibreOffice's command, or None when it is not installed."""
    return shutil.which("libreoffice") or shutil.which("soffice")


def wanted() -> bool:
    return os.environ.get(PDF_SWITCH, "1") != "0"


def not_made_notice() -> str | None:
    """Why a build makes no PDF edition (one line), or None when it makes one."""
    if not wanted():
        return f"no PDF edition: switched off (--no-pdf, or {PDF_SWITCH}=0)"
    if office() is None:
        return "no PDF edition: LibreOffice is not installed (Debian: apt-get install libreoffice-calc)"
    return None


def font_notice() -> str | None:
    """A line when this machine prints Arial in a font of other widths (the PDF may then show cut or overlapping text)."""
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(["fc-match", "-f", "%{family}", FONT], capture_output=True, text=True, timeout=30).stdout
    if any(name in found for name in (FONT, "Liberation Sans")):
        return None
    return f"the PDF edition is set in {found or 'another font'} instead of {FONT}: install fonts-liberation2 for the layout it is made for"


# LibreOffice's PDF export, tagged (a structure screen readers follow), in the language of the profile's locale
EXPORT = 'pdf:calc_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>{tag}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{tag}</value></prop></item>
</oor:items>
"""


def language(workbook: Path) -> str:
    """The workbook's declared language (its core properties, BCP 47 such as ru-RU), or "" when it declares none."""
    with zipfile.ZipFile(workbook) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
    found = re.search(r"<dc:language>([^<]*)</dc:language>", core)
    return found.group(1) if found else ""


def to_pdf(workbooks: list[Path], folder: Path) -> list[Path]:
    """``<folder>/<workbook stem>.pdf`` of each workbook, tagged and in the workbook's language: one LibreOffice run
    each, with a profile (and temporary files) of its own whose locale is that language, so that neither a running
    instance nor another build interferes."""
    command = office()
    if command is None:
        raise FileNotFoundError(not_made_notice())
    folder.mkdir(parents=True, exist_ok=True)
    pdfs = []
    for book in workbooks:
        with tempfile.TemporaryDirectory(prefix="yearbook-office-") as profile:
            tag = language(book)
            if tag:
                (Path(profile) / "user").mkdir()
                (Path(profile) / "user" / "registrymodifications.xcu").write_text(PROFILE.format(tag=tag), encoding="utf-8")
            done = subprocess.run(
                [command, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", EXPORT]
                + ["--outdir", str(folder), str(book)],
                capture_output=True,
                text=True,
                timeout=CONVERSION_TIMEOUT,
                env={**os.environ, "TMPDIR": profile},
            )
        printed = folder / f"{book.stem}.pdf"
        if done.returncode or not printed.is_file():
            said = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"LibreOffice did not print {book.name} (exit {done.returncode}): {' / '.join(said) or 'no message'}")
        pdfs.append(printed)
    return pdfs
