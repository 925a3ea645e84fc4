"""Feedback workbooks for the ministries (issue #20): a safe copy of each refused or warned workbook, its problem cells
highlighted and commented in the form's language, a first sheet listing the problems with links to their cells; and
the message catalogue those texts come from, which every rule the code can report must be in."""

from __future__ import annotations

import ast
import os
import re
import shutil
import stat
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import openpyxl.worksheet._writer as openpyxl_writer  # where openpyxl makes its temporary files
import pytest
from openpyxl.cell.cell import Cell

from tests.conftest import FIXTURES, ROOT, SAMPLES
from yearbook.config import load_yaml
from yearbook.problems import ERROR, WARNING, Problem, errors_first
from yearbook.submissions import discover_year, figures_frame, read_submission
from yearbook.validation import validate_figures
from yearbook.validation.feedback import MAX_MARKED, write_feedback
from yearbook.validation.messages import CatalogueError, load_messages, load_words
from yearbook.workbook import read_workbook

DEM2 = "2018/Рождаемость и смертность детей 2018.xlsx"  # Russian
MOES = "2018/МОН_білім_2018_соңғы.xlsx"  # Kazakh
MLSP = "2018/МТСЗН_АСП_сироты_2018.xlsx"  # bilingual kk/ru
MOH = "2018/MOH children health 2018 final.xlsx"  # English
DEM1 = "2018/Дети_численность_2018.xlsx"
FILLS = {ERROR: "00FFC7CE", WARNING: "00FFEB9C"}
LIST_SHEETS = {"Замечания", "Ескертулер", "Problems", "Ескертулер - Замечания"}


def _problems(raw: Path) -> list[Problem]:
    """Every problem of raw/2018 as a build finds it: the reader, then the figures' schema and consistency rules."""
    files, problems = discover_year(raw, 2018)
    submissions = [read_submission(f) for f in files]
    problems += [p for s in submissions for p in s.problems]
    return problems + validate_figures(figures_frame(submissions)).problems


def _spoil(path: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)


def _set(sheet: str, cell: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet][cell] = value

    return change


def _grids(path: Path) -> dict[str, tuple]:
    """What the office's reader sees of a workbook, sheet by sheet: values (with their types), where they stand, merges."""
    return {
        g.sheet: ([[(type(v).__name__, v) for v in row] for row in g.cells], g.rows, g.cols, sorted(set(g.merged.values())))
        for g in read_workbook(path).grids
    }


def _comments(path: Path) -> dict[tuple[str, str], Cell]:
    """The commented cells of a feedback workbook, by (sheet, cell)."""
    book = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment}


