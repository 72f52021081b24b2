"""Task quality of a run: references read before measuring, outputs scored after (never inside a window).

* :func:`prepare_quality` - in the inputs phase, before anything is measured: find the reference column, read
  it, match labels (so a missing column or labels that do not map fail the run before the measured window).
* the protocol keeps the post-processed outputs of the first measured repeat (greedy decoding and argmax make
  every repeat's outputs the same); it never scores inside a window.
* :func:`score_quality` - after the summary: metrics of those outputs; for text generation (the reference
  continuations' log-likelihood, for perplexity) and text-to-image with a CLIP model (CLIP score) one more model
  pass in a window of its own, stored as ``RunResult.quality_compute`` and never added to the query energy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wattprint.energy.types import EnergyReport
from wattprint.errors import WattprintError
from wattprint.results.quality import QualityScore, check_value
from wattprint.results.schema import RunConfig
from wattprint.workloads.base import DatasetSpec, LoadedModel, Task
from wattprint.workloads.quality.scoring import QualityPlan


@dataclass
class QualityRun:
    """A run being scored: its plan, the items in measured order, and the outputs kept for scoring."""

    plan: QualityPlan
    items: list[Any]
    outputs: list[Any] = field(default_factory=list)


def label_column_of(config: RunConfig) -> str | None:
    """``--label-column`` or ``--reference-column`` (one name for the gold column; both must agree)."""
    a, b = config.label_column, config.reference_column
    if a and b and a != b:
        raise WattprintError(f"--label-column {a!r} and --reference-column {b!r} disagree",
                             "give one of them: both name the column of gold references")
    return a or b


def dataset_spec_of(config: RunConfig) -> DatasetSpec:
    """The inputs a run reads (dataset, config, split, column, seed of its config)."""
    return DatasetSpec(name=config.dataset, config=config.dataset_config, split=config.split, column=config.column,
                       seed=config.seed)


def check_local_dataset(config: RunConfig) -> None:
    """Refuse, before a worker starts or a model loads, a local dataset that is missing or lacks the item
    column or the gold column the run names (:func:`wattprint.workloads.datasets.check_local_columns`,
    :func:`wattprint.workloads.quality.references.pick_column`: the messages the run would give).
    The gold column counts only for a task scored against one (fill-mask and text-to-image say so later)."""
    from wattprint.workloads.datasets import check_local_columns
    from wattprint.workloads.quality.references import pick_column, reference_kind

    available = check_local_columns(dataset_spec_of(config))
    column = config.label_column or config.reference_column  # a disagreement is label_column_of's to report
    kind = reference_kind(config.task)
    if available is not None and column and kind is not None and kind.kind not in ("masked-word", "clip"):
        pick_column(config.task, available, column)


def prepare_quality(task: Task, config: RunConfig, loaded: LoadedModel, dspec: DatasetSpec,
                    items: list[Any]) -> tuple[QualityRun | None, str]:
    """(QualityRun, "") when the run can be scored, (None, why not) otherwise; raises for bad label input."""
    from wattprint.workloads.quality.scoring import plan_quality

    plan, note = plan_quality(task, loaded, dspec, items, label_column_of(config), config.label_map)
    return (QualityRun(plan, list(items)) if plan is not None else None), note


def to_quality_scores(scores: list[Any], dataset: str) -> list[QualityScore]:
    """Workload scores -> the result record's :class:`QualityScore`, range-checked."""
    out = []
    for s in scores:
        check_value(s.metric, s.value, f"{s.metric} over {s.n} items")
        out.append(QualityScore(metric=s.metric, value=s.value, n=s.n, ci95_low=s.ci95_low, ci95_high=s.ci95_high,
                                resamples=s.resamples, source="measured-outputs", dataset=dataset, note=s.note))
    return out


def score_quality(qrun: QualityRun, task: Task, loaded: LoadedModel, windows: Any,
                  dataset: str) -> tuple[list[QualityScore], EnergyReport | None]:
    """Scores of the kept outputs; the extra model pass (perplexity) measured in its own ``quality`` window."""
    from wattprint.workloads.quality.scoring import needs_model_pass, score_outputs, score_with_model

    compute = None
    if needs_model_pass(qrun.plan):
        w = windows.open("quality")
        try:
            scores = score_with_model(qrun.plan, task, loaded, qrun.items, qrun.outputs)
        finally:
            compute = windows.close(w)
    else:
        scores = score_outputs(qrun.plan, qrun.outputs, qrun.items)
    return to_quality_scores(scores, dataset), compute
