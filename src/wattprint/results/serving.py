"""Serving runs: the result kind of ``wattprint serve-bench``, stored in its own table of the same store.

A :class:`ServingResult` is one benchmark of one live server: per load level (a concurrency or a
Poisson rate) and per repeat, the steady-state window's energy (an :class:`EnergyReport` per
component with provenance), requests, tokens and latencies; per level the figures over the repeats
with 95% intervals; optionally the prefill/decode fit and the latency target (SLO) verdict.

Units: joules (J), watts (W), seconds (s), tokens; carbon as grams CO2e (g) from the factor kept
apart in ``carbon``. Table ``serving_runs`` of the SQLite store (see :func:`create_table`).
"""

from __future__ import annotations

import json
import math
import sqlite3
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from wattprint.carbon.factor import CarbonInfo
from wattprint.energy.types import EnergyReport
from wattprint.errors import WattprintError
from wattprint.results.schema import Environment, utcnow

SERVING_SCHEMA_VERSION = 1
J_PER_WH = 3600.0


class Estimate(BaseModel):
    """A mean over repeats with its 95% interval (Student t; low = high = mean with one repeat)."""

    mean: float
    low: float
    high: float
    n: int = Field(ge=0, description="Repeats behind the figure")


class Percentiles(BaseModel):
    """Latency percentiles (s) over every successful request of a level's windows."""

    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    mean: float | None = None
    n: int = 0


class LevelRepeat(BaseModel):
    """One steady-state window of one level: its energy and what the server did in it."""

    index: int
    window_s: float = Field(ge=0, description="Window length (s)")
    energy: EnergyReport = Field(description="Server energy in the window per component (J), idle baseline attached")
    requests: int = Field(ge=0, description="Successful requests completed inside the window")
    errors: int = Field(ge=0, description="Failed requests (HTTP errors, timeouts) that ended inside the window")
    input_tokens: int = Field(ge=0, description="Prompt tokens of requests whose first token arrived in the window")
    output_tokens: float = Field(ge=0, description="Output tokens arriving inside the window (by arrival time)")
    generator_cpu_s: float = Field(ge=0, description="The load generator's own CPU seconds in the window (s)")
    short: str = Field(default="", description="Why the window ended at the time cap before its minimums")

    @property
    def j_per_request(self) -> float | None:
        return self.energy.total_joules / self.requests if self.requests else None

    @property
    def j_per_output_token(self) -> float | None:
        return self.energy.total_joules / self.output_tokens if self.output_tokens else None


#: The endpoint kinds a serving run can drive.
ApiKind = Literal["completions", "chat", "embeddings"]


def j_of(level: LevelResult) -> Estimate:
    """The J-per-request estimate of a level from ``ok_levels`` (a ValueError for one without: a caller's bug)."""
    if level.j_per_request is None:
        raise ValueError(f"level {level.label} has no energy per request: pass ok_levels")
    return level.j_per_request


class LevelResult(BaseModel):
    """One load level over its repeats; ``status`` failed keeps the error and the server's log tail."""

    kind: Literal["concurrency", "rate"]
    value: float
    label: str
    mix: str = Field(default="", description="Input/output mix, e.g. 'in=128 out=64'")
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    log_tail: str | None = None
    repeats: list[LevelRepeat] = Field(default_factory=list)
    requests_per_s: Estimate | None = None
    output_tokens_per_s: Estimate | None = None
    j_per_request: Estimate | None = Field(default=None, description="Whole window energy / requests (J)")
    j_per_output_token: Estimate | None = Field(default=None, description="Whole window energy / output tokens (J)")
    net_j_per_request: Estimate | None = Field(default=None, description="Net of the idle baseline (J)")
    mean_power_w: dict[str, float] = Field(default_factory=dict, description="Mean power per component (W)")
    measured_share: float = Field(default=0.0, ge=0, le=1, description="Fraction of the energy from sensors")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="Failed / all requests ended in the windows")
    input_tokens_per_request: float | None = None
    output_tokens_per_request: float | None = None
    ttft_s: Percentiles = Field(default_factory=Percentiles)
    itl_s: Percentiles = Field(default_factory=Percentiles)
    tpot_s: Percentiles = Field(default_factory=Percentiles, description="Per-request time per output token (s)")
    e2e_s: Percentiles = Field(default_factory=Percentiles)
    slo_met: bool | None = None
    slo_misses: list[str] = Field(default_factory=list)


