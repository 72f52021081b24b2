"""The measurement protocol of one run: its phases and what each window holds.

Phases, in order (see docs/protocol.md), one function each (``idle_phase`` ...
``summary_phase``) over a shared :class:`ProtocolRun`:

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
   ``quality_error`` and never loses the measurement.

Units: energy in joules (J) in reports, Wh in the summary, time in seconds (s).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wattprint.energy.meter import Meter
from wattprint.results.schema import DatasetInfo, ModelInfo, RepeatResult, RunConfig, RunResult, Summary
from wattprint.workloads.base import Batch, LoadedModel, ModelSpec, Task

if TYPE_CHECKING:
    from wattprint.bench.quality import QualityRun
    from wattprint.energy.types import EnergyReport
    from wattprint.energy.window import Window

EventFn = Callable[[dict[str, Any]], None]
CheckpointFn = Callable[[RunResult], None]

#: at most this many progress events per repeat (each is one short line to a pipe)
PROGRESS_EVENTS_PER_REPEAT = 40
#: number of post-processed outputs kept in ``RunResult.sample_outputs``
SAMPLE_OUTPUTS = 3


def _noop(_: dict[str, Any]) -> None:
    pass


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


@dataclass
class ProtocolRun:
    """What the phases of one run share: the task, its config, where results and events go, and what
    earlier phases produced (the loaded model, the prepared batches). Each phase is one function."""

    task: Task
    config: RunConfig
    meterset: Meter
    result: RunResult
    emit: EventFn
    save: CheckpointFn
    idle_power_w: dict[str, float] | None = None
    loaded: LoadedModel | None = None
    batches: list[Batch] = field(default_factory=list)
    quality: QualityRun | None = None

    @property
    def per_repeat(self) -> int:
        """Inferences in one pass over the prepared batches (= ``config.n``)."""
        return sum(b.size for b in self.batches)

    def enter(self, name: str, **event: Any) -> None:
        """Record that phase ``name`` starts (kept in checkpoints: a failure says where) and tell the caller."""
        self.result.phase = name
        self.emit({"event": "phase", "phase": name, **event})

    def open(self, name: str) -> Window:
        """Open a measurement window on the run's meters, stamped with the idle baseline."""
        from wattprint.energy import Window

        w = Window(self.meterset, name=name, idle_power_w=self.idle_power_w)
        w.start()
        return w

    def close(self, window: Window) -> EnergyReport:
        """Close a window opened with :meth:`open` and return its report."""
        return window.stop()

    def model(self) -> LoadedModel:
        if self.loaded is None:
            raise RuntimeError("the load phase has not run")
        return self.loaded


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
    run = ProtocolRun(task=task, config=config, meterset=meterset, result=result, emit=on_event or _noop,
                      save=checkpoint or _no_checkpoint)
    idle_phase(run)
    load_phase(run)
    items = inputs_phase(run)
    preprocess_phase(run, items)
    warmup_phase(run)
    prefill = _has_prefill(task)
    for r in range(config.repeats):
        rep = repeat_phase(run, r)
        if prefill:
            prefill = prefill_phase(run, rep)
        result.repeats.append(rep)
        run.emit({"event": "repeat_done", "repeat": r, "repeats": config.repeats, "joules": rep.energy.total_joules,
                  "duration_s": rep.energy.duration_s})
        run.save(result)
    summary_phase(run)
    quality_phase(run)
    return result


def idle_phase(run: ProtocolRun) -> None:
    """1. Idle baseline: ``config.idle_s`` s with nothing running -> W per component on every report."""
    if run.config.idle_s <= 0:
        return
    from wattprint.energy import measure_idle

    run.enter("idle", seconds=run.config.idle_s)
    run.idle_power_w = {k: float(v) for k, v in measure_idle(run.meterset, run.config.idle_s).items()}
    run.result.idle_power_w = run.idle_power_w
    run.save(run.result)


def load_phase(run: ProtocolRun) -> None:
    """2. Model load in its own window -> ``result.load`` and ``result.model_info``."""
    config = run.config
    run.enter("load", model=config.model)
    spec = ModelSpec(
        name=config.model,
        revision=config.revision,
        device=config.device,
        dtype=config.dtype,
        trust_remote_code=config.trust_remote_code,
        seed=config.seed,
    )
    w = run.open("load")
    run.loaded = run.task.load_model(spec)
    run.result.load = w.stop()
    run.result.model_info = model_info_from(run.loaded, config)
    run.save(run.result)


