"""Disclosure control of a built edition: what each method hides, per yearbook table, and how long it takes.

    python benchmarks/disclosure.py out-internal/yearbook_internal.duckdb [--markdown]

Reads the staff store's observations (every figure as reported) and runs disclosure control on them twice, with the
policy's ``secondary`` settings as declared and with the heuristic alone (``method: heuristic``, the method before
optimal suppression). For every yearbook table with a hidden figure -- the tables as declared and the redesigns
that may be printed instead, the printed ones marked -- it prints the cells, the hidden cells and their total value
under each method; then the hidden share of each sensitive indicator in the tables as printed (before: the heuristic
and every table as declared, none redesigned; after: the declared method and the tables the yearbook prints), and
the time of each run. With ``YEARBOOK_SCHEMAS`` set, the schemas of that folder (the district edition's) are used.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from yearbook.disclosure import load_policy, protect
from yearbook.model import KEY
from yearbook.publish.layout import crosstab_layout, load_context, printed_spec
from yearbook.publish.specs import load_yearbook_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/disclosure.py", description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a staff store (yearbook_internal.duckdb)")
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    args = parser.parse_args(argv)
    policy = load_policy()
    spec = load_yearbook_spec()
    with duckdb.connect(str(args.store), read_only=True) as con:
        observations = con.execute("SELECT * FROM observations").df()
        ctx = load_context(con, spec)
        printed = {t.id for t in printed_spec(con, spec, ctx).tables}
        layouts = [crosstab_layout(t, ctx) for t in spec.every_table() if t.kind == "crosstab"]
        cells = pd.DataFrame(
            [(x.table.id, x.table.number, *(key[k] for k in KEY)) for x in layouts for _, _, key in x.cells],
            columns=["table_id", "number", *KEY],
        )
    runs = {}
    for label, method in (("before (heuristic)", "heuristic"), (f"after ({policy.method})", policy.method)):
        started = time.perf_counter()
        result = protect(observations, dataclasses.replace(policy, method=method))
        runs[label] = (time.perf_counter() - started, result)
    values = observations[[*KEY, "value"]]
    rows = cells.merge(values, on=list(KEY), how="left")
    out = rows.groupby(["number", "table_id"], sort=False).size().rename("cells").to_frame()
    for label, (_, result) in runs.items():
        hidden = rows.merge(result.hidden[list(KEY)].assign(hidden=True), on=list(KEY), how="left")
        hidden["hidden"] = hidden["hidden"].fillna(False).astype(bool)
        grouped = hidden[hidden["hidden"]].groupby(["number", "table_id"], sort=False)
        out[f"hidden {label}"] = grouped.size()
        out[f"value {label}"] = grouped["value"].sum()
    out = out.fillna(0)
    out = out[out.filter(like="hidden").sum(axis=1) > 0].reset_index()
    out.insert(2, "printed", out["table_id"].isin(printed).map({True: "yes", False: ""}))
    _print(out.astype({c: int for c in out.columns if c.startswith(("hidden", "value", "cells"))}), args.markdown)

    declared = {t.id for t in spec.tables}  # before: every table as declared, none redesigned
    shares = []
    for code in sorted(policy.sensitive & set(rows["indicator"])):
        row: dict[str, object] = {"indicator": code}
        for (label, (_, result)), tables in zip(runs.items(), (declared, printed), strict=True):
            mine = rows[rows["table_id"].isin(tables) & (rows["indicator"] == code)]
            hit = mine.merge(result.hidden[list(KEY)], on=list(KEY), how="inner")
            row[f"printed cells {label}"] = len(mine)
            row[f"hidden share {label}"] = f"{100 * len(hit) / max(len(mine), 1):.1f} %"
        shares.append(row)
    print()
    _print(pd.DataFrame(shares), args.markdown)
    print()
    for label, (seconds, result) in runs.items():
        summary = result.summary.sum(numeric_only=True)
        print(
            f"{label}: {seconds:.1f} s; in the store {int(summary['primary'])} primary and {int(summary['secondary'])} "
            f"secondary figures hidden, {len(result.hidden)} in all"
        )
    return 0


def _print(frame: pd.DataFrame, markdown: bool) -> None:
    print(frame.to_markdown(index=False) if markdown else frame.to_string(index=False))


if __name__ == "__main__":
    sys.exit(main())