class FitTerm(BaseModel):
    """One coefficient of the prefill/decode fit with its 95% interval."""

    value: float
    low: float
    high: float


class EnergyFit(BaseModel):
    """window J = base W x s + J/input token x input tokens + J/output token x output tokens (least squares)."""

    base_power_w: FitTerm
    j_per_input_token: FitTerm
    j_per_output_token: FitTerm
    windows: int
    r2: float
    warning: str = Field(default="", description="Why the coefficients should not be read as costs, if so")
    method: str = "ordinary least squares (numpy.linalg.lstsq), 95% intervals from the t distribution"

    @property
    def j_per_1k_input(self) -> float:
        return self.j_per_input_token.value * 1000

    @property
    def j_per_1k_output(self) -> float:
        return self.j_per_output_token.value * 1000


class ServingResult(BaseModel):
    """One serving benchmark: the server, the load it got and what each request and token cost."""

    schema_version: int = SERVING_SCHEMA_VERSION
    kind: Literal["serving"] = "serving"
    run_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    endpoint: str
    api: ApiKind = "completions"
    model: str = ""
    server_command: str = ""
    server_launched: bool = False
    engine: str = ""
    engine_version: str = ""
    fixed_output: bool = Field(default=False, description="The server took ignore_eos/min_tokens")
    prompts: str = ""
    environment: Environment = Field(default_factory=Environment)
    meter_notes: list[str] = Field(default_factory=list)
    idle_s: float = 0.0
    idle_power_w: dict[str, float] | None = None
    protocol: dict[str, float] = Field(default_factory=dict, description="min_window_s, min_requests, max_level_s")
    levels: list[LevelResult] = Field(default_factory=list)
    slo: str | None = None
    slo_best: str | None = Field(default=None, description="Label of the level meeting the SLO at least J/request")
    slo_note: str | None = None
    fit: EnergyFit | None = None
    carbon: CarbonInfo | None = None
    log_tail: str | None = None

    @property
    def ok_levels(self) -> list[LevelResult]:
        return [lv for lv in self.levels if lv.status == "ok" and lv.j_per_request is not None]

    @property
    def best_level(self) -> LevelResult | None:
        """The level to quote: the SLO's best level, else the ok level with the least J/request."""
        levels = self.ok_levels
        if self.slo_best:
            levels = [lv for lv in levels if lv.label == self.slo_best] or levels
        return min(levels, key=lambda lv: lv.j_per_request.mean if lv.j_per_request else math.inf, default=None)

    @property
    def best_j_per_request(self) -> float | None:
        """Energy per request (J) to quote: the SLO's best level, else the level with the least J/request."""
        level = self.best_level
        return level.j_per_request.mean if level is not None and level.j_per_request is not None else None

    def g_co2e_per_request(self, level: LevelResult) -> float | None:
        """Grams CO2e per request of ``level`` (its mean J/request at the run's factor); None without one."""
        if self.carbon is None or level.j_per_request is None:
            return None
        return self.carbon.grams(level.j_per_request.mean / J_PER_WH)


_TABLE = """
CREATE TABLE IF NOT EXISTS serving_runs (
    run_id      TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    model       TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
"""


def create_table(conn: sqlite3.Connection) -> None:
    """Create the ``serving_runs`` table in an open store connection (idempotent)."""
    conn.executescript(_TABLE)


