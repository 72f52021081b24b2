"""``wattprint demo``: the study's ten tasks on embedded defaults, ranked like its Table 2.

Each task runs its full-size reference architecture (``task.default_model``,
random weights, built-in synthetic data) in its own subprocess, sized to finish
on a small CPU in minutes: per task, the ``demo_options`` the task class
publishes, and its ``demo_n`` inferences per repeat capped by a time budget
(:data:`DEMO_QUERY_BUDGET_S`, from measured seconds per inference).
``quick`` uses each task's tiny model and 2 inferences x 2 repeats (seconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wattprint.bench.reference import STUDY_TASKS, StudyFigure, study_figure
from wattprint.errors import WattprintError
from wattprint.results.schema import MEASURED_SHARE_MIN, RunConfig, RunResult
from wattprint.workloads.base import Task

if TYPE_CHECKING:
    from wattprint.workloads.base import Task

#: inferences per repeat when a task publishes no ``demo_n``
FALLBACK_DEMO_N = 10
DEMO_REPEATS = 3
DEMO_WARMUP = 1
DEMO_IDLE_S = 1.0
#: seconds of model calls (all repeats, prefill passes included) the demo aims to spend per task
DEMO_QUERY_BUDGET_S = 10.0
#: seconds per inference of each task's reference model (batch 1, demo options) on the 2-core AMD EPYC
#: development machine (measured with ``benchmarks/harness_overhead.py``, times 1.5 for headroom when the
#: machine is shared), and the extra share of a prefill pass for generative tasks. They cap ``demo_n`` so the
#: whole demo fits in minutes.
DEMO_SECONDS_PER_INFERENCE: dict[str, tuple[float, float]] = {
    "text-classification": (1.0, 0.0),
    "token-classification": (0.2, 0.0),
    "question-answering": (0.5, 0.0),
    "fill-mask": (0.15, 0.0),
    "text-generation": (0.6, 0.4),
    "summarization": (3.0, 0.55),
    "image-classification": (0.7, 0.0),
    "object-detection": (7.0, 0.0),
    "image-to-text": (3.3, 0.4),
    "text-to-image": (3.7, 0.2),
}
QUICK_N = 2
QUICK_REPEATS = 2
#: wall-clock limit per task subprocess (s)
DEMO_TIMEOUT_S = 600.0
QUICK_TIMEOUT_S = 180.0


def demo_n(task_cls: type[Task], repeats: int = DEMO_REPEATS) -> int:
    """Inferences per repeat for the demo: the task's ``demo_n``, capped by the time budget (at least 1)."""
    published = int(task_cls.demo_n or FALLBACK_DEMO_N)
    timing = DEMO_SECONDS_PER_INFERENCE.get(task_cls.name)
    if timing is None:
        return published
    seconds, prefill_share = timing
    fit = int(DEMO_QUERY_BUDGET_S // (repeats * seconds * (1.0 + prefill_share)))
    return max(1, min(published, fit))


def parse_tasks(spec: str | None) -> list[str]:
    """``a,b`` -> canonical task names (aliases allowed); None/empty -> the ten study tasks."""
    if not spec:
        return list(STUDY_TASKS)
    from wattprint.workloads.base import get_task

    out: list[str] = []
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            continue
        canon = get_task(name).name  # unknown names raise WattprintError with close matches
        if canon not in out:
            out.append(canon)
    if not out:
        raise WattprintError(f"no task in --tasks {spec!r}", "e.g. --tasks text-classification,fill-mask")
    return out


def demo_config(task: str, quick: bool = False, *, region: str | None = None,
                intensity: float | None = None, pue: float = 1.0, meters: list[str] | None = None) -> RunConfig:
    """The embedded demo configuration of one task."""
    from wattprint.workloads.base import task_class

    cls = task_class(task)
    options: dict[str, Any] = dict(cls.demo_options)
    dtype = "float32"
    if quick:
        model = cls.tiny_model or cls.default_model
        n, repeats, warmup, idle_s = QUICK_N, QUICK_REPEATS, 1, 0.0
    else:
        model = cls.default_model or cls.tiny_model
        repeats, warmup, idle_s = DEMO_REPEATS, DEMO_WARMUP, DEMO_IDLE_S
        n = demo_n(cls, repeats)
        dtype = cls.demo_dtype or dtype
    if not model:
        raise WattprintError(f"task {task!r} has no reference model for the demo", "pass --tasks without it")
    return RunConfig(
        task=cls.name,
        model=model,
        dataset="synthetic",
        n=n,
        repeats=repeats,
        warmup=warmup,
        idle_s=idle_s,
        task_options=options,
        dtype=dtype,
        region=region,
        intensity_g_per_kwh=intensity,
        pue=pue,
        meters=meters,
    )


def demo_configs(tasks: list[str], quick: bool = False, **carbon: Any) -> list[RunConfig]:
    return [demo_config(t, quick, **carbon) for t in tasks]


@dataclass
class DemoRow:
    """One line of the demo's ranked table (Wh and g CO2e per 1,000 inferences)."""

    rank: int | None
    result: RunResult
    study: StudyFigure | None

    @property
    def wh(self) -> float | None:
        return self.result.summary.wh_per_1k_mean if self.result.summary else None

    @property
    def ratio_to_study(self) -> float | None:
        if self.wh is None or self.study is None or self.study.wh_per_1k_mean <= 0:
            return None
        return self.wh / self.study.wh_per_1k_mean


def _wh_per_1k(r: RunResult) -> float:
    return r.summary.wh_per_1k_mean if r.summary is not None else math.inf


def ranked(results: list[RunResult]) -> list[DemoRow]:
    """Successful runs ranked by Wh per 1,000 (lowest first, like Table 2), failed runs last."""
    ok = sorted((r for r in results if r.status == "ok" and r.summary), key=_wh_per_1k)
    rows = [DemoRow(i + 1, r, study_figure(r.config.task)) for i, r in enumerate(ok)]
    ok_ids = {id(r) for r in ok}
    rows += [DemoRow(None, r, study_figure(r.config.task)) for r in results if id(r) not in ok_ids]
    return rows


def spearman_vs_study(rows: list[DemoRow]) -> float | None:
    """Spearman rank correlation between this machine's and the study's per-task figures (>= 3 tasks)."""
    pairs = [(row.wh, row.study.wh_per_1k_mean) for row in rows if row.wh is not None and row.study is not None]
    if len(pairs) < 3:
        return None

    def ranks(xs: list[float]) -> list[float]:
        order = sorted(range(len(xs)), key=lambda i: xs[i])
        out = [0.0] * len(xs)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return out

    a = ranks([p[0] for p in pairs])
    b = ranks([p[1] for p in pairs])
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb) if va > 0 and vb > 0 else None


