"""Summary of audit flags: how much of the runs' energy was guessed rather than measured."""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from wattprint.analysis.stats import usable
from wattprint.results.columns import StoredBatch, StoredRun
from wattprint.results.schema import RunResult

__all__ = ["AuditTally", "audit_summary", "summarize_flags"]


class AuditTally:
    """:func:`audit_summary` one run at a time (a streamed import never holds its runs).

    Keeps one float per flag (shares, 0..1), so a million runs cost a few tens of MB.
    """

    def __init__(self) -> None:
        self.runs = 0
        self.per: dict[str, array] = {}
        self.reasons: dict[str, str] = {}
        self.total = array("d")

    def add(self, r: RunResult) -> None:
        """Count ``r`` when it is usable (status ok, with a summary)."""
        if r.status != "ok" or r.summary is None:
            return
        self.runs += 1
        self._flags([(f.component, f.reason) for f in r.audit], [[f.share] for f in r.audit],
                    [min(1.0, sum(f.share for f in r.audit))])

    def add_stored(self, r: StoredRun) -> None:
        """Count an imported run given as columns (the same as :meth:`add` of its document)."""
        if r.status != "ok":
            return
        self.runs += 1
        audit = r.shape.audit
        if audit:
            self._flags(audit, [[s] for s in array("d", r.values)[-len(audit):]], [r.audited_share])

    def add_batch(self, b: StoredBatch) -> None:
        """Count imported runs given as a batch of columns (the same as :meth:`add` of each document)."""
        self.runs += len(b.run_ids)
        self._flags(b.shape.audit, b.shares, b.audited_share)

    def _flags(self, audit: Sequence[tuple[str, str]], shares: Sequence[Sequence[float]],
               totals: Sequence[float]) -> None:
        """Add flags (component, reason), each with its shares (one per run), and each run's audited share."""
        if not audit:
            return
        for (component, reason), values in zip(audit, shares, strict=True):
            self.per.setdefault(component, array("d")).extend(values)
            self.reasons.setdefault(component, reason)
        self.total.extend(totals)

    def summary(self) -> dict[str, Any]:
        """What :func:`audit_summary` returns."""
        return summarize_flags(self.runs, self.per, self.reasons, self.total)


def summarize_flags(runs: int, per: Mapping[str, Sequence[float]], reasons: Mapping[str, str],
                    total: Sequence[float]) -> dict[str, Any]:
    """The audit summary of ``runs`` usable runs: ``per`` component the shares (0..1) of the flags on it,
    ``reasons`` an example reason per component, ``total`` the guessed share (0..1) of each flagged run."""
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
    return {
        "runs": runs,
        "flagged": len(total),
        "mean_guessed_share": statistics.fmean(total) if total else 0.0,
        "min_guessed_share": min(total) if total else 0.0,
        "max_guessed_share": max(total) if total else 0.0,
        "components": comps,
    }


def audit_summary(results: Iterable[RunResult]) -> dict[str, Any]:
    """Runs, runs flagged, mean guessed share (0..1) of a flagged run's energy, and per component:
    runs flagged, mean/min/max share and an example reason."""
    tally = AuditTally()
    for r in usable(results):
        tally.add(r)
    return tally.summary()
