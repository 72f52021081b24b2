"""Read CodeCarbon logs (2.x and 3.x) into :class:`RunResult`, with an audit of guessed components.

Two layouts are read:

* ``emissions.csv``: one row per tracked run (``run_id``), the whole tracker window;
* task logs (CodeCarbon's ``start_task``/``stop_task``): a ``task_name`` column, one
  row per phase (the study's ``load model`` and ``query model``).

A run becomes one :class:`RunResult` (``origin="codecarbon"``, ``run_id`` = CodeCarbon's,
so importing twice replaces rather than duplicates) with ONE repeat: the chosen phase's
energy per component (CodeCarbon's kWh turned into J). When a task log and an
emissions.csv row share a ``run_id`` (the study's ``base/`` and ``complete/`` folders),
the task log gives the phases and the emissions.csv's file name gives task and dataset.

Provenance says what CodeCarbon did: GPU from NVML energy counters (method ``counter``),
CPU from RAPL when its power varies, else a TDP model (``model``), RAM always from a
per-GB rule (``model``). The audit flags components that were guessed rather than
measured, with their share of the run's energy:

* CPU power constant at 42.5 W (CodeCarbon's fallback: 50% of an 85 W default TDP, no RAPL),
  or the same constant value repeated across runs;
* RAM power equal to CodeCarbon 2.x's rule of 3 W per 8 GB of installed RAM (0.375 W/GB);
* GPU energy summed over ``gpu_count`` > 1 GPUs in machine mode: the idle GPUs' share is
  estimated as (gpu_count - 1) x the lowest per-GPU power seen for that GPU model in the
  import x the duration.

Everything is parsed and checked before anything is returned; the caller stores the
result in one ``put_many`` transaction, so a bad file imports nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from wattprint.carbon.factor import CarbonInfo
from wattprint.contracts.registry import normalize_name
from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.errors import WattprintError
from wattprint.results.importers.names import STUDY_TASKS, Labels, infer_labels
from wattprint.results.schema import (
    MAX_N,
    AuditFlag,
    DatasetInfo,
    Environment,
    MeterInfo,
    ModelInfo,
    RepeatResult,
    RunConfig,
    RunResult,
    Summary,
)

__all__ = ["ImportOutcome", "ImportStream", "import_codecarbon", "stream_codecarbon", "infer_labels", "read_params",
           "REQUIRED_COLUMNS"]

J_PER_KWH = 3.6e6
#: columns every CodeCarbon 2.x/3.x emissions file and task log has
REQUIRED_COLUMNS = ("timestamp", "project_name", "run_id", "duration", "emissions", "cpu_energy", "gpu_energy",
                    "ram_energy", "energy_consumed")
_NUMERIC = ("duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed")
_OPTIONAL_NUMERIC = ("cpu_power", "gpu_power", "ram_power", "gpu_count", "cpu_count", "ram_total_size", "pue")

#: CodeCarbon's CPU fallback when it cannot read power: 50% of an 85 W default TDP
CPU_FALLBACK_W = 42.5
#: CodeCarbon 2.x RAM rule: 3 W per 8 GB installed
RAM_W_PER_GB = 3.0 / 8.0

#: a TDP model: the true CPU power may be half or double
CPU_MODEL_BOUNDS = (-0.5, 1.0)
#: the per-GB rule overshoots servers (DDR4 draws well under 0.375 W/GB): true value 20-120% of it
RAM_MODEL_BOUNDS = (-0.8, 0.2)
COUNTER_BOUNDS = (-0.05, 0.05)


#: energy_consumed may differ from cpu + gpu + ram by rounding only (the study's logs: < 0.02%)
CONSISTENCY_REL = 0.01
CONSISTENCY_ABS_KWH = 1e-9


@dataclass
class _Row:
    file: Path
    line: int
    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def num(self, col: str) -> float | None:
        return self.values.get(col)

    @property
    def kwh(self) -> float:
        return float(self.values["energy_consumed"])


@dataclass
class ImportOutcome:
    """What an import produced: runs (not yet stored) and what was read, skipped and inferred."""

    results: list[RunResult]
    files_read: int
    task_logs: int
    emissions_files: int
    skipped: list[str] = field(default_factory=list)
    unlabelled: int = 0
    whole_tracker: int = 0
    phase: str = "query"
    parse_seconds: float = 0.0
    params_missing: list[str] = field(default_factory=list)
    #: rows taken with a caveat, each naming its file and line
    warnings: list[str] = field(default_factory=list)

    def by_task(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.config.task] = out.get(r.config.task, 0) + 1
        return dict(sorted(out.items()))


@dataclass
class _Shared:
    """Parts that many runs of one import have in common, built once each (per import, never global).

    Pydantic models are immutable here once built, so runs may share them: the config (and its
    hash), the environment, model and dataset info, and each distinct provenance.
    """

    configs: dict[tuple[object, ...], tuple[RunConfig, str]] = field(default_factory=dict)
    environments: dict[tuple[object, ...], Environment] = field(default_factory=dict)
    models: dict[tuple[object, ...], ModelInfo] = field(default_factory=dict)
    datasets: dict[tuple[object, ...], DatasetInfo] = field(default_factory=dict)
    provenances: dict[tuple[object, ...], Provenance] = field(default_factory=dict)

    def provenance(self, method: Method, low: float, high: float, note: str) -> Provenance:
        key = (method, low, high, note)
        got = self.provenances.get(key)
        if got is None:
            if len(self.provenances) >= 4096:  # bounds that vary per run (idle GPUs): memory stays flat
                self.provenances.clear()
            got = self.provenances[key] = Provenance(source="codecarbon", method=method, uncertainty_low=low,
                                                     uncertainty_high=high, note=note)
        return got


def _err(path: Path, line: int | None, msg: str, hint: str) -> WattprintError:
    where = f"{path}:{line}" if line else str(path)
    return WattprintError(f"{where}: {msg}", hint)


def _open_csv(path: Path, explicit: bool) -> list[str] | None:
    """The checked header; None for a CSV that is not CodeCarbon's when found in a directory."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
    except StopIteration:
        if explicit:
            raise _err(path, None, "empty file", "give a CodeCarbon emissions.csv or task log") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(path, None, f"cannot read: {exc}", "check the path and that it is a text CSV") from exc
    except csv.Error as exc:
        raise _err(path, 1, f"unreadable CSV: {exc}", "is this a CodeCarbon file?") from exc
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        if explicit:
            raise _err(path, 1, f"not a CodeCarbon emissions file: missing column(s) {', '.join(missing)}",
                       "give the emissions.csv CodeCarbon wrote (or a task log with a task_name column)")
        return None
    return header


