"""Built-in tasks: importing this package registers them (one module per task)."""

from wattprint.workloads.tasks import (  # noqa: F401
    fill_mask,
    question_answering,
    text_classification,
    text_generation,
    token_classification,
)
