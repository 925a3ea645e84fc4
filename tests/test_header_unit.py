"""Unit tests of header finding (issue #19): which data column the reader takes each column of a sheet for, and what
it refuses, against FORMS.md, "Layout drift that a reader must tolerate".

Header finding (``yearbook.reader._find_header`` and its helpers) is private and being reshaped, so it is tested
through the narrowest public entry point that sees it: :func:`yearbook.reader.read_sheet` on a small in-memory grid
(no workbook on disk) built as the workbook reader builds it (blank rows and columns dropped, merged ranges kept). A
sheet here is a title, a header and one data row, the national one; each figure read tells which column its header
was taken for (its cell, its indicator and its codes), and the header's refusals are the problems reported.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter, range_boundaries

from yearbook.codelists import load_codelists
from yearbook.model import DIMENSIONS, TOTAL
from yearbook.reader import read_sheet
from yearbook.specs import load_forms
from yearbook.workbook import _grid

YEAR = 2018
FORMS = load_forms()
LISTS = load_codelists()


def _sheet(rows: list[list[object]], merged: tuple[str, ...] = ()):
    """A sheet's grid as the workbook reader hands it over: ``rows`` from A1 (None or '' for a blank cell), merged
    ranges written as in Excel ('B2:D2')."""
    ranges = []
    for text in merged:
        c0, r0, c1, r1 = range_boundaries(text)
        ranges.append(((r0 - 1, c0 - 1), (r1 - 1, c1 - 1)))
    return _grid("Лист1", [list(r) for r in rows], ranges, [])


def read_columns(form: str, rows: list[list[object]], merged: tuple[str, ...] = ()) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """What the reader made of a sheet's header: {cell of a figure: the column it was read as} and the problems
    (rule, cell), the list of regions aside (a sheet here has the national row only). A column is named by its
    indicator and its codes other than totals: 'BIRTHS_LIVE.M' is the live births of boys."""
    read = read_sheet(f"{YEAR}/book.xlsx", _sheet(rows, merged), FORMS[form], YEAR, LISTS)
    columns = {}
    for figure in read.figure_records():
        columns[figure["source_cell"]] = ".".join([figure["indicator"], *(figure[d] for d in DIMENSIONS if figure[d] != TOTAL)])
    problems = sorted((p.rule, p.cell) for p in read.problems if p.rule != "missing_region")
    return columns, problems


def at_row(row: int, columns: dict[str, str]) -> dict[str, str]:
    """{column letter: column} of a data row as {cell: column}."""
    return {f"{letter}{row}": column for letter, column in columns.items()}


def _letters(start: str, columns: list[str]) -> dict[str, str]:
    first = range_boundaries(f"{start}1")[0]
    return {get_column_letter(first + k): c for k, c in enumerate(columns)}


# F-DEM-2 (Russian): groups Родившиеся живыми | Умершие в возрасте до 1 года | Умершие в возрасте до 5 лет, each split
# всего | мальчики | девочки
DEM2_TITLE = "Родившиеся живыми и умершие дети в возрасте до 5 лет, 2018 год (Форма F-DEM-2)"
DEM2_GROUPS = ["Родившиеся живыми", "Умершие в возрасте до 1 года", "Умершие в возрасте до 5 лет"]
SEXES = ["всего", "мальчики", "девочки"]
DEM2 = [f"{i}{s}" for i in ("BIRTHS_LIVE", "DEATHS_INFANT", "DEATHS_U5") for s in ("", ".M", ".F")]
DEM2_COLUMNS = _letters("B", DEM2)
NATIONAL = "Республика Казахстан"
FIGURES = list(range(101, 110))


def _groups_merged(groups: list[str] = DEM2_GROUPS) -> list[object]:
    """The upper header row: each group label over the first of its three columns (the others blank)."""
    return [None, *(x for g in groups for x in (g, None, None))]


def _merges(row: int, first: str = "B", groups: int = 3) -> tuple[str, ...]:
    start = range_boundaries(f"{first}1")[0]
    return tuple(f"{get_column_letter(start + 3 * k)}{row}:{get_column_letter(start + 3 * k + 2)}{row}" for k in range(groups))


DEM2_LAYOUTS = [
    # headers on one or two rows, with merged cells
    pytest.param(
        [[DEM2_TITLE], _groups_merged(), [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        _merges(2),
        at_row(4, DEM2_COLUMNS),
        id="two header rows, each group label merged over its three columns",
    ),
    pytest.param(
        [[DEM2_TITLE], _groups_merged(), [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        (),
        at_row(4, DEM2_COLUMNS),
        id="two header rows, each group label over the first of its columns, not merged",
    ),
    pytest.param(
        [[DEM2_TITLE], [None, *(g for g in DEM2_GROUPS for _ in SEXES)], [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        (),
        at_row(4, DEM2_COLUMNS),
        id="two header rows, the group label repeated over each of its columns",
    ),
    pytest.param(
        [[DEM2_TITLE], ["Регион", *_groups_merged()[1:]], [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        ("A2:A3", *_merges(2)),
        at_row(4, DEM2_COLUMNS),
        id="the row labels' header merged down over both header rows",
    ),
    pytest.param(
        [[DEM2_TITLE], [None, *(f"{g}, {s}" for g in DEM2_GROUPS for s in SEXES)], [NATIONAL, *FIGURES]],
        (),
        at_row(3, DEM2_COLUMNS),
        id="one header row, each cell the group label and the sub-column label after a comma",
    ),
    pytest.param(
        [[DEM2_TITLE], [None, *(f"{g}\n{s}" for g in DEM2_GROUPS for s in SEXES)], [NATIONAL, *FIGURES]],
        (),
        at_row(3, DEM2_COLUMNS),
        id="one header row, each cell the group label and the sub-column label on two lines",
    ),
    # 1 to 5 title/subtitle/unit rows above the header
    *(
        pytest.param(
            [[DEM2_TITLE], *[[t] for t in extra], _groups_merged(), [None, *SEXES * 3], [NATIONAL, *FIGURES]],
            _merges(2 + len(extra)),
            at_row(4 + len(extra), DEM2_COLUMNS),
            id=f"{1 + len(extra)} title rows above the header",
        )
        for extra in ([], ["(человек)"], ["(человек)", "Бюро национальной статистики"], ["Форма F-DEM-2", "по регионам", "(человек)"])
    ),
    pytest.param(
        [
            ["Бюро национальной статистики"],
            ["Агентство по стратегическому планированию и реформам"],
            [DEM2_TITLE],
            ["по регионам Республики Казахстан"],
            ["(человек)"],
            _groups_merged(),
            [None, *SEXES * 3],
            [NATIONAL, *FIGURES],
        ],
        _merges(6),
        at_row(8, DEM2_COLUMNS),
        id="5 title rows above the header, the year in the third",
    ),
    # blank rows and blank columns anywhere
    pytest.param(
        [[], [DEM2_TITLE], [], [], _groups_merged(), [], [None, *SEXES * 3], [], [NATIONAL, *FIGURES]],
        _merges(5),
        at_row(9, DEM2_COLUMNS),
        id="blank rows above the title, between the title and the header, between the header rows and above the data",
    ),
    pytest.param(
        [
            [None, DEM2_TITLE],
            [
                None,
                None,
                None,
                "Родившиеся живыми",
                None,
                None,
                None,
                None,
                "Умершие в возрасте до 1 года",
                None,
                None,
                "Умершие в возрасте до 5 лет",
            ],
            [None, None, None, "всего", "мальчики", "девочки", None, None, "всего", "мальчики", "девочки", "всего", "мальчики", "девочки"],
            [None, NATIONAL, None, *FIGURES[:3], None, None, *FIGURES[3:]],
        ],
        ("D2:F2", "I2:K2", "L2:N2"),
        at_row(4, dict(zip("DEFIJKLMN", DEM2, strict=True))),
        id="blank columns before the labels, between the labels and the data and between two groups",
    ),
    # label case, extra spaces, line breaks and a trailing ':' or '*' vary
    pytest.param(
        [
            [DEM2_TITLE],
            [
                None,
                "РОДИВШИЕСЯ  ЖИВЫМИ:",
                None,
                None,
                "Умершие в возрасте\nдо 1 года*",
                None,
                None,
                " умершие в возрасте до 5 лет ",
                None,
                None,
            ],
            [None, "Всего*", "мальчики\n", " ДЕВОЧКИ:", "всего 1)", "Мальчики¹", "девочки", "всего", "мальчики", "девочки\n"],
            [NATIONAL, *FIGURES],
        ],
        _merges(2),
        at_row(4, DEM2_COLUMNS),
        id="label case, extra spaces, line breaks, a trailing colon, star or footnote mark",
    ),
    # columns in any order within a header group (and groups in any order: the reader reads columns in any order)
    pytest.param(
        [
            [DEM2_TITLE],
            _groups_merged(),
            [None, "девочки", "всего", "мальчики", "мальчики", "девочки", "всего", "всего", "девочки", "мальчики"],
            [NATIONAL, *FIGURES],
        ],
        _merges(2),
        at_row(4, _letters("B", [DEM2[i] for i in (2, 0, 1, 4, 5, 3, 6, 8, 7)])),
        id="columns in any order within each header group",
    ),
    pytest.param(
        [[DEM2_TITLE], _groups_merged(DEM2_GROUPS[::-1]), [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        _merges(2),
        at_row(4, _letters("B", DEM2[6:] + DEM2[3:6] + DEM2[:3])),
        id="header groups in any order",
    ),
    # kk/ru/en spellings, renamed columns
    pytest.param(
        [
            [DEM2_TITLE],
            _groups_merged(["Тірі туғандар", "1 жасқа дейін қайтыс болғандар", "5 жасқа дейін қайтыс болғандар"]),
            [None, *["барлығы", "ұлдар", "қыздар"] * 3],
            ["Қазақстан Республикасы", *FIGURES],
        ],
        _merges(2),
        at_row(4, DEM2_COLUMNS),
        id="Kazakh spellings of the group and sex labels",
    ),
    pytest.param(
        [
            [DEM2_TITLE],
            _groups_merged(["Live births", "Infant deaths", "Under-five deaths"]),
            [None, "Total", "Boys", "Girls", "Both sexes", "Male", "Female", "Total", "M", "F"],
            ["Kazakhstan", *FIGURES],
        ],
        _merges(2),
        at_row(4, DEM2_COLUMNS),
        id="English spellings of the group and sex labels",
    ),
    pytest.param(
        [
            [DEM2_TITLE],
            _groups_merged(["Родилось живыми", "Умерло детей в возрасте до 1 года", "Умерло детей в возрасте до 5 лет"]),
            [None, "всего", "юноши", "девушки", "оба пола", "мальчики", "девочки", "всего", "мальчики", "девочки"],
            [NATIONAL, *FIGURES],
        ],
        _merges(2),
        at_row(4, DEM2_COLUMNS),
        id="renamed columns: the other names the form spec gives them",
    ),
    pytest.param(
        [
            [DEM2_TITLE],
            _groups_merged(["Live births", "Умершие в возрасте до 1 года", "5 жасқа дейін қайтыс болғандар"]),
            [None, "Total", "мальчики", "қыздар", "барлығы", "Boys", "девочки", "всего", "ұлдар", "Girls"],
            [NATIONAL, *FIGURES],
        ],
        _merges(2),
        at_row(4, DEM2_COLUMNS),
        id="kk, ru and en spellings mixed in one header",
    ),
]


@pytest.mark.parametrize(("rows", "merged", "expected"), DEM2_LAYOUTS)
def test_each_column_is_read_as_its_header_says(rows: list[list[object]], merged: tuple[str, ...], expected: dict[str, str]) -> None:
    columns, problems = read_columns("F-DEM-2", rows, merged)
    assert problems == []
    assert columns == expected


# Other forms: a group axis in English (F-MOH-1), one-row headers (suicides), bilingual headers and "of which" group
# labels that may stand or not (F-MLSP-1), sub-columns under a group label (F-MOES-1)
MOH_TITLE = "Children with disabilities registered at the end of 2018 (Form F-MOH-1)"
SUICIDE_TITLE = "Suicides among adolescents aged 15-17, 2018 (Form F-MOH-1)"
NPC_TITLE = "Ата-анасының қамқорлығынсыз қалған балалар / Сведения о детях-сиротах, 2018 (Нысан / Форма F-MLSP-1)"
TSA_TITLE = "Атаулы әлеуметтік көмек / Адресная социальная помощь, 2018 (Нысан / Форма F-MLSP-1)"
SCHOOLS_TITLE = "Нысан F-MOES-1. Жалпы білім беретін мектептер және оқушылар, 2018 жыл"
NPC = "Жетім балалар және ата-анасының қамқорлығынсыз қалған балалар / Дети-сироты и дети, оставшиеся без попечения родителей"
NPC_OF_WHICH = [
    "интернаттық ұйымдарда / в организациях интернатного типа",
    "қамқоршылықта / под опекой",
    "патронаттық / в приемных семьях",
    "бала асырап алынды / усыновлено за год",
]
NPC_COLUMNS = _letters("B", ["NPC_CHILD", "NPC_RESID", "NPC_GUARD", "NPC_FOSTER", "ADOPTED"])
SCHOOLS_TOP = [
    "Өңір",
    "Оқушылар",
    None,
    None,
    "Мектептен тыс балалар 7-17",
    "Ерекше білім беру қажеттіліктері бар балалар",
    None,
    "Мектептер",
    None,
]
SCHOOLS_SUB = [None, "барлығы", "ұлдар", "қыздар", None, "барлығы", "үйде оқитын", "барлығы", "инклюзивті ортасы бар"]


def _schools_merged(row: int) -> tuple[str, ...]:
    """The schools sheet's merged header cells, its header on ``row`` and the row below."""
    return tuple(f"{a}{row}:{b}{row + (a == b)}" for a, b in (("A", "A"), ("B", "D"), ("E", "E"), ("F", "G"), ("H", "I")))


