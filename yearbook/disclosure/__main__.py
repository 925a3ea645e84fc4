"""``python -m yearbook.disclosure STORE``: audit the observations of a (published) store.

Prints how many figures are hidden per indicator, the narrowest interval a reader can compute for
a hidden figure, and every figure that is not protected, as a reader of that store can know them: a
store whose codes tell a small count from a complement (C and D) is audited under the bounds that tells.
Also every shown count the policy hides (1 .. threshold-1 of a sensitive indicator) and every hidden
figure that carries a value: a store changed after disclosure control. Exit status 0 when every hidden
figure is protected and no derived figure leaks a hidden input, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from yearbook.disclosure.policy import load_policy
from yearbook.disclosure.verify import verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yearbook.disclosure", description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a yearbook DuckDB file (its observations table is audited)")
    parser.add_argument("--policy", type=Path, default=None, help="disclosure policy (default: schemas/disclosure.yaml)")
    args = parser.parse_args(argv)
    with duckdb.connect(str(args.store), read_only=True) as con:
        observations = con.execute("SELECT * FROM observations").df()
    result = verify(observations, load_policy(args.policy))
    iv = result.intervals
    if len(iv):
        table = iv.groupby("indicator").agg(hidden=("width", "size"), narrowest=("width", "min"), required=("required", "max"))
        print(table.to_string())
    else:
        print("no hidden figure")
    print(result.protection.report())
    for r in result.derived_leaks.itertuples():
        print(f"derived figure published from a hidden input: {r.indicator} {r.time_period} {r.ref_area} sex={r.sex} flow={r.flow}")
    for label, rows in (("a small count shown", result.small_counts), ("a hidden figure with a value", result.hidden_values)):
        for r in rows.itertuples():
            print(f"{label}: {r.indicator} {r.time_period} {r.ref_area} sex={r.sex} age={r.age} crime={r.crime_type} flow={r.flow}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
