"""Task metrics on small labelled sets whose answers are worked out by hand."""

from __future__ import annotations

import math

import pytest

from wattprint.errors import WattprintError
from wattprint.results.quality import METRICS, TASK_METRICS, check_metric, check_value
from wattprint.workloads.quality import metrics
from wattprint.workloads.quality.references import TASK_REFERENCES, convert, match_labels


def by_name(scores):
    return {s.metric: s for s in scores}


def test_accuracy_and_macro_f1_by_hand():
    gold = ["pos", "pos", "pos", "neg", "neg"]
    pred = ["pos", "pos", "neg", "neg", None]  # None: a zero-shot answer naming no label, counted wrong
    s = by_name(metrics.classification(pred, gold))
    assert s["accuracy"].value == pytest.approx(3 / 5)
    # pos: tp 2, fp 0, fn 1 -> F1 = 4/5; neg: tp 1, fp 1, fn 1 -> F1 = 2/4; macro = 0.65
    assert s["macro_f1"].value == pytest.approx(0.65)
    for sc in s.values():
        assert sc.n == 5 and sc.ci95_low <= sc.value <= sc.ci95_high and sc.resamples == 1000


def test_bootstrap_is_seeded_and_narrows_with_n():
    small = metrics.mean_score("accuracy", [1, 0] * 10)
    again = metrics.mean_score("accuracy", [1, 0] * 10)
    big = metrics.mean_score("accuracy", [1, 0] * 500)
    assert (small.ci95_low, small.ci95_high) == (again.ci95_low, again.ci95_high)
    assert big.ci95_high - big.ci95_low < small.ci95_high - small.ci95_low
    assert metrics.mean_score("accuracy", [1]).ci95_low is None  # n = 1: no interval


def test_entity_f1_seqeval():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"]]
    # entities: gold PER, LOC, ORG; predicted PER, ORG(wrong type), ORG -> tp 2, P = 2/3, R = 2/3
    (s,) = metrics.entity_f1(pred, gold)
    assert s.metric == "entity_f1" and s.value == pytest.approx(2 / 3)


def test_squad_definitions_and_unanswerable():
    assert metrics.normalize_answer("The  Eiffel Tower!") == "eiffel tower"
    assert metrics.squad_f1("the Eiffel tower in Paris", "Eiffel Tower") == pytest.approx(2 * 0.5 * 1 / 1.5)
    s = by_name(metrics.squad(
        ["Eiffel Tower", "in 1889", "", "Paris"],
        [["the Eiffel Tower"], ["1889", "in 1889"], [], []],  # the last two are unanswerable
    ))
    # EM: 1, 1, 1 (empty for unanswerable), 0 -> 0.75
    assert s["exact_match"].value == pytest.approx(0.75)
    assert s["f1"].value == pytest.approx(0.75)
    assert s["exact_match_has_answer"].value == 1.0 and s["exact_match_has_answer"].n == 2


def test_top_k():
    s = by_name(metrics.top_k([["cat", "dog"], ["dog", "cat", "x", "y", "z"], ["a", "b", "c", "d", "e", "cat"]],
                              ["cat", "cat", "cat"]))
    assert s["top1_accuracy"].value == pytest.approx(1 / 3)
    assert s["top5_accuracy"].value == pytest.approx(2 / 3)


def test_rouge_and_bleu():
    s = by_name(metrics.rouge_bleu(["the cat sat on the mat", "completely different words"],
                                   [["the cat sat on the mat"], ["a dog barked loudly"]]))
    assert s["rouge1"].value == pytest.approx(0.5)  # 1.0 and 0.0
    assert s["rougeL"].value == pytest.approx(0.5)
    assert 0 < s["bleu"].value < 100 and s["bleu"].resamples == 1000
    same = by_name(metrics.rouge_bleu(["a b c d e"], [["a b c d e", "x"]]))
    assert same["bleu"].value == pytest.approx(100)


