"""Token classification (NER): one label per token (conll2003, wikiann, ReCoRD in the study)."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import BaseTask, inference_mode, tokenizer_of
from wattprint.workloads.tasks.text_classification import encode_texts, label_name

CONLL_LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")


@register_task
class TokenClassification(BaseTask):
    name = "token-classification"
    aliases = ("token-classif", "token_classif", "ner")
    description = "label every token (named entities): an encoder forward pass and a per-token argmax"
    default_model = "arch:bert-base"
    tiny_model = "arch:bert-tiny"
    auto_class = "AutoModelForTokenClassification"
    config_overrides: ClassVar[dict[str, Any]] = {
        "num_labels": len(CONLL_LABELS),
        "id2label": dict(enumerate(CONLL_LABELS)),
        "label2id": {label: i for i, label in enumerate(CONLL_LABELS)},
    }
    default_options: ClassVar[dict[str, Any]] = {"max_length": None}
    demo_n = 3

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        return encode_texts(self, model, [str(t) for t in items], batch_size, return_special_tokens_mask=True,
                            return_offsets_mapping=bool(getattr(tokenizer_of(model), "is_fast", False)))

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            return model.model(**batch.data).logits

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        tok = tokenizer_of(model)
        preds = output.argmax(-1).cpu()
        ids = batch.data["input_ids"].cpu()
        mask = batch.data["attention_mask"].cpu()
        special = batch.meta["aux"].get("special_tokens_mask")
        offsets = batch.meta["aux"].get("offset_mapping")  # character spans (fast tokenizers), for word-level scoring
        results = []
        for r in range(preds.shape[0]):
            tokens = tok.convert_ids_to_tokens(ids[r].tolist())
            row = []
            for j, (t, label) in enumerate(zip(tokens, preds[r].tolist(), strict=False)):
                if mask[r, j] and (special is None or not special[r, j]):
                    tag = {"token": t, "label": label_name(model, int(label))}
                    if offsets is not None:
                        tag["start"], tag["end"] = int(offsets[r, j][0]), int(offsets[r, j][1])
                    row.append(tag)
            results.append(row)
        return results
