"""Image generation with a Stable Diffusion pipeline (diffusiondb, ImageRewardDB, SD-Prompts in the study).

Prompts are cut to their first 50 words (the study's setting) and tokenised in ``preprocess`` (CLIP, 77 tokens,
with the empty negative prompt for classifier-free guidance). ``infer`` runs the text encoder, the denoising loop
(UNet, ``num_inference_steps``, guidance 7.5 = two UNet evaluations per step) and the VAE decode.
Defaults follow diffusers (50 steps, the model's native resolution: 512x512 for SD-1.5); ``height``, ``width``
and ``num_inference_steps`` are options so a demo can shrink them, and are recorded in ``meta`` and counts.
Hub pipelines load through ``diffusers.AutoPipelineForText2Image`` and keep their own safety checker, as the
study's diffusers defaults did; ``arch:sd-*`` has none.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import BaseTask, chunks, first_words, inference_mode


@register_task
class TextToImage(BaseTask):
    name = "text-to-image"
    aliases = ("tti", "image-generation", "text_to_image", "image-gen")
    modality = "image"
    generative = True
    input_kind = "prompt"
    description = "generate an image from a prompt: text encoder, N denoising UNet steps (x2 for guidance), VAE"
    default_model = "arch:sd-1.5"
    tiny_model = "arch:sd-tiny"
    default_options: ClassVar[dict[str, Any]] = {"num_inference_steps": 50, "height": None, "width": None,
                                                 "guidance_scale": 7.5, "words": 50, "seed": 0, "clip_model": None}
    NULLABLE_OPTION_TYPES: ClassVar[dict[str, type]] = {**BaseTask.NULLABLE_OPTION_TYPES, "clip_model": str}
    demo_options: ClassVar[dict[str, Any]] = {"num_inference_steps": 2, "height": 128, "width": 128}
    demo_n = 1
    #: SD-1.5 is 4.3 GB in float32 (peak RSS 4.8 GiB): the demo should run it in bfloat16 (2.6 GiB peak)
    demo_dtype: ClassVar[str | None] = "bfloat16"  # SD-1.5's fp32 weights alone are 4.3 GB

    def load_pretrained(self, where: str, dtype: Any, **kwargs: Any) -> tuple[Any, Any, dict[str, Any]]:
        from wattprint.workloads.architectures import import_diffusers

        try:
            AutoPipelineForText2Image = import_diffusers().AutoPipelineForText2Image
        except ImportError:
            raise ImportError("image generation needs diffusers: pip install 'wattprint[ml]'") from None
        kwargs.pop("trust_remote_code", None)
        pipe = AutoPipelineForText2Image.from_pretrained(where, torch_dtype=dtype, **kwargs)
        return pipe, pipe.tokenizer, {}

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        tok = model.processor
        device = model.extra.get("device", "cpu")
        limit = int(getattr(tok, "model_max_length", 77) or 77)
        batches = []
        for index, group in enumerate(chunks(items, batch_size)):
            prompts = [first_words(str(p), int(self.options["words"])) for p in group]
            enc = tok(prompts, padding="max_length", max_length=limit, truncation=True, return_tensors="pt")
            unc = tok([""] * len(group), padding="max_length", max_length=limit, truncation=True,
                      return_tensors="pt")
            data = {"input_ids": enc["input_ids"].to(device), "uncond_ids": unc["input_ids"].to(device)}
            meta = {"input_tokens": int(enc["attention_mask"].sum()), "prompts": prompts,
                    "seed": int(self.options["seed"]) + index,
                    "num_inference_steps": int(self.options["num_inference_steps"]),
                    "height": self.options["height"], "width": self.options["width"],
                    "guidance_scale": float(self.options["guidance_scale"])}
            batches.append(Batch(data=data, size=len(group), meta=meta))
        return batches

    def _embed(self, pipe: Any, ids: Any) -> Any:
        return pipe.text_encoder(ids)[0]

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        import torch

        pipe = model.model
        device = batch.data["input_ids"].device
        generator = torch.Generator(device=device).manual_seed(batch.meta["seed"])
        with inference_mode():
            cond = self._embed(pipe, batch.data["input_ids"])
            uncond = self._embed(pipe, batch.data["uncond_ids"])
            out = pipe(prompt_embeds=cond, negative_prompt_embeds=uncond,
                       num_inference_steps=batch.meta["num_inference_steps"], height=batch.meta["height"],
                       width=batch.meta["width"], guidance_scale=batch.meta["guidance_scale"], output_type="pt",
                       generator=generator)
        steps = len(getattr(pipe.scheduler, "timesteps", [])) or batch.meta["num_inference_steps"]
        return {"images": out.images, "steps": int(steps)}

    def infer_prefill(self, model: LoadedModel, batch: Batch) -> Any:
        """The prompt pass alone: the text encoder on the prompt and on the empty negative prompt."""
        with inference_mode():
            return self._embed(model.model, batch.data["input_ids"]), self._embed(model.model,
                                                                                   batch.data["uncond_ids"])

    def clip_scores(self, images: list[Any], prompts: list[str]) -> list[float]:
        """CLIP score per image: ``100 * max(0, cos(image embedding, prompt embedding))`` (Hessel et al. 2021, the
        torchmetrics definition), with the CLIP model named by the ``clip_model`` option (Hub id or local directory,
        no remote code). Quality only: the harness runs it outside the query window."""
        import torch
        import transformers

        where = self.options["clip_model"]
        model = transformers.CLIPModel.from_pretrained(where).eval()
        tok = transformers.AutoTokenizer.from_pretrained(where)
        proc = transformers.AutoImageProcessor.from_pretrained(where)
        limit = int(model.config.text_config.max_position_embeddings)
        scores = []
        for image, prompt in zip(images, prompts, strict=True):
            text = tok([first_words(str(prompt), int(self.options["words"]))], truncation=True, max_length=limit,
                       return_tensors="pt")
            pixels = proc(images=[image], return_tensors="pt")["pixel_values"]
            with inference_mode():
                img = _features(model.get_image_features(pixel_values=pixels))
                txt = _features(model.get_text_features(input_ids=text["input_ids"],
                                                        attention_mask=text.get("attention_mask")))
            cos = float(torch.nn.functional.cosine_similarity(img.float(), txt.float()).item())
            scores.append(100.0 * max(cos, 0.0))
        return scores

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        from PIL import Image

        images = output["images"].float().clamp(0, 1).mul(255).round().to("cpu").byte()
        return [Image.fromarray(img.permute(1, 2, 0).numpy()) for img in images]

    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]:
        images = output["images"]
        n, h, w = images.shape[0], images.shape[-2], images.shape[-1]
        return {"inferences": batch.size, "input_tokens": int(batch.meta["input_tokens"]), "images": int(n),
                "pixels": int(n * h * w), "diffusion_steps": int(n * output["steps"])}


def _features(out: Any) -> Any:
    """Projected embeddings from ``get_*_features`` (a tensor, or an output object on newer transformers)."""
    if hasattr(out, "pooler_output") and not hasattr(out, "shape"):
        return out.pooler_output
    return out
