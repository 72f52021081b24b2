"""Quality figures from another table, joined to stored runs by model, task and dataset.

Two layouts (CSV; headers are case-insensitive):

* long: ``model, task, dataset, metric, value[, n]``, one figure per row;
* wide: ``model, task[, type], <dataset> (<metric>[, qualifier]), ...``, one column per dataset and metric, like
  the study's released ``eval/performance.csv`` (``sst2 (acc)``, ``squad (f1)``, ``squad_v2 (f1, has answer)``,
  ``samsum (rouge)``); empty cells are no figure.

Names are read the study's way: tasks ``sentiment`` / ``qa`` / ``summarization`` (each also matches its zero-shot
runs), datasets through :data:`~wattprint.results.importers.names.DATASET_ALIASES` (``tomatoes`` ->
``rotten_tomatoes``, ``cnn`` -> ``cnn_dailymail``), metrics ``acc`` -> ``accuracy``, ``f1, has answer`` ->
``f1_has_answer``, ``rouge`` -> ``rouge`` (variant unstated). A model matches a run's model exactly or by the name
after its last ``/``. Every figure is checked (a known metric that fits the task, a value in the metric's range)
before anything is stored: one bad row rejects the whole file, with the row.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from wattprint.contracts.registry import normalize_name
from wattprint.errors import WattprintError
from wattprint.results.importers import names
from wattprint.results.importers.names import DATASET_ALIASES
from wattprint.results.quality import QualityScore, check_metric, check_value
from wattprint.results.schema import RunResult

__all__ = ["QualityRow", "QualityImport", "read_quality_table", "join_quality"]

#: a table's task name -> the stored tasks it matches
STUDY_TASKS: dict[str, tuple[str, ...]] = {
    "sentiment": ("text-classification", "zero-shot-classification"),
    "text-classification": ("text-classification", "zero-shot-classification"),
    "qa": ("question-answering", "zero-shot-question-answering"),
    "question-answering": ("question-answering", "zero-shot-question-answering"),
    "summarization": ("summarization", "zero-shot-summarization"),
}

METRIC_ALIASES = {"acc": "accuracy", "accuracy": "accuracy", "em": "exact_match", "exact match": "exact_match",
                  "f1": "f1", "f1, has answer": "f1_has_answer", "em, has answer": "exact_match_has_answer",
                  "rouge": "rouge", "rouge-1": "rouge1", "rouge-2": "rouge2", "rouge-l": "rougeL",
                  "macro-f1": "macro_f1", "top-1": "top1_accuracy", "top-5": "top5_accuracy",
                  "map@.5": "map_50", "map": "map", "ppl": "perplexity"}

MAX_N = 10**12  # items scored: more than any dataset holds
_WIDE = re.compile(r"^\s*(?P<dataset>[^()]+?)\s*\((?P<metric>[^()]+)\)\s*$")


@dataclass(frozen=True)
class QualityRow:
    """One imported figure; ``line`` is its line in the file (header = 1)."""

    model: str
    task: str
    dataset: str
    metric: str
    value: float
    n: int | None
    line: int

    def tasks(self) -> tuple[str, ...]:
        return STUDY_TASKS.get(self.task, (self.task,))

    def describe(self) -> str:
        return f"line {self.line}: {self.model} / {self.task} / {self.dataset} {self.metric}={self.value:g}"


@dataclass
class QualityImport:
    """Rows matched to runs (each run carries the new scores) and rows that matched no stored run."""

    rows: list[QualityRow]
    updated: list[RunResult] = field(default_factory=list)
    matched: list[tuple[QualityRow, list[str]]] = field(default_factory=list)
    unmatched: list[QualityRow] = field(default_factory=list)


def _metric(name: str) -> str:
    key = " ".join(name.strip().lower().split())
    return METRIC_ALIASES.get(key, name.strip())


def _task(name: str) -> str:
    return normalize_name(name)


def _dataset(name: str) -> str:
    d = name.strip()
    return DATASET_ALIASES.get(d.lower(), d)


def _checked(model: str, task: str, dataset: str, metric: str, raw: str, n: str | None, line: int,
             tasks: Collection[str]) -> QualityRow:
    where = f"line {line}: {model} / {task} / {dataset}"
    if not model.strip() or not task.strip() or not dataset.strip():
        raise WattprintError(f"{where}: model, task and dataset are all needed", "fill them in, or drop the row")
    try:
        value = float(raw)
    except ValueError:
        raise WattprintError(f"{where}: {metric} value {raw!r} is not a number", "values are plain numbers") from None
    t = _task(task)
    for stored in STUDY_TASKS.get(t, (t,)):
        if stored not in tasks:
            raise WattprintError(f"{where}: unknown task {task!r}",
                                 f"tasks: {', '.join(tasks)} (or the study's sentiment, qa)")
        check_metric(stored, metric)
    check_value(metric, value, where)
    count = None
    if n not in (None, ""):
        try:
            f = float(n)
        except ValueError:
            f = math.nan
        if not (math.isfinite(f) and f == int(f) and 0 <= f <= MAX_N):
            raise WattprintError(f"{where}: n {n!r} is not a count of scored items",
                                 f"n is a whole number from 0 to {MAX_N:,}, or left empty") from None
        count = int(f)
    return QualityRow(model.strip(), t, _dataset(dataset), metric, value, count, line)


def _no_conflicts(rows: list[QualityRow], p: Path) -> list[QualityRow]:
    """``rows``, unless two give different values for one model, task, dataset and metric (one would win
    silently); a :class:`WattprintError` names both lines."""
    seen: dict[tuple[str, str, str, str], QualityRow] = {}
    for r in rows:
        key = (r.model, r.task, r.dataset, r.metric)
        first = seen.setdefault(key, r)
        if first.value != r.value:
            raise WattprintError(f"{p.name}: {r.model} / {r.task} / {r.dataset} {r.metric} is {first.value:g} on line "
                                 f"{first.line} and {r.value:g} on line {r.line}",
                                 "keep one figure per model, task, dataset and metric")
    return rows


def read_quality_table(path: str | Path, tasks: Collection[str] = names.STUDY_TASKS) -> list[QualityRow]:
    """Rows of a long- or wide-form quality CSV, all checked; raises for the first bad row (nothing is kept).

    ``tasks``: the canonical task names accepted (the CLI passes the task catalogue; default: the study's).
    """
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WattprintError(f"cannot read {p}: {exc}", "give a CSV file") from None
    if not rows:
        raise WattprintError(f"{p} is empty", "long form: model,task,dataset,metric,value[,n]")
    header = [h.strip() for h in rows[0]]
    low = [h.lower() for h in header]
    col = {h: i for i, h in enumerate(low)}
    for need in ("model", "task"):
        if need not in col:
            raise WattprintError(f"{p}: no {need!r} column (columns: {', '.join(header)})",
                                 "long form: model,task,dataset,metric,value[,n]; wide form: model,task,"
                                 "'<dataset> (<metric>)'...")
    out: list[QualityRow] = []
    if {"dataset", "metric", "value"} <= set(col):
        for k, r in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in r):
                continue
            cell = {h: (r[i] if i < len(r) else "") for h, i in col.items()}
            out.append(_checked(cell["model"], cell["task"], cell["dataset"], _metric(cell["metric"]),
                                cell["value"].strip(), cell.get("n"), k, tasks))
        return _no_conflicts(out, p)
    wide = {i: m for i, h in enumerate(header) if (m := _WIDE.match(h))}
    if not wide:
        raise WattprintError(f"{p}: neither long form (dataset, metric, value columns) nor wide form "
                             f"('<dataset> (<metric>)' columns); columns: {', '.join(header)}",
                             "long form: model,task,dataset,metric,value[,n]")
    for k, r in enumerate(rows[1:], start=2):
        for i, m in wide.items():
            raw = r[i].strip() if i < len(r) else ""
            if raw:
                out.append(_checked(r[col["model"]], r[col["task"]], m.group("dataset"), _metric(m.group("metric")),
                                    raw, None, k, tasks))
    return _no_conflicts(out, p)


def _model_key(name: str) -> str:
    return name.strip().rsplit("/", 1)[-1].lower()


def _dataset_key(name: str) -> str:
    d = name.strip().rstrip("/").lower()
    return DATASET_ALIASES.get(d, d).lower()


def join_quality(rows: list[QualityRow], runs: list[RunResult], source_name: str = "") -> QualityImport:
    """Attach each row to every stored run of its model, task (or its zero-shot twin) and dataset.

    An imported score replaces an earlier imported score of the same metric and dataset (re-importing is
    idempotent); scores measured from outputs are kept. Runs are updated in place and listed in ``updated``.
    """
    result = QualityImport(rows=rows)
    index: dict[tuple[str, str, str], list[RunResult]] = {}
    for r in runs:
        for model in {r.config.model.lower(), _model_key(r.config.model)}:
            index.setdefault((model, r.config.task, _dataset_key(r.config.dataset)), []).append(r)
    touched: dict[str, RunResult] = {}
    for row in rows:
        hits: dict[str, RunResult] = {}
        for task in row.tasks():
            for model in {row.model.lower(), _model_key(row.model)}:
                for r in index.get((model, task, _dataset_key(row.dataset)), []):
                    hits[r.run_id] = r
        if not hits:
            result.unmatched.append(row)
            continue
        score = QualityScore(metric=row.metric, value=row.value, n=row.n, source="imported", dataset=row.dataset,
                             note=f"imported from {source_name}" if source_name else "imported")
        for r in hits.values():
            r.quality = [q for q in r.quality if not (q.source == "imported" and q.metric == row.metric
                                                      and _dataset_key(q.dataset) == _dataset_key(row.dataset))]
            r.quality.append(score)
            touched[r.run_id] = r
        result.matched.append((row, sorted(hits)))
    result.updated = list(touched.values())
    return result
