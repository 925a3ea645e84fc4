"""Normalising header and row labels so that spelling drift does not matter.

Ministries vary case, spaces, line breaks, dashes, trailing ``:`` or ``*`` and footnote
marks (``Ақтөбе облысы*``, ``Всего 1)``, ``Total²``). Every label is compared in the
normalised form produced here, on both sides (the submission and the code lists).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
FOOTNOTE_MARKS = frozenset("*" + SUPERSCRIPTS)
_DASHES = re.compile(r"\s*[\-\u2010\u2011\u2012\u2013\u2014\u2212]\s*")
_SPACES = re.compile(r"\s+")
_NOT_BEFORE_A_NOTE = frozenset("(.,/-\u2010\u2011\u2012\u2013\u2014\u2212")  # '(1)', '2.5)', '0-17)': no note mark


def strip_footnote_marks(text: str) -> str:
    """Remove trailing footnote marks and a trailing colon: ``'Ақтөбе облысы* '`` -> ``'Ақтөбе облысы'``.

    The marks are runs of ``*`` and superscripts, ``1)`` or ``12)`` and ``:``, in any number and order, with spaces
    between. Scanned back from the end in one pass (a regular expression with nested repetition took
    exponential time on a long run of ``*`` before other text)."""
    end = _before_spaces(text, len(text))
    while end:
        last = text[end - 1]
        if last in FOOTNOTE_MARKS or last == ":":
            end -= 1
        elif (note := _numbered_note(text, end)) < end:
            end = note
        else:
            break
        end = _before_spaces(text, end)
    return text[:end].strip()


def _numbered_note(text: str, end: int) -> int:
    """Where a numbered note mark ``1)`` or ``12)`` ending at ``end`` begins (the reader's footnote rows are numbered
    so too), else ``end``: one or two digits and ``)``, not the end of a longer number, a bracket, a range or a decimal
    (``'123)'``, ``'(1)'``, ``'(0-17)'``, ``'(2.5)'``), which is part of the label."""
    if not end or text[end - 1] != ")":
        return end
    start = end - 1
    while start > end - 3 and start and text[start - 1].isdecimal():
        start -= 1
    if start == end - 1 or (start and (text[start - 1].isdecimal() or text[start - 1] in _NOT_BEFORE_A_NOTE)):
        return end
    return start


def _before_spaces(text: str, end: int) -> int:
    while end and text[end - 1].isspace():
        end -= 1
    return end


def normalize_label(value: object) -> str:
    """The comparison form of a label: lower case, one space, plain dashes, no marks."""
    if value is None:
        return ""
    return _normalize(str(value))


@lru_cache(maxsize=1 << 16)  # the same few thousand labels recur in every sheet and workbook
def _normalize(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = _SPACES.sub(" ", text).strip()
    text = strip_footnote_marks(text)
    text = text.lower().replace("ё", "е")
    text = _DASHES.sub("-", text)
    text = re.sub(r"\.\s+", ".", text)
    return text


def label_variants(value: object) -> tuple[str, ...]:
    """The normalised label and, for bilingual labels ``'Барлығы / Всего'``, each side of it."""
    return () if value is None else _variants(str(value))


@lru_cache(maxsize=1 << 16)
def _variants(text: str) -> tuple[str, ...]:
    full = _normalize(text)
    if not full:
        return ()
    if " / " not in text:
        return (full,)
    return (full, *(_normalize(part) for part in text.split(" / ")))


def mixed_scripts(text: str) -> str:
    """Where a label mixes Latin and Cyrillic letters in one word ('Кoстанайская' with a Latin o): which letters are of
    the other script, said so that a clerk who sees no difference can retype them; '' for any other text."""
    found = []
    for word in re.finditer(r"\w+", text):
        scripts = [_script(ch) for ch in word.group()]
        if "LATIN" in scripts and "CYRILLIC" in scripts:
            minority = min(("LATIN", "CYRILLIC"), key=scripts.count)
            letters = zip(word.group(), scripts, strict=True)
            found += [(word.start() + k, ch, minority) for k, (ch, script) in enumerate(letters) if script == minority]
    if not found:
        return ""
    shown = ", ".join(f"{ch!r} (character {at + 1}) is {script.title()}" for at, ch, script in found[:3]) + (" …" if len(found) > 3 else "")
    return f"; it mixes Latin and Cyrillic letters in one word: {shown}: retype them"


def _script(ch: str) -> str:
    """The script of a letter as its Unicode name begins ('LATIN', 'CYRILLIC'), '' for anything else."""
    return unicodedata.name(ch, "").split(" ")[0] if ch.isalpha() else ""
