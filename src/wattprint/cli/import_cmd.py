"""``wattprint import codecarbon PATH...``: CodeCarbon logs into the result store, audited;
``wattprint import results FILE...``: result JSON files (fallback files, ``--out`` folders) back into it."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.table import Table

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, err_console, print_json
from wattprint.report.termtext import OneLine, markup_safe, plain

#: warnings printed in the terminal (--json lists all)
MAX_WARNINGS = 5

import_app = typer.Typer(help="Bring into the result store: other tools' energy logs, quality tables, result files.",
                         no_args_is_help=True)


class ImportProgress:
    """A spinner while files are checked, then a bar of rows built and stored, on stderr; only in a
    terminal and without ``--json`` (nothing is drawn otherwise). Transient: gone when done."""

    def __init__(self, enabled: bool) -> None:
        self.live = enabled and err_console.is_terminal
        self._progress: Any = None
        self._task: Any = None

    @contextmanager
    def checking(self) -> Iterator[None]:
        if not self.live:
            yield
            return
        with err_console.status("checking CodeCarbon logs ...", spinner="dots"):
            yield

    @contextmanager
    def building(self, what: str) -> Iterator[None]:
        if not self.live:
            yield
            return
        from rich import progress as rp

        self._progress = rp.Progress(rp.TextColumn(what), rp.BarColumn(), rp.MofNCompleteColumn(),
                                     rp.TextColumn("rows"), rp.TimeElapsedColumn(), console=err_console,
                                     transient=True)
        self._task = self._progress.add_task(what, total=None)
        with self._progress:
            yield
        self._progress = None

    def update(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)


@import_app.command("codecarbon")
def codecarbon_cmd(
    paths: list[str] = typer.Argument(..., help="emissions.csv files, task logs, or folders (read recursively)."),
    task: str = typer.Option(None, "--task", help="Task for every run (default: from file names)."),
    dataset: str = typer.Option(None, "--dataset", help="Dataset for every run (default: from file names)."),
    phase: str = typer.Option("query", "--phase", help="Task-log phase to import: query, load, or all."),
    params: str = typer.Option(None, "--params", help="CSV of model_name,num_parameters."),
    inferences: int = typer.Option(1000, "--inferences", help="Inferences per phase (the study: 1,000)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Parse and audit, store nothing."),
    processes: int = typer.Option(None, "--processes", min=0, max=64,
                                  help="Worker processes for large logs (default: one per CPU, at most 4, "
                                       "for logs of 32 MB or more; 0: this process only)."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Read CodeCarbon 2.x/3.x logs, flag guessed components, store all runs in one transaction."""
    from wattprint.analysis.audit import AuditTally
    from wattprint.results.importers import stream_codecarbon
    from wattprint.results.store import ResultStore
    from wattprint.workloads.base import TASKS

    if task is not None:
        task = TASKS.canonical(task)  # aliases accepted; unknown names list close matches
    progress = ImportProgress(enabled=not as_json)
    with progress.checking():
        outcome = stream_codecarbon(paths, task=task, dataset=dataset, phase=phase, params_file=params,
                                    inferences=inferences, tasks=TASKS.names(), workers=processes)
    tally = AuditTally()

    def audited():  # columns straight from the rows: no document is built (it is rebuilt when shown)
        from wattprint.results.columns import StoredRun

        for r in outcome.stored:
            if isinstance(r, StoredRun):
                tally.add_stored(r)
            else:
                tally.add_batch(r)
            progress.update(outcome.rows_built, outcome.rows)
            yield r

    # Runs are built and dropped one by one: full collections over the long-lived objects only cost
    # time here (about a fifth of the import), so this command collects less often while it imports.
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    t0 = time.perf_counter()
    db_path = None
    try:
        with progress.building("checking" if dry_run else "building and storing"):
            if dry_run:
                for _ in audited():
                    pass
            else:
                with ResultStore(db) as store:  # one transaction: a bad row, Ctrl-C or a full disk stores nothing
                    store.put_stored(audited())
                    db_path = str(store.path)
    finally:
        outcome.close()  # an error or a signal: stop worker processes now
        gc.set_threshold(*threshold)
        gc.unfreeze()
    store_s = time.perf_counter() - t0
    audit = tally.summary()
    summary = {
        "stored": 0 if dry_run else outcome.count,
        "runs": outcome.count,
        "db": db_path,
        "files_read": outcome.files_read,
        "task_logs": outcome.task_logs,
        "emissions_files": outcome.emissions_files,
        "skipped_non_codecarbon": outcome.skipped,
        "unlabelled": outcome.unlabelled,
        "whole_tracker_runs": outcome.whole_tracker,
        "phase": outcome.phase,
        "by_task": outcome.by_task(),
        "params_missing": outcome.params_missing,
        "warnings": outcome.warnings,
        "processes": {"check": outcome.check_processes, "build": outcome.build_processes},
        "parse_s": round(outcome.scan_seconds, 3),
        "store_s": round(store_s, 3),
        "audit": audit,
    }
    if as_json:
        print_json(summary)
        return
    verb = "parsed (dry run, nothing stored)" if dry_run else f"imported into {markup_safe(db_path)}"
    console.print(
        f"[bold]{outcome.count}[/] CodeCarbon runs {verb}: {outcome.task_logs} task logs, "
        f"{outcome.emissions_files} emissions files; check {outcome.scan_seconds:.1f} s, "
        f"build and store {store_s:.1f} s"
    )
    if outcome.skipped:
        console.print(f"[dim]skipped {len(outcome.skipped)} CSV file(s) that are not CodeCarbon logs: "
                      f"{markup_safe(', '.join(outcome.skipped[:3]))}{' ...' if len(outcome.skipped) > 3 else ''}[/]")
    if outcome.unlabelled:
        console.print(f"[yellow]{outcome.unlabelled} run(s) have no task or dataset[/] (no study file name, no "
                      "linked emissions.csv row): stored under task 'unknown'; give --task/--dataset, or import "
                      "the emissions.csv files alongside their task logs")
    if outcome.whole_tracker:
        console.print(f"[yellow]{outcome.whole_tracker} run(s) come from emissions.csv rows without task phases:[/] "
                      "their energy is the whole tracker window (model loading included)")
    if outcome.params_missing:
        console.print(f"[dim]no parameter count for {len(outcome.params_missing)} model(s)[/]")
    for w in outcome.warnings[:MAX_WARNINGS]:
        console.print(f"[yellow]warning:[/] {markup_safe(w)}", soft_wrap=True)
    if len(outcome.warnings) > MAX_WARNINGS:
        console.print(f"[yellow]{len(outcome.warnings) - MAX_WARNINGS} more warning(s)[/]: --json lists them all")
    t = Table(title="runs per task", title_justify="left")
    t.add_column("task")
    t.add_column("runs", justify="right", no_wrap=True)
    for k, v in outcome.by_task().items():
        t.add_row(OneLine(k), str(v))
    console.print(t)
    a = audit
    console.print(
        f"[bold]audit:[/] {a['flagged']} of {a['runs']} runs have components guessed rather than measured; "
        f"guessed share of a flagged run's energy: mean {100 * a['mean_guessed_share']:.0f}% "
        f"(range {100 * a['min_guessed_share']:.0f}-{100 * a['max_guessed_share']:.0f}%)"
    )
    if a["components"]:
        at = Table(title_justify="left")
        for col in ("component", "runs flagged", "mean share", "range", "why (example)"):
            at.add_column(col, no_wrap=col in ("runs flagged", "mean share", "range"))
        for comp, v in a["components"].items():
            at.add_row(OneLine(comp), str(v["runs"]), f"{100 * v['mean_share']:.0f}%",
                       f"{100 * v['min_share']:.0f}-{100 * v['max_share']:.0f}%", plain(v["example_reason"]))
        console.print(at)


