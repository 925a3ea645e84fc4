"""Yearbook table specs: ``schemas/tables/<n>_<section>.yaml``, one file per section, plus ``yearbook.yaml``.

A section file holds ``section`` (``id``, ``title``) and ``tables``, a list of specs. A spec's keys:

``id``
    Lower-case identifier; the table's view is ``yb_<id>`` and its CSV ``yb_<id>.csv``.
``kind``
    ``crosstab`` (default): figures of ``observations`` laid out by ``rows`` and ``columns``;
    ``sdg_progress``: one row per national series of the SDG map, its progress towards 2030 (the store's
    ``sdg_progress``); ``sdg_equity``: one row per equity gap of the latest year it has (the store's ``sdg_equity``).
    Both lay themselves out (:mod:`yearbook.publish.sdg_pages`): only ``id``, ``title``, ``unit``, ``source``,
    ``years`` and ``notes`` apply.
``title``
    kk/ru/en; ``{years}`` is replaced by the years shown (``2022`` or ``2016–2022``).
``unit``
    The store's unit code shared by all the table's indicators (``PS``, ``NUM``, ``PT``,
    ``PER_1000_LB``), or ``mixed``: units then go into the indicator headings.
``source``
    The forms the figures come from (``yearbook.yaml`` names the body behind each form in each year).
``indicators``
    Indicator codes, in the order they are shown when ``indicator`` is on an axis.
``rows`` / ``columns``
    Dimensions laid out down / across: ``ref_area``, ``time_period``, ``indicator``, a dimension of
    :data:`yearbook.model.DIMENSIONS`, or (columns only) ``disaggregation``:
    a total column, then one column per code of each dimension in ``disaggregations``.
``filters``
    Fixed codes of dimensions that are on neither axis. Unlisted: ``_T``; ``ref_area``: ``KZ``.
``members``
    Codes of an axis dimension in display order (default: the codes the indicators have, in
    code-list order; ``ref_area``: KZ then the regions that exist in the years shown, in the
    official order; ``time_period``: the years shown).
``labels``
    kk/ru/en labels that replace the code-list name of a code in this table (e.g. ``of whom ...``).
``years``
    ``latest`` (the latest reference year of the edition), ``all_reference_years`` (every reference
    year of the edition, from the first one built: a time series), or ``all_available`` (every year
    the indicators have; survey years).
``notes``
    Table notes (kk/ru/en), marked ``[note N]`` in the title.
``trend_charts``
    ``true``: a small line chart of each indicator under the table, drawing its row of the table (a crosstab of
    ``rows: [indicator]`` and ``columns: [time_period]``; :func:`yearbook.publish.sdg_pages.add_trend_charts`).
``redesign``
    A coarser layout printed instead when disclosure control would hide too much of this one:
    ``when_hidden_over`` (the share of the table's cells hidden in the store above which the
    redesign is printed), ``note`` (kk/ru/en, added to the notes of the tables printed instead) and
    ``tables``, one or more specs that take every key not given from this one but ``rows``,
    ``columns``, ``filters`` and ``disaggregations`` (and ``members``, ``labels`` of the axes they
    keep). One table keeps this table's number; several are numbered 6.1a, 6.1b, ...
    (:func:`yearbook.publish.layout.printed_spec` decides, from the store.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from yearbook.config import load_yaml, schemas_dir
from yearbook.model import DIMENSIONS, KEY, NATIONAL, TOTAL

LANGUAGES = ("kk", "ru", "en")
AXIS_DIMENSIONS = ("ref_area", "time_period", "indicator", *DIMENSIONS)
UNITS = ("PS", "NUM", "PT", "PER_1000_LB")
KINDS = ("crosstab", "sdg_progress", "sdg_equity")
YEAR_SPANS = ("latest", "all_reference_years", "all_available")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

Text = dict[str, str]


class SpecError(ValueError):
    """A table spec that cannot be rendered."""


@dataclass(frozen=True)
class TableSpec:
    id: str
    section: str
    number: str  # "<section>.<position>", e.g. "1.3"
    kind: str
    title: Text
    unit: str
    source: tuple[str, ...]
    indicators: tuple[str, ...]
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    filters: dict[str, str]
    members: dict[str, tuple[str, ...]]
    labels: dict[str, Text]
    years: str  # one of YEAR_SPANS
    notes: tuple[Text, ...]
    disaggregations: tuple[str, ...] = ()
    redesign: Redesign | None = None
    trend_charts: bool = False

    @property
    def view(self) -> str:
        return f"yb_{self.id}"

    @property
    def sheet(self) -> str:
        return self.number

    def fixed(self) -> dict[str, str]:
        """The code of every key dimension that is on neither axis."""
        axes = set(self.rows) | set(self.columns)
        if "disaggregation" in axes:
            axes |= set(self.disaggregations)
        out = {}
        for dim in KEY:
            if dim in axes or dim in ("indicator", "time_period"):
                continue
            out[dim] = self.filters.get(dim, NATIONAL if dim == "ref_area" else TOTAL)
        return out


@dataclass(frozen=True)
class Redesign:
    """The tables printed instead of a table when more than ``when_hidden_over`` of its cells would show ``x``."""

    when_hidden_over: float
    tables: tuple[TableSpec, ...]


@dataclass(frozen=True)
class Section:
    number: int
    id: str
    title: Text
    tables: tuple[TableSpec, ...]


@dataclass(frozen=True)
class YearbookSpec:
    sections: tuple[Section, ...]
    meta: dict = field(default_factory=dict)  # yearbook.yaml

    @property
    def tables(self) -> list[TableSpec]:
        return [t for s in self.sections for t in s.tables]

    def every_table(self) -> list[TableSpec]:
        """The tables and the redesigns that may be printed instead of them."""
        return [x for t in self.tables for x in (t, *(t.redesign.tables if t.redesign else ()))]

    def text(self, key: str, lang: str, **fields: object) -> str:
        return self.meta["text"][key][lang].format(**fields)

    def source_names(self, form: str, years: list[int]) -> list[tuple[Text, list[int]]]:
        """The names of the body behind ``form`` in ``years`` (``yearbook.yaml``'s ``sources``), in order, each with
        the years it applies to: a body renamed or split within the years has several names."""
        out = []
        for period in self.meta["sources"][form]:
            first, last = period.get("from"), period.get("to")
            applies = [y for y in years if (first is None or y >= first) and (last is None or y <= last)]
            if applies:
                out.append(({lang: period[lang] for lang in LANGUAGES}, applies))
        return out

    def printed_unit(self, unit: str, indicators: tuple[str, ...]) -> str:
        """The unit code whose name the figures of ``indicators`` (of store unit ``unit``) print in: a count stored as
        ``NUM`` (a number of anything) prints in the unit of what it counts (``yearbook.yaml``'s ``count_units``)."""
        units = {self.meta.get("count_units", {}).get(ind, unit) for ind in indicators}
        return units.pop() if len(units) == 1 else unit

    def table(self, table_id: str) -> TableSpec:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)


def tables_dir() -> Path:
    return schemas_dir() / "tables"


def load_yearbook_spec(folder: Path | None = None) -> YearbookSpec:
    """Every section file (``<n>_*.yaml``, in number order) and ``yearbook.yaml`` of ``folder``."""
    return _load(str(folder or tables_dir()))


@lru_cache(maxsize=4)
def _load(folder: str) -> YearbookSpec:
    base = Path(folder)
    meta = load_yaml(base / "yearbook.yaml")
    files = sorted((p for p in base.glob("*.yaml") if re.match(r"^\d+_", p.name)), key=lambda p: int(p.name.split("_")[0]))
    sections = []
    for path in files:
        raw = load_yaml(path)
        number = int(path.name.split("_")[0])
        sec = raw["section"]
        tables = tuple(_table(t, sec["id"], f"{number}.{i}", path.name) for i, t in enumerate(raw["tables"], start=1))
        sections.append(Section(number, sec["id"], _text(sec["title"], f"{path.name}: section title"), tables))
    spec = YearbookSpec(tuple(sections), meta)
    _check(spec)
    return spec


def _text(value: object, where: str) -> Text:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise SpecError(f"{where}: needs a text in each of {', '.join(LANGUAGES)}")
    return dict(value)


def _table(raw: dict, section: str, number: str, file: str) -> TableSpec:
    where = f"{file}: table {raw.get('id', number)}"
    known = {
        "id", "kind", "title", "unit", "source", "indicators", "rows", "columns", "filters",
        "members", "labels", "years", "notes", "disaggregations", "redesign", "trend_charts",
    }  # fmt: skip
    if unknown := set(raw) - known:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
    years = raw.get("years", "latest")
    if years not in YEAR_SPANS:
        raise SpecError(f"{where}: years must be one of {', '.join(YEAR_SPANS)}")
    return TableSpec(
        id=raw["id"],
        section=section,
        number=number,
        kind=raw.get("kind", "crosstab"),
        title=_text(raw["title"], f"{where}: title"),
        unit=raw["unit"],
        source=tuple(raw["source"]),
        indicators=tuple(raw.get("indicators", ())),
        rows=tuple(raw.get("rows", ())),
        columns=tuple(raw.get("columns", ())),
        filters={k: str(v) for k, v in (raw.get("filters") or {}).items()},
        members={k: tuple(str(c) for c in v) for k, v in (raw.get("members") or {}).items()},
        labels={k: _text(v, f"{where}: label {k}") for k, v in (raw.get("labels") or {}).items()},
        years=years,
        notes=tuple(_text(n, f"{where}: note") for n in raw.get("notes") or ()),
        disaggregations=tuple(raw.get("disaggregations", ())),
        redesign=_redesign(raw, section, number, file, where) if "redesign" in raw else None,
        trend_charts=bool(raw.get("trend_charts", False)),
    )


LAYOUT_KEYS = ("rows", "columns", "filters", "disaggregations")  # a redesign gives its own


def _redesign(raw: dict, section: str, number: str, file: str, where: str) -> Redesign:
    spec = raw["redesign"]
    if set(spec) != {"when_hidden_over", "note", "tables"} or not 0 < len(spec["tables"]) <= 26:
        raise SpecError(f"{where}: redesign needs when_hidden_over, note and tables (at most 26, lettered a to z)")
    share = float(spec["when_hidden_over"])
    if not 0 <= share < 1:
        raise SpecError(f"{where}: redesign.when_hidden_over must be a share from 0 to 1")
    note = _text(spec["note"], f"{where}: redesign note")
    inherited = {k: v for k, v in raw.items() if k not in (*LAYOUT_KEYS, "redesign", "id", "title")}
    tables = []
    for i, sub in enumerate(spec["tables"]):
        if "redesign" in sub:
            raise SpecError(f"{where}: a redesign table cannot have a redesign of its own")
        merged = inherited | sub
        axes = set(merged.get("rows", ())) | set(merged.get("columns", ())) | set(merged.get("disaggregations", ()))
        if "members" not in sub and "members" in merged:
            merged["members"] = {dim: codes for dim, codes in merged["members"].items() if dim in axes}
        merged["notes"] = [*(merged.get("notes") or ()), note]
        suffix = "" if len(spec["tables"]) == 1 else chr(ord("a") + i)
        tables.append(_table(merged, section, number + suffix, file))
    return Redesign(share, tuple(tables))


def _check_meta(meta: dict) -> None:
    """Every text of ``yearbook.yaml`` in the three languages (an unquoted comma in a flow mapping would split one)."""
    for group in ("text", "sheet_names", "units", "dimensions"):
        for key, value in meta[group].items():
            if key != "symbol_rows":
                _text(value, f"yearbook.yaml: {group}.{key}")
    for _, meaning in meta["text"]["symbol_rows"]:
        _text(meaning, "yearbook.yaml: text.symbol_rows")
    for form, periods in meta["sources"].items():
        _check_source_periods(form, periods)
    for verdict, declared in meta["sdg_verdicts"].items():
        if not str(declared.get("symbol") or "").strip():
            raise SpecError(f"yearbook.yaml: sdg_verdicts.{verdict} needs its symbol")
        _text({k: v for k, v in declared.items() if k != "symbol"}, f"yearbook.yaml: sdg_verdicts.{verdict}")
    if set(meta.get("count_units", {}).values()) - set(meta["units"]):
        raise SpecError("yearbook.yaml: count_units must name units of yearbook.yaml units")
    for i, note in enumerate(meta.get("geography_notes", [])):
        _text(note["text"], f"yearbook.yaml: geography_notes[{i}]")
    years = [note["year"] for note in meta.get("geography_notes", [])]
    if len(set(years)) < len(years):  # a note's id in the stores is its year (yearbook/publish/notes.py)
        raise SpecError("yearbook.yaml: geography_notes: one note per year (merge the regions and texts of a year)")
    for key in ("rename_note", "missing_form_note", "footnote_mark_note"):
        _text(meta[key], f"yearbook.yaml: {key}")
    formats = meta.get("csv_format") or {}
    malformed = [f for f in formats.values() if set(f) != {"delimiter", "decimal"} or f["delimiter"] == f["decimal"]]
    if set(formats) != set(LANGUAGES) or malformed:
        raise SpecError(f"yearbook.yaml: csv_format must give each of {', '.join(LANGUAGES)} a delimiter and a different decimal sign")
    locales = meta.get("number_locale") or {}
    if set(locales) != set(LANGUAGES) or not all(re.fullmatch(r"(\[\$-[0-9A-F]{3,4}\])?", str(v)) for v in locales.values()):
        raise SpecError(f"yearbook.yaml: number_locale must give each of {', '.join(LANGUAGES)} a locale like [$-419], or ''")
    tags = meta.get("document_language") or {}
    if set(tags) != set(LANGUAGES) or not all(re.fullmatch(rf"{lang}-[A-Z]{{2}}", str(tags[lang])) for lang in tags):
        raise SpecError(f"yearbook.yaml: document_language must give each of {', '.join(LANGUAGES)} its tag, like ru-RU")
    _check_front_matter(meta)
    names = [meta["sheet_names"][s][lang] for s in meta["sheet_names"] for lang in LANGUAGES]
    if any(len(n) > 31 or set(n) & set("[]:*?/\\") for n in names):
        raise SpecError("yearbook.yaml: sheet names must be at most 31 characters, without []:*?/\\")


def _check_front_matter(meta: dict) -> None:
    """The cover's edition and contact, the month names of its date and the key figures (yearbook/publish/front_matter.py)."""
    if not isinstance(meta["edition"]["year"], int) or not isinstance(meta["edition"]["release_date"], date | None):
        raise SpecError("yearbook.yaml: edition needs a year and a release_date (YYYY-MM-DD, or empty)")
    if meta["contact"].get("address"):
        _text(meta["contact"]["address"], "yearbook.yaml: contact.address")
    months, separators = meta["month_names"], meta["digit_group_separator"]
    if set(months) != set(LANGUAGES) or any(len(m) != 12 for m in months.values()) or set(separators) != set(LANGUAGES):
        raise SpecError(f"yearbook.yaml: month_names (twelve) and digit_group_separator are needed in each of {', '.join(LANGUAGES)}")
    for figure in meta["key_figures"]:
        if set(figure) - {"indicator", "filters"} or set(figure.get("filters") or {}) - set(DIMENSIONS):
            raise SpecError(f"yearbook.yaml: key figure {figure}: an indicator and filters of the dimensions {', '.join(DIMENSIONS)}")


def _check_source_periods(form: str, periods: object) -> None:
    """A form's names cover every year once: the first open at its start, each next one from the year after the
    previous one's ``to``, the last open at its end."""
    where = f"yearbook.yaml: sources.{form}"
    if not isinstance(periods, list) or not periods:
        raise SpecError(f"{where}: needs a list of names, each with the reference years it applies to (from, to)")
    for i, period in enumerate(periods):
        _text({k: v for k, v in period.items() if k not in ("from", "to")}, f"{where}[{i}]")
        first, last = period.get("from"), period.get("to")
        if (first is None) != (i == 0) or (last is None) != (i == len(periods) - 1):
            raise SpecError(f"{where}[{i}]: only the first name is open at its start (no from), only the last at its end (no to)")
        if i and first != periods[i - 1]["to"] + 1:
            raise SpecError(f"{where}[{i}]: from must be the year after the previous name's to")


def _check(spec: YearbookSpec) -> None:
    _check_meta(spec.meta)
    seen: set[str] = set()
    sources = set(spec.meta["sources"])
    for t in spec.every_table():
        where = f"table {t.number} ({t.id})"
        if not _ID.match(t.id) or t.id in seen:
            raise SpecError(f"{where}: the id must be unique, lower case, letters, digits and _")
        seen.add(t.id)
        if t.kind not in KINDS:
            raise SpecError(f"{where}: kind must be one of {KINDS}")
        if t.unit not in (*UNITS, "mixed"):
            raise SpecError(f"{where}: unit must be one of {UNITS} or mixed")
        if not t.source or set(t.source) - sources:
            raise SpecError(f"{where}: every source form must be named in yearbook.yaml sources")
        if t.kind != "crosstab":
            continue
        if t.trend_charts and (t.rows, t.columns) != (("indicator",), ("time_period",)):
            raise SpecError(f"{where}: trend_charts need rows: [indicator] and columns: [time_period]")
        if not t.indicators:
            raise SpecError(f"{where}: no indicators")
        axes = t.rows + t.columns
        if not t.rows or len(set(axes)) != len(axes):
            raise SpecError(f"{where}: rows must be given and no dimension may be on both axes")
        for dim in axes:
            if dim not in AXIS_DIMENSIONS and not (dim == "disaggregation" and dim in t.columns):
                raise SpecError(f"{where}: unknown axis dimension {dim}")
        if "disaggregation" in axes and (
            not t.disaggregations or set(t.disaggregations) & set(axes) or set(t.disaggregations) - set(DIMENSIONS)
        ):
            raise SpecError(f"{where}: disaggregation needs disaggregations, dimensions that are on no axis")
        if set(t.filters) & set(axes) or set(t.filters) - set(KEY) or "indicator" in t.filters or "time_period" in t.filters:
            raise SpecError(f"{where}: filters must name key dimensions that are on neither axis")
        if t.years != "latest" and "time_period" not in axes:
            raise SpecError(f"{where}: several years need time_period on an axis")
        if t.unit != "mixed" and len({spec.meta.get("count_units", {}).get(i, t.unit) for i in t.indicators}) > 1:
            raise SpecError(f"{where}: the indicators of a table of one unit must print in one unit (count_units)")
        if t.unit == "mixed" and "indicator" not in axes:
            raise SpecError(f"{where}: mixed units need indicator on an axis")
        if "age" in axes + t.disaggregations and "age" not in t.members:
            raise SpecError(f"{where}: age on an axis needs its members (the age groups to show, in order)")
        if set(t.members) - set(axes):
            raise SpecError(f"{where}: members given for a dimension that is not on an axis")
