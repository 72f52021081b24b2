"""Latency targets: ``--slo "ttft_p90<=500ms,itl_p90<=50ms"``, which levels meet them, which is cheapest.

A term is ``METRIC_STAT OP VALUE[UNIT]``: METRIC one of ttft, itl, tpot, e2e; STAT one of p50, p90, p99,
mean; OP ``<=`` or ``<``; UNIT ``ms`` or ``s`` (default ms). A level meets the SLO when every term
holds; among those, the one with the least energy per request is named. When none meets it, the
nearest is named: the level whose worst term exceeds its limit by the smallest factor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wattprint.errors import WattprintError
from wattprint.results.serving import LevelResult, j_of

_TERM = re.compile(r"^(ttft|itl|tpot|e2e)_(p50|p90|p99|mean)\s*(<=|<)\s*([0-9]*\.?[0-9]+)\s*(ms|s)?$")


@dataclass(frozen=True)
class SloTerm:
    """One latency bound: ``metric``'s ``stat`` must be below ``limit_s`` seconds."""

    metric: str
    stat: str
    op: str
    limit_s: float
    text: str

    def value(self, level: LevelResult) -> float | None:
        """The level's latency for this term (s), or None when it has none."""
        return getattr(getattr(level, f"{self.metric}_s"), self.stat)

    def holds(self, level: LevelResult) -> bool:
        v = self.value(level)
        if v is None:
            return False
        return v <= self.limit_s if self.op == "<=" else v < self.limit_s


def parse_slo(text: str) -> list[SloTerm]:
    """Parse an SLO string; a bad term is a one-line error that names it."""
    terms = []
    for raw in text.split(","):
        term = raw.strip()
        if not term:
            continue
        m = _TERM.match(term.lower())
        if not m:
            raise WattprintError(f"cannot parse SLO term {term!r}",
                                 hint="terms look like ttft_p90<=500ms, itl_p90<=50ms, e2e_p99<2s "
                                      "(metrics ttft|itl|tpot|e2e, stats p50|p90|p99|mean, units ms|s)")
        metric, stat, op, num, unit = m.groups()
        limit = float(num) / (1000.0 if (unit or "ms") == "ms" else 1.0)
        if limit <= 0:
            raise WattprintError(f"SLO term {term!r} has a zero limit", hint="give a positive latency")
        terms.append(SloTerm(metric, stat, op, limit, term))
    if not terms:
        raise WattprintError("empty SLO", hint='e.g. --slo "ttft_p90<=500ms,itl_p90<=50ms"')
    return terms


@dataclass(frozen=True)
class SloVerdict:
    """Which level to pick: ``best`` (meets the SLO, least J/request) or ``nearest`` with a note."""

    best: str | None
    note: str


def apply_slo(terms: list[SloTerm], levels: list[LevelResult]) -> SloVerdict:
    """Mark each successful level ``slo_met`` (and its misses); name the best or the nearest."""
    ok = [lv for lv in levels if lv.status == "ok" and lv.j_per_request is not None]
    for lv in ok:
        lv.slo_misses = [t.text for t in terms if not t.holds(lv)]
        lv.slo_met = not lv.slo_misses
    met = [lv for lv in ok if lv.slo_met]
    if met:
        best = min(met, key=lambda lv: j_of(lv).mean)
        return SloVerdict(best.label, f"{len(met)} of {len(ok)} level(s) meet the SLO; least energy per request: "
                                      f"{best.label} ({j_of(best).mean:.4g} J)")
    if not ok:
        return SloVerdict(None, "no level finished, so none can meet the SLO")

    def excess(lv: LevelResult) -> float:
        return max((t.value(lv) or float("inf")) / t.limit_s for t in terms)

    near = min(ok, key=excess)
    return SloVerdict(None, f"no level meets the SLO; nearest: {near.label} (misses {', '.join(near.slo_misses)}; "
                            f"worst term {excess(near):.2f}x its limit)")
