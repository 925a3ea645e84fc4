"""The PDF edition: each language's workbook printed to PDF by LibreOffice, as its print settings lay it out.

Made when LibreOffice is installed (Debian: ``libreoffice-calc``) and not switched off (``YEARBOOK_PDF=0``, or
``yearbook build --no-pdf``). The workbooks are set in Arial: a machine without Arial or its metric-compatible
substitute Liberation Sans (``fonts-liberation2``) prints a wider font than the layout was made for, which
:func:`font_notice` says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from yearbook.config import PDF_SWITCH
from yearbook.publish.render import FONT

CONVERSION_TIMEOUT = 600  # seconds for the three workbooks


def office() -> str | None:
    """LibreOffice's command, or None when it is not installed."""
    return shutil.which("libreoffice") or shutil.which("soffice")


def wanted() -> bool:
    return os.environ.get(PDF_SWITCH, "1") != "0"


def not_made_notice() -> str | None:
    """Why a build makes no PDF edition (one line), or None when it makes one."""
    if not wanted():
        return f"no PDF edition: switched off ({PDF_SWITCH}=0)"
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


def to_pdf(workbooks: list[Path], folder: Path) -> list[Path]:
    """``<folder>/<workbook stem>.pdf`` of each workbook, in one LibreOffice run with a profile (and temporary files) of
    its own, so that neither a running instance nor another build interferes."""
    command = office()
    if command is None:
        raise FileNotFoundError(not_made_notice())
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="yearbook-office-") as profile:
        subprocess.run(
            [command, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(folder)]
            + [str(book) for book in workbooks],
            check=True,
            capture_output=True,
            timeout=CONVERSION_TIMEOUT,
            env={**os.environ, "TMPDIR": profile},
        )
    pdfs = [folder / f"{book.stem}.pdf" for book in workbooks]
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no {', '.join(missing)}")
    return pdfs
