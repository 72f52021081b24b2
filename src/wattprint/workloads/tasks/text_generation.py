"""Text generation: the first 20 words of a text as prompt, exactly 10 new tokens (the study's settings)."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import LoadedModel, register_task
from wattprint.workloads.tasks.common import first_words
from wattprint.workloads.tasks.generative import GenerativeTextTask


@register_task
class TextGeneration(GenerativeTextTask):
    name = "text-generation"
    aliases = ("textgen", "text-gen", "causal-lm")
    description = "continue a 20-word prompt by 10 tokens: a prompt pass then one decoder pass per new token"
    default_model = "arch:gpt2"
    tiny_model = "arch:gpt2-tiny"
    auto_class = "AutoModelForCausalLM"
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 10, "words": 20, "max_length": None}
    demo_n = 2

    def prompt(self, model: LoadedModel, item: Any) -> str:
        return first_words(str(item), int(self.options["words"]))
