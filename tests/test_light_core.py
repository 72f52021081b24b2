"""The light core: ``import wattprint`` and a ``track`` window build no pydantic model and load no numerics stack.

Asserted on the modules a fresh interpreter has loaded, never on timing (timings are in
``benchmarks/meter_overhead.py`` and the README's overhead table).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance

#: packages that a track window must not load: pydantic (model building was 3/4 of the import time),
#: the CLI's stack, and the numerics extra.
NOT_IN_TRACK = ("pydantic", "pydantic_core", "annotated_types", "typer", "rich", "yaml", "numpy", "scipy")


def _loaded_after(code: str, names: tuple[str, ...]) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {names!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_and_a_track_window_load_no_pydantic_and_no_numerics():
    code = (
        "import wattprint\n"
        "with wattprint.track('block') as t:\n"
        "    sum(range(1000))\n"
        "assert t.report is not None and t.report.components, t.report\n"
    )
    assert _loaded_after(code, NOT_IN_TRACK) == []


def test_the_lower_layers_and_the_cli_load_no_numerics_at_import():
    """numpy/scipy are the ``analysis`` extra: imported inside the functions that need them."""
    code = (
        "import wattprint, wattprint.cli.main, wattprint.energy, wattprint.carbon, wattprint.results.schema, "
        "wattprint.results.store, wattprint.analysis, wattprint.analysis.stats, wattprint.analysis.fits, "
        "wattprint.analysis.welch, wattprint.analysis.compare, wattprint.report"
    )
    assert _loaded_after(code, ("numpy", "scipy")) == []


def test_energy_types_check_their_invariants_as_the_pydantic_models_did():
    prov = Provenance(source="rapl", method="counter", uncertainty_low=-0.05, uncertainty_high=0.05)
    assert prov.method is Method.COUNTER and prov.measured and prov.label == "measured (rapl counter)"
    comp = ComponentEnergy(component="cpu:0", joules=2, provenance=prov)
    assert isinstance(comp.joules, float) and comp.bounds_j == (2 * 0.95, 2 * 1.05)
    for bad in (
        lambda: Provenance(source="x", method="guess", uncertainty_low=0, uncertainty_high=0),
        lambda: Provenance(source="x", method="model", uncertainty_low=0.1, uncertainty_high=0),
        lambda: Provenance(source="x", method="model", uncertainty_low=-1.5, uncertainty_high=0),
        lambda: Provenance(source="x", method="model", uncertainty_low=0, uncertainty_high=-0.1),
        lambda: Provenance(source="x", method="model", sampling_period_s=-1, uncertainty_low=0, uncertainty_high=0),
        lambda: ComponentEnergy(component="cpu", joules=-1.0, provenance=prov),
        lambda: ComponentEnergy(component="cpu", joules=float("nan"), provenance=prov),
        lambda: EnergyReport(duration_s=-0.1),
        lambda: EnergyReport(duration_s=1.0, components=[comp, comp]),
    ):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(AttributeError):
        prov.source = "nvml"  # type: ignore[misc]


def test_energy_types_round_trip_through_the_result_schema_with_the_same_json():
    """``to_dict`` and the stored JSON (pydantic dumping the dataclasses) agree key for key."""
    from wattprint.results.schema import RepeatResult

    prov = Provenance(source="estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0, note="tdp")
    report = EnergyReport(name="r", start_unix_s=1.5e9, duration_s=2, idle_power_w={"cpu": 3},
                          components=[ComponentEnergy(component="cpu", joules=12.5, provenance=prov)])
    rep = RepeatResult(index=0, inferences=4, energy=report)
    stored = json.loads(rep.model_dump_json())
    assert stored["energy"] == report.to_dict()
    assert list(stored["energy"]) == ["name", "start_unix_s", "duration_s", "components", "idle_power_w"]
    back = RepeatResult.model_validate_json(rep.model_dump_json())
    assert back.energy == report and back.energy.net_joules == {"cpu": 12.5 - 3 * 2}
    bad = json.loads(rep.model_dump_json())
    bad["energy"]["components"][0]["joules"] = -4
    with pytest.raises(ValueError, match="joules"):  # pydantic's ValidationError is a ValueError
        RepeatResult.model_validate(bad)
