"""The data model is said once (yearbook/model.py, the formulas in schemas/indicators.yaml): a new derived indicator is
one edit of data, and no other module spells the key, a dimension list or the national code out."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLES
from yearbook import model
from yearbook.model import DIMENSIONS, KEY, NATIONAL, derived_formulas, render_sql
from yearbook.problems import problems_frame
from yearbook.store import BuildRecord, build_store
from yearbook.submissions import discover, figures_frame, read_submission

PACKAGE = ROOT / "yearbook"
MODEL = PACKAGE / "model.py"


def _sources() -> list[Path]:
    return sorted(p for p in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.sql")] if p != MODEL and "__pycache__" not in p.parts)


def test_no_module_but_the_model_spells_out_the_dimensions_or_the_national_code() -> None:
    """A dimension list is found by its last dimension; a key spelled out contains it too."""
    last = DIMENSIONS[-1]
    national = re.compile(rf"""['"]{NATIONAL}['"]""")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if last in line or national.search(line)
    ]
    assert not found, "\n".join(found)


def test_every_sql_file_renders_with_the_model_names() -> None:
    for path in sorted((PACKAGE / "sql").rglob("*.sql")):
        rendered = render_sql(path.read_text(encoding="utf-8"))
        assert "{" not in rendered.replace("{{", ""), path.name
    created = render_sql("CREATE TABLE t ({key_definition}, PRIMARY KEY ({key}))")
    con = duckdb.connect()
    con.execute(created)
    assert [c for c, *_ in con.execute("DESCRIBE t").fetchall()] == KEY
    assert render_sql("{coordinates_of[o]}") == ", ".join(f"o.{c}" for c in KEY[1:])


def test_the_formulas_are_read_from_indicators_yaml() -> None:
    formulas = derived_formulas()
    assert formulas["MORT_INFANT_RATE"].text == "DEATHS_INFANT / BIRTHS_LIVE * 1000"
    assert formulas["MIG_NET"].text == "MIG_ARRIVALS - MIG_DEPARTURES"
    assert formulas["MIG_NET"].inputs == ("MIG_ARRIVALS", "MIG_DEPARTURES")


def _declare(schemas: Path, entry: str) -> None:
    path = schemas / "indicators.yaml"
    path.write_text(path.read_text(encoding="utf-8") + entry, encoding="utf-8")


NEW_RATIO = """
INFANT_SHARE_OF_U5:
  form: derived
  unit: PT
  decimals: 1
  formula: {divide: DEATHS_INFANT, by: DEATHS_U5, times: 100}
  name: {en: Infant deaths among under-five deaths, ru: Доля умерших до 1 года, kk: 1 жасқа дейін қайтыс болғандар үлесі}
  definition: {en: Deaths under one per 100 deaths under five, ru: На 100 умерших до 5 лет, kk: 5 жасқа дейін 100 қайтыс болғанға}
"""


def test_a_new_derived_indicator_is_one_entry_of_indicators_yaml(schemas_copy: Path, tmp_path: Path) -> None:
    _declare(schemas_copy, NEW_RATIO)
    files, _ = discover(SAMPLES)
    subs = [read_submission(f) for f in files]
    store = tmp_path / "store.duckdb"
    inventory = pd.DataFrame(columns=["file", "year", "form", "sha256"])
    build_store(store, [figures_frame(subs)], BuildRecord(inventory, problems_frame([]), "t"))
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            "SELECT s.value, i.value / u.value * 100, i.ref_area FROM observations AS s "
            "JOIN observations AS i USING (ref_area, time_period, sex) JOIN observations AS u USING (ref_area, time_period, sex) "
            "WHERE s.indicator = 'INFANT_SHARE_OF_U5' AND i.indicator = 'DEATHS_INFANT' AND u.indicator = 'DEATHS_U5'"
        ).fetchall()
        (formula,) = con.execute("SELECT formula FROM indicators WHERE code = 'INFANT_SHARE_OF_U5'").fetchone()
    assert len(rows) > 10 and {area for *_, area in rows} >= {NATIONAL}
    assert all(value == pytest.approx(expected) for value, expected, _ in rows)
    assert formula == "DEATHS_INFANT / DEATHS_U5 * 100"


