"""Shared machinery for the built-in tasks: options, model loading, tokenisation, fixed-length generation.

Every built-in task follows the same split (see :mod:`wattprint.workloads.base`):
``preprocess`` tokenises / decodes images and moves tensors to the device;
``infer`` runs only the model forward or ``generate`` under ``torch.inference_mode()``;
``postprocess`` decodes; ``count`` reports what the batch cost in work units:

* ``inferences``: items (queries) in the batch
* ``input_tokens``: non-padding prompt tokens
* ``output_tokens``: generated tokens (generation only)
* ``images`` / ``pixels``: input images and their pixels after the study's 640x480 resize (vision), or generated
  images and their pixels (image generation)
* ``diffusion_steps``: denoising steps summed over images (image generation)
"""

from __future__ import annotations

import inspect
import json
import math
from typing import Any, ClassVar

from wattprint.contracts.inputs import Inputs
from wattprint.errors import WattprintError
from wattprint.workloads.base import Batch, DatasetSpec, LoadedModel, ModelSpec, Task


class BaseTask(Task):
    """A built-in task: options with defaults, model loading through :mod:`wattprint.workloads.models`."""

    #: synthetic generator / dataset item kind (see :mod:`wattprint.workloads.datasets`)
    input_kind: ClassVar[str] = "text"
    #: transformers Auto class name used for Hub / local models and to build ``arch:`` heads
    auto_class: ClassVar[str] = "AutoModel"
    #: config fields set on ``arch:`` configs for this task's head (e.g. number of labels)
    config_overrides: ClassVar[dict[str, Any]] = {}
    #: options this task accepts, with their defaults (an option's type is its default's type)
    default_options: ClassVar[dict[str, Any]] = {}
    #: the type of options whose default is None (meaning "the model's own limit")
    NULLABLE_OPTION_TYPES: ClassVar[dict[str, type]] = {"max_length": int, "height": int, "width": int}

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        given = {k: v for k, v in dict(options or {}).items() if v is not None}
        unknown = sorted(set(given) - set(self.default_options))
        if unknown:
            valid = ", ".join(sorted(self.default_options)) or "none"
            raise WattprintError(f"unknown option(s) for {self.name}: {', '.join(unknown)}",
                                 f"options for {self.name}: {valid}")
        for key, value in given.items():
            self._check_option(key, value)
        super().__init__({**self.default_options, **given})

    def _check_option(self, key: str, value: Any) -> None:
        """A one-line error when ``value`` does not have the option's type (before any model is loaded)."""
        default = self.default_options.get(key)
        kind = type(default) if default is not None else self.NULLABLE_OPTION_TYPES.get(key)
        if kind is None:
            return
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        else:
            ok = isinstance(value, kind)
        if not ok:
            words = {int: "a whole number >= 0", float: "a finite number", bool: "true or false", list: "a JSON list",
                     str: "text"}
            example = default if default is not None else 128
            raise WattprintError(f"option {key} of {self.name} must be {words.get(kind, kind.__name__)}, got {value!r}",
                                 f"e.g. -o {key}={json.dumps(example, separators=(',', ':'))}")

    # -- sources ------------------------------------------------------------------------------------------------

    def load_model(self, spec: ModelSpec) -> LoadedModel:
        from wattprint.workloads.models import load_model

        return load_model(spec, self)

    def load_inputs(self, dataset: DatasetSpec, n: int) -> Inputs:
        from wattprint.workloads.datasets import load_inputs

        return load_inputs(dataset, n, self.input_kind)

    def model_from_config(self, config: Any) -> Any:
        """A randomly initialised model of this task's head for a library ``config``."""
        import transformers

        for key, value in self.config_overrides.items():
            setattr(config, key, value)
        cls = getattr(transformers, self.auto_class)
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(config)

    def load_pretrained(self, where: str, dtype: Any, **kwargs: Any) -> tuple[Any, Any, dict[str, Any]]:
        """(model, processor, extra) from a Hub id or local directory."""
        import transformers

        from wattprint.workloads.models import pretrained_dtype_kwargs

        model = getattr(transformers, self.auto_class).from_pretrained(where, **pretrained_dtype_kwargs(dtype),
                                                                       **kwargs)
        return model, self.processor_from_pretrained(where, **kwargs), {}

    def processor_from_pretrained(self, where: str, **kwargs: Any) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(where, **kwargs)

    # -- helpers ------------------------------------------------------------------------------------------------

    def option(self, key: str) -> Any:
        return self.options[key]

    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]:
        counts = {"inferences": batch.size}
        for key in ("input_tokens", "images", "pixels"):
            if key in batch.meta:
                counts[key] = int(batch.meta[key])
        return counts


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    if size < 1:
        raise WattprintError(f"batch size must be >= 1, got {size}", "use --batch-size 1 (the study's setting)")
    return [items[i:i + size] for i in range(0, len(items), size)]