@import_app.command("results")
def results_cmd(
    paths: list[str] = typer.Argument(..., help="Result JSON files (e.g. wattprint-unsaved-*.json) or folders."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Bring result JSON files back into the store (fallback files a failed store write left, --out folders).

    Validated; a run id already stored is left as it is (safe to repeat)."""
    from wattprint.errors import WattprintError
    from wattprint.results.store import ResultStore
    from wattprint.results.unsaved import import_result_files

    with ResultStore(db) as store:
        outcome = import_result_files(paths, store)
        db_path = str(store.path)
    if as_json:
        print_json({"db": db_path, "imported": outcome.imported, "already_stored": outcome.already,
                    "rejected": [{"file": str(p), "reason": why} for p, why in outcome.rejected]})
    else:
        console.print(f"{len(outcome.imported)} run(s) imported into {db_path}, {len(outcome.already)} already "
                      f"stored, {len(outcome.rejected)} file(s) rejected", markup=False, highlight=False)
        for _, why in outcome.rejected:
            console.print(f"  rejected: {why}", markup=False, highlight=False, soft_wrap=True)
    if outcome.rejected:
        raise WattprintError(f"{len(outcome.rejected)} file(s) are not valid wattprint results: "
                             f"{outcome.rejected[0][1]}", "check them with: wattprint results validate FOLDER")


def register(app: typer.Typer) -> None:
    """Add ``wattprint import`` to the root app."""
    app.add_typer(import_app, name="import")
