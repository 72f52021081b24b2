"""Summarization with a sequence-to-sequence model (samsum, cnn_dailymail, xsum in the study).

The study ran ``max_length=15, min_length=10`` through transformers pipelines, which leaves the output length
(and cost) to the model. wattprint fixes it for comparability: greedy decoding of exactly ``max_new_tokens``
(default 15, the study's upper bound) new tokens, whatever the model's own generation defaults (beam search,
length penalties) say. T5-family models get the ``summarize: `` prefix, as the study's pipelines added it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import LoadedModel, register_task
from wattprint.workloads.tasks.generative import GenerativeTextTask


@register_task
class Summarization(GenerativeTextTask):
    name = "summarization"
    aliases = ("summarize", "summarise", "summarisation")
    description = "summarize a passage in 15 tokens: an encoder pass then one decoder pass per new token"
    input_kind = "passage"
    default_model = "arch:bart-large"
    tiny_model = "arch:t5-tiny"
    auto_class = "AutoModelForSeq2SeqLM"
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 15, "max_length": None}
    demo_n = 1

    def prompt(self, model: LoadedModel, item: Any) -> str:
        model_type = getattr(getattr(model.model, "config", None), "model_type", "")
        return f"summarize: {item}" if model_type in ("t5", "mt5", "umt5") else str(item)
