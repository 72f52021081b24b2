"""Save a random-weight causal LM to a folder that an inference server can load, offline.

An inference server (``transformers serve``, vLLM) loads a model *directory*: ``config.json``,
``model.safetensors``, ``tokenizer.json`` + ``tokenizer_config.json`` (with a chat template) and
``generation_config.json``. :func:`save_llm_dir` writes one for a Llama-architecture model built
from its config (random weights, no download) with a byte-level BPE tokenizer trained offline in
about a second (:mod:`wattprint.workloads.offline_tokenizers`). Random weights cost what trained
ones do when the output length is fixed (``ignore_eos``), which is how serving benchmarks run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wattprint.errors import WattprintError

#: A minimal chat template (role: content lines, then "assistant:"), so /v1/chat/completions works.
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)


@dataclass(frozen=True)
class LlmShape:
    """Size of a Llama-architecture model (layers, hidden size, heads, context length in tokens)."""

    name: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    max_position_embeddings: int
    vocab_size: int | None = None  # None: the trained tokenizer's size


SHAPES: dict[str, LlmShape] = {
    # head_dim 32: vLLM's CPU attention has no kernel for head_dim 16
    "llama-tiny": LlmShape("llama-tiny", 64, 128, 2, 2, 1, 2048),
    "llama-small": LlmShape("llama-small", 256, 688, 4, 8, 4, 2048),
    "llama-3.1-8b": LlmShape("llama-3.1-8b", 4096, 14336, 32, 32, 8, 8192, 128256),
}


@dataclass(frozen=True)
class SavedModel:
    """What :func:`save_llm_dir` wrote: the folder, its shape and its parameter count."""

    path: Path
    shape: str
    parameters: int


def _check_empty(out: Path) -> None:
    """Refuse a folder that holds anything: a real model's weights and tokenizer would be overwritten."""
    if out.is_dir() and (held := sorted(p.name for p in out.iterdir())):
        shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
        raise WattprintError(f"model folder {out} is not empty (it holds {shown}): nothing was overwritten",
                             hint="give a new or empty folder")


def save_llm_dir(path: str | Path, shape: str = "llama-tiny", *, seed: int = 0, dtype: str = "float32") -> SavedModel:
    """Write a random-weight Llama-architecture model with an offline tokenizer to ``path``.

    ``shape`` is a key of :data:`SHAPES`. Raises :class:`WattprintError` for an unknown shape, a
    folder that is not empty (nothing is overwritten) or an unwritable folder.
    """
    if shape not in SHAPES:
        raise WattprintError(f"unknown model shape {shape!r}", hint=f"one of: {', '.join(SHAPES)}")
    _check_empty(Path(path))
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    from wattprint.workloads.offline_tokenizers import bpe_tokenizer

    s = SHAPES[shape]
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WattprintError(f"cannot create model folder {out}: {exc.strerror}",
                             hint="choose a writable path") from exc
    tok = bpe_tokenizer("gpt2")
    tok.chat_template = CHAT_TEMPLATE
    tok.model_max_length = s.max_position_embeddings
    eos = tok.convert_tokens_to_ids("<|endoftext|>")
    cfg = LlamaConfig(
        vocab_size=s.vocab_size or len(tok),
        hidden_size=s.hidden_size,
        intermediate_size=s.intermediate_size,
        num_hidden_layers=s.num_hidden_layers,
        num_attention_heads=s.num_attention_heads,
        num_key_value_heads=s.num_key_value_heads,
        max_position_embeddings=s.max_position_embeddings,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=eos,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    with torch.device("cpu"):
        model = LlamaForCausalLM(cfg).to(getattr(torch, dtype))
    model.generation_config = GenerationConfig(bos_token_id=eos, eos_token_id=eos, pad_token_id=eos, do_sample=False)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    return SavedModel(out, shape, params)
