"""The study's published per-task figures, for comparison in ``wattprint demo``.

Source: Luccioni, Jernite, Strubell, "Power Hungry Processing: Watts Driving the
Cost of AI Deployment?", ACM FAccT 2024 (arXiv 2311.16863), Table 2: mean and
standard deviation of kWh per 1,000 inferences, "query model" phase, task-specific
models, on one A100-SXM4-80GB of an 8-GPU node (GPU + CPU + RAM, CodeCarbon 2.3.1,
with the seven idle GPUs, a constant 430.8 W RAM and a constant 42.5 W CPU counted).
Stored here in Wh per 1,000 inferences (kWh x 1,000).
"""

from __future__ import annotations

from dataclasses import dataclass

STUDY_SOURCE = "Luccioni, Jernite & Strubell, Power Hungry Processing, FAccT 2024, Table 2 (8x A100 node)"
STUDY_YEAR = 2024


@dataclass(frozen=True)
class StudyFigure:
    """One row of the study's Table 2, in Wh per 1,000 inferences."""

    task: str
    study_label: str
    wh_per_1k_mean: float
    wh_per_1k_std: float
    source: str = STUDY_SOURCE


#: Table 2 of the study, by wattprint task name (kWh per 1,000 x 1,000 = Wh per 1,000)
STUDY_TABLE2: dict[str, StudyFigure] = {
    f.task: f
    for f in (
        StudyFigure("text-classification", "text classification", 2.0, 1.0),
        StudyFigure("question-answering", "extractive QA", 3.0, 1.0),
        StudyFigure("fill-mask", "masked LM", 3.0, 1.0),
        StudyFigure("token-classification", "token classification", 4.0, 2.0),
        StudyFigure("image-classification", "image classification", 7.0, 1.0),
        StudyFigure("object-detection", "object detection", 38.0, 20.0),
        StudyFigure("text-generation", "text generation", 47.0, 30.0),
        StudyFigure("summarization", "summarization", 49.0, 10.0),
        StudyFigure("image-to-text", "image captioning", 63.0, 20.0),
        StudyFigure("text-to-image", "image generation", 2907.0, 3310.0),
    )
}

#: the ten tasks of the study, in the order of its Table 2
STUDY_TASKS: tuple[str, ...] = tuple(STUDY_TABLE2)


def study_figure(task: str) -> StudyFigure | None:
    """The study's Table 2 figure for ``task`` (canonical wattprint name), or None."""
    return STUDY_TABLE2.get(task)
