"""Workbooks read once (yearbook/read_cache.py): a kept read is taken only for the workbook as it was read, under
the same reading rules, and gives what reading it again gives; the problems of a workbook do not depend on the
workbooks validated with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from tests.conftest import SAMPLES
from yearbook import read_cache
from yearbook.read_cache import KeptReads, WorkbookRead, read_workbooks
from yearbook.submissions import SubmissionFile, discover_year

DEM2 = "2018/Рождаемость и смертность детей 2018.xlsx"
MOH = "2018/MOH children health 2018 final.xlsx"


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return shutil.copytree(SAMPLES, tmp_path / "raw")


def _files(raw: Path) -> list[SubmissionFile]:
    files, problems = discover_year(raw, 2018)
    assert files and not problems
    return files


def _same(got: list[WorkbookRead], expected: list[WorkbookRead]) -> None:
    assert len(got) == len(expected)
    for read, other in zip(got, expected, strict=True):
        assert read.figures.equals(other.figures) and read.problems == other.problems


def _spoil(path: Path, sheet: str, cell: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def _read_nothing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the workbooks read from now on (read_cache reads through read_submission)."""
    read: list[str] = []
    real = read_cache.read_submission

    def reading(sub: SubmissionFile, *args, **kwargs):
        read.append(sub.relpath)
        return real(sub, *args, **kwargs)

    monkeypatch.setattr(read_cache, "read_submission", reading)
    return read


