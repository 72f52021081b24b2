"""Everything a report shows, computed once from ``list[RunResult]`` or, at scale, from
:class:`RunColumns` (:func:`build_report_columns`: the same figures, bit for bit) (no I/O).

Energy in Wh per 1,000 inferences, carbon in g CO2e per 1,000 inferences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from wattprint.analysis import (
    DEFAULT_FAMILIES,
    by_task,
    energy_vs_output_length,
    energy_vs_parameters,
    leaderboard,
    multi_vs_specific,
)
from wattprint.analysis.audit import audit_summary
from wattprint.analysis.columnar import provenance_doc
from wattprint.analysis.fits import Fit, Point
from wattprint.analysis.leaderboard import Entry
from wattprint.analysis.multipurpose import Ratio
from wattprint.analysis.quality import QualityPoint, quality_overview
from wattprint.analysis.stats import GroupStats, summary_of, usable
from wattprint.results.columns import RunColumns
from wattprint.results.schema import RunResult

__all__ = ["ReportData", "build_report", "build_report_columns", "audit_summary", "provenance_summary"]


@dataclass
class ReportData:
    generated_at: str
    runs: int
    failed: int
    tasks: dict[str, GroupStats]
    task_values: dict[str, list[tuple[str, float]]]
    leaderboard: list[Entry]
    params_points: list[Point]
    params_fit: Fit | None
    params_fits_by_task: dict[str, Fit]
    length_points: list[Point]
    length_fit: Fit | None
    multi: list[Ratio]
    families: list[str]
    audit: dict[str, Any]
    provenance: dict[str, Any]
    carbon_factors: list[dict[str, Any]]
    equivalents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    equivalents_note: str = ""
    timed: list[dict[str, Any]] = field(default_factory=list)
    #: energy vs quality per (task, dataset, model), Pareto flags set (see analysis.quality)
    quality: list[QualityPoint] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "units": {"energy": "Wh per 1,000 inferences", "carbon": "g CO2e per 1,000 inferences"},
            "runs": self.runs,
            "failed": self.failed,
            "tasks": {k: v.to_dict() for k, v in self.tasks.items()},
            "leaderboard": [e.to_dict() for e in self.leaderboard],
            "energy_vs_parameters": {
                "points": [p.to_dict() for p in self.params_points],
                "fit": self.params_fit.to_dict() if self.params_fit else None,
                "fits_by_task": {k: v.to_dict() for k, v in self.params_fits_by_task.items()},
            },
            "energy_vs_output_length": {
                "points": [p.to_dict() for p in self.length_points],
                "fit": self.length_fit.to_dict() if self.length_fit else None,
            },
            "multi_purpose_vs_task_specific": {"families": self.families, "ratios": [r.to_dict() for r in self.multi]},
            "audit": self.audit,
            "provenance": self.provenance,
            "carbon_factors": self.carbon_factors,
            "equivalents": self.equivalents,
            "equivalents_note": self.equivalents_note,
            "time_resolved_carbon": self.timed,
            "quality": [p.to_dict() for p in self.quality],
        }


def provenance_summary(results: Sequence[RunResult]) -> dict[str, Any]:
    """Energy by component and provenance label over all repeats (Wh), and the measured share."""
    by_label: dict[str, float] = {}
    measured = total = 0.0
    for r in usable(results):
        for rep in r.repeats:
            for c in rep.energy.components:
                wh = c.joules / 3600.0
                key = f"{c.component}: {c.provenance.label}"
                by_label[key] = by_label.get(key, 0.0) + wh
                total += wh
                if c.provenance.measured:
                    measured += wh
    return provenance_doc(by_label, total, measured)


def _carbon_factors(results: Sequence[RunResult]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for r in usable(results):
        if r.carbon is None:
            continue
        d = r.carbon.model_dump(mode="json")
        d["intensity_g_per_kwh"] = float(f"{d['intensity_g_per_kwh']:.6g}")
        key = repr(sorted(d.items()))
        seen.setdefault(key, d)
        counts[key] = counts.get(key, 0) + 1
    return [{**seen[k], "runs": counts[k]} for k in sorted(seen, key=lambda k: -counts[k])]


def _equivalents(tasks: dict[str, GroupStats]) -> tuple[dict[str, list[dict[str, Any]]], str]:
    try:
        from wattprint.carbon import equivalents
    except ImportError:
        return {}, "equivalents unavailable: this wattprint has no wattprint.carbon.equivalents"
    out: dict[str, list[dict[str, Any]]] = {}
    for task, st in tasks.items():
        if st.emissions_g_per_1k is None:
            continue
        eqs = equivalents(st.energy_wh_per_1k.mean, st.emissions_g_per_1k.mean)
        out[task] = [
            {k: getattr(e, k, None) for k in ("id", "name", "value", "unit", "source", "year")} for e in eqs
        ]
    return out, "per 1,000 inferences at each task's mean energy and emissions"


def build_report(results: Sequence[RunResult], families: Sequence[str] = DEFAULT_FAMILIES) -> ReportData:
    """All figures of the report from ``results``."""
    ok = usable(results)
    tasks = by_task(ok)
    task_values: dict[str, list[tuple[str, float]]] = {}
    for r in ok:
        task_values.setdefault(r.config.task, []).append((r.config.model, summary_of(r).wh_per_1k_mean))
    points, fit = energy_vs_parameters(ok)
    fits_by_task = {}
    for t in sorted({p.task for p in points}):
        _, f = energy_vs_parameters(ok, task=t)
        if f is not None and f.n >= 3:
            fits_by_task[t] = f
    lpoints, lfit = energy_vs_output_length(ok)
    eqs, note = _equivalents(tasks)
    return ReportData(
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        runs=len(ok),
        failed=sum(1 for r in results if r.status != "ok"),
        tasks=tasks,
        task_values=task_values,
        leaderboard=leaderboard(ok),
        params_points=points,
        params_fit=fit,
        params_fits_by_task=fits_by_task,
        length_points=lpoints,
        length_fit=lfit,
        multi=multi_vs_specific(ok, families),
        families=list(families),
        audit=audit_summary(ok),
        provenance=provenance_summary(ok),
        carbon_factors=_carbon_factors(ok),
        equivalents=eqs,
        equivalents_note=note,
        timed=_timed(ok),
        quality=quality_overview(ok, families),
    )


def _timed(runs: Sequence[RunResult]) -> list[dict[str, Any]]:
    """Runs with time-resolved carbon: flat vs timed g CO2e per 1,000, intensity met, the series and its trace."""
    out = []
    for r in runs:
        t = r.carbon_timed
        if t is None:
            continue
        out.append({
            "run_id": r.run_id, "task": r.config.task, "model": r.config.model,
            "flat_g_per_1k": t.average_g_co2e_per_1k, "timed_g_per_1k": t.g_co2e_per_1k,
            "flat_intensity_g_per_kwh": t.average_intensity_g_per_kwh,
            "mean_intensity_g_per_kwh": t.mean_intensity_g_per_kwh, "span_s": t.span_s,
            "series": t.series.label(), "origin": t.series.origin,
            "start": t.windows[0].start.isoformat() if t.windows else None,
            "end": t.windows[-1].end.isoformat() if t.windows else None,
            "trace": [[p.t.isoformat(), p.g_per_kwh] for p in t.trace],
        })
    return out


def build_report_columns(
    c: RunColumns, families: Sequence[str] = DEFAULT_FAMILIES, timed_runs: Sequence[RunResult] = (),
    quality_runs: Sequence[RunResult] = (), task_values: bool = True,
) -> ReportData:
    """:func:`build_report` from columns (``ResultStore.columns``): the same figures without a
    :class:`RunResult` per run. The only documents the report needs: ``timed_runs``, the usable runs
    that carry time-resolved carbon (``ResultStore.list_timed``), and ``quality_runs``, the usable runs
    of every task (and its zero-shot twin) where some run carries quality scores. ``task_values``: False
    leaves ``ReportData.task_values`` empty (only the HTML page's box plot shows them: a pair per run)."""
    from wattprint.analysis import columnar as col

    tasks = col.by_task_columns(c)
    points, fit = col.energy_vs_parameters_columns(c)
    fits_by_task = {}
    for t in sorted({p.task for p in points}):
        _, f = col.energy_vs_parameters_columns(c, task=t)
        if f is not None and f.n >= 3:
            fits_by_task[t] = f
    lpoints, lfit = col.energy_vs_output_length_columns(c)
    eqs, note = _equivalents(tasks)
    return ReportData(
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        runs=len(c),
        failed=c.failed,
        tasks=tasks,
        task_values=col.task_values_columns(c) if task_values else {},
        leaderboard=col.leaderboard_columns(c),
        params_points=points,
        params_fit=fit,
        params_fits_by_task=fits_by_task,
        length_points=lpoints,
        length_fit=lfit,
        multi=col.multi_vs_specific_columns(c, families),
        families=list(families),
        audit=col.audit_summary_columns(c),
        provenance=col.provenance_summary_columns(c),
        carbon_factors=col.carbon_factors_columns(c),
        equivalents=eqs,
        equivalents_note=note,
        timed=_timed(timed_runs),
        quality=quality_overview(quality_runs, families),
    )
