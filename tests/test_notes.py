"""The notes the data carry (``notes``, ``observation_notes``, ``observations_with_notes``; yearbook/publish/notes.py,
yearbook/sql/notes.sql) on both stores built from the demo edition: series breaks, a former name, footnote marks, a
form not submitted; the SDMX-CSV's COMMENT_OBS; and that the public store's notes tell nothing of a hidden figure."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from tests.conftest import ROOT
from yearbook.disclosure import DisclosurePolicy
from yearbook.model import KEY
from yearbook.problems import problems_frame
from yearbook.publish import load_yearbook_spec, render_workbooks
from yearbook.publish.specs import LANGUAGES
from yearbook.sdmx import write_sdmx_csv
from yearbook.specs import load_forms
from yearbook.store import BuildRecord, build_public_store, build_store
from yearbook.submissions import check_across_files, discover, figures_frame, read_submission

SPLIT_2022 = {"KZ-19", "KZ-63", "KZ-35"}  # Almaty region, East Kazakhstan, Karaganda: each lost a part in 2022
NEW_2022 = {"KZ-33", "KZ-10", "KZ-62"}  # Zhetisu, Abai, Ulytau
NEW_2018 = {"KZ-61", "KZ-79"}  # Turkestan and Shymkent; South Kazakhstan (KZ-51) ends in 2017
KEYS = ", ".join(KEY)


def _build(folder: Path, subs: list, policy: DisclosurePolicy) -> tuple[Path, Path]:
    """The staff and the public store of ``subs`` (the build's own record: missing forms come from its inventory)."""
    inventory = pd.DataFrame([{"file": s.file.relpath, "year": s.file.year, "form": s.form, "sha256": s.file.sha256} for s in subs])
    years = sorted({s.file.year for s in subs})
    record = BuildRecord(inventory, problems_frame(check_across_files(inventory, load_forms(), years)), "test-notes")
    staff, public = folder / "yearbook_internal.duckdb", folder / "yearbook.duckdb"
    build_store(staff, [figures_frame(subs)], record)
    build_public_store(public, staff, record, policy)
    return staff, public


@pytest.fixture(scope="module")
def submissions() -> list:
    files, _ = discover(ROOT / "raw")
    return [read_submission(f) for f in files]


@pytest.fixture(scope="module")
def stores(submissions: list, policy: DisclosurePolicy, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    staff, public = _build(tmp_path_factory.mktemp("stores"), submissions, policy)
    return {"staff": staff, "public": public}


def _query(store: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql).fetchall()


def _carrying(store: Path, note_id: str) -> set[tuple[str, int]]:
    return set(_query(store, f"SELECT DISTINCT ref_area, time_period FROM observation_notes WHERE note_id = '{note_id}'"))


def _without(store: Path, note_id: str, areas: set[str], year: int) -> int:
    """The observations of ``areas`` in ``year`` that do not carry ``note_id``."""
    listed = ", ".join(f"'{a}'" for a in sorted(areas))
    return _query(
        store,
        f"SELECT count(*) FROM observations_with_notes WHERE ref_area IN ({listed}) AND time_period = {year} "
        f"AND NOT coalesce(list_contains(notes, '{note_id}'), false)",
    )[0][0]


@pytest.mark.parametrize("which", ["staff", "public"])
def test_boundary_notes_are_on_every_observation_of_their_regions_in_the_year_of_the_change(stores, which: str) -> None:
    store = stores[which]
    assert _carrying(store, "boundary_change:2022") == {(area, 2022) for area in SPLIT_2022 | NEW_2022}
    assert _without(store, "boundary_change:2022", SPLIT_2022 | NEW_2022, 2022) == 0
    assert _carrying(store, "boundary_change:2018") == {(area, 2018) for area in NEW_2018}
    assert _without(store, "boundary_change:2018", NEW_2018, 2018) == 0
    assert _query(store, "SELECT count(*) FROM observations WHERE ref_area = 'KZ-51' AND time_period >= 2018") == [(0,)]
    declared = {g["year"]: g["text"] for g in load_yearbook_spec().meta["geography_notes"]}
    for year, texts in declared.items():  # in the words the workbook prints
        row = _query(store, f"SELECT kind, text_kk, text_ru, text_en FROM notes WHERE note_id = 'boundary_change:{year}'")
        assert row == [("boundary_change", *(texts[lang] for lang in LANGUAGES))]
    almaty = _query(
        store,
        "SELECT time_period, notes FROM observations_with_notes WHERE indicator = 'POP_CHILD' AND ref_area = 'KZ-19' "
        "AND age = 'Y0T17' AND sex = '_T' AND area = '_T' ORDER BY time_period",
    )
    assert almaty[-1] == (2022, ["boundary_change:2022"]) and all(notes is None for _, notes in almaty[:-1])


@pytest.mark.parametrize("which", ["staff", "public"])
def test_a_former_name_is_noted_on_the_years_the_region_bore_it(stores, which: str) -> None:
    store = stores[which]
    assert _carrying(store, "renamed:KZ-71:2019-2021") == {("KZ-71", year) for year in (2019, 2020, 2021)}
    assert _without(store, "renamed:KZ-71:2019-2021", {"KZ-71"}, 2020) == 0
    assert _query(store, "SELECT kind, text_en FROM notes WHERE note_id = 'renamed:KZ-71:2019-2021'") == [
        ("renamed", "Astana city was named Nur-Sultan city in 2019–2021.")
    ]
    assert _query(store, "SELECT text_ru FROM notes WHERE note_id = 'renamed:KZ-71:2019-2021'") == [
        ("г. Астана в 2019–2021 годах назывался г. Нур-Султан.",)
    ]


def test_the_stores_notes_are_printed_in_the_workbooks_word_for_word(stores, tmp_path: Path) -> None:
    """Every boundary and renaming note of the store is printed on the notes sheet of each workbook, word for word."""
    render_workbooks(stores["public"], tmp_path)
    sheet = load_yearbook_spec().meta["sheet_names"]["notes"]
    for lang in LANGUAGES:
        book = openpyxl.load_workbook(tmp_path / f"yearbook_{lang}.xlsx", read_only=True)
        printed = {row[1] for row in book[sheet[lang]].iter_rows(min_row=5, values_only=True)}
        stored = _query(stores["public"], f"SELECT note_id, text_{lang} FROM notes WHERE kind IN ('boundary_change', 'renamed')")
        assert len(stored) == 3 and all(text in printed for _, text in stored), lang


def test_footnote_marks_are_on_the_figures_of_the_marked_cells(stores) -> None:
    """The staff store: every published figure read with a mark, and that figure only, carries the note of its mark."""
    staff = stores["staff"]
    expected = _query(
        staff,
        f"SELECT {', '.join(f'o.{k}' for k in KEY)}, 'footnote_mark:' || r.footnote FROM raw_figures AS r "
        f"JOIN observations AS o USING ({KEYS}, source_file, source_sheet, source_cell) WHERE r.footnote IS NOT NULL AND o.obs_conf = 'F'",
    )
    noted = _query(staff, f"SELECT {KEYS}, note_id FROM observation_notes WHERE note_id LIKE 'footnote_mark:%'")
    assert len(expected) > 100 and sorted(noted) == sorted(expected)
    marks = _query(staff, "SELECT note_id, text_kk, text_ru, text_en FROM notes WHERE kind = 'footnote_mark'")
    assert {m for m, *_ in marks} == {"footnote_mark:*", "footnote_mark:**", "footnote_mark:1)", "footnote_mark:¹", "footnote_mark:²"}
    assert all(note_id.split(":", 1)[1] in text for note_id, *texts in marks for text in texts)


def test_the_public_stores_notes_tell_nothing_of_a_hidden_figure(stores) -> None:
    """A hidden figure carries only the notes of its region and year, which its key shows: the public store's notes are
    the staff store's but the footnote marks of figures it hides; no note is there for hidden figures alone."""
    staff, public = stores["staff"], stores["public"]
    on_hidden = _query(
        public, f"SELECT DISTINCT split_part(note_id, ':', 1) FROM observation_notes JOIN observations USING ({KEYS}) WHERE obs_conf <> 'F'"
    )
    assert {kind for (kind,) in on_hidden} == {"boundary_change", "renamed"}
    hidden = set(_query(public, f"SELECT {KEYS} FROM observations WHERE obs_conf <> 'F'"))
    staff_notes = _query(staff, f"SELECT {KEYS}, note_id FROM observation_notes")
    public_notes = _query(public, f"SELECT {KEYS}, note_id FROM observation_notes")
    dropped = [n for n in staff_notes if n[-1].startswith("footnote_mark:") and n[:-1] in hidden]
    assert dropped and sorted(public_notes) == sorted(set(staff_notes) - set(dropped))
    assert _query(
        public, "SELECT count(*) FROM notes WHERE kind <> 'form_not_submitted' AND note_id NOT IN (SELECT note_id FROM observation_notes)"
    ) == [(0,)]
    assert set(_query(public, "SELECT * FROM notes")) <= set(_query(staff, "SELECT * FROM notes"))


def test_no_note_for_a_survey_not_sent_in_a_reference_year(stores) -> None:
    """The demo has no F-MICS-1 workbook in 2017, 2018, 2020 and 2021: the survey's figures carry the survey year, and
    the 2018 survey (sent in 2019) is no less available for it."""
    for store in stores.values():
        assert _query(store, "SELECT count(*) FROM validation_results WHERE rule = 'missing_form' AND form = 'F-MICS-1'") == [(4,)]
        assert _query(store, "SELECT count(*) FROM notes WHERE kind = 'form_not_submitted'") == [(0,)]


def test_a_form_not_submitted_is_a_note_attached_to_nothing(submissions: list, policy: DisclosurePolicy, tmp_path: Path) -> None:
    """2022 without the Prosecutor General's workbook: the note the workbook prints, in the stores, on no observation
    (observations has no row of the form that year)."""
    latest = [s for s in submissions if s.file.year == 2022 and s.form != "F-GP-1"]
    spec = load_yearbook_spec()
    source = spec.source_names("F-GP-1", [2022])[0][0]
    expected = [
        (
            "form_not_submitted",
            *(spec.meta["missing_form_note"][lang].format(form="F-GP-1", source=source[lang], year=2022) for lang in LANGUAGES),
        )
    ]
    for store in _build(tmp_path, latest, policy):
        assert _query(store, "SELECT count(*) FROM observations JOIN indicators ON code = indicator WHERE form = 'F-GP-1'") == [(0,)]
        assert (
            _query(store, "SELECT kind, text_kk, text_ru, text_en FROM notes WHERE note_id = 'form_not_submitted:F-GP-1:2022'") == expected
        )
        assert _query(store, "SELECT count(*) FROM observation_notes WHERE note_id LIKE 'form_not_submitted:%'") == [(0,)]


def test_the_sdmx_csv_carries_the_notes_in_english_as_pysdmx_writes_them(stores, tmp_path: Path) -> None:
    """COMMENT_OBS: the English texts of an observation's notes in the order of their ids, blank without one; the file
    is byte for byte what pysdmx's writer makes of the same store (texts with commas and quotes included)."""
    from pysdmx.io.csv.sdmx20.writer import write
    from pysdmx.io.pd import PandasDataset

    from yearbook.sdmx import COLUMNS, sdmx_frame_query, sdmx_schema

    public = stores["public"]
    path = write_sdmx_csv(public, tmp_path / "yearbook_sdmx.csv")
    with open(path, encoding="utf-8", newline="") as f:
        comments = {tuple(r[COLUMNS[k][0]] for k in KEY): r["COMMENT_OBS"] for r in csv.DictReader(f)}
    english = dict(_query(public, "SELECT note_id, text_en FROM notes"))
    expected = {
        (*key[:2], str(key[2]), *key[3:]): " ".join(english[n] for n in notes or ())
        for *key, notes in _query(public, f"SELECT {KEYS}, notes FROM observations_with_notes")
    }
    assert comments == expected
    almaty = ("BIRTHS_LIVE", "KZ-19", "2022", "_T", "_T", "_T", "_T", "_T", "_T")
    assert comments[almaty] == english["boundary_change:2022"] and comments[(*almaty[:2], "2021", *almaty[3:])] == ""
    with duckdb.connect(str(public), read_only=True) as con:
        frame = con.execute(sdmx_frame_query()).df()
    write([PandasDataset(structure=sdmx_schema(), data=frame)], output_path=tmp_path / "pysdmx.csv")
    assert path.read_bytes() == (tmp_path / "pysdmx.csv").read_bytes()
