"""Shared base for text-generating tasks: prompt building, fixed-length greedy ``generate``, prefill pass."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel
from wattprint.workloads.tasks.common import (
    BaseTask,
    chunks,
    generation_kwargs,
    inference_mode,
    is_encoder_decoder,
    max_length,
    new_token_count,
    to_device,
    tokenizer_of,
)


class GenerativeTextTask(BaseTask):
    """Builds a prompt per item, then generates exactly ``max_new_tokens`` tokens greedily.

    Decoder-only models are padded on the left (so every prompt ends where generation starts); encoder-decoder
    models on the right. :meth:`infer_prefill` is the prompt pass alone: the forward that yields the first new
    token's logits (for encoder-decoder models: the encoder plus one decoder step from the start token), so the
    remaining ``max_new_tokens - 1`` decoding steps are ``infer`` minus ``infer_prefill``.
    """

    generative = True
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 10, "max_length": None}

    def prompt(self, model: LoadedModel, item: Any) -> str:
        return str(item)

    def processor_from_pretrained(self, where: str, **kwargs: Any) -> Any:
        tok = super().processor_from_pretrained(where, **kwargs)
        if tok.pad_token is None and tok.eos_token is not None:
            tok.pad_token = tok.eos_token
        return tok

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        tok = tokenizer_of(model)
        enc_dec = is_encoder_decoder(model)
        tok.padding_side = "right" if enc_dec else "left"
        # decoder-only prompts end with their cue ("Answer:"): keep the end when a prompt is too long
        tok.truncation_side = "right" if enc_dec else "left"
        limit = self.options.get("max_length") or max_length(model)
        batches = []
        for group in chunks(items, batch_size):
            prompts = [self.prompt(model, it) for it in group]
            enc = tok(prompts, padding=True, truncation=True, max_length=limit, return_tensors="pt")
            data = to_device(model, enc, keep={"input_ids", "attention_mask"})
            meta = {"input_tokens": int(enc["attention_mask"].sum()), "prompt_len": int(enc["input_ids"].shape[1]),
                    "max_new_tokens": int(self.options["max_new_tokens"]), "prompts": prompts}
            batches.append(Batch(data=data, size=len(group), meta=meta))
        return batches

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        kwargs = generation_kwargs(model, int(self.options["max_new_tokens"]))
        with inference_mode():
            return model.model.generate(**batch.data, **kwargs)

    def infer_prefill(self, model: LoadedModel, batch: Batch) -> Any:
        import torch

        with inference_mode():
            if is_encoder_decoder(model):
                start = generation_kwargs(model, 1).get("decoder_start_token_id", 0)
                dec = torch.full((batch.size, 1), int(start), dtype=torch.long, device=batch.data["input_ids"].device)
                return model.model(**batch.data, decoder_input_ids=dec, use_cache=True).logits
            return model.model(**batch.data, use_cache=True).logits

    def new_tokens(self, model: LoadedModel, batch: Batch, output: Any) -> Any:
        return output[:, 1:] if is_encoder_decoder(model) else output[:, batch.meta["prompt_len"]:]

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        tok = tokenizer_of(model)
        return [tok.decode(row.tolist(), skip_special_tokens=True) for row in self.new_tokens(model, batch, output)]

    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]:
        counts = super().count(model, batch, output)
        counts["output_tokens"] = new_token_count(output, batch.meta["prompt_len"], is_encoder_decoder(model))
        return counts
