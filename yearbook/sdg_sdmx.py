"""The SDG series as SDMX-CSV 2.0 in the global SDG data structure (DSD ``IAEG-SDGs:SDG``), for the UN global SDG
database: the national, published observations of every indicator the store maps to an SDG series
(``indicators.sdg_series``), coded as the SDG DSD codes them.

How our codes become SDG codes, and which rows and series are sent, is data: ``schemas/sdg_sdmx.yaml``. The file is a few
hundred rows (national figures of a dozen indicators), so pysdmx's writer writes it (unlike the full export,
:mod:`yearbook.sdmx`, which DuckDB writes for speed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from pysdmx.io.csv.sdmx20.writer import write
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Concept, DataType
from pysdmx.model.dataflow import Component, Components, Role, Schema

from yearbook.config import load_yaml, schemas_dir
from yearbook.model import DIMENSIONS, KEY, TOTAL

MAPPING_FILE = "sdg_sdmx.yaml"
FREE = "F"  # obs_conf of a figure the office publishes; anything else is withheld
ALL_AGES = "all"
# made here from each row, not looked up in the YAML's code lists
SERIES, AGE, TIME_PERIOD, OBS_VALUE, NATURE = "SERIES", "AGE", "TIME_PERIOD", "OBS_VALUE", "NATURE"


@dataclass(frozen=True)
class SdgMapping:
    """``schemas/sdg_sdmx.yaml``, checked: every dimension of ours is mapped or sent as its total only, and every
    component of the SDG structure is fixed or made from a row."""

    structure: dict[str, str]
    dimensions: list[str]
    attributes: list[str]
    fixed: dict[str, str]
    codes: dict[str, dict[str, Any]]  # store column -> {concept, codes}
    totals_only: list[str]
    nature: dict[str, str]  # reported / derived -> NATURE
    series: dict[str, dict[str, Any]]  # SDG series -> {unit, ages}
    age_of_total: dict[str, str]  # indicator -> AGE of its total

    def concept(self, column: str) -> str:
        return str(self.codes[column]["concept"])


def load_sdg_mapping(path: Path | None = None) -> SdgMapping:
    raw = load_yaml(path or schemas_dir() / MAPPING_FILE)
    mapping = SdgMapping(
        structure={k: str(v) for k, v in raw["structure"].items()},
        dimensions=list(raw["dimensions"]),
        attributes=list(raw["attributes"]),
        fixed={k: str(v) for k, v in raw["fixed"].items()},
        codes={col: {"concept": m["concept"], "codes": {str(k): str(v) for k, v in m["codes"].items()}} for col, m in raw["codes"].items()},
        totals_only=list(raw["totals_only"]),
        nature=dict(raw["nature"]),
        series=dict(raw["series"]),
        age_of_total=dict(raw["age_of_total"]),
    )
    ours = ["ref_area", *DIMENSIONS, "unit", "obs_status"]
    undecided = [c for c in ours if (c in mapping.codes) == (c in mapping.totals_only)]
    if undecided:
        raise ValueError(f"{MAPPING_FILE}: {', '.join(undecided)}: each must be under either codes or totals_only")
    made = {SERIES, AGE, TIME_PERIOD, NATURE} | {mapping.concept(c) for c in mapping.codes}
    components = [*mapping.dimensions, *mapping.attributes]
    unmade = [c for c in components if (c in mapping.fixed) == (c in made)] + sorted(made - set(components))
    if unmade:
        raise ValueError(f"{MAPPING_FILE}: {', '.join(unmade)}: each component is either fixed or made from a row, and only components are")
    return mapping


def sdg_schema(mapping: SdgMapping) -> Schema:
    """The SDG data structure as far as the file uses it: its dimensions, OBS_VALUE and the attributes sent."""
    roles = [(d, Role.DIMENSION) for d in mapping.dimensions] + [(OBS_VALUE, Role.MEASURE)]
    roles += [(a, Role.ATTRIBUTE) for a in mapping.attributes]
    components = [
        Component(
            id=sdmx_id,
            required=True,
            role=role,
            concept=Concept(id=sdmx_id, dtype=DataType.DOUBLE if role is Role.MEASURE else DataType.STRING),
            attachment_level="O" if role is Role.ATTRIBUTE else None,
        )
        for sdmx_id, role in roles
    ]
    s = mapping.structure
    return Schema(context="datastructure", agency=s["agency"], id=s["id"], version=s["version"], components=Components(components))


def sdg_code_lists(mapping: SdgMapping) -> dict[str, set[str]]:
    """Every code the SDG export may hold, by component (the year and the value are not coded): the fixed values, the
    codes ours map to, the series and their units and ages, the ages of totals and NATURE."""
    lists: dict[str, set[str]] = {component: {str(value)} for component, value in mapping.fixed.items()}
    for coded in mapping.codes.values():
        lists.setdefault(coded["concept"], set()).update(map(str, coded["codes"].values()))
    lists[SERIES] = set(mapping.series)
    lists["UNIT_MEASURE"] |= {s["unit"] for s in mapping.series.values()}
    lists[AGE] |= set(mapping.age_of_total.values()) | {a for s in mapping.series.values() if s["ages"] != ALL_AGES for a in s["ages"]}
    lists[NATURE] = set(mapping.nature.values())
    return lists


def sdg_plan(indicators: pd.DataFrame, mapping: SdgMapping) -> tuple[pd.DataFrame, dict[str, str]]:
    """Which indicators mapped to an SDG series (the store's ``indicators``: code, form, unit, sdg_series) are sent:
    those whose unit is the series' and whose total's age is one the series takes. Returns them (indicator, series,
    age of the total, NATURE) and, for each one left out, why."""
    unit_codes = mapping.codes["unit"]["codes"]
    sent, left_out = [], {}
    for code, form, unit, sdg_series in indicators.dropna(subset=["sdg_series"])[["code", "form", "unit", "sdg_series"]].to_numpy(str):
        series = mapping.series.get(sdg_series)
        age = mapping.age_of_total.get(code)
        if series is None:
            left_out[code] = f"{sdg_series} is not a series of {MAPPING_FILE} (the SDG DSD's CL_SERIES)"
        elif unit_codes.get(unit) != series["unit"]:
            left_out[code] = f"its unit {unit} is not the unit of {sdg_series} ({series['unit']})"
        elif age is None:
            left_out[code] = f"the age of its total has no code in {MAPPING_FILE} (age_of_total)"
        elif series["ages"] != ALL_AGES and age not in series["ages"]:
            left_out[code] = f"the age of its total ({age}) is not an age of {sdg_series} ({', '.join(series['ages'])})"
        else:
            sent.append((code, sdg_series, age, mapping.nature["derived" if form == "derived" else "reported"]))
    return pd.DataFrame(sent, columns=["indicator", SERIES, "age_of_total", NATURE]), left_out


def sdg_frame(store: Path, mapping: SdgMapping) -> tuple[pd.DataFrame, dict[str, str]]:
    """The SDG observations of ``store`` (SDMX column names, in the file's row order) and the mapped indicators left
    out, with why. Raises when two observations of ours would be one SDG observation (two indicators given one
    series and the same ages)."""
    with duckdb.connect(str(store), read_only=True) as con:
        plan, left_out = sdg_plan(con.execute("SELECT code, form, unit, sdg_series FROM indicators").df(), mapping)
        obs = con.execute(
            f"SELECT {', '.join(KEY)}, value, unit, obs_status FROM observations "
            "WHERE indicator IN (SELECT unnest($indicators)) AND obs_conf = $free AND value IS NOT NULL",
            {"indicators": plan["indicator"].tolist(), "free": FREE},
        ).df()
    obs = obs.merge(plan, on="indicator")
    for column in mapping.totals_only:
        obs = obs[obs[column] == TOTAL]
    frame = pd.DataFrame(index=obs.index)
    for column, coded in mapping.codes.items():
        frame[coded["concept"]] = obs[column].map(coded["codes"])
    frame[AGE] = frame[AGE].where(obs["age"] != TOTAL, obs["age_of_total"])
    frame[SERIES] = obs[SERIES]
    frame[TIME_PERIOD] = obs["time_period"].astype(str)
    frame[NATURE] = obs[NATURE]
    frame[OBS_VALUE] = obs["value"]
    frame = frame.dropna(subset=[c["concept"] for c in mapping.codes.values()])  # a code the SDG DSD has not: not sent
    ages = frame[SERIES].map(lambda s: mapping.series[s]["ages"])
    frame = frame[pd.Series([a == ALL_AGES or age in a for a, age in zip(ages, frame[AGE], strict=True)], index=frame.index, dtype=bool)]
    for component, value in mapping.fixed.items():
        frame[component] = value
    columns = [*mapping.dimensions, OBS_VALUE, *mapping.attributes]
    frame = frame[columns].sort_values(mapping.dimensions, ignore_index=True)
    twice = frame[frame.duplicated(mapping.dimensions, keep=False)]
    if len(twice):
        raise ValueError(f"two observations of ours are one SDG observation: {twice.head(2).to_dict('records')}")
    return frame, left_out


def write_sdg_sdmx_csv(store: Path, path: Path) -> dict[str, str]:
    """Write the SDG observations of ``store`` as SDMX-CSV 2.0 to ``path``; returns the mapped indicators left out, with why."""
    mapping = load_sdg_mapping()
    frame, left_out = sdg_frame(store, mapping)
    path.parent.mkdir(parents=True, exist_ok=True)
    write([PandasDataset(structure=sdg_schema(mapping), data=frame)], output_path=path)
    return left_out
