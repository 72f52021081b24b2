"""Gold references per task: which dataset column holds them, how they are read, how labels are matched.

Default columns (the first one present is used; ``--label-column`` / ``--reference-column`` choose another):

* text / zero-shot classification: ``label``, ``labels``, ``sentiment``, ``class`` (imdb, sst2, rotten_tomatoes)
* token classification: ``ner_tags``, ``tags``, ``labels``, ``ner`` (conll2003, wikiann): one tag per
  white-space word of the input text
* extractive / zero-shot QA: ``answers`` (squad, squad_v2: ``{"text": [...]}``; an empty list is unanswerable),
  ``correct_answer`` (sciq), ``answer``
* summarization: ``highlights`` (cnn_dailymail), ``summary`` (samsum, xsum), ``target``, ``reference``
* image captioning: ``caption``, ``captions``, ``sentences_raw``, ``text``
* image classification: ``label``, ``labels``, ``fine_label`` (cifar100), ``img_label``
* object detection: ``objects`` (cppe-5: ``{"bbox": [[x, y, w, h], ...], "category": [...]}`` in the original
  image's pixels)
* sentence similarity: ``score``, ``similarity_score``, ``relatedness_score``, ``label`` (stsb: 0-5)
* fill-mask: no column: the reference is the word the task masked (the last of the first ``words`` words)
* text generation: ``continuation`` / ``reference`` if present, else the text's own next words after the prompt
* text-to-image: no column: the prompt itself, scored by CLIP score when ``-o clip_model=...`` names a CLIP model

Labels are matched between the model (``id2label``, or the zero-shot task's ``labels`` option) and the dataset
by name: case-insensitive equality, one name a prefix of the other (``pos`` / ``POSITIVE``), or ``LABEL_k`` /
``k``; ``--label-map MODEL=DATASET,...`` says it explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wattprint.errors import WattprintError


@dataclass(frozen=True)
class ReferenceKind:
    """How a task's references look: ``kind`` and the columns tried by default, in order."""

    kind: str  # label | tags | answers | texts | boxes | score | masked-word | continuation
    columns: tuple[str, ...] = ()


_LABEL = ReferenceKind("label", ("label", "labels", "sentiment", "class"))
_ANSWERS = ReferenceKind("answers", ("answers", "correct_answer", "answer"))
_SUMMARY = ReferenceKind("texts", ("highlights", "summary", "target", "reference"))

TASK_REFERENCES: dict[str, ReferenceKind] = {
    "text-classification": _LABEL,
    "zero-shot-classification": _LABEL,
    "token-classification": ReferenceKind("tags", ("ner_tags", "tags", "labels", "ner")),
    "question-answering": _ANSWERS,
    "zero-shot-question-answering": _ANSWERS,
    "summarization": _SUMMARY,
    "zero-shot-summarization": _SUMMARY,
    "image-to-text": ReferenceKind("texts", ("caption", "captions", "sentences_raw", "text")),
    "image-classification": ReferenceKind("label", ("label", "labels", "fine_label", "img_label")),
    "object-detection": ReferenceKind("boxes", ("objects",)),
    "sentence-similarity": ReferenceKind("score", ("score", "similarity_score", "relatedness_score", "label")),
    "fill-mask": ReferenceKind("masked-word"),
    "text-generation": ReferenceKind("continuation", ("continuation", "reference")),
    "text-to-image": ReferenceKind("clip"),
}


def reference_kind(task: str) -> ReferenceKind | None:
    return TASK_REFERENCES.get(task)


def pick_column(task: str, available: Sequence[str], wanted: str | None) -> str | None:
    """The reference column: ``wanted`` (must exist) or the first default present; None when none is."""
    kind = TASK_REFERENCES[task]
    if wanted is not None:
        if wanted not in available:
            raise WattprintError(f"label column {wanted!r} not in the dataset",
                                 f"columns there are: {', '.join(available)}")
        return wanted
    return next((c for c in kind.columns if c in available), None)