def _list_rows(path: Path) -> list[tuple[Cell, ...]]:
    """The problem rows of a feedback workbook's first sheet (below its header row, the 6th)."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.freeze_panes == "A7"
    return [row for row in ws.iter_rows(min_row=7) if any(c.value is not None for c in row)]


@pytest.fixture(scope="module")
def spoilt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Problem], list[Path]]:
    """The samples with cells spoilt in a Russian, a Kazakh, a bilingual and an English form, and their feedback (the
    tests read them only)."""
    tmp_path = tmp_path_factory.mktemp("spoilt")
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    _spoil(raw / DEM2, _set("Лист1", "B7", "#REF!"))  # invalid_value
    _spoil(raw / DEM2, _set("Лист1", "C9", 1e308))  # implausible_value at C9, sex_sum at B9
    _spoil(raw / MOES, _set("Мектептер", "C8", "abc"))
    _spoil(raw / MLSP, _set("АӘК - АСП", "C7", "n/a"))

    def rename(book: openpyxl.Workbook) -> None:  # a sheet name a link must quote
        book["Suicides 15-17"].title = "Suicides' 15-17"
        book["Suicides' 15-17"]["C6"] = "??"

    _spoil(raw / MOH, rename)
    problems = _problems(raw)
    folder = tmp_path / "internal" / "feedback"
    return raw, folder, problems, write_feedback(problems, raw, folder)


def test_file_names_in_the_forms_language(spoilt) -> None:
    raw, folder, problems, written = spoilt
    year = folder / "2018"
    assert sorted(written) == sorted(
        [
            year / "Рождаемость и смертность детей 2018 — проверка.xlsx",
            year / "МОН_білім_2018_соңғы — тексеру.xlsx",
            year / "МТСЗН_АСП_сироты_2018 — проверка.xlsx",  # bilingual: the Russian word
            year / "MOH children health 2018 final — check.xlsx",
        ]
    )
    assert sorted(p.name for p in year.iterdir()) == sorted(p.name for p in written), "no temporary file left"
    assert {openpyxl.load_workbook(p, read_only=True).sheetnames[0] for p in written} == LIST_SHEETS


def test_every_problem_cell_is_highlighted_and_commented_in_the_forms_language(spoilt) -> None:
    raw, folder, problems, written = spoilt
    messages = load_messages()
    languages = {DEM2: ["ru"], MOES: ["kk"], MLSP: ["kk", "ru"], MOH: ["en"]}
    for file, langs in languages.items():
        target = next(p for p in written if p.name.startswith(Path(file).stem))
        comments = _comments(target)
        located = [p for p in problems if p.file == file and p.cell]
        assert located, file
        for p in located:
            cell = comments[(p.sheet, re.sub(r":.*", "", p.cell or ""))]
            assert cell.fill.fgColor.rgb == FILLS[p.severity], (file, p.cell)
            for lang in langs:
                assert messages[p.rule][lang] in cell.comment.text, (file, p.cell, lang)
            assert p.message in cell.comment.text
            for lang in {"kk", "ru", "en"} - set(langs):
                assert messages[p.rule][lang] not in cell.comment.text
        assert len(comments) == len({(p.sheet, p.cell) for p in located})  # no cell marked without a problem


def test_the_copy_holds_the_originals_values_as_the_reader_sees_them(spoilt) -> None:
    raw, folder, problems, written = spoilt
    for target in written:
        original = raw / "2018" / next(p.name for p in (raw / "2018").iterdir() if target.name.startswith(p.stem))
        copy = _grids(target)
        assert set(copy) - set(_grids(original)) <= LIST_SHEETS and len(copy) == len(_grids(original)) + 1
        for sheet in LIST_SHEETS:
            copy.pop(sheet, None)
        assert copy == _grids(original), target.name
    # numbers as numbers, text as text, in the cells the ministry wrote them
    ws = openpyxl.load_workbook(next(p for p in written if "проверка" in p.name and "Рожд" in p.name))["Лист1"]
    assert (ws["B8"].value, ws["B7"].value, ws["B7"].data_type, ws["C9"].value) == (19917, "#REF!", "s", 1e308)


def test_the_list_sheet_counts_the_problems_errors_first_and_links_to_each_cell(spoilt) -> None:
    raw, folder, problems, written = spoilt
    for target in written:
        book = openpyxl.load_workbook(target)
        ws = book.worksheets[0]
        file = next(p.file for p in problems if target.name.startswith(Path(p.file).stem))
        mine = [p for p in problems if p.file == file]
        assert (ws["B2"].value, ws["B3"].value) == (sum(p.severity == ERROR for p in mine), sum(p.severity != ERROR for p in mine))
        rows = _list_rows(target)
        assert [(r[0].value, r[1].value, r[4].value) for r in rows] == [(p.sheet, p.cell, p.message) for p in errors_first(mine)]
        for sheet, cell, *_ in rows:
            if cell.value is None:
                assert cell.hyperlink is None
                continue
            location = cell.hyperlink.location
            assert cell.hyperlink.target is None  # inside the workbook
            title, _, ref = location.rpartition("!")
            assert title == "'" + sheet.value.replace("'", "''") + "'" and ref == cell.value.split(":")[0]
            assert book[sheet.value][ref].comment is not None  # the link lands on the commented cell
    moh = next(p for p in written if "MOH" in p.name)
    assert any(r[1].hyperlink and r[1].hyperlink.location == "'Suicides'' 15-17'!C6" for r in _list_rows(moh))


def test_the_staff_area_is_the_owners_only(spoilt) -> None:
    raw, folder, problems, written = spoilt
    for path in (folder.parent, folder, folder / "2018"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_openpyxls_temporary_files_stay_in_the_staff_folder(samples_raw: Path, tmp_path: Path, monkeypatch) -> None:
    _spoil(samples_raw / DEM2, _set("Лист1", "B7", "#REF!"))
    seen: list[str] = []
    real = openpyxl_writer.create_temporary_file

    def spy(suffix: str = "") -> str:
        name = real(suffix)
        seen.append(name)
        return name

    monkeypatch.setattr(openpyxl_writer, "create_temporary_file", spy)
    folder = tmp_path / "feedback"
    before = tempfile.tempdir
    write_feedback([p for p in _problems(samples_raw) if p.file == DEM2], samples_raw, folder)
    assert seen and all(Path(name).parent == folder / "2018" for name in seen), seen
    assert tempfile.tempdir == before


def _rewrite(source: Path, target: Path, parts: dict[str, bytes], extra: dict[str, bytes] | None = None) -> None:
    """A copy of an .xlsx with some of its XML parts replaced, and parts added: what openpyxl cannot write."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, parts.get(item.filename, src.read(item.filename)))
        for name, data in (extra or {}).items():
            out.writestr(name, data)


