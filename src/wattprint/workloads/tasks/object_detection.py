"""Object detection (visual_genome, cppe-5, coco 2017 val in the study, resized to 640x480).

The image processor's own resize still applies afterwards (DETR: shortest side 800), as in the study's pipelines.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.tasks.common import inference_mode
from wattprint.workloads.tasks.text_classification import label_name
from wattprint.workloads.tasks.vision import ImageTask, image_processor_of


@register_task
class ObjectDetection(ImageTask):
    name = "object-detection"
    aliases = ("obj-detection", "obj_detection", "detection")
    description = "find and label objects with boxes: one CNN backbone + transformer forward pass"
    default_model = "arch:detr-resnet-50"
    tiny_model = "arch:detr-tiny"
    auto_class = "AutoModelForObjectDetection"
    config_overrides: ClassVar[dict[str, Any]] = {"num_labels": 91}
    default_options: ClassVar[dict[str, Any]] = {"image_size": [640, 480], "threshold": 0.5}
    demo_n = 2

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        with inference_mode():
            return model.model(**batch.data)

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        proc = image_processor_of(model)
        results = proc.post_process_object_detection(output, threshold=float(self.options["threshold"]),
                                                     target_sizes=batch.meta["sizes"])
        return [[{"label": label_name(model, int(lab)), "score": float(s), "box": [float(x) for x in box]}
                 for s, lab, box in zip(r["scores"], r["labels"], r["boxes"], strict=False)] for r in results]
