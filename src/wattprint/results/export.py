"""Flatten runs to one row each and write them as CSV, Parquet or JSON.

One row per run: what ran (task, model, dataset, status), the per-1,000
figures (Wh mean, std and 95% interval; g CO2e), how much of it was measured,
the idle share, a plain provenance label and the hardware. Parquet goes
through pyarrow, imported only when asked for.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wattprint.errors import WattprintError
from wattprint.results.atomic import atomic_output, check_output_file, write_text_atomic
from wattprint.results.schema import J_PER_WH, RunResult, share_words

#: column order of every export
COLUMNS = (
    "run_id",
    "origin",
    "status",
    "error",
    "task",
    "model",
    "dataset",
    "split",
    "n",
    "batch_size",
    "repeats",
    "device",
    "dtype",
    "random_weights",
    "wh_per_1k_mean",
    "wh_per_1k_std",
    "wh_per_1k_ci95_low",
    "wh_per_1k_ci95_high",
    "net_wh_per_1k_mean",
    "g_co2e_per_1k",
    "measured_share",
    "idle_share",
    "provenance",
    "meters",
    "seconds_per_inference",
    "wh_per_output_token",
    "prefill_wh_per_1k",
    "decode_wh_per_1k",
    "load_wh",
    "preprocess_wh",
    "carbon_region",
    "carbon_intensity_g_per_kwh",
    "pue",
    "cpu_model",
    "gpus",
    "ram_gb",
    "hostname",
    "isolation",
    "started_at",
    "config_hash",
    "quality",
    "timed_g_co2e_per_1k",
    "timed_intensity_g_per_kwh",
    "timed_series",
    "carbon_fallback",
)

def provenance_label(result: RunResult) -> str:
    """Plain words for how a run's energy was obtained.

    ``measured`` (every joule from hardware sensors), ``ESTIMATED`` (none) or
    ``partly estimated (N% measured)``; ``-`` when the run has no energy.
    """
    s = result.summary
    if s is None:
        return "-"
    return share_words(s.measured_share)


def _meters(result: RunResult) -> str:
    parts = []
    for m in result.environment.meters:
        parts.append(f"{m.name} ({'measured' if m.measured else 'estimated'})")
    return ", ".join(parts)


def _gpus(result: RunResult) -> str:
    return "; ".join(str(g.get("name", "gpu")) for g in result.environment.gpus)


def flatten(result: RunResult) -> dict[str, Any]:
    """One flat row (see :data:`COLUMNS`) for ``result``; energy in Wh, carbon in g CO2e."""
    c, s, env = result.config, result.summary, result.environment
    row: dict[str, Any] = {k: None for k in COLUMNS}
    row.update(
        run_id=result.run_id,
        origin=result.origin,
        status=result.status,
        error=result.error,
        task=c.task,
        model=c.model,
        dataset=c.dataset,
        split=c.split,
        n=c.n,
        batch_size=c.batch_size,
        repeats=c.repeats,
        device=c.device,
        dtype=c.dtype,
        random_weights=result.model_info.random_weights if result.model_info else None,
        provenance=provenance_label(result),
        meters=_meters(result),
        load_wh=result.load.total_joules / J_PER_WH if result.load else None,
        preprocess_wh=result.preprocess.total_joules / J_PER_WH if result.preprocess else None,
        carbon_region=result.carbon.region if result.carbon else None,
        carbon_intensity_g_per_kwh=result.carbon.intensity_g_per_kwh if result.carbon else None,
        pue=result.carbon.pue if result.carbon else None,
        g_co2e_per_1k=result.g_co2e_per_1k,
        cpu_model=env.cpu_model,
        gpus=_gpus(result),
        ram_gb=env.ram_gb,
        hostname=env.hostname,
        isolation=env.isolation,
        started_at=result.started_at.isoformat(),
        config_hash=result.config_hash,
    )
    if s is not None:
        row.update(
            wh_per_1k_mean=s.wh_per_1k_mean,
            wh_per_1k_std=s.wh_per_1k_std,
            wh_per_1k_ci95_low=s.wh_per_1k_ci95.low,
            wh_per_1k_ci95_high=s.wh_per_1k_ci95.high,
            net_wh_per_1k_mean=s.net_wh_per_1k_mean,
            measured_share=s.measured_share,
            idle_share=s.idle_share,
            seconds_per_inference=s.seconds_per_inference,
            wh_per_output_token=s.wh_per_output_token,
            prefill_wh_per_1k=s.prefill_wh_per_1k,
            decode_wh_per_1k=s.decode_wh_per_1k,
        )
    if result.quality:
        row["quality"] = quality_text(result)
    tc = result.carbon_timed  # carbon with the intensity of the hours the run met, beside the flat figure
    if tc is not None:
        row.update(timed_g_co2e_per_1k=tc.g_co2e_per_1k, timed_intensity_g_per_kwh=tc.mean_intensity_g_per_kwh,
                   timed_series=f"{tc.series.label()} {tc.series.origin}".strip())
    row["carbon_fallback"] = result.carbon_fallback
    return row


def quality_text(result: RunResult) -> str:
    """``metric=value [low, high] n=N source dataset`` per quality score, ``; ``-separated (dimensionless)."""
    parts = []
    for q in result.quality:
        ci = f" [{q.ci95_low:.6g}, {q.ci95_high:.6g}]" if q.ci95_low is not None and q.ci95_high is not None else ""
        n = f" n={q.n}" if q.n is not None else ""
        parts.append(f"{q.metric}={q.value:.6g}{ci}{n} {q.source} {q.dataset}".rstrip())
    return "; ".join(parts)


def rows(results: Iterable[RunResult]) -> list[dict[str, Any]]:
    return [flatten(r) for r in results]


def write_csv(results: Iterable[RunResult], path: str | os.PathLike[str]) -> Path:
    """CSV with a header of :data:`COLUMNS`; empty cells for missing figures."""
    p = Path(path)
    with atomic_output(p) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        w.writeheader()
        for row in rows(results):
            w.writerow({k: "" if v is None else v for k, v in row.items()})
    return p


def write_json(results: Iterable[RunResult], path: str | os.PathLike[str]) -> Path:
    """A JSON array of flat rows (not the full documents; see ``results show --json``)."""
    return write_text_atomic(path, json.dumps(rows(results), indent=2, default=str) + "\n")


def write_parquet(results: Iterable[RunResult], path: str | os.PathLike[str]) -> Path:
    """Parquet through pyarrow (imported here; ``pip install 'wattprint[export]'``)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise WattprintError("Parquet export needs pyarrow", "pip install 'wattprint[export]'") from exc
    data = rows(results)
    columns = {k: [r[k] for r in data] for k in COLUMNS}
    types = {k: _arrow_type(pa, k) for k in COLUMNS}
    table = pa.table({k: pa.array(v, type=types[k]) for k, v in columns.items()})
    p = Path(path)
    with atomic_output(p) as tmp:
        pq.write_table(table, tmp)
    return p