def test_bleu_from_sentence_statistics_equals_sacrebleu_corpus_bleu():
    import sacrebleu
    from sacrebleu.metrics import BLEU

    hyps = ["the cat is on the mat", "a quick brown fox jumps", "hello there world", "it rains today in Paris"]
    refs = [["the cat sat on the mat", "there is a cat on the mat"], ["the quick brown fox jumped"],
            ["hello world"], ["today it is raining in Paris", "rain in Paris today"]]
    s = by_name(metrics.rouge_bleu(hyps, refs))
    stats = [BLEU(effective_order=True).sentence_score(h, r) for h, r in zip(hyps, refs, strict=True)]
    summed = BLEU.compute_bleu([sum(x.counts[k] for x in stats) for k in range(4)],
                               [sum(x.totals[k] for x in stats) for k in range(4)],
                               sum(x.sys_len for x in stats), sum(x.ref_len for x in stats), smooth_method="exp")
    assert s["bleu"].value == pytest.approx(summed.score)
    # the library's own corpus score (two reference streams; the shorter lists repeat their first reference)
    streams = [[r[0] for r in refs], [r[-1] for r in refs]]
    assert s["bleu"].value == pytest.approx(sacrebleu.corpus_bleu(hyps, streams).score)
    assert s["bleu"].ci95_low <= s["bleu"].value <= s["bleu"].ci95_high


def test_perplexity_from_token_nll():
    # two items, 2 and 3 tokens, total NLL = 5 * ln 4 -> perplexity 4
    (s,) = metrics.perplexity([(2 * math.log(4), 2), (3 * math.log(4), 3)])
    assert s.value == pytest.approx(4.0)


def test_spearman():
    (s,) = metrics.spearman([0.1, 0.5, 0.3, 0.9], [1.0, 3.0, 2.0, 4.0])
    assert s.value == pytest.approx(1.0)
    (s,) = metrics.spearman([0.9, 0.5, 0.3, 0.1], [1.0, 2.0, 3.0, 4.0])
    assert s.value == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        metrics.spearman([1, 1, 1], [1, 2, 3])


def test_detection_map():
    gold = [{"boxes": [[0, 0, 10, 10]], "labels": ["cat"]}, {"boxes": [[5, 5, 20, 20]], "labels": ["dog"]}]
    perfect = [[{"label": "cat", "score": 0.9, "box": [0, 0, 10, 10]}],
               [{"label": "dog", "score": 0.8, "box": [5, 5, 20, 20]}]]
    s = by_name(metrics.detection_map(perfect, gold))
    assert s["map"].value == pytest.approx(1.0) and s["map_50"].value == pytest.approx(1.0)
    # the dog box shifted: IoU = 10x10 / (225 + 225 - 100)... = 0.29 < 0.5 -> the dog is missed
    shifted = [perfect[0], [{"label": "dog", "score": 0.8, "box": [10, 10, 25, 25]}]]
    s = by_name(metrics.detection_map(shifted, gold))
    assert s["map_50"].value == pytest.approx(0.5)


def test_catalogue_covers_every_scored_task_and_checks_input():
    assert set(TASK_REFERENCES) <= set(TASK_METRICS)
    assert all(m in METRICS for ms in TASK_METRICS.values() for m in ms)
    with pytest.raises(WattprintError, match="does not fit") as e:
        check_metric("text-classification", "bleu")
    assert "accuracy, macro_f1" in e.value.hint
    with pytest.raises(WattprintError, match="outside its range"):
        check_value("accuracy", 93.0, "row 4")
    check_value("bleu", 35.2)


def test_label_matching_by_name_and_map():
    assert match_labels(["NEGATIVE", "POSITIVE"], ["neg", "pos"], None) == {"NEGATIVE": "neg", "POSITIVE": "pos"}
    assert match_labels(["LABEL_0", "LABEL_1"], ["0", "1"], None) == {"LABEL_0": "0", "LABEL_1": "1"}
    with pytest.raises(WattprintError) as e:
        match_labels(["NEGATIVE", "POSITIVE"], ["0", "1"], None)
    assert "NEGATIVE, POSITIVE" in e.value.message and "0, 1" in e.value.message
    assert "--label-map NEGATIVE=0,POSITIVE=1" in e.value.hint
    assert match_labels(["NEGATIVE", "POSITIVE"], ["0", "1"], {"NEGATIVE": "0", "POSITIVE": "1"})["POSITIVE"] == "1"
    with pytest.raises(WattprintError, match="do not exist"):
        match_labels(["NEGATIVE", "POSITIVE"], ["0", "1"], {"NEG": "0"})


def test_reference_conversion():
    assert convert("label", [1, "pos"], {"label": ["neg", "pos"]}, "label") == ["pos", "pos"]
    assert convert("tags", ["O B-PER", '["O", "B-LOC"]'], {}, "tags") == [["O", "B-PER"], ["O", "B-LOC"]]
    assert convert("answers", [{"text": ["a", "b"]}, '{"text": []}', "Paris"], {}, "answers") == \
        [["a", "b"], [], ["Paris"]]
    with pytest.raises(WattprintError, match="row 2"):
        convert("score", ["1.5", "high"], {}, "score")
