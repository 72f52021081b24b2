"""Energy against task quality: points per model, Pareto fronts, energy per correct answer, and ``recommend``.

Energy is Wh per 1,000 inferences (mean over a model's runs of each run's mean over repeats; 95% interval over
runs when there are two or more, else the run's own interval over repeats). Quality is a
:class:`~wattprint.results.quality.QualityScore` of the runs (mean of the values when several runs carry one;
the interval kept only when one score stands alone). Zero-shot tasks are grouped with the task they stand in for
(``zero-shot-classification`` with ``text-classification``), so multi-purpose and task-specific models meet on
the same axes. Energy per 1,000 *correct* answers (accuracy-like metrics only) is Wh per 1,000 / quality.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace

from wattprint.analysis.multipurpose import DEFAULT_FAMILIES, base_task, is_multi_purpose
from wattprint.analysis.pareto import non_dominated
from wattprint.analysis.stats import ci95, summary_of, usable
from wattprint.errors import WattprintError
from wattprint.results.quality import METRICS, TASK_METRICS, check_metric
from wattprint.results.schema import RunResult

__all__ = ["QualityPoint", "Recommendation", "quality_points", "pareto_front", "recommend", "metrics_present",
           "quality_overview"]


@dataclass(frozen=True)
class QualityPoint:
    """One model on one (task, dataset): energy (Wh per 1,000) against one quality metric (dimensionless)."""

    task: str
    dataset: str
    model: str
    metric: str
    quality: float | None
    quality_ci95: tuple[float, float] | None
    quality_source: str | None
    quality_n: int | None
    wh_per_1k: float
    wh_per_1k_ci95: tuple[float, float]
    runs: int
    run_tasks: tuple[str, ...]
    multi_purpose: bool
    wh_per_1k_correct: float | None = None
    on_front: bool = False
    measured_share: float = 0.0  # mean over runs of the energy's share read from sensors (0 = all estimated)

    def to_dict(self) -> dict:
        return asdict(self)


def _dataset(r: RunResult) -> str:
    return r.config.dataset.rsplit("/", 1)[-1] if "/" in r.config.dataset and not r.config.dataset.startswith(
        (".", "/")) else r.config.dataset


def metrics_present(runs: Iterable[RunResult]) -> list[str]:
    """Metric names any run carries, in catalogue order."""
    have = {q.metric for r in runs for q in r.quality}
    return [m for m in METRICS if m in have]


def quality_points(runs: Iterable[RunResult], task: str, metric: str, dataset: str | None = None,
                   families: Sequence[str] = DEFAULT_FAMILIES) -> list[QualityPoint]:
    """Points for every (dataset, model) of ``task`` (and its zero-shot twin), with or without quality.

    Pareto flags and energy per correct answer are filled in (per dataset).
    """
    spec = METRICS[metric]
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for r in usable(runs):
        if base_task(r.config.task) != base_task(task):
            continue
        ds = _dataset(r)
        if dataset is not None and ds != dataset and r.config.dataset != dataset:
            continue
        groups.setdefault((ds, r.config.model), []).append(r)
    points: list[QualityPoint] = []
    for (ds, model), rs in sorted(groups.items()):
        means = [summary_of(r).wh_per_1k_mean for r in rs]
        if len(means) > 1:
            lo, hi = ci95(means)
        else:
            lo, hi = summary_of(rs[0]).wh_per_1k_ci95.low, summary_of(rs[0]).wh_per_1k_ci95.high
        scores = [q for r in rs for q in r.quality if q.metric == metric]
        quality = ci = src = n = None
        if scores:
            quality = statistics.fmean(q.value for q in scores)
            distinct = {(q.value, q.ci95_low, q.ci95_high) for q in scores}
            one = scores[0]
            if len(distinct) == 1 and one.ci95_low is not None and one.ci95_high is not None:
                ci = (one.ci95_low, one.ci95_high)
            src = "+".join(sorted({q.source for q in scores}))
            n = max((q.n for q in scores if q.n is not None), default=None)
        mean = statistics.fmean(means)
        per_correct = mean / quality if spec.accuracy_like and quality else None
        points.append(QualityPoint(
            task=base_task(task), dataset=ds, model=model, metric=metric, quality=quality, quality_ci95=ci,
            quality_source=src, quality_n=n, wh_per_1k=mean, wh_per_1k_ci95=(lo, hi), runs=len(rs),
            run_tasks=tuple(sorted({r.config.task for r in rs})),
            multi_purpose=any(is_multi_purpose(r, families) for r in rs), wh_per_1k_correct=per_correct,
            measured_share=statistics.fmean(summary_of(r).measured_share for r in rs)))
    front: set[tuple[str, str]] = set()
    for ds in {p.dataset for p in points}:
        front |= {(p.dataset, p.model) for p in pareto_front([p for p in points if p.dataset == ds],
                                                              spec.higher_is_better)}
    return [replace(p, on_front=(p.dataset, p.model) in front) for p in points]


def pareto_front(points: Sequence[QualityPoint], higher_is_better: bool = True) -> list[QualityPoint]:
    """Points no other point beats on both axes (lower energy and better quality, one strictly), by energy."""
    scored = [p for p in points if p.quality is not None]
    sign = 1.0 if higher_is_better else -1.0
    front = non_dominated(scored, lambda p: (p.wh_per_1k, -sign * p.quality))  # type: ignore[operator]
    return sorted(front, key=lambda p: p.wh_per_1k)


@dataclass
class Recommendation:
    """The answer of ``wattprint recommend``: energy in Wh per 1,000 inferences, quality as the metric's value."""

    task: str
    dataset: str
    metric: str
    min_quality: float
    higher_is_better: bool
    best: QualityPoint | None
    tied_with: list[QualityPoint] = field(default_factory=list)
    runner_up: QualityPoint | None = None
    gap_ratio: float | None = None
    gap_exceeds_noise: bool | None = None
    best_reached: QualityPoint | None = None
    best_multi_purpose: QualityPoint | None = None
    best_task_specific: QualityPoint | None = None
    multi_over_specific_energy: float | None = None
    meeting: list[QualityPoint] = field(default_factory=list)
    missing_quality: list[str] = field(default_factory=list)
    points: list[QualityPoint] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _meets(p: QualityPoint, bar: float, higher: bool) -> bool:
    return p.quality is not None and (p.quality >= bar if higher else p.quality <= bar)


