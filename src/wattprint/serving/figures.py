"""Per-level figures: what happened inside each steady-state window, then over the repeats.

Counting rules (docs/serving.md): a request counts in a window when it *completed* inside it; an
error counts when it *ended* inside it (errors never enter J per request); output tokens count by
their *arrival time* inside the window (a streamed chunk carries usage tokens / chunks); input tokens
count for requests whose first token arrived inside it (their prefill ran before that). Latencies
are over the successful requests completed inside the windows.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from wattprint.energy.types import EnergyReport
from wattprint.results.schema import ci95_of_mean
from wattprint.results.serving import Estimate, LevelRepeat, LevelResult, Percentiles
from wattprint.serving.records import LevelLoad, RequestRecord


def estimate(values: Sequence[float]) -> Estimate | None:
    """Mean with a 95% Student t interval over repeats, floored at 0 (every figure here is >= 0); None for none."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return None
    low, high = ci95_of_mean(vals)  # the one definition, shared with the run summary
    return Estimate(mean=statistics.fmean(vals), low=low, high=high, n=len(vals))


def percentiles(values: Sequence[float]) -> Percentiles:
    """p50/p90/p99 and mean (numpy's linear interpolation) of latencies in seconds."""
    if not values:
        return Percentiles()
    import numpy as np

    a = np.asarray(values, dtype=float)
    p50, p90, p99 = np.percentile(a, [50, 90, 99])
    return Percentiles(p50=float(p50), p90=float(p90), p99=float(p99), mean=float(a.mean()), n=len(values))


def _in(t: float | None, lo: float, hi: float) -> bool:
    return t is not None and lo < t <= hi


def window_requests(load: LevelLoad) -> list[RequestRecord]:
    """Successful requests completed inside the window."""
    lo, hi = load.window_start, load.window_end
    if lo is None or hi is None:
        return []
    return [r for r in load.records if r.ok and _in(r.end, lo, hi)]


def repeat_figures(index: int, load: LevelLoad, energy: EnergyReport) -> LevelRepeat:
    """One window's counts joined with its energy."""
    lo, hi = load.window_start, load.window_end
    assert lo is not None and hi is not None
    done = window_requests(load)
    errors = sum(1 for r in load.records if not r.ok and _in(r.end, lo, hi))
    out_tokens = 0.0
    in_tokens = 0
    for r in load.records:
        if r.chunk_times:
            per = r.tokens_per_chunk
            out_tokens += per * sum(1 for t in r.chunk_times if lo < t <= hi)
        if r.ok and _in(r.first_token, lo, hi):
            in_tokens += r.input_tokens
    return LevelRepeat(index=index, window_s=hi - lo, energy=energy, requests=len(done), errors=errors,
                       input_tokens=in_tokens, output_tokens=out_tokens,
                       generator_cpu_s=max(0.0, load.generator_cpu_s), short=load.short)


def level_figures(level: LevelResult, loads: list[LevelLoad]) -> LevelResult:
    """Fill ``level``'s figures from its repeats (already in ``level.repeats``) and their loads."""
    reps = level.repeats
    if not reps:
        return level
    level.requests_per_s = estimate([r.requests / r.window_s for r in reps if r.window_s > 0])
    level.output_tokens_per_s = estimate([r.output_tokens / r.window_s for r in reps if r.window_s > 0])
    level.j_per_request = estimate([r.j_per_request for r in reps if r.j_per_request is not None])
    level.j_per_output_token = estimate([r.j_per_output_token for r in reps if r.j_per_output_token is not None])
    level.net_j_per_request = estimate([r.energy.net_total_joules / r.requests for r in reps
                                        if r.requests and r.energy.net_total_joules is not None])
    total_s = sum(r.window_s for r in reps)
    comps: dict[str, float] = {}
    for r in reps:
        for c in r.energy.components:
            comps[c.component] = comps.get(c.component, 0.0) + c.joules
    level.mean_power_w = {c: j / total_s for c, j in comps.items()} if total_s > 0 else {}
    total_j = sum(r.energy.total_joules for r in reps)
    level.measured_share = sum(r.energy.measured_joules for r in reps) / total_j if total_j > 0 else 0.0
    n_req = sum(r.requests for r in reps)
    n_err = sum(r.errors for r in reps)
    level.error_rate = n_err / (n_req + n_err) if n_req + n_err else 0.0
    done = [rec for ld in loads for rec in window_requests(ld)]
    if done:
        level.input_tokens_per_request = statistics.fmean(r.input_tokens for r in done)
        level.output_tokens_per_request = statistics.fmean(r.output_tokens for r in done)
    level.ttft_s = percentiles([r.ttft_s for r in done if r.ttft_s is not None])
    level.itl_s = percentiles([x for r in done for x in r.itl_samples()])
    level.tpot_s = percentiles([r.tpot_s for r in done if r.tpot_s is not None])
    level.e2e_s = percentiles([r.e2e_s for r in done])
    return level
