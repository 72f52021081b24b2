"""Imported CodeCarbon runs in their stored form: typed columns computed straight from the rows,
and the document rebuilt from what was stored only when it is shown.

A million-row import cannot afford a :class:`RunResult` per run (about 200 us each: the
pydantic models, their JSON, its compression). :meth:`StoredForm.stored` turns a run's
:class:`RunPlan` into a :class:`StoredRun`: the figures the store keeps as columns
(computed with the same operations, in the same order, as :meth:`Summary.from_repeats`,
:func:`shape_of` and the store do on the document, so every stored number is the same
float), plus what the document needs and the columns do not hold:

* ``source``: JSON text that many runs share (interned by the store): the run's labels,
  phase choice and inferences, and per row of the run its machine columns, the audit's
  import-wide facts about it (how many rows of the import had its CPU and RAM power, the
  lowest per-GPU power of its GPU model) and, for an emissions-file row, its file;
* ``record``: the run's own fields, packed: its linked emissions file; per row its line,
  timestamp, project name, task name, its nine numbers (durations, energies, emissions,
  powers) as float64 and, for a task log's row, its file.

:func:`rebuild` turns a stored run back into the :class:`RunResult` the importer builds
(:func:`wattprint.results.importers.codecarbon._build` over the same plan and facts): the
same document, to the last byte (``tests/test_import_stored.py``).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from itertools import repeat
from operator import add, attrgetter, methodcaller, mul, ne, neg, sub, truediv
from pathlib import Path
from typing import Any

from wattprint.energy.types import Method, Provenance
from wattprint.results.columns import RunShape, StoredBatch, StoredRun, hardware_of_env
from wattprint.results.importers.codecarbon import (
    _NUMERIC,
    COUNTER_BOUNDS,
    CPU_MODEL_BOUNDS,
    J_PER_KWH,
    RAM_MODEL_BOUNDS,
    Chunk,
    Columns,
    RunPlan,
    _Auditor,
    _build,
    _carbon,
    _config,
    _Converter,
    _device,
    _environment,
    _gpu_key,
    _intensity,
    _kinds,
    _optional,
    _parts,
    _read_span,
    _Row,
    _select,
    _Shared,
    _timestamp,
    emission_chunk,
)
from wattprint.results.importers.names import Labels
from wattprint.results.schema import J_PER_WH, RunResult

__all__ = ["FORMAT", "StoredForm", "rebuild"]

#: version of ``source``/``record``: a store holding a newer one is refused by :func:`rebuild`
FORMAT = 1
#: machine columns a run's document reads, kept once per distinct value set (``source``)
CONTEXT_COLUMNS = ("experiment_id", "os", "python_version", "cpu_model", "cpu_count", "ram_total_size", "gpu_model",
                   "gpu_count", "tracking_mode", "codecarbon_version", "country_iso_code", "region")
#: columns that must hold one value in a chunk for it to be stored at once (:meth:`StoredForm.batch`); the CPU
#: power may vary (RAPL) as long as the audit judges every value of the chunk alike
_CLASS_COLUMNS = (*CONTEXT_COLUMNS, "ram_power")
#: a row's numbers, kept per row (``record``; NaN = no value)
NUMBERS = ("duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed", "cpu_power",
           "gpu_power", "ram_power")
#: a row's own text fields, kept per row (``record``); task_name only in task logs
TEXTS = ("timestamp", "project_name", "task_name")
_ROW = struct.Struct("<I9d")
_LEN = struct.Struct("<I")
_NO_TEXT = 0xFFFFFFFF  # a text's length when it is absent
_ABSENT = _LEN.pack(_NO_TEXT)
_NONE = -1  # a text field absent from the file


def _text(value: str | None) -> bytes:
    """A text in a record: its UTF-8 length, then its bytes (None: :data:`_ABSENT`)."""
    if value is None:
        return _ABSENT
    b = value.encode("utf-8")
    return _LEN.pack(len(b)) + b


class StoredForm:
    """Builds the :class:`StoredRun` of each run of one import (see the module docstring).

    ``aud``: the import's audit facts (final: every file was checked first); ``phase``: the
    task-log phase asked for (``--phase``).
    """

    def __init__(self, aud: _Auditor, inferences: int, phase: str) -> None:
        self.aud = aud
        self.inferences = inferences
        self.phase = phase
        self.shared = _Shared()
        self._rows: dict[tuple[Any, ...], dict[str, Any]] = {}  # row context key -> its JSON-ready dict
        self._sources: dict[tuple[Any, ...], str] = {}  # (run key, row keys) -> source text
        self._shapes: dict[tuple[Any, ...], RunShape] = {}
        self._labels: dict[Method, str] = {}
        self._hardware: dict[int, str] = {}

    def _label(self, method: Method) -> str:
        got = self._labels.get(method)
        if got is None:
            got = self._labels[method] = Provenance(source="codecarbon", method=method, uncertainty_low=0.0,
                                                    uncertainty_high=0.0).label
        return got

    def _shape(self, comps: tuple[tuple[str, Method], ...], audit: tuple[tuple[str, str], ...]) -> RunShape:
        """The :class:`RunShape` of components (name, method) and audit flags (component, reason), as
        :func:`shape_of` makes it from the document; one object per distinct shape."""
        key = (comps, audit)
        shape = self._shapes.get(key)
        if shape is None:
            labels = [self._label(m) for _, m in comps]
            shape = self._shapes[key] = RunShape(
                components=tuple(c for c, _ in comps),
                provenance=tuple((c, lb, m.measured) for (c, m), lb in zip(comps, labels, strict=True)),
                labels=tuple(sorted({lb + f" [{c}]" for (c, _), lb in zip(comps, labels, strict=True)})),
                audit=audit,
            )
        return shape

    def _cpu_powers(self, column: list[str]) -> list[float] | None:
        """A chunk's CPU power per row (W, NaN: none), as rows convert it; None when the audit does not judge
        every value alike (a guess for some, a reading for others, or repeated a different number of times)."""
        values = {raw: _optional(raw.strip()) for raw in set(column)}
        judged = {(self.aud.cpu_guess_of(w), self.aud.cpu_counts.get(w) if w else None) for w in values.values()}
        if len(judged) != 1:
            return None
        return list(map({raw: math.nan if w is None else w for raw, w in values.items()}.__getitem__, column))

    def _hardware_of(self, r: _Row, n_gpu: int, device: str) -> str:
        """The ``hardware`` column of a row's run (:func:`hardware_of_env`), once per distinct machine."""
        env = _environment(r, n_gpu, self.shared)
        got = self._hardware.get(id(env))
        if got is None:
            got = self._hardware[id(env)] = hardware_of_env(env, device)
        return got

    def _row_key(self, r: _Row, in_source: bool) -> tuple[Any, ...]:
        v = r.values
        cpu, ram = v.get("cpu_power"), v.get("ram_power")
        key = (r.file if in_source else None, *[v.get(c, _NONE) for c in CONTEXT_COLUMNS],
               self.aud.cpu_counts.get(cpu) if cpu else None, self.aud.ram_counts.get(ram) if ram else None,
               self.aud.gpu_floor.get(_gpu_key(r)))
        if key not in self._rows:
            self._rows[key] = {
                "file": str(r.file) if in_source else None,
                "values": {c: v[c] for c in CONTEXT_COLUMNS if c in v},
                "cpu_power_rows": key[-3], "ram_power_rows": key[-2], "gpu_floor_w": key[-1],
            }
        return key

    def _source(self, plan: RunPlan) -> tuple[str, list[int]]:
        """The run's source text and, per row, the index of its context in the source's ``rows``."""
        lb, mode = plan.labels, plan.mode
        run_key = (None if lb is None else (lb.task, lb.dataset, lb.dataset_config, json.dumps(lb.options)), mode)
        # an emissions file's rows name their file here (shared by its rows); a task log's run names
        # its files in its record (one task log per run is common: a source per run would be large)
        in_source = mode == "tracker"
        row_keys = [self._row_key(r, in_source) for r in plan.rows]
        distinct = list(dict.fromkeys(row_keys))
        key = (run_key, *distinct)
        text = self._sources.get(key)
        if text is None:
            text = self._sources[key] = json.dumps({
                "kind": "codecarbon", "format": FORMAT,
                "run": {"labels": None if lb is None else [lb.task, lb.dataset, lb.dataset_config, lb.options],
                        "mode": mode, "phase": self.phase, "inferences": self.inferences},
                "rows": [self._rows[k] for k in distinct],
            }, sort_keys=True)
        return text, [distinct.index(k) for k in row_keys]

    def _record(self, plan: RunPlan, ctx: list[int]) -> bytes:
        """The run's own fields, packed: row count, linked file; per row its context's index, line and
        numbers, timestamp, project name, task name and file (absent: in the source; empty: the previous
        row's)."""
        in_source = plan.mode == "tracker"
        out = [_LEN.pack(len(plan.rows)), _text(None if plan.linked_file is None else str(plan.linked_file))]
        previous = None
        for r, k in zip(plan.rows, ctx, strict=True):
            v = r.values
            out.append(_LEN.pack(k))
            out.append(_ROW.pack(r.line, *[math.nan if v[c] is None else v[c] for c in NUMBERS]))
            out.extend(_text(v.get(c)) for c in TEXTS)
            out.append(_ABSENT if in_source else _text("" if r.file is previous else str(r.file)))
            previous = r.file
        return b"".join(out)

    def stored(self, plan: RunPlan, parameters: int | None) -> StoredRun:
        """The columns of ``plan``'s run (the numbers :class:`RunResult` and the store would compute) and
        its ``source``/``record``. ``parameters``: the model's parameter count, if known."""
        used = plan.used
        v = used.values
        model = v["project_name"] or "unknown"
        n_gpu, device = _device(used)
        cfg, config_hash = _config(plan.labels, model, device, self.inferences, self.shared)
        hardware = self._hardware_of(used, n_gpu, device)

        parts, flags = _parts(used, self.aud)
        # RepeatResult -> Summary.from_repeats over one repeat, operation by operation
        joules = [kwh * J_PER_KWH for _, kwh, _, _, _, _ in parts]
        total = sum(joules)
        n = self.inferences
        per_k = total / J_PER_WH / n * 1000
        comps = [(0.0 + j) / J_PER_WH / n * 1000 for j in joules]
        low = sum([j * (1 + p[3]) for j, p in zip(joules, parts, strict=True)])
        high = sum([j * (1 + p[4]) for j, p in zip(joules, parts, strict=True)])
        measured = sum([j for j, p in zip(joules, parts, strict=True) if p[2].measured])
        shares = [sh for _, _, sh in flags]

        shape = self._shape(tuple((p[0], p[2]) for p in parts), tuple((c, why) for c, why, _ in flags))
        values = struct.pack(f"{2 * len(parts) + len(shares)}d", *comps, *[j / 3600.0 for j in joules], *shares)
        factor = _carbon(used, self.shared)
        started = _timestamp(used) - timedelta(seconds=v["duration"])
        source, ctx = self._source(plan)
        by_name = dict(zip(shape.components, comps, strict=True))
        return StoredRun(
            run_id=plan.run_id, config_hash=config_hash, status="ok", origin="codecarbon", task=cfg.task,
            model=model, dataset=cfg.dataset, dataset_config=cfg.dataset_config, hardware=hardware,
            started_at=started.isoformat(), wh_per_1k=per_k, wh_ci95_low=per_k, wh_ci95_high=per_k,
            bounds_low=(0 + low) / J_PER_WH / n * 1000, bounds_high=(0 + high) / J_PER_WH / n * 1000,
            measured_share=(0 + measured) / (0 + total) if total > 0 else 0.0,
            cpu_wh_per_1k=_family(by_name, "cpu"), gpu_wh_per_1k=_family(by_name, "gpu"),
            ram_wh_per_1k=_family(by_name, "ram"),
            s_per_inference=(0 + v["duration"]) / n, inferences=n, parameters=parameters, output_tokens_pi=None,
            intensity_g_per_kwh=None if factor is None else _intensity(used),
            pue=None if factor is None else factor.pue, factor=factor, audited_share=min(1.0, sum(shares)),
            shape=shape, values=values, source=source, record=self._record(plan, ctx),
        )

    def batch(self, conv: _Converter, chunk: list[list[str]], lines: Sequence[int], labels: Labels | None,
              skip_ids: Collection[str], params: dict[str, int]) -> StoredBatch | None:
        """The stored form of a chunk of emissions-file rows (whole-tracker runs), computed column by
        column in C loops (``map``), with the operations :meth:`stored` does per run, in the same order.

        Only for a chunk whose rows share everything but their own numbers and names (machine columns, RAM
        power, CPU powers the audit judges alike, a clean timestamp, energy > 0, every audit flag raised on
        every row); None otherwise, and the caller takes the chunk row by row (:meth:`stored`): the same
        figures either way.
        ``skip_ids``: run ids that are not runs of their own here (a task log has them).
        """
        h = conv.n
        if any(map(ne, map(len, chunk), repeat(h))):
            return None
        ix = {c: i for i, c in enumerate(conv.header)}
        cols = Columns(chunk)
        for c in _CLASS_COLUMNS:
            i = ix.get(c)
            if i is not None and cols[i].count(chunk[0][i]) != len(chunk):
                return None
        ids = list(map(str.strip, cols[ix["run_id"]]))
        if "" in ids or (skip_ids and any(map(skip_ids.__contains__, ids))):
            return None
        first = conv.row(chunk[0], lines[0])
        if first is None:
            return None
        cpu_p = self._cpu_powers(cols[ix["cpu_power"]]) if "cpu_power" in ix else [math.nan] * len(ids)
        if cpu_p is None:
            return None
        try:
            dur, emis, cpu_e, gpu_e, ram_e, ec = (list(map(float, cols[ix[c]])) for c in _NUMERIC)
            gpu_p = list(map(float, cols[ix["gpu_power"]])) if "gpu_power" in ix else [math.nan] * len(ids)
            ts = list(map(str.strip, cols[ix["timestamp"]]))
            ends = list(map(datetime.fromisoformat, ts))
        except ValueError:
            return None
        if "gpu_power" in ix and (not all(map(math.isfinite, gpu_p)) or min(gpu_p) < 0):
            return None  # an ignored power value (None in the row): row by row
        if any(map(attrgetter("tzinfo"), ends)) or min(ec) <= 0:
            return None
        tot_kwh = list(map(add, map(add, cpu_e, gpu_e), ram_e))
        if min(tot_kwh) <= 0:
            return None
        k = _kinds(first, self.aud)
        n = self.inferences
        # _parts_of, column by column
        flags: list[tuple[str, str, list[float]]] = []
        gpu_low: Any = repeat(COUNTER_BOUNDS[0])
        if k.gpu_idle is not None:
            if min(gpu_e) <= 0:
                return None
            n_gpu, floor, why = k.gpu_idle
            if floor is None:
                over = list(map(truediv, map(mul, gpu_e, repeat(n_gpu - 1)), repeat(n_gpu)))
            else:
                idle = map(truediv, map(truediv, map(mul, repeat((n_gpu - 1) * floor), dur), repeat(3600.0)),
                           repeat(1000.0))
                over = list(map(min, gpu_e, idle))
            gpu_low = list(map(max, repeat(-1.0), map(add, map(neg, map(truediv, over, gpu_e)),
                                                      repeat(COUNTER_BOUNDS[0]))))
            flags.append(("gpu", why, _shares(over, tot_kwh)))
        if k.cpu_reason:
            flags.append(("cpu", k.cpu_reason, _shares(cpu_e, tot_kwh)))
            cpu_method, cpu_bounds = Method.MODEL, CPU_MODEL_BOUNDS
        else:
            cpu_method, cpu_bounds = Method.COUNTER, COUNTER_BOUNDS
        flags.append(("ram", k.ram_reason, _shares(ram_e, tot_kwh)))
        if any(min(sh) <= 0 for _, _, sh in flags):
            return None  # a flag without a share is dropped from that run only
        # Summary.from_repeats over one repeat
        gj = list(map(mul, gpu_e, repeat(J_PER_KWH)))
        cj = list(map(mul, cpu_e, repeat(J_PER_KWH)))
        rj = list(map(mul, ram_e, repeat(J_PER_KWH)))
        total = list(map(sum, zip(gj, cj, rj, strict=True)))
        if min(total) <= 0:
            return None
        per_k = list(map(mul, map(truediv, map(truediv, total, repeat(J_PER_WH)), repeat(n)), repeat(1000)))
        comps = [list(map(mul, map(truediv, map(truediv, map(add, repeat(0.0), j), repeat(J_PER_WH)), repeat(n)),
                          repeat(1000))) for j in (gj, cj, rj)]
        lows = map(sum, zip(map(mul, gj, map(add, repeat(1), gpu_low)), map(mul, cj, repeat(1 + cpu_bounds[0])),
                            map(mul, rj, repeat(1 + RAM_MODEL_BOUNDS[0])), strict=True))
        highs = map(sum, zip(map(mul, gj, repeat(1 + COUNTER_BOUNDS[1])), map(mul, cj, repeat(1 + cpu_bounds[1])),
                             map(mul, rj, repeat(1 + RAM_MODEL_BOUNDS[1])), strict=True))
        measured = map(sum, zip(gj, cj, strict=True)) if cpu_method.measured else map(sum, zip(gj))

        def per_1k(xs: Iterable[float]) -> list[float]:
            return list(map(mul, map(truediv, map(truediv, map(add, repeat(0), xs), repeat(J_PER_WH)), repeat(n)),
                            repeat(1000)))

        shares = tuple(sh for _, _, sh in flags)
        shape = self._shape((("gpu", Method.COUNTER), ("cpu", cpu_method), ("ram", Method.MODEL)),
                            tuple((comp, why) for comp, why, _ in flags))
        values = list(map(struct.Struct(f"{6 + len(shares)}d").pack, *comps,
                          *[list(map(truediv, j, repeat(3600.0))) for j in (gj, cj, rj)], *shares))

        models = [m or "unknown" for m in map(str.strip, cols[ix["project_name"]])]
        n_gpu_int, device = _device(first)
        hashes = {m: _config(labels, m, device, n, self.shared) for m in set(models)}
        cfg = next(iter(hashes.values()))[0]
        hardware = self._hardware_of(first, n_gpu_int, device)
        factor = _carbon(first, self.shared)
        starts = map(sub, map(methodcaller("replace", tzinfo=timezone.utc), ends), map(timedelta, repeat(0), dur))
        plan = RunPlan(ids[0], first, "whole tracker", [first], labels, None, "tracker")
        source, _ = self._source(plan)
        v = first.values
        ram_p = math.nan if v["ram_power"] is None else v["ram_power"]
        ts_b = list(map(str.encode, ts))
        pn_b = list(map(str.encode, map(str.strip, cols[ix["project_name"]])))
        rows_packed = map(_ROW.pack, lines, dur, emis, cpu_e, gpu_e, ram_e, ec, cpu_p, gpu_p, repeat(ram_p))
        records = list(map(b"".join, zip(repeat(_LEN.pack(1) + _ABSENT + _LEN.pack(0)), rows_packed,
                                          map(_LEN.pack, map(len, ts_b)), ts_b, map(_LEN.pack, map(len, pn_b)),
                                          pn_b, repeat(_ABSENT + _ABSENT))))
        count = len(ids)
        lows_k, highs_k = per_1k(lows), per_1k(highs)
        return StoredBatch(
            run_ids=ids, models=set(models),
            columns=(
                ids, [hashes[m][1] for m in models], ["ok"] * count, ["codecarbon"] * count, [cfg.task] * count,
                models, [cfg.dataset] * count, [cfg.dataset_config] * count, [hardware] * count,
                list(map(datetime.isoformat, starts)), per_k, per_k, per_k, lows_k, highs_k,
                list(map(truediv, map(add, repeat(0), measured), map(add, repeat(0), total))),
                list(map(add, repeat(0.0), comps[1])), list(map(add, repeat(0.0), comps[0])),
                list(map(add, repeat(0.0), comps[2])),
                list(map(truediv, map(add, repeat(0), dur), repeat(n))), [n] * count,
                [params.get(m) for m in models], [None] * count,
                list(map(truediv, map(mul, emis, repeat(1000.0)), ec)),
                [None if factor is None else factor.pue] * count,
            ),
            audited_share=list(map(min, repeat(1.0), map(sum, zip(*shares, strict=True)))),
            shares=shares, values=values, records=records, factor=factor, shape=shape, source=source,
        )