SCHOOLS_MERGED = _schools_merged(3)
SCHOOLS_COLUMNS = _letters("B", ["PUPILS", "PUPILS.M", "PUPILS.F", "OOS_CHILD", "SEN_CHILD", "SEN_HOME", "SCHOOLS", "SCHOOLS_INCL"])
MINISTRY = "Қазақстан Республикасы Білім және ғылым министрлігі"
KZ_KK = "Қазақстан Республикасы"

OTHER_LAYOUTS = [
    pytest.param(
        "F-MOH-1",
        [
            [MOH_TITLE],
            ["Region", "0–6 yrs", None, None, "7 to 14", None, None, "15-17 years", None, None, "Total 0-17", None, None],
            [None, "Total", "Boys", "Girls", "Total", "Boys", "girls", "Girls", "Boys", "Total", "Total", "Boys", "Girls"],
            ["Kazakhstan", *range(1, 13)],
        ],
        ("A2:A3", "B2:D2", "E2:G2", "H2:J2", "K2:M2"),
        at_row(
            4,
            _letters(
                "B",
                [f"DISAB_CHILD{s}.{a}" for a in ("Y0T6", "Y7T14") for s in ("", ".M", ".F")]
                + ["DISAB_CHILD.F.Y15T17", "DISAB_CHILD.M.Y15T17", "DISAB_CHILD.Y15T17"]
                + ["DISAB_CHILD.Y0T17", "DISAB_CHILD.M.Y0T17", "DISAB_CHILD.F.Y0T17"],
            ),
        ),
        id="English age group labels drift (0-6 yrs with an en dash, 7 to 14, 15-17 years, Total 0-17)",
    ),
    pytest.param(
        "F-MOH-1",
        [[SUICIDE_TITLE], ["number of deaths"], ["Region", "Boys", "Girls", "Total"], ["Total", "x", "-", "..."]],
        (),
        at_row(4, {"B": "SUICIDE_ADOL.M", "C": "SUICIDE_ADOL.F", "D": "SUICIDE_ADOL"}),
        id="one header row; the national row Total under it, its cells all symbols, is data, not a second header row",
    ),
    pytest.param(
        "F-MOH-1",
        [[SUICIDE_TITLE], ["Region", "Both sexes", "Female", "Male"], ["Kazakhstan", 3, 1, 2]],
        (),
        at_row(3, {"B": "SUICIDE_ADOL", "C": "SUICIDE_ADOL.F", "D": "SUICIDE_ADOL.M"}),
        id="one header row of other English sex labels, in another order",
    ),
    pytest.param(
        "F-MLSP-1",
        [
            [NPC_TITLE],
            ["Өңір / Регион", NPC, "оның ішінде / в том числе", None, None, None],
            [None, None, *NPC_OF_WHICH],
            [KZ_KK, 1, 2, 3, 4, 5],
        ],
        ("A2:A3", "B2:B3", "C2:F2"),
        at_row(4, NPC_COLUMNS),
        id="a bilingual of-which group label merged over the of-whom columns",
    ),
    pytest.param(
        "F-MLSP-1",
        [[NPC_TITLE], ["Өңір / Регион", NPC, *NPC_OF_WHICH], [KZ_KK, 1, 2, 3, 4, 5]],
        (),
        at_row(3, NPC_COLUMNS),
        id="the of-which group label left out: one header row",
    ),
    pytest.param(
        "F-MLSP-1",
        [
            [NPC_TITLE],
            [
                "Регион",
                "Дети-сироты и дети, оставшиеся без попечения родителей",
                "в том числе: в организациях интернатного типа",
                "в т.ч. под опекой",
                "из них в приемных семьях",
                "усыновлено за год",
            ],
            [NATIONAL, 1, 2, 3, 4, 5],
        ],
        (),
        at_row(3, NPC_COLUMNS),
        id="the of-which word written in the cell of each of-whom column, one language only",
    ),
    pytest.param(
        "F-MLSP-1",
        [
            [TSA_TITLE],
            ["Өңір / Регион", "Балалар / Дети", "Балалары бар отбасылар", "Доля детей с доходами ниже прожиточного минимума, %"],
            [KZ_KK, 1, 2, 3.5],
        ],
        (),
        at_row(3, {"B": "TSA_CHILD", "C": "TSA_FAMILIES", "D": "POVERTY_CHILD_RATE"}),
        id="bilingual headers: the whole label, its Kazakh side or its Russian side",
    ),
    pytest.param(
        "F-MLSP-1",
        [
            [TSA_TITLE],
            ["Region", "Children", "Families with children", "Share of children below the subsistence minimum, %"],
            ["Kazakhstan", 1, 2, 3.5],
        ],
        (),
        at_row(3, {"B": "TSA_CHILD", "C": "TSA_FAMILIES", "D": "POVERTY_CHILD_RATE"}),
        id="bilingual form, English labels",
    ),
    pytest.param(
        "F-MOES-1",
        [[SCHOOLS_TITLE], [MINISTRY], SCHOOLS_TOP, SCHOOLS_SUB, [KZ_KK, *range(1, 9)]],
        SCHOOLS_MERGED,
        at_row(5, SCHOOLS_COLUMNS),
        id="Kazakh groups with split and own sub-columns, a column merged down over both header rows",
    ),
    pytest.param(
        "F-MOES-1",
        [
            [SCHOOLS_TITLE],
            ["Регион", "Учащиеся", None, None, "Дети вне школы 7-17", "Дети с особыми образовательными потребностями", None, "Школы", None],
            [None, "всего", "мальчики", "девочки", None, "всего", "обучающиеся на дому", "всего", "с инклюзивной средой"],
            [NATIONAL, *range(1, 9)],
        ],
        _schools_merged(2),
        at_row(4, SCHOOLS_COLUMNS),
        id="the same sheet in Russian",
    ),
]


