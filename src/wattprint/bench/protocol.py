"""The measurement protocol of one run: its phases and what each window holds.

Phases, in order (see docs/protocol.md):

1. ``idle``: idle baseline, ``config.idle_s`` seconds with nothing running
   (idle watts per component, attached to every report so net energy can be given).
2. ``load``: model load, in its own window -> ``RunResult.load``.
3. ``inputs``: read ``n`` raw items (not measured; disk and network).
4. ``preprocess``: tokenise / decode images for all items, in its own window ->
   ``RunResult.preprocess``. Never inside the query window.
5. ``warmup``: ``config.warmup`` inferences, not measured.
6. ``repeat`` x R: the query window holds ONLY the ``task.infer`` calls over the
   prepared batches (``n`` inferences); outputs are kept in a list and
   post-processed and counted after the window closes.
   Generative tasks then run ``task.infer_prefill`` over the same batches in a
   window of their own -> ``RepeatResult.prefill``.
7. summary (mean, std, 95% interval over repeats) and carbon, after measurement.
8. ``quality``: the kept outputs of the first repeat scored against the dataset's
   references (read and label-matched in phase 3, before any measured window;
   see :mod:`wattprint.bench.quality`). A scoring failure is noted in
   ``extra["quality_error"]`` and never loses the measurement.

Units: energy in joules (J) in reports, Wh in the summary, time in seconds (s).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from wattprint.energy.meter import Meter
from wattprint.energy.types import EnergyReport
from wattprint.results.schema import DatasetInfo, ModelInfo, RepeatResult, RunConfig, RunResult, Summary
from wattprint.workloads.base import Batch, DatasetSpec, LoadedModel, ModelSpec, Task

EventFn = Callable[[dict[str, Any]], None]
CheckpointFn = Callable[[RunResult], None]

#: at most this many progress events per repeat (each is one short line to a pipe)
PROGRESS_EVENTS_PER_REPEAT = 40
#: number of post-processed outputs kept in ``RunResult.sample_outputs``
SAMPLE_OUTPUTS = 3


def _noop(_: dict[str, Any]) -> None:
    pass


class _Windows:
    """Opens windows on the run's meter set and stamps the idle baseline on reports."""

    def __init__(self, meterset: Meter, idle_power_w: dict[str, float] | None) -> None:
        from wattprint.energy import Window

        self._window_cls = Window
        self.meterset = meterset
        self.idle_power_w = idle_power_w

    def open(self, name: str) -> Any:
        w = self._window_cls(self.meterset, name=name, idle_power_w=self.idle_power_w)
        w.start()
        return w

    def close(self, window: Any) -> EnergyReport:
        return window.stop()


def _has_prefill(task: Task) -> bool:
    return bool(task.generative) and type(task).infer_prefill is not Task.infer_prefill


def _cycle(items: list[Any], n: int) -> list[Any]:
    """Exactly ``n`` items, repeating the list when the source holds fewer."""
    if len(items) >= n:
        return items[:n]
    reps = math.ceil(n / len(items))
    return (items * reps)[:n]


def _sample(x: Any) -> Any:
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x if not isinstance(x, str) else x[:200]
    if isinstance(x, (list, tuple)):
        return [_sample(v) for v in list(x)[:5]]
    if isinstance(x, dict):
        return {str(k): _sample(v) for k, v in list(x.items())[:8]}
    return f"<{type(x).__name__}>"


def model_info_from(loaded: LoadedModel, config: RunConfig) -> ModelInfo:
    """The result's record of the model: what the loaded model says, with the run's dtype and device."""
    d = loaded.description
    return ModelInfo(
        name=config.model,
        source=d.source,
        revision=d.revision,
        random_weights=d.random_weights,
        parameters=d.parameters,
        dtype=config.dtype,
        device=config.device,
        architecture=d.architecture,
    )