def _iter_rows(path: Path, header: list[str], explicit: bool) -> Iterator[_Row]:
    """The file's data rows, checked, one at a time (the file is never read whole)."""
    n = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for fields in reader:
                line = reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    continue
                if len(fields) != len(header):
                    raise _err(path, line,
                               f"truncated or malformed row: {len(fields)} fields, header has {len(header)}",
                               "the file looks partial (interrupted write?); fix or remove it, nothing was imported")
                values: dict[str, Any] = dict(zip(header, map(str.strip, fields), strict=True))
                for col in _NUMERIC:
                    try:
                        values[col] = float(values[col])
                    except ValueError:
                        raise _err(path, line, f"column {col!r} is not a number: {values[col]!r}",
                                   "the file looks partial or edited; nothing was imported") from None
                    if not math.isfinite(values[col]) or values[col] < 0:
                        raise _err(path, line, f"column {col!r} is negative, infinite or NaN: {values[col]!r}",
                                   "energy, emissions and duration are finite and never negative in CodeCarbon "
                                   "logs; nothing was imported")
                row_warnings = []
                for col in _OPTIONAL_NUMERIC:
                    raw = values.get(col)
                    try:
                        values[col] = float(raw) if raw not in (None, "") else None
                    except ValueError:
                        values[col] = None
                    if values[col] is not None and (not math.isfinite(values[col]) or values[col] < 0):
                        row_warnings.append(
                            f"{path}:{line}: column {col!r} = {raw!r} ignored (not a finite number >= 0)")
                        values[col] = None
                parts = values["cpu_energy"] + values["gpu_energy"] + values["ram_energy"]
                if abs(parts - values["energy_consumed"]) > max(
                        CONSISTENCY_ABS_KWH, CONSISTENCY_REL * max(parts, values["energy_consumed"])):
                    row_warnings.append(
                        f"{path}:{line}: energy_consumed {values['energy_consumed']:.6g} kWh is not cpu + gpu + "
                        f"ram energy ({parts:.6g} kWh); the components are used for energy, energy_consumed only "
                        "for the carbon intensity")
                if not values["run_id"]:
                    values["run_id"] = "cc-" + hashlib.sha256(f"{path.name}:{line}".encode()).hexdigest()[:32]
                n += 1
                yield _Row(path, line, values, row_warnings)
    except csv.Error as exc:
        raise _err(path, None, f"unreadable CSV: {exc}", "the file looks partial; nothing was imported") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(path, None, f"cannot read: {exc}", "check the path and that it is a text CSV") from exc
    if not n and explicit:
        raise _err(path, None, "no data rows", "CodeCarbon writes one row per run; was the tracker stopped?")


