"""Fakes for the bench tests: a meter driven by a ledger the fake task writes to, and fake tasks.

The :class:`LedgerMeter` reports as cumulative energy exactly what the fake
task has "spent" so far (each phase adds a distinct, known number of joules),
so a test can assert which phases fell inside which window regardless of how
many reads a window makes. :class:`ClockMeter` reports a constant power times
wall time, for tests keyed to time.

Importing this module registers the fake tasks (also in a worker subprocess,
through ``WATTPRINT_WORKER_IMPORTS=fakes_bench``).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from typing import Any

from wattprint.contracts.inputs import Inputs
from wattprint.contracts.models import ModelDescription
from wattprint.energy.meter import Meter
from wattprint.energy.types import Method, Provenance
from wattprint.errors import WattprintError
from wattprint.workloads.base import Batch, DatasetSpec, LoadedModel, ModelSpec, Task, register_task

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


def worker_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker subprocess that runs the fake tasks: ``tests/`` ahead on PYTHONPATH
    (no empty entry, which would put the working folder on the path) and WATTPRINT_WORKER_IMPORTS."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [TESTS_DIR, env.get("PYTHONPATH")]))
    env["WATTPRINT_WORKER_IMPORTS"] = "fakes_bench"
    return env


COUNTER = Provenance(source="fake", method=Method.COUNTER, uncertainty_low=-0.05, uncertainty_high=0.05)
MODEL = Provenance(source="fake-estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0)

# joules each phase of FakeTask adds to the ledger (cpu component; ram gets a tenth)
LOAD_J = 1000.0
PREPROCESS_J_PER_ITEM = 100.0
INFER_J_PER_ITEM = 2.0
PREFILL_J_PER_ITEM = 0.5
POSTPROCESS_J_PER_ITEM = 10000.0
COUNT_J_PER_BATCH = 50000.0

LEDGER: dict[str, float] = {"cpu": 0.0, "ram": 0.0}


def spend(joules: float) -> None:
    LEDGER["cpu"] += joules
    LEDGER["ram"] += joules / 10


def reset_ledger() -> None:
    LEDGER["cpu"] = 0.0
    LEDGER["ram"] = 0.0


class LedgerMeter(Meter):
    """cpu measured (counter), ram estimated (model): reads the ledger."""

    name = "fake"

    def __init__(self) -> None:
        self.closed = False
        self.reads = 0

    def components(self) -> list[str]:
        return ["cpu", "ram"]

    def provenance(self, component: str) -> Provenance:
        return COUNTER if component == "cpu" else MODEL

    def read(self) -> dict[str, float]:
        self.reads += 1
        return dict(LEDGER)

    def close(self) -> None:
        self.closed = True


class ClockMeter(Meter):
    """A constant ``watts`` on one estimated component: joules = watts x elapsed seconds."""

    name = "clock"

    def __init__(self, watts: float = 10.0) -> None:
        self.watts = watts
        self.t0 = time.perf_counter()

    def components(self) -> list[str]:
        return ["cpu"]

    def provenance(self, component: str) -> Provenance:
        return MODEL

    def read(self) -> dict[str, float]:
        return {"cpu": self.watts * (time.perf_counter() - self.t0)}


@register_task
class FakeTask(Task):
    """Spends known joules per phase. Options: fail_in (phase), error (kind), sleep_preprocess_s,
    garble_file (a path overwritten with garbage at each inference), ..."""

    name = "fake-task"
    aliases = ("fake",)
    modality = "text"
    generative = False
    default_model = "arch:fake-base"
    tiny_model = "arch:fake-tiny"

    def _maybe_fail(self, phase: str) -> None:
        if self.options.get("fail_in") != phase:
            return
        kind = self.options.get("error", "runtime")
        if kind == "oom":
            import torch

            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        if kind == "memory":
            raise MemoryError()
        if kind == "column":
            raise WattprintError("column 'nope' not in dataset (columns: text, label)", "pass --column text")
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if kind == "exit":
            os._exit(3)
        if kind == "sleep":
            time.sleep(float(self.options.get("sleep_s", 60)))
            return
        raise RuntimeError("synthetic failure\nsecond line")

    def load_model(self, spec: ModelSpec) -> LoadedModel:
        if spec.name not in ("arch:fake-base", "arch:fake-tiny"):
            raise WattprintError(f"unknown model {spec.name!r}", "see: wattprint models")
        self._maybe_fail("load")
        spend(LOAD_J)
        about = ModelDescription(name=spec.name, source="arch", random_weights=True, parameters=42,
                                 architecture="fake", dtype=spec.dtype, device=spec.device)
        return LoadedModel(model=object(), description=about, spec=spec)

    def load_inputs(self, dataset: DatasetSpec, n: int) -> Inputs:
        self._maybe_fail("inputs")
        available = min(n, int(self.options.get("available", n)))
        rows = [f"item {i}" for i in range(available)]
        return Inputs(items=[rows[i % available] for i in range(n)], distinct=available, source="synthetic")

    def preprocess(self, model: LoadedModel, items: list[Any], batch_size: int) -> list[Batch]:
        self._maybe_fail("preprocess")
        time.sleep(float(self.options.get("sleep_preprocess_s", 0)))
        spend(PREPROCESS_J_PER_ITEM * len(items))
        return [Batch(data=items[i : i + batch_size], size=len(items[i : i + batch_size]))
                for i in range(0, len(items), batch_size)]

    def infer(self, model: LoadedModel, batch: Batch) -> Any:
        self._maybe_fail("infer")
        if self.options.get("garble_file"):  # e.g. break a fake RAPL counter during the measured phase
            with open(self.options["garble_file"], "w") as f:  # noqa: PTH123
                f.write("garbage\n")
        time.sleep(float(self.options.get("sleep_infer_s", 0)))
        spend(INFER_J_PER_ITEM * batch.size)
        return [s.upper() for s in batch.data]

    def postprocess(self, model: LoadedModel, batch: Batch, output: Any) -> list[Any]:
        time.sleep(float(self.options.get("sleep_postprocess_s", 0)))
        spend(POSTPROCESS_J_PER_ITEM * batch.size)
        return list(output)

    def count(self, model: LoadedModel, batch: Batch, output: Any) -> dict[str, int]:
        spend(COUNT_J_PER_BATCH)
        return {"input_tokens": 3 * batch.size, "output_tokens": 2 * batch.size}


@register_task
class FakeGenTask(FakeTask):
    """Generative fake: infer_prefill spends PREFILL_J_PER_ITEM per item."""

    name = "fake-gen"
    aliases = ()
    generative = True

    def infer_prefill(self, model: LoadedModel, batch: Batch) -> Any:
        spend(PREFILL_J_PER_ITEM * batch.size)
        return None