def _named(value: Any, names: list[str] | None) -> str:
    if names and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") or text.startswith("{"):
            try:
                return _as_list(json.loads(text))
            except json.JSONDecodeError:
                pass
        return [text] if text else []
    if isinstance(value, dict):
        return _as_list(value.get("text", value.get("answer")))
    return list(value)


def convert(kind: str, values: Sequence[Any], names: dict[str, list[str]], column: str) -> list[Any]:
    """Raw column values -> references of ``kind`` (label names, tag lists, answer lists, floats...)."""
    cls = names.get(column)
    out: list[Any] = []
    for i, v in enumerate(values):
        try:
            if kind == "label":
                if v is None or str(v).strip() == "":
                    raise ValueError("empty label")
                out.append(_named(v, cls))
            elif kind == "tags":
                tags = v.split() if isinstance(v, str) and not v.strip().startswith("[") else _as_list(v)
                out.append([_named(t, cls) for t in tags])
            elif kind in ("answers", "texts"):
                out.append([str(a) for a in _as_list(v)])
            elif kind in ("score", "continuation"):
                out.append(float(v) if kind == "score" else str(v or ""))
            elif kind == "boxes":
                obj = json.loads(v) if isinstance(v, str) else dict(v)
                boxes = obj.get("bbox", obj.get("boxes"))
                cats = obj.get("category", obj.get("labels", obj.get("label")))
                if boxes is None or cats is None:
                    raise ValueError("no bbox/boxes or category/labels field")
                out.append({"boxes": [[float(x) for x in b] for b in boxes],
                            "labels": [_named(c, names.get(f"{column}.category")) for c in cats]})
            else:
                raise ValueError(f"unknown reference kind {kind}")
        except (TypeError, ValueError, AttributeError, KeyError, json.JSONDecodeError) as exc:
            raise WattprintError(f"row {i + 1}: cannot read a {kind} reference from column {column!r}: {v!r:.80}",
                                 f"{exc}; check --label-column / --reference-column") from None
    return out


def parse_label_map(pairs: dict[str, str] | None) -> dict[str, str]:
    return {str(k).strip(): str(v).strip() for k, v in (pairs or {}).items()}


def _auto_match(model_label: str, gold: Sequence[str]) -> str | None:
    m = model_label.strip().lower()
    for g in gold:
        if g.lower() == m:
            return g
    if m.startswith("label_") and m[6:].isdigit():
        for g in gold:
            if g == m[6:]:
                return g
    hits = [g for g in gold if len(g) >= 3 and len(m) >= 3 and (m.startswith(g.lower()) or g.lower().startswith(m))]
    return hits[0] if len(hits) == 1 else None


def match_labels(model_labels: Sequence[str], gold_labels: Sequence[str], label_map: dict[str, str] | None,
                 *, all_gold: bool = True) -> dict[str, str]:
    """Model label -> dataset label. Explicit ``label_map`` entries first, then matching by name.

    Raises a one-line error showing both label sets and the ``--label-map`` fix when a gold label (``all_gold``)
    or an entry of ``label_map`` cannot be matched.
    """
    gold = sorted(set(gold_labels))
    model = list(dict.fromkeys(str(x) for x in model_labels))
    explicit = parse_label_map(label_map)
    bad = [k for k in explicit if k not in model] + [v for v in explicit.values() if v not in gold]
    mapping: dict[str, str] = {}
    for m in model:
        hit = explicit.get(m) if m in explicit else _auto_match(m, gold)
        if hit is not None:
            mapping[m] = hit
    missing = [g for g in gold if g not in mapping.values()] if all_gold else []
    if bad or missing or not mapping:
        example = ",".join(f"{m}={g}" for m, g in zip(model, gold, strict=False))
        shown_m = ", ".join(model[:12]) + (" ..." if len(model) > 12 else "")
        shown_g = ", ".join(gold[:12]) + (" ..." if len(gold) > 12 else "")
        what = (f"--label-map names labels that do not exist: {', '.join(bad)}" if bad
                else f"dataset labels {', '.join(missing[:6])} match no model label")
        raise WattprintError(f"labels do not map: {what}; model labels: {shown_m}; dataset labels: {shown_g}",
                             f"say how with --label-map, e.g. --label-map {example}")
    return mapping
