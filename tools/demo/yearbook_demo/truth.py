"""The true figures of the demo edition, one reference year at a time.

Counts are built top-down on the 20 atoms of :mod:`yearbook_demo.geography`: a national total
from :mod:`yearbook_demo.anchors` is apportioned exactly over the atoms, then each atom's count
over its finest breakdown (sex, area, age group, crime type, flow). Totals are sums of their
parts and regions are sums of their atoms, so every consistency rule of FORMS.md holds by
construction. A ministry's percentages are computed from the aggregated counts and rounded
half up to one decimal. Finally a few cells are withheld (``x``) or not available (``...``).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from yearbook_demo import anchors
from yearbook_demo.forms import FORM_CODES, FORMS_BY_CODE, figure_keys
from yearbook_demo.geography import NATIONAL, REGIONS, Geography
from yearbook_demo.model import CONFIDENTIAL, MISSING, Key, Obs
from yearbook_demo.rand import apportion, jitter, percent, split, unit

AGES = tuple(f"Y{a}" for a in range(18))


@lru_cache(maxsize=1)
def _base() -> dict[str, dict[str, float]]:
    """The 2018 table on the 20 atoms: carved-out regions take a share of their parent's counts."""
    table = anchors.base_table()
    out = {code: dict(row) for code, row in table.items()}
    for atom, (parent, share) in anchors.CARVED_2022.items():
        out[atom] = {col: v * share for col, v in table[parent].items()}
        out[parent] = {col: v * (1 - share) for col, v in table[parent].items()}
        out[atom]["pov"] = out[parent]["pov"] = table[parent]["pov"]  # a rate, not a count
    return out


def _growth(base: dict[str, dict[str, float]], atom: str, year: int, national: float) -> float:
    """Regions with many births for their children grow; the north shrinks (``national``: births per child)."""
    ratio = base[atom]["births"] / base[atom]["pop"]
    rate = max(-0.015, min(0.02, 0.012 * (ratio / national - 1)))
    return math.exp(rate * (year - 2018))


