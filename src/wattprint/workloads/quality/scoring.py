"""Score a task's post-processed outputs against gold references: :func:`plan_quality`, then :func:`score_outputs`.

:func:`plan_quality` runs before anything is measured (it reads the reference column and matches labels, so bad
input fails before the measured window, never after); :func:`score_outputs` runs after the measured window on
the outputs the harness kept. Text generation needs one more model pass (the log-likelihood of the reference
continuations): :func:`score_with_model`, which the harness runs in a window of its own.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from wattprint.errors import WattprintError
from wattprint.workloads.base import DatasetSpec, LoadedModel, Task
from wattprint.workloads.quality import metrics
from wattprint.workloads.quality.metrics import Score
from wattprint.workloads.quality.references import convert, match_labels, pick_column, reference_kind

#: words of the source text used as the reference continuation after a text-generation prompt
CONTINUATION_WORDS = 50


@dataclass
class QualityPlan:
    """What a run is scored against: ``references[i]`` is the gold reference of item ``i``."""

    task: str
    kind: str
    column: str | None
    references: list[Any]
    label_mapping: dict[str, str] = field(default_factory=dict)


def model_labels(task: Task, model: LoadedModel) -> list[str]:
    """Label names a classifier can output: the zero-shot ``labels`` option, else the config's ``id2label``."""
    if "labels" in task.options:
        return [str(x) for x in task.options["labels"]]
    id2label = getattr(getattr(model.model, "config", None), "id2label", None) or {}
    return [str(v) for _, v in sorted(id2label.items(), key=lambda kv: int(kv[0]))]


def plan_quality(task: Task, model: LoadedModel, dataset: DatasetSpec, items: list[Any], column: str | None,
                 label_map: dict[str, str] | None) -> tuple[QualityPlan | None, str]:
    """(plan, "") when the run can be scored; (None, why not) when it has no labels.

    Raises :class:`WattprintError` for bad input: an explicit column that does not exist (listing the columns
    there are), labels that do not map (both label sets and the ``--label-map`` fix), unreadable references.
    """
    kind = reference_kind(task.name)
    if kind is None:
        return None, f"no quality metric is implemented for {task.name}"
    if column and kind.kind in ("masked-word", "clip"):
        what = "the word it masked" if kind.kind == "masked-word" else "its prompt (CLIP score)"
        raise WattprintError(f"{task.name} takes no label column: it is scored against {what}",
                             "drop --label-column / --reference-column")
    if kind.kind == "clip":
        if not task.options.get("clip_model"):
            return None, "no CLIP model given (-o clip_model=HUB_ID_OR_DIR): no quality figure"
        return QualityPlan(task.name, kind.kind, None, [str(t) for t in items]), ""
    if dataset.name == "synthetic":
        if column:
            raise WattprintError("synthetic data has no label column", "drop --label-column, or use a real dataset")
        return None, "synthetic data has no labels: no quality figure"
    n = len(items)
    if kind.kind == "masked-word":
        return QualityPlan(task.name, kind.kind, None, [masked_word(task, str(t)) for t in items]), ""
    from wattprint.workloads.datasets import load_columns

    if kind.kind == "continuation" and column is None:
        available, rows, names = load_columns(dataset, n)
        col = pick_column(task.name, available, None)
        if col is None:
            refs: list[Any] = [continuation_of(task, str(t)) for t in items]
            if not any(r.strip() for r in refs):
                return None, "the texts are no longer than the prompt: no continuation to score perplexity on"
            return QualityPlan(task.name, kind.kind, None, refs), ""
    else:
        available, rows, names = load_columns(dataset, n)
        col = pick_column(task.name, available, column)
    if col is None:
        tried = ", ".join(kind.columns)
        return None, (f"no label column found (looked for {tried}; columns there are: {', '.join(available)}): "
                      "no quality figure; choose one with --label-column")
    refs = convert(kind.kind, [r.get(col) for r in rows], names, col)
    plan = QualityPlan(task.name, kind.kind, col, refs)
    if kind.kind == "label":
        plan.label_mapping = match_labels(model_labels(task, model), refs, label_map)
    elif kind.kind == "tags":
        gold = {t for tags in refs for t in tags}
        plan.label_mapping = match_labels(model_labels(task, model), sorted(gold), label_map)
    elif kind.kind == "boxes":
        gold = {x for r in refs for x in r["labels"]}
        plan.label_mapping = match_labels(model_labels(task, model), sorted(gold), label_map, all_gold=False)
        plan.references = [_scaled_boxes(task, r, item) for r, item in zip(refs, items, strict=True)]
    return plan, ""


