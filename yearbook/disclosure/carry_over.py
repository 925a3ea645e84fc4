"""Disclosure control carried over, year by year, from the edition before.

No relation of the policy joins two reference years (each replaces one coordinate of a figure's key, never the year),
so the linked tables of a year are protected apart from every other year's: :func:`~yearbook.disclosure.protect` of
some years gives, for those years, what it gives when it protects every year. A build therefore protects again only
the years whose figures changed: a year keeps the hidden figures of the edition before when its *digest* is the one
that edition recorded. The digest (``sql/disclosure/year_digests.sql``) covers everything ``protect`` reads of the
year (every figure's key, value and code, as reported) and everything that decides what it does with them (the
schemas folder: policy, rules, code lists, indicators; the package's code; the solver's and the data libraries'
versions), so a changed threshold, rule, code list or program protects every year again. A full rebuild
(``yearbook build --full``, or ``carry_over: false`` in the launchpad) carries nothing over and gives the same store.

Within a year protected again, a linked table met again unchanged is not solved again either: the optimal model's
answer depends on its question alone (yearbook.disclosure.optimal.TableQuestion: the table's relations, figures,
published cells, protection and costs), and the answers of the edition before are kept by the question's digest
(``disclosure_answers``) with the year that gave them. A correction to one workbook therefore solves again only the
linked tables whose figures it changed.

The digests stay with staff (``disclosure_years`` and ``disclosure_answers`` in the staff store): a digest of
unsuppressed figures would let anyone confirm a guess at them.

One difference is possible and accepted: a linked table whose optimal suppression ran out of time in one build (the
heuristic's answer) may have been answered in the build whose year is carried over, or whose answer is kept (a kept
answer costs no time, so it is taken after the build's time budget is spent); both answers protect. A kept answer is
checked against its table before it is taken (it may hide only published cells, and must protect every confidential
one): one changed by hand that fails is solved again, one that still protects is taken.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import duckdb
import pandas as pd

from yearbook import workers
from yearbook.config import files_under, schemas_dir, sql_dir
from yearbook.disclosure.optimal import Answers
from yearbook.disclosure.policy import DisclosurePolicy
from yearbook.disclosure.suppress import primary_codes, protect
from yearbook.model import KEY, KEY_TYPES, render_sql

LOG = logging.getLogger(__name__)
YEARS_TABLE = "disclosure_years"  # staff store: time_period, digest
ANSWERS_TABLE = "disclosure_answers"  # staff store: time_period, digest, cells (optimal.Answers)
ANSWER_TYPES = {"time_period": "int32", "digest": "str", "cells": "object"}
YEAR = "time_period"
DECLARATIONS = {".yaml", ".csv"}  # what staff change in the schemas folder
NOT_CODE = {"assets", "schemas"}  # in a wheel, beside the modules: the Dagster assets (no part in protection), the schemas
SOLVING_LIBRARIES = ("highspy", "numpy", "pandas", "duckdb")  # a new release may break a tie another way
# the hidden figures' columns as DuckDB gives them to pandas (a year protected now and one carried over alike)
HIDDEN_TYPES = {column: "int32" if sql_type == "INTEGER" else "str" for column, sql_type in KEY_TYPES.items()} | {"reason": "str"}


@dataclass(frozen=True)
class Protected:
    """What disclosure control hid (the key of every hidden figure and why, in key order) and how."""

    hidden: pd.DataFrame
    digests: dict[int, str]  # per reference year: the digest of what protected it
    carried: list[int]  # the years whose hidden figures were carried over from the edition before
    answers: pd.DataFrame  # the optimal model's answers of the linked tables of every year (ANSWERS_TABLE)


def fingerprint() -> str:
    """A digest of what decides how figures are protected besides the figures: the declarations of the schemas folder
    (its YAML and CSV files, read again at every call: staff may change them between two builds of one process), the
    package's modules and SQL files, and the versions of the libraries that compute the protection. The same for a
    checkout and an installed wheel of the same commit: the Dagster assets and the schemas, which a wheel installs
    inside the package, are not counted as its code."""
    digest = hashlib.sha256()
    package, schemas = Path(str(files("yearbook"))), schemas_dir()
    sources = [(p.relative_to(schemas).as_posix(), p) for p in files_under(schemas) if p.suffix in DECLARATIONS]
    sources += [
        (f"yearbook/{p.relative_to(package).as_posix()}", p)
        for p in files_under(package)
        if p.suffix in {".py", ".sql"} and p.relative_to(package).parts[0] not in NOT_CODE
    ]
    for name, path in sorted(sources):
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for library in SOLVING_LIBRARIES:
        digest.update(f"{library}=={version(library)}".encode() + b"\0")
    return digest.hexdigest()


def year_digests(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """The digest of each reference year of the staff store attached as ``internal`` (its ``observations``, every figure
    as reported), with :func:`fingerprint`."""
    name = "disclosure/year_digests.sql"
    query = render_sql((sql_dir() / name).read_text(encoding="utf-8"), name)
    return {int(year): digest for year, digest in con.execute(query, [fingerprint()]).fetchall()}


def carried_over(con: duckdb.DuckDBPyConnection, store: str, digests: dict[int, str]) -> tuple[list[int], pd.DataFrame | None]:
    """The years whose digest the staff store attached as ``store`` (an edition before) recorded, and its hidden figures
    of those years (None: no year)."""
    if not {YEARS_TABLE, "disclosure_cells"} <= _tables_of(con, store):
        return [], None
    recorded = dict(con.execute(f"SELECT {YEAR}, digest FROM {store}.{YEARS_TABLE}").fetchall())
    years = sorted(y for y, d in digests.items() if recorded.get(y) == d)
    if not years:
        return [], None
    hidden = con.execute(f"SELECT {', '.join(KEY)}, reason FROM {store}.disclosure_cells WHERE list_contains(?, {YEAR})", [years]).df()
    return years, hidden


def kept_answers(con: duckdb.DuckDBPyConnection, store: str) -> pd.DataFrame:
    """The optimal model's answers the staff store attached as ``store`` (an edition before) kept (none in a store made
    before they were kept)."""
    if ANSWERS_TABLE not in _tables_of(con, store):
        return _no_answers()
    return con.execute(f"SELECT {', '.join(ANSWER_TYPES)} FROM {store}.{ANSWERS_TABLE}").df()


def _tables_of(con: duckdb.DuckDBPyConnection, store: str) -> set[str]:
    """The tables of the store attached as ``store``."""
    return {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [store]).fetchall()}


def protect_years(
    figures_of: Callable[[int], pd.DataFrame],
    policy: DisclosurePolicy,
    digests: dict[int, str],
    carried: tuple[list[int], pd.DataFrame | None],
    answers: pd.DataFrame | None = None,
) -> Protected:
    """The hidden figures of every year of ``digests`` (``figures_of(year)``: its KEY, value and obs_conf, what
    :func:`~yearbook.disclosure.protect` reads): the ``carried`` years' as the edition before hid them, every other
    year's protected now, in key order, with the optimal model's ``answers`` kept by the edition before (see
    :func:`kept_answers`). Raises ``DisclosureError`` as ``protect`` does.

    Year by year: no linked table spans two years, so protecting them apart gives what protecting them together gives,
    and a process holds one year's figures and linked tables at a time (a third of the district edition's peak
    memory); the years are protected side by side, one per CPU (:func:`_protect_each`), the newest first. The optimal
    model's time budget is the build's: each year gets what the years finished before left of it."""
    years, earlier = carried
    if any(spec.case.axis == YEAR for spec in policy.relations):  # a relation across years: no year stands alone
        LOG.info("disclosure control: a relation across reference years is declared; every year is protected again")
        years, earlier = [], None
    if earlier is not None and (unhidden := _confidential_shown(figures_of, years, earlier, policy)):
        LOG.warning("disclosure control: the edition before shows %d confidential figure(s) of %s; protected again", len(unhidden), years)
        years, earlier = [], None
    before = answers if answers is not None else _no_answers()
    kept = Answers(fingerprint(), dict(zip(before["digest"], map(tuple, before["cells"]), strict=True)))
    protected = _protect_each(figures_of, sorted(set(digests) - set(years), reverse=True), policy, kept)  # the newest, largest first
    parts = ([] if earlier is None else [earlier]) + [hidden for hidden, _ in protected.values()]
    hidden = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*KEY, "reason"])
    given = [
        pd.DataFrame({YEAR: year, "digest": list(found), "cells": [list(cells) for cells in found.values()]})
        for year, (_, found) in protected.items()
    ]
    answers_now = pd.concat([before[before[YEAR].isin(years)], *given], ignore_index=True).astype(ANSWER_TYPES)
    return Protected(
        hidden.astype(HIDDEN_TYPES).sort_values(KEY, ignore_index=True),
        digests,
        years,
        answers_now.sort_values([YEAR, "digest"], ignore_index=True),
    )


def _no_answers() -> pd.DataFrame:
    """No answers kept (a first build, a full rebuild, a store made before they were kept)."""
    return pd.DataFrame({column: pd.Series(dtype=kind) for column, kind in ANSWER_TYPES.items()})


def _protect_each(
    figures_of: Callable[[int], pd.DataFrame], years: list[int], policy: DisclosurePolicy, kept: Answers
) -> dict[int, tuple[pd.DataFrame, dict[str, tuple[int, ...]]]]:
    """The hidden figures of each of ``years`` and the optimal model's answers that protected it, the years protected
    in worker processes side by side when there are several (:mod:`yearbook.workers`), started in the order given.
    The optimal model's time budget is shared: a year starts with what the years finished before left of it (two years
    side by side may together spend up to twice what was left, in the same time); once it is spent, the years still to
    protect get the heuristic's answer (a table answered before keeps its answer: it costs no time)."""
    done: dict[int, tuple[pd.DataFrame, dict[str, tuple[int, ...]]]] = {}
    spent, slots = 0.0, workers.worker_count(len(years))

    def budget() -> DisclosurePolicy:
        return replace(policy, time_budget=max(0.0, policy.time_budget - spent))

    with workers.worker_pool(slots) as pool:
        if pool is None:
            for year in years:
                hidden, seconds, found = _protect_year(figures_of(year), budget(), kept)
                done[year], spent = (hidden, found), spent + seconds
            return done
        running: dict[Future, int] = {}
        for year in years:
            if len(running) == slots:
                spent += _collect(running, done)
            running[workers.submit(pool, _protect_year, figures_of(year), budget(), kept)] = year
        while running:
            spent += _collect(running, done)
    return done


