"""Text classification: one label per text (sentiment in the study: imdb, rotten_tomatoes, sst2)."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import BaseTask, chunks, inference_mode, max_length, to_device, tokenizer_of


def encode_texts(task: BaseTask, model: LoadedModel, texts: list[str], batch_size: int,
                 **tok_kwargs: Any) -> list[Batch]:
    """Tokenise ``texts`` in batches (padding to the longest in each batch, truncating to the model's limit)."""
    tok = tokenizer_of(model)
    limit = task.options.get("max_length") or max_length(model)
    batches = []
    for group in chunks(texts, batch_size):
        enc = tok(group, padding=True, truncation=True, max_length=limit, return_tensors="pt", **tok_kwargs)
        data = to_device(model, enc)
        # what the model does not take (offsets, special-token masks) stays on the CPU for postprocess
        aux = {k: v for k, v in enc.items() if k not in data}
        meta = {"input_tokens": int(enc["attention_mask"].sum()), "aux": aux}
        batches.append(Batch(data=data, size=len(group), meta=meta))
    return batches


def label_name(model: LoadedModel, index: int) -> str:
    id2label = getattr(getattr(model.model, "config", None), "id2label", None) or {}
    return str(id2label.get(index, id2label.get(str(index), f"LABEL_{index}")))


@register_task
class TextClassification(BaseTask):
    name = "text-classification"
    aliases = ("text-classif", "text_classif", "sentiment-analysis", "sentiment")
    description = "label a text (sentiment): an encoder forward pass and a softmax over labels"
    default_model = "arch:bert-base"
    tiny_model = "arch:bert-tiny"
    auto_class = "AutoModelForSequenceClassification"
    config_overrides: ClassVar[dict[str, Any]] = {"num_labels": 2}
    default_options: ClassVar[dict[str, Any]] = {"max_length": None}
    demo_n = 3

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        return encode_texts(self, model, [str(t) for t in items], batch_size)

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            return model.model(**batch.data).logits

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        probs = output.float().softmax(-1)
        best = probs.argmax(-1)
        return [{"label": label_name(model, int(i)), "score": float(probs[r, i])} for r, i in enumerate(best)]