def caveats(results: list[RunResult]) -> list[str]:
    """Plain statements about what the demo's numbers are, derived from the results themselves."""
    ok = [r for r in results if r.status == "ok" and r.summary]
    out: list[str] = []
    if any(r.model_info and r.model_info.random_weights for r in ok):
        out.append(
            "Weights are random (architecture-only models on built-in synthetic data): the energy reflects "
            "the architecture's compute; the outputs are meaningless."
        )
    if ok:
        shares = [s.measured_share for r in ok if (s := r.summary) is not None]
        if max(shares) <= 1 - MEASURED_SHARE_MIN:
            meters = sorted({m.name for r in ok for m in r.environment.meters})
            out.append(
                "Energy is ESTIMATED on this machine, not measured: no hardware energy counter was readable "
                f"(meters: {', '.join(meters) or 'estimate'}), so every figure comes from a power model."
            )
        elif min(shares) >= MEASURED_SHARE_MIN:
            out.append("Energy is MEASURED on this machine by hardware counters (see provenance per run).")
        else:
            out.append(
                f"Energy is partly estimated: {min(shares):.0%}-{max(shares):.0%} of each figure comes from "
                "hardware sensors, the rest from a power model."
            )
    out.append(
        "The study's figures come from one A100 of an 8-GPU node, with idle GPUs and constant RAM/CPU guesses "
        "counted; compare the ranking, not the absolute values."
    )
    return out
