"""One kind of layout drift at a time, the three geographies, and the demo's labels against the specs."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from yearbook_demo import DEFAULT_SEED, DRIFT_KINDS, FORM_CODES, FORMS_BY_CODE, Drift, applies, demo_truth, write_demo_edition
from yearbook_demo.forms import columns

from yearbook.codelists import load_codelists
from yearbook.labels import label_variants, normalize_label
from yearbook.model import KEY as OBSERVATION_KEY
from yearbook.specs import load_forms
from yearbook.submissions import discover, figures_frame, read_submission

YEAR = 2019  # a survey folder: all eight forms
KEY = [*OBSERVATION_KEY, "check_only"]  # a figure's key


def _read(raw: Path) -> pd.DataFrame:
    files, passed_over = discover(raw)
    assert passed_over == []
    subs = [read_submission(f) for f in files]
    lines = [p.line() for s in subs for p in s.problems]
    assert not lines, "\n".join(lines[:40])
    return figures_frame(subs)


def _assert_equal_to_truth(got: pd.DataFrame, truth: pd.DataFrame) -> None:
    merged = got.merge(truth, on=KEY, how="outer", suffixes=("_read", "_true"), indicator=True)
    missing = merged[merged["_merge"] != "both"]
    assert missing.empty, f"figures read and written differ:\n{missing[[*KEY, '_merge']].head(20)}"
    same_value = (merged["value_read"] - merged["value_true"]).abs().lt(1e-9) | (merged["value_read"].isna() & merged["value_true"].isna())
    same = same_value & merged["obs_status_read"].eq(merged["obs_status_true"]) & merged["obs_conf_read"].eq(merged["obs_conf_true"])
    wrong = merged[~same][[*KEY, "value_read", "value_true", "obs_conf_read", "obs_conf_true", "source_file", "source_cell", "raw"]]
    assert wrong.empty, f"{len(wrong)} figures differ from the truth:\n{wrong.head(20).to_string()}"


def _digests(raw: Path, paths: list[Path]) -> dict[str, tuple[str, str]]:
    """form code -> (path under the raw folder, content digest)."""
    out = {}
    for path in paths:
        code = next(c for c in FORM_CODES if c in _form_codes(path))
        out[code] = (path.relative_to(raw).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def _form_codes(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(max_row=6, values_only=True) for v in row if v)
    finally:
        wb.close()


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return demo_truth([YEAR], DEFAULT_SEED)


@pytest.fixture(scope="module")
def tidy(tmp_path_factory: pytest.TempPathFactory, truth: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """The edition of one year without any drift: read, it equals the truth."""
    raw = tmp_path_factory.mktemp("tidy")
    paths = write_demo_edition(raw, [YEAR], drift=Drift())
    _assert_equal_to_truth(_read(raw), truth)
    return _digests(raw, paths)


def test_a_tidy_edition_reads_as_the_truth(tidy: dict[str, tuple[str, str]]) -> None:
    assert set(tidy) == set(FORM_CODES)
    assert all(path == f"{YEAR}/{code}.xlsx" for code, (path, _) in tidy.items())


@pytest.mark.parametrize("kind", DRIFT_KINDS)
def test_one_kind_of_drift(kind: str, tmp_path: Path, tidy: dict[str, tuple[str, str]], truth: pd.DataFrame) -> None:
    forms = [code for code in FORM_CODES if applies(kind, FORMS_BY_CODE[code])]
    assert forms, f"no form can show {kind}"
    paths = write_demo_edition(tmp_path, [YEAR], drift=Drift.only(kind), forms=forms)
    _assert_equal_to_truth(_read(tmp_path), truth[truth["form"].isin(forms)])
    drifted = _digests(tmp_path, paths)
    changed = [code for code in forms if drifted[code] != tidy[code]]
    assert changed, f"{kind} left every workbook as tidy as without drift"


GROUP_LABEL_KINDS = ("group_label_omitted", "group_label_added")
CANNOT_APPLY = [(kind, code) for kind in GROUP_LABEL_KINDS for code in FORM_CODES if not applies(kind, FORMS_BY_CODE[code])]


def _replace_group_labels(path: Path, label: str | None) -> set[tuple[str, str]]:
    """In a tidy workbook, every group label of a two-row header replaced by ``label`` (None: left out); returns the
    (sheet, cell) of the sub-column labels under them."""
    book = openpyxl.load_workbook(path)
    under: set[tuple[str, str]] = set()
    for ws in book.worksheets:
        lower = next((r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value is None and any(c.value for c in ws[r])), None)
        for cell in ws[lower] if lower else ():
            if cell.value is not None:
                under.add((ws.title, cell.coordinate))
                group = ws.cell(lower - 1, cell.column)
                group.value = label if group.value is not None else None
    book.save(path)
    return under


@pytest.mark.parametrize(("kind", "code"), CANNOT_APPLY, ids=[f"{kind}-{code}" for kind, code in CANNOT_APPLY])
def test_a_group_label_a_form_cannot_do_without(kind: str, code: str, tmp_path: Path, truth: pd.DataFrame) -> None:
    """Where a kind cannot apply, a ministry doing it anyway: its group labels left out, or an "of which" word written
    in their place. Each sub-column label that no longer names one column alone (F-DEM-2's "всего" under three
    groups) is refused at its header cell; nothing is read into a wrong column. F-GP-1's offenders and victims sheets,
    both sexes under three groups, are then told apart by nothing: one is missing, the other twice. A form without
    group labels (F-MICS-1) has none to leave out: it reads as written."""
    (path,) = write_demo_edition(tmp_path, [YEAR], drift=Drift(), forms=[code])
    under = _replace_group_labels(path, None if kind == "group_label_omitted" else FORMS_BY_CODE[code].of_which[0])
    files, _ = discover(tmp_path)
    sub = read_submission(files[0])
    ambiguous = [p for p in sub.problems if p.rule == "ambiguous_column"]
    indistinct = {"missing_sheet", "duplicate_sheet"} if code == "F-GP-1" else set()
    assert {p.rule for p in sub.problems} <= {"ambiguous_column", "missing_column", *indistinct}, [p.line() for p in sub.problems]
    assert bool(ambiguous) == bool(under)
    book = openpyxl.load_workbook(path)
    for p in ambiguous:  # at the group cell where the label must be written (a header left with one row: at the label)
        cell = book[p.sheet][p.cell]
        label = cell if (p.sheet, p.cell) in under else cell.offset(row=1)
        assert (p.sheet, label.coordinate) in under
        assert str(label.value) in p.values and "could be" in p.message
    got = figures_frame([sub])
    truth = truth[truth["form"] == code]
    merged = got.merge(truth, on=KEY, how="left", suffixes=("_read", "_true"), indicator=True)
    assert (merged["_merge"] == "both").all()
    both_missing = merged["value_read"].isna() & merged["value_true"].isna()
    assert ((merged["value_read"] - merged["value_true"]).abs().lt(1e-9) | both_missing).all(), "a figure read into a wrong column"
    assert len(got) < len(truth) if under else len(got) == len(truth)


def test_drift_switches() -> None:
    assert Drift().kinds == frozenset()
    assert Drift.only("merged_cells", "row_order").kinds == {"merged_cells", "row_order"}
    assert Drift.every().kinds == set(DRIFT_KINDS)
    with pytest.raises(ValueError, match="unknown drift kind"):
        Drift.only("merged_cell")
    assert Drift.only("thousands_commas").within(FORMS_BY_CODE["F-DEM-1"]) == Drift(), "no thousands commas in a Russian form"
    assert Drift.only("decimal_comma").within(FORMS_BY_CODE["F-MOH-1"]) == Drift(), "no decimal commas in an English form"


GEOGRAPHIES = [
    (2017, {"KZ-51"}, {"KZ-61", "KZ-79", "KZ-10", "KZ-33", "KZ-62"}, "г. Астана"),
    (2019, {"KZ-61", "KZ-79"}, {"KZ-51", "KZ-10", "KZ-33", "KZ-62"}, "г. Нур-Султан"),
    (2022, {"KZ-10", "KZ-33", "KZ-62", "KZ-61", "KZ-79"}, {"KZ-51"}, "г. Астана"),
]


@pytest.mark.parametrize(("year", "present", "absent", "capital"), GEOGRAPHIES, ids=[str(g[0]) for g in GEOGRAPHIES])
def test_the_geography_in_force(year: int, present: set[str], absent: set[str], capital: str, tmp_path: Path) -> None:
    forms = ["F-DEM-2", "F-MOES-1", "F-MOH-1"]  # region labels in Russian, Kazakh and English
    paths = write_demo_edition(tmp_path, [year], drift=Drift(), forms=forms)
    got = _read(tmp_path)
    _assert_equal_to_truth(got, demo_truth([year], DEFAULT_SEED, forms))
    expected = {"KZ", *load_codelists().regions_valid_in(year)}
    assert len(expected) == {2017: 17, 2019: 18, 2022: 21}[year]
    for form, figures in got.groupby("form"):
        assert set(figures["ref_area"]) == expected, form
    assert present <= expected and not absent & expected
    dem2 = next(p for p in paths if "F-DEM-2" in p.name)
    labels = {ws.cell(r, 1).value for ws in openpyxl.load_workbook(dem2).worksheets for r in range(1, ws.max_row + 1)}
    assert capital in labels


def test_every_demo_label_is_one_the_specs_accept() -> None:
    """Every header and row label the generator may write (synonyms too) maps to the key it stands for."""
    specs = load_forms()
    for form in FORMS_BY_CODE.values():
        for sheet in form.sheets:
            spec = next(s for s in specs[form.code].sheets if s.role == sheet.role)
            sheet_indicator = dict(sheet.key).get("indicator")
            for _, top, sub in columns(sheet) if sheet.header else ():
                meant = {**dict(top.key if top else ()), **dict(sub.key if sub else ())}
                for labels in itertools.product(*[h.labels for h in (top, sub) if h is not None]):
                    variants = [label_variants(x) for x in labels]
                    leaf = next((lf for lf in spec.leaves if any(lf.matches(c) for c in itertools.product(*variants))), None)
                    assert leaf is not None, (form.code, sheet.role, labels)
                    indicator = meant.get("indicator", sheet_indicator)
                    if indicator:
                        assert leaf.indicator == indicator, (form.code, labels)
                    assert leaf.check_only == meant.get("check_only", False), (form.code, labels)
                    for dim, code in leaf.dims:
                        assert meant.get(dim, "_T") == code, (form.code, labels, dim)
            for head in sheet.row_heads:
                (dim, code), *_ = [(d, c) for d, c in head.key if d in ("age", "indicator")]
                for label in head.labels:
                    assert spec.rows.labels.get(normalize_label(label)) == code, (form.code, label)
        for word in form.of_which:
            assert specs[form.code].of_which.is_word(word), (form.code, word)
