"""Task metrics over predictions and gold references, each with a 95% bootstrap interval.

Pure functions: lists in, :class:`Score` out; no model, no meter, no storage. Well-kept libraries do the
metric work where one exists: scikit-learn (macro-F1), seqeval (entities), rouge-score (ROUGE), sacrebleu
(BLEU), scipy (Spearman), pycocotools (COCO mAP). The SQuAD exact match and F1 follow the
official SQuAD v2 evaluation script's definitions (normalise: lower case, drop punctuation and the articles
a/an/the, collapse white space; F1 over bags of tokens; the best over the gold answers; an unanswerable
question scores 1 only for an empty prediction).

Intervals: percentile bootstrap over items (resample the ``n`` items with replacement, recompute the metric,
take the 2.5th and 97.5th percentiles) with numpy's ``default_rng(BOOTSTRAP_SEED)``. Metrics that are sums
over items (accuracy, means, entity/class counts, token log-likelihoods) are resampled
``BOOTSTRAP_RESAMPLES`` (1,000) times, vectorised (BLEU too, from per-sentence n-gram statistics); COCO mAP,
recomputed by pycocotools per resample, ``CORPUS_RESAMPLES`` (100) times. Each :class:`Score` records its
resample count.
All metric values are dimensionless (fractions 0-1, BLEU 0-100, perplexity >= 1, Spearman -1..1).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

BOOTSTRAP_SEED = 0
BOOTSTRAP_RESAMPLES = 1000
#: COCO mAP is recomputed by pycocotools per resample (about 1.7 s for 1,000 images on one core)
CORPUS_RESAMPLES = 100


@dataclass(frozen=True)
class Score:
    """One metric over ``n`` items with its 95% bootstrap interval (``None`` when ``n < 2``)."""

    metric: str
    value: float
    n: int
    ci95_low: float | None = None
    ci95_high: float | None = None
    resamples: int | None = None
    note: str = ""


# -- bootstrap ---------------------------------------------------------------------------------------------------


def _indices(n: int, resamples: int) -> Any:
    import numpy as np

    return np.random.default_rng(BOOTSTRAP_SEED).integers(0, n, size=(resamples, n))


def _interval(values: Any) -> tuple[float, float]:
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan
    return float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))


def mean_score(metric: str, per_item: Sequence[float], note: str = "") -> Score:
    """Mean of per-item values, bootstrapped (vectorised)."""
    import numpy as np

    x = np.asarray(per_item, dtype=float)
    n = int(x.size)
    if n == 0:
        raise ValueError(f"no items to score for {metric}")
    value = float(x.mean())
    if n < 2:
        return Score(metric, value, n, note=note)
    lo, hi = _interval(x[_indices(n, BOOTSTRAP_RESAMPLES)].mean(axis=1))
    return Score(metric, value, n, lo, hi, BOOTSTRAP_RESAMPLES, note)


def ratio_score(metric: str, counts: Any, stat: Callable[[Any], Any], value: float, note: str = "") -> Score:
    """A metric computed from per-item count rows (``counts``: items x k), bootstrapped on the summed counts.

    ``stat`` maps summed counts (resamples x k) to the metric per resample; ``value`` is the point estimate
    (computed by the library on the full set).
    """
    import numpy as np

    c = np.asarray(counts, dtype=float)
    n = int(c.shape[0])
    if n < 2:
        return Score(metric, value, n, note=note)
    sums = c[_indices(n, BOOTSTRAP_RESAMPLES)].sum(axis=1)
    lo, hi = _interval(stat(sums))
    return Score(metric, value, n, lo, hi, BOOTSTRAP_RESAMPLES, note)


# -- classification ----------------------------------------------------------------------------------------------


def _f1_from_counts(tp: Any, fp: Any, fn: Any) -> Any:
    import numpy as np

    denom = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)


def classification(pred: Sequence[str | None], gold: Sequence[str]) -> list[Score]:
    """Accuracy and macro-F1 (scikit-learn, averaged over the gold label classes).

    A missing prediction (``None``: a zero-shot answer naming no label) counts as wrong.
    """
    import numpy as np
    from sklearn.metrics import f1_score

    if len(pred) != len(gold):
        raise ValueError(f"{len(pred)} predictions for {len(gold)} gold labels")
    p = ["\0none" if x is None else str(x) for x in pred]
    g = [str(x) for x in gold]
    classes = sorted(set(g))
    correct = [float(a == b) for a, b in zip(p, g, strict=True)]
    macro = float(f1_score(g, p, labels=classes, average="macro", zero_division=0))
    # per item and class: (tp, fp, fn) indicators, so resamples re-sum them
    rows = np.zeros((len(g), 3 * len(classes)))
    for i, (a, b) in enumerate(zip(p, g, strict=True)):
        for j, c in enumerate(classes):
            rows[i, 3 * j] = a == c and b == c
            rows[i, 3 * j + 1] = a == c and b != c
            rows[i, 3 * j + 2] = a != c and b == c

    def macro_of(s: Any) -> Any:
        f1 = _f1_from_counts(s[:, 0::3], s[:, 1::3], s[:, 2::3])
        present = (s[:, 0::3] + s[:, 2::3]) > 0  # classes with gold items in this resample
        return (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)

    return [mean_score("accuracy", correct), ratio_score("macro_f1", rows, macro_of, macro)]


def top_k(pred: Sequence[Sequence[str]], gold: Sequence[str], normalize: Callable[[str], str] = str) -> list[Score]:
    """Top-1 and top-5 accuracy: the gold label is the first / among the first five predictions."""
    top1, top5 = [], []
    for ranked, g in zip(pred, gold, strict=True):
        names = [normalize(str(x)) for x in ranked]
        target = normalize(str(g))
        top1.append(float(bool(names) and names[0] == target))
        top5.append(float(target in names[:5]))
    note = "" if all(len(r) >= 5 for r in pred) else "fewer than 5 predictions kept for some items"
    return [mean_score("top1_accuracy", top1), mean_score("top5_accuracy", top5, note)]


def entity_f1(pred: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]) -> list[Score]:
    """Entity-level micro F1 (seqeval, IOB2 / default mode): an entity counts when type and span match."""
    import numpy as np
    from seqeval.metrics import f1_score
    from seqeval.metrics.sequence_labeling import get_entities

    value = float(f1_score([list(g) for g in gold], [list(p) for p in pred], zero_division=0))
    rows = []
    for p, g in zip(pred, gold, strict=True):
        pe, ge = set(get_entities(list(p))), set(get_entities(list(g)))
        rows.append((len(pe & ge), len(pe), len(ge)))

    def f1_of(s: Any) -> Any:
        tp, npred, ngold = s[:, 0], s[:, 1], s[:, 2]
        return _f1_from_counts(tp, npred - tp, ngold - tp)

    return [ratio_score("entity_f1", np.asarray(rows), f1_of, value)]


# -- extractive QA (SQuAD definitions) ---------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", s).split())


def squad_exact(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def squad_f1(prediction: str, gold: str) -> float:
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not p or not g:  # an empty answer only matches an empty answer
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def squad(pred: Sequence[str], answers: Sequence[Sequence[str]]) -> list[Score]:
    """Exact match and F1, best over the gold answers; no gold answer = unanswerable (SQuAD v2).

    Also the has-answer subset (the SQuAD v2 script's ``HasAns_exact`` / ``HasAns_f1``) when some questions are
    unanswerable.
    """
    em, f1, has = [], [], []
    for p, golds in zip(pred, answers, strict=True):
        golds = [str(a) for a in golds if normalize_answer(str(a))] or [""]
        em.append(max(squad_exact(str(p or ""), a) for a in golds))
        f1.append(max(squad_f1(str(p or ""), a) for a in golds))
        has.append(golds != [""])
    scores = [mean_score("exact_match", em), mean_score("f1", f1)]
    if not all(has) and any(has):
        scores += [mean_score("exact_match_has_answer", [e for e, h in zip(em, has, strict=True) if h]),
                   mean_score("f1_has_answer", [x for x, h in zip(f1, has, strict=True) if h])]
    return scores


# -- generated text against references ---------------------------------------------------------------------------


def rouge_bleu(pred: Sequence[str], refs: Sequence[Sequence[str]]) -> list[Score]:
    """ROUGE-1/2/L F-measure (rouge-score, Porter stemmer; best over references; mean over items) and corpus
    BLEU (sacrebleu ``corpus_bleu`` defaults: 13a tokenizer, 4-grams, no lower-casing), 0-100."""
    import sacrebleu
    from rouge_score import rouge_scorer
    from sacrebleu.metrics import BLEU

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    per: dict[str, list[float]] = {"rouge1": [], "rouge2": [], "rougeL": []}
    for p, rs in zip(pred, refs, strict=True):
        rs = [str(r) for r in rs] or [""]
        for key in per:
            per[key].append(max(scorer.score(r, str(p))[key].fmeasure for r in rs))
    # corpus BLEU from per-sentence sufficient statistics (n-gram matches and totals, lengths), so resamples
    # re-sum them: identical to sacrebleu.corpus_bleu on the same items (tested)
    scorer_bleu = BLEU(effective_order=True)  # the order setting changes sentence scores, not the counts
    rows = []
    for p, rs in zip(pred, refs, strict=True):
        st = scorer_bleu.sentence_score(str(p), [str(r) for r in rs] or [""])
        rows.append([*st.counts, *st.totals, st.sys_len, st.ref_len])

    def bleu_of(sums: Any) -> Any:
        return [BLEU.compute_bleu([int(x) for x in s[0:4]], [int(x) for x in s[4:8]], int(s[8]), int(s[9]),
                                  smooth_method="exp").score for s in sums]

    value = float(sacrebleu.corpus_bleu([str(p) for p in pred], _streams(refs)).score)
    return [mean_score(k, v) for k, v in per.items()] + [ratio_score("bleu", rows, bleu_of, value)]


def _streams(refs: Sequence[Sequence[str]]) -> list[list[str]]:
    """sacrebleu's reference streams (equal length): items with fewer references repeat their first one (a repeated
    reference changes neither the clipped counts nor the closest reference length)."""
    width = max((len(rs) for rs in refs), default=1) or 1
    return [[str((list(rs) or [""])[min(k, len(rs) - 1)]) if rs else "" for rs in refs] for k in range(width)]


def perplexity(nll_and_tokens: Sequence[tuple[float, int]]) -> list[Score]:
    """exp(total negative log-likelihood / total tokens) over the reference continuations (nats per token)."""
    import numpy as np

    rows = np.asarray([(float(a), float(b)) for a, b in nll_and_tokens if b > 0])
    if rows.size == 0:
        raise ValueError("no reference tokens to score perplexity on")
    value = float(math.exp(rows[:, 0].sum() / rows[:, 1].sum()))

    def ppl(s: Any) -> Any:
        return np.exp(s[:, 0] / s[:, 1])

    return [ratio_score("perplexity", rows, ppl, value)]


def spearman(pred: Sequence[float], gold: Sequence[float]) -> list[Score]:
    """Spearman rank correlation (scipy) of predicted and gold scores; resamples with constant input are dropped."""
    import warnings

    from scipy.stats import spearmanr

    p = [float(x) for x in pred]
    g = [float(x) for x in gold]

    def rho(idx: Sequence[int]) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = spearmanr([p[i] for i in idx], [g[i] for i in idx]).statistic
        return float(r)

    if len(p) < 3:
        raise ValueError("Spearman correlation needs at least 3 items")
    value = rho(range(len(p)))
    if math.isnan(value):
        raise ValueError("Spearman correlation is undefined: the predicted or gold scores are all equal")
    import numpy as np

    reps = np.asarray([rho(row) for row in _indices(len(p), BOOTSTRAP_RESAMPLES)])
    lo, hi = _interval(reps)
    return [Score("spearman", value, len(p), lo, hi, BOOTSTRAP_RESAMPLES)]


# -- object detection ---------------------------------------------------------------------------------------------


def _coco_map(pred: Sequence[Sequence[dict[str, Any]]], gold: Sequence[dict[str, Any]], ids: dict[str, int],
              idx: Sequence[int]) -> tuple[float, float]:
    """(mAP@[.5:.95], mAP@.5) by pycocotools' COCOeval on the images ``idx`` (duplicates become new images)."""
    import contextlib
    import io

    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images: list[dict[str, Any]] = []
    anns: list[dict[str, Any]] = []
    dets: list[dict[str, Any]] = []
    for img, src in enumerate(idx):
        images.append({"id": img})
        for box, label in zip(gold[src]["boxes"], gold[src]["labels"], strict=True):
            x0, y0, x1, y1 = (float(v) for v in box)
            anns.append({"id": len(anns) + 1, "image_id": img, "category_id": ids[str(label)], "iscrowd": 0,
                         "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0)})
        for d in pred[src]:
            x0, y0, x1, y1 = (float(v) for v in d["box"])
            dets.append({"image_id": img, "category_id": ids[str(d["label"])], "score": float(d["score"]),
                         "bbox": [x0, y0, x1 - x0, y1 - y0]})
    if not anns:
        return math.nan, math.nan
    if not dets:
        return 0.0, 0.0
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": i} for i in ids.values()]}
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    stats = np.asarray(ev.stats[:2], dtype=float)
    return tuple(float(v) if v >= 0 else math.nan for v in stats)  # type: ignore[return-value]


def detection_map(pred: Sequence[Sequence[dict[str, Any]]], gold: Sequence[dict[str, Any]]) -> list[Score]:
    """COCO mAP@[.5:.95] and mAP@.5 (pycocotools ``COCOeval``, 100 detections per image at most).

    ``pred``: per image, ``{"label", "score", "box": [x0, y0, x1, y1]}`` dicts; ``gold``: per image
    ``{"boxes": [[x0, y0, x1, y1], ...], "labels": [...]}``, in the same pixel coordinates.
    """
    names = sorted({str(d["label"]) for p in pred for d in p} | {str(x) for g in gold for x in g["labels"]})
    ids = {n: i + 1 for i, n in enumerate(names)}
    n = len(gold)
    full = _coco_map(pred, gold, ids, range(n))
    if math.isnan(full[0]):
        raise ValueError("mAP is undefined: no gold boxes")
    reps = [_coco_map(pred, gold, ids, row.tolist()) for row in _indices(n, CORPUS_RESAMPLES)] if n >= 2 else []
    out = []
    for j, key in enumerate(("map", "map_50")):
        if reps:
            lo, hi = _interval([r[j] for r in reps])
            out.append(Score(key, full[j], n, lo, hi, CORPUS_RESAMPLES))
        else:
            out.append(Score(key, full[j], n))
    return out