def forward_args(model: LoadedModel) -> set[str]:
    """Keyword arguments the model's ``forward`` accepts (cached on the loaded model)."""
    if "forward_args" not in model.extra:
        params = inspect.signature(model.model.forward).parameters
        model.extra["forward_args"] = set(params)
    return model.extra["forward_args"]


def to_device(model: LoadedModel, encoding: Any, keep: set[str] | None = None) -> dict[str, Any]:
    """Tensors of ``encoding`` the model accepts, on the model's device."""
    accepted = forward_args(model) if keep is None else keep
    device = model.extra.get("device", "cpu")
    return {k: v.to(device) for k, v in encoding.items() if k in accepted and hasattr(v, "to")}


def tokenizer_of(model: LoadedModel) -> Any:
    proc = model.processor
    return getattr(proc, "tokenizer", None) or proc


def max_length(model: LoadedModel, default: int = 512) -> int:
    tok = tokenizer_of(model)
    limit = getattr(tok, "model_max_length", default) or default
    cfg = getattr(model.model, "config", None)
    for attr in ("max_position_embeddings", "n_positions"):
        n = getattr(cfg, attr, None)
        if isinstance(n, int) and n > 0:
            limit = min(limit, n - 2 if getattr(cfg, "model_type", "") in ("roberta", "xlm-roberta") else n)
    return int(min(limit, 100_000))


def first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def inference_mode() -> Any:
    import torch

    return torch.inference_mode()


def is_encoder_decoder(model: LoadedModel) -> bool:
    return bool(getattr(getattr(model.model, "config", None), "is_encoder_decoder", False))


def generation_kwargs(model: LoadedModel, max_new_tokens: int) -> dict[str, Any]:
    """Fixed-length greedy decoding: exactly ``max_new_tokens`` new tokens per sequence.

    ``min_new_tokens == max_new_tokens`` suppresses end-of-sequence until the last step, so a random-weight model
    costs the same as a trained one. Passed as keyword arguments (not a GenerationConfig object): they override the
    model's generation defaults on transformers 4 and 5 alike (e.g. bart-large-cnn's ``num_beams=4``).
    """
    tok = tokenizer_of(model)
    gen = getattr(model.model, "generation_config", None)
    cfg = getattr(model.model, "config", None)
    eos = getattr(gen, "eos_token_id", None)
    if eos is None:
        eos = getattr(tok, "eos_token_id", None)
    pad = getattr(gen, "pad_token_id", None)
    if pad is None:
        pad = getattr(tok, "pad_token_id", None)
    if pad is None:
        pad = eos[0] if isinstance(eos, list) else eos
    kwargs: dict[str, Any] = {
        "max_new_tokens": int(max_new_tokens),
        "min_new_tokens": int(max_new_tokens),
        "do_sample": False,
        "num_beams": 1,
        "no_repeat_ngram_size": 0,
        "repetition_penalty": 1.0,
        "use_cache": True,
    }
    if pad is not None:
        kwargs["pad_token_id"] = pad
    if eos is not None:
        kwargs["eos_token_id"] = eos
    if cfg is not None and getattr(cfg, "is_encoder_decoder", False):
        start = getattr(gen, "decoder_start_token_id", None)
        if start is None:
            start = getattr(cfg, "decoder_start_token_id", None)
        if start is not None:
            kwargs["decoder_start_token_id"] = start
    return kwargs


def new_token_count(output_ids: Any, prompt_len: int, encoder_decoder: bool) -> int:
    """Generated tokens in a ``generate`` output (batch x length): the positions after the prompt (decoder-only)
    or after the decoder start token (encoder-decoder), summed over the batch."""
    rows, length = output_ids.shape[0], output_ids.shape[1]
    per_row = length - 1 if encoder_decoder else length - prompt_len
    return int(rows * max(per_row, 0))
