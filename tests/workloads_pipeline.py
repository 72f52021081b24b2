"""Shared test helper: one task's whole pipeline (load, inputs, preprocess, infer, postprocess, count)."""

from __future__ import annotations

from wattprint.workloads.base import DatasetSpec, ModelSpec, get_task


def run_task(name: str, n: int, batch_size: int, options: dict | None = None, model: str | None = None):
    """Run ``n`` synthetic items through ``name`` with its tiny model (or ``model``); return
    ``(task, loaded, batches, outputs, totals)`` where ``totals`` sums the task's counts."""
    task = get_task(name, options)
    loaded = task.load_model(ModelSpec(model or task.tiny_model))
    items = task.load_inputs(DatasetSpec(), n).items
    assert len(items) == n
    batches = task.preprocess(loaded, items, batch_size)
    totals: dict[str, int] = {}
    outputs = []
    for batch in batches:
        out = task.infer(loaded, batch)
        outputs.extend(task.postprocess(loaded, batch, out))
        for k, v in task.count(loaded, batch, out).items():
            totals[k] = totals.get(k, 0) + v
    return task, loaded, batches, outputs, totals
