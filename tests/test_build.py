"""End to end through the CLI: real workbooks in, the Dagster graph in-process, a real DuckDB file out."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import openpyxl
import pytest

from yearbook.cells import parse_cell
from yearbook.cli import main
from yearbook.disclosure.carry_over import ANSWERS_TABLE, YEARS_TABLE
from yearbook.specs import load_forms
from yearbook.store import INTERNAL_STORE_NAME, STORE_NAME, UNSUPPRESSED_TABLES

pytestmark = pytest.mark.slow  # whole builds by the command line

DEM2_INDICATORS = ("BIRTHS_LIVE", "DEATHS_INFANT", "DEATHS_U5")


@pytest.fixture(scope="module")
def built_samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.conftest import SAMPLES

    out = tmp_path_factory.mktemp("out")
    assert main(["build", "--raw", str(SAMPLES), "--out", str(out)]) == 0
    return SAMPLES, out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reported(store: Path) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    rows = con.execute(
        "SELECT indicator, ref_area, value, obs_status, obs_conf, source_file, source_sheet, source_cell FROM observations "
        "WHERE source_file IS NOT NULL ORDER BY source_file, source_sheet, source_cell"
    ).fetchall()
    con.close()
    return rows


def test_every_figure_equals_its_source_cell(built_samples: tuple[Path, Path]) -> None:
    """The staff store holds every figure as reported; the public one the same, less what disclosure control hides."""
    raw, out = built_samples
    internal = _reported(out.with_name(out.name + "-internal") / "yearbook_internal.duckdb")
    public = _reported(out / "yearbook.duckdb")
    assert len(internal) > 4000 and len(public) == len(internal)
    forms = load_forms()
    books: dict[str, openpyxl.Workbook] = {}
    for indicator, _area, value, status, conf, file, sheet, cell in internal:
        if file not in books:  # each workbook opened once (setdefault would open it again for every figure)
            books[file] = openpyxl.load_workbook(raw / file, data_only=True)
        book = books[file]
        spec = next(f for f in forms.values() if indicator in f.indicators())
        parsed = parse_cell(book[sheet][cell].value, decimal_comma=spec.decimal_comma)
        assert (parsed.value if conf == "F" else None) == value, (file, sheet, cell)
        assert (parsed.obs_status, parsed.obs_conf) == (status, conf), (file, sheet, cell)
    by_cell = {row[5:]: row for row in internal}
    hidden = 0
    for row in public:
        if row[4] == "F":
            assert row == by_cell[row[5:]]
        else:
            assert row[2] is None
            hidden += 1
    assert hidden > sum(1 for row in internal if row[4] == "C")  # small counts were suppressed on top of the ministry's x


def test_dem2_sample_published_with_derived_rates(built_samples: tuple[Path, Path]) -> None:
    _, out = built_samples
    con = duckdb.connect(str(out / "yearbook.duckdb"), read_only=True)
    got = dict(
        con.execute(
            "SELECT indicator, value FROM observations WHERE ref_area = 'KZ' AND time_period = 2018 AND sex = '_T' "
            "AND indicator IN ('BIRTHS_LIVE', 'DEATHS_INFANT', 'DEATHS_U5', 'MORT_INFANT_RATE', 'MORT_U5_RATE')"
        ).fetchall()
    )
    cells = dict(
        con.execute(
            "SELECT indicator, source_sheet || '!' || source_cell FROM observations WHERE ref_area = 'KZ' AND time_period = 2018 "
            "AND sex = '_T' AND indicator IN ('BIRTHS_LIVE', 'DEATHS_INFANT', 'DEATHS_U5')"
        ).fetchall()
    )
    con.close()
    # The national row of the sample (Лист1, row 24): 393 085 births, 3 837 infant and 4 067 under-five deaths.
    assert got["BIRTHS_LIVE"] == 393085 and got["DEATHS_INFANT"] == 3837 and got["DEATHS_U5"] == 4067
    assert cells == {"BIRTHS_LIVE": "Лист1!B24", "DEATHS_INFANT": "Лист1!E24", "DEATHS_U5": "Лист1!H24"}
    # published to the decimal the yearbook prints (indicators.yaml: decimals 1); the staff store keeps them unrounded
    assert got["MORT_INFANT_RATE"] == round(3837 / 393085 * 1000, 1) == 9.8
    assert got["MORT_U5_RATE"] == round(4067 / 393085 * 1000, 1) == 10.3
    with duckdb.connect(str(out.with_name(out.name + "-internal") / INTERNAL_STORE_NAME), read_only=True) as staff:
        rates = dict(
            staff.execute(
                "SELECT indicator, value FROM observations WHERE ref_area = 'KZ' AND time_period = 2018 AND sex = '_T' "
                "AND indicator IN ('MORT_INFANT_RATE', 'MORT_U5_RATE')"
            ).fetchall()
        )
    assert rates["MORT_INFANT_RATE"] == pytest.approx(3837 / 393085 * 1000, rel=1e-12)
    assert rates["MORT_U5_RATE"] == pytest.approx(4067 / 393085 * 1000, rel=1e-12)


def test_refused_build_leaves_the_published_store_untouched(built_samples, samples_raw: Path, tmp_path: Path, capsys) -> None:
    _, out = built_samples
    published = tmp_path / "out"
    published.mkdir()
    for name in ("yearbook.duckdb",):
        (published / name).write_bytes((out / name).read_bytes())
    before = _sha(published / "yearbook.duckdb")
    book_path = next(samples_raw.glob("2018/Рождаемость*.xlsx"))
    book = openpyxl.load_workbook(book_path)
    book.worksheets[0]["B7"] = "#REF!"
    book.save(book_path)
    capsys.readouterr()
    assert main(["build", "--raw", str(samples_raw), "--out", str(published)]) == 1
    printed = capsys.readouterr().out
    assert f"{book_path.relative_to(samples_raw).as_posix()}: Лист1: B7: invalid_value:" in printed
    assert _sha(published / "yearbook.duckdb") == before
    assert not (published / "yearbook_en.xlsx").exists()


def test_a_step_failing_after_the_gate_is_reported_and_nothing_is_published(tmp_path: Path, capsys) -> None:
    from tests.conftest import SAMPLES

    out = tmp_path / "out"
    out.mkdir()
    (out / "editions").write_text("a file where the folder of editions should be\n")  # the public store cannot be staged
    assert main(["build", "--raw", str(SAMPLES), "--out", str(out)]) == 1
    printed = capsys.readouterr().err
    assert "build failed in core_public_store:" in printed and "Not a directory" in printed
    assert printed.rstrip().endswith("nothing was published")
    assert not (tmp_path / "out-internal" / "yearbook_internal.duckdb").exists()  # the staff store neither


def test_the_public_store_holds_no_working_table_of_the_figures(built_samples: tuple[Path, Path]) -> None:
    _, out = built_samples

    def tables(path: Path) -> set[str]:
        with duckdb.connect(str(path), read_only=True) as con:
            names = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
        return {name for (name,) in names}

    staff = tables(out.with_name(out.name + "-internal") / INTERNAL_STORE_NAME)
    assert set(UNSUPPRESSED_TABLES) <= staff
    # why a figure is hidden, the digest of each year's figures as reported and of each linked table's: staff only
    assert tables(out / STORE_NAME) == staff - set(UNSUPPRESSED_TABLES) - {"disclosure_cells", YEARS_TABLE, ANSWERS_TABLE}


def test_usage_error_exits_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["build", "--raw", str(tmp_path / "missing")])
    assert exc.value.code == 2


def test_sdmx_csv_carries_every_observation(built_samples: tuple[Path, Path]) -> None:
    import pandas as pd

    _, out = built_samples
    sdmx = pd.read_csv(out / "yearbook_sdmx.csv", dtype=str, keep_default_na=False)
    assert list(sdmx.columns[:3]) == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert {"SEX", "AGE", "URBANISATION", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"} <= set(sdmx.columns)
    con = duckdb.connect(str(out / "yearbook.duckdb"), read_only=True)
    assert len(sdmx) == con.execute("SELECT count(*) FROM observations").fetchone()[0]
    con.close()
    births = sdmx[(sdmx.INDICATOR == "BIRTHS_LIVE") & (sdmx.REF_AREA == "KZ") & (sdmx.SEX == "_T")]
    assert births.OBS_VALUE.astype(float).tolist() == [393085.0]
    assert (sdmx.SEX != "").all() and (sdmx.AGE != "").all()


def test_sdmx_csv_is_what_the_pysdmx_writer_writes(built_samples: tuple[Path, Path], tmp_path: Path) -> None:
    """The export is written by DuckDB for speed; pysdmx's own writer, given the same store and structure, is the reference."""
    from pysdmx.io.csv.sdmx20.writer import write
    from pysdmx.io.pd import PandasDataset

    from yearbook.sdmx import sdmx_frame_query, sdmx_schema

    _, out = built_samples
    with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as con:
        frame = con.execute(sdmx_frame_query()).df()
    assert frame["OBS_VALUE"].isna().any() and (frame["OBS_VALUE"] % 1 != 0).any()  # missing and fractional values both written
    write([PandasDataset(structure=sdmx_schema(), data=frame)], output_path=tmp_path / "pysdmx.csv")
    assert (out / "yearbook_sdmx.csv").read_bytes() == (tmp_path / "pysdmx.csv").read_bytes()


