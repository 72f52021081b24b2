"""Text tasks end to end on tiny reference architectures and synthetic data (preprocess -> infer -> count)."""

from __future__ import annotations

import pytest

from wattprint.errors import WattprintError
from wattprint.workloads.base import DatasetSpec, ModelSpec, get_task, task_names
from workloads_pipeline import run_task

pytest.importorskip("torch")
pytest.importorskip("transformers")


def _tokens(batches) -> int:
    return sum(int(b.data["attention_mask"].sum()) for b in batches)


def test_registry_has_the_text_tasks_and_study_aliases():
    names = task_names()
    for name in ("text-classification", "token-classification", "question-answering", "fill-mask",
                 "text-generation"):
        assert name in names
    assert get_task("text_classif").name == "text-classification"
    assert get_task("ner").name == "token-classification"
    assert get_task("qa").name == "question-answering"
    assert get_task("extractive-qa").name == "question-answering"
    assert get_task("fillmask").name == "fill-mask"
    assert get_task("masked-lm").name == "fill-mask"
    assert get_task("textgen").name == "text-generation"


def test_unknown_task_suggests_close_match():
    with pytest.raises(WattprintError) as err:
        get_task("text-clasification")
    assert "text-classification" in err.value.hint


def test_unknown_option_is_a_user_error():
    with pytest.raises(WattprintError) as err:
        get_task("text-generation", {"max_new_tokenz": 3})
    assert "max_new_tokens" in err.value.hint


def test_text_classification_end_to_end():
    task, loaded, batches, outputs, totals = run_task("text-classification", n=3, batch_size=2)
    assert [b.size for b in batches] == [2, 1]
    assert totals["inferences"] == 3
    assert totals["input_tokens"] == _tokens(batches) > 3 * 20
    assert len(outputs) == 3 and all(o["label"].startswith("LABEL_") for o in outputs)
    assert loaded.description.source == "arch" and loaded.description.random_weights is True
    assert loaded.description.architecture == "BertForSequenceClassification"
    assert loaded.description.parameters == sum(p.numel() for p in loaded.model.parameters())


def test_token_classification_labels_every_real_token():
    task, loaded, batches, outputs, totals = run_task("token-classification", n=2, batch_size=1)
    assert totals == {"inferences": 2, "input_tokens": _tokens(batches)}
    # every non-special token gets a label: [CLS] and [SEP] are dropped
    for out, b in zip(outputs, batches, strict=False):
        assert len(out) == int(b.data["attention_mask"].sum()) - 2
        assert {o["label"] for o in out} <= set(loaded.model.config.id2label.values())


def test_question_answering_span_lies_in_context():
    task, loaded, batches, outputs, totals = run_task("question-answering", n=3, batch_size=3)
    items = task.load_inputs(DatasetSpec(), 3).items
    assert totals == {"inferences": 3, "input_tokens": _tokens(batches)}
    for item, out in zip(items, outputs, strict=False):
        assert out["answer"] == item["context"][out["start"]:out["end"]]
        assert out["answer"]  # a non-empty span of the context
        assert out["answer"] not in item["question"] or out["answer"] in item["context"]


def test_fill_mask_uses_20_words_with_last_word_masked():
    task, loaded, batches, outputs, totals = run_task("fill-mask", n=2, batch_size=1)
    tok = loaded.processor
    for b in batches:
        ids = b.data["input_ids"][0].tolist()
        assert ids.count(tok.mask_token_id) == 1
        assert ids[-2] == tok.mask_token_id  # last word (before [SEP]) is the mask
        words = tok.decode(ids, skip_special_tokens=False).split()
        assert len(words) == 22  # [CLS] + 19 words + [MASK] + [SEP]
    assert all(len(o) == 5 for o in outputs)
    assert totals["inferences"] == 2


def test_text_generation_fixed_length_counts():
    task, loaded, batches, outputs, totals = run_task("text-generation", n=3, batch_size=2)
    assert totals["output_tokens"] == 3 * 10
    assert totals["input_tokens"] == _tokens(batches)
    for b in batches:  # prompts are the first 20 words
        assert all(len(p.split()) == 20 for p in b.meta["prompts"])
    assert len(outputs) == 3


def test_text_generation_options_change_the_work():
    task, loaded, batches, outputs, totals = run_task("text-generation", n=2, batch_size=1,
                                                       options={"max_new_tokens": 4, "words": 5})
    assert totals["output_tokens"] == 2 * 4
    assert all(len(b.meta["prompts"][0].split()) == 5 for b in batches)


def test_text_generation_prefill_is_one_forward_pass():
    task = get_task("text-generation")
    loaded = task.load_model(ModelSpec(task.tiny_model))
    batch = task.preprocess(loaded, task.load_inputs(DatasetSpec(), 1).items, 1)[0]
    logits = task.infer_prefill(loaded, batch)
    assert logits.shape[:2] == batch.data["input_ids"].shape


def test_tokenization_happens_in_preprocess_not_infer(monkeypatch):
    """infer receives tensors; the tokenizer is never called during infer."""
    import torch

    task = get_task("text-classification")
    loaded = task.load_model(ModelSpec(task.tiny_model))
    batches = task.preprocess(loaded, task.load_inputs(DatasetSpec(), 2).items, 1)
    assert all(isinstance(v, torch.Tensor) for b in batches for v in b.data.values())
    calls = []
    tok_cls = type(loaded.processor)
    for meth in ("__call__", "encode", "batch_encode_plus", "encode_plus"):
        if hasattr(tok_cls, meth):
            orig = getattr(tok_cls, meth)
            monkeypatch.setattr(tok_cls, meth, lambda self, *a, _o=orig, **k: calls.append(1) or _o(self, *a, **k))
    for b in batches:
        task.infer(loaded, b)
    assert calls == []
    task.preprocess(loaded, ["one more text"], 1)
    assert calls  # the spy works: preprocess does call the tokenizer


def test_seeded_weights_are_deterministic():
    task = get_task("text-classification")
    a = task.load_model(ModelSpec(task.tiny_model, seed=1))
    b = task.load_model(ModelSpec(task.tiny_model, seed=1))
    c = task.load_model(ModelSpec(task.tiny_model, seed=2))
    wa, wb, wc = (next(m.model.parameters()) for m in (a, b, c))
    assert bool((wa == wb).all()) and not bool((wa == wc).all())