def read_params(path: str | os.PathLike[str]) -> dict[str, int]:
    """Model -> parameter count from a CSV: columns ``model_name`` (or ``model``) and ``num_parameters``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise WattprintError(f"cannot read parameter file {p}: {exc}", "give a CSV: model_name,num_parameters") from exc
    reader = csv.DictReader(io.StringIO(text))
    cols = reader.fieldnames or []
    mcol = next((c for c in ("model_name", "model", "project_name") if c in cols), None)
    pcol = next((c for c in ("num_parameters", "parameters", "params") if c in cols), None)
    if not mcol or not pcol:
        raise WattprintError(f"{p}: needs columns model_name and num_parameters (has {', '.join(cols)})",
                             "e.g. the study's data/model_parameters.csv")
    out = {}
    for row in reader:
        name, raw = (row.get(mcol) or "").strip(), (row.get(pcol) or "").strip()
        if not name or not raw:
            continue
        try:
            out[name] = int(float(raw))
        except ValueError:
            raise WattprintError(f"{p}:{reader.line_num}: parameters {raw!r} is not a number",
                                 "parameter counts are plain integers") from None
    return out


def _files(paths: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, bool]]:
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".csv")
            out.extend((q, False) for q in found)
        elif p.is_file():
            out.append((p, True))
        else:
            raise WattprintError(f"no such file or directory: {p}", "give CodeCarbon CSV files or a folder of them")
    if not out:
        raise WattprintError(f"no CSV files under {', '.join(map(str, paths))}", "CodeCarbon writes emissions.csv")
    return out


def _match_phase(rows: list[_Row], phase: str) -> _Row | None:
    want = phase.strip().lower()
    for r in rows:
        name = r.values["task_name"].strip().lower()
        if name == want or name == f"{want} model":
            return r
    for r in rows:
        if r.values["task_name"].strip().lower().startswith(want):
            return r
    return None


def _version(r: _Row) -> str:
    return str(r.values.get("codecarbon_version") or "")


def _gpu_key(r: _Row) -> tuple[str, float]:
    return (str(r.values.get("gpu_model") or ""), float(r.num("gpu_count") or 0))


class _Auditor:
    """Import-wide facts used to judge single rows: repeated constants, per-GPU power floors."""

    def __init__(self, rows: Iterable[_Row] = ()) -> None:
        self.cpu_counts: dict[float, int] = {}
        self.ram_counts: dict[float, int] = {}
        self.gpu_floor: dict[tuple[str, float], float] = {}
        for r in rows:
            self.add(r)

    def add(self, r: _Row) -> None:
        """Count one row's facts (rows of every file, before any run is built)."""
        for col, counts in (("cpu_power", self.cpu_counts), ("ram_power", self.ram_counts)):
            v = r.num(col)
            if v:
                counts[v] = counts.get(v, 0) + 1
        n, gp = r.num("gpu_count"), r.num("gpu_power")
        if n and n > 1 and gp and gp > 0:
            key = _gpu_key(r)
            self.gpu_floor[key] = min(self.gpu_floor.get(key, float("inf")), gp / n)

    def cpu_guess(self, r: _Row) -> str | None:
        w = r.num("cpu_power")
        if not w:
            return None
        if abs(w - CPU_FALLBACK_W) < 1e-6:
            return (f"CPU power constant at {w:g} W = 50% of CodeCarbon's 85 W default TDP "
                    "(no RAPL): a model, not a reading")
        if self.cpu_counts.get(w, 0) >= 3:
            return f"CPU power {w:g} W repeated exactly in {self.cpu_counts[w]} rows: a constant (TDP) model"
        return None

    def ram_guess(self, r: _Row) -> str | None:
        w, gb = r.num("ram_power"), r.num("ram_total_size")
        if not w:
            return None
        if gb and abs(w - RAM_W_PER_GB * gb) <= 0.005 * w:
            return (f"RAM power {w:g} W = 3 W per 8 GB x {gb:g} GB installed (CodeCarbon 2.x rule), "
                    "whatever the memory did")
        if self.ram_counts.get(w, 0) >= 3:
            return f"RAM power {w:g} W repeated exactly in {self.ram_counts[w]} rows: a constant model"
        return None

    def gpu_overcount_kwh(self, r: _Row) -> tuple[float, str] | None:
        n = r.num("gpu_count")
        mode = str(r.values.get("tracking_mode") or "machine").lower()
        if not n or n <= 1 or mode != "machine" or r.values["gpu_energy"] <= 0:
            return None
        floor = self.gpu_floor.get(_gpu_key(r))
        if floor is None:
            kwh = r.values["gpu_energy"] * (n - 1) / n
            how = "assuming equal power per GPU"
        else:
            kwh = min(r.values["gpu_energy"], (n - 1) * floor * r.values["duration"] / 3600.0 / 1000.0)
            how = f"idle GPUs at {floor:.0f} W each, the lowest per-GPU power seen for this GPU model"
        model = r.values.get("gpu_model") or "GPUs"
        reason = (f"GPU energy summed over {n:g} GPUs ({model}) in machine mode; if the run used one, "
                  f"{n - 1:g} idle GPUs are counted (estimated with {how})")
        return kwh, reason


