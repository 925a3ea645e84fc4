"""Unit tests of the label normaliser (yearbook.labels.normalize_label) against FORMS.md (issue #19).

FORMS.md, "Layout drift that a reader must tolerate": label case, extra spaces, line breaks and a trailing ``:`` or
``*`` vary (``Всего``, ``всего``, ``Всего*``, ``Всего\\n``); region labels may carry a footnote mark
(``Ақтөбе облысы*``); age labels drift (``0–6 yrs``). Every label is compared in its normalised form, so each drift
must normalise to the same text as the clean label, and labels that differ must stay apart.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yearbook.labels import normalize_label

FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None)

SAME = [
    # label case, extra spaces, line breaks and a trailing ':' or '*' vary
    pytest.param("всего", "Всего", id="a capital first letter"),
    pytest.param("ВСЕГО", "Всего", id="all capitals"),
    pytest.param("Всего*", "Всего", id="a trailing star"),
    pytest.param("Всего\n", "Всего", id="a trailing line break"),
    pytest.param("Всего:", "Всего", id="a trailing colon"),
    pytest.param("  Всего  ", "Всего", id="spaces around the label"),
    pytest.param("Всего *:", "Всего", id="a star and a colon, with a space"),
    pytest.param("Родившиеся\nживыми", "Родившиеся живыми", id="a line break between words"),
    pytest.param("Родившиеся   живыми", "Родившиеся живыми", id="several spaces between words"),
    pytest.param("Родившиеся\u00a0живыми", "Родившиеся живыми", id="a no-break space between words"),
    pytest.param("Родившиеся \n\t живыми", "Родившиеся живыми", id="a run of mixed white space between words"),
    pytest.param("в том числе:", "в том числе", id="an of-which word with its colon"),
    # region labels may carry a footnote mark (Ақтөбе облысы*); footnotes are marked *, superscripts and 1)
    pytest.param("Ақтөбе облысы*", "Ақтөбе облысы", id="a region with a star"),
    pytest.param("Ақтөбе облысы¹", "Ақтөбе облысы", id="a region with a superscript one"),
    pytest.param("Ақтөбе облысы 1)", "Ақтөбе облысы", id="a region with the note 1)"),
    pytest.param("Ақтөбе облысы* ¹ 2)", "Ақтөбе облысы", id="a region with several marks"),
    pytest.param("Total²", "Total", id="an English total with a superscript two"),
    pytest.param("Всего 1)", "Всего", id="a total with the note 1)"),
    # Kazakh and Russian letters in any case; e and yo are one letter in comparisons
    pytest.param("ҚАЗАҚСТАН РЕСПУБЛИКАСЫ", "Қазақстан Республикасы", id="Kazakh letters in capitals"),
    pytest.param("ҰЛДАР", "ұлдар", id="Kazakh boys in capitals"),
    pytest.param("Всё население", "Все население", id="yo written as e"),
    # age labels drift (0–6 yrs, 7 to 14): any dash is a hyphen, with or without spaces around it
    pytest.param("0–6 yrs", "0-6 yrs", id="an en dash in an age range"),
    pytest.param("0—6 yrs", "0-6 yrs", id="an em dash in an age range"),
    pytest.param("0 - 6 yrs", "0-6 yrs", id="spaces around the hyphen of an age range"),
    pytest.param("0\u2011 6 yrs", "0-6 yrs", id="a non-breaking hyphen in an age range"),
    pytest.param("15−17", "15-17", id="a minus sign in an age range"),
    pytest.param("Дети - сироты", "Дети-сироты", id="a spaced hyphen in a compound word"),
    # Russian city labels: g. Almaty with or without a space after the point
    pytest.param("г. Алматы", "г.Алматы", id="a space after an abbreviation point"),
]


@pytest.mark.parametrize(("drifted", "clean"), SAME)
def test_a_drifted_label_normalises_as_the_clean_one(drifted: str, clean: str) -> None:
    assert normalize_label(drifted) == normalize_label(clean)


EXACT = [
    pytest.param("  Ақтөбе облысы* ", "ақтөбе облысы", id="lower case, no mark, no outer space"),
    pytest.param("Родившиеся\nживыми:", "родившиеся живыми", id="one space, no colon"),
    pytest.param("Total 0–17", "total 0-17", id="a plain hyphen"),
    pytest.param("Всё население", "все население", id="no yo"),
    pytest.param(None, "", id="an empty cell is the empty label"),
    pytest.param("", "", id="an empty text is the empty label"),
    pytest.param("*", "", id="a mark alone is the empty label"),
    pytest.param(17, "17", id="a number cell (an age row) is its digits"),
    pytest.param(0, "0", id="the age 0 as a number cell is 0"),
]


@pytest.mark.parametrize(("raw", "expected"), EXACT)
def test_the_normalised_form(raw: object, expected: str) -> None:
    assert normalize_label(raw) == expected


APART = [
    # normalising must not merge labels that name different things
    pytest.param("Умершие в возрасте до 1 года", "Умершие в возрасте до 5 лет", id="deaths under 1 and under 5"),
    pytest.param("0-17 лет", "0-6 лет", id="two age groups"),
    pytest.param("Total 0-17", "Total", id="a total of an age group and the plain total"),
    pytest.param("17", "1", id="a digit ending an age label is not a footnote mark"),
    pytest.param("7-14", "7", id="an age range is not a number and a dash"),
    pytest.param("Внешняя миграция: страны СНГ", "Внешняя миграция страны СНГ", id="a colon inside a label stays"),
    pytest.param("Барлығы / Всего", "Барлығы", id="a bilingual label is not one of its sides"),
    pytest.param("мальчики", "девочки", id="boys and girls"),
    pytest.param("Дети (0-17)", "Дети (0-16)", id="two age ranges in brackets"),
    pytest.param("Ақмола облысы", "Ақтөбе облысы", id="two regions"),
]


@pytest.mark.parametrize(("one", "other"), APART)
def test_different_labels_stay_apart(one: str, other: str) -> None:
    assert normalize_label(one) != normalize_label(other)


# A footnote mark may be numbered with two digits: the reader itself takes footnote rows '12)' (reader.FOOTNOTE_ROW)
@pytest.mark.parametrize(
    ("drifted", "clean"),
    [
        pytest.param("Всего 12)", "Всего", id="a total with the note 12)"),
        pytest.param("Ақтөбе облысы12)", "Ақтөбе облысы", id="a region with the note 12) written close"),
        pytest.param("Ақтөбе облысы 10) 2)*", "Ақтөбе облысы", id="a region with the notes 10), 2) and *"),
    ],
)
def test_a_two_digit_footnote_mark_is_stripped_whole(drifted: str, clean: str) -> None:
    assert normalize_label(drifted) == normalize_label(clean)


# Digits and ')' that end a number, a bracket, a range or a decimal are part of the label, not a footnote mark
@pytest.mark.parametrize(
    ("label", "expected"),
    [
        pytest.param("Всего 123)", "всего 123)", id="three digits are no note number"),
        pytest.param("Дети (0-17)", "дети (0-17)", id="an age range in brackets"),
        pytest.param("Дети (1)", "дети (1)", id="a number in brackets"),
        pytest.param("Доля (2.5)", "доля (2.5)", id="a decimal in brackets"),
    ],
)
def test_digits_closing_a_bracket_are_no_footnote_mark(label: str, expected: str) -> None:
    assert normalize_label(label) == expected


# Properties -------------------------------------------------------------------------------------------------------

LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі" + "abcdefghijklmnopqrstuvwxyz"
WORDS = st.text(st.sampled_from(LETTERS + "0123456789-.,/()"), min_size=1, max_size=12)
LABELS = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)
MARKS = st.lists(st.sampled_from(["*", "¹", "²", "³", ":", " 1)", " 2)", " ", "\n"]), min_size=1, max_size=4).map("".join)
SPACES = st.sampled_from([" ", "  ", "\n", "\u00a0", "\t", " \n "])


@settings(max_examples=1000, deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=40))
def test_normalising_is_idempotent(text: str) -> None:
    once = normalize_label(text)
    assert normalize_label(once) == once


@FAST
@given(label=LABELS)
def test_case_does_not_matter(label: str) -> None:
    assert normalize_label(label.upper()) == normalize_label(label.lower()) == normalize_label(label)


@FAST
@given(words=st.lists(WORDS, min_size=2, max_size=5), data=st.data())
def test_the_white_space_between_words_does_not_matter(words: list[str], data: st.DataObject) -> None:
    spaced = words[0] + "".join(data.draw(SPACES, label="space") + w for w in words[1:])
    assert normalize_label(spaced) == normalize_label(" ".join(words))


@FAST
@given(label=LABELS, marks=MARKS, before=st.sampled_from(["", " ", "  ", "\n"]))
def test_trailing_footnote_marks_colons_and_spaces_do_not_matter(label: str, marks: str, before: str) -> None:
    assert normalize_label(before + label + marks) == normalize_label(label)


@FAST
@given(label=LABELS)
def test_the_normalised_form_is_lower_case_single_spaced_and_trimmed(label: str) -> None:
    out = normalize_label(label.upper())
    assert out == out.lower() and out == out.strip() and "  " not in out and "ё" not in out
