"""Task and dataset from a CodeCarbon log's file name (the Power Hungry Processing study's layout).

``text_classif_imdb.csv`` -> text-classification on imdb; ``image_class_cifar10_resized.csv``
-> image-classification on cifar10 with config ``resized-640x480``;
``summarize_xsum_15.csv`` -> summarization on xsum with ``max_length=15``;
``zeroshot_qa_sciq_bloomz.csv`` -> zero-shot-question-answering on sciq.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from wattprint.contracts.registry import normalize_name

__all__ = ["STUDY_TASKS", "PREFIXES", "DATASET_ALIASES", "Labels", "infer_labels"]

#: study file prefix -> canonical task (longest prefixes are tried first)
PREFIXES = {
    "zeroshot_sentiment": "zero-shot-classification",
    "zeroshot_classif": "zero-shot-classification",
    "zeroshot_qa": "zero-shot-question-answering",
    "zeroshot_summarize": "zero-shot-summarization",
    "text_classif": "text-classification",
    "token_classif": "token-classification",
    "qa": "question-answering",
    "fillmask": "fill-mask",
    "textgen": "text-generation",
    "summarize": "summarization",
    "image_class": "image-classification",
    "obj_detection": "object-detection",
    "itt": "image-to-text",
    "tti": "text-to-image",
}

#: the study's short dataset names -> Hub names (others are kept as written)
DATASET_ALIASES = {
    "tomatoes": "rotten_tomatoes",
    "squadv2": "squad_v2",
    "squad2": "squad_v2",
    "cnn": "cnn_dailymail",
    "cppe": "cppe-5",
    "redcaps": "red_caps",
    "visualgenome": "visual_genome",
    "imagereward": "ImageRewardDB",
    "sd_prompts": "Stable-Diffusion-Prompts",
    "record": "super_glue/record",
    "imagenet": "imagenet-1k",
    "wikitext": "wikitext-103",
}

#: the study's tasks by their canonical names (what the study's file names can say)
STUDY_TASKS: tuple[str, ...] = tuple(dict.fromkeys(PREFIXES.values()))

RESIZED_CONFIG = "resized-640x480"


@dataclass(frozen=True)
class Labels:
    task: str
    dataset: str
    dataset_config: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def infer_labels(stem: str, tasks: Collection[str] = STUDY_TASKS) -> Labels | None:
    """Labels from a file stem (no ``.csv``), or None when the name says nothing (``emissions``).

    ``tasks``: canonical task names a file name may spell out (``text_classification_imdb``), beside the
    study's prefixes; the CLI passes the whole task catalogue.
    """
    s = stem.strip()
    low = s.lower()
    task = None
    rest = ""
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if low.startswith(prefix + "_"):
            task, rest = PREFIXES[prefix], s[len(prefix) + 1:]
            break
    if task is None:
        for name in tasks:
            spelled = name.replace("-", "_")
            if normalize_name(low[: len(spelled)]) == name and low[len(spelled): len(spelled) + 1] == "_":
                task, rest = name, s[len(spelled) + 1:]
                break
    if task is None or not rest:
        return None
    config = None
    options: dict[str, Any] = {}
    if rest.lower().endswith("_resized"):
        rest, config = rest[: -len("_resized")], RESIZED_CONFIG
    if rest.lower().endswith("_bloomz"):
        rest = rest[: -len("_bloomz")]
    m = re.fullmatch(r"(.+)_(\d+)", rest)
    if m and task in ("summarization", "zero-shot-summarization", "text-generation"):
        rest = m.group(1)
        options["max_length" if "summarization" in task else "max_new_tokens"] = int(m.group(2))
    dataset = DATASET_ALIASES.get(rest.lower(), rest)
    return Labels(task=task, dataset=dataset, dataset_config=config, options=options)
