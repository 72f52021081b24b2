"""Masked language modelling (the study's "fill-mask"): 20-word inputs, the last word replaced by the mask token."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.errors import WattprintError
from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import BaseTask, first_words, inference_mode, tokenizer_of
from wattprint.workloads.tasks.text_classification import encode_texts


@register_task
class FillMask(BaseTask):
    name = "fill-mask"
    aliases = ("fillmask", "masked-lm", "mlm")
    description = "predict a masked word: an encoder forward pass and a top-k over the vocabulary at the mask"
    default_model = "arch:bert-base"
    tiny_model = "arch:bert-tiny"
    auto_class = "AutoModelForMaskedLM"
    default_options: ClassVar[dict[str, Any]] = {"words": 20, "top_k": 5, "max_length": None}
    demo_n = 3

    def masked_text(self, tok: Any, text: str) -> str:
        words = first_words(text, int(self.options["words"])).split()
        if not words:
            words = [tok.mask_token]
        words[-1] = tok.mask_token
        return " ".join(words)

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        tok = tokenizer_of(model)
        if getattr(tok, "mask_token", None) is None:
            raise WattprintError(f"model {model.description.name!r} has no mask token", "fill-mask needs a masked LM")
        return encode_texts(self, model, [self.masked_text(tok, str(t)) for t in items], batch_size)

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            return model.model(**batch.data).logits

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        tok = tokenizer_of(model)
        ids = batch.data["input_ids"]
        k = int(self.options["top_k"])
        results: list[list[Any]] = []
        for r in range(ids.shape[0]):
            positions = (ids[r] == tok.mask_token_id).nonzero().flatten().tolist()
            if not positions:
                results.append([])
                continue
            probs = output[r, positions[-1]].float().softmax(-1)
            top = probs.topk(min(k, probs.shape[-1]))
            results.append([{"token": tok.decode([int(i)]).strip(), "score": float(p)}
                            for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=False)])
        return results