# The global SDG data structure IAEG-SDGs:SDG(1.14), written here from its definition, not from schemas/sdg_sdmx.yaml:
# its dimensions in order, the attributes the export sends, and the codes of its short code lists.
SDG_DIMENSIONS = [
    "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV",
    "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT",
]  # fmt: skip
SDG_ATTRIBUTES = ["UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "NATURE"]
SDG_CODES = {
    "FREQ": {"A"},
    "REPORTING_TYPE": {"N"},  # a country's own figures
    "REF_AREA": {"398"},  # M49 Kazakhstan: the code list has no region of it
    "SEX": {"_T", "F", "M"},
    "URBANISATION": {"_T", "U", "R"},
    "INCOME_WEALTH_QUANTILE": {"_T", "Q1", "Q2", "Q3", "Q4", "Q5"},
    "UNIT_MULT": {"0"},
    "OBS_STATUS": {"A"},
    "NATURE": {"C"},
}
# the unit and age of each series sent, as the DSD's content constraints give them
SDG_SERIES = {
    "SH_DYN_MORT": ("PER_1000_LIVE_BIRTHS", "Y0T4"),
    "SH_DYN_IMRT": ("PER_1000_LIVE_BIRTHS", "Y0"),
    "SH_STA_STNT": ("PT", "Y0T4"),
    "SH_STA_WAST": ("PT", "Y0T4"),
    "SN_STA_OVWGT": ("PT", "Y0T4"),
    "SG_REG_BRTH": ("PT", "Y0T4"),
    "VC_VAW_PHYPYV": ("PT", "Y1T14"),
    "SI_POV_NAHC": ("PT", "Y0T17"),
}


def _sdg_structure():
    """The SDG data structure for sdmx1 (a second SDMX library, independent of pysdmx, which writes the file)."""
    from sdmx.model import common, v30

    dsd = v30.DataStructureDefinition(id="SDG", maintainer=common.Agency(id="IAEG-SDGs"), version="1.14")
    for dimension in SDG_DIMENSIONS:
        dsd.dimensions.getdefault(dimension)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=common.TimeDimension)
    dsd.measures.getdefault("OBS_VALUE")
    for attribute in SDG_ATTRIBUTES:
        dsd.attributes.getdefault(attribute)
    return dsd


