"""Image classification (cifar10, cifar100, imagenet-1k in the study, resized to 640x480)."""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import inference_mode
from wattprint.workloads.tasks.text_classification import label_name
from wattprint.workloads.tasks.vision import ImageTask


@register_task
class ImageClassification(ImageTask):
    name = "image-classification"
    aliases = ("image-class", "image_class", "image-classif")
    description = "label an image (1,000 ImageNet classes): one vision-encoder forward pass"
    default_model = "arch:vit-base"
    tiny_model = "arch:vit-tiny"
    auto_class = "AutoModelForImageClassification"
    config_overrides: ClassVar[dict[str, Any]] = {"num_labels": 1000}
    default_options: ClassVar[dict[str, Any]] = {"image_size": [640, 480], "top_k": 5}
    demo_n = 2

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            return model.model(**batch.data).logits

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        probs = output.float().softmax(-1).cpu()
        k = min(int(self.options["top_k"]), probs.shape[-1])
        top = probs.topk(k)
        return [[{"label": label_name(model, int(i)), "score": float(p)} for p, i in zip(ps, ix, strict=False)]
                for ps, ix in zip(top.values.tolist(), top.indices.tolist(), strict=False)]