def run_protocol(
    task: Task,
    config: RunConfig,
    meterset: Meter,
    result: RunResult,
    on_event: EventFn | None = None,
    checkpoint: CheckpointFn | None = None,
) -> RunResult:
    """Run every phase of ``config`` with ``task`` on ``meterset``, filling ``result``.

    ``result`` is filled in place as phases finish (so a failure keeps what was
    measured); ``checkpoint(result)`` is called after each phase. Raises whatever
    the task raises: :func:`wattprint.bench.runner.execute` turns that into a
    failed result.
    """
    emit = on_event or _noop
    save = checkpoint or (lambda r: None)
    R, n = config.repeats, config.n

    def phase(name: str, **kw: Any) -> None:
        result.phase = name
        emit({"event": "phase", "phase": name, **kw})

    # 1. idle baseline
    idle_w: dict[str, float] | None = None
    if config.idle_s > 0:
        from wattprint.energy import measure_idle

        phase("idle", seconds=config.idle_s)
        idle_w = {k: float(v) for k, v in measure_idle(meterset, config.idle_s).items()}
        result.idle_power_w = idle_w
        save(result)
    win = _Windows(meterset, idle_w)

    # 2. model load, measured apart
    phase("load", model=config.model)
    spec = ModelSpec(
        name=config.model,
        revision=config.revision,
        device=config.device,
        dtype=config.dtype,
        trust_remote_code=config.trust_remote_code,
        seed=config.seed,
    )
    w = win.open("load")
    loaded = task.load_model(spec)
    result.load = win.close(w)
    result.model_info = model_info_from(loaded, config)
    save(result)

    # 3. inputs (not measured)
    phase("inputs", dataset=config.dataset)
    dspec = DatasetSpec(
        name=config.dataset,
        config=config.dataset_config,
        split=config.split,
        column=config.column,
        seed=config.seed,
    )
    inputs = task.load_inputs(dspec, n)
    if not inputs.items:
        from wattprint.errors import WattprintError

        raise WattprintError(f"dataset {config.dataset!r} gave no items", "check --split and --column")
    items = _cycle(inputs.items, n)
    distinct = min(inputs.distinct, len(items))
    result.dataset_info = DatasetInfo(
        name=config.dataset,
        source=inputs.source,
        config=config.dataset_config,
        split=config.split,
        column=config.column,
        n_items=distinct,
    )
    result.dataset_info.cycled = distinct < n
    from wattprint.bench.quality import prepare_quality

    qrun, note = prepare_quality(task, config, loaded, dspec, items)
    if note:
        result.extra["quality_note"] = note

    # 4. pre-processing in its own window
    phase("preprocess", items=len(items))
    w = win.open("preprocess")
    batches: list[Batch] = list(task.preprocess(loaded, items, config.batch_size))
    result.preprocess = win.close(w)
    per_repeat = sum(b.size for b in batches)
    save(result)

    # 5. warm-up (not measured)
    if config.warmup > 0 and batches:
        phase("warmup", inferences=config.warmup)
        done = 0
        i = 0
        while done < config.warmup:
            b = batches[i % len(batches)]
            task.infer(loaded, b)
            done += b.size
            i += 1

    # 6. repeats
    every = max(1, len(batches) // PROGRESS_EVENTS_PER_REPEAT)
    prefill_ok = _has_prefill(task)
    for r in range(R):
        phase("repeat", repeat=r, repeats=R, total=per_repeat)
        outputs: list[Any] = []
        infer_s = 0.0
        done = 0
        w = win.open(f"query-{r}")
        for j, b in enumerate(batches):
            t0 = time.perf_counter()
            out = task.infer(loaded, b)
            infer_s += time.perf_counter() - t0
            outputs.append(out)
            done += b.size
            if (j + 1) % every == 0:
                emit({"event": "progress", "phase": "repeat", "repeat": r, "done": done, "total": per_repeat})
        energy = win.close(w)
        # outside the window: post-process and count
        counts: dict[str, int] = {}
        samples: list[Any] = []
        for b, out in zip(batches, outputs, strict=True):
            for k, v in (task.count(loaded, b, out) or {}).items():
                counts[k] = counts.get(k, 0) + int(v)
            post = task.postprocess(loaded, b, out)
            if r == 0 and qrun is not None:
                qrun.outputs.extend(post)
            if r == 0 and len(samples) < SAMPLE_OUTPUTS:
                samples.extend(_sample(p) for p in list(post or [])[: SAMPLE_OUTPUTS - len(samples)])
        del outputs
        if r == 0:
            result.sample_outputs = samples
        rep = RepeatResult(index=r, inferences=per_repeat, energy=energy, counts=counts, infer_s=infer_s)

        if prefill_ok:
            phase("prefill", repeat=r, repeats=R, total=per_repeat)
            try:
                w = win.open(f"prefill-{r}")
                for b in batches:
                    task.infer_prefill(loaded, b)
                rep.prefill = win.close(w)
            except NotImplementedError:
                prefill_ok = False
        result.repeats.append(rep)
        emit({"event": "repeat_done", "repeat": r, "repeats": R, "joules": energy.total_joules,
              "duration_s": energy.duration_s})
        save(result)

    # 7. summary (after measurement)
    phase("summary")
    result.summary = Summary.from_repeats(result.repeats)

    # 8. quality (after measurement; the perplexity pass in a window of its own)
    if qrun is not None:
        phase("quality")
        save(result)
        try:
            from wattprint.bench.quality import score_quality

            result.quality, result.quality_compute = score_quality(qrun, task, loaded, win, config.dataset)
        except Exception as exc:  # noqa: BLE001 - a scoring failure never loses the measurement
            from wattprint.errors import WattprintError

            msg = exc.message if isinstance(exc, WattprintError) else f"{type(exc).__name__}: {exc}"
            result.extra["quality_error"] = " ".join(str(msg).split())[:300]
    return result