def _shares(kwh: list[float], total_kwh: list[float]) -> list[float]:
    """``min(1, max(0, kwh / total))`` per row: a component's share of a run's energy (0..1)."""
    return list(map(min, repeat(1.0), map(max, repeat(0.0), map(truediv, kwh, total_kwh))))


def _family(comps: dict[str, float], name: str) -> float | None:
    """Wh per 1,000 of one component family, as the store sums it (its only member here)."""
    return None if name not in comps else 0.0 + comps[name]


def _read_text(record: bytes, pos: int) -> tuple[str | None, int]:
    """The text at ``pos`` (see :func:`_text`) and the position after it."""
    (size,) = _LEN.unpack_from(record, pos)
    pos += _LEN.size
    if size == _NO_TEXT:
        return None, pos
    return record[pos:pos + size].decode("utf-8"), pos + size


def _unpack(record: bytes, rows_ctx: list[dict[str, Any]],
            run_id: str) -> tuple[str | None, list[tuple[dict[str, Any], _Row]]]:
    """A record's linked file and rows, each row with its context (an item of its source's ``rows``)."""
    (count,) = _LEN.unpack_from(record, 0)
    linked, pos = _read_text(record, _LEN.size)
    rows = []
    file: Path | None = None
    for _ in range(count):
        (k,) = _LEN.unpack_from(record, pos)
        pos += _LEN.size
        line, *nums = _ROW.unpack_from(record, pos)
        pos += _ROW.size
        ctx = rows_ctx[k]
        values: dict[str, Any] = dict(ctx["values"])
        values.update((c, None if x != x else x) for c, x in zip(NUMBERS, nums, strict=True))
        for c in TEXTS:
            text, pos = _read_text(record, pos)
            if text is not None:
                values[c] = text
        text, pos = _read_text(record, pos)
        if text != "" or file is None:  # "": the previous row's file
            file = Path(ctx["file"] if text is None else text)
        values["run_id"] = run_id
        rows.append((ctx, _Row(file, line, values)))
    return linked, rows