def test_sdg_sdmx_csv_reads_back_as_the_stores_published_national_figures(
    built_samples: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """yearbook_sdg_sdmx.csv is SDMX-CSV 2.0 of the SDG structure as sdmx1 reads it (every column a component, every
    component a column), each of its observations is a free figure of the store, national, of an indicator mapped to its
    series, with the same value, and no withheld figure is in it."""
    import sdmx

    _, out = built_samples
    path = out / "yearbook_sdg_sdmx.csv"
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
    assert header == ["STRUCTURE", "STRUCTURE_ID", "ACTION", *SDG_DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *SDG_ATTRIBUTES]
    with caplog.at_level("WARNING", logger="sdmx"):
        message = sdmx.read_sdmx(path, structure=_sdg_structure())
    assert not caplog.records  # sdmx1 warns of a component without a column
    assert [ds.action for ds in message.data] == [sdmx.model.common.ActionType.information]
    sent = sdmx.to_pandas(message.data[0], attributes="o").reset_index()
    assert len(sent) == sum(1 for _ in open(path, encoding="utf-8")) - 1 > 0
    for column, codes in SDG_CODES.items():
        assert set(sent[column]) <= codes, column
    for column in SDG_DIMENSIONS[8:]:
        assert set(sent[column]) == {"_T"}, column
    expected = {(series, *unit_age) for series, unit_age in SDG_SERIES.items()}
    assert set(zip(sent.SERIES, sent.UNIT_MEASURE, sent.AGE, strict=True)) <= expected

    with duckdb.connect(str(out / "yearbook.duckdb"), read_only=True) as con:
        store = con.execute(
            "SELECT i.sdg_series AS SERIES, CAST(o.time_period AS VARCHAR) AS TIME_PERIOD, o.sex AS SEX, o.area AS URBANISATION, "
            "o.wealth_quintile AS INCOME_WEALTH_QUANTILE, o.value, o.obs_conf, o.indicator FROM observations o "
            "JOIN indicators i ON i.code = o.indicator "
            "WHERE o.ref_area = 'KZ' AND o.age = '_T' AND o.flow = '_T' AND o.crime_type = '_T' AND i.sdg_series IN $series",
            {"series": list(SDG_SERIES)},
        ).df()

    keys = ["SERIES", "TIME_PERIOD", "SEX", "URBANISATION", "INCOME_WEALTH_QUANTILE"]
    joined = sent.merge(store, on=keys, how="left", validate="one_to_one", indicator="found")
    assert (joined.found == "both").all()  # every SDG observation is one of the store's, of an indicator mapped to its series
    assert (joined.obs_conf == "F").all()  # published, never withheld
    assert (joined.value_x == joined.value_y).all()
    sent_by_indicator = joined.groupby("indicator").size()
    published = store[(store.obs_conf == "F") & store.value.notna() & store.indicator.isin(sent_by_indicator.index)]
    assert sent_by_indicator.to_dict() == published.groupby("indicator").size().to_dict()


def test_a_withheld_sdg_figure_is_not_sent(built_samples: tuple[Path, Path], samples_raw: Path, tmp_path: Path) -> None:
    """The ministry withholds (x) the national stunting rate of the samples: the SDG file of that build leaves it out."""
    import pandas as pd

    _, out = built_samples
    internal = out.with_name(out.name + "-internal") / INTERNAL_STORE_NAME
    with duckdb.connect(str(internal), read_only=True) as con:
        file, sheet, cell = con.execute(
            "SELECT source_file, source_sheet, source_cell FROM observations WHERE indicator = 'STUNTING' AND ref_area = 'KZ' "
            "AND sex = '_T' AND area = '_T' AND wealth_quintile = '_T'"
        ).fetchone()
    book = openpyxl.load_workbook(samples_raw / file)
    book[sheet][cell] = "x"
    book.save(samples_raw / file)
    assert main(["build", "--raw", str(samples_raw), "--out", str(tmp_path / "out")]) == 0

    def stunting_totals(edition: Path) -> int:
        sdg = pd.read_csv(edition / "yearbook_sdg_sdmx.csv", dtype=str, keep_default_na=False)
        totals = (sdg.SEX == "_T") & (sdg.URBANISATION == "_T") & (sdg.INCOME_WEALTH_QUANTILE == "_T")
        return len(sdg[(sdg.SERIES == "SH_STA_STNT") & totals])

    assert stunting_totals(out) == 1 and stunting_totals(tmp_path / "out") == 0


def test_workbooks_read_in_worker_processes_give_what_one_process_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large edition is read and validated in one process per CPU; the figures, their provenance and the problems
    must not change."""
    from yearbook import read_cache, submissions

    files, _ = submissions.discover(Path(__file__).resolve().parents[1] / "raw")
    serial = read_cache.read_workbooks(files)  # the demo edition is under the threshold: one process
    monkeypatch.setattr(read_cache, "PARALLEL_READ_BYTES", 0)
    monkeypatch.setattr(read_cache.os, "sched_getaffinity", lambda _: {0, 1})  # two workers even on one CPU
    parallel = read_cache.read_workbooks(files)
    assert len(parallel) == len(serial) == len(files) and sum(len(read.figures) for read in serial) > 30_000
    for read, expected in zip(parallel, serial, strict=True):
        assert read.figures.equals(expected.figures) and read.problems == expected.problems


def test_every_table_view_and_column_of_both_stores_carries_a_comment(built_samples: tuple[Path, Path]) -> None:
    _, out = built_samples
    for store in (out / STORE_NAME, out.with_name(out.name + "-internal") / INTERNAL_STORE_NAME):
        with duckdb.connect(str(store), read_only=True) as con:
            here = "database_name = current_database() AND schema_name = 'main'"
            objects = con.execute(
                f"SELECT table_name, comment FROM duckdb_tables() WHERE {here} "
                f"UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE {here}"
            ).fetchall()
            columns = con.execute(f"SELECT table_name || '.' || column_name, comment FROM duckdb_columns() WHERE {here}").fetchall()
        assert len(objects) > 40 and len(columns) > 400, store
        assert not [name for name, comment in objects + columns if not (comment or "").strip()], store
        titles = dict(objects)
        view = titles["yb_pop_region_ts"]
        assert view.startswith("Yearbook table 1.3, one row per cell: Children aged 0-17 by region"), view
        assert "Численность детей" in view and "балалар саны" in view, "the title in the three languages"


def test_every_column_of_both_stores_has_a_type_every_client_reads(built_samples: tuple[Path, Path]) -> None:
    _, out = built_samples
    for store in (out / STORE_NAME, out.with_name(out.name + "-internal") / INTERNAL_STORE_NAME):
        with duckdb.connect(str(store), read_only=True) as con:
            untyped = con.execute(
                "SELECT table_name || '.' || column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND data_type = 'NULL'"
            ).fetchall()
        assert not untyped, (store, untyped)
