"""Built-in tasks: importing this package registers them (one module per task)."""

from wattprint.workloads.tasks import (  # noqa: F401
    fill_mask,
    image_classification,
    image_to_text,
    object_detection,
    question_answering,
    sentence_similarity,
    summarization,
    text_classification,
    text_generation,
    text_to_image,
    token_classification,
    zero_shot,
)
