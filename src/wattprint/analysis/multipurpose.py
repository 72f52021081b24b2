"""Multi-purpose (zero-shot) models against task-specific models on the same task and data.

A run is *multi-purpose* when its model matches one of the configured families
(default: the study's Flan-T5 and BLOOMz, matched on the name after the last
``/``) or when its task is one of the ``zero-shot-*`` tasks. Zero-shot tasks are
compared with the task they stand in for (``zero-shot-question-answering`` with
``question-answering``...), on the same dataset.
"""

from __future__ import annotations

import fnmatch
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from wattprint.analysis.stats import dataset_key, summary_of, usable
from wattprint.results.schema import RunResult

__all__ = ["DEFAULT_FAMILIES", "ZERO_SHOT_BASE", "is_multi_purpose", "is_multi_purpose_name", "base_task", "Ratio",
           "multi_vs_specific", "ratio_of"]

#: task of imported runs whose task could not be told; never compared
UNKNOWN_TASK = "unknown"

#: fnmatch patterns on the model name after the last "/" (case-insensitive)
DEFAULT_FAMILIES: tuple[str, ...] = ("flan-t5-*", "bloomz-*")

#: zero-shot task -> the task-specific task it is compared with
ZERO_SHOT_BASE = {
    "zero-shot-classification": "text-classification",
    "zero-shot-question-answering": "question-answering",
    "zero-shot-summarization": "summarization",
}


def is_multi_purpose(run: RunResult, families: Sequence[str] = DEFAULT_FAMILIES) -> bool:
    """True for a zero-shot-* task or a model of one of ``families``."""
    return is_multi_purpose_name(run.config.task, run.config.model, families)


def is_multi_purpose_name(task: str, model: str, families: Sequence[str] = DEFAULT_FAMILIES) -> bool:
    """:func:`is_multi_purpose` from the task and model names."""
    if task.startswith("zero-shot-"):
        return True
    name = model.rsplit("/", 1)[-1].lower()
    return any(fnmatch.fnmatch(name, pat.lower()) for pat in families)


def base_task(task: str) -> str:
    """The task a zero-shot task stands in for (itself otherwise)."""
    return ZERO_SHOT_BASE.get(task, task)


@dataclass(frozen=True)
class Ratio:
    """Multi-purpose over task-specific energy on one (task, dataset), Wh per 1,000 inferences.

    ``ratio`` = mean of the multi-purpose models' means / mean of the task-specific
    models' means. The spread is the range of per-model ratios (each multi-purpose
    model's mean over the task-specific mean) and of the pairwise extremes.
    """

    task: str
    dataset: str
    multi_models: int
    specific_models: int
    multi_wh_per_1k: float
    specific_wh_per_1k: float
    ratio: float
    ratio_min: float
    ratio_median: float
    ratio_max: float
    ratio_extreme_low: float
    ratio_extreme_high: float

    def to_dict(self) -> dict:
        return asdict(self)


def _model_means(runs: list[RunResult]) -> dict[str, float]:
    per: dict[str, list[float]] = {}
    for r in runs:
        per.setdefault(r.config.model, []).append(summary_of(r).wh_per_1k_mean)
    return {m: statistics.fmean(v) for m, v in sorted(per.items())}


def multi_vs_specific(
    results: Iterable[RunResult], families: Sequence[str] = DEFAULT_FAMILIES
) -> list[Ratio]:
    """One :class:`Ratio` per (base task, dataset) that has both kinds of run; sorted by task, dataset."""
    multi: dict[tuple[str, str], list[RunResult]] = {}
    spec: dict[tuple[str, str], list[RunResult]] = {}
    for r in usable(results):
        if r.config.task == UNKNOWN_TASK or r.config.dataset == UNKNOWN_TASK:
            continue
        key = (base_task(r.config.task), dataset_key(r))
        (multi if is_multi_purpose(r, families) else spec).setdefault(key, []).append(r)
    out = []
    for key in sorted(set(multi) & set(spec)):
        ratio = ratio_of(key, _model_means(multi[key]), _model_means(spec[key]))
        if ratio is not None:
            out.append(ratio)
    return out


def ratio_of(key: tuple[str, str], mm: dict[str, float], sm: dict[str, float]) -> Ratio | None:
    """The :class:`Ratio` of (base task, dataset) ``key`` from the mean Wh per 1,000 of each multi-purpose
    model (``mm``) and each task-specific one (``sm``); None when the task-specific mean is not positive."""
    m_mean, s_mean = statistics.fmean(mm.values()), statistics.fmean(sm.values())
    if s_mean <= 0:
        return None
    per_model = sorted(v / s_mean for v in mm.values())
    return Ratio(
        task=key[0],
        dataset=key[1],
        multi_models=len(mm),
        specific_models=len(sm),
        multi_wh_per_1k=m_mean,
        specific_wh_per_1k=s_mean,
        ratio=m_mean / s_mean,
        ratio_min=per_model[0],
        ratio_median=statistics.median(per_model),
        ratio_max=per_model[-1],
        ratio_extreme_low=min(mm.values()) / max(sm.values()),
        ratio_extreme_high=max(mm.values()) / min(sm.values()) if min(sm.values()) > 0 else float("inf"),
    )
