"""Reference architectures (``arch:NAME``): real model shapes with random weights, built offline.

Each architecture is a library config set to the published sizes of a well-known
model (BERT-base, GPT-2, T5, BART-large, ViT-base, ResNet-50, DETR-ResNet-50,
BLIP-base, Stable Diffusion 1.5...) plus an offline tokenizer or image
processor. Random weights cost the same to run as trained ones as long as the
work is the same, which is why generation always runs at a fixed length
(greedy, ``min_new_tokens == max_new_tokens``). Outputs are meaningless.

The task decides the head: ``arch:bert-base`` is a ``BertForSequenceClassification``
under text-classification and a ``BertForMaskedLM`` under fill-mask.
``*-tiny`` variants are for tests (seconds on a CPU).

Parameter counts are computed lazily (the model is built on PyTorch's ``meta``
device, no memory) and cached under ``cache_dir()`` per library version.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wattprint.errors import WattprintError

if TYPE_CHECKING:
    from wattprint.workloads.tasks.common import BaseTask

TEXT_ENCODER_TASKS = ("text-classification", "token-classification", "question-answering", "fill-mask",
                      "sentence-similarity")
ZERO_SHOT = ("zero-shot-classification", "zero-shot-question-answering", "zero-shot-summarization")
SEQ2SEQ_TASKS = ("summarization", *ZERO_SHOT)
CAUSAL_TASKS = ("text-generation", *ZERO_SHOT)


@dataclass(frozen=True)
class Arch:
    """One reference architecture."""

    name: str
    tasks: tuple[str, ...]
    description: str
    tokenizer: str | None  # offline tokenizer family: bert, gpt2, roberta, t5, clip (None: vision only)
    config: Callable[[Any], Any]  # (tokenizer or None) -> library config
    image_processor: Callable[[], Any] | None = None
    kind: str = "transformers"  # transformers | diffusers
    tiny: bool = False
    reference: str = ""  # the published model whose shape this copies
    #: other processors the task reads from ``LoadedModel.extra`` (e.g. an audio feature extractor), built offline
    extras: Callable[[], dict[str, Any]] | None = None


# -- config builders (imports are lazy: transformers loads only when a model is built) --------------------------


def _tf(name: str) -> Any:
    import transformers

    return getattr(transformers, name)


def _bert_base(tok: Any) -> Any:
    return _tf("BertConfig")(vocab_size=max(30522, len(tok)))


def _bert_tiny(tok: Any) -> Any:
    return _tf("BertConfig")(vocab_size=len(tok), hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=512, max_position_embeddings=512)


def _distilbert(tok: Any) -> Any:
    return _tf("DistilBertConfig")(vocab_size=max(30522, len(tok)))


def _roberta_base(tok: Any) -> Any:
    return _tf("RobertaConfig")(vocab_size=50265, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
                                bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5)


def _gpt2_ids(tok: Any) -> dict[str, int]:
    eos = tok.convert_tokens_to_ids("<|endoftext|>")
    return {"bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos}


def _gpt2(tok: Any) -> Any:
    return _tf("GPT2Config")(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12, **_gpt2_ids(tok))


def _gpt2_tiny(tok: Any) -> Any:
    return _tf("GPT2Config")(vocab_size=len(tok), n_positions=256, n_embd=64, n_layer=2, n_head=2, **_gpt2_ids(tok))


def _bloom_560m(tok: Any) -> Any:
    return _tf("BloomConfig")(vocab_size=250880, hidden_size=1024, n_layer=24, n_head=16, **_gpt2_ids(tok))


def _t5(**kw: Any) -> Callable[[Any], Any]:
    def make(tok: Any) -> Any:
        vocab = kw.get("vocab_size") or len(tok)
        rest = {k: v for k, v in kw.items() if k != "vocab_size"}
        return _tf("T5Config")(vocab_size=vocab, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, **rest)

    return make


def _bart(**kw: Any) -> Callable[[Any], Any]:
    def make(tok: Any) -> Any:
        vocab = kw.get("vocab_size") or len(tok)
        rest = {k: v for k, v in kw.items() if k != "vocab_size"}
        return _tf("BartConfig")(vocab_size=vocab, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                 decoder_start_token_id=2, forced_eos_token_id=2, **rest)

    return make


def _vit_base(_tok: Any) -> Any:
    return _tf("ViTConfig")()


def _vit_tiny(_tok: Any) -> Any:
    return _tf("ViTConfig")(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
                            image_size=32, patch_size=8)


def _resnet_50(_tok: Any) -> Any:
    return _tf("ResNetConfig")()


def _detr(full: bool) -> Callable[[Any], Any]:
    def make(_tok: Any) -> Any:
        stages = ["stage1", "stage2", "stage3", "stage4"]
        if full:
            backbone = _tf("ResNetConfig")(out_features=stages)
            extra: dict[str, Any] = {}
        else:
            backbone = _tf("ResNetConfig")(embedding_size=16, hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 1, 1],
                                           layer_type="basic", out_features=stages)
            extra = {"d_model": 32, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
                     "decoder_attention_heads": 2, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "num_queries": 10}
        # a transformers ResNet backbone (no timm), never downloading pretrained backbone weights
        return _tf("DetrConfig")(use_timm_backbone=False, backbone_config=backbone, use_pretrained_backbone=False,
                                 backbone=None, **extra)

    return make


def _blip(full: bool) -> Callable[[Any], Any]:
    def make(tok: Any) -> Any:
        if full:
            return _tf("BlipConfig")()
        text = {"vocab_size": max(len(tok) + 2, 30524), "hidden_size": 32, "num_hidden_layers": 1,
                "num_attention_heads": 2, "intermediate_size": 64, "encoder_hidden_size": 32,
                "max_position_embeddings": 64}
        vision = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
                  "image_size": 32, "patch_size": 8}
        return _tf("BlipConfig")(text_config=text, vision_config=vision, projection_dim=32)

    return make


# -- image processors --------------------------------------------------------------------------------------------


def image_processor_class(name: str) -> Any:
    """``name`` from transformers, preferring the PIL backend (``<name>Pil``, transformers 5) when torchvision
    is missing: transformers 5 made the torchvision backend the default and warns when it falls back."""
    import importlib.util

    import transformers

    if importlib.util.find_spec("torchvision") is None and hasattr(transformers, name + "Pil"):
        return getattr(transformers, name + "Pil")
    return getattr(transformers, name)


def _vit_proc(size: int) -> Callable[[], Any]:
    return lambda: image_processor_class("ViTImageProcessor")(size={"height": size, "width": size})


def _resnet_proc() -> Any:
    return image_processor_class("ConvNextImageProcessor")(size={"shortest_edge": 224}, crop_pct=0.875)


def _detr_proc(full: bool) -> Callable[[], Any]:
    size = {"shortest_edge": 800, "longest_edge": 1333} if full else {"shortest_edge": 64, "longest_edge": 96}
    return lambda: image_processor_class("DetrImageProcessor")(size=size)


def _blip_proc(size: int) -> Callable[[], Any]:
    return lambda: image_processor_class("BlipImageProcessor")(size={"height": size, "width": size})


# -- Stable Diffusion --------------------------------------------------------------------------------------------


def _sd(full: bool) -> Callable[[Any], Any]:
    """Returns a dict of configs for the UNet, VAE and CLIP text encoder (SD-1.5 sizes when ``full``)."""

    def make(tok: Any) -> Any:
        if full:
            unet = {"sample_size": 64, "in_channels": 4, "out_channels": 4, "layers_per_block": 2,
                    "block_out_channels": (320, 640, 1280, 1280), "cross_attention_dim": 768,
                    "attention_head_dim": 8,
                    "down_block_types": ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                         "DownBlock2D"),
                    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                       "CrossAttnUpBlock2D")}
            vae = {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 2,
                   "block_out_channels": (128, 256, 512, 512), "sample_size": 512,
                   "down_block_types": ("DownEncoderBlock2D",) * 4, "up_block_types": ("UpDecoderBlock2D",) * 4}
            text = {"vocab_size": 49408, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                    "num_attention_heads": 12, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
                    "projection_dim": 768}
        else:
            unet = {"sample_size": 16, "in_channels": 4, "out_channels": 4, "layers_per_block": 1,
                    "block_out_channels": (32, 64), "cross_attention_dim": 32, "attention_head_dim": 4,
                    "norm_num_groups": 16,
                    "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
                    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D")}
            vae = {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 1,
                   "block_out_channels": (16, 32), "norm_num_groups": 16, "sample_size": 32,
                   "down_block_types": ("DownEncoderBlock2D",) * 2, "up_block_types": ("UpDecoderBlock2D",) * 2}
            text = {"vocab_size": len(tok), "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                    "num_attention_heads": 4, "max_position_embeddings": 77, "hidden_act": "quick_gelu",
                    "projection_dim": 32}
        bos = tok.convert_tokens_to_ids("<|startoftext|>")
        eos = tok.convert_tokens_to_ids("<|endoftext|>")
        text.update(bos_token_id=bos, eos_token_id=eos, pad_token_id=eos)
        return {"unet": unet, "vae": vae, "text_encoder": text}

    return make


def import_diffusers() -> Any:
    """``import diffusers`` without transformers' torchvision-fallback warnings for image processors that
    Stable Diffusion pipelines import but text-to-image never uses."""
    from transformers.utils import logging as tf_logging

    old = tf_logging.get_verbosity()
    tf_logging.set_verbosity_error()
    try:
        import diffusers
        from diffusers import StableDiffusionPipeline  # noqa: F401  (triggers the lazy imports now)
    finally:
        tf_logging.set_verbosity(old)
    return diffusers


def build_sd_pipeline(configs: dict[str, Any], tokenizer: Any) -> Any:
    """A diffusers ``StableDiffusionPipeline`` from explicit configs (no safety checker, PNDM as in SD-1.5)."""
    from transformers import CLIPTextConfig, CLIPTextModel

    diffusers = import_diffusers()
    AutoencoderKL, PNDMScheduler = diffusers.AutoencoderKL, diffusers.PNDMScheduler
    StableDiffusionPipeline, UNet2DConditionModel = diffusers.StableDiffusionPipeline, diffusers.UNet2DConditionModel

    unet = UNet2DConditionModel(**configs["unet"])
    vae = AutoencoderKL(**configs["vae"])
    text_encoder = CLIPTextModel(CLIPTextConfig(**configs["text_encoder"]))
    scheduler = PNDMScheduler(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                              beta_schedule="scaled_linear", skip_prk_steps=True, steps_offset=1,
                              set_alpha_to_one=False)
    return StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


# -- the registry ------------------------------------------------------------------------------------------------

_T5_SMALL = {"vocab_size": 32128, "d_model": 512, "d_ff": 2048, "d_kv": 64, "num_layers": 6, "num_heads": 8}
_T5_BASE = {"vocab_size": 32128, "d_model": 768, "d_ff": 3072, "d_kv": 64, "num_layers": 12, "num_heads": 12}
_FLAN_T5_BASE = {"vocab_size": 32128, "d_model": 768, "d_ff": 2048, "d_kv": 64, "num_layers": 12, "num_heads": 12,
                 "feed_forward_proj": "gated-gelu", "tie_word_embeddings": False}
_T5_TINY = {"d_model": 64, "d_ff": 128, "d_kv": 32, "num_layers": 2, "num_heads": 2,
            "relative_attention_num_buckets": 8}
_BART_LARGE = {"vocab_size": 50265, "d_model": 1024, "encoder_layers": 12, "decoder_layers": 12,
               "encoder_attention_heads": 16, "decoder_attention_heads": 16, "encoder_ffn_dim": 4096,
               "decoder_ffn_dim": 4096, "max_position_embeddings": 1024}
_BART_TINY = {"d_model": 64, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 2,
              "decoder_attention_heads": 2, "encoder_ffn_dim": 128, "decoder_ffn_dim": 128,
              "max_position_embeddings": 256}

ARCHS: dict[str, Arch] = {a.name: a for a in (
    Arch("bert-base", TEXT_ENCODER_TASKS, "BERT-base encoder (12 layers, 768 hidden)", "bert", _bert_base,
         reference="bert-base-uncased"),
    Arch("bert-tiny", TEXT_ENCODER_TASKS, "2-layer, 128-hidden BERT for tests", "bert", _bert_tiny, tiny=True,
         reference="google/bert_uncased_L-2_H-128_A-2"),
    Arch("distilbert", TEXT_ENCODER_TASKS, "DistilBERT-base encoder (6 layers, 768 hidden)", "bert", _distilbert,
         reference="distilbert-base-uncased"),
    Arch("roberta-base", TEXT_ENCODER_TASKS, "RoBERTa-base encoder (12 layers, 768 hidden, 50k BPE vocab)",
         "roberta", _roberta_base, reference="roberta-base"),
    Arch("gpt2", CAUSAL_TASKS, "GPT-2 small decoder (12 layers, 768 hidden, 50k vocab)", "gpt2", _gpt2,
         reference="gpt2"),
    Arch("gpt2-tiny", CAUSAL_TASKS, "2-layer, 64-hidden GPT-2 for tests", "gpt2", _gpt2_tiny, tiny=True),
    Arch("bloom-560m", CAUSAL_TASKS, "BLOOM(z)-560M decoder (24 layers, 1024 hidden, 250k vocab)", "gpt2",
         _bloom_560m, reference="bigscience/bloomz-560m"),
    Arch("t5-small", SEQ2SEQ_TASKS, "T5-small encoder-decoder (6+6 layers, 512 hidden)", "t5", _t5(**_T5_SMALL),
         reference="t5-small"),
    Arch("t5-base", SEQ2SEQ_TASKS, "T5-base encoder-decoder (12+12 layers, 768 hidden)", "t5", _t5(**_T5_BASE),
         reference="t5-base"),
    Arch("flan-t5-base", SEQ2SEQ_TASKS, "Flan-T5-base (T5 v1.1: gated-GELU, untied head; 12+12 layers)", "t5",
         _t5(**_FLAN_T5_BASE), reference="google/flan-t5-base"),
    Arch("t5-tiny", SEQ2SEQ_TASKS, "2+2-layer, 64-hidden T5 for tests", "t5", _t5(**_T5_TINY), tiny=True),
    Arch("bart-large", SEQ2SEQ_TASKS, "BART-large encoder-decoder (12+12 layers, 1024 hidden)", "roberta",
         _bart(**_BART_LARGE), reference="facebook/bart-large-cnn"),
    Arch("bart-tiny", SEQ2SEQ_TASKS, "2+2-layer, 64-hidden BART for tests", "roberta", _bart(**_BART_TINY),
         tiny=True),
    Arch("vit-base", ("image-classification",), "ViT-base/16 at 224x224 (12 layers, 768 hidden)", None, _vit_base,
         _vit_proc(224), reference="google/vit-base-patch16-224"),
    Arch("vit-tiny", ("image-classification",), "2-layer ViT at 32x32 for tests", None, _vit_tiny, _vit_proc(32),
         tiny=True),
    Arch("resnet-50", ("image-classification",), "ResNet-50 at 224x224", None, _resnet_50, _resnet_proc,
         reference="microsoft/resnet-50"),
    Arch("detr-resnet-50", ("object-detection",), "DETR with a ResNet-50 backbone (inputs resized to 800 short side)",
         None, _detr(True), _detr_proc(True), reference="facebook/detr-resnet-50"),
    Arch("detr-tiny", ("object-detection",), "DETR with a tiny ResNet backbone for tests", None, _detr(False),
         _detr_proc(False), tiny=True),
    Arch("blip-base", ("image-to-text",), "BLIP-base captioner (ViT-B/16 at 384 + BERT-base text decoder)", "bert",
         _blip(True), _blip_proc(384), reference="Salesforce/blip-image-captioning-base"),
    Arch("blip-tiny", ("image-to-text",), "1-layer BLIP at 32x32 for tests", "bert", _blip(False), _blip_proc(32),
         tiny=True),
    Arch("sd-1.5", ("text-to-image",), "Stable Diffusion 1.5 sized UNet (860M) + VAE + CLIP ViT-L/14 text encoder",
         "clip", _sd(True), kind="diffusers", reference="runwayml/stable-diffusion-v1-5"),
    Arch("sd-tiny", ("text-to-image",), "tiny UNet + VAE + CLIP text encoder for tests (16x16 latents)", "clip",
         _sd(False), kind="diffusers", tiny=True),
)}


def register_arch(arch: Arch) -> Arch:
    """Make ``arch`` available as ``arch:NAME`` (a task module registers the reference models it serves)."""
    held = ARCHS.get(arch.name)
    if held is not None and held != arch:
        raise ValueError(f"architecture {arch.name!r} registered twice")
    ARCHS[arch.name] = arch
    return arch


def _load_task_modules() -> None:
    """Task modules register their own architectures on import: load the task catalogue first."""
    from wattprint.workloads.base import TASKS

    TASKS.names()


def get_arch(name: str) -> Arch:
    """The architecture ``name`` (with or without the ``arch:`` prefix); unknown names list the valid ones."""
    key = name.removeprefix("arch:").strip().lower()
    if key not in ARCHS:
        _load_task_modules()
    if key not in ARCHS:
        import difflib

        close = difflib.get_close_matches(key, list(ARCHS), n=3, cutoff=0.5)
        near = f"did you mean {', '.join(close)}? " if close else ""
        raise WattprintError(f"unknown architecture 'arch:{key}'", f"{near}valid: {', '.join(sorted(ARCHS))}")
    return ARCHS[key]


def check_serves(arch: Arch, task_name: str) -> None:
    if task_name not in arch.tasks:
        _load_task_modules()
        others = sorted(a.name for a in ARCHS.values() if task_name in a.tasks)
        raise WattprintError(f"arch:{arch.name} does not serve {task_name}",
                             f"architectures for {task_name}: {', '.join(others) or 'none'}")


def build(arch: Arch, task: BaseTask) -> tuple[Any, Any, dict[str, Any]]:
    """Build ``arch`` for ``task`` with random weights on the CPU: (model, processor, extra)."""
    from wattprint.workloads.offline_tokenizers import tokenizer_for

    check_serves(arch, task.name)
    tok = tokenizer_for(arch.tokenizer) if arch.tokenizer else None
    config = arch.config(tok)
    extra: dict[str, Any] = {}
    if arch.kind == "diffusers":
        return build_sd_pipeline(config, tok), tok, extra
    model = task.model_from_config(config)
    if arch.image_processor is not None:
        extra["image_processor"] = arch.image_processor()
    if arch.extras is not None:
        extra.update(arch.extras())
    return model, tok if tok is not None else extra.get("image_processor"), extra


# -- parameter counts -------------------------------------------------------------------------------------------

_COUNT_LOCK = threading.Lock()


def _versions_key() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("transformers", "diffusers"):
        try:
            parts.append(f"{pkg}={version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg}=none")
    return ",".join(parts)


def count_parameters(model: Any) -> int:
    """Number of parameters of a torch module or a diffusers pipeline (sum over its modules)."""
    import torch

    if isinstance(model, torch.nn.Module):
        return sum(p.numel() for p in model.parameters())
    total = 0
    for part in getattr(model, "components", {}).values():
        if isinstance(part, torch.nn.Module):
            total += sum(p.numel() for p in part.parameters())
    return total


def parameter_count(arch: Arch, task_name: str | None = None) -> int:
    """Parameters of ``arch`` under ``task_name`` (default: its first task), built on the meta device and cached."""
    import torch

    from wattprint.workloads.base import get_task
    from wattprint.workloads.cache import cache_dir

    task_name = task_name or arch.tasks[0]
    key = f"{arch.name}|{task_name}|{_versions_key()}"
    path = cache_dir() / "parameter_counts.json"
    with _COUNT_LOCK:
        try:
            cached = json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, json.JSONDecodeError):
            cached = {}
        if key in cached:
            return int(cached[key])
        task = get_task(task_name)
        with torch.device("meta"):
            model, _, _ = build(arch, task)  # type: ignore[arg-type]
        count = count_parameters(model)
        cached[key] = count
        try:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(cached, indent=1, sort_keys=True))
            tmp.replace(path)
        except OSError:
            pass
        return count


def list_architectures(with_parameters: bool = True) -> list[dict[str, Any]]:
    """One dict per architecture: name, tasks, parameters (int, or None when ``with_parameters`` is False),
    description, tiny, reference (the published model it copies)."""
    _load_task_modules()
    out = []
    for arch in ARCHS.values():
        out.append({
            "name": arch.name,
            "tasks": list(arch.tasks),
            "parameters": parameter_count(arch) if with_parameters else None,
            "description": arch.description,
            "tiny": arch.tiny,
            "reference": arch.reference,
        })
    return out
