"""Text generation: the first 20 words of a text as prompt, exactly 10 new tokens (the study's settings)."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import LoadedModel, register_task
from wattprint.workloads.tasks.common import first_words, inference_mode, max_length, tokenizer_of
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

    def reference_nll(self, model: LoadedModel, prompts: list[str], references: list[str]) -> list[tuple[float, int]]:
        """One forward pass per item over prompt + " " + reference; the reference tokens' summed NLL (nats)."""
        import torch

        tok = tokenizer_of(model)
        device = model.extra.get("device", "cpu")
        limit = max_length(model)
        out = []
        for prompt, ref in zip(prompts, references, strict=True):
            p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
            r_ids = tok(" " + ref.strip(), add_special_tokens=False)["input_ids"] if ref.strip() else []
            ids = (p_ids + r_ids)[:limit]
            n_ref = len(ids) - len(p_ids)
            if n_ref <= 0 or len(p_ids) == 0:
                out.append((0.0, 0))
                continue
            x = torch.tensor([ids], device=device)
            with inference_mode():
                logits = model.model(input_ids=x).logits[0, :-1].float()
            logp = torch.log_softmax(logits, -1)
            target = x[0, 1:]
            nll = -logp.gather(-1, target[:, None])[:, 0][len(p_ids) - 1:]
            out.append((float(nll.sum()), int(n_ref)))
        return out