def _hostile(raw: Path) -> Path:
    """The DEM-2 sample as a hostile ministry might send it: a macro workbook (.xlsm with vbaProject.bin) with a saved
    formula, a formula into another workbook, an external link part, a hyperlink out, a defined name, and text that
    Excel would take for a formula."""
    source = raw / DEM2

    def change(book: openpyxl.Workbook) -> None:
        ws = book["Лист1"]
        ws["A1"].hyperlink = "https://evil.example/steal"
        ws["A30"] = '=HYPERLINK("https://evil.example","click")'
        ws["A30"].data_type = "s"  # text in the original: it must stay text
        book.defined_names["evil"] = openpyxl.workbook.defined_name.DefinedName("evil", attr_text="'[1]Лист1'!$A$1")

    _spoil(source, change)
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(r'<c r="B24"([^>]*?)><v>(\d+)</v></c>', r'<c r="B24"\1><f>SUM(B7:B23)</f><v>\2</v></c>', sheet)
    sheet = re.sub(r'<c r="C24"([^>]*?)><v>(\d+)</v></c>', r'<c r="C24"\1><f>[1]Лист1!C24</f><v>\2</v></c>', sheet)
    assert sheet.count("<f>") == 2
    target = source.with_suffix(".xlsm")
    link = b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    extra = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros that are never run", "xl/externalLinks/externalLink1.xml": link}
    _rewrite(source, target, {"xl/worksheets/sheet1.xml": sheet.encode()}, extra)
    source.unlink()
    return target


def test_no_formula_link_or_macro_survives_a_hostile_original(samples_raw: Path, tmp_path: Path) -> None:
    original = _hostile(samples_raw)
    problems = _problems(samples_raw)
    assert "notice" in {p.rule for p in problems if p.file.endswith(".xlsm")}  # a warning: the workbook gets its feedback
    (target,) = write_feedback([p for p in problems if p.file.endswith(".xlsm")], samples_raw, tmp_path / "feedback")
    assert target.name == "Рождаемость и смертность детей 2018 — проверка.xlsx"
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        xml = {name: z.read(name).decode() for name in names if name.endswith((".xml", ".rels"))}
    assert not [n for n in names if "vba" in n.lower() or "externalLink" in n or n.endswith(".bin")], names
    assert "macroEnabled" not in xml["[Content_Types].xml"]
    assert not re.search(r"<definedName[ >]|externalReference", xml["xl/workbook.xml"])
    for name, text in xml.items():
        assert not re.search(r"<(\w+:)?f[ >]", text), name  # no formula anywhere
        assert "evil.example" not in re.sub(r"<t( [^>]*)?>[^<]*</t>", "", text), name  # only in text: the cell's, messages quoting it
        assert 'TargetMode="External"' not in text, name
    ws = openpyxl.load_workbook(target)["Лист1"]
    assert ws["A30"].value == '=HYPERLINK("https://evil.example","click")' and ws["A30"].data_type == "s"
    assert ws["A1"].hyperlink is None
    assert isinstance(ws["B24"].value, int) and isinstance(ws["C24"].value, int)  # the saved results, as numbers
    copy = _grids(target)
    copy.pop("Замечания")
    assert copy == _grids(original)


