"""The eight forms of FORMS.md, described once, declaratively, for the demo generator.

A form is a language, a few text lines (titles, ministry and unit lines, footnotes, notes,
file names) and its sheets. A sheet is a row axis (regions, ages or indicators) and column
blocks: a block is an optional group header over sub-columns. Every header or row label is
a :class:`Head`: the labels a ministry may write (the usual one first, then synonyms the
contract accepts) and the part of a figure's key it stands for. Cell keys are the sheet's
key, the row's and the column's parts put together, so the layout and the truth never
disagree on what a cell holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from yearbook_demo.anchors import MICS_SURVEYS
from yearbook_demo.geography import NATIONAL, REGIONS, Geography
from yearbook_demo.model import Key

SURVEY_INDICATORS = frozenset({"STUNTING", "WASTING", "OVERWEIGHT", "EXCL_BF", "VIOLENT_DISC", "BIRTH_REG", "ECE_ATTEND"})
PERCENT = SURVEY_INDICATORS | {"PRESCHOOL_COVERAGE_REPORTED", "POVERTY_CHILD_RATE"}
OF_WHICH = {  # the "of which" words a ministry may put over columns as a group label, by the form's language
    "ru": ("в том числе", "из них"),
    "kk": ("оның ішінде",),
    "en": ("of which", "of whom"),
    "kk/ru": ("оның ішінде / в том числе", "оның ішінде / из них"),
}


def is_percent(key: Key) -> bool:
    """Whether a figure is a percentage (one decimal); a survey row's check-only figure is its case count."""
    return key.indicator in PERCENT and not (key.check_only and key.indicator in SURVEY_INDICATORS)


@dataclass(frozen=True)
class Head:
    """A header or row label: what may be written (usual first) and the key part it means."""

    labels: tuple[str | int, ...]
    key: tuple[tuple[str, object], ...] = ()


def h(*labels: str | int, **key: object) -> Head:
    return Head(tuple(labels), tuple(sorted(key.items())))


@dataclass(frozen=True)
class Block:
    """A group of columns: a group header over sub-columns, a single column, or flat columns."""

    top: Head | None
    subs: tuple[Head, ...] = ()


def group(top: Head, subs: tuple[Head, ...]) -> Block:
    return Block(top, subs)


def single(head: Head) -> Block:
    return Block(head)


def flat(*heads: Head) -> Block:
    return Block(None, heads)


@dataclass(frozen=True)
class Sheet:
    role: str
    titles: tuple[str, ...]  # templates with {year} (and {survey}); the usual one first
    names: tuple[str, ...]  # sheet names, usual first; names over 31 characters are cut as Excel does
    rows: str  # region | age | indicator
    blocks: tuple[Block, ...]
    key: tuple[tuple[str, object], ...] = ()  # the key part every cell of the sheet shares
    row_heads: tuple[Head, ...] = ()  # the rows of an age or indicator sheet
    row_header: str | None = None  # the label column's header
    per_region: bool = False  # one sheet per region and one for the country (F-DEM-1)
    header: bool = True

    @property
    def grouped(self) -> bool:
        return any(b.top is not None and b.subs for b in self.blocks)


@dataclass(frozen=True)
class Form:
    code: str
    language: str  # ru | kk | en | kk/ru
    region_languages: tuple[str, ...]  # the usual language of region labels first
    decimal_comma: bool
    code_words: tuple[str, ...]  # "Форма" in "Форма F-DEM-1"
    subtitles: tuple[str, ...]  # ministry, unit and status lines
    footnotes: tuple[str, ...]
    notes_names: tuple[str, ...]
    notes_lines: tuple[str, ...]
    files: tuple[str, ...]  # file names ministries use, with sub-folders; {year}, {survey}
    sheets: tuple[Sheet, ...]
    generic_sheet: str  # "Лист" in "Лист1"
    survey: bool = False

    def time_period(self, year: int) -> int:
        return MICS_SURVEYS[year] if self.survey else year

    def in_year(self, year: int) -> bool:
        return not self.survey or year in MICS_SURVEYS

    @property
    def of_which(self) -> tuple[str, ...]:
        return OF_WHICH[self.language]