def _components(r: _Row, aud: _Auditor, shared: _Shared) -> tuple[list[ComponentEnergy], list[AuditFlag]]:
    v = r.values
    total_kwh = v["cpu_energy"] + v["gpu_energy"] + v["ram_energy"]
    share = (lambda kwh: min(1.0, max(0.0, kwh / total_kwh))) if total_kwh > 0 else (lambda kwh: 0.0)
    version = _version(r)
    comps: list[ComponentEnergy] = []
    flags: list[AuditFlag] = []

    over = aud.gpu_overcount_kwh(r)
    gpu_low = COUNTER_BOUNDS[0]
    if over is not None and v["gpu_energy"] > 0:
        gpu_low = max(-1.0, -(over[0] / v["gpu_energy"]) + COUNTER_BOUNDS[0])
        flags.append(AuditFlag(component="gpu", reason=over[1], share=share(over[0])))
    gpu_note = f"NVML energy counters via CodeCarbon {version}; {v.get('gpu_model') or 'no GPU model given'}"
    comps.append(ComponentEnergy(component="gpu", joules=v["gpu_energy"] * J_PER_KWH, provenance=shared.provenance(
        Method.COUNTER, gpu_low, COUNTER_BOUNDS[1], gpu_note)))

    cpu_reason = aud.cpu_guess(r)
    if cpu_reason:
        flags.append(AuditFlag(component="cpu", reason=cpu_reason, share=share(v["cpu_energy"])))
        cpu_prov = shared.provenance(Method.MODEL, CPU_MODEL_BOUNDS[0], CPU_MODEL_BOUNDS[1], cpu_reason)
    else:
        cpu_prov = shared.provenance(Method.COUNTER, COUNTER_BOUNDS[0], COUNTER_BOUNDS[1],
                                     f"varying CPU power: assumed RAPL counters read by CodeCarbon {version}")
    comps.append(ComponentEnergy(component="cpu", joules=v["cpu_energy"] * J_PER_KWH, provenance=cpu_prov))

    ram_reason = aud.ram_guess(r) or f"CodeCarbon {version} models RAM power from installed size; never measured"
    flags.append(AuditFlag(component="ram", reason=ram_reason, share=share(v["ram_energy"])))
    comps.append(ComponentEnergy(component="ram", joules=v["ram_energy"] * J_PER_KWH, provenance=shared.provenance(
        Method.MODEL, RAM_MODEL_BOUNDS[0], RAM_MODEL_BOUNDS[1], ram_reason)))
    flags = [f for f in flags if f.share > 0]
    return comps, flags


