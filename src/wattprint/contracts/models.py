"""What a loaded model says about itself: :class:`ModelDescription` (on ``LoadedModel.description``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["MODEL_SOURCES", "ModelDescription", "ModelSource"]

#: ``arch``: a reference architecture with random weights built offline; ``local``: a directory; ``hub``: a Hub id
ModelSource = Literal["hub", "local", "arch"]
MODEL_SOURCES: tuple[str, ...] = get_args(ModelSource)


@dataclass(frozen=True)
class ModelDescription:
    """The model a run measured, as the result records it.

    ``parameters`` counts every weight (a diffusion pipeline: all its modules); ``random_weights`` is
    True for ``arch:`` models (their outputs are meaningless; their cost is a real model's cost);
    ``revision`` is the resolved commit when the library reports one; ``arch``/``reference`` name the
    reference architecture and the published model whose shape it copies; ``note`` says anything
    else a reader must know (e.g. packaged trained weights). An unknown ``source`` is an error.
    """

    name: str
    source: ModelSource
    random_weights: bool
    parameters: int | None
    architecture: str | None
    dtype: str
    device: str
    revision: str | None = None
    arch: str | None = None
    reference: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.source not in MODEL_SOURCES:
            raise ValueError(f"unknown model source {self.source!r} (one of {', '.join(MODEL_SOURCES)})")
