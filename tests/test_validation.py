"""Validation of the figures table: the generated schema, the consistency rules, the report.

The sample submissions of FORMS.md (``tests/fixtures/samples/2018``, copied unchanged from
``shared/forms/samples``) must produce no problem. Each rule is then broken by changing
exactly one cell of a copy of a sample with openpyxl; the copy is read with the real
reader and the test asserts every problem reported — rule id, file, sheet and cell.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import SAMPLES
from yearbook.problems import Problem
from yearbook.submissions import discover, figures_frame, read_submission
from yearbook.validation import SUMMARY_COLUMNS, ValidationResult, validate_figures
from yearbook.validation.messages import load_messages
from yearbook.validation.report import write_validation_workbook
from yearbook.validation.rules import load_rules
from yearbook.validation.schemas import figures_schema, form_schemas, form_yields

YEAR = 2018
DEM1 = "Дети_численность_2018.xlsx"
DEM2 = "Рождаемость и смертность детей 2018.xlsx"
MOH = "MOH children health 2018 final.xlsx"
MOES = "МОН_білім_2018_соңғы.xlsx"
MLSP = "МТСЗН_АСП_сироты_2018.xlsx"
GP = "КПСиСУ_несовершеннолетние_2018 (2).xlsx"
MIG = "Миграция детей 2018.xlsx"
MICS = "MICS key indicators for yearbook.xlsx"
DIMS = ("sex", "age", "area", "flow", "crime_type", "wealth_quintile")


# ---------------------------------------------------------------------------- helpers


def read_folder(raw: Path) -> pd.DataFrame:
    files, problems = discover(raw)
    subs = [read_submission(f) for f in files]
    reader_problems = problems + [p for s in subs for p in s.problems]
    assert reader_problems == [], [p.line() for p in reader_problems]
    return figures_frame(subs)


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    return read_folder(SAMPLES)


@pytest.fixture(scope="module")
def baseline(samples: pd.DataFrame) -> ValidationResult:
    return validate_figures(samples)


def figure(frame: pd.DataFrame, file: str, indicator: str, ref_area: str, check_only: bool = False, **dims: str) -> pd.Series:
    """The one figure of ``file`` with these codes (a dimension not given is ``_T``)."""
    mask = (
        (frame["source_file"] == f"{YEAR}/{file}")
        & (frame["indicator"] == indicator)
        & (frame["ref_area"] == ref_area)
        & (frame["check_only"] == check_only)
    )
    for dim in DIMS:
        mask &= frame[dim] == dims.get(dim, "_T")
    found = frame[mask]
    assert len(found) == 1, (file, indicator, ref_area, dims, len(found))
    return found.iloc[0]


def where(fig: pd.Series) -> tuple[str, str, str]:
    return (fig["source_file"], fig["source_sheet"], fig["source_cell"])


def mutate(tmp_path: Path, file: str, fig: pd.Series, value: object) -> tuple[pd.DataFrame, ValidationResult]:
    """Copy ``file`` to a raw folder, set the cell of ``fig`` to ``value``, read it back and validate it."""
    target = tmp_path / "raw" / str(YEAR) / file
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLES / str(YEAR) / file, target)
    wb = openpyxl.load_workbook(target)
    wb[fig["source_sheet"]][fig["source_cell"]] = value
    wb.save(target)
    frame = read_folder(tmp_path / "raw")
    return frame, validate_figures(frame)


def located(result: ValidationResult) -> set[tuple[str, str, str, str]]:
    """Every problem as (rule, file, sheet, cell)."""
    return {(p.rule, p.file, p.sheet, p.cell) for p in result.problems}


def expect(*pairs: tuple[str, pd.Series]) -> set[tuple[str, str, str, str]]:
    return {(rule, *where(fig)) for rule, fig in pairs}


def only(result: ValidationResult, rule: str) -> Problem:
    found = [p for p in result.problems if p.rule == rule]
    assert len(found) == 1, [p.line() for p in found]
    return found[0]


def summary(result: ValidationResult, rule: str) -> dict:
    return result.summary.set_index("rule").loc[rule].to_dict()


# ---------------------------------------------------------------------------- the samples


def test_samples_produce_no_problems(samples: pd.DataFrame, baseline: ValidationResult) -> None:
    assert [p.line() for p in baseline.problems] == []
    assert list(baseline.summary.columns) == SUMMARY_COLUMNS
    assert baseline.summary["failed"].sum() == 0
    assert list(baseline.summary["rule"]) == list(load_rules().rules)
    # every consistency rule was really exercised by the samples
    consistency = baseline.summary[baseline.summary["kind"] != "schema"]
    assert (consistency["checked"] > 0).all(), consistency


def test_samples_not_checkable_counts(baseline: ValidationResult) -> None:
    """The samples carry 4 confidential and 3 missing cells: the groups they touch are not checkable."""
    counts = baseline.summary.set_index("rule")["not_checkable"].to_dict()
    assert counts["sex_sum"] == 3  # suicides Karaganda, sexual victims Karaganda, under-5 deaths Akmola
    assert counts["region_sum"] == 6
    assert counts["of_which_le_total"] == 3
    assert counts["victims_violent_sexual_le_all"] == 2
    assert counts["negative_count"] == 6  # the 6 count figures without a value
    assert len(baseline.not_checkable) == sum(counts[r] for r in counts if load_rules().rules[r].kind != "schema")
    suicides = baseline.not_checkable[(baseline.not_checkable["rule"] == "sex_sum") & (baseline.not_checkable["sheet"] == "Suicides 15-17")]
    assert list(suicides["cell"]) == ["D11"]  # the total whose parts are confidential


def test_schema_is_generated_from_the_specs() -> None:
    from yearbook.codelists import load_codelists
    from yearbook.specs import load_forms

    rules, forms, lists = load_rules(), load_forms(), load_codelists()
    per_form = form_schemas(rules, forms, lists)
    assert set(per_form) == set(forms)
    yields = form_yields(forms, rules)
    assert yields["F-DEM-1"].indicators() == {"POP_CHILD"}
    assert ("PRESCHOOL_COVERAGE_REPORTED", True) in yields["F-MOES-1"].combos
    assert yields["F-MICS-1"].units[("STUNTING", True)] == "NUM"  # the case counts on indicator rows
    assert yields["F-MICS-1"].units[("STUNTING", False)] == "PT"
    assert len(yields["F-DEM-1"].combos[("POP_CHILD", False)]) == 19 * 9
    schema = figures_schema(rules, forms, lists)
    assert {"value", "obs_status", "obs_conf", *DIMS} <= set(schema.columns)


# ---------------------------------------------------------------------------- consistency rules, one cell broken


def test_sex_sum(tmp_path: Path, samples: pd.DataFrame) -> None:
    total = figure(samples, DEM2, "BIRTHS_LIVE", "KZ-11")
    boys = figure(samples, DEM2, "BIRTHS_LIVE", "KZ-11", sex="M")
    girls = figure(samples, DEM2, "BIRTHS_LIVE", "KZ-11", sex="F")
    _, result = mutate(tmp_path, DEM2, total, total["value"] - 1)
    national = figure(samples, DEM2, "BIRTHS_LIVE", "KZ")
    assert located(result) == expect(("sex_sum", total), ("region_sum", national))
    p = only(result, "sex_sum")
    parts = int(boys["value"] + girls["value"])
    assert p.severity == "error" and p.form == "F-DEM-2" and p.year == YEAR
    assert (
        p.values
        == f"{boys['source_cell']}={int(boys['value'])} + {girls['source_cell']}={int(girls['value'])} ≠ {total['source_cell']}={parts - 1}"
    )
    assert p.message.endswith(f"boys + girls ({parts}) ≠ the total ({parts - 1})")
    assert "Live births" in p.message and "Akmola" in p.message


def test_area_sum_and_single_ages(tmp_path: Path, samples: pd.DataFrame) -> None:
    """Urban boys aged 5 in Akmola + 1: four totals no longer add up, each reported at its own cell."""
    changed = figure(samples, DEM1, "POP_CHILD", "KZ-11", age="Y5", area="U", sex="M")
    _, result = mutate(tmp_path, DEM1, changed, changed["value"] + 1)
    assert located(result) == expect(
        ("sex_sum", figure(samples, DEM1, "POP_CHILD", "KZ-11", age="Y5", area="U")),
        ("area_sum", figure(samples, DEM1, "POP_CHILD", "KZ-11", age="Y5", sex="M")),
        ("age_single_sum", figure(samples, DEM1, "POP_CHILD", "KZ-11", age="Y0T17", area="U", sex="M")),
        ("region_sum", figure(samples, DEM1, "POP_CHILD", "KZ", age="Y5", area="U", sex="M")),
    )
    assert only(result, "area_sum").sheet == changed["source_sheet"]  # the Akmola sheet
    region = only(result, "region_sum")
    assert region.sheet != changed["source_sheet"]  # the national sheet
    assert f"'{changed['source_sheet']}'!{changed['source_cell']}={int(changed['value']) + 1}" in region.values
    assert "the sum of the regions" in region.message


def test_region_sum(tmp_path: Path, samples: pd.DataFrame) -> None:
    national = figure(samples, MLSP, "TSA_FAMILIES", "KZ")
    _, result = mutate(tmp_path, MLSP, national, national["value"] + 10)
    assert located(result) == expect(("region_sum", national))
    p = only(result, "region_sum")
    assert p.message.endswith(f"the sum of the regions ({int(national['value'])}) ≠ the national total ({int(national['value']) + 10})")
    assert p.values.count("+") == 16  # the 17 regions of 2018


def test_age_groups_sum_disabilities(tmp_path: Path, samples: pd.DataFrame) -> None:
    changed = figure(samples, MOH, "DISAB_CHILD", "KZ-15", age="Y0T6", sex="M")
    _, result = mutate(tmp_path, MOH, changed, changed["value"] + 2)
    assert located(result) == expect(
        ("age_groups_sum", figure(samples, MOH, "DISAB_CHILD", "KZ-15", age="Y0T17", sex="M")),
        ("sex_sum", figure(samples, MOH, "DISAB_CHILD", "KZ-15", age="Y0T6")),
        ("region_sum", figure(samples, MOH, "DISAB_CHILD", "KZ", age="Y0T6", sex="M")),
    )
    assert "ages 0-6 + 7-14 + 15-17" in only(result, "age_groups_sum").message


def test_age_groups_sum_offenders(tmp_path: Path, samples: pd.DataFrame) -> None:
    changed = figure(samples, GP, "JUV_OFFENDERS", "KZ-23", age="Y14T15", sex="F")
    _, result = mutate(tmp_path, GP, changed, changed["value"] + 1)
    assert located(result) == expect(
        ("age_groups_sum", figure(samples, GP, "JUV_OFFENDERS", "KZ-23", age="Y14T17", sex="F")),
        ("sex_sum", figure(samples, GP, "JUV_OFFENDERS", "KZ-23", age="Y14T15")),
        ("region_sum", figure(samples, GP, "JUV_OFFENDERS", "KZ", age="Y14T15", sex="F")),
    )


def test_of_which_preschool_and_coverage(tmp_path: Path, samples: pd.DataFrame) -> None:
    population = figure(samples, MOES, "PRESCHOOL_POP", "KZ-11")
    enrolled = figure(samples, MOES, "PRESCHOOL_ENROL", "KZ-11")
    _, result = mutate(tmp_path, MOES, enrolled, population["value"] + 1)
    assert located(result) == expect(
        ("of_which_le_total", population),
        ("region_sum", figure(samples, MOES, "PRESCHOOL_ENROL", "KZ")),
        ("coverage_agrees", figure(samples, MOES, "PRESCHOOL_COVERAGE_REPORTED", "KZ-11", check_only=True)),
    )
    p = only(result, "of_which_le_total")
    assert p.values == f"{enrolled['source_cell']}={int(population['value']) + 1} > {population['source_cell']}={int(population['value'])}"


@pytest.mark.parametrize(
    ("part", "total"),
    [("SCHOOLS_INCL", "SCHOOLS"), ("SEN_HOME", "SEN_CHILD")],
)
def test_of_which_schools(tmp_path: Path, samples: pd.DataFrame, part: str, total: str) -> None:
    whole = figure(samples, MOES, total, "KZ-15")
    changed = figure(samples, MOES, part, "KZ-15")
    _, result = mutate(tmp_path, MOES, changed, whole["value"] + 1)
    national = figure(samples, MOES, part, "KZ")
    assert located(result) == expect(("of_which_le_total", whole), ("region_sum", national))
    p = only(result, "of_which_le_total")
    assert p.values == f"{changed['source_cell']}={int(whole['value']) + 1} > {whole['source_cell']}={int(whole['value'])}"
    if part == "SEN_HOME":  # Akmola's home-schooled figure is '...': the known regions already exceed the country
        region = only(result, "region_sum")
        assert "already exceeds" in region.message and "Akmola region" in region.message and "missing" in region.message


def test_of_which_victims_and_violent_plus_sexual(tmp_path: Path, samples: pd.DataFrame) -> None:
    """Violent victims above all victims breaks both 'of which' and 'violent + sexual <= all'."""
    everyone = figure(samples, GP, "CHILD_VICTIMS", "KZ-11", sex="M")
    violent = figure(samples, GP, "CHILD_VICTIMS", "KZ-11", sex="M", crime_type="VIOLENT")
    _, result = mutate(tmp_path, GP, violent, everyone["value"] + 1)
    assert located(result) == expect(
        ("of_which_le_total", everyone),
        ("victims_violent_sexual_le_all", everyone),
        ("sex_sum", figure(samples, GP, "CHILD_VICTIMS", "KZ-11", crime_type="VIOLENT")),
        ("region_sum", figure(samples, GP, "CHILD_VICTIMS", "KZ", sex="M", crime_type="VIOLENT")),
    )


def test_violent_plus_sexual_alone(tmp_path: Path, samples: pd.DataFrame) -> None:
    """Each column within its total, but violent + sexual above all victims."""
    everyone = figure(samples, GP, "CHILD_VICTIMS", "KZ-11", sex="M")
    violent = figure(samples, GP, "CHILD_VICTIMS", "KZ-11", sex="M", crime_type="VIOLENT")
    sexual = figure(samples, GP, "CHILD_VICTIMS", "KZ-11", sex="M", crime_type="SEXUAL")
    new = everyone["value"] - violent["value"] + 1
    assert new <= everyone["value"]
    _, result = mutate(tmp_path, GP, sexual, new)
    assert located(result) == expect(
        ("victims_violent_sexual_le_all", everyone),
        ("sex_sum", figure(samples, GP, "CHILD_VICTIMS", "KZ-11", crime_type="SEXUAL")),
        ("region_sum", figure(samples, GP, "CHILD_VICTIMS", "KZ", sex="M", crime_type="SEXUAL")),
    )
    p = only(result, "victims_violent_sexual_le_all")
    parts = f"{violent['source_cell']}={int(violent['value'])} + {sexual['source_cell']}={int(new)}"
    assert p.values == f"{parts} > {everyone['source_cell']}={int(everyone['value'])}"


def test_npc_of_whom_together(tmp_path: Path, samples: pd.DataFrame) -> None:
    """Each 'of whom' column within the total, the four together above it (ADOPTED counts: FORMS.md literally)."""
    total = figure(samples, MLSP, "NPC_CHILD", "KZ-11")
    parts = {code: figure(samples, MLSP, code, "KZ-11") for code in ("NPC_RESID", "NPC_GUARD", "NPC_FOSTER", "ADOPTED")}
    room = total["value"] - sum(f["value"] for f in parts.values())
    assert room >= 0
    guard = parts["NPC_GUARD"]
    _, result = mutate(tmp_path, MLSP, guard, guard["value"] + room + 1)
    assert located(result) == expect(("npc_of_whom_le_total", total), ("region_sum", figure(samples, MLSP, "NPC_GUARD", "KZ")))
    assert "together" in only(result, "npc_of_whom_le_total").message


def test_npc_each_of_whom(tmp_path: Path, samples: pd.DataFrame) -> None:
    total = figure(samples, MLSP, "NPC_CHILD", "KZ-11")
    adopted = figure(samples, MLSP, "ADOPTED", "KZ-11")
    _, result = mutate(tmp_path, MLSP, adopted, total["value"] + 1)
    assert located(result) == expect(
        ("of_which_le_total", total), ("npc_of_whom_le_total", total), ("region_sum", figure(samples, MLSP, "ADOPTED", "KZ"))
    )


def test_migration_flow_sum(tmp_path: Path, samples: pd.DataFrame) -> None:
    changed = figure(samples, MIG, "MIG_ARRIVALS", "KZ-11", flow="CIS", sex="M")
    _, result = mutate(tmp_path, MIG, changed, changed["value"] + 1)
    assert located(result) == expect(
        ("migration_flow_sum", figure(samples, MIG, "MIG_ARRIVALS", "KZ-11", sex="M")),
        ("sex_sum", figure(samples, MIG, "MIG_ARRIVALS", "KZ-11", flow="CIS")),
        ("region_sum", figure(samples, MIG, "MIG_ARRIVALS", "KZ", flow="CIS", sex="M")),
    )


def test_internal_migration_balance(tmp_path: Path, samples: pd.DataFrame) -> None:
    arrivals = figure(samples, MIG, "MIG_ARRIVALS", "KZ", flow="INTERNAL", sex="F")
    departures = figure(samples, MIG, "MIG_DEPARTURES", "KZ", flow="INTERNAL", sex="F")
    _, result = mutate(tmp_path, MIG, arrivals, arrivals["value"] + 1)
    assert located(result) == expect(
        ("internal_migration_balance", arrivals),
        ("region_sum", arrivals),
        ("migration_flow_sum", figure(samples, MIG, "MIG_ARRIVALS", "KZ", sex="F")),
        ("sex_sum", figure(samples, MIG, "MIG_ARRIVALS", "KZ", flow="INTERNAL")),
    )
    p = only(result, "internal_migration_balance")
    assert f"'{departures['source_sheet']}'!{departures['source_cell']}={int(departures['value'])}" in p.values
    assert p.sheet == arrivals["source_sheet"]


def test_coverage_agrees(tmp_path: Path, samples: pd.DataFrame) -> None:
    reported = figure(samples, MOES, "PRESCHOOL_COVERAGE_REPORTED", "KZ-19", check_only=True)
    _, result = mutate(tmp_path, MOES, reported, f"{reported['value'] + 0.2:.1f}".replace(".", ","))
    assert located(result) == expect(("coverage_agrees", reported))
    assert "does not agree" in only(result, "coverage_agrees").message


def test_coverage_rounding_is_to_the_first_decimal(tmp_path: Path, samples: pd.DataFrame) -> None:
    """A second decimal that rounds to the computed value is accepted; the next tenth is not."""
    population = figure(samples, MOES, "PRESCHOOL_POP", "KZ-19")
    enrolled = figure(samples, MOES, "PRESCHOOL_ENROL", "KZ-19")
    reported = figure(samples, MOES, "PRESCHOOL_COVERAGE_REPORTED", "KZ-19", check_only=True)
    exact = enrolled["value"] / population["value"] * 100
    assert reported["value"] == round(exact, 1)
    _, result = mutate(tmp_path, MOES, reported, round(exact, 2))
    assert located(result) == set()


# ---------------------------------------------------------------------------- schema rules from a workbook


def test_negative_count(tmp_path: Path, samples: pd.DataFrame) -> None:
    penal = figure(samples, GP, "JUV_PENAL", "KZ")
    _, result = mutate(tmp_path, GP, penal, -3)
    assert located(result) == expect(("negative_count", penal))
    p = only(result, "negative_count")
    assert p.values == f"{penal['source_cell']}=-3" and "(-3)" in p.message


def test_not_whole_count(tmp_path: Path, samples: pd.DataFrame) -> None:
    pretrial = figure(samples, GP, "JUV_PRETRIAL", "KZ")
    _, result = mutate(tmp_path, GP, pretrial, "12,5")
    assert located(result) == expect(("not_whole_count", pretrial))
    assert only(result, "not_whole_count").values == f"{pretrial['source_cell']}=12,5"


@pytest.mark.parametrize(
    ("file", "indicator", "dims", "value"),
    [
        (MICS, "STUNTING", {"wealth_quintile": "Q3"}, 107.5),
        (MLSP, "POVERTY_CHILD_RATE", {}, "-0,5"),
    ],
)
def test_percent_out_of_range(tmp_path: Path, samples: pd.DataFrame, file: str, indicator: str, dims: dict, value: object) -> None:
    area = "KZ" if file == MICS else "KZ-11"
    changed = figure(samples, file, indicator, area, **dims)
    _, result = mutate(tmp_path, file, changed, value)
    assert located(result) == expect(("percent_out_of_range", changed))


def test_coverage_column_out_of_range(tmp_path: Path, samples: pd.DataFrame) -> None:
    reported = figure(samples, MOES, "PRESCHOOL_COVERAGE_REPORTED", "KZ-11", check_only=True)
    _, result = mutate(tmp_path, MOES, reported, 171.2)
    assert located(result) == expect(("percent_out_of_range", reported), ("coverage_agrees", reported))


def test_case_counts_are_counts_not_percentages(tmp_path: Path, samples: pd.DataFrame) -> None:
    cases = figure(samples, MICS, "STUNTING", "KZ", check_only=True)
    assert cases["value"] > 100  # a count, checked as NUM although it stands on a percentage row
    _, result = mutate(tmp_path, MICS, cases, 3013.5)
    assert located(result) == expect(("not_whole_count", cases))


# ---------------------------------------------------------------------------- confidential and missing figures


def test_confidential_part_is_not_checkable(tmp_path: Path, samples: pd.DataFrame, baseline: ValidationResult) -> None:
    girls = figure(samples, DEM2, "BIRTHS_LIVE", "KZ-11", sex="F")
    frame, result = mutate(tmp_path, DEM2, girls, "x")
    assert figure(frame, DEM2, "BIRTHS_LIVE", "KZ-11", sex="F")["obs_conf"] == "C"
    assert result.problems == []
    dem2 = validate_figures(samples[samples["source_file"] == f"{YEAR}/{DEM2}"])
    before, after = summary(dem2, "sex_sum"), summary(result, "sex_sum")
    assert after["not_checkable"] == before["not_checkable"] + 1
    assert after["checked"] == before["checked"] - 1
    assert after["failed"] == 0
    assert summary(result, "region_sum")["not_checkable"] == summary(dem2, "region_sum")["not_checkable"] + 1
    total = figure(samples, DEM2, "BIRTHS_LIVE", "KZ-11")
    rows = result.not_checkable[result.not_checkable["rule"] == "sex_sum"]
    assert total["source_cell"] in set(rows["cell"])


def test_confidential_total_is_not_checkable(tmp_path: Path, samples: pd.DataFrame) -> None:
    total = figure(samples, DEM2, "DEATHS_INFANT", "KZ-15")
    _, result = mutate(tmp_path, DEM2, total, "х")  # Cyrillic x
    assert result.problems == []
    reasons = result.not_checkable[(result.not_checkable["rule"] == "sex_sum") & (result.not_checkable["cell"] == total["source_cell"])]
    assert list(reasons["reason"].str.endswith("the total is confidential")) == [True]


def test_known_parts_above_total_despite_confidential_part(tmp_path: Path, samples: pd.DataFrame) -> None:
    """Karaganda: sexual-crime victims by sex are confidential; violent boys above all boys still breaks."""
    everyone = figure(samples, GP, "CHILD_VICTIMS", "KZ-35", sex="M")
    violent = figure(samples, GP, "CHILD_VICTIMS", "KZ-35", sex="M", crime_type="VIOLENT")
    sexual = figure(samples, GP, "CHILD_VICTIMS", "KZ-35", sex="M", crime_type="SEXUAL")
    assert sexual["obs_conf"] == "C"
    _, result = mutate(tmp_path, GP, violent, everyone["value"] + 1)
    assert ("victims_violent_sexual_le_all", *where(everyone)) in located(result)
    p = only(result, "victims_violent_sexual_le_all")
    parts = f"{violent['source_cell']}={int(everyone['value']) + 1} + {sexual['source_cell']}=x"
    assert p.values == f"{parts} > {everyone['source_cell']}={int(everyone['value'])}"
    assert "already exceeds" in p.message and "confidential" in p.message


def test_known_part_above_total_despite_missing_part(tmp_path: Path, samples: pd.DataFrame) -> None:
    """Akmola under-5 deaths: girls are '…' (missing); boys above the total is a break all the same."""
    total = figure(samples, DEM2, "DEATHS_U5", "KZ-11")
    girls = figure(samples, DEM2, "DEATHS_U5", "KZ-11", sex="F")
    boys = figure(samples, DEM2, "DEATHS_U5", "KZ-11", sex="M")
    assert girls["obs_status"] == "M"
    _, result = mutate(tmp_path, DEM2, boys, total["value"] + 1)
    assert located(result) == expect(("sex_sum", total), ("region_sum", figure(samples, DEM2, "DEATHS_U5", "KZ", sex="M")))
    p = only(result, "sex_sum")
    assert (
        p.values
        == f"{boys['source_cell']}={int(total['value']) + 1} + {girls['source_cell']}=… > {total['source_cell']}={int(total['value'])}"
    )
    assert "missing" in p.message


def test_missing_parts_that_stay_within_the_total_are_not_checkable(tmp_path: Path, samples: pd.DataFrame) -> None:
    boys = figure(samples, DEM2, "DEATHS_U5", "KZ-11", sex="M")
    _, result = mutate(tmp_path, DEM2, boys, "...")
    assert result.problems == []
    assert summary(result, "sex_sum")["failed"] == 0


# ---------------------------------------------------------------------------- schema rules on the table itself


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("sex", "X", "unknown_code"),
        ("age", "Y99", "unknown_code"),
        ("indicator", "POP_CHILD", "unknown_indicator"),
        ("age", "Y5", "code_not_in_form"),
        ("ref_area", "KZ-10", "invalid_ref_area"),  # Abai exists from 2022
        ("ref_area", "KZ-99", "invalid_ref_area"),
        ("obs_status", "E", "invalid_obs_status"),
        ("obs_conf", "D", "invalid_obs_conf"),
        ("obs_status", "M", "value_status_mismatch"),
    ],
)
def test_schema_rules_on_a_figure(samples: pd.DataFrame, column: str, value: str, rule: str) -> None:
    """Codes the reader cannot produce from a workbook: the figure is changed in the table."""
    frame = samples[samples["source_file"] == f"{YEAR}/{DEM2}"].reset_index(drop=True)
    fig = figure(frame, DEM2, "BIRTHS_LIVE", "KZ-19", sex="M")
    frame.loc[fig.name, column] = value
    result = validate_figures(frame)
    schema_rules = {p for p in located(result) if load_rules().rules[p[0]].kind == "schema"}
    assert schema_rules == expect((rule, fig))
    p = only(result, rule)
    assert p.severity == "error" and p.form == "F-DEM-2"
    assert value in (p.values or "") or value in p.message
    assert summary(result, rule)["failed"] == 1


def test_value_of_a_confidential_figure_must_be_empty(samples: pd.DataFrame) -> None:
    frame = samples.copy()
    fig = figure(frame, MOH, "SUICIDE_ADOL", "KZ-35", sex="M")
    frame.loc[fig.name, "value"] = 1.0
    result = validate_figures(frame)
    assert {p[0] for p in located(result)} >= {"value_status_mismatch"}
    assert only(result, "value_status_mismatch").cell == fig["source_cell"]


def test_malformed_table(samples: pd.DataFrame) -> None:
    result = validate_figures(samples.drop(columns=["obs_conf"]))
    assert [(p.rule, p.cell) for p in result.problems] == [("figure_table", None)]
    assert "obs_conf" in result.problems[0].message
    typed = samples.astype({"value": "object"})
    typed.loc[0, "value"] = "many"
    result = validate_figures(typed)
    assert result.problems and all(p.rule == "figure_table" for p in result.problems)
    assert summary(result, "sex_sum")["checked"] == 0  # the consistency rules wait for a sound table


def test_empty_table() -> None:
    """A form nobody submitted: an empty table (object columns) validates cleanly, nothing checked."""
    result = validate_figures(figures_frame([]))
    assert result.problems == []
    assert result.summary["checked"].sum() == 0 and len(result.summary) == len(load_rules().rules)


def test_summary_and_problems_cover_several_years(samples: pd.DataFrame) -> None:
    """Two years of the same forms do not mix: every group stays within its file."""
    other = samples.copy()
    other["source_file"] = other["source_file"].str.replace("2018/", "2019/", regex=False)
    other["received_year"] = 2019
    other.loc[other["time_period"] == 2018, "time_period"] = 2019
    both = pd.concat([samples, other], ignore_index=True)
    # Astana is named Nur-Sultan in 2019, but its code KZ-71 is valid both years
    result = validate_figures(both)
    assert result.problems == []
    single = validate_figures(samples)
    assert summary(result, "region_sum")["checked"] == 2 * summary(single, "region_sum")["checked"]


# ---------------------------------------------------------------------------- rules file and report


def test_rules_file_is_complete() -> None:
    rules = load_rules()
    assert {
        "negative_count",
        "not_whole_count",
        "percent_out_of_range",
        "unknown_code",
        "sex_sum",
        "area_sum",
        "region_sum",
        "age_single_sum",
        "age_groups_sum",
        "of_which_le_total",
        "npc_of_whom_le_total",
        "victims_violent_sexual_le_all",
        "migration_flow_sum",
        "internal_migration_balance",
        "coverage_agrees",
    } <= set(rules.rules)
    assert all(r.severity in ("error", "warning") and r.message for r in rules.rules.values())
    npc = rules.rules["npc_of_whom_le_total"].cases[0]
    assert npc.parts == ("NPC_RESID", "NPC_GUARD", "NPC_FOSTER", "ADOPTED")


def test_a_bad_rules_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {id: x, kind: sum, severity: error, message: m, cases: [{axis: colour, total: _T, parts: [M]}]}\n")
    with pytest.raises(ValueError, match="axis"):
        load_rules(path)
    path.write_text("rules:\n  - {id: x, kind: sums, severity: error, message: m}\n")
    with pytest.raises(ValueError, match="kind"):
        load_rules(path)


def test_validation_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = [
        Problem(
            "2018/b.xlsx", "Лист1", "B10", "sex_sum", "boys + girls (9855) ≠ the total (9854)", "error", "C10=5018 + D10=4837 ≠ B10=9854"
        ),
        Problem("2018/b.xlsx", "Лист1", "B7", "region_sum", '=HYPERLINK("http://x")', "error", "=1+1"),
        Problem("2018/a.xlsx", None, None, "missing_form", "no F-MOH-1 submission", "warning"),
    ]
    path = tmp_path / "out" / "validation.xlsx"
    write_validation_workbook(problems, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Problems"]
    assert [c.value for c in ws[1]] == ["File", "Sheet", "Cell", "Rule", "Severity", "Values", "Message", "What it means"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H4"
    assert ws["H2"].value == load_messages()["region_sum"]["en"]  # the rule explained in the staff's language (English)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0:4] for r in rows] == [  # errors first, each by file, sheet and cell as a reader scans them
        ["2018/b.xlsx", "Лист1", "B7", "region_sum"],
        ["2018/b.xlsx", "Лист1", "B10", "sex_sum"],
        ["2018/a.xlsx", None, None, "missing_form"],
    ]
    assert rows[0][5] == "=1+1" and ws["F2"].data_type == "s"  # text, never a formula
    summary = wb.worksheets[0]
    assert summary.title == "Summary" and wb.active == summary
    assert [[c.value for c in row] for row in summary.iter_rows(max_row=2, max_col=2)] == [["Errors", 2], ["Warnings", 1]]
    assert [[c.value for c in row] for row in summary.iter_rows(min_row=6)] == [["2018/b.xlsx", 2, 0], ["2018/a.xlsx", 0, 1]]
    assert ws.column_dimensions["G"].width >= 20 and ws.column_dimensions["C"].width <= 8
    monkeypatch.setenv("YEARBOOK_STAFF_LANGUAGE", "ru")
    write_validation_workbook(problems, path)
    assert openpyxl.load_workbook(path)["Problems"]["H2"].value == load_messages()["region_sum"]["ru"]
    write_validation_workbook([], tmp_path / "empty.xlsx")
    assert openpyxl.load_workbook(tmp_path / "empty.xlsx")["Problems"].max_row == 1


def test_report_of_real_problems(tmp_path: Path, samples: pd.DataFrame) -> None:
    changed = figure(samples, MLSP, "TSA_FAMILIES", "KZ")
    _, result = mutate(tmp_path, MLSP, changed, changed["value"] + 1)
    write_validation_workbook(result.problems, tmp_path / "report.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "report.xlsx")["Problems"]
    assert [c.value for c in ws[2]][:5] == [f"{YEAR}/{MLSP}", changed["source_sheet"], changed["source_cell"], "region_sum", "error"]
