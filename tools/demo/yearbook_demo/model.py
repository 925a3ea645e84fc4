"""The two small value types the demo passes around: a figure's key and its observation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from yearbook.model import KEY

KEY_COLUMNS = tuple(KEY)


class Key(NamedTuple):
    """Which figure: the published key columns, and whether it is a check-only column."""

    indicator: str
    ref_area: str
    time_period: int
    sex: str = "_T"
    age: str = "_T"
    area: str = "_T"
    flow: str = "_T"
    crime_type: str = "_T"
    wealth_quintile: str = "_T"
    check_only: bool = False


# the demo writes workbooks for the pipeline's key: a dimension added to yearbook.model must be added to Key too
assert Key._fields[: len(KEY)] == KEY_COLUMNS, f"the demo's Key {Key._fields} does not begin with yearbook.model.KEY {KEY}"


@dataclass(frozen=True)
class Obs:
    """A true figure as published: value, SDMX observation status (A/M) and confidentiality (F/C)."""

    value: float | None
    obs_status: str = "A"
    obs_conf: str = "F"

    @property
    def confidential(self) -> bool:
        return self.obs_conf == "C"

    @property
    def missing(self) -> bool:
        return self.obs_status == "M"


CONFIDENTIAL = Obs(None, "A", "C")
MISSING = Obs(None, "M", "F")