RU_SEX = (h("всего", "Всего", "итого", "оба пола", sex="_T"), h("мальчики", "юноши", sex="M"), h("девочки", "девушки", sex="F"))
RU_SEX_YOUTH = (h("всего", "итого", sex="_T"), h("юноши", "мальчики", sex="M"), h("девушки", "девочки", sex="F"))
KK_SEX = (h("барлығы", "жиыны", sex="_T"), h("ұлдар", "ер балалар", sex="M"), h("қыздар", "қыз балалар", sex="F"))
EN_SEX = (h("Total", "Both sexes", sex="_T"), h("Boys", "Male", "M", sex="M"), h("Girls", "Female", "F", sex="F"))
RU_AGE = {0: "0 лет", 1: "1 год", 2: "2 года", 3: "3 года", 4: "4 года"}
AGE_ROWS = tuple(h(RU_AGE.get(a, f"{a} лет"), a, str(a), age=f"Y{a}") for a in range(18)) + (h("Всего", "0-17 лет", "Итого", age="Y0T17"),)
RU_NOTES = (
    "Методологические пояснения",
    "Данные представлены по территории в границах на отчетную дату.",
    "«-» – явление отсутствует; «...» – нет данных; «х» – данные конфиденциальны.",
)
RU_FOOTNOTES = (
    "Примечание: данные ведомственной отчетности.", "* Предварительные данные.", "1) Данные уточнены.",
    "Примечание: «-» – явление отсутствует; «...» – нет данных; «х» – данные конфиденциальны.",
)  # fmt: skip
BNS = "Бюро национальной статистики Агентства по стратегическому планированию и реформам Республики Казахстан"
MIG_FLOWS = (
    h("Всего", "Итого", flow="_T"), h("Внутренняя миграция", "Межрегиональная миграция", flow="INTERNAL"),
    h("Внешняя миграция: страны СНГ", "Страны СНГ", flow="CIS"), h("Внешняя миграция: другие страны", "Другие страны", flow="OTHER"),
)  # fmt: skip


def _ru_form(code: str, files: tuple[str, ...], sheets: tuple[Sheet, ...], subtitles: tuple[str, ...]) -> Form:
    return Form(
        code, "ru", ("ru",), True, ("Форма",), subtitles, RU_FOOTNOTES, ("Пояснения", "Примечания"), RU_NOTES, files, sheets, "Лист"
    )