def rebuild(source: str, record: bytes, run_id: str, parameters: int | None) -> RunResult:
    """The :class:`RunResult` of a stored run: the importer's own ``_build`` over the stored rows,
    labels and audit facts. Raises ValueError for a ``source`` this wattprint cannot read."""
    doc = json.loads(source)
    if doc.get("kind") != "codecarbon" or not isinstance(doc.get("format"), int) or doc["format"] > FORMAT:
        raise ValueError(f"stored run source of kind {doc.get('kind')!r}, format {doc.get('format')!r}: "
                         f"this wattprint reads codecarbon format <= {FORMAT}")
    run = doc["run"]
    linked_text, rows = _unpack(record, doc["rows"], run_id)
    aud = _Auditor()  # the import-wide facts, as far as these rows need them
    for ctx, r in rows:
        cpu, ram = r.values.get("cpu_power"), r.values.get("ram_power")
        if cpu and ctx["cpu_power_rows"] is not None:
            aud.cpu_counts[cpu] = ctx["cpu_power_rows"]
        if ram and ctx["ram_power_rows"] is not None:
            aud.ram_counts[ram] = ctx["ram_power_rows"]
        if ctx["gpu_floor_w"] is not None:
            aud.gpu_floor[_gpu_key(r)] = ctx["gpu_floor_w"]
    lb = run["labels"]
    labels = None if lb is None else Labels(task=lb[0], dataset=lb[1], dataset_config=lb[2], options=lb[3])
    linked = None if linked_text is None else Path(linked_text)
    plan = _select(run_id, [r for _, r in rows], labels, linked, run["mode"], run["phase"])
    model = plan.used.values["project_name"] or "unknown"
    params = {} if parameters is None else {model: parameters}
    return _build(plan, aud, params, run["inferences"], _Shared())


#: this worker process's stored form and facts (set by :func:`start_worker`; one per process)
_WORKER: dict[str, Any] = {}


def start_worker(aud: _Auditor, inferences: int, phase: str, skip: Collection[str], params: dict[str, int]) -> None:
    """Set up a worker process of a large import (the import's audit facts are final by then)."""
    _WORKER.update(form=StoredForm(aud, inferences, phase), skip=skip, params=params)


def span_task(job: tuple[Path, list[str], Labels | None, int, int, int]) -> Chunk:
    """The stored form of one span of an emissions file (a worker process's task)."""
    path, header, labels, start, end, first_line = job
    rows, lines = _read_span(path, start, end, first_line)
    return emission_chunk(_Converter(path, header), rows, lines, labels, _WORKER["form"], _WORKER["skip"],
                          _WORKER["params"])