class _YearModel:
    """Atom-level counts of one year, with every total kept alongside its parts."""

    def __init__(self, year: int, seed: int, geography: Geography = REGIONS):
        self.year, self.seed, self.geography = year, seed, geography
        self.base = geography.atom_base(_base())
        self.codes = geography.atoms
        self.birth_ratio = sum(b["births"] for b in self.base.values()) / sum(b["pop"] for b in self.base.values())
        self.atoms: defaultdict[Key, int] = defaultdict(int)
        self.national: dict[Key, Obs] = {}

    def growth(self, atom: str) -> float:
        return _growth(self.base, atom, self.year, self.birth_ratio)

    # -- helpers ---------------------------------------------------------------------------
    def j(self, *parts: object, scale: float) -> float:
        return jitter(self.seed, self.year, *parts, scale=scale)

    def nat(self, name: str, scale: float = 0.003) -> int:
        return round(anchors.national(name, self.year) * self.j("national", name, scale=scale))

    def weights(self, column: str, name: str, scale: float = 0.015, grow: bool = True) -> dict[str, float]:
        return {a: self.base[a][column] * (self.growth(a) if grow else 1.0) * self.j("weight", name, a, scale=scale) for a in self.codes}

    def add(self, indicator: str, atom: str, value: int, totals: dict[str, str] | None = None, **dims: str) -> None:
        """Add a finest-level count and, for every dimension in ``totals``, its total too."""
        totals = totals or {}
        options = [((d, v), (d, totals[d])) if d in totals else ((d, v),) for d, v in dims.items()]
        for combo in itertools.product(*options):
            self.atoms[Key(indicator, atom, self.year, **dict(combo))] += value

    def atom_value(self, indicator: str, atom: str, **dims: str) -> int:
        return self.atoms[Key(indicator, atom, self.year, **dims)]

    def urban_share(self, atom: str, age: int, sex: str) -> float:
        """The urban share of an atom's children; cities have no rural population."""
        share = self.base[atom]["urban"] / self.base[atom]["pop"]
        if share >= 1:
            return 1.0
        return min(1.0, (share + 0.002 * (self.year - 2018)) * self.j("urban", atom, age, sex, scale=0.01))

    # -- the forms' figures ----------------------------------------------------------------
    def population(self) -> None:
        base = self.base
        for a in range(18):
            cohort = anchors.births(self.year - 1 - a)
            total = round(cohort * (0.972 + 0.0006 * a) * self.j("pop", a, scale=0.003))
            # regions with many births have more young children than old ones (the same on average)
            weights = {
                atom: base[atom]["pop"] * (base[atom]["births"] / base[atom]["pop"]) ** (0.5 - a / 17) * self.growth(atom)
                * self.j("pop-share", atom, a, scale=0.01)
                for atom in self.codes
            }  # fmt: skip
            for atom, n in apportion(total, weights).items():
                boys, girls = split(n, anchors.SHARES["BOYS_POP"] * self.j("boys", atom, a, scale=0.006))
                for sex, count in (("M", boys), ("F", girls)):
                    share = self.urban_share(atom, a, sex)
                    urban, rural = split(count, share)
                    for area, c in (("U", urban), ("R", rural)):
                        self.add("POP_CHILD", atom, c, {"age": "Y0T17", "sex": "_T", "area": "_T"}, age=f"Y{a}", sex=sex, area=area)

    def births_deaths(self) -> None:
        s = anchors.SHARES
        births_total = round(anchors.births(self.year) * self.j("births", scale=0.002))
        births = apportion(births_total, self.weights("births", "births", 0.01))
        infant_total = round(births_total * anchors.national("IMR", self.year) / 1000 * self.j("imr", scale=0.01))
        infant = apportion(
            infant_total, {a: births[a] * self.base[a]["inf"] / self.base[a]["births"] * self.j("imr", a, scale=0.08) for a in self.codes}
        )
        older_total = round(infant_total * s["DEATHS_1_4_PER_INFANT"] * self.j("u5", scale=0.1))
        older = apportion(
            older_total,
            {
                a: infant[a] * ((self.base[a]["u5"] - self.base[a]["inf"]) / self.base[a]["inf"] + 0.02) * self.j("u5", a, scale=0.2)
                for a in self.codes
            },
        )
        for a in self.codes:
            bm, bf = split(births[a], s["BOYS_BIRTHS"] * self.j("births-boys", a, scale=0.005))
            im, if_ = split(infant[a], s["BOYS_INFANT_DEATHS"] * self.j("imr-boys", a, scale=0.08))
            om, of = split(older[a], s["BOYS_OLDER_DEATHS"] * self.j("u5-boys", a, scale=0.15))
            for sex, b, i, o in (("M", bm, im, om), ("F", bf, if_, of)):
                self.add("BIRTHS_LIVE", a, b, {"sex": "_T"}, sex=sex)
                self.add("DEATHS_INFANT", a, i, {"sex": "_T"}, sex=sex)
                self.add("DEATHS_U5", a, i + o, {"sex": "_T"}, sex=sex)

    def health(self) -> None:
        s = anchors.SHARES
        for a, n in apportion(self.nat("DISAB_CHILD"), self.weights("disab", "disab")).items():
            groups = {"Y0T6": s["DISAB_0_6"], "Y7T14": s["DISAB_7_14"], "Y15T17": 1 - s["DISAB_0_6"] - s["DISAB_7_14"]}
            parts = apportion(n, {g: w * self.j("disab-age", a, g, scale=0.04) for g, w in groups.items()})
            for group, count in parts.items():
                boys, girls = split(count, s["BOYS_DISAB"] * self.j("disab-boys", a, group, scale=0.03))
                for sex, c in (("M", boys), ("F", girls)):
                    self.add("DISAB_CHILD", a, c, {"age": "Y0T17", "sex": "_T"}, age=group, sex=sex)
        suic = sum(b["suic"] for b in self.base.values())
        pop = sum(b["pop"] for b in self.base.values())
        weights = {
            a: (0.5 * self.base[a]["suic"] / suic + 0.5 * self.base[a]["pop"] / pop) * self.j("suic", a, scale=0.45) for a in self.codes
        }
        for a, n in apportion(self.nat("SUICIDE_ADOL", 0.03), weights).items():
            boys, girls = split(n, min(1.0, s["BOYS_SUICIDE"] * self.j("suic-boys", a, scale=0.3)))
            self.add("SUICIDE_ADOL", a, boys, {"sex": "_T"}, sex="M")
            self.add("SUICIDE_ADOL", a, girls, {"sex": "_T"}, sex="F")

    def education(self) -> None:
        s, y = anchors.SHARES, self.year
        level = anchors.national("PRESCHOOL_RATIO", y) / anchors.national("PRESCHOOL_RATIO", 2018)
        for a in self.codes:
            children = sum(self.atom_value("POP_CHILD", a, age=f"Y{k}") for k in range(3, 7))
            children = round(children * self.j("prepop", a, scale=0.004))
            ratio = min(0.99, self.base[a]["enrol"] / self.base[a]["prepop"] * level * self.j("enrol", a, scale=0.01))
            self.add("PRESCHOOL_POP", a, children)
            self.add("PRESCHOOL_ENROL", a, round(children * ratio))
        for a, n in apportion(self.nat("PUPILS"), self.weights("pupils", "pupils", 0.01)).items():
            boys, girls = split(n, s["BOYS_PUPILS"] * self.j("pupils-boys", a, scale=0.004))
            self.add("PUPILS", a, boys, {"sex": "_T"}, sex="M")
            self.add("PUPILS", a, girls, {"sex": "_T"}, sex="F")
        for a, n in apportion(self.nat("OOS_CHILD"), self.weights("oos", "oos", 0.03)).items():
            self.add("OOS_CHILD", a, n)
        for a, n in apportion(self.nat("SEN_CHILD"), self.weights("sen", "sen", 0.02)).items():
            self.add("SEN_CHILD", a, n)
            self.add("SEN_HOME", a, min(n, round(n * self.base[a]["senhome"] / self.base[a]["sen"] * self.j("senhome", a, scale=0.05))))
        incl = anchors.national("SCHOOLS_INCL_SHARE", y) / anchors.national("SCHOOLS_INCL_SHARE", 2018)
        for a, n in apportion(self.nat("SCHOOLS", 0.001), self.weights("schools", "schools", 0.005, grow=False)).items():
            self.add("SCHOOLS", a, n)
            share = min(0.97, self.base[a]["incl"] / self.base[a]["schools"] * incl * self.j("incl", a, scale=0.03))
            self.add("SCHOOLS_INCL", a, min(n, round(n * share)))

    def social(self) -> None:
        y = self.year
        for a, n in apportion(self.nat("TSA_FAMILIES", 0.01), self.weights("tsafam", "tsafam", 0.03)).items():
            self.add("TSA_FAMILIES", a, n)
            self.add("TSA_CHILD", a, round(n * self.base[a]["tsachild"] / self.base[a]["tsafam"] * self.j("tsachild", a, scale=0.02)))
        level = anchors.national("POVERTY_CHILD_RATE", y) / anchors.national("POVERTY_CHILD_RATE", 2018)
        for a in self.codes:
            children = self.atom_value("POP_CHILD", a, age="Y0T17")
            self.add("_POOR", a, round(children * self.base[a]["pov"] / 100 * level * self.j("pov", a, scale=0.04)))
        trend = {"resid": 0.94, "guard": 1.0, "foster": 1.04, "adopt": 0.97}
        codes = {"resid": "NPC_RESID", "guard": "NPC_GUARD", "foster": "NPC_FOSTER", "adopt": "ADOPTED"}
        for a, n in apportion(self.nat("NPC_CHILD"), self.weights("npc", "npc", 0.02, grow=False)).items():
            parts = {
                col: round(n * self.base[a][col] / self.base[a]["npc"] * t ** (y - 2018) * self.j("npc", col, a, scale=0.05))
                for col, t in trend.items()
            }
            parts["guard"] -= max(0, sum(parts.values()) - n)  # the "of whom" columns never exceed the total
            self.add("NPC_CHILD", a, n)
            for col, count in parts.items():
                self.add(codes[col], a, count)

    def law(self) -> None:
        s = anchors.SHARES
        for a, n in apportion(self.nat("JUV_OFFENDERS", 0.01), self.weights("off", "off", 0.04)).items():
            younger, older = split(n, s["OFFENDERS_14_15"] * self.j("off-age", a, scale=0.1))
            girls_share = self.base[a]["offf"] / self.base[a]["off"]
            for group, count in (("Y14T15", younger), ("Y16T17", older)):
                girls, boys = split(count, girls_share * self.j("off-girls", a, group, scale=0.3))
                self.add("JUV_OFFENDERS", a, boys, {"age": "Y14T17", "sex": "_T"}, age=group, sex="M")
                self.add("JUV_OFFENDERS", a, girls, {"age": "Y14T17", "sex": "_T"}, age=group, sex="F")
        boys_share = {"VIOLENT": s["BOYS_VICTIMS_VIOLENT"], "SEXUAL": s["BOYS_VICTIMS_SEXUAL"], "_OTHER": s["BOYS_VICTIMS_OTHER"]}
        for a, n in apportion(self.nat("CHILD_VICTIMS", 0.01), self.weights("vict", "vict", 0.04)).items():
            b = self.base[a]
            mix = {"VIOLENT": b["viol"] / b["vict"], "SEXUAL": b["sexl"] / b["vict"], "_OTHER": 1 - (b["viol"] + b["sexl"]) / b["vict"]}
            parts = apportion(n, {c: w * self.j("vict-type", a, c, scale=0.1) for c, w in mix.items()})
            for crime, count in parts.items():
                boys, girls = split(count, boys_share[crime] * self.j("vict-boys", a, crime, scale=0.2))
                self.add("CHILD_VICTIMS", a, boys, {"crime_type": "_T", "sex": "_T"}, crime_type=crime, sex="M")
                self.add("CHILD_VICTIMS", a, girls, {"crime_type": "_T", "sex": "_T"}, crime_type=crime, sex="F")
        for indicator in ("JUV_PENAL", "JUV_PRETRIAL"):
            self.national[Key(indicator, NATIONAL, self.year)] = Obs(float(self.nat(indicator, 0.05)))

    def migration(self) -> None:
        share = anchors.SHARES["BOYS_MIGRANTS"]
        flows = {
            "INTERNAL": (("MIG_INTERNAL", "arrint"), ("MIG_INTERNAL", "depint")),
            "CIS": (("MIG_CIS_IN", "arrcis"), ("MIG_CIS_OUT", "depcis")),
            "OTHER": (("MIG_OTHER_IN", "arroth"), ("MIG_OTHER_OUT", "depoth")),
        }
        for flow, directions in flows.items():
            for indicator, (national, column) in zip(("MIG_ARRIVALS", "MIG_DEPARTURES"), directions, strict=True):
                # internal arrivals and departures share one national total per sex: what one region loses, another gains
                total = self.nat(national, 0.01)
                boys, girls = split(total, share * self.j("mig-boys", national, scale=0.01))
                for sex, count in (("M", boys), ("F", girls)):
                    for a, n in apportion(count, self.weights(column, f"{indicator}-{sex}", 0.05)).items():
                        self.add(indicator, a, n, {"flow": "_T", "sex": "_T"}, flow=flow, sex=sex)
        self.national[Key("UASC", NATIONAL, self.year)] = Obs(float(self.nat("UASC", 0.1)))

    def survey(self) -> None:
        survey_year = anchors.MICS_SURVEYS.get(self.year)
        if survey_year is None:
            return
        for indicator, total in anchors.MICS_TOTALS[survey_year].items():
            sex_gap, urban_gap, wealth_gap, cases = anchors.MICS_GAPS[indicator]

            def pct(x: float, *where: str, indicator: str = indicator) -> float:
                return round(min(100.0, max(0.1, x + 0.3 * (2 * unit(self.seed, "mics", survey_year, indicator, *where) - 1))), 1)

            t = pct(total, "T")
            cells = {("_T", "_T", "_T"): t, ("M", "_T", "_T"): pct(t + sex_gap / 2, "M"), ("F", "_T", "_T"): pct(t - sex_gap / 2, "F")}
            cells[("_T", "U", "_T")] = pct(t + 0.4 * urban_gap, "U")
            cells[("_T", "R", "_T")] = pct(t - 0.6 * urban_gap, "R")
            for q in range(1, 6):
                cells[("_T", "_T", f"Q{q}")] = pct(t + wealth_gap * (0.5 - (q - 1) / 4), f"Q{q}")
            for (sex, area, quintile), value in cells.items():
                self.national[Key(indicator, NATIONAL, survey_year, sex=sex, area=area, wealth_quintile=quintile)] = Obs(value)
            n = round(cases * jitter(self.seed, "mics-cases", survey_year, indicator, scale=0.15))
            self.national[Key(indicator, NATIONAL, survey_year, check_only=True)] = Obs(float(n))