def inputs_phase(run: ProtocolRun) -> list[Any]:
    """3. Read exactly ``n`` raw items (not measured: disk and network) -> ``result.dataset_info``."""
    config, n = run.config, run.config.n
    run.enter("inputs", dataset=config.dataset)
    from wattprint.bench.quality import dataset_spec_of

    dspec = dataset_spec_of(config)
    inputs = run.task.load_inputs(dspec, n)
    if not inputs.items:
        from wattprint.errors import WattprintError

        raise WattprintError(f"dataset {config.dataset!r} gave no items", "check --split and --column")
    items = _cycle(inputs.items, n)
    distinct = min(inputs.distinct, len(items))
    run.result.dataset_info = DatasetInfo(
        name=config.dataset,
        source=inputs.source,
        config=config.dataset_config,
        split=config.split,
        column=config.column,
        n_items=distinct,
        cycled=distinct < n,
    )
    from wattprint.bench.quality import prepare_quality

    run.quality, note = prepare_quality(run.task, config, run.model(), dspec, items)
    run.result.quality_note = note or None
    return items


def preprocess_phase(run: ProtocolRun, items: list[Any]) -> None:
    """4. Tokenise / decode every item in its own window -> ``result.preprocess``; never in a query window."""
    run.enter("preprocess", items=len(items))
    w = run.open("preprocess")
    run.batches = list(run.task.preprocess(run.model(), items, run.config.batch_size))
    run.result.preprocess = w.stop()
    run.save(run.result)


def warmup_phase(run: ProtocolRun) -> None:
    """5. ``config.warmup`` inferences, not measured."""
    if run.config.warmup <= 0 or not run.batches:
        return
    run.enter("warmup", inferences=run.config.warmup)
    done = i = 0
    while done < run.config.warmup:
        b = run.batches[i % len(run.batches)]
        run.task.infer(run.model(), b)
        done += b.size
        i += 1


def repeat_phase(run: ProtocolRun, r: int) -> RepeatResult:
    """6. Repeat ``r``: the query window holds ONLY the ``task.infer`` calls over the prepared batches;
    outputs are post-processed and counted after it closes (samples kept from repeat 0)."""
    task, loaded, batches, total = run.task, run.model(), run.batches, run.per_repeat
    run.enter("repeat", repeat=r, repeats=run.config.repeats, total=total)
    every = max(1, len(batches) // PROGRESS_EVENTS_PER_REPEAT)
    outputs: list[Any] = []
    infer_s = 0.0
    done = 0
    w = run.open(f"query-{r}")
    for j, b in enumerate(batches):
        t0 = time.perf_counter()
        out = task.infer(loaded, b)
        infer_s += time.perf_counter() - t0
        outputs.append(out)
        done += b.size
        if (j + 1) % every == 0:
            run.emit({"event": "progress", "phase": "repeat", "repeat": r, "done": done, "total": total})
    energy = w.stop()
    # outside the window: post-process and count
    counts: dict[str, int] = {}
    samples: list[Any] = []
    for b, out in zip(batches, outputs, strict=True):
        for k, v in (task.count(loaded, b, out) or {}).items():
            counts[k] = counts.get(k, 0) + int(v)
        post = task.postprocess(loaded, b, out)
        if r == 0 and run.quality is not None:
            run.quality.outputs.extend(post)
        if r == 0 and len(samples) < SAMPLE_OUTPUTS:
            samples.extend(_sample(p) for p in list(post or [])[: SAMPLE_OUTPUTS - len(samples)])
    del outputs
    if r == 0:
        run.result.sample_outputs = samples
    return RepeatResult(index=r, inferences=total, energy=energy, counts=counts, infer_s=infer_s)


def prefill_phase(run: ProtocolRun, rep: RepeatResult) -> bool:
    """6b. Generative tasks: the prompt pass alone over the same batches, in its own window ->
    ``rep.prefill``. False when the task turns out not to implement it (later repeats skip it)."""
    run.enter("prefill", repeat=rep.index, repeats=run.config.repeats, total=run.per_repeat)
    try:
        w = run.open(f"prefill-{rep.index}")
        for b in run.batches:
            run.task.infer_prefill(run.model(), b)
        rep.prefill = w.stop()
    except NotImplementedError:
        return False
    return True


def summary_phase(run: ProtocolRun) -> None:
    """7. Mean, std and 95% interval over the repeats (after measurement)."""
    run.enter("summary")
    run.result.summary = Summary.from_repeats(run.result.repeats)


def quality_phase(run: ProtocolRun) -> None:
    """8. Score the kept outputs (after measurement; a perplexity pass in a window of its own). A scoring
    failure is noted in ``quality_error`` and never loses the measurement."""
    if run.quality is None:
        return
    run.enter("quality")
    run.save(run.result)
    try:
        from wattprint.bench.quality import score_quality

        run.result.quality, run.result.quality_compute = score_quality(run.quality, run.task, run.model(), run,
                                                                       run.config.dataset)
    except Exception as exc:  # noqa: BLE001 - a scoring failure never loses the measurement
        from wattprint.errors import WattprintError

        msg = exc.message if isinstance(exc, WattprintError) else f"{type(exc).__name__}: {exc}"
        run.result.quality_error = " ".join(str(msg).split())[:300]


def _no_checkpoint(_: RunResult) -> None:
    pass