@pytest.mark.parametrize(("form", "rows", "merged", "expected"), OTHER_LAYOUTS)
def test_each_column_of_other_forms_is_read_as_its_header_says(
    form: str, rows: list[list[object]], merged: tuple[str, ...], expected: dict[str, str]
) -> None:
    columns, problems = read_columns(form, rows, merged)
    assert problems == []
    assert columns == expected


UNKNOWN_GROUP = "Умершие в возрасте до 7 лет"  # no group of F-DEM-2
REFUSED = [
    pytest.param(
        "F-DEM-2",
        [[DEM2_TITLE], [None, *(g for g in [*DEM2_GROUPS[:2], UNKNOWN_GROUP] for _ in SEXES)], [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        (),
        at_row(4, dict(list(DEM2_COLUMNS.items())[:6])),
        [*[("missing_column", "A2")] * 3, ("unknown_column", "H2"), ("unknown_column", "I2"), ("unknown_column", "J2")],
        id="a group label that is no group of the form is reported at its cell, its columns' figures not read",
    ),
    pytest.param(
        "F-DEM-2",
        [[DEM2_TITLE], _groups_merged([DEM2_GROUPS[0], DEM2_GROUPS[0], DEM2_GROUPS[2]]), [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        _merges(2),
        at_row(4, {**dict(list(DEM2_COLUMNS.items())[:3]), **dict(list(DEM2_COLUMNS.items())[6:])}),
        [("duplicate_column", "E3"), ("duplicate_column", "F3"), ("duplicate_column", "G3"), *[("missing_column", "A2")] * 3],
        id="the same column twice is reported, its second copy not read",
    ),
    pytest.param(
        "F-DEM-2",
        [[DEM2_TITLE], _groups_merged([DEM2_GROUPS[0], None, DEM2_GROUPS[2]]), [None, *SEXES * 3], [NATIONAL, *FIGURES]],
        _merges(2),
        at_row(4, {**dict(list(DEM2_COLUMNS.items())[:3]), **dict(list(DEM2_COLUMNS.items())[6:])}),
        [*[("ambiguous_column", "E2")] * 3, *[("missing_column", "A2")] * 3],
        id="sex labels under a blank merged group cell name no single column: refused at the blank cell, never guessed",
    ),
    pytest.param(
        "F-DEM-2",
        [
            [DEM2_TITLE],
            _groups_merged(DEM2_GROUPS[:2] + ["Умершие в возрасте до 5 лет"]),
            [None, *SEXES * 2, "всего", "мальчики", "мальчики"],
            [NATIONAL, *FIGURES],
        ],
        _merges(2),
        at_row(4, dict(list(DEM2_COLUMNS.items())[:8])),
        [("duplicate_column", "J3"), ("missing_column", "A2")],
        id="a sub-column label written twice in a group: the second is a duplicate, the missing one is reported",
    ),
    pytest.param(
        "F-DEM-2",
        [[DEM2_TITLE], [None, "Родившиеся живыми", None, None], [None, *SEXES], [NATIONAL, 1, 2, 3]],
        ("B2:D2",),
        at_row(4, dict(list(DEM2_COLUMNS.items())[:3])),
        [("missing_column", "A2")] * 6,
        id="a required column left out is reported missing at the header",
    ),
    pytest.param(
        "F-DEM-2",
        [[DEM2_TITLE], [None, "Показатель 1", "Показатель 2"], [NATIONAL, 1, 2]],
        (),
        {},
        [("missing_header", "A1")],
        id="a sheet without the form's header labels has no header: reported, nothing read",
    ),
    pytest.param(
        "F-DEM-2",
        [[DEM2_TITLE], [None, *(f"{g}, {s}" for g in DEM2_GROUPS for s in SEXES), 2018], [NATIONAL, *FIGURES]],
        (),
        {},
        [("missing_header", "A1")],
        id="a row holding a number is data, never the header",
    ),
]


REFUSED += [
    pytest.param(
        "F-MOES-1",
        [[SCHOOLS_TITLE], [MINISTRY], SCHOOLS_TOP, [*SCHOOLS_SUB[:2], "үйде оқитын", *SCHOOLS_SUB[3:]], [KZ_KK, *range(1, 9)]],
        SCHOOLS_MERGED,
        at_row(5, {k: v for k, v in SCHOOLS_COLUMNS.items() if k != "C"}),
        [("missing_column", "A3"), ("unknown_column", "C4")],
        id="a sub-column label of another group under a merged group label is refused, never read as the other group's",
    ),
]


@pytest.mark.parametrize(("form", "rows", "merged", "expected", "problems"), REFUSED)
def test_a_header_the_reader_cannot_read_with_certainty_is_refused(
    form: str, rows: list[list[object]], merged: tuple[str, ...], expected: dict[str, str], problems: list[tuple[str, str]]
) -> None:
    columns, reported = read_columns(form, rows, merged)
    assert reported == sorted(problems)
    assert columns == expected


# A title is no header, even when it begins with a column label and a separator: Мектептер and Оқушылар are columns of
# the schools sheet, and a one-row header writes "group<separator>sub" in one cell ("Оқушылар, ұлдар").
TITLES_BEGINNING_WITH_A_COLUMN_LABEL = [
    pytest.param("Мектептер, 2018 жыл (Нысан F-MOES-1)", MINISTRY, id="a column label, a comma, the year and the form code"),
    pytest.param("Мектептер: 2018 жыл", MINISTRY, id="a column label, a colon and the year"),
    pytest.param("Оқушылар - 2018 жыл, Нысан F-MOES-1", MINISTRY, id="a column label, a spaced dash, the year and the form code"),
    pytest.param("Оқушылар\n2018 жыл", MINISTRY, id="a column label and the year on two lines"),
    pytest.param("Оқушылар, барлығы (Нысан F-MOES-1, 2018 жыл)", MINISTRY, id="a group and its sub-column label, then the form code"),
    pytest.param("Мектептер / Школы, 2018 жыл", MINISTRY, id="bilingual, its Kazakh side a column label, then the year"),
    pytest.param("Мектептер / Нысан F-MOES-1", "2018 жыл", id="bilingual, its Kazakh side a column label, the other the form code"),
]


@pytest.mark.parametrize(("title", "subtitle"), TITLES_BEGINNING_WITH_A_COLUMN_LABEL)
def test_a_title_beginning_with_a_column_label_is_not_the_header(title: str, subtitle: str) -> None:
    columns, problems = read_columns("F-MOES-1", [[title], [subtitle], SCHOOLS_TOP, SCHOOLS_SUB, [KZ_KK, *range(1, 9)]], SCHOOLS_MERGED)
    assert problems == []
    assert columns == at_row(5, SCHOOLS_COLUMNS)


def test_every_column_under_an_unknown_merged_group_label_is_reported_unknown() -> None:
    """Under 'Умершие в возрасте до 7 лет' merged over H2:J2 every column is unknown_column, as when the label is written
    over each column, and is refused at the group label's cell, the one to mend (its sex labels are the form's); the
    columns under it are no ambiguous sex labels lacking a group label: their group label is written."""
    rows = [[DEM2_TITLE], _groups_merged([*DEM2_GROUPS[:2], UNKNOWN_GROUP]), [None, *SEXES * 3], [NATIONAL, *FIGURES]]
    columns, problems = read_columns("F-DEM-2", rows, _merges(2))
    assert columns == at_row(4, dict(list(DEM2_COLUMNS.items())[:6]))
    assert problems == sorted([*[("missing_column", "A2")] * 3, *[("unknown_column", "H2")] * 3])  # the merged group label's cell


def test_a_column_under_an_unknown_group_label_is_told_the_group_label_is_unknown() -> None:
    """The message says which label to mend, the group label, and names the columns of the label under it."""
    rows = [[DEM2_TITLE], _groups_merged([*DEM2_GROUPS[:2], UNKNOWN_GROUP]), [None, *SEXES * 3], [NATIONAL, *FIGURES]]
    read = read_sheet(f"{YEAR}/book.xlsx", _sheet(rows, _merges(2)), FORMS["F-DEM-2"], YEAR, LISTS)
    (problem,) = [p for p in read.problems if p.values == f"{UNKNOWN_GROUP} / мальчики"]
    message = problem.message
    assert (problem.rule, problem.cell) == ("unknown_column", "H2")
    assert f"the group label {UNKNOWN_GROUP!r} is none of the form's" in message
    assert all(f"'{group} / мальчики'" in message for group in DEM2_GROUPS)
    assert "write the group label" not in message


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(groups=st.permutations(range(3)), subs=st.lists(st.permutations(range(3)), min_size=3, max_size=3), merged=st.booleans())
def test_columns_and_groups_in_any_order_are_read_by_their_labels(groups: list[int], subs: list[list[int]], merged: bool) -> None:
    order = [3 * g + s for g, sub in zip(groups, subs, strict=True) for s in sub]  # DEM2 index of each column, left to right
    rows = [[DEM2_TITLE], _groups_merged([DEM2_GROUPS[g] for g in groups]), [None, *(SEXES[k % 3] for k in order)], [NATIONAL, *FIGURES]]
    columns, problems = read_columns("F-DEM-2", rows, _merges(2) if merged else ())
    assert problems == []
    assert columns == at_row(4, _letters("B", [DEM2[k] for k in order]))
