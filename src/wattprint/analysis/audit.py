"""Summary of audit flags: how much of the runs' energy was guessed rather than measured."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from wattprint.analysis.stats import usable
from wattprint.results.schema import RunResult

__all__ = ["audit_summary"]


def audit_summary(results: Iterable[RunResult]) -> dict[str, Any]:
    """Runs, runs flagged, mean guessed share (0..1) of a flagged run's energy, and per component:
    runs flagged, mean/min/max share and an example reason."""
    runs = usable(results)
    flagged = [r for r in runs if r.audit]
    per: dict[str, list[float]] = {}
    reasons: dict[str, str] = {}
    for r in flagged:
        for f in r.audit:
            per.setdefault(f.component, []).append(f.share)
            reasons.setdefault(f.component, f.reason)
    comps = {
        c: {
            "runs": len(v),
            "mean_share": statistics.fmean(v),
            "min_share": min(v),
            "max_share": max(v),
            "example_reason": reasons[c],
        }
        for c, v in sorted(per.items())
    }
    total = [min(1.0, sum(f.share for f in r.audit)) for r in flagged]
    return {
        "runs": len(runs),
        "flagged": len(flagged),
        "mean_guessed_share": statistics.fmean(total) if total else 0.0,
        "min_guessed_share": min(total) if total else 0.0,
        "max_guessed_share": max(total) if total else 0.0,
        "components": comps,
    }
