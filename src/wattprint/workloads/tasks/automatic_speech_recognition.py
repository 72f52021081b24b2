"""Automatic speech recognition (AI Energy Score's ASR task) with a Whisper-architecture encoder-decoder.

One inference = one audio clip transcribed. The clip (mono, 16 kHz) becomes Whisper's log-mel features,
padded or cut to the model's window (30 s for Whisper; the encoder always sees the full window, so its cost
does not depend on the clip's length); the decoder then runs greedily from the decoder start token for
exactly ``max_new_tokens`` new tokens (default 30, about ten seconds of speech), whatever the model's own
generation settings say, so random weights cost what trained ones do. Decoding goes through the generic
``generate`` with the start token alone: Whisper's own long-form, timestamp, temperature-fallback and
language-detection logic is not run (a trained checkpoint spends its first new tokens on its language and
task tokens instead). :meth:`infer_prefill` is the encoder plus the first decoder step.

This module is the whole task: its reference architectures (``arch:whisper-base``, ``arch:whisper-tiny``:
the published shapes of openai/whisper-base and openai/whisper-tiny with random weights, and
``arch:whisper-micro`` for tests) and its input kind (``audio``: synthetic clips, a local folder of
WAV/FLAC/OGG files or a table of their paths, read with ``soundfile``, or a Hub dataset's audio column)
register themselves when it is imported. A Hub dataset's audio columns are read undecoded (bytes or paths)
and decoded with ``soundfile`` too, so no torchcodec or ffmpeg is needed.

Counts: ``inferences``, ``audio_ms`` (milliseconds of input audio, before padding or cutting),
``output_tokens`` (generated tokens, from the output tensor).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, ClassVar

from wattprint.errors import WattprintError
from wattprint.workloads.architectures import Arch, register_arch
from wattprint.workloads.base import Batch, LoadedModel, register_task
from wattprint.workloads.datasets import ItemKind, register_kind
from wattprint.workloads.tasks.common import (
    BaseTask,
    chunks,
    generation_kwargs,
    inference_mode,
    new_token_count,
    tokenizer_of,
)

#: every clip is resampled to this rate (Hz): what Whisper's features expect
SAMPLING_RATE = 16_000
#: length of a synthetic clip (s): fixed, so every synthetic inference is the same work
SYNTHETIC_SECONDS = 10.0
#: local audio files read as a folder dataset (decoded by libsndfile through soundfile; no ffmpeg)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")
TASK = "automatic-speech-recognition"

# -- the input kind: audio clips (mono float32 numpy arrays at 16 kHz) -------------------------------------------


def synthetic_clip(seed: int, index: int) -> Any:
    """A deterministic ``SYNTHETIC_SECONDS`` clip: a few gliding tones in the speech band under syllable-rate
    amplitude bursts, plus faint noise (mono float32 at 16 kHz, peak below 0.5)."""
    import numpy as np

    rng = np.random.default_rng([seed, index])
    t = np.arange(int(SYNTHETIC_SECONDS * SAMPLING_RATE), dtype=np.float64) / SAMPLING_RATE
    clip = np.zeros_like(t)
    for _ in range(3):
        f0, f1 = rng.uniform(120.0, 3000.0, size=2)
        phase = 2 * math.pi * (f0 * t + (f1 - f0) * t**2 / (2 * SYNTHETIC_SECONDS))
        clip += rng.uniform(0.2, 1.0) * np.sin(phase)
    bursts = 0.5 * (1 + np.sin(2 * math.pi * rng.uniform(3.0, 6.0) * t + rng.uniform(0, 2 * math.pi)))
    clip = clip * bursts / 3.0 + 0.01 * rng.standard_normal(t.size)
    return (0.45 * clip / max(1e-9, float(np.abs(clip).max()))).astype(np.float32)


def to_clip(samples: Any, rate: int, what: str = "an audio item") -> Any:
    """Mono float32 samples at 16 kHz from ``samples`` (frames, or frames x channels) at ``rate`` Hz;
    ``what`` names the item in errors (e.g. ``audio file 'a.wav'``)."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if data.ndim != 1 or data.size == 0:
        raise WattprintError(f"{what} holds no samples", "check the audio files or column")
    if int(rate) != SAMPLING_RATE:
        from scipy.signal import resample_poly

        g = math.gcd(int(rate), SAMPLING_RATE)
        data = resample_poly(data, SAMPLING_RATE // g, int(rate) // g).astype(np.float32)
    return data


def _read_file(source: Path | io.BytesIO, name: str, what: str) -> Any:
    """A clip from a file path or audio bytes; ``what`` names it in errors (the file, or the row's bytes)."""
    try:
        import soundfile
    except ImportError:
        raise WattprintError("reading audio files needs soundfile", "pip install 'wattprint[ml]'") from None
    hint = f"give {', '.join(AUDIO_EXTENSIONS)} files that libsndfile decodes"
    try:  # opened here, so a missing or unreadable file says why (libsndfile says 'System error')
        fh = source.open("rb") if isinstance(source, Path) else source
    except OSError as exc:
        raise WattprintError(f"cannot read {what} in {name!r}: {exc.strerror or type(exc).__name__}",
                             "check the path (relative paths are read from the table's folder)") from None
    try:
        with fh:
            data, rate = soundfile.read(fh, dtype="float32", always_2d=False)
    except soundfile.LibsndfileError as exc:
        raise WattprintError(f"cannot read {what} in {name!r}: {exc.error_string}", hint) from None
    except (OSError, RuntimeError) as exc:
        raise WattprintError(f"cannot read {what} in {name!r}: {exc}", hint) from None
    return to_clip(data, rate, what)


def audio_value(value: Any, base: Path, name: str) -> Any:
    """A clip from a column value: a file path (relative to ``base``), a Hub audio feature (a dict with
    ``array`` and ``sampling_rate``, ``bytes`` or ``path``, or a decoder with ``get_all_samples()``)."""
    if isinstance(value, str):
        path = Path(value).expanduser()
        return _read_file(path if path.is_absolute() else base / path, name, f"audio file {value!r}")
    if isinstance(value, dict):
        label = f"audio of {value['path']!r}" if value.get("path") else "an audio item"
        if value.get("array") is not None and value.get("sampling_rate"):
            return to_clip(value["array"], int(value["sampling_rate"]), label)
        if value.get("bytes"):
            return _read_file(io.BytesIO(value["bytes"]), name, label)
        if value.get("path"):
            return audio_value(str(value["path"]), base, name)
    if hasattr(value, "get_all_samples"):  # datasets >= 4 decodes audio to a torchcodec AudioDecoder
        samples = value.get_all_samples()
        return to_clip(samples.data.numpy().T, int(samples.sample_rate))
    raise WattprintError(f"cannot read audio from a {type(value).__name__} value in {name!r}",
                         "the audio column should hold audio features, audio bytes or file paths")


def undecoded_audio(dataset: Any) -> Any:
    """A Hub dataset with its audio columns left undecoded (bytes and paths), so ``soundfile`` decodes them:
    ``datasets`` >= 4 would otherwise decode through torchcodec and ffmpeg."""
    from datasets import Audio

    for column, feature in dataset.features.items():
        if isinstance(feature, Audio) and feature.decode:
            dataset = dataset.cast_column(column, Audio(decode=False))
    return dataset


AUDIO = register_kind(ItemKind(name="audio", candidates=("audio", "speech", "file", "path", "audio_path"),
                               convert=audio_value, synthetic=synthetic_clip, folder_extensions=AUDIO_EXTENSIONS,
                               prepare_hub=undecoded_audio))

# -- reference architectures ---------------------------------------------------------------------------------------


def _whisper(vocab: int | None, chunk_s: int, **shape: Any) -> Any:
    """Config builder: Whisper with ``shape`` (d_model, layers, heads, ffn), a window of ``chunk_s`` seconds
    (``max_source_positions`` = 50 per second), the real vocabulary size (``vocab``) or the tokenizer's."""

    def make(tok: Any) -> Any:
        from transformers import WhisperConfig

        eos = tok.convert_tokens_to_ids("<|endoftext|>")
        return WhisperConfig(vocab_size=vocab or len(tok), num_mel_bins=80, max_source_positions=50 * chunk_s,
                             max_target_positions=448, pad_token_id=eos, bos_token_id=eos, eos_token_id=eos,
                             decoder_start_token_id=eos, **shape)

    return make


def _features(chunk_s: int) -> Any:
    def make() -> dict[str, Any]:
        from transformers import WhisperFeatureExtractor

        return {"feature_extractor": WhisperFeatureExtractor(feature_size=80, sampling_rate=SAMPLING_RATE,
                                                             chunk_length=chunk_s)}

    return make


def _shape(d_model: int, layers: int, heads: int) -> dict[str, int]:
    return {"d_model": d_model, "encoder_layers": layers, "decoder_layers": layers, "encoder_attention_heads": heads,
            "decoder_attention_heads": heads, "encoder_ffn_dim": 4 * d_model, "decoder_ffn_dim": 4 * d_model}


for _arch in (
    Arch("whisper-base", (TASK,), "Whisper-base encoder-decoder (6+6 layers, 512 hidden, 80 mel bins, 30 s window)",
         "gpt2", _whisper(51865, 30, **_shape(512, 6, 8)), extras=_features(30), reference="openai/whisper-base"),
    Arch("whisper-tiny", (TASK,), "Whisper-tiny encoder-decoder (4+4 layers, 384 hidden, 80 mel bins, 30 s window)",
         "gpt2", _whisper(51865, 30, **_shape(384, 4, 6)), extras=_features(30), reference="openai/whisper-tiny"),
    Arch("whisper-micro", (TASK,), "2+2-layer, 64-hidden Whisper with a 2 s window, for tests", "gpt2",
         _whisper(None, 2, **_shape(64, 2, 2)), extras=_features(2), tiny=True),
):
    register_arch(_arch)

# -- the task ------------------------------------------------------------------------------------------------------


def feature_extractor_of(model: LoadedModel) -> Any:
    fe = model.extra.get("feature_extractor") or getattr(model.processor, "feature_extractor", None)
    if fe is None:
        raise WattprintError("this model has no audio feature extractor",
                             "give a Whisper-style speech model (AutoProcessor with a feature extractor) or arch:NAME")
    return fe


@register_task
class AutomaticSpeechRecognition(BaseTask):
    name = TASK
    aliases = ("asr", "speech-recognition", "speech-to-text", "transcription")
    modality = "audio"
    generative = True
    description = "transcribe an audio clip: an encoder pass over the 30 s window, then one decoder pass per token"
    input_kind = AUDIO.name
    default_model = "arch:whisper-base"
    tiny_model = "arch:whisper-micro"
    auto_class = "AutoModelForSpeechSeq2Seq"
    default_options: ClassVar[dict[str, Any]] = {"max_new_tokens": 30}
    demo_n = 2

    def processor_from_pretrained(self, where: str, **kwargs: Any) -> Any:
        from transformers import AutoProcessor

        return AutoProcessor.from_pretrained(where, **kwargs)

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        fe = feature_extractor_of(model)
        device, dtype = model.extra.get("device", "cpu"), model.extra.get("dtype")
        batches = []
        for group in chunks(items, batch_size):
            enc = fe(list(group), sampling_rate=SAMPLING_RATE, return_tensors="pt")
            features = enc["input_features"].to(device=device, dtype=dtype)
            audio_ms = sum(int(len(clip)) * 1000 // SAMPLING_RATE for clip in group)
            batches.append(Batch(data={"input_features": features}, size=len(group), meta={"audio_ms": audio_ms}))
        return batches

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        from transformers import GenerationMixin

        kwargs = generation_kwargs(model, int(self.options["max_new_tokens"]))
        with inference_mode():  # the generic greedy loop, not Whisper's long-form / language-detection generate
            return GenerationMixin.generate(model.model, **batch.data, **kwargs)

    def infer_prefill(self, model: LoadedModel, batch: Batch) -> Any:
        import torch

        start = generation_kwargs(model, 1)["decoder_start_token_id"]
        features = batch.data["input_features"]
        with inference_mode():
            dec = torch.full((batch.size, 1), int(start), dtype=torch.long, device=features.device)
            return model.model(input_features=features, decoder_input_ids=dec, use_cache=True).logits

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        tok = tokenizer_of(model)
        return [tok.decode(row.tolist(), skip_special_tokens=True) for row in output[:, 1:]]

    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]:
        return {"inferences": batch.size, "audio_ms": int(batch.meta["audio_ms"]),
                "output_tokens": new_token_count(output, 1, True)}