def test_a_kept_read_is_what_reading_the_workbook_again_gives(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _spoil(raw / DEM2, "Лист1", "C9", 1e308)  # a problem to keep too: implausible_value, sex_sum
    files, kept = _files(raw), KeptReads(tmp_path / "reads")
    first = read_workbooks(files, kept)
    assert any(read.problems for read in first) and not any(read.carried_over for read in first)
    read = _read_nothing(monkeypatch)
    again = read_workbooks(files, kept)
    assert read == [] and all(r.carried_over for r in again)
    _same(again, first)
    assert read_workbooks(files, kept, carry_over=False) and read == [f.relpath for f in files]  # a full rebuild reads all
    folder = tmp_path / "reads"
    assert folder.stat().st_mode & 0o777 == 0o700 and all(p.stat().st_mode & 0o777 == 0o600 for p in folder.rglob("*.pickle"))


def test_a_corrected_workbook_is_read_again_and_only_it(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = KeptReads(tmp_path / "reads")
    read_workbooks(_files(raw), kept)
    _spoil(raw / MOH, "Suicides 15-17", "C6", "??")
    read = _read_nothing(monkeypatch)
    files = _files(raw)  # the inventory is taken again: the workbook's checksum is its content's now
    got = read_workbooks(files, kept)
    assert read == [MOH]
    _same(got, read_workbooks(files))
    assert any(p.cell == "C6" for p in got[[f.relpath for f in files].index(MOH)].problems)


def test_other_reading_rules_read_every_workbook_again(
    raw: Path, tmp_path: Path, schemas_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(raw)
    read_workbooks(files, KeptReads(tmp_path / "reads"))
    rules = schemas_copy / "rules.yaml"
    declared = yaml.safe_load(rules.read_text(encoding="utf-8"))
    rules.write_text(yaml.safe_dump(declared, allow_unicode=True), encoding="utf-8")  # the same rules, written otherwise
    read = _read_nothing(monkeypatch)
    read_workbooks(files, KeptReads(tmp_path / "reads"))
    assert sorted(read) == sorted(f.relpath for f in files)


def test_a_workbook_moved_gone_or_a_damaged_kept_read_is_not_taken(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = KeptReads(tmp_path / "reads")
    files = _files(raw)
    read_workbooks(files, kept)
    kept_files = sorted((tmp_path / "reads" / "2018").iterdir())
    assert len(kept_files) == len(files)
    kept_files[0].write_bytes(b"not a pickle")
    moved = shutil.copytree(raw, tmp_path / "elsewhere")  # the same names and bytes in another folder
    read = _read_nothing(monkeypatch)
    read_workbooks(files, kept)
    assert len(read) == 1  # the damaged one
    read_workbooks(_files(moved), kept)
    assert len(read) == 1 + len(files)  # its messages may name where a workbook lies
    (raw / MOH).unlink()
    kept.keep_only([2018], {2018: _files(raw)})
    assert len(list((tmp_path / "reads" / "2018").iterdir())) == len(files) - 1


def test_a_workbooks_problems_do_not_depend_on_the_workbooks_validated_with_it(raw: Path) -> None:
    """Every rule compares figures of one file: validated together (one call, as a build's share of workbooks) or
    alone, each workbook has the same problems."""
    _spoil(raw / DEM2, "Лист1", "C9", 1e308)
    _spoil(raw / MOH, "Suicides 15-17", "C6", "??")
    files = _files(raw)
    together = read_workbooks(files)
    assert sum(bool(read.problems) for read in together) >= 2
    _same(together, [read_workbooks([sub])[0] for sub in files])


def test_a_spec_changed_after_this_process_loaded_it_is_read_with_as_it_is_now(raw: Path, tmp_path: Path, schemas_copy: Path) -> None:
    """A process that loaded the code lists before (Dagster's, or a build that waited for the lock) reads with them as
    they are when it reads, which is what the key of its kept reads says."""
    files = _files(raw)
    assert not any(read.problems for read in read_workbooks(files, KeptReads(tmp_path / "reads")))  # loads the lists
    regions = schemas_copy / "codelists" / "regions.csv"
    lines = regions.read_text(encoding="utf-8").splitlines(keepends=True)
    regions.write_text("".join(line for line in lines if not line.startswith("KZ-19,")), encoding="utf-8")
    again = read_workbooks(files, KeptReads(tmp_path / "reads"))
    assert not any(read.carried_over for read in again) and any(read.problems for read in again)


def test_nothing_read_while_a_spec_changed_is_kept(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = KeptReads(tmp_path / "reads")
    monkeypatch.setattr(read_cache, "reading_digest", lambda: "saved while reading")
    read_workbooks(_files(raw), kept)
    assert not list((tmp_path / "reads").rglob("*.pickle"))


def test_a_workbook_that_could_not_be_opened_is_tried_again(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cause may have been the machine's (memory, a file system error): its refusal is not kept."""
    kept, files = KeptReads(tmp_path / "reads"), _files(raw)
    real = read_cache.read_submission

    class OutOfMemory:
        @staticmethod
        def from_filelike(*args: object) -> None:
            raise MemoryError

    def reading(sub: SubmissionFile, *args, **kwargs):
        if sub.relpath != MOH:
            return real(sub, *args, **kwargs)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("yearbook.workbook.CalamineWorkbook", OutOfMemory)
            return real(sub, *args, **kwargs)

    monkeypatch.setattr(read_cache, "read_submission", reading)
    at = [f.relpath for f in files].index(MOH)
    assert any(p.rule == "unreadable_file" for p in read_workbooks(files, kept)[at].problems)
    monkeypatch.setattr(read_cache, "read_submission", real)
    again = read_workbooks(files, kept)[at]
    assert not again.carried_over and not again.problems


def test_a_damaged_store_of_kept_reads_is_repaired_not_fatal(raw: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reads"
    folder.mkdir()
    (folder / "2018").write_text("a file where a folder belongs")
    (folder / "2003").mkdir()  # a year without a folder
    files = _files(raw)
    assert len(read_workbooks(files, KeptReads(folder))) == len(files)  # read, not kept, not failed
    KeptReads(folder).keep_only([2018], {2018: files})
    assert [p.name for p in folder.iterdir()] == []
    read_workbooks(files, KeptReads(folder))
    assert len(list((folder / "2018").glob("*.pickle"))) == len(files)


def test_the_reading_digest_follows_linked_folders_and_a_loop_ends(schemas_copy: Path, tmp_path: Path) -> None:
    from yearbook.config import reading_digest

    before = reading_digest()
    (schemas_copy / "codelists" / "loop").symlink_to(schemas_copy)  # a link to a folder above: walked once
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "extra.csv").write_text("code\nA\n", encoding="utf-8")
    (schemas_copy / "forms" / "linked").symlink_to(linked)
    assert reading_digest() != before
    with_link = reading_digest()
    (linked / "extra.csv").write_text("code\nB\n", encoding="utf-8")
    assert reading_digest() != with_link
