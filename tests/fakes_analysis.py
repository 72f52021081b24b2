"""Small hand-built RunResults for the analysis, report and compare tests (no meters, no models)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from wattprint.carbon.factor import CarbonInfo
from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.results.schema import (
    Environment,
    ModelInfo,
    RepeatResult,
    RunConfig,
    RunResult,
    Summary,
)

GPU = Provenance(source="nvml", method=Method.COUNTER, uncertainty_low=-0.05, uncertainty_high=0.05)
CPU_MODEL = Provenance(source="estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0)
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
_counter = [0]


def make_run(
    task: str,
    model: str,
    wh_per_1k: list[float],
    *,
    params: int | None = None,
    dataset: str = "synthetic",
    n: int = 1000,
    estimated_share: float = 0.0,
    output_tokens: float | None = None,
    intensity: float = 475.0,
    origin: str = "wattprint",
    status: str = "ok",
    run_id: str | None = None,
) -> RunResult:
    """A run whose repeats use exactly ``wh_per_1k`` Wh per 1,000 inferences (GPU measured, CPU modelled)."""
    _counter[0] += 1
    repeats = []
    for i, wh in enumerate(wh_per_1k):
        joules = wh * 3600.0 * n / 1000
        comps = [ComponentEnergy(component="gpu:0", joules=joules * (1 - estimated_share), provenance=GPU)]
        if estimated_share:
            comps.append(ComponentEnergy(component="cpu", joules=joules * estimated_share, provenance=CPU_MODEL))
        counts = {"output_tokens": int(output_tokens * n)} if output_tokens else {}
        repeats.append(RepeatResult(index=i, inferences=n, counts=counts,
                                    energy=EnergyReport(name=f"repeat {i}", duration_s=10.0, components=comps)))
    cfg = RunConfig(task=task, model=model, dataset=dataset, n=n, repeats=max(1, len(repeats)), device="cuda")
    r = RunResult(
        run_id=run_id or f"{_counter[0]:04d}" + "f" * 28,
        origin=origin,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        error=None if status == "ok" else "boom",
        config=cfg,
        started_at=T0 + timedelta(minutes=_counter[0]),
        environment=Environment(cpu_model="Test CPU", gpus=[{"name": "NVIDIA A100-SXM4-80GB"}]),
        model_info=ModelInfo(name=model, parameters=params, device="cuda"),
        repeats=repeats if status == "ok" else [],
        summary=Summary.from_repeats(repeats) if status == "ok" and repeats else None,
        carbon=CarbonInfo(intensity_g_per_kwh=intensity, region="WORLD", source="IEA", year=2019, scope="direct"),
    )
    return r


def study_like() -> list[RunResult]:
    """A few tasks with task-specific and multi-purpose models, like the study's design."""
    runs = [
        make_run("text-classification", "distilbert-sst2", [2.0, 2.2, 2.1], params=66_000_000, dataset="imdb"),
        make_run("text-classification", "roberta-large", [5.0, 5.5, 5.2], params=355_000_000, dataset="imdb"),
        make_run("text-classification", "tiny-bert", [0.5, 0.52, 0.49], params=4_400_000, dataset="imdb"),
        make_run("zero-shot-classification", "google/flan-t5-xl", [60.0, 62.0, 58.0], params=2_800_000_000,
                 dataset="imdb"),
        make_run("zero-shot-classification", "bigscience/bloomz-560m", [50.0, 52.0, 51.0], params=559_000_000,
                 dataset="imdb"),
        make_run("text-generation", "gpt2", [40.0, 42.0, 41.0], params=124_000_000, output_tokens=10,
                 estimated_share=0.4),
        make_run("text-generation", "opt-1.3b", [90.0, 95.0, 92.0], params=1_300_000_000, output_tokens=10,
                 estimated_share=0.4),
        make_run("text-generation", "big-70b", [900.0, 950.0], params=70_000_000_000, output_tokens=12),
        make_run("image-classification", "vit-base", [7.0, 7.1, 6.9], params=86_000_000),
        make_run("image-classification", "resnet-50", [6.0, 6.1, 6.2], params=25_000_000),
        make_run("text-classification", "broken", [], status="failed"),
    ]
    return runs