def test_a_huge_cell_is_left_out_and_marked(samples_raw: Path, tmp_path: Path) -> None:
    source = samples_raw / DEM2
    _spoil(source, _set("Лист1", "C9", "PLACEHOLDER"))
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    huge = tmp_path / "huge.xlsx"
    _rewrite(source, huge, {"xl/worksheets/sheet1.xml": sheet.replace(b"PLACEHOLDER", b"1" + os.urandom(2_500_000).hex().encode())})
    shutil.move(huge, source)
    problems = _problems(samples_raw)
    assert ("C9", "cell_too_long") in {(p.cell, p.rule) for p in problems}
    tracemalloc.start()
    start = time.process_time()
    (target,) = write_feedback([p for p in problems if p.file == DEM2], samples_raw, tmp_path / "feedback")
    seconds, (_, peak) = time.process_time() - start, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 5 and peak < 100 * 2**20  # the reader holds the 5 MB cell once; the copy never does
    assert target.stat().st_size < 50_000
    cell = openpyxl.load_workbook(target)["Лист1"]["C9"]
    assert cell.value is None and cell.fill.fgColor.rgb == FILLS[ERROR]
    assert load_messages()["cell_too_long"]["ru"] in cell.comment.text
    assert load_words()["ru"]["not_copied"] in cell.comment.text