def _timestamp(r: _Row) -> datetime:
    """When the row was written: CodeCarbon stamps the END of the tracked window (UTC when naive)."""
    raw = str(r.values["timestamp"])
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        raise _err(r.file, r.line, f"timestamp {raw!r} is not ISO 8601", "CodeCarbon writes 2023-10-02T20:20:22") \
            from None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def _report(r: _Row, aud: _Auditor, name: str, shared: _Shared) -> tuple[EnergyReport, list[AuditFlag]]:
    comps, flags = _components(r, aud, shared)
    start = _timestamp(r) - timedelta(seconds=r.values["duration"])
    return EnergyReport(name=name, start_unix_s=start.timestamp(), duration_s=r.values["duration"],
                        components=comps), flags


def _sum_rows(rows: list[_Row]) -> _Row:
    """The rows of one run's phases as one row (energies and durations added, power energy-weighted)."""
    first = rows[0]
    values = dict(first.values)
    for col in ("duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed"):
        values[col] = sum(r.values[col] for r in rows)
    values["timestamp"] = min(str(r.values["timestamp"]) for r in rows)
    values["task_name"] = "+".join(r.values["task_name"] for r in rows)
    return _Row(first.file, first.line, values)


def _build(
    run_id: str,
    used: _Row,
    phase_name: str,
    all_rows: list[_Row],
    labels: Labels | None,
    linked_file: Path | None,
    aud: _Auditor,
    params: dict[str, int],
    inferences: int,
    shared: _Shared,
) -> RunResult:
    v = used.values
    model = v["project_name"] or "unknown"
    energy, flags = _report(used, aud, phase_name, shared)
    n_gpu = int(v.get("gpu_count") or 0)
    device = "cuda" if n_gpu > 0 else "cpu"
    task = labels.task if labels else "unknown"
    dataset = labels.dataset if labels else "unknown"
    config = labels.dataset_config if labels else None
    options: dict[str, Any] = {"imported_from": "codecarbon"}
    if labels:
        options.update(labels.options)
    hkey = (task, model, dataset, config, device, inferences, tuple(sorted(options.items())))
    got = shared.configs.get(hkey)
    if got is None:  # one config and hash per distinct config, within this import (many rows share one)
        cfg = RunConfig(task=task, model=model, dataset=dataset, dataset_config=config, n=inferences, repeats=1,
                        warmup=0, idle_s=0.0, device=device, task_options=options, meters=["codecarbon"])
        got = shared.configs[hkey] = (cfg, cfg.config_hash())
    cfg, config_hash = got
    end = _timestamp(used)
    start = end - timedelta(seconds=v["duration"])
    load = None
    if phase_name != "load model":
        load_row = next((r for r in all_rows if "task_name" in r.values and
                         r.values["task_name"].strip().lower() in ("load", "load model")), None)
        if load_row is not None:
            load, _ = _report(load_row, aud, "load model", shared)
    repeat = RepeatResult(index=0, inferences=inferences, energy=energy)
    kwh = v["energy_consumed"]
    carbon = None
    if kwh > 0:
        region = ":".join(x for x in (str(v.get("country_iso_code") or ""), str(v.get("region") or "")) if x)
        carbon = CarbonInfo(intensity_g_per_kwh=v["emissions"] * 1000.0 / kwh, region=region or "unknown",
                            source=f"CodeCarbon {_version(used)} log: emissions / energy_consumed", scope="")
    ekey = tuple(v.get(k) for k in ("os", "python_version", "cpu_model", "cpu_count", "ram_total_size", "gpu_model",
                                    "tracking_mode", "codecarbon_version")) + (n_gpu,)
    env = shared.environments.get(ekey)
    if env is None:  # one per distinct machine description, within this import
        gpus = []
        if n_gpu:
            gname = str(v.get("gpu_model") or "GPU")
            if " x " in gname and gname.split(" x ", 1)[0].strip().isdigit():
                gname = gname.split(" x ", 1)[1].strip()
            gpus = [{"name": gname, "count": n_gpu}]
        env = shared.environments[ekey] = Environment(
            os=str(v.get("os") or ""), python=str(v.get("python_version") or ""),
            cpu_model=str(v.get("cpu_model") or ""),
            cpu_count=int(v["cpu_count"]) if v.get("cpu_count") else None, ram_gb=v.get("ram_total_size"),
            gpus=gpus, libraries={"codecarbon": _version(used)} if _version(used) else {},
            meters=[MeterInfo(name="codecarbon", components=["gpu", "cpu", "ram"], measured=False,
                              note=f"tracking_mode={v.get('tracking_mode') or '?'}; GPU counters, CPU/RAM modelled")],
            isolation="node-exclusive" if str(v.get("tracking_mode") or "machine") == "machine" else "process",
        )
    phases = {
        str(r.values.get("task_name") or "whole tracker"): {
            "duration_s": r.values["duration"], "energy_kwh": r.values["energy_consumed"],
            "emissions_kg": r.values["emissions"],
        }
        for r in all_rows
    }
    extra = {
        "codecarbon": {
            "version": _version(used),
            "file": str(used.file),
            "line": used.line,
            "linked_file": str(linked_file) if linked_file else None,
            "phase": phase_name,
            "phases": phases,
            "tracking_mode": v.get("tracking_mode"),
            "gpu_count": v.get("gpu_count"),
            "gpu_model": v.get("gpu_model"),
            "cpu_power_w": v.get("cpu_power"),
            "gpu_power_w": v.get("gpu_power"),
            "ram_power_w": v.get("ram_power"),
            "ram_total_size_gb": v.get("ram_total_size"),
            "experiment_id": v.get("experiment_id"),
        },
        "inferences_assumed": inferences,
    }
    model_info = shared.models.get((model, device))
    if model_info is None:
        model_info = shared.models[(model, device)] = ModelInfo(name=model, source="imported",
                                                                parameters=params.get(model), device=device)
    dataset_info = shared.datasets.get((dataset, config))
    if dataset_info is None:
        dataset_info = shared.datasets[(dataset, config)] = DatasetInfo(name=dataset, source="imported",
                                                                        config=config, n_items=inferences)
    if labels is None:
        extra["unlabelled"] = "task and dataset unknown: no study file name and no linked emissions.csv row"
    return RunResult(
        run_id=run_id,
        origin="codecarbon",
        config=cfg,
        config_hash=config_hash,
        started_at=start,
        finished_at=end,
        environment=env,
        model_info=model_info,
        dataset_info=dataset_info,
        load=load,
        repeats=[repeat],
        summary=Summary.from_repeats([repeat]),
        carbon=carbon,
        audit=flags,
        extra=extra,
    )