def test_an_input_read_at_fixed_coordinates() -> None:
    """TSA_CHILD (age _T) per 100 of POP_CHILD at age Y0T17: the share stands at the numerator's age, written with the
    denominator's coordinates; the SQL matches the inputs on every other coordinate."""
    share = derived_formulas()["TSA_CHILD_SHARE"]
    assert share.inputs == ("TSA_CHILD", "POP_CHILD") and share.right_at == (("age", "Y0T17"),) and share.left_at == ()
    assert share.text == "TSA_CHILD / POP_CHILD[age=Y0T17] * 100"
    meet = render_sql("{inputs_meet}")
    assert "r.ref_area = l.ref_area AND r.time_period = l.time_period" in meet
    assert "r.age = coalesce(f.right_age, CASE WHEN f.left_age IS NULL THEN l.age ELSE r.age END)" in meet


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("DEATHS_INFANT / DEATHS_U5 * 100", "is neither"),
        ("{divide: DEATHS_INFANT, by: DEATHS_U5}", "is neither"),
        ("{divide: DEATHS_INFANT, by: NO_SUCH_CODE, times: 100}", "reads NO_SUCH_CODE, which are not indicators"),
        ("{divide: MIG_NET, by: DEATHS_U5, times: 100}", "reads MIG_NET, derived itself: use reported ones"),
        ("{divide: DEATHS_INFANT, by: DEATHS_U5, times: thousand}", "INFANT_SHARE_OF_U5: formula times 'thousand' is not a positive"),
        ("{divide: DEATHS_INFANT, by: DEATHS_U5, times: .nan}", "formula times nan is not a positive number"),
        ("{divide: DEATHS_INFANT, by: {indicator: DEATHS_U5, district: X}, times: 100}", "fixes no dimension or an unknown one (district)"),
        ("{divide: DEATHS_INFANT, by: {indicator: DEATHS_U5}, times: 100}", "fixes no dimension or an unknown one (none)"),
        (
            "{divide: {indicator: DEATHS_INFANT, sex: M}, by: {indicator: DEATHS_U5, sex: _T}, times: 100}",
            "both inputs of the formula fix sex",
        ),
    ],
    ids=[
        "text, not a declaration",
        "a ratio without its scale",
        "an input that is no indicator",
        "a derived input",
        "a word",
        "NaN",
        "an unknown dimension",
        "no coordinates",
        "both inputs fix one dimension",
    ],
)
def test_a_formula_that_is_not_declared_right_is_refused(schemas_copy: Path, formula: str, message: str) -> None:
    _declare(schemas_copy, NEW_RATIO.replace("{divide: DEATHS_INFANT, by: DEATHS_U5, times: 100}", formula))
    with pytest.raises(ValueError, match=re.escape(message)):
        derived_formulas()


def test_the_key_is_one_list_of_columns_with_their_types_and_sdmx_concepts() -> None:
    assert list(model.KEY_TYPES) == KEY == list(model.SDMX_CONCEPTS)
    assert KEY[3:] == list(DIMENSIONS)


def test_a_formula_on_a_reported_indicator_is_refused(schemas_copy: Path) -> None:
    path = schemas_copy / "indicators.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "BIRTHS_LIVE:\n  form: F-DEM-2\n", "BIRTHS_LIVE:\n  form: F-DEM-2\n  formula: {subtract: DEATHS_U5, from: DEATHS_INFANT}\n"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="BIRTHS_LIVE has a formula but is reported"):
        derived_formulas()


def test_only_the_model_names_are_placeholders() -> None:
    assert render_sql("SELECT regexp_matches(x, '^[A-Z]{1,3}$'), {'a': 1}, {keys} FROM t") == (
        "SELECT regexp_matches(x, '^[A-Z]{1,3}$'), {'a': 1}, {keys} FROM t"
    )
    with pytest.raises(ValueError, match=re.escape("harmonize/x.sql: {key_of}: write {key_of}[alias]")):
        render_sql("SELECT {key_of} FROM t", "harmonize/x.sql")


def test_an_unquoted_comma_that_cuts_a_definition_is_refused(schemas_copy: Path) -> None:
    from yearbook.store import indicator_metadata

    _declare(schemas_copy, NEW_RATIO.replace("ru: На 100 умерших до 5 лет", "ru: На 100 умерших, до 5 лет"))
    with pytest.raises(ValueError, match=r"INFANT_SHARE_OF_U5: definition must give a text in each of kk, ru, en.*quote it"):
        indicator_metadata()