FORMS: tuple[Form, ...] = (
    _ru_form(
        "F-DEM-1",
        ("Дети_численность_{year}.xlsx", "БНС/Численность детей на 1 января {year}.xlsx", "stat/dem1_{year}_final.xlsx"),
        (
            Sheet(
                "population",
                (
                    "Численность детей в возрасте 0-17 лет на 1 января {year} года",
                    "Численность детского населения (0-17 лет) на начало {year} года",
                ),
                (),
                "age",
                tuple(
                    group(area, RU_SEX)
                    for area in (
                        h("Все население", "Всё население", area="_T"),
                        h("Городское население", "город", "Городское", area="U"),
                        h("Сельское население", "село", "Сельское", area="R"),
                    )
                ),
                key=(("indicator", "POP_CHILD"),),
                row_heads=AGE_ROWS,
                row_header="Возраст, лет",
                per_region=True,
            ),
        ),
        (BNS, "(человек)", "Данные на начало года"),
    ),
    _ru_form(
        "F-DEM-2",
        ("Рождаемость и смертность детей {year}.xlsx", "БНС/рожд_смерт_{year} (2).xlsx"),
        (
            Sheet(
                "births_deaths",
                (
                    "Родившиеся живыми и умершие дети в возрасте до 5 лет, {year} год",
                    "Рождаемость и смертность детей до 5 лет за {year} год",
                ),
                ("Рождаемость и смертность", "Рождаемость", "Родившиеся живыми и умершие дети в возрасте до 5 лет"),
                "region",
                (
                    group(h("Родившиеся живыми", "Родилось живыми", indicator="BIRTHS_LIVE"), RU_SEX),
                    group(h("Умершие в возрасте до 1 года", "Умерло детей в возрасте до 1 года", indicator="DEATHS_INFANT"), RU_SEX),
                    group(h("Умершие в возрасте до 5 лет", "Умерло детей в возрасте до 5 лет", indicator="DEATHS_U5"), RU_SEX),
                ),
                row_header="Регион",
            ),
        ),
        (BNS, "(человек)", "Предварительные данные"),
    ),
    Form(
        "F-MOH-1",
        "en",
        ("en",),
        False,
        ("Form",),
        ("Ministry of Health of the Republic of Kazakhstan", "persons", "administrative data of regional health departments"),
        ("Note: administrative data of regional departments.", "* Preliminary data.", "1) Data revised."),
        ("Notes", "Read me"),
        ("Notes on the tables", "Data of regional health departments.", "x: confidential; ...: not available; -: none."),
        ("MOH children health {year} final.xlsx", "МЗ/здоровье детей.xlsx", "from MOH/Children health tables.xlsx"),
        (
            Sheet(
                "disabilities",
                ("Children with disabilities registered at the end of {year}", "Number of children with disabilities, {year}"),
                ("Children with disabilities", "Disability", "Children with disabilities registered at year end"),
                "region",
                tuple(
                    group(age, EN_SEX)
                    for age in (
                        h("0-6 years", "0–6 yrs", "0 to 6", age="Y0T6"),
                        h("7-14 years", "7–14 yrs", "7 to 14", age="Y7T14"),
                        h("15-17 years", "15–17 yrs", "15 to 17", age="Y15T17"),
                        h("Total 0-17", "0-17 years", "Total 0-17 years", age="Y0T17"),
                    )
                ),
                key=(("indicator", "DISAB_CHILD"),),
                row_header="Region",
            ),
            Sheet(
                "suicides",
                ("Suicides among adolescents aged 15-17, {year}", "Adolescent suicides (15-17 years), {year}"),
                ("Suicides 15-17", "Suicides", "Suicides among adolescents aged 15-17 years"),
                "region",
                (flat(EN_SEX[1], EN_SEX[2], EN_SEX[0]),),
                key=(("indicator", "SUICIDE_ADOL"),),
                row_header="Region",
            ),
        ),
        "Sheet",
    ),
    Form(
        "F-MOES-1",
        "kk",
        ("kk",),
        True,
        ("Нысан",),
        ("Қазақстан Республикасы Білім және ғылым министрлігі", "адам", "Жыл басындағы деректер"),
        ("Ескерту: ведомстволық есептілік деректері.", "* Алдын ала деректер.", "1) Деректер нақтыланды."),
        ("Түсініктеме",),
        ("Әдістемелік түсініктеме", "«-» – құбылыс жоқ; «...» – деректер жоқ; «х» – құпия деректер."),
        ("МОН_білім_{year}_соңғы.xlsx", "МОН/итог.xlsx", "МОН/білім беру/жиынтық.xlsx"),
        (
            Sheet(
                "preschool",
                ("Мектепке дейінгі тәрбиемен және оқытумен қамту, {year} жыл", "{year} жылғы мектепке дейінгі білім беру"),
                ("Мектепке дейінгі", "МДҰ", "Мектепке дейінгі тәрбиемен және оқытумен қамту"),
                "region",
                (
                    flat(
                        h("3-6 жастағы балалар саны", indicator="PRESCHOOL_POP"),
                        h("оның ішінде мектепке дейінгі ұйымдарда", indicator="PRESCHOOL_ENROL"),
                        h("қамту, %", "қамту", indicator="PRESCHOOL_COVERAGE_REPORTED", check_only=True),
                    ),
                ),
                row_header="Өңір",
            ),
            Sheet(
                "schools",
                ("Жалпы білім беретін мектептер және оқушылар, {year} жыл", "{year} жылғы мектептер мен оқушылар"),
                ("Мектептер", "Мектеп", "Жалпы білім беретін мектептер және оқушылар"),
                "region",
                (
                    group(h("Оқушылар", indicator="PUPILS"), KK_SEX),
                    single(h("Мектептен тыс балалар 7-17", "Мектептен тыс қалған балалар 7-17", indicator="OOS_CHILD")),
                    group(
                        h("Ерекше білім беру қажеттіліктері бар балалар"),
                        (h("барлығы", indicator="SEN_CHILD"), h("үйде оқитын", indicator="SEN_HOME")),
                    ),
                    group(h("Мектептер"), (h("барлығы", indicator="SCHOOLS"), h("инклюзивті ортасы бар", indicator="SCHOOLS_INCL"))),
                ),
                row_header="Өңір",
            ),
        ),
        "Парақ",
    ),
    Form(
        "F-MLSP-1",
        "kk/ru",
        ("kk", "ru", "kk/ru"),
        True,
        ("Нысан / Форма",),
        ("Еңбек және халықты әлеуметтік қорғау министрлігі / Министерство труда и социальной защиты населения", "адам / человек"),
        (
            "1) Нақтыланған / Уточнено.",
            "Ескерту / Примечание: ведомстволық деректер / ведомственные данные.",
            "* Алдын ала / Предварительно.",
        ),
        ("Түсініктеме - Пояснения",),
        ("Түсініктеме / Пояснения", "«х» – құпия / конфиденциально; «...» – деректер жоқ / нет данных."),
        ("МТСЗН_АСП_сироты_{year}.xlsx", "МТСЗН/соцзащита детей/свод.xlsx"),
        (
            Sheet(
                "tsa",
                ("Атаулы әлеуметтік көмек / Адресная социальная помощь, {year}", "АӘК алушылар / Получатели АСП, {year} жыл / год"),
                ("АӘК - АСП", "АСП", "Атаулы әлеуметтік көмек - Адресная социальная помощь"),
                "region",
                (
                    flat(
                        h("Балалары бар отбасылар / Семьи с детьми", indicator="TSA_FAMILIES"),
                        h("Балалар / Дети", indicator="TSA_CHILD"),
                        h(
                            "Ең төменгі күнкөріс деңгейінен төмен балалар үлесі, % / Доля детей с доходами ниже прожиточного минимума, %",
                            indicator="POVERTY_CHILD_RATE",
                        ),
                    ),
                ),
                row_header="Өңір / Регион",
            ),
            Sheet(
                "without_parental_care",
                (
                    "Ата-анасының қамқорлығынсыз қалған балалар / Дети, оставшиеся без попечения родителей, {year}",
                    "Жетім балалар / Дети-сироты, {year}",
                ),
                ("Қамқорлықсыз - Без попечения", "Сироты", "Ата-анасының қамқорлығынсыз қалған балалар - Дети-сироты"),
                "region",
                (
                    single(
                        h(
                            "Жетім балалар және ата-анасының қамқорлығынсыз қалған балалар / "
                            "Дети-сироты и дети, оставшиеся без попечения родителей",
                            indicator="NPC_CHILD",
                        )
                    ),
                    group(
                        h("оның ішінде / в том числе", "оның ішінде / из них"),
                        (
                            h("интернаттық ұйымдарда / в организациях интернатного типа", indicator="NPC_RESID"),
                            h("қамқоршылықта / под опекой", indicator="NPC_GUARD"),
                            h("патронаттық / в приемных семьях", indicator="NPC_FOSTER"),
                            h("бала асырап алынды / усыновлено за год", indicator="ADOPTED"),
                        ),
                    ),
                ),
                row_header="Өңір / Регион",
            ),
        ),
        "Парақ",
    ),
    _ru_form(
        "F-GP-1",
        ("КПСиСУ_несовершеннолетние_{year} (2).xlsx", "КПСиСУ/дети и закон.xlsx"),
        (
            Sheet(
                "offenders",
                (
                    "Несовершеннолетние, совершившие уголовные правонарушения, {year} год",
                    "Несовершеннолетние правонарушители за {year} год",
                ),
                ("Правонарушители", "Несовершеннолетние правонарушители", "Несовершеннолетние, совершившие уголовные правонарушения"),
                "region",
                tuple(
                    group(age, RU_SEX_YOUTH)
                    for age in (h("14-15 лет", age="Y14T15"), h("16-17 лет", age="Y16T17"), h("Всего", "14-17 лет", "Итого", age="Y14T17"))
                ),
                key=(("indicator", "JUV_OFFENDERS"),),
                row_header="Регион",
            ),
            Sheet(
                "victims",
                (
                    "Несовершеннолетние, признанные потерпевшими от уголовных правонарушений, {year} год",
                    "Потерпевшие несовершеннолетние, {year} год",
                ),
                ("Потерпевшие", "Потерпевшие несовершеннолетние от уголовных правонарушений"),
                "region",
                tuple(
                    group(crime, RU_SEX)
                    for crime in (
                        h("Все преступления", crime_type="_T"),
                        h("насильственные", crime_type="VIOLENT"),
                        h("против половой неприкосновенности", crime_type="SEXUAL"),
                    )
                ),
                key=(("indicator", "CHILD_VICTIMS"),),
                row_header="Регион",
            ),
            Sheet(
                "detention",
                ("Содержание несовершеннолетних в учреждениях, {year} год", "Несовершеннолетние под стражей, {year} год"),
                ("Содержание под стражей", "Под стражей", "Содержание несовершеннолетних под стражей и в учреждениях"),
                "indicator",
                (flat(h("Всего", "Итого", sex="_T")),),
                key=(("ref_area", NATIONAL),),
                row_heads=(
                    h("Несовершеннолетние в учреждениях уголовно-исполнительной системы", indicator="JUV_PENAL"),
                    h("Несовершеннолетние, содержащиеся под стражей до суда", indicator="JUV_PRETRIAL"),
                ),
                row_header="Показатель",
            ),
        ),
        ("Комитет по правовой статистике и специальным учетам", "(человек)"),
    ),
    _ru_form(
        "F-MIG-1",
        ("Миграция детей {year}.xlsx", "БНС/миграция/Миграция_0-17.xlsx"),
        (
            Sheet(
                "arrivals",
                ("Прибывшие – дети в возрасте 0-17 лет, {year} год", "Прибывшие дети (0-17 лет) по регионам за {year} год"),
                ("Прибывшие", "Прибыло", "Прибывшие дети в возрасте 0-17 лет по регионам"),
                "region",
                tuple(group(flow, RU_SEX) for flow in MIG_FLOWS),
                key=(("indicator", "MIG_ARRIVALS"),),
                row_header="Регион",
            ),
            Sheet(
                "departures",
                ("Выбывшие – дети в возрасте 0-17 лет, {year} год", "Выбывшие дети (0-17 лет) по регионам за {year} год"),
                ("Выбывшие", "Выбыло", "Выбывшие дети в возрасте 0-17 лет по регионам"),
                "region",
                tuple(group(flow, RU_SEX) for flow in MIG_FLOWS),
                key=(("indicator", "MIG_DEPARTURES"),),
                row_header="Регион",
            ),
            Sheet(
                "unaccompanied",
                ("Несопровождаемые и разлученные дети, {year} год", "Выявление несопровождаемых детей, {year} год"),
                ("Несопровождаемые дети", "UASC", "Несопровождаемые и разлученные дети"),
                "indicator",
                (flat(h()),),
                key=(("ref_area", NATIONAL),),
                row_heads=(h("Выявлено несопровождаемых и разлученных детей", indicator="UASC"),),
                header=False,
            ),
        ),
        (BNS, "(человек)"),
    ),
    Form(
        "F-MICS-1",
        "en",
        ("en",),
        False,
        ("Form",),
        ("Republic of Kazakhstan", "percent", "Bureau of National Statistics"),
        ("* Based on 25-49 unweighted cases.", "Note: ... figure suppressed, fewer than 25 unweighted cases.", "1) Revised estimate."),
        ("Notes", "Read me"),
        ("Survey notes", "Percentages are weighted; case counts are unweighted."),
        ("MICS key indicators for yearbook.xlsx", "survey/MICS{survey} tables.xlsx"),
        (
            Sheet(
                "indicators",
                (
                    "Multiple Indicator Cluster Survey: key indicators on children. Survey year: {survey}",
                    "MICS key indicators (Survey year: {survey})",
                ),
                ("MICS", "Key indicators", "Multiple Indicator Cluster Survey key indicators"),
                "indicator",
                (
                    flat(
                        h("Total", sex="_T"),
                        h("Male", "Boys", sex="M"),
                        h("Female", "Girls", sex="F"),
                        h("Urban", "Urban population", area="U"),
                        h("Rural", "Rural population", area="R"),
                        h("Poorest", wealth_quintile="Q1"),
                        h("Second", wealth_quintile="Q2"),
                        h("Middle", wealth_quintile="Q3"),
                        h("Fourth", wealth_quintile="Q4"),
                        h("Richest", wealth_quintile="Q5"),
                        h("Number of cases (unweighted)", "Number of cases", "Unweighted cases", check_only=True),
                    ),
                ),
                key=(("ref_area", NATIONAL),),
                row_heads=(
                    h("Stunting (moderate and severe), children under 5", "Stunting", indicator="STUNTING"),
                    h("Wasting (moderate and severe), children under 5", "Wasting", indicator="WASTING"),
                    h("Overweight, children under 5", "Overweight", indicator="OVERWEIGHT"),
                    h("Exclusive breastfeeding, infants under 6 months", "Exclusive breastfeeding", indicator="EXCL_BF"),
                    h("Violent discipline, children aged 1-14", "Violent discipline", indicator="VIOLENT_DISC"),
                    h("Birth registration, children under 5", "Birth registration", indicator="BIRTH_REG"),
                    h(
                        "Attendance to early childhood education, children aged 36-59 months",
                        "Attendance to early childhood education",
                        indicator="ECE_ATTEND",
                    ),
                ),
                row_header="Indicator",
            ),
        ),
        "Sheet",
        survey=True,
    ),
)
FORMS_BY_CODE = {f.code: f for f in FORMS}
FORM_CODES = tuple(FORMS_BY_CODE)


