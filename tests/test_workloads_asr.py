"""Automatic speech recognition: one task module with its Whisper reference architectures and audio inputs."""

from __future__ import annotations

import io

import pytest

from wattprint.errors import WattprintError
from wattprint.workloads.base import TASKS, DatasetSpec, ModelSpec, get_task, task_class
from wattprint.workloads.datasets import load_inputs

np = pytest.importorskip("numpy")
sf = pytest.importorskip("soundfile")

ASR = "automatic-speech-recognition"


def test_task_architectures_and_input_kind_register_themselves():
    from wattprint.workloads.architectures import get_arch, list_architectures

    assert ASR in TASKS.names()
    assert {TASKS.canonical(a) for a in ("asr", "speech_recognition", "Speech-To-Text")} == {ASR}
    cls = task_class("asr")
    assert cls.modality == "audio" and cls.generative and cls.default_model == "arch:whisper-base"
    assert get_arch("arch:whisper-base").reference == "openai/whisper-base"
    assert get_arch("whisper-tiny").reference == "openai/whisper-tiny"
    archs = {a["name"]: a for a in list_architectures(with_parameters=False)}
    assert archs["whisper-micro"]["tiny"] and archs["whisper-base"]["tasks"] == [ASR]


@pytest.mark.slow
def test_published_shapes_have_the_published_parameter_counts():
    pytest.importorskip("transformers")
    from wattprint.workloads.architectures import get_arch, parameter_count

    # openai/whisper-tiny and openai/whisper-base as the Hub reports them (built on the meta device)
    assert parameter_count(get_arch("whisper-tiny")) == 37_760_640
    assert parameter_count(get_arch("whisper-base")) == 72_593_920


def test_synthetic_clips_are_fixed_length_16khz_and_deterministic():
    a = load_inputs(DatasetSpec(seed=1), 3, "audio")
    b = load_inputs(DatasetSpec(seed=1), 3, "audio")
    assert a.source == "synthetic" and a.distinct == 3 and not a.cycled
    assert all(clip.shape == (160_000,) and clip.dtype == np.float32 for clip in a.items)  # 10 s at 16 kHz
    assert all(np.array_equal(x, y) for x, y in zip(a.items, b.items, strict=True))
    assert not np.array_equal(a.items[0], a.items[1])
    assert 0.05 < float(np.abs(a.items[0]).max()) < 0.5


def test_local_audio_folder_is_read_resampled_and_cycled(tmp_path):
    folder = tmp_path / "clips"
    (folder / "sub").mkdir(parents=True)
    t = np.arange(8000) / 8000.0
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 220 * t)], axis=1) * 0.3
    sf.write(folder / "a.wav", stereo, 8000)  # 1 s, stereo, 8 kHz
    sf.write(folder / "sub" / "b.flac", np.zeros(24000, dtype=np.float32), 16000)  # 1.5 s, mono, 16 kHz
    (folder / "notes.txt").write_text("not audio")
    got = load_inputs(DatasetSpec(str(folder)), 3, "audio")
    assert got.source == "local" and got.distinct == 2 and got.cycled
    assert [len(c) for c in got.items] == [16000, 24000, 16000]  # resampled to 16 kHz, mono
    assert all(c.ndim == 1 and c.dtype == np.float32 for c in got.items)
    # a table of paths relative to the file
    table = tmp_path / "clips.csv"
    table.write_text("audio,text\nclips/a.wav,hello\n")
    assert len(load_inputs(DatasetSpec(str(table)), 1, "audio").items[0]) == 16000


def test_bad_audio_input_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(WattprintError, match="no audio files"):
        load_inputs(DatasetSpec(str(tmp_path / "empty")), 1, "audio")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.wav").write_bytes(b"RIFF not really a wav")
    with pytest.raises(WattprintError, match="cannot read audio"):
        load_inputs(DatasetSpec(str(tmp_path / "bad")), 1, "audio")
    with pytest.raises(WattprintError, match="directories are read as folders of image, audio files"):
        load_inputs(DatasetSpec(str(tmp_path / "bad")), 1, "text")