@pytest.mark.slow  # 15,000 problems
def test_thousands_of_problems_stay_small_in_time_and_size(samples_raw: Path, tmp_path: Path) -> None:
    """Every cell of every sheet of the 18-sheet DEM-1 workbook three problems (two errors, a warning): the list and the
    marks stop at MAX_MARKED, errors first, and say how many more there are."""
    grids = read_workbook(samples_raw / DEM1).grids
    problems = [
        Problem(DEM1, g.sheet, g.ref(i, j), rule, "a figure to check", severity, form="F-DEM-1", year=2018)
        for g in grids
        for i in range(len(g.rows))
        for j in range(len(g.cols))
        for rule, severity in (("invalid_value", ERROR), ("sex_sum", ERROR), ("notice", WARNING))
    ]
    assert sum(p.severity == ERROR for p in problems) > MAX_MARKED
    start = time.process_time()
    (target,) = write_feedback(problems, samples_raw, tmp_path / "feedback")
    assert time.process_time() - start < 10  # about 1 s: rows are streamed to the file, not kept
    rows = list(openpyxl.load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert f"{MAX_MARKED:,}" in str(rows[4][0]) and f"{len(problems):,}" in str(rows[4][0])
    assert len(rows) == 6 + MAX_MARKED and {row[2] for row in rows[6:]} == {"ошибка"}
    with zipfile.ZipFile(target) as z:
        comments = sum(z.read(n).count(b"<comment ") for n in z.namelist() if re.fullmatch(r"xl/comments/comment\d+\.xml", n))
    assert 0 < comments <= MAX_MARKED


def test_a_workbook_that_cannot_be_read_gets_the_list_alone_in_the_staffs_language(samples_raw: Path, tmp_path: Path) -> None:
    (samples_raw / "2018" / "broken.xlsx").write_bytes(b"not a workbook")
    problems = [p for p in _problems(samples_raw) if p.file == "2018/broken.xlsx"]
    assert [p.rule for p in problems] == ["unreadable_file"]
    (english,) = write_feedback(problems, samples_raw, tmp_path / "en")
    (russian,) = write_feedback(problems, samples_raw, tmp_path / "ru", staff_language="ru")
    assert english.name == "broken — check.xlsx" and russian.name == "broken — проверка.xlsx"
    book = openpyxl.load_workbook(russian)
    assert book.sheetnames == ["Замечания"]
    assert load_words()["ru"]["unread"] in str(book.worksheets[0]["A5"].value)
    assert [r[3].value for r in _list_rows(russian)] == [load_messages()["unreadable_file"]["ru"]]


def test_xls_and_ods_workbooks_are_copied_alike(tmp_path: Path) -> None:
    """The other formats the reader accepts: their values as it sees them (a percentage as it shows, an error as its
    text), a cell it did not read (a formula without a saved result) marked; two workbooks of one stem keep their
    extensions in their feedback's names; a workbook of no known form gets the staff's language."""
    raw = tmp_path / "raw"
    (raw / "2018").mkdir(parents=True)
    for name in ("cells.xls", "cells.ods", "unsaved_formula.ods"):
        shutil.copy(FIXTURES / "formats" / name, raw / "2018" / name)
    problems = _problems(raw)
    assert {(p.file, p.rule) for p in problems} >= {
        (f"2018/{n}", "no_form_code") for n in ("cells.xls", "cells.ods", "unsaved_formula.ods")
    }
    written = write_feedback(problems, raw, tmp_path / "feedback", staff_language="ru")
    assert sorted(p.name for p in written) == ["cells.ods — проверка.xlsx", "cells.xls — проверка.xlsx", "unsaved_formula — проверка.xlsx"]
    for target in written:
        copy = _grids(target)
        copy.pop("Замечания")
        original = raw / "2018" / target.name.replace(" — проверка.xlsx", "").replace("unsaved_formula", "unsaved_formula.ods")
        assert copy == _grids(original), target.name
    cell = openpyxl.load_workbook(written[-1])["Cells"]["B9"]  # '=B2*2', no result saved
    assert cell.value is None and cell.fill.fgColor.rgb == "00D9D9D9"
    assert cell.comment.text == load_words()["ru"]["not_copied"]


def test_warnings_errors_ranges_and_merged_cells(samples_raw: Path, tmp_path: Path) -> None:
    """A warning's fill is not an error's; a range is marked at its first cell, a cell hidden under a merged range at
    the range's first cell (where Excel shows it); a problem of the whole workbook is listed only, one of no workbook
    not at all."""
    problems = [
        Problem(MOES, "Мектептер", "C8", "notice", "a warning at a cell", WARNING, form="F-MOES-1", year=2018),
        Problem(MOES, "Мектептер", "D8:E9", "invalid_value", "an error over a range", ERROR, form="F-MOES-1", year=2018),
        Problem(MOES, None, None, "missing_sheet", "a problem of the whole workbook", ERROR, form="F-MOES-1", year=2018),
        Problem(MOES, "Мектептер", "C1", "missing_year", "under the title merged over A1:I1", ERROR, form="F-MOES-1", year=2018),
        Problem("2018/", None, None, "missing_form", "no workbook", WARNING, form="F-GP-1", year=2018),
    ]
    (target,) = write_feedback(problems, samples_raw, tmp_path / "feedback")
    comments = _comments(target)
    assert set(comments) == {("Мектептер", "C8"), ("Мектептер", "D8"), ("Мектептер", "A1")}
    assert comments[("Мектептер", "C8")].fill.fgColor.rgb == FILLS[WARNING]
    assert comments[("Мектептер", "D8")].fill.fgColor.rgb == FILLS[ERROR]
    assert comments[("Мектептер", "C8")].comment.text.startswith("Ескерту: ")
    assert "under the title merged over A1:I1" in comments[("Мектептер", "A1")].comment.text
    rows = _list_rows(target)
    assert [(r[1].value, r[2].value) for r in rows] == [
        (p.cell, "қате" if p.severity == ERROR else "ескерту") for p in errors_first(problems[:4])
    ]
    assert [r[2].value for r in rows] == ["қате", "қате", "қате", "ескерту"]


# ---- the message catalogue ---------------------------------------------------------------------------------------

_RULE_AT = {"problem": 0, "Problem": 3, "CellDefect": 2}  # the rule's position among a call's arguments
_RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _rule_literal(node: ast.expr) -> list[str]:
    """The rule ids a node spells: a string of a rule id's shape, or a tuple, list or set of them."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [r for element in node.elts for r in _rule_literal(element)]
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) and _RULE_ID.match(node.value) else []


def _rule_ids_in(node: ast.AST) -> list[str]:
    """Rule ids one node of the code names: a problem made (``problem("rule", ...)``, ``Problem(file, sheet, cell,
    "rule", ...)``, ``CellDefect(row, col, "rule", ...)``, ``rule="..."``), a (rule, message) pair a function named
    for problems returns, a comparison with a problem's rule (``p.rule == "..."``, ``rule_id in (...)``)."""
    if isinstance(node, ast.Call):
        at = _RULE_AT.get(_name(node.func))
        found = _rule_literal(node.args[at]) if at is not None and len(node.args) > at else []
        return found + [r for k in node.keywords if k.arg == "rule" for r in _rule_literal(k.value)]
    if isinstance(node, ast.FunctionDef) and "problem" in node.name:
        returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)]
        return [rule for value in returns if value.elts for rule in _rule_literal(value.elts[0])]
    if isinstance(node, ast.Compare) and any(_name(side) in ("rule", "rule_id") for side in [node.left, *node.comparators]):
        return [r for side in [node.left, *node.comparators] for r in _rule_literal(side)]
    return []