@dataclass
class ImportStream:
    """A checked import whose runs are built while :attr:`runs` is consumed (memory stays flat).

    Every file was read and checked, and the import-wide audit facts gathered, before
    this is returned; the counters below ``runs`` are final once ``runs`` is exhausted.
    A run of a task log is built when the last file holding its rows has been read.
    """

    runs: Iterator[RunResult]
    files_read: int
    task_logs: int
    emissions_files: int
    skipped: list[str]
    phase: str
    scan_seconds: float
    count: int = 0
    unlabelled: int = 0
    whole_tracker: int = 0
    by_task_counts: dict[str, int] = field(default_factory=dict)
    params_missing: list[str] = field(default_factory=list)
    #: rows taken with a caveat, each naming its file and line (known once the files are checked)
    warnings: list[str] = field(default_factory=list)

    def by_task(self) -> dict[str, int]:
        return dict(sorted(self.by_task_counts.items()))


def stream_codecarbon(
    paths: Sequence[str | os.PathLike[str]],
    task: str | None = None,
    dataset: str | None = None,
    phase: str = "query",
    params_file: str | os.PathLike[str] | None = None,
    inferences: int = 1000,
    tasks: Collection[str] = STUDY_TASKS,
) -> ImportStream:
    """Check CodeCarbon logs under ``paths`` and return an :class:`ImportStream` of their runs.

    Same arguments and runs as :func:`import_codecarbon`, but files are streamed
    (read twice: once to check them and gather the audit's import-wide facts, once to
    build runs), so a log of a million rows never sits in memory. Raises
    :class:`WattprintError` on the first bad file; building may still raise for a run
    without the wanted phase: store the runs in one transaction (``put_many``).
    """
    t0 = time.perf_counter()
    if task is not None:
        if normalize_name(task) not in tasks:
            raise WattprintError(f"unknown task {task!r}", "one of: " + ", ".join(tasks))
        task = normalize_name(task)
    if inferences < 1:
        raise WattprintError(f"--inferences must be >= 1, got {inferences}", "the study ran 1,000 per phase")
    if inferences > MAX_N:
        raise WattprintError(f"--inferences must be <= {MAX_N:,}, got {inferences:,}", "the study ran 1,000 per phase")
    params = read_params(params_file) if params_file else {}
    want_all = phase.strip().lower() in ("all", "total")
    warnings: list[str] = []

    logs: list[tuple[Path, list[str]]] = []
    emis: list[tuple[Path, list[str]]] = []
    skipped: list[str] = []
    aud = _Auditor()
    last_log: dict[str, int] = {}  # task-log run id -> index of the last task log holding its rows
    total = 0
    for path, explicit in _files(paths):
        header = _open_csv(path, explicit)
        if header is None:
            skipped.append(str(path))
            continue
        is_log = "task_name" in header
        k = len(logs)
        n = 0
        for r in _iter_rows(path, header, explicit):
            aud.add(r)
            warnings.extend(r.warnings)
            n += 1
            if is_log:
                last_log[r.values["run_id"]] = k
        total += n
        (logs if is_log else emis).append((path, header))
    if not total:
        raise WattprintError(f"no CodeCarbon logs found in {', '.join(map(str, paths))} "
                             f"({len(skipped)} other CSV file(s) skipped)",
                             "CodeCarbon writes emissions.csv (and task logs with a task_name column)")
    override = task is not None or dataset is not None

    def labels_for(inferred: Labels | None) -> Labels | None:
        if not override:
            return inferred
        base = inferred or Labels(task="unknown", dataset="unknown")
        return Labels(task=task or base.task, dataset=dataset or base.dataset,
                      dataset_config=base.dataset_config if dataset is None else None, options=base.options)

    missing: set[str] = set()
    shared = _Shared()

    def counted(stream: ImportStream, r: RunResult) -> RunResult:
        stream.count += 1
        stream.by_task_counts[r.config.task] = stream.by_task_counts.get(r.config.task, 0) + 1
        if params and r.model_info and r.model_info.parameters is None:
            missing.add(r.config.model)
        return r

    def runs(stream: ImportStream) -> Iterator[RunResult]:
        links: dict[str, tuple[Path, Labels | None]] = {}
        seen: set[str] = set()
        # emissions files first: their rows that a task log also has only give labels to it
        for path, header in emis:
            inferred = infer_labels(path.stem, tasks)
            for row in _iter_rows(path, header, False):
                rid = row.values["run_id"]
                if rid in last_log:
                    links[rid] = (path, inferred)
                    continue
                if rid in seen:  # a repeated run id: the later row replaces the earlier one in the store
                    stream.whole_tracker -= 1
                    stream.count -= 1
                seen.add(rid)
                labels = labels_for(inferred)
                if labels is None:
                    stream.unlabelled += 1
                stream.whole_tracker += 1
                yield counted(stream, _build(rid, row, "whole tracker", [row], labels, None, aud, params,
                                             inferences, shared))
        pending: dict[str, list[_Row]] = {}
        for k, (path, header) in enumerate(logs):
            for row in _iter_rows(path, header, False):
                pending.setdefault(row.values["run_id"], []).append(row)
            done = [rid for rid in pending if last_log[rid] == k]
            for run_id in done:
                rows = pending.pop(run_id)
                rows.sort(key=lambda r: (str(r.values["timestamp"]), r.line))
                linked = links.get(run_id)
                inferred = linked[1] if linked else infer_labels(rows[0].file.stem, tasks)
                labels = labels_for(inferred)
                if want_all:
                    used, name = _sum_rows(rows), "all phases"
                else:
                    found = _match_phase(rows, phase)
                    if found is None:
                        names = ", ".join(sorted({r.values["task_name"] for r in rows}))
                        raise _err(rows[0].file, None, f"run {run_id} has no {phase!r} phase (phases: {names})",
                                   "pick one with --phase NAME, or --phase all to add them up")
                    used, name = found, found.values["task_name"]
                if labels is None:
                    stream.unlabelled += 1
                yield counted(stream, _build(run_id, used, name, rows, labels, linked[0] if linked else None,
                                             aud, params, inferences, shared))
        stream.params_missing = sorted(missing)

    stream = ImportStream(runs=iter(()), files_read=len(logs) + len(emis), task_logs=len(logs),
                          emissions_files=len(emis), skipped=skipped, phase=phase,
                          scan_seconds=time.perf_counter() - t0, warnings=warnings)
    stream.runs = runs(stream)
    return stream


