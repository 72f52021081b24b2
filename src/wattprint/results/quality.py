"""Task quality in the result record: the :class:`QualityScore` contract and the metric catalogue.

A quality score is a task metric (accuracy, macro-F1, SQuAD F1, ROUGE-L, Spearman...) computed on
``n`` items, with a 95% bootstrap interval, and where it came from: ``measured-outputs`` (scored by
wattprint from the outputs of the run's own measured inferences) or ``imported`` (read from another
table, e.g. the study's released evaluation table; no interval unless the table gave one).

The catalogue below is the one place that says which metrics exist, their range, which tasks they fit
and which are *accuracy-like* (a fraction of correct answers, so "energy per correct answer" means
something). The scorers in :mod:`wattprint.workloads.quality` produce these names; the importer and the
analysis check against them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from wattprint.errors import WattprintError

__all__ = ["QualityScore", "MetricSpec", "METRICS", "TASK_METRICS", "metrics_for", "check_metric",
           "check_value"]

QualitySource = Literal["measured-outputs", "imported"]


class QualityScore(BaseModel):
    """One quality figure of a run: ``value`` of ``metric`` over ``n`` items (dimensionless).

    ``ci95_low``/``ci95_high``: percentile bootstrap 95% interval (``resamples`` resamples of the items,
    fixed seed), ``None`` when not computed (imported figures, or n < 2).
    """

    metric: str
    value: float
    n: int | None = Field(default=None, ge=0)
    ci95_low: float | None = None
    ci95_high: float | None = None
    resamples: int | None = None
    source: QualitySource = "measured-outputs"
    dataset: str = ""
    note: str = ""


@dataclass(frozen=True)
class MetricSpec:
    """A metric: its range [low, high] (``high`` may be ``inf``), direction, and whether it counts correct answers."""

    name: str
    low: float
    high: float
    higher_is_better: bool = True
    accuracy_like: bool = False
    description: str = ""


METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("accuracy", 0, 1, accuracy_like=True, description="fraction of items whose label is right"),
    MetricSpec("macro_f1", 0, 1, description="F1 averaged over the gold label classes"),
    MetricSpec("entity_f1", 0, 1, description="entity-level F1 (seqeval, IOB2, micro over entities)"),
    MetricSpec("exact_match", 0, 1, accuracy_like=True, description="SQuAD exact match after normalisation"),
    MetricSpec("f1", 0, 1, description="SQuAD token F1 (best over the gold answers)"),
    MetricSpec("exact_match_has_answer", 0, 1, accuracy_like=True,
               description="SQuAD v2 exact match on answerable questions only"),
    MetricSpec("f1_has_answer", 0, 1, description="SQuAD v2 token F1 on answerable questions only"),
    MetricSpec("top1_accuracy", 0, 1, accuracy_like=True, description="gold label is the top prediction"),
    MetricSpec("top5_accuracy", 0, 1, accuracy_like=True, description="gold label is in the top 5 predictions"),
    MetricSpec("rouge1", 0, 1, description="ROUGE-1 F-measure (rouge-score, stemmed), mean over items"),
    MetricSpec("rouge2", 0, 1, description="ROUGE-2 F-measure (rouge-score, stemmed), mean over items"),
    MetricSpec("rougeL", 0, 1, description="ROUGE-L F-measure (rouge-score, stemmed), mean over items"),
    MetricSpec("rouge", 0, 1, description="ROUGE of an unstated variant (imported tables only)"),
    MetricSpec("bleu", 0, 100, description="corpus BLEU (sacrebleu, 13a tokenizer), 0-100"),
    MetricSpec("perplexity", 1, math.inf, higher_is_better=False,
               description="exp(mean negative log-likelihood per token) of the reference continuations"),
    MetricSpec("map", 0, 1, description="COCO mAP@[.5:.95] (pycocotools COCOeval)"),
    MetricSpec("map_50", 0, 1, description="COCO mAP at IoU 0.5"),
    MetricSpec("spearman", -1, 1, description="Spearman rank correlation of predicted and gold similarity"),
    MetricSpec("clip_score", 0, 100, description="CLIP score of image and prompt (torchmetrics)"),
)}

_CLASSIFICATION = ("accuracy", "macro_f1")
_QA = ("exact_match", "f1", "exact_match_has_answer", "f1_has_answer", "accuracy")
_TEXT_REF = ("rouge1", "rouge2", "rougeL", "bleu", "rouge")

#: task -> metrics that fit it (first = the default for ``recommend``)
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "text-classification": _CLASSIFICATION,
    "zero-shot-classification": _CLASSIFICATION,
    "token-classification": ("entity_f1",),
    "question-answering": _QA,
    "zero-shot-question-answering": _QA,
    "fill-mask": ("top1_accuracy", "top5_accuracy"),
    "summarization": _TEXT_REF,
    "zero-shot-summarization": _TEXT_REF,
    "image-to-text": _TEXT_REF,
    "text-generation": ("perplexity",),
    "image-classification": ("top1_accuracy", "top5_accuracy"),
    "object-detection": ("map", "map_50"),
    "sentence-similarity": ("spearman",),
    "text-to-image": ("clip_score",),
}


def metrics_for(task: str) -> tuple[str, ...]:
    """Metrics that fit ``task`` (empty for an unknown task)."""
    return TASK_METRICS.get(task, ())


def check_metric(task: str, metric: str) -> MetricSpec:
    """The spec of ``metric`` if it fits ``task``; a one-line error naming the metrics that do otherwise."""
    fits = metrics_for(task)
    if metric not in METRICS:
        raise WattprintError(f"unknown quality metric {metric!r}",
                             f"metrics for {task}: {', '.join(fits) or 'none'}; all: {', '.join(METRICS)}")
    if fits and metric not in fits:
        raise WattprintError(f"metric {metric!r} does not fit task {task!r}",
                             f"metrics for {task}: {', '.join(fits)}")
    if not fits:
        raise WattprintError(f"no quality metric is defined for task {task!r}",
                             f"tasks with metrics: {', '.join(TASK_METRICS)}")
    return METRICS[metric]


def check_value(metric: str, value: float, where: str = "") -> None:
    """Reject a value outside the metric's range (or not finite), naming ``where`` (e.g. the row)."""
    spec = METRICS[metric]
    if not math.isfinite(value) or not spec.low <= value <= spec.high:
        high = "inf" if math.isinf(spec.high) else f"{spec.high:g}"
        raise WattprintError(f"{metric} = {value!r} is outside its range [{spec.low:g}, {high}]"
                             + (f" ({where})" if where else ""),
                             "fractions go as 0-1 (0.93, not 93); BLEU and CLIP score as 0-100")