def sheet_areas(sheet: Sheet, year: int, geography: Geography = REGIONS) -> tuple[str | None, ...]:
    """The region of each copy of a sheet: every region (unit) and the country for a per-region sheet."""
    return (NATIONAL, *geography.units(year)) if sheet.per_region else (None,)


def row_keys(sheet: Sheet, year: int, geography: Geography = REGIONS) -> list[tuple[Head | str, dict[str, object]]]:
    """(row head or region code, its key part) for every row of the sheet, in the usual order."""
    if sheet.rows == "region":
        return [(code, {"ref_area": code}) for code in (NATIONAL, *geography.units(year))]
    return [(head, dict(head.key)) for head in sheet.row_heads]


def columns(sheet: Sheet) -> list[tuple[int, Head | None, Head | None]]:
    """(block index, group head, sub head) for every data column, in the usual order."""
    out: list[tuple[int, Head | None, Head | None]] = []
    for b, block in enumerate(sheet.blocks):
        if block.subs:
            out += [(b, block.top, sub) for sub in block.subs]
        else:
            out.append((b, block.top, None))
    return out


def cell_key(form: Form, sheet: Sheet, year: int, area: str | None, row: dict[str, object], top: Head | None, sub: Head | None) -> Key:
    parts: dict[str, object] = {"time_period": form.time_period(year), **dict(sheet.key)}
    if area is not None:
        parts["ref_area"] = area
    parts.update(row)
    for head in (top, sub):
        if head is not None:
            parts.update(dict(head.key))
    return Key(**parts)  # type: ignore[arg-type]


def figure_keys(form: Form, year: int, geography: Geography = REGIONS) -> Iterator[Key]:
    """Every figure a submission of ``form`` for ``year`` carries."""
    if not form.in_year(year):
        return
    for sheet in form.sheets:
        for area in sheet_areas(sheet, year, geography):
            for _, row in row_keys(sheet, year, geography):
                for _, top, sub in columns(sheet):
                    yield cell_key(form, sheet, year, area, row, top, sub)