def import_codecarbon(
    paths: Sequence[str | os.PathLike[str]],
    task: str | None = None,
    dataset: str | None = None,
    phase: str = "query",
    params_file: str | os.PathLike[str] | None = None,
    inferences: int = 1000,
    tasks: Collection[str] = STUDY_TASKS,
) -> ImportOutcome:
    """Parse CodeCarbon logs under ``paths`` (files, or folders read recursively) into runs.

    ``task``/``dataset`` override what file names say; ``phase`` picks the task-log phase
    (``query`` matches "query model"; ``all`` adds every phase); ``inferences`` is how many
    inferences a phase covered (the study: 1,000); ``tasks`` the canonical task names accepted (the
    CLI passes the task catalogue; default: the study's tasks). Raises :class:`WattprintError` on the
    first bad file, before anything is returned. Holds every run in memory: for large
    logs use :func:`stream_codecarbon` into ``ResultStore.put_many``.
    """
    t0 = time.perf_counter()
    stream = stream_codecarbon(paths, task=task, dataset=dataset, phase=phase, params_file=params_file,
                               inferences=inferences, tasks=tasks)
    by_id = {r.run_id: r for r in stream.runs}  # a repeated run id: the later row wins, as in the store
    results = sorted(by_id.values(), key=lambda r: (r.started_at, r.run_id))
    return ImportOutcome(results=results, files_read=stream.files_read, task_logs=stream.task_logs,
                         emissions_files=stream.emissions_files, skipped=stream.skipped,
                         unlabelled=stream.unlabelled, whole_tracker=stream.whole_tracker, phase=phase,
                         parse_seconds=time.perf_counter() - t0, params_missing=stream.params_missing,
                         warnings=stream.warnings)
