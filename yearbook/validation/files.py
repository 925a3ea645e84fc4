"""One or more workbooks validated on their own, while the clerk who corrected them is on the phone.

The same reading and the same rules as a build, for these files only: the form found from the content, the
reference year from the folder the file is in (``.../2018/file.xlsx``) or given. What needs the year's other
workbooks (a form sent twice, a form missing, a rule across forms) is the build's to check.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from yearbook.config import staff_language
from yearbook.problems import Problem, errors_first
from yearbook.read_cache import read_workbooks
from yearbook.submissions import YEAR_FOLDER, SubmissionFile, file_sha256
from yearbook.validation.feedback import feedback_paths, write_feedback


class NotValidated(ValueError):
    """Files that cannot be validated as given: a reference year unknown, two files under one name."""


def submission_file(path: Path, year: int | None) -> SubmissionFile:
    """``path`` as a build finds it: named relative to the raw folder (``2018/<name>``, or the folders below the year
    folder too), with the year of its year folder unless ``year`` is given."""
    path = path.resolve()
    folders = [p for p in path.parents if YEAR_FOLDER.match(p.name)]
    if year is None and not folders:
        raise NotValidated(f"{path}: the reference year is neither its folder's name (raw/<year>/) nor given (--year)")
    if folders and (year is None or int(folders[0].name) == year):
        relpath = path.relative_to(folders[0].parent).as_posix()
        year = int(folders[0].name)
    else:
        relpath = f"{year}/{path.name}"
    assert year is not None
    return SubmissionFile(path, relpath, year, file_sha256(path))


def validate_files(paths: list[Path], year: int | None = None) -> list[Problem]:
    """Every problem of these workbooks, errors first: reading, the figures' schema and the consistency rules over
    their figures together."""
    named = [submission_file(path, year) for path in paths]
    seen: dict[str, Path] = {}
    for sub in named:
        if sub.relpath in seen:
            raise NotValidated(f"{seen[sub.relpath]} and {sub.path} would both be {sub.relpath}: validate them one at a time")
        seen[sub.relpath] = sub.path
    return errors_first([p for read in read_workbooks(named) for p in read.problems])


def write_files_feedback(problems: list[Problem], paths: list[Path], year: int | None, folder: Path) -> list[Path]:
    """The feedback workbooks of these files (yearbook.validation.feedback) into ``folder``, each where a build puts
    it (``<year>/...``), wherever the file lies: the files are seen under those names in a folder of links."""
    with tempfile.TemporaryDirectory(prefix="yearbook-validate-") as links:
        for path in paths:
            relpath = submission_file(path, year).relpath
            for old in feedback_paths(folder, relpath):  # a corrected workbook keeps no feedback of its last check
                old.unlink(missing_ok=True)
            named = Path(links, relpath)
            named.parent.mkdir(parents=True, exist_ok=True)
            named.symlink_to(path.resolve())
        return write_feedback(problems, Path(links), folder, staff_language())
