"""``python -m yearbook.demo RAW_DIR``: write the demo edition (2016-2022) into RAW_DIR."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from yearbook.demo.edition import DEFAULT_SEED, DEMO_YEARS, write_demo_edition


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yearbook.demo", description=__doc__)
    parser.add_argument("raw_dir", type=Path, help="the raw folder to write <year>/...xlsx into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the seed of figures and drift (default {DEFAULT_SEED})")
    parser.add_argument("--years", type=int, nargs="+", default=list(DEMO_YEARS), help="reference years (default 2016-2022)")
    parser.add_argument("--replace", action="store_true", help="delete the year folders being written first")
    args = parser.parse_args(argv)
    folders = [args.raw_dir / str(y) for y in args.years]
    occupied = [f for f in folders if f.is_dir() and any(f.iterdir())]
    if occupied and not args.replace:
        print(f"not empty: {', '.join(map(str, occupied))} (use --replace to overwrite)", file=sys.stderr)
        return 1
    for folder in occupied:
        shutil.rmtree(folder)
    paths = write_demo_edition(args.raw_dir, args.years, args.seed)
    print(f"wrote {len(paths)} workbooks for {args.years[0]}-{args.years[-1]} into {args.raw_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
