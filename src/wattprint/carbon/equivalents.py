"""Everyday equivalents of energy (Wh) and carbon (g CO2e), each with its source and year.

The table lives in ``wattprint/data/equivalents.json``. An equivalent's ``basis``
says which quantity it divides: energy equivalents (phone charges, LED hours...)
do not depend on the grid factor; carbon ones (car km, litres of gasoline) do.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel

from wattprint.errors import WattprintError


class EquivalentDef(BaseModel):
    """One row of the equivalents table: ``per_unit`` Wh (energy) or g CO2e (carbon) per unit."""

    id: str
    name: str
    unit: str
    basis: Literal["energy", "carbon"]
    per_unit: float
    per_unit_unit: str
    source: str
    url: str = ""
    year: int | None = None
    kind: str = "sourced"  # sourced | stated-rating | physics
    legacy: bool = False


class Equivalent(BaseModel):
    """An amount expressed as ``value`` ``unit`` of something familiar."""

    id: str
    name: str
    value: float
    unit: str
    basis: Literal["energy", "carbon"]
    per_unit: float
    per_unit_unit: str
    source: str
    year: int | None = None
    kind: str = "sourced"

    def text(self) -> str:
        return f"{self.value:,.3g} {self.unit}"


@lru_cache(maxsize=1)
def equivalent_table() -> list[EquivalentDef]:
    """The packaged equivalents table, in display order."""
    text = resources.files("wattprint").joinpath("data").joinpath("equivalents.json").read_text(encoding="utf-8")
    return [EquivalentDef(**row) for row in json.loads(text)["equivalents"]]


def equivalents(
    wh: float, grams: float, include_legacy: bool = False, ids: list[str] | None = None
) -> list[Equivalent]:
    """``wh`` watt-hours and ``grams`` g CO2e expressed in everyday units.

    Energy-based rows divide ``wh``; carbon-based rows divide ``grams``. The EPA
    pre-2024 phone-charge figure is left out unless ``include_legacy``; ``ids``
    selects rows by id.
    """
    for value, what in ((wh, "energy (Wh)"), (grams, "carbon (g CO2e)")):
        if not math.isfinite(float(value)) or value < 0:
            raise WattprintError(f"{what} must be zero or more, got {value!r}", "equivalents need a measured amount")
    table = equivalent_table()
    if ids is not None:
        known = {d.id for d in table}
        bad = [i for i in ids if i not in known]
        if bad:
            raise WattprintError(f"unknown equivalent(s): {', '.join(bad)}", "known: " + ", ".join(sorted(known)))
    out = []
    for d in table:
        if ids is not None and d.id not in ids:
            continue
        if ids is None and d.legacy and not include_legacy:
            continue
        amount = wh if d.basis == "energy" else grams
        out.append(
            Equivalent(
                id=d.id,
                name=d.name,
                value=amount / d.per_unit,
                unit=d.unit,
                basis=d.basis,
                per_unit=d.per_unit,
                per_unit_unit=d.per_unit_unit,
                source=d.source,
                year=d.year,
                kind=d.kind,
            )
        )
    return out