class ServingStore:
    """Serving runs in the ``serving_runs`` table of a result store (the same SQLite file as runs)."""

    def __init__(self, store: object) -> None:
        conn = getattr(store, "connection", None)
        if conn is None:
            raise TypeError("ServingStore needs a ResultStore")
        self.conn: sqlite3.Connection = conn
        self.path = store.path  # type: ignore[attr-defined]

    def _exists(self) -> bool:
        """Whether the table exists (readers never create it: a read-only command writes nothing)."""
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'serving_runs'")
        return row.fetchone() is not None

    def put(self, r: ServingResult) -> None:
        """Insert or replace one serving run (one transaction)."""
        row = (r.run_id, r.status, r.model, r.endpoint, r.started_at.isoformat(), r.model_dump_json())
        create_table(self.conn)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("INSERT OR REPLACE INTO serving_runs VALUES (?,?,?,?,?,?)", row)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def list(self, model: str | None = None, status: str | None = None) -> list[ServingResult]:
        if not self._exists():
            return []
        sql, args, where = "SELECT doc FROM serving_runs", [], []
        for col, val in (("model", model), ("status", status)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [self._parse(d) for (d,) in self.conn.execute(sql + " ORDER BY started_at, run_id", args)]

    def find(self, run_id: str) -> ServingResult | None:
        """The serving run with this id or unique prefix; None when there is none."""
        if not self._exists():
            return None
        rows = self.conn.execute("SELECT doc FROM serving_runs WHERE run_id LIKE ? LIMIT 2",
                                 (run_id + "%",)).fetchall()
        if len(rows) > 1:
            raise WattprintError(f"run id prefix {run_id!r} is ambiguous", "give more characters")
        return self._parse(rows[0][0]) if rows else None

    def _parse(self, doc: str) -> ServingResult:
        try:
            return ServingResult.model_validate_json(doc)
        except (ValidationError, json.JSONDecodeError) as exc:
            raise WattprintError(
                f"stored serving run in {self.path} does not match serving schema v{SERVING_SCHEMA_VERSION}",
                "re-run it, or open the store with the wattprint version that wrote it",
            ) from exc


def level_rows(runs: list[ServingResult]) -> list[dict[str, object]]:
    """One flat row per run and level (J, W, s, tokens), for CSV/JSON export."""
    rows: list[dict[str, object]] = []
    for r in runs:
        for lv in r.levels:
            row: dict[str, object] = {
                "run_id": r.run_id, "model": r.model, "endpoint": r.endpoint, "engine": r.engine,
                "engine_version": r.engine_version, "server_command": r.server_command, "api": r.api,
                "started_at": r.started_at.isoformat(), "level": lv.label, "kind": lv.kind, "value": lv.value,
                "mix": lv.mix, "status": lv.status, "error": lv.error or "", "repeats": len(lv.repeats),
                "error_rate": lv.error_rate, "measured_share": lv.measured_share,
                "input_tokens_per_request": lv.input_tokens_per_request,
                "output_tokens_per_request": lv.output_tokens_per_request,
                "mean_power_w": sum(lv.mean_power_w.values()) if lv.mean_power_w else None,
                "provenance": "; ".join(sorted({c.provenance.label for rep in lv.repeats
                                                for c in rep.energy.components})),
                "slo_met": lv.slo_met,
                "g_co2e_per_request": r.g_co2e_per_request(lv),
                "carbon_intensity_g_per_kwh": r.carbon.intensity_g_per_kwh if r.carbon else None,
                "carbon_region": r.carbon.region if r.carbon else None,
                "carbon_source": r.carbon.source if r.carbon else None,
                "pue": r.carbon.pue if r.carbon else None,
            }
            for name in ("requests_per_s", "output_tokens_per_s", "j_per_request", "j_per_output_token",
                         "net_j_per_request"):
                e = getattr(lv, name)
                row[name] = e.mean if e else None
                row[f"{name}_ci95_low"] = e.low if e else None
                row[f"{name}_ci95_high"] = e.high if e else None
            for name in ("ttft_s", "itl_s", "tpot_s", "e2e_s"):
                p = getattr(lv, name)
                for stat in ("p50", "p90", "p99"):
                    row[f"{name.removesuffix('_s')}_{stat}_s"] = getattr(p, stat)
            rows.append(row)
    return rows


def export_levels(runs: list[ServingResult], fmt: str) -> tuple[str, int]:
    """Serving levels as CSV or JSON text; returns (text, number of rows)."""
    import csv
    import io

    rows = level_rows(runs)
    if fmt == "json":
        return json.dumps(rows, indent=2, default=str) + "\n", len(rows)
    if fmt != "csv":
        raise WattprintError(f"serving runs export as csv or json, not {fmt}", hint="use --csv or --json")
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue(), len(rows)
