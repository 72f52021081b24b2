"""Shared base for tasks that take images: the study's 640x480 resize, image processors, dtype-matched pixels."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel
from wattprint.workloads.tasks.common import BaseTask, chunks, to_device


def image_processor_of(model: LoadedModel) -> Any:
    proc = model.extra.get("image_processor")
    if proc is None:
        proc = getattr(model.processor, "image_processor", None) or model.processor
    return proc


class ImageTask(BaseTask):
    """Images are resized to ``image_size`` (width, height; the study's 640x480) in ``preprocess``, then go
    through the model's own image processor (which may resize again, e.g. to 224x224 for ViT, as the study's
    pipelines did). ``pixels`` counts the pixels after the study resize: 640 * 480 per image by default."""

    input_kind = "image"
    modality = "image"
    default_options: ClassVar[dict[str, Any]] = {"image_size": [640, 480]}

    def processor_from_pretrained(self, where: str, **kwargs: Any) -> Any:
        from transformers import AutoImageProcessor

        return AutoImageProcessor.from_pretrained(where, **kwargs)

    def size(self) -> tuple[int, int] | None:
        size = self.options.get("image_size")
        if not size:
            return None
        w, h = (int(size), int(size)) if isinstance(size, (int, float)) else (int(size[0]), int(size[1]))
        return w, h

    def resized(self, images: list[Any]) -> list[Any]:
        size = self.size()
        out = []
        for img in images:
            img = img.convert("RGB") if getattr(img, "mode", "RGB") != "RGB" else img
            out.append(img.resize(size) if size and img.size != size else img)
        return out

    def pixel_batches(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        import torch

        proc = image_processor_of(model)
        batches = []
        for group in chunks(items, batch_size):
            images = self.resized(group)
            enc = proc(images=images, return_tensors="pt")
            data = to_device(model, enc)
            dtype = model.extra.get("dtype")
            if dtype is not None:
                data = {k: v.to(dtype) if torch.is_floating_point(v) else v for k, v in data.items()}
            meta = {"images": len(images), "pixels": sum(i.size[0] * i.size[1] for i in images),
                    "sizes": [(i.size[1], i.size[0]) for i in images]}  # (height, width) for post-processing
            batches.append(Batch(data=data, size=len(group), meta=meta))
        return batches

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        return self.pixel_batches(model, items, batch_size)