_FLOAT = {
    "wh_per_1k_mean", "wh_per_1k_std", "wh_per_1k_ci95_low", "wh_per_1k_ci95_high", "net_wh_per_1k_mean",
    "g_co2e_per_1k", "measured_share", "idle_share", "seconds_per_inference", "wh_per_output_token",
    "prefill_wh_per_1k", "decode_wh_per_1k", "load_wh", "preprocess_wh", "carbon_intensity_g_per_kwh", "pue",
    "ram_gb",
}
_INT = {"n", "batch_size", "repeats"}


def _arrow_type(pa: Any, column: str) -> Any:
    if column in _FLOAT:
        return pa.float64()
    if column in _INT:
        return pa.int64()
    if column == "random_weights":
        return pa.bool_()
    return pa.string()


def export(results: list[RunResult], path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``results`` to ``path`` as ``csv``, ``parquet`` or ``json`` (default: from the suffix)."""
    fmt = (fmt or Path(path).suffix.lstrip(".") or "csv").lower()
    writers = {"csv": write_csv, "parquet": write_parquet, "pq": write_parquet, "json": write_json}
    if fmt not in writers:
        raise WattprintError(f"unknown export format {fmt!r}", "use --csv, --parquet or --json")
    check_output_file(path)
    return writers[fmt](results, path)