def _aggregate(model: _YearModel) -> dict[Key, int]:
    """Atoms added up to the units in force (regions or districts), and to the country."""
    to_region = model.geography.atom_unit(model.year)
    out: defaultdict[Key, int] = defaultdict(int)
    for key, value in model.atoms.items():
        out[key._replace(ref_area=to_region[key.ref_area])] += value
        out[key._replace(ref_area=NATIONAL)] += value
    return out


def _rates(counts: dict[Key, int], year: int, geography: Geography) -> dict[Key, float]:
    """The percentages a ministry computes from its own (aggregated) counts."""
    out = {}
    for area in (NATIONAL, *geography.units(year)):
        enrol, pop = counts[Key("PRESCHOOL_ENROL", area, year)], counts[Key("PRESCHOOL_POP", area, year)]
        out[Key("PRESCHOOL_COVERAGE_REPORTED", area, year, check_only=True)] = percent(enrol, pop)
        poor, children = counts[Key("_POOR", area, year)], counts[Key("POP_CHILD", area, year, age="Y0T17")]
        out[Key("POVERTY_CHILD_RATE", area, year)] = percent(poor, children)
    return out


def _pick(seed: int, year: int, name: str, candidates: list[str], how_many: int) -> list[str]:
    return sorted(candidates, key=lambda r: unit(seed, "sprinkle", name, year, r))[:how_many]


