"""Model sources: arch: registry and errors, local directories, Hub failures, devices, offline tokenizers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wattprint.errors import WattprintError
from wattprint.workloads.base import ModelSpec, get_task

pytest.importorskip("torch")
pytest.importorskip("transformers")


def test_unknown_arch_lists_valid_names():
    task = get_task("text-classification")
    with pytest.raises(WattprintError) as err:
        task.load_model(ModelSpec("arch:bert-bsae"))
    assert "bert-base" in err.value.hint and "gpt2" in err.value.hint


def test_arch_for_another_task_is_refused():
    with pytest.raises(WattprintError) as err:
        get_task("summarization").load_model(ModelSpec("arch:bert-tiny"))
    assert "t5-tiny" in err.value.hint


@pytest.mark.ci_may_skip("checks the no-GPU path: skips on a machine with a GPU")
def test_cuda_without_gpu_is_a_user_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(WattprintError) as err:
        get_task("text-classification").load_model(ModelSpec("arch:bert-tiny", device="cuda"))
    assert "--device cpu" in err.value.hint


def test_bad_dtype_and_device_names():
    task = get_task("text-classification")
    with pytest.raises(WattprintError):
        task.load_model(ModelSpec("arch:bert-tiny", dtype="float8"))
    with pytest.raises(WattprintError):
        task.load_model(ModelSpec("arch:bert-tiny", device="tpu"))


def test_dtype_is_applied():
    import torch

    task = get_task("text-classification")
    loaded = task.load_model(ModelSpec("arch:bert-tiny", dtype="bfloat16"))
    assert next(loaded.model.parameters()).dtype == torch.bfloat16
    assert loaded.description.dtype == "bfloat16"
    batch = task.preprocess(loaded, ["a short text"], 1)[0]
    assert task.infer(loaded, batch).dtype == torch.bfloat16


def test_missing_local_directory():
    with pytest.raises(WattprintError) as err:
        get_task("text-classification").load_model(ModelSpec("./no/such/model-dir"))
    assert "arch:" in err.value.hint


def test_local_directory_round_trip(tmp_path):
    """A model saved with save_pretrained loads back as a local model with the same outputs."""
    import torch

    task = get_task("text-classification")
    built = task.load_model(ModelSpec("arch:bert-tiny"))
    built.model.save_pretrained(tmp_path)
    built.processor.save_pretrained(tmp_path)
    loaded = task.load_model(ModelSpec(str(tmp_path)))
    assert loaded.description.source == "local" and loaded.description.random_weights is False
    assert loaded.description.parameters == built.description.parameters
    b1 = task.preprocess(built, ["the same words"], 1)[0]
    b2 = task.preprocess(loaded, ["the same words"], 1)[0]
    assert torch.equal(b1.data["input_ids"], b2.data["input_ids"])
    assert torch.allclose(task.infer(built, b1), task.infer(loaded, b2), atol=1e-5)


@pytest.mark.slow
def test_unreachable_hub_id_is_a_clear_error():
    code = ("from wattprint.workloads.base import get_task, ModelSpec\n"
            "from wattprint.errors import WattprintError\n"
            "try:\n"
            "    get_task('text-classification').load_model(ModelSpec('nobody-here/no-such-model'))\n"
            "except WattprintError as e:\n"
            "    print('HINT', e.hint)\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "HINT" in proc.stdout, proc.stderr[-2000:]
    assert "arch:" in proc.stdout and "offline" in proc.stdout


def test_list_architectures_reports_tasks_and_parameters():
    from wattprint.workloads.architectures import ARCHS, parameter_count
    from wattprint.workloads.models import list_architectures

    archs = {a["name"]: a for a in list_architectures(with_parameters=False)}
    expected = {"bert-base", "distilbert", "roberta-base", "gpt2", "t5-small", "t5-base", "bart-large", "vit-base",
                "resnet-50", "detr-resnet-50", "blip-base", "sd-1.5", "bert-tiny", "gpt2-tiny", "t5-tiny",
                "vit-tiny", "detr-tiny", "blip-tiny", "sd-tiny"}
    assert expected <= set(archs)
    assert "text-generation" in archs["gpt2"]["tasks"] and archs["gpt2"]["description"]
    # the meta-device count equals the real model's count
    built = get_task("text-generation").load_model(ModelSpec("arch:gpt2-tiny"))
    assert parameter_count(ARCHS["gpt2-tiny"], "text-generation") == built.description.parameters


def test_full_size_parameter_counts_match_the_published_models():
    """Built on the meta device (no memory): the configs really are the reference sizes."""
    import transformers

    from wattprint.workloads.architectures import ARCHS, parameter_count

    published = {  # millions, from the models' cards / the study's model_parameters.csv
        ("bert-base", "fill-mask"): 110, ("gpt2", "text-generation"): 124, ("t5-base", "summarization"): 223,
        ("bart-large", "summarization"): 406, ("vit-base", "image-classification"): 86.6,
        ("resnet-50", "image-classification"): 25.6, ("detr-resnet-50", "object-detection"): 41.6,
        # BLIP-base: 224M distinct tensors; the Hub's 247M counts the tied 30,524 x 768 text head twice
        ("blip-base", "image-to-text"): 224,
        # Flan-T5-base: 248M with its untied LM head on transformers 4; transformers 5 always ties T5 heads (223M)
        ("flan-t5-base", "zero-shot-summarization"): 248 if transformers.__version__.startswith("4.") else 223,
    }
    for (name, task), millions in published.items():
        count = parameter_count(ARCHS[name], task) / 1e6
        assert abs(count - millions) / millions < 0.03, (name, count)


def test_offline_tokenizers_are_cached_and_round_trip(tmp_path, monkeypatch):
    from wattprint.workloads import offline_tokenizers as ot

    monkeypatch.setenv("WATTPRINT_CACHE", str(tmp_path))
    monkeypatch.setattr(ot, "_MEMO", {})
    tok = ot.bpe_tokenizer("t5")
    assert (tmp_path / "tokenizers" / "bpe-t5-v1.json").is_file()
    ids = tok("hello strange world")["input_ids"]
    assert ids[-1] == tok.eos_token_id == 1 and tok.pad_token_id == 0
    assert tok.decode(ids, skip_special_tokens=True) == "hello strange world"
    monkeypatch.setattr(ot, "_MEMO", {})
    again = ot.bpe_tokenizer("t5")  # from the cache file
    assert again("hello strange world")["input_ids"] == ids
    gpt = ot.bpe_tokenizer("gpt2")
    assert gpt.padding_side == "left" and gpt.decode(gpt("any text at all")["input_ids"]) == "any text at all"
    bert = ot.bert_tokenizer()
    assert bert.mask_token == "[MASK]" and bert.cls_token_id is not None
