"""``wattprint import quality FILE`` and ``wattprint recommend``: quality next to energy.

Names and values that come from files are printed as text (``report.termtext``: control characters shown as
escapes, never markup); table names stay on one line, shortened in the middle when the terminal is narrow.
Both commands only read or update runs that exist: a missing store is an error, never created.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, fmt, print_json, task_filter
from wattprint.report.termtext import OneLine, plain


def import_quality_cmd(
    path: Path = typer.Argument(..., help="CSV: long (model,task,dataset,metric,value[,n]) or wide (the study's)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read, check and match; store nothing."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Attach quality figures from a table to stored runs (by model, task, dataset), in one transaction."""
    from wattprint.results.importers.quality import join_quality, read_quality_table
    from wattprint.results.store import ResultStore
    from wattprint.workloads.base import TASKS

    rows = read_quality_table(path, TASKS.names())  # every row checked first: one bad row stores nothing
    with ResultStore.existing(db) as store:
        outcome = join_quality(rows, store.list(status="ok"), source_name=Path(path).name)
        if not dry_run and outcome.updated:
            store.put_many(outcome.updated)
        db_path = str(store.path)
    doc = {
        "file": str(path), "db": db_path, "dry_run": dry_run, "rows": len(rows),
        "matched_rows": len(outcome.matched), "runs_updated": len(outcome.updated),
        "unmatched": [asdict(r) for r in outcome.unmatched],
    }
    if as_json:
        print_json(doc)
        return
    verb = "would be attached (dry run)" if dry_run else "attached"
    console.print(plain(f"{len(rows)} quality figures read from {path}: {len(outcome.matched)} matched stored runs "
                       f"and {verb} to {len(outcome.updated)} run(s) in {db_path}"))
    if outcome.unmatched:
        console.print(plain(f"{len(outcome.unmatched)} figure(s) matched no stored run (model, task, dataset):"))
        for r in outcome.unmatched:
            console.print(plain(f"  {r.describe()}"))


def _point_line(p: Any) -> str:
    ci = f" (95% {fmt(p.quality_ci95[0], 3)}-{fmt(p.quality_ci95[1], 3)})" if p.quality_ci95 else ""
    kind = "multi-purpose" if p.multi_purpose else "task-specific"
    return (f"{p.model} [{kind}]: {p.metric} {fmt(p.quality, 4)}{ci}, {fmt(p.wh_per_1k, 3)} Wh per 1,000 "
            f"(95% {fmt(p.wh_per_1k_ci95[0], 3)}-{fmt(p.wh_per_1k_ci95[1], 3)}, {_provenance(p.measured_share)})")


def _provenance(share: float) -> str:
    """How the energy was obtained, in words: an estimate is never shown as a measurement."""
    from wattprint.results.schema import share_words

    return share_words(share)


def recommend_cmd(
    task: str = typer.Option(..., "--task", "-t", help="Task (its zero-shot twin is included)."),
    min_quality: float = typer.Option(..., "--min-quality", help="The bar, in the metric's unit (0.93, not 93)."),
    metric: str = typer.Option(None, "--metric", help="Quality metric (default: the task's first one present)."),
    dataset: str = typer.Option(None, "--dataset", "-d", help="Dataset (needed when the task has several)."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The lowest-energy model that meets a quality bar, the runner-up, and whether the gap beats the noise."""
    from wattprint.analysis.quality import recommend
    from wattprint.results.store import ResultStore

    with ResultStore.existing(db) as store:
        runs = store.list(status="ok")
    rec = recommend(runs, task_filter(task), min_quality, metric=metric, dataset=dataset)
    if as_json:
        print_json(rec.to_dict())
        return
    op = ">=" if rec.higher_is_better else "<="
    console.print(plain(f"{rec.task} on {rec.dataset}: lowest energy with {rec.metric} {op} {rec.min_quality:g}"))
    if rec.best is None:
        console.print(plain(f"  no model reaches {rec.metric} {op} {rec.min_quality:g}"))
        if rec.best_reached is not None:
            console.print(plain(f"  best reached: {_point_line(rec.best_reached)}"))
    else:
        console.print(plain(f"  best: {_point_line(rec.best)}"))
        for p in rec.tied_with:
            console.print(plain(f"  tied (same energy): {_point_line(p)}"))
        if rec.runner_up is not None:
            noise = "larger than" if rec.gap_exceeds_noise else "within"
            console.print(plain(f"  runner-up: {_point_line(rec.runner_up)}"))
            console.print(plain(f"  the runner-up uses {fmt(rec.gap_ratio, 3)}x the energy; the gap is {noise} the "
                               "noise (95% energy intervals " + ("apart)" if rec.gap_exceeds_noise else "overlap)")))
        else:
            console.print("  no runner-up: one model meets the bar")
        if (rec.multi_over_specific_energy is not None and rec.best_multi_purpose is not None
            and rec.best_task_specific is not None):
            console.print(plain(f"  multi-purpose vs task-specific: {rec.best_multi_purpose.model} meets the bar with "
                               f"{fmt(rec.multi_over_specific_energy, 3)}x the energy of "
                               f"{rec.best_task_specific.model}"))
    if rec.missing_quality:
        console.print(plain(f"  no {rec.metric} for: {', '.join(rec.missing_quality)} "
                           "(run with labels, or wattprint import quality FILE)"))
    _print_points(rec)


def _print_points(rec: Any) -> None:
    t = Table(title_justify="left", title="All models (front *: on the Pareto front of energy vs quality)",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    cols = ("model", "kind", rec.metric, "Wh/1k", "Wh/1k\ncorrect", "measured", "front")
    for col in cols:  # numbers never cut; only the model name shortens
        t.add_column(col, justify="left" if col in ("model", "kind") else "right", no_wrap=col != "model")
    for p in sorted(rec.points, key=lambda p: p.wh_per_1k):
        t.add_row(OneLine(p.model), "multi" if p.multi_purpose else "specific", fmt(p.quality, 4),
                  fmt(p.wh_per_1k, 3), fmt(p.wh_per_1k_correct, 3), f"{p.measured_share:.0%}",
                  "*" if p.on_front else "")
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``wattprint recommend``, and ``quality`` to the ``wattprint import`` group."""
    from wattprint.cli.import_cmd import import_app

    import_app.command("quality")(import_quality_cmd)
    app.command("recommend")(recommend_cmd)