def _sprinkle(figures: dict[Key, Obs], year: int, seed: int, geography: Geography) -> None:
    """Withhold a few small counts (``x``) and make a few figures not available (``...``)."""
    regs = list(geography.units(year))

    def value(indicator: str, region: str, **dims: str) -> float:
        return figures[Key(indicator, region, year, **dims)].value or 0

    small = [
        r for r in regs if 0 < value("SUICIDE_ADOL", r, sex="M") and 0 < value("SUICIDE_ADOL", r, sex="F") and value("SUICIDE_ADOL", r) <= 5
    ]
    for r in _pick(seed, year, "suicide", small, 1 + int(unit(seed, "sprinkle-n", year) < 0.5)):
        for sex in ("M", "F"):
            figures[Key("SUICIDE_ADOL", r, year, sex=sex)] = CONFIDENTIAL
    few = [r for r in regs if 0 < value("CHILD_VICTIMS", r, crime_type="SEXUAL", sex="M") <= 2]
    for r in _pick(seed, year, "sexual", few, 1):
        for sex in ("M", "F"):
            figures[Key("CHILD_VICTIMS", r, year, crime_type="SEXUAL", sex=sex)] = CONFIDENTIAL
    not_available = [("SEN_HOME", {}, 1.0), ("ADOPTED", {}, 0.4), ("DEATHS_U5", {"sex": "F"}, 0.3), ("OOS_CHILD", {}, 0.3)]
    for indicator, dims, chance in not_available:
        if unit(seed, "sprinkle-missing", indicator, year) < chance:
            for r in _pick(seed, year, indicator, regs, 1):
                figures[Key(indicator, r, year, **dims)] = MISSING
    survey_year = anchors.MICS_SURVEYS.get(year)
    if survey_year is not None:
        indicator = sorted(anchors.MICS_TOTALS[survey_year], key=lambda i: unit(seed, "sprinkle-mics", year, i))[0]
        figures[Key(indicator, NATIONAL, survey_year, wealth_quintile="Q1")] = MISSING


