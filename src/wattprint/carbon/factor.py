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
