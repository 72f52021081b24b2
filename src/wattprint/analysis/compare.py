"""Two sides (runs or models) side by side, and whether their difference exceeds the noise.

Rule: the values compared are per-repeat Wh per 1,000 inferences (every repeat
of every run on a side). The difference is *significant* when Welch's t-test
gives p < 0.05 (two-sided). With fewer than two repeats on a side the test
cannot be done; the verdict is then "undetermined" unless the provenance
bounds (what the meters' stated uncertainty allows) do not overlap, in which
case the difference is larger than the measurement uncertainty.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

from wattprint.analysis.stats import Stats, describe, summary_of, usable
from wattprint.analysis.welch import WelchResult, welch_t_test
from wattprint.results.schema import J_PER_WH, RunResult

__all__ = ["Side", "Comparison", "compare_runs", "repeat_values", "RULE", "ALPHA"]

ALPHA = 0.05
RULE = (
    "Welch's t-test on per-repeat Wh per 1,000 inferences, two-sided, p < 0.05; "
    "with under 2 repeats a side: non-overlapping provenance bounds, else undetermined"
)


def repeat_values(runs: list[RunResult]) -> list[float]:
    """Per-repeat Wh per 1,000 inferences over all repeats of ``runs``."""
    vals = []
    for r in runs:
        for rep in r.repeats:
            if rep.inferences > 0:
                vals.append(rep.energy.total_joules / J_PER_WH / rep.inferences * 1000)
    return vals


@dataclass
class Side:
    """One side of a comparison. Energy in Wh per 1,000 inferences; carbon in g CO2e per 1,000."""

    label: str
    runs: int
    tasks: list[str]
    datasets: list[str]
    energy: Stats
    bounds_wh_per_1k: tuple[float, float] | None
    g_co2e_per_1k: float | None
    measured_share: float
    run_ids: list[str]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["energy"] = self.energy.to_dict()
        return d


@dataclass
class Comparison:
    a: Side
    b: Side
    ratio_b_over_a: float
    difference_wh_per_1k: float
    welch: WelchResult | None
    ci_overlap: bool
    bounds_overlap: bool | None
    significant: bool | None
    verdict: str
    rule: str = RULE
    warnings: list[str] | None = None

    def to_dict(self) -> dict:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "ratio_b_over_a": self.ratio_b_over_a,
            "difference_wh_per_1k": self.difference_wh_per_1k,
            "welch": self.welch.to_dict() if self.welch else None,
            "ci95_overlap": self.ci_overlap,
            "bounds_overlap": self.bounds_overlap,
            "significant": self.significant,
            "verdict": self.verdict,
            "rule": self.rule,
            "warnings": self.warnings or [],
        }


def _side(label: str, runs: list[RunResult]) -> Side:
    vals = repeat_values(runs)
    energy = describe(vals)
    if energy is None:
        raise ValueError(f"{label}: no repeats with inferences")
    total_inf = sum(rep.inferences for r in runs for rep in r.repeats) or 1
    lo = sum(rep.energy.bounds_j[0] for r in runs for rep in r.repeats) / J_PER_WH / total_inf * 1000
    hi = sum(rep.energy.bounds_j[1] for r in runs for rep in r.repeats) / J_PER_WH / total_inf * 1000
    grams = [r.g_co2e_per_1k for r in runs if r.g_co2e_per_1k is not None]
    return Side(
        label=label,
        runs=len(runs),
        tasks=sorted({r.config.task for r in runs}),
        datasets=sorted({r.config.dataset for r in runs}),
        energy=energy,
        bounds_wh_per_1k=(lo, hi),
        g_co2e_per_1k=statistics.fmean(grams) if grams else None,
        measured_share=statistics.fmean(summary_of(r).measured_share for r in runs),
        run_ids=[r.run_id for r in runs],
    )


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _no_usable_run(label: str, runs: list[RunResult]) -> str:
    """Why side ``label`` has nothing to compare: ``run 1a2b (side A) failed: <reason>``."""
    failed = [r for r in runs if r.status != "ok"]
    if len(runs) == 1 and failed:
        return f"{label} failed: {failed[0].error or 'no reason stored'}"
    return f"{label} has no successful run ({len(failed)} failed)" if failed else f"{label} has no successful run"


def compare_runs(a_runs: list[RunResult], b_runs: list[RunResult], a_label: str = "A",
                 b_label: str = "B") -> Comparison:
    """Compare two groups of runs (each one run, or all runs of a model) by the rule in :data:`RULE`."""
    a_ok, b_ok = usable(a_runs), usable(b_runs)
    bad = [_no_usable_run(label, runs) for label, runs, ok in ((a_label, a_runs, a_ok), (b_label, b_runs, b_ok))
           if not ok]
    if bad:
        raise ValueError("; ".join(bad))
    a, b = _side(a_label, a_ok), _side(b_label, b_ok)
    welch = welch_t_test(repeat_values(a_ok), repeat_values(b_ok))
    ci_overlap = _overlap((a.energy.ci95_low, a.energy.ci95_high), (b.energy.ci95_low, b.energy.ci95_high))
    bounds_overlap = (
        _overlap(a.bounds_wh_per_1k, b.bounds_wh_per_1k) if a.bounds_wh_per_1k and b.bounds_wh_per_1k else None
    )
    ratio = b.energy.mean / a.energy.mean if a.energy.mean > 0 else float("inf")
    if welch is not None:
        significant: bool | None = welch.p_value < ALPHA
        verdict = (
            f"{'different' if significant else 'not distinguishable'}: Welch p = {welch.p_value:.3g} "
            f"({'<' if significant else '>='} {ALPHA})"
        )
    elif bounds_overlap is False:
        significant = True
        verdict = "different: provenance bounds do not overlap (too few repeats for a t-test)"
    else:
        significant = None
        verdict = "undetermined: under 2 repeats on a side and overlapping provenance bounds"
    warnings = []
    if set(a.tasks) != set(b.tasks):
        warnings.append(f"different tasks ({', '.join(a.tasks)} vs {', '.join(b.tasks)}): energy per inference "
                        "of different tasks measures different work")
    if set(a.datasets) != set(b.datasets):
        warnings.append("different datasets on the two sides")
    return Comparison(a=a, b=b, ratio_b_over_a=ratio, difference_wh_per_1k=b.energy.mean - a.energy.mean,
                      welch=welch, ci_overlap=ci_overlap, bounds_overlap=bounds_overlap,
                      significant=significant, verdict=verdict, warnings=warnings)