def _collect(running: dict[Future, int], done: dict[int, tuple[pd.DataFrame, dict[str, tuple[int, ...]]]]) -> float:
    """The first of the ``running`` years to finish, into ``done``; the seconds it spent in the optimal model."""
    finished, _ = wait(running, return_when=FIRST_COMPLETED)
    future = finished.pop()
    hidden, seconds, found = workers.result(future)
    done[running.pop(future)] = (hidden, found)
    return seconds


def _protect_year(figures: pd.DataFrame, policy: DisclosurePolicy, kept: Answers) -> tuple[pd.DataFrame, float, dict[str, tuple[int, ...]]]:
    """One year's hidden figures, the seconds protecting it spent in the optimal model and the optimal model's answers
    (all a worker sends back)."""
    result = protect(figures, policy, answers=Answers(kept.salt, kept.kept))
    return result.hidden, result.optimal_seconds, result.answers


def _confidential_shown(
    figures_of: Callable[[int], pd.DataFrame], years: list[int], hidden: pd.DataFrame, policy: DisclosurePolicy
) -> list[tuple]:
    """The keys of figures of ``years`` the policy hides for themselves (step 1 of protection: a small count, or
    withheld by the ministry) that ``hidden`` (carried over) does not hide: none unless the staff store of the edition
    before was changed by hand."""
    keys = set(hidden[KEY].itertuples(index=False, name=None))
    shown = []
    for year in years:
        reported = figures_of(year)
        conf, _, _ = primary_codes(reported, policy)
        shown += [key for key in reported.loc[conf == "C", KEY].itertuples(index=False, name=None) if key not in keys]
    return shown