def _rule_ids_of_the_code() -> dict[str, str]:
    """Every rule id the code can report, with a file that names it: the rules of schemas/rules.yaml, and the ids the
    library's source spells where it makes or tests a problem (found in its syntax tree, which sees a call spread over
    several lines as one: a new rule cannot be forgotten by writing its call otherwise)."""
    found = {rule["id"]: "schemas/rules.yaml" for rule in load_yaml(ROOT / "schemas" / "rules.yaml")["rules"]}
    for path in sorted([*(ROOT / "yearbook").rglob("*.py"), *(ROOT / "assets").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for rule in _rule_ids_in(node):
                found.setdefault(rule, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_a_rule_however_its_problem_is_written() -> None:
    code = """
def read(ctx, sub):
    ctx.problem(
        "spread_over_lines",
        f"a message {sub}",
    )
    out.append(Problem(sub.relpath, None, None, "fourth_argument", "text", WARNING))
    defects.append(CellDefect(1, 2, "third_argument", "text"))
    yield Problem(file=sub, sheet=None, cell=None, rule="by_keyword", message="text")
    if p.rule in ("compared_one", "compared_two"):
        pass

def _form_problem(codes):
    return "returned_pair", "a message"
"""
    found = [rule for node in ast.walk(ast.parse(code)) for rule in _rule_ids_in(node)]
    assert sorted(found) == sorted(
        ["spread_over_lines", "fourth_argument", "third_argument", "by_keyword", "compared_one", "compared_two", "returned_pair"]
    )


def test_the_scan_finds_the_rules_of_every_kind_of_call() -> None:
    found = _rule_ids_of_the_code()
    spread = {"cell_too_long", "formula_without_value", "missing_header", "unknown_sheet", "no_form_code", "mixed_forms", "notice"}
    assert spread <= set(found), spread - set(found)
    assert {"figure_table", "sex_sum", "coverage_agrees", "unreadable_file", "merged_data_cells"} <= set(found)
    assert len(found) >= 60


def test_every_rule_the_code_can_report_has_its_text_in_three_languages() -> None:
    raw = load_yaml(ROOT / "schemas" / "messages.yaml")
    missing = {rule: where for rule, where in _rule_ids_of_the_code().items() if rule not in raw}
    assert not missing, f"rules without an entry in schemas/messages.yaml: {missing}"
    for rule, texts in raw.items():
        assert set(texts) == {"kk", "ru", "en"}, rule
        for lang, text in texts.items():
            assert isinstance(text, str) and 20 <= len(text.strip()) <= 400, (rule, lang)
            assert text.rstrip().endswith("."), (rule, lang)
            assert "{" not in text, (rule, lang)  # no placeholder: the problem's own message carries the specifics
    assert load_messages() == {r: {lang: t.strip() for lang, t in texts.items()} for r, texts in raw.items()}


def test_a_catalogue_entry_without_a_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "messages.yaml"
    path.write_text("invalid_value:\n  kk: Қате.\n  ru: Ошибка.\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="'invalid_value' has no text in en"):
        load_messages(path)


def test_the_kazakh_and_russian_texts_are_written_in_their_own_script() -> None:
    """A Kazakh text uses Kazakh letters somewhere and a Russian text none; neither is English left untranslated."""
    kazakh = set("әғқңөұүһі")
    for rule, texts in load_messages().items():
        assert kazakh & set(texts["kk"].lower()), (rule, texts["kk"])
        assert not kazakh & set(texts["ru"].lower()), (rule, texts["ru"])
        for lang in ("kk", "ru"):
            assert len(re.findall(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]", texts[lang])) > len(re.findall(r"[A-Za-z]", texts[lang])), (rule, lang)


def test_the_feedback_words_are_in_every_language() -> None:
    assert set(load_words()) == {"kk", "ru", "en"}
    keys = set(load_words()["en"])
    assert all(set(words) == keys for words in load_words().values())
