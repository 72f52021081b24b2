"""Multi-purpose generative models used zero-shot (the study's Flan-T5 / BLOOMz comparison).

The same prompted model does classification, extractive QA and summarization by generating text. Both
sequence-to-sequence (Flan-T5, ``AutoModelForSeq2SeqLM``) and decoder-only (BLOOMz, ``AutoModelForCausalLM``)
models work: the class is chosen from the model's config. Output lengths are fixed (greedy, exactly
``max_new_tokens``): 3 tokens for a label, 10 for an answer, 15 for a summary. Prompts are wattprint's own
(the study's prompt texts are not in its published logs); they are recorded in each batch's ``meta``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import LoadedModel, register_task
from wattprint.workloads.tasks.generative import GenerativeTextTask


class ZeroShotTask(GenerativeTextTask):
    default_model = "arch:flan-t5-base"
    tiny_model = "arch:t5-tiny"
    template: ClassVar[str] = "{text}"
    demo_n = 1

    def model_from_config(self, config: Any) -> Any:
        import transformers

        name = "AutoModelForSeq2SeqLM" if getattr(config, "is_encoder_decoder", False) else "AutoModelForCausalLM"
        return getattr(transformers, name).from_config(config)

    def load_pretrained(self, where: str, dtype: Any, **kwargs: Any) -> tuple[Any, Any, dict[str, Any]]:
        import transformers

        from wattprint.workloads.models import pretrained_dtype_kwargs

        config = transformers.AutoConfig.from_pretrained(where, **kwargs)
        name = "AutoModelForSeq2SeqLM" if getattr(config, "is_encoder_decoder", False) else "AutoModelForCausalLM"
        model = getattr(transformers, name).from_pretrained(where, **pretrained_dtype_kwargs(dtype), **kwargs)
        return model, self.processor_from_pretrained(where, **kwargs), {}

    def fields(self, item: Any) -> dict[str, str]:
        return {"text": str(item)}

    def prompt(self, model: LoadedModel, item: Any) -> str:
        return self.template.format(**self.fields(item))


@register_task
class ZeroShotClassification(ZeroShotTask):
    name = "zero-shot-classification"
    aliases = ("zeroshot-classification", "zeroshot-text-classif", "zero-shot-text-classification")
    description = "a prompted generative model labels sentiment (3 generated tokens)"
    template = "Review: {text}\nIs this review positive or negative?\nAnswer:"
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 3, "max_length": None,
                                                 "labels": ["positive", "negative"]}

    def postprocess(self, model: LoadedModel, batch: Any, output: Any) -> list[Any]:
        labels = [str(x) for x in self.options["labels"]]
        out = []
        for text in super().postprocess(model, batch, output):
            found = [lab for lab in labels if lab.lower() in text.lower()]
            out.append({"label": found[0] if found else None, "generated": text})
        return out


@register_task
class ZeroShotQuestionAnswering(ZeroShotTask):
    name = "zero-shot-question-answering"
    aliases = ("zeroshot-qa", "zero-shot-qa", "generative-qa")
    description = "a prompted generative model answers a question about a context (10 generated tokens)"
    input_kind = "qa"
    template = "Context: {context}\nQuestion: {question}\nAnswer:"
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 10, "max_length": None}

    def fields(self, item: Any) -> dict[str, str]:
        return {"context": str(item["context"]), "question": str(item["question"])}


@register_task
class ZeroShotSummarization(ZeroShotTask):
    name = "zero-shot-summarization"
    aliases = ("zeroshot-summarize", "zeroshot-summarization", "zero-shot-summarize")
    description = "a prompted generative model summarizes a passage (15 generated tokens)"
    input_kind = "passage"
    template = "Summarize the following text.\n{text}\nSummary:"
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 15, "max_length": None}
