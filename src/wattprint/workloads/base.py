"""The task protocol and its registry. Workloads know no meters and no storage.

A task splits one inference into what the harness measures and what it does
not:

* :meth:`Task.load_model` - build or load the model (measured apart as "load").
* :meth:`Task.load_inputs` - read ``n`` raw items from a dataset (not measured), as an
  :class:`~wattprint.contracts.inputs.Inputs` (items, distinct rows, source).
* :meth:`Task.preprocess` - tokenise / decode images into ready batches
  (measured apart as "preprocess", never inside the query window).
* :meth:`Task.infer` - the model call on one prepared batch: the ONLY work
  inside the measured query window.
* :meth:`Task.postprocess` - decode outputs (outside the window).
* :meth:`Task.count` - what matters for energy (tokens, images, pixels, steps).
* :meth:`Task.infer_prefill` - generative tasks only: the prompt pass alone, so
  the bench can split prefill and decode energy.
* :meth:`Task.reference_nll` - language models only: log-likelihood of reference
  continuations (perplexity), run outside the query window.

Adding a task = one small module under ``wattprint/workloads/tasks/`` with a
``@register_task`` class (the package imports every module in it); the module may
also register its reference architectures (``architectures.register_arch``) and a
new item kind (``datasets.register_kind``). A third-party package declares a
``wattprint.tasks`` entry point naming its module instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from wattprint.contracts.inputs import Inputs
from wattprint.contracts.models import ModelDescription
from wattprint.contracts.registry import Registry


@dataclass
class ModelSpec:
    """Which model to run. ``name`` is a Hub id, a local directory or ``arch:NAME``."""

    name: str
    revision: str | None = None
    device: str = "cpu"
    dtype: str = "float32"
    trust_remote_code: bool = False
    #: seeds torch before random (``arch:``) weights are drawn
    seed: int = 0


@dataclass
class DatasetSpec:
    """Which inputs to use. ``name`` is ``synthetic``, a Hub id or a local path."""

    name: str = "synthetic"
    config: str | None = None
    split: str | None = None
    column: str | None = None
    seed: int = 0


@dataclass
class LoadedModel:
    """A model ready to run, with what describes it for the result record.

    ``extra`` holds what the task itself needs at run time (device, dtype, feature extractors...);
    it never leaves the workloads layer: the bench reads only ``description``.
    """

    model: Any
    description: ModelDescription
    processor: Any = None  # tokenizer / image processor / pipeline parts
    spec: ModelSpec | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """A prepared batch: model-ready tensors plus the item count."""

    data: Any
    size: int
    meta: dict[str, Any] = field(default_factory=dict)


class Task(ABC):
    """One inference task (text classification, image generation, ...)."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    modality: ClassVar[str] = "text"  # text | image | multimodal
    generative: ClassVar[bool] = False
    description: ClassVar[str] = ""
    #: reference architecture used by ``wattprint demo`` and as default model
    default_model: ClassVar[str] = ""
    #: tiny reference architecture for tests
    tiny_model: ClassVar[str] = ""
    #: task options and inferences per repeat that ``wattprint demo`` uses with ``default_model`` on a small CPU
    demo_options: ClassVar[dict[str, Any]] = {}
    demo_n: ClassVar[int] = 10
    #: dtype ``wattprint demo`` uses with ``default_model`` (None: float32), where float32 would not fit a small machine
    demo_dtype: ClassVar[str | None] = None
    #: the options the task accepts, with their defaults; None = the task takes any options unchecked
    default_options: ClassVar[dict[str, Any] | None] = None

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})

    @abstractmethod
    def load_model(self, spec: ModelSpec) -> LoadedModel: ...

    @abstractmethod
    def load_inputs(self, dataset: DatasetSpec, n: int) -> Inputs:
        """Exactly ``n`` raw items (a shorter source cycled), with their distinct count and source."""

    @abstractmethod
    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]: ...

    @abstractmethod
    def infer(self, model: LoadedModel, batch: Batch) -> Any: ...

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        return [output]

    @abstractmethod
    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]: ...

    def infer_prefill(self, model: LoadedModel, batch: Batch) -> Any:
        """Prompt pass only (generative tasks). Non-generative tasks do not override."""
        raise NotImplementedError

    def reference_nll(self, model: LoadedModel, prompts: list[str], references: list[str]) -> list[tuple[float, int]]:
        """Per item: (negative log-likelihood in nats summed over the reference's tokens, token count), the
        reference scored as a continuation of its prompt. Language-model tasks only (for perplexity); never
        called inside the measured query window."""
        raise NotImplementedError(f"{self.name} has no reference log-likelihood")


def _load_builtin_tasks() -> None:
    import wattprint.workloads.tasks  # noqa: F401  (importing the package registers the built-in tasks)


#: Every task, by canonical name and alias: built-in ones, user modules with ``@register_task`` and
#: third-party packages declaring a ``wattprint.tasks`` entry point (a module to import).
TASKS: Registry[type[Task]] = Registry(
    "task", hint="see: wattprint tasks", loaders=[_load_builtin_tasks], entry_point_group="wattprint.tasks"
)


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: make a task available by its name and aliases."""
    return TASKS.register(cls.name, cls, cls.aliases)


def task_names() -> list[str]:
    """Canonical names of all registered tasks."""
    return TASKS.names()


def task_class(name: str) -> type[Task]:
    """The class of task ``name`` (any alias), without instantiating it; unknown names list close matches."""
    return TASKS.get(name)


def get_task(name: str, options: dict[str, Any] | None = None) -> Task:
    """Instantiate a task by name or alias; unknown names list close matches."""
    return task_class(name)(options)