def test_missing_empty_and_undecodable_files_are_named_with_the_reason(tmp_path):
    task_class("asr")  # registers the audio input kind (run alone, no other test has)
    sf.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 16000)
    (tmp_path / "junk.wav").write_bytes(b"RIFF not really a wav")
    (tmp_path / "dir.wav").mkdir()
    for row, message in (("missing.wav", "cannot read audio file 'missing.wav' in '{t}': No such file or directory"),
                         ("empty.wav", "audio file 'empty.wav' holds no samples"),
                         ("dir.wav", "cannot read audio file 'dir.wav' in '{t}': Is a directory"),
                         ("junk.wav", "cannot read audio file 'junk.wav' in '{t}': Format not recognised")):
        table = tmp_path / f"{row}.csv"
        table.write_text(f"audio\n{row}\n")
        with pytest.raises(WattprintError) as err:
            load_inputs(DatasetSpec(str(table)), 1, "audio")
        assert message.format(t=table) in err.value.message and "System error" not in err.value.message


def test_hub_audio_dataset_is_decoded_with_soundfile_not_torchcodec(tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    clip = tmp_path / "a.flac"
    sf.write(clip, np.zeros(12000, dtype=np.float32), 24000)  # 0.5 s at 24 kHz
    table = datasets.Dataset.from_dict({"audio": [str(clip)], "text": ["hi"]}).cast_column("audio", datasets.Audio())
    hub = datasets.DatasetDict({"test": table})
    monkeypatch.setattr(datasets, "load_dataset", lambda name, config, split=None: hub)
    got = load_inputs(DatasetSpec("someone/speech"), 2, "audio")
    assert got.source == "hub" and got.distinct == 1 and [len(c) for c in got.items] == [8000, 8000]


def test_hub_audio_values_in_every_form(tmp_path):
    from wattprint.workloads.tasks.automatic_speech_recognition import audio_value

    tone = (np.sin(2 * np.pi * 300 * np.arange(44100) / 44100.0) * 0.2).astype(np.float32)
    assert len(audio_value({"array": tone, "sampling_rate": 44100, "path": None}, tmp_path, "hub")) == 16000
    buf = io.BytesIO()
    sf.write(buf, tone[:22050], 22050, format="FLAC")
    assert len(audio_value({"bytes": buf.getvalue(), "path": "x.flac"}, tmp_path, "hub")) == 16000

    class Decoder:  # datasets >= 4 hands out a torchcodec AudioDecoder with this method
        def get_all_samples(self):
            import torch

            return type("Samples", (), {"data": torch.zeros(2, 32000), "sample_rate": 32000})()

    pytest.importorskip("torch")
    assert len(audio_value(Decoder(), tmp_path, "hub")) == 16000
    with pytest.raises(WattprintError, match="cannot read audio from a int value"):
        audio_value(3, tmp_path, "hub")


@pytest.fixture(scope="module")
def micro():
    pytest.importorskip("transformers")
    task = get_task("asr", {"max_new_tokens": 3})
    return task, task.load_model(ModelSpec("arch:whisper-micro"))


def test_fixed_length_transcription_with_counts_and_prefill(micro):
    task, loaded = micro
    assert loaded.description.architecture == "WhisperForConditionalGeneration"
    assert loaded.description.random_weights and loaded.description.source == "arch"
    items = load_inputs(DatasetSpec(seed=0), 3, "audio").items
    batches = task.preprocess(loaded, items, 2)
    assert [b.size for b in batches] == [2, 1]
    assert tuple(batches[0].data["input_features"].shape) == (2, 80, 200)  # the micro model's 2 s window
    totals: dict[str, int] = {}
    for b in batches:
        out = task.infer(loaded, b)
        assert tuple(out.shape) == (b.size, 1 + 3)  # start token + exactly max_new_tokens
        texts = task.postprocess(loaded, b, out)
        assert len(texts) == b.size and all(isinstance(x, str) for x in texts)
        for k, v in task.count(loaded, b, out).items():
            totals[k] = totals.get(k, 0) + v
        logits = task.infer_prefill(loaded, b)
        assert tuple(logits.shape[:2]) == (b.size, 1)
    assert totals == {"inferences": 3, "audio_ms": 30_000, "output_tokens": 9}


def test_unknown_options_and_non_speech_models_are_refused(micro):
    with pytest.raises(WattprintError, match="unknown option"):
        get_task("asr", {"num_beams": 4})
    with pytest.raises(WattprintError, match="does not serve automatic-speech-recognition"):
        get_task("asr").load_model(ModelSpec("arch:bert-tiny"))
