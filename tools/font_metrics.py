"""Writes ``yearbook/font_metrics.json``: the advance widths of the yearbook's font (Arial), from Liberation
Sans, the metric-compatible free font LibreOffice prints Arial with on Linux (same widths by design).

The layout (:mod:`yearbook.textfit`) reads the file, so that row heights and column widths do not depend on
the fonts of the machine that builds. Run again only to cover more characters:

    pip install fonttools && python tools/font_metrics.py /usr/share/fonts/truetype/liberation2
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

# Latin, Cyrillic (Kazakh letters included), punctuation, letter-like symbols (№), arrows, the minus sign.
RANGES = [(0x20, 0x24F), (0x400, 0x52F), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2212, 0x2212)]
TARGET = Path(__file__).resolve().parents[1] / "yearbook" / "font_metrics.json"


def widths(path: Path) -> dict[str, int]:
    font = TTFont(path)
    cmap, advance = font.getBestCmap(), font["hmtx"]
    return {chr(c): advance[cmap[c]][0] for lo, hi in RANGES for c in range(lo, hi + 1) if c in cmap}


def main(folder: Path) -> None:
    regular = TTFont(folder / "LiberationSans-Regular.ttf")
    metrics = {
        "font": "Liberation Sans " + regular["name"].getDebugName(5),
        "units_per_em": regular["head"].unitsPerEm,
        "regular": widths(folder / "LiberationSans-Regular.ttf"),
        "bold": widths(folder / "LiberationSans-Bold.ttf"),
    }
    TARGET.write_text(json.dumps(metrics, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(metrics['regular'])} characters of {metrics['font']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