@lru_cache(maxsize=16)
def year_truth(year: int, seed: int, geography: Geography = REGIONS) -> dict[Key, Obs]:
    """Every true figure of the forms of reference year ``year`` (survey figures keyed by the survey year).

    ``geography``: the units of the rows (the regions in force, or districts).
    """
    if not anchors.covers(year):
        raise ValueError(f"the demo covers {anchors.FIRST_YEAR}-{anchors.LAST_YEAR}, not {year}")
    model = _YearModel(year, seed, geography)
    for step in (
        model.population,
        model.births_deaths,
        model.health,
        model.education,
        model.social,
        model.law,
        model.migration,
        model.survey,
    ):
        step()
    counts = _aggregate(model)
    figures: dict[Key, Obs] = {
        key: Obs(float(v)) for key, v in counts.items() if not key.indicator.startswith("_") and key.crime_type != "_OTHER"
    }
    figures.update({key: Obs(v) for key, v in _rates(counts, year, geography).items()})
    figures.update(model.national)
    _sprinkle(figures, year, seed, geography)
    return figures


def demo_truth(
    years: Sequence[int] = anchors.DEMO_YEARS,
    seed: int = anchors.DEFAULT_SEED,
    forms: Sequence[str] | None = None,
    geography: Geography = REGIONS,
) -> pd.DataFrame:
    """The true figures the generator writes for ``years``: one row per figure.

    Columns: ``form``, the published key columns, ``check_only`` (a ministry's own percentage
    or a survey's case count: checked, not published), ``value``, ``obs_status``, ``obs_conf``.
    A confidential cell has value None and obs_conf 'C'; a not-available one value None and
    obs_status 'M'; a true zero the value 0.
    """
    codes = tuple(forms or FORM_CODES)
    rows = []
    for year in years:
        truth = year_truth(year, seed, geography)
        for code in codes:
            for key in figure_keys(FORMS_BY_CODE[code], year, geography):
                obs = truth[key]
                rows.append((code, *key, obs.value, obs.obs_status, obs.obs_conf))
    frame = pd.DataFrame(rows, columns=["form", *Key._fields, "value", "obs_status", "obs_conf"])
    return frame.astype({"time_period": "int64", "value": "float64", "check_only": "bool"})
