"""The carbon factor applied to energy: intensity, PUE and where they come from."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CarbonInfo(BaseModel):
    """The carbon factor applied, kept apart from energy so it can be recomputed."""

    intensity_g_per_kwh: float = Field(ge=0)
    region: str = Field(description="e.g. WORLD, FR, US-CA, aws:us-west-2, or 'custom'")
    source: str = ""
    year: int | None = None
    scope: str = Field(default="", description="direct | life-cycle")
    pue: float = Field(default=1.0, ge=1.0)

    def grams(self, wh: float) -> float:
        """Grams CO2e for ``wh`` watt-hours of IT energy (PUE applied)."""
        return wh / 1000.0 * self.pue * self.intensity_g_per_kwh

    def label(self) -> str:
        """The factor in words, e.g. ``475 g/kWh (WORLD; Ember, 2023), PUE 1`` (plain text, from the store)."""
        src = ", ".join(x for x in (self.source, str(self.year) if self.year else "") if x)
        return (f"{self.intensity_g_per_kwh:g} g/kWh ({self.region}{'; ' + src if src else ''}), "
                f"PUE {self.pue:g}")
