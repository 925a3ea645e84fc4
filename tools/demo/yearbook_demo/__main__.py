"""``python -m yearbook_demo RAW_DIR``: write the demo edition (2016-2022) into RAW_DIR.

``--districts N --schemas DIR``: N synthetic districts as rows instead of the regions
(the scale benchmark), with the schemas folder whose code lists know them (``YEARBOOK_SCHEMAS=DIR``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from yearbook_demo.edition import DEFAULT_SEED, DEMO_YEARS, write_demo_edition
from yearbook_demo.geography import ATOMS, REGIONS, district_geography, write_geography_schemas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yearbook_demo", description=__doc__)
    parser.add_argument("raw_dir", type=Path, help="the raw folder to write <year>/...xlsx into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the seed of figures and drift (default {DEFAULT_SEED})")
    parser.add_argument("--years", type=int, nargs="+", default=list(DEMO_YEARS), help="reference years (default 2016-2022)")
    parser.add_argument("--replace", action="store_true", help="delete the year folders being written first")
    parser.add_argument("--districts", type=int, metavar="N", help="N synthetic districts as rows instead of the regions")
    parser.add_argument("--schemas", type=Path, metavar="DIR", help="with --districts: write the matching schemas folder here")
    args = parser.parse_args(argv)
    if (args.districts is None) != (args.schemas is None):
        parser.error("--districts and --schemas go together: a district edition is read with its own code lists")
    if args.districts is not None and args.districts < len(ATOMS):
        parser.error(f"--districts: at least {len(ATOMS)} (one per region)")
    if args.schemas is not None and args.schemas.exists() and any(args.schemas.iterdir()):
        parser.error(f"--schemas {args.schemas}: not empty (the district schemas go into a new folder)")
    folders = [args.raw_dir / str(y) for y in args.years]
    occupied = [f for f in folders if f.is_dir() and any(f.iterdir())]
    if occupied and not args.replace:
        print(f"not empty: {', '.join(map(str, occupied))} (use --replace to overwrite)", file=sys.stderr)
        return 1
    for folder in occupied:
        shutil.rmtree(folder)
    geography = REGIONS if args.districts is None else district_geography(args.districts, args.seed)
    paths = write_demo_edition(args.raw_dir, args.years, args.seed, geography=geography)
    print(f"wrote {len(paths)} workbooks for {args.years[0]}-{args.years[-1]} into {args.raw_dir}")
    if args.schemas is not None:
        write_geography_schemas(geography, args.schemas)
        print(f"wrote the schemas folder for {len(geography.atoms)} districts into {args.schemas} (set YEARBOOK_SCHEMAS={args.schemas})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