def _norm_word(s: str) -> str:
    return s.strip().strip(string.punctuation + "“”‘’").lower()


def masked_word(task: Task, text: str) -> str:
    """The word the fill-mask task replaces by the mask token (last of the first ``words`` words)."""
    words = text.split()[: int(task.options.get("words", 20))]
    return words[-1] if words else ""


def continuation_of(task: Task, text: str) -> str:
    """The source text's next ``CONTINUATION_WORDS`` words after the text-generation prompt."""
    k = int(task.options.get("words", 20))
    return " ".join(text.split()[k:k + CONTINUATION_WORDS])


def _scaled_boxes(task: Task, ref: dict[str, Any], image: Any) -> dict[str, Any]:
    """Gold COCO ``[x, y, w, h]`` boxes in the original image -> ``[x0, y0, x1, y1]`` after the task's resize."""
    size = getattr(task, "size", lambda: None)()
    w0, h0 = getattr(image, "size", (1, 1))
    sx, sy = (size[0] / w0, size[1] / h0) if size else (1.0, 1.0)
    boxes = [[x * sx, y * sy, (x + w) * sx, (y + h) * sy] for x, y, w, h in ref["boxes"]]
    return {"boxes": boxes, "labels": ref["labels"]}


def _word_tags(text: str, row: list[dict[str, Any]], n_words: int) -> list[str]:
    """Word-level tags from sub-word predictions: each white-space word takes its first sub-word's tag."""
    spans, pos = [], 0
    for w in text.split():
        start = text.index(w, pos)
        spans.append((start, start + len(w)))
        pos = start + len(w)
    tags = ["O"] * len(spans)
    seen = set()
    for tok in row:
        s = tok.get("start")
        if s is None:
            raise WattprintError("token predictions carry no character offsets",
                                 "token-classification quality needs a fast tokenizer")
        for k, (a, b) in enumerate(spans):
            if a <= s < b and k not in seen:
                tags[k] = str(tok["label"])
                seen.add(k)
                break
    if len(tags) != n_words:
        raise WattprintError(f"{len(tags)} words in the text but {n_words} gold tags",
                             "the tag column needs one tag per white-space word of the text column")
    return tags


def score_outputs(plan: QualityPlan, outputs: list[Any], items: list[Any]) -> list[Score]:
    """Metrics of ``outputs`` (post-processed, one per item) against ``plan.references``."""
    refs = plan.references[: len(outputs)]
    m = plan.label_mapping
    if plan.kind == "label" and plan.task == "image-classification":
        pred: list[Any] = [[m.get(str(d["label"]), "\0" + str(d["label"])) for d in o] for o in outputs]
        return metrics.top_k(pred, refs)
    if plan.kind == "label":
        pred = [None if o.get("label") is None else m.get(str(o["label"]), "\0" + str(o["label"])) for o in outputs]
        return metrics.classification(pred, refs)
    if plan.kind == "tags":
        pred = [[m.get(t, "O") for t in _word_tags(str(text), row, len(g))]
                for text, row, g in zip(items, outputs, refs, strict=False)]
        return metrics.entity_f1(pred, refs)
    if plan.kind == "answers":
        pred = [o.get("answer", "") if isinstance(o, dict) else str(o) for o in outputs]
        return metrics.squad(pred, refs)
    if plan.kind == "texts":
        return metrics.rouge_bleu([str(o) for o in outputs], refs)
    if plan.kind == "score":
        return metrics.spearman([float(o) for o in outputs], refs)
    if plan.kind == "masked-word":
        pred = [[d["token"] for d in o] for o in outputs]
        return metrics.top_k(pred, refs, normalize=_norm_word)
    if plan.kind == "boxes":
        pred = [[{**d, "label": m.get(str(d["label"]), "\0" + str(d["label"]))} for d in o] for o in outputs]
        return metrics.detection_map(pred, refs)
    raise WattprintError(f"{plan.kind} references are scored with a model pass", "use score_with_model")


def needs_model_pass(plan: QualityPlan) -> bool:
    return plan.kind in ("continuation", "clip")


def score_with_model(plan: QualityPlan, task: Task, model: LoadedModel, items: list[Any],
                     outputs: list[Any]) -> list[Score]:
    """Scores that need a model pass: perplexity of the reference continuations given the task's prompts (one
    extra forward per item), or the CLIP score of the generated images against their prompts."""
    if plan.kind == "clip":
        return [metrics.mean_score("clip_score", task.clip_scores(outputs, plan.references))]  # type: ignore
    prompts = [task.prompt(model, it) for it in items]  # type: ignore[attr-defined]
    return metrics.perplexity(task.reference_nll(model, prompts, [str(r) for r in plan.references]))
