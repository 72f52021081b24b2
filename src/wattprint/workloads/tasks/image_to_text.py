"""Image captioning (visual_genome, red_caps, coco 2017 val in the study, resized to 640x480).

Reference architecture: BLIP (``BlipForConditionalGeneration``, present in transformers 4 and 5). Hub models load
through ``AutoModelForImageTextToText`` (transformers >= 4.46 and 5), else ``AutoModelForVision2Seq``
(transformers 4 only; removed in 5), else ``VisionEncoderDecoderModel`` (e.g. ViT-GPT2 captioners). Captions are
generated greedily at a fixed length of ``max_new_tokens`` (default 20, the pipelines' default ``max_length``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import generation_kwargs, inference_mode, tokenizer_of
from wattprint.workloads.tasks.vision import ImageTask

HUB_CLASSES = ("AutoModelForImageTextToText", "AutoModelForVision2Seq", "VisionEncoderDecoderModel")


@register_task
class ImageToText(ImageTask):
    name = "image-to-text"
    aliases = ("itt", "image-captioning", "captioning", "image_to_text")
    modality = "multimodal"
    generative = True
    description = "caption an image in 20 tokens: a vision-encoder pass then one text-decoder pass per token"
    default_model = "arch:blip-base"
    tiny_model = "arch:blip-tiny"
    auto_class = "BlipForConditionalGeneration"
    default_options: ClassVar[dict[str, Any]] = {"image_size": [640, 480], "max_new_tokens": 20}
    demo_n = 1

    def load_pretrained(self, where: str, dtype: Any, **kwargs: Any) -> tuple[Any, Any, dict[str, Any]]:
        import transformers

        from wattprint.workloads.models import pretrained_dtype_kwargs

        errors = []
        model = None
        for name in HUB_CLASSES:
            cls = getattr(transformers, name, None)
            if cls is None:
                continue
            try:
                model = cls.from_pretrained(where, **pretrained_dtype_kwargs(dtype), **kwargs)
                break
            except ValueError as exc:  # not a model type this Auto class knows
                errors.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        if model is None:
            raise ValueError("; ".join(errors) or "no image-to-text model class available")
        try:
            proc = transformers.AutoProcessor.from_pretrained(where, **kwargs)
            image_proc = getattr(proc, "image_processor", None)
            tok = getattr(proc, "tokenizer", None)
        except (OSError, ValueError, KeyError, TypeError):
            image_proc = tok = None
        if image_proc is None:
            image_proc = transformers.AutoImageProcessor.from_pretrained(where, **kwargs)
        if tok is None:
            tok = transformers.AutoTokenizer.from_pretrained(where, **kwargs)
        return model, tok, {"image_processor": image_proc}

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        kwargs = generation_kwargs(model, int(self.options["max_new_tokens"]))
        if type(model.model).__name__.startswith(("Blip", "InstructBlip")):
            # BLIP's generate sets its own end and pad tokens (from text_config) and rejects ours
            kwargs.pop("pad_token_id", None)
            kwargs.pop("eos_token_id", None)
        with inference_mode():
            return model.model.generate(**batch.data, **kwargs)

    def _start_ids(self, model: LoadedModel, batch: Batch) -> Any:
        import torch

        cfg = model.model.config
        text_cfg = getattr(cfg, "text_config", None) or getattr(cfg, "decoder", None) or cfg
        start = getattr(cfg, "decoder_start_token_id", None)
        if start is None:
            start = getattr(text_cfg, "bos_token_id", None)
        if start is None:
            start = getattr(model.model.generation_config, "decoder_start_token_id", None) or 0
        device = next(iter(batch.data.values())).device
        return torch.full((batch.size, 1), int(start), dtype=torch.long, device=device)

    def infer_prefill(self, model: LoadedModel, batch: Batch) -> Any:
        """The image pass plus one decoder step from the start token (what yields the first caption token)."""
        ids = self._start_ids(model, batch)
        with inference_mode():
            if getattr(model.model.config, "is_encoder_decoder", False):
                return model.model(**batch.data, decoder_input_ids=ids).logits
            return model.model(**batch.data, input_ids=ids).logits

    def _new(self, output: Any, batch: Batch) -> Any:
        # captioners return the start token followed by the new tokens
        return output[:, 1:]

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        tok = tokenizer_of(model)
        return [tok.decode(row.tolist(), skip_special_tokens=True).strip() for row in self._new(output, batch)]

    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]:
        counts = super().count(model, batch, output)
        counts["output_tokens"] = int(self._new(output, batch).numel())
        return counts
