"""The versioned result schema: one :class:`RunResult` per benchmark run.

A run is stored as one JSON document (this model, ``model_dump_json``) and one
row of the SQLite store. Everything a reader needs to re-validate or recompute
is kept: raw energy per component and repeat, with provenance; the carbon
factor apart from the energy, so carbon can be recomputed with another one.

Units: joules (J) in energy reports, watt-hours (Wh) in summaries, grams CO2e
(g) for carbon, seconds (s) for time.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.timed import TimedCarbon
from wattprint.energy.types import EnergyReport
from wattprint.errors import WattprintError
from wattprint.results import exact
from wattprint.results.quality import QualityScore

__all__ = ["CarbonInfo", "QualityScore", "RunConfig", "RunResult", "Summary", "RepeatResult"]

#: version 2: typed ``phase``, ``failure``, ``sample_outputs``, ``RepeatResult.infer_s``,
#: ``DatasetInfo.cycled``, ``quality_note`` and ``quality_error`` in place of ``extra`` keys
#: (version-1 documents are upgraded on load, see :mod:`wattprint.results.versions`)
SCHEMA_VERSION = 2
J_PER_WH = 3600.0

#: A figure is called measured when at least this share of its energy came from hardware sensors, and
#: ESTIMATED when at most ``1 - MEASURED_SHARE_MIN`` did; in between it is partly estimated.
MEASURED_SHARE_MIN = 0.9995


def share_words(share: float) -> str:
    """``measured``, ``ESTIMATED`` or ``partly estimated (N% measured)`` for a share of energy from sensors."""
    if share >= MEASURED_SHARE_MIN:
        return "measured"
    if share <= 1 - MEASURED_SHARE_MIN:
        return "ESTIMATED"
    pct = f"{share:.0%}"
    if pct in ("0%", "100%"):  # never round a partial figure to all or nothing
        pct = f"{share:.1%}"
    return f"partly estimated ({pct} measured)"


def t975(df: int) -> float:
    """Two-sided 95% Student t quantile (the 0.975 quantile) for ``df`` degrees of freedom; NaN when df <= 0.

    Computed by scipy (``scipy.special.stdtrit``, the function behind ``scipy.stats.t.ppf``),
    imported here, on first use, so that importing the result schema stays light. scipy is
    in the ``analysis`` extra (pulled in by ``ml`` and ``report``): a 95% interval over 2 or
    more values needs it, and without it this raises a :class:`WattprintError` saying how to
    install it.
    """
    if df <= 0:
        return math.nan
    try:
        from scipy.special import stdtrit
    except ImportError as exc:
        raise WattprintError(
            "a 95% interval needs scipy, which is not installed",
            hint="pip install 'wattprint[analysis]' (numpy and scipy)",
        ) from exc
    return float(stdtrit(df, 0.975))


def ci95_of_mean(values: list[float], std: float | None = None, mean: float | None = None) -> tuple[float, float]:
    """95% Student-t interval of the mean of ``values`` (same unit), floored at 0: the one definition.

    ``mean +/- t(0.975, n-1) * s / sqrt(n)`` with ``s`` the sample standard deviation; a point
    (mean, mean) when n < 2; (nan, nan) when empty. Energy is never negative, so the low end is
    clipped at 0. The run summary and the analysis layer both use it. ``std``: the sample standard
    deviation of ``values`` when the caller has it already (not computed twice); ``mean`` likewise,
    ``statistics.fmean(values)``.
    """
    n = len(values)
    if n == 0:
        return (math.nan, math.nan)
    if mean is None:
        mean = statistics.fmean(values)
    if n < 2:
        return (mean, mean)
    half = t975(n - 1) * (exact.stdev(values) if std is None else std) / math.sqrt(n)
    return (max(0.0, mean - half), mean + half)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


#: Upper bounds of a run's sizes: beyond them a run would take days or exhaust memory before
#: measuring anything (the study ran 1,000 inferences x 10 repeats).
MAX_N = 1_000_000
MAX_REPEATS = 1_000
MAX_WARMUP = 100_000
MAX_BATCH_SIZE = 65_536


class RunConfig(BaseModel):
    """Everything that defines a run. Its hash identifies the run for resume."""

    model_config = ConfigDict(extra="forbid")

    task: str
    model: str = Field(description="Hub id, local directory, or arch:NAME")
    revision: str | None = None
    dataset: str = Field(default="synthetic", description="synthetic, Hub id, or local path")
    dataset_config: str | None = None
    split: str | None = None
    column: str | None = None
    n: int = Field(default=1000, ge=1, le=MAX_N, description="Inferences per repeat")
    batch_size: int = Field(default=1, ge=1, le=MAX_BATCH_SIZE)
    repeats: int = Field(default=3, ge=1, le=MAX_REPEATS)
    warmup: int = Field(default=5, ge=0, le=MAX_WARMUP, description="Warm-up inferences before measuring")
    idle_s: float = Field(default=5.0, ge=0, description="Idle-baseline seconds (0 = skip)")
    device: str = "cpu"
    dtype: str = "float32"
    max_new_tokens: int | None = Field(default=None, ge=1)
    task_options: dict[str, Any] = Field(default_factory=dict)
    meters: list[str] | None = Field(default=None, description="None = auto-detect")
    seed: int = 0
    trust_remote_code: bool = False
    # Carbon settings do not change the energy and are left out of the hash.
    region: str | None = None
    intensity_g_per_kwh: float | None = Field(default=None, ge=0)
    pue: float = Field(default=1.0, ge=1.0)
    intensity_series: str | None = Field(default=None, description="CSV/JSON intensity series for timed carbon")
    carbon_source: str | None = Field(default=None, description="live provider[:zone] for timed carbon")
    # Quality settings say how outputs are scored, not what is measured: left out of the hash too.
    label_column: str | None = Field(default=None, description="Dataset column of gold labels (quality)")
    reference_column: str | None = Field(default=None, description="Dataset column of reference texts/scores")
    label_map: dict[str, str] = Field(default_factory=dict, description="Model label -> dataset label")

    _NOT_HASHED: ClassVar[frozenset[str]] = frozenset(  # not a field: no per-instance copy
        {"region", "intensity_g_per_kwh", "pue", "intensity_series", "carbon_source", "label_column",
         "reference_column", "label_map"})

    def config_hash(self) -> str:
        """Stable sha256 (16 hex chars) of the energy-defining fields."""
        data = self.model_dump(mode="json", exclude=set(self._NOT_HASHED))
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class MeterInfo(BaseModel):
    name: str
    components: list[str]
    measured: bool
    note: str = ""


class Environment(BaseModel):
    """The machine and software a run executed on."""

    hostname: str = ""
    os: str = ""
    python: str = ""
    cpu_model: str = ""
    cpu_count: int | None = None
    ram_gb: float | None = None
    gpus: list[dict[str, Any]] = Field(default_factory=list)
    gpu_driver: str | None = None
    libraries: dict[str, str] = Field(default_factory=dict)
    meters: list[MeterInfo] = Field(default_factory=list)
    isolation: str = Field(
        default="process",
        description="process | node-exclusive | shared-node (counters shared with other runs)",
    )


class ModelInfo(BaseModel):
    name: str
    source: Literal["hub", "local", "arch", "imported"] = "hub"
    revision: str | None = None
    random_weights: bool = False
    parameters: int | None = None
    dtype: str = "float32"
    device: str = "cpu"
    architecture: str | None = None


class DatasetInfo(BaseModel):
    name: str
    source: Literal["hub", "local", "synthetic", "imported"] = "synthetic"
    config: str | None = None
    split: str | None = None
    column: str | None = None
    n_items: int = Field(default=0, description="Distinct source rows behind the run's inputs")
    cycled: bool = Field(default=False, description="Fewer distinct rows than n: rows repeated to reach n")


class RepeatResult(BaseModel):
    """One measured repeat: ``inferences`` model calls inside one window."""

    index: int
    inferences: int = Field(ge=0)
    energy: EnergyReport
    counts: dict[str, int] = Field(
        default_factory=dict,
        description="input_tokens, output_tokens, images, pixels, diffusion_steps, ...",
    )
    prefill: EnergyReport | None = Field(default=None, description="Generation: prompt pass only")
    infer_s: float | None = Field(
        default=None, ge=0, description="Seconds inside the model calls, a part of energy.duration_s (s)"
    )


class Interval(BaseModel):
    low: float
    high: float


class Summary(BaseModel):
    """Per-1,000-inference figures over the repeats (Wh), with spread."""

    wh_per_1k_mean: float
    wh_per_1k_std: float
    wh_per_1k_median: float
    wh_per_1k_ci95: Interval
    net_wh_per_1k_mean: float | None = None
    idle_share: float | None = None
    measured_share: float = Field(ge=0, le=1, description="Fraction of energy from sensors")
    components_wh_per_1k: dict[str, float] = Field(default_factory=dict)
    provenance_bounds_wh_per_1k: Interval | None = None
    seconds_per_inference: float
    wh_per_output_token: float | None = None
    prefill_wh_per_1k: float | None = None
    decode_wh_per_1k: float | None = None
    counts_per_inference: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def from_repeats(cls, repeats: list[RepeatResult]) -> Summary:
        """Aggregate repeats; the 95% interval is mean +/- t * std / sqrt(R)."""
        if not repeats:
            raise ValueError("no repeats to summarise")
        totals = [r.energy.total_joules for r in repeats]  # each repeat's property read once
        per_k = [t / J_PER_WH / max(r.inferences, 1) * 1000 for t, r in zip(totals, repeats, strict=True)]
        mean = statistics.fmean(per_k)
        std = statistics.stdev(per_k) if len(per_k) > 1 else 0.0
        ci_low, ci_high = ci95_of_mean(per_k)
        total_inf = sum(r.inferences for r in repeats) or 1
        total_j = sum(totals)
        measured_j = sum(r.energy.measured_joules for r in repeats)

        comps: dict[str, float] = {}
        for r in repeats:
            for c in r.energy.components:
                comps[c.component] = comps.get(c.component, 0.0) + c.joules
        comps = {k: v / J_PER_WH / total_inf * 1000 for k, v in comps.items()}

        bounds = [r.energy.bounds_j for r in repeats]
        lo = sum(b[0] for b in bounds) / J_PER_WH / total_inf * 1000
        hi = sum(b[1] for b in bounds) / J_PER_WH / total_inf * 1000

        net = [x for r in repeats if (x := r.energy.net_total_joules) is not None]
        net_mean = (
            sum(net) / J_PER_WH / total_inf * 1000 if len(net) == len(repeats) else None
        )
        idle = [x for r in repeats if (x := r.energy.idle_share) is not None]
        idle_share = statistics.fmean(idle) if len(idle) == len(repeats) else None

        counts: dict[str, float] = {}
        for r in repeats:
            for k, v in r.counts.items():
                counts[k] = counts.get(k, 0) + v
        out_tokens = counts.get("output_tokens", 0)
        counts_pi = {k: v / total_inf for k, v in counts.items()}

        prefill = [p for r in repeats if (p := r.prefill) is not None]
        prefill_k = decode_k = None
        if len(prefill) == len(repeats):
            prefill_k = sum(p.total_joules for p in prefill) / J_PER_WH / total_inf * 1000
            decode_k = max(0.0, total_j / J_PER_WH / total_inf * 1000 - prefill_k)

        return cls(
            wh_per_1k_mean=mean,
            wh_per_1k_std=std,
            wh_per_1k_median=statistics.median(per_k),
            wh_per_1k_ci95=Interval(low=ci_low, high=ci_high),
            net_wh_per_1k_mean=net_mean,
            idle_share=idle_share,
            measured_share=(measured_j / total_j) if total_j > 0 else 0.0,
            components_wh_per_1k=comps,
            provenance_bounds_wh_per_1k=Interval(low=lo, high=hi),
            seconds_per_inference=sum(r.energy.duration_s for r in repeats) / total_inf,
            wh_per_output_token=(total_j / J_PER_WH / out_tokens) if out_tokens else None,
            prefill_wh_per_1k=prefill_k,
            decode_wh_per_1k=decode_k,
            counts_per_inference=counts_pi,
        )


class AuditFlag(BaseModel):
    """A component figure that was guessed rather than measured (imports)."""

    component: str
    reason: str
    share: float = Field(ge=0, le=1, description="Fraction of the run's total energy")


class Failure(BaseModel):
    """Why a run failed, beside its one-line reason in ``RunResult.error``.

    ``hint``: what to do about it; ``error_type``: the exception's class name when an exception
    ended the run; ``stderr_tail``: the last lines a crashed worker wrote.
    """

    hint: str = ""
    error_type: str | None = None
    stderr_tail: str | None = None


#: the phases of a run, in order (``setup`` is before the protocol starts; see docs/protocol.md)
PHASES = ("setup", "idle", "load", "inputs", "preprocess", "warmup", "repeat", "prefill", "summary")


class RunResult(BaseModel):
    """One run, complete and self-describing. Stored as JSON and in SQLite.

    ``extra`` holds only notes no other layer depends on (executor details, importer provenance).
    """

    schema_version: int = SCHEMA_VERSION
    run_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    origin: Literal["wattprint", "codecarbon"] = "wattprint"
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    failure: Failure | None = Field(default=None, description="Set when status is failed")
    phase: str | None = Field(
        default=None, description="The phase entered last: where a failed or partial run stopped; None once done"
    )
    config: RunConfig
    config_hash: str = ""
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    environment: Environment = Field(default_factory=Environment)
    model_info: ModelInfo | None = None
    dataset_info: DatasetInfo | None = None
    idle_power_w: dict[str, float] | None = None
    load: EnergyReport | None = None
    preprocess: EnergyReport | None = None
    repeats: list[RepeatResult] = Field(default_factory=list)
    summary: Summary | None = None
    carbon: CarbonInfo | None = None
    carbon_timed: TimedCarbon | None = Field(default=None, description="carbon of the windows with the intensity "
                                             "of their hours, next to the flat factor's")
    carbon_fallback: str | None = Field(default=None, description="why a requested series was not used")
    audit: list[AuditFlag] = Field(default_factory=list)
    quality: list[QualityScore] = Field(default_factory=list, description="Task quality (see results.quality)")
    quality_compute: EnergyReport | None = Field(
        default=None, description="Energy of extra model passes needed only for scoring (perplexity), measured apart")
    quality_note: str | None = Field(default=None, description="Why the outputs were not scored (no labels...)")
    quality_error: str | None = Field(default=None, description="Why scoring failed (the measurement is kept)")
    sample_outputs: list[Any] = Field(
        default_factory=list, description="A few post-processed outputs of repeat 0 (truncated), to show what ran"
    )
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Documents of earlier schema versions load as this one; newer ones are refused."""
        from wattprint.results.versions import upgrade

        return upgrade(data, SCHEMA_VERSION)

    def model_post_init(self, __context: Any) -> None:
        if not self.config_hash:
            self.config_hash = self.config.config_hash()

    @property
    def g_co2e_per_1k(self) -> float | None:
        if self.summary is None or self.carbon is None:
            return None
        return self.carbon.grams(self.summary.wh_per_1k_mean)