def recommend(runs: Iterable[RunResult], task: str, min_quality: float, metric: str | None = None,
              dataset: str | None = None, families: Sequence[str] = DEFAULT_FAMILIES) -> Recommendation:
    """The lowest-energy model of ``task`` whose ``metric`` meets ``min_quality`` (at most, for perplexity).

    Ties (equal energy) are listed and broken by better quality, then name. The runner-up is the next
    lowest-energy model meeting the bar; the gap exceeds the noise when the two energy 95% intervals do not
    overlap. With no model meeting the bar, ``best`` is None and ``best_reached`` holds the best quality seen.
    Models with energy but no score for ``metric`` are listed in ``missing_quality``.
    """
    runs = list(runs)
    t = base_task(task)
    if t not in TASK_METRICS:
        raise WattprintError(f"no quality metric is defined for task {task!r}",
                             f"tasks with metrics: {', '.join(TASK_METRICS)}")
    mine = [r for r in usable(runs) if base_task(r.config.task) == t]
    if not mine:
        raise WattprintError(f"no stored runs of {t} (or its zero-shot twin)", "run some, or import them first")
    datasets = sorted({_dataset(r) for r in mine})
    if dataset is None:
        if len(datasets) > 1:
            raise WattprintError(f"{t} has runs on {len(datasets)} datasets: {', '.join(datasets)}",
                                 "choose one with --dataset")
        dataset = datasets[0]
    if metric is None:
        have = set(metrics_present([r for r in mine if _dataset(r) == dataset or r.config.dataset == dataset]))
        metric = next((m for m in TASK_METRICS[t] if m in have), TASK_METRICS[t][0])
    spec = check_metric(t, metric)
    if not spec.low <= min_quality <= spec.high:
        raise WattprintError(f"--min-quality {min_quality:g} is outside the range of {metric} "
                             f"[{spec.low:g}, {spec.high:g}]", "fractions go as 0-1 (0.93, not 93)")
    points = quality_points(mine, t, metric, dataset, families)
    if not points:
        raise WattprintError(f"no stored runs of {t} on {dataset!r}", f"datasets with runs: {', '.join(datasets)}")
    higher = spec.higher_is_better
    sign = -1.0 if higher else 1.0
    meeting = sorted((p for p in points if _meets(p, min_quality, higher)),
                     key=lambda p: (p.wh_per_1k, sign * p.quality, p.model))  # type: ignore[operator]
    scored = [p for p in points if p.quality is not None]
    rec = Recommendation(task=t, dataset=dataset, metric=metric, min_quality=min_quality, higher_is_better=higher,
                         best=meeting[0] if meeting else None, meeting=meeting,
                         missing_quality=[p.model for p in points if p.quality is None], points=points)
    if scored:
        rec.best_reached = min(scored, key=lambda p: (sign * p.quality, p.wh_per_1k))  # type: ignore[operator]
    if meeting:
        best = meeting[0]
        rec.tied_with = [p for p in meeting[1:] if math.isclose(p.wh_per_1k, best.wh_per_1k, rel_tol=1e-9)]
        rest = [p for p in meeting[1:] if p not in rec.tied_with]
        if rest:
            rec.runner_up = rest[0]
            rec.gap_ratio = rest[0].wh_per_1k / best.wh_per_1k if best.wh_per_1k > 0 else None
            rec.gap_exceeds_noise = best.wh_per_1k_ci95[1] < rest[0].wh_per_1k_ci95[0]
        rec.best_multi_purpose = next((p for p in meeting if p.multi_purpose), None)
        rec.best_task_specific = next((p for p in meeting if not p.multi_purpose), None)
        if rec.best_multi_purpose and rec.best_task_specific and rec.best_task_specific.wh_per_1k > 0:
            rec.multi_over_specific_energy = rec.best_multi_purpose.wh_per_1k / rec.best_task_specific.wh_per_1k
    return rec


def quality_overview(runs: Iterable[RunResult], families: Sequence[str] = DEFAULT_FAMILIES) -> list[QualityPoint]:
    """Points of every task that has quality, on its first catalogue metric present, all datasets (for reports).

    Models without a score for that metric are included with ``quality=None``.
    """
    ok = usable(runs)
    out: list[QualityPoint] = []
    for t in sorted({base_task(r.config.task) for r in ok if r.quality}):
        mine = [r for r in ok if base_task(r.config.task) == t]
        have = set(metrics_present(mine))
        metric = next((m for m in TASK_METRICS.get(t, ()) if m in have), None)
        if metric is not None:
            out.extend(quality_points(mine, t, metric, None, families))
    return out
