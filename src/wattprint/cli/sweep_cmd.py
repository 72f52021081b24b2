"""``wattprint sweep FILE``: run a YAML sweep locally or over Ray, resuming what is stored."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, print_json
from wattprint.errors import WattprintError, stop_signals_raise
from wattprint.report.termtext import OneLine, markup_safe

err_console = Console(stderr=True, highlight=False)

EXECUTORS = ("local", "ray")
LOCKS = ("auto", "resource", "driver")


def _print_problems(exc) -> None:  # SweepFileError
    for p in exc.problems:
        err_console.print(f"[bold red]error:[/] {markup_safe(p)}", soft_wrap=True, markup=True, highlight=False)
    err_console.print(f"[dim]hint:[/] {markup_safe(exc.hint)}", soft_wrap=True)


def _n(count: int, word: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _plan_table(plan, show_runs: bool) -> None:
    c = plan.counts()
    console.print(
        f"[bold]sweep {markup_safe(plan.name)}[/]: {_n(c['runs'], 'run')} ({_n(c['models'], 'model')}, "
        f"{_n(len(c['tasks']), 'task')}, {_n(c['datasets'], 'dataset')}); [green]{c['done']} already done[/], "
        f"[bold]{c['todo']} to run[/]"
        + (f" ({c['retry_failed']} failed before)" if c["retry_failed"] else "")
    )
    by_task = Counter((r.job.config.task, r.done) for r in plan.runs)
    t = Table(show_edge=False, box=None, pad_edge=False)
    for col in ("task", "runs", "done", "to run"):
        t.add_column(col, justify="left" if col == "task" else "right")
    for task in sorted({task for task, _ in by_task}):
        done, todo = by_task.get((task, True), 0), by_task.get((task, False), 0)
        t.add_row(OneLine(task), str(done + todo), str(done), str(todo))
    console.print(t)
    if show_runs:
        for r in plan.runs:
            cfg = r.job.config
            state = "done " if r.done else ("retry" if r.failed_before else "todo ")
            ds = cfg.dataset + (f"/{cfg.dataset_config}" if cfg.dataset_config else "") + (
                f":{cfg.split}" if cfg.split else "")
            what = markup_safe(f"{cfg.task} {cfg.model} {ds} {cfg.device}")
            console.print(f"  #{r.job.index:<4} {state} {what} "
                          f"[dim]{r.job.config_hash}[/]", soft_wrap=True, highlight=False)


def _make_executor(executor: str, address: str, allow_shared: bool, cpus_per_run: float, lock: str,
                   connect_timeout: float | None = None):
    from wattprint.sweep import LocalExecutor, RayExecutor

    if executor == "local":
        if allow_shared:
            raise WattprintError("--allow-shared needs --executor ray", "the local executor runs one run at a time")
        return LocalExecutor()
    ex = RayExecutor(address=address, allow_shared=allow_shared, cpus_per_run=cpus_per_run, lock=lock)
    if connect_timeout is not None:
        ex.connect_timeout_s = connect_timeout
    return ex


def register(app: typer.Typer) -> None:
    """Add ``sweep`` to the root app."""

    @app.command("sweep")
    def sweep(
        file: Path = typer.Argument(..., help="YAML sweep file (see configs/smoke.yaml, docs/sweeps.md)."),
        db: str | None = DB_OPTION,
        executor: str = typer.Option("local", "--executor", "-e", help="local (one at a time) or ray."),
        address: str = typer.Option(
            "auto", "--address", help="Ray: auto (running cluster), ray://host:10001, host:6379, or local."
        ),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and print the plan; run nothing."),
        timeout_per_run: float | None = typer.Option(
            None, "--timeout-per-run", min=1, help="Seconds before a run is stopped and recorded as failed."
        ),
        allow_shared: bool = typer.Option(
            False, "--allow-shared", help="Ray: several runs per node; results then say counters were shared."
        ),
        cpus_per_run: float = typer.Option(1.0, "--cpus-per-run", min=0.01, help="Ray: CPUs reserved per run."),
        lock: str = typer.Option("auto", "--lock", help="Ray node lock: auto, resource or driver (docs/sweeps.md)."),
        connect_timeout: float | None = typer.Option(
            None, "--connect-timeout", min=0.1, max=3600, help="Ray: seconds the address has to answer (default 15)."
        ),
        force: bool = typer.Option(False, "--force", help="Expand a sweep beyond the 10,000-run limit anyway."),
        json_out: bool = JSON_OPTION,
    ) -> None:
        """Run every model x task x dataset x setting of a sweep file; skip runs already stored as ok."""
        from wattprint.results.store import ResultStore, resolve_db_path
        from wattprint.sweep import SweepFileError, build_plan, expand, load_sweep
        from wattprint.sweep.spec import MAX_RUNS

        if executor not in EXECUTORS:
            raise WattprintError(f"unknown executor {executor!r}", f"use one of: {', '.join(EXECUTORS)}")
        if lock not in LOCKS:
            raise WattprintError(f"unknown lock {lock!r}", f"use one of: {', '.join(LOCKS)}")
        try:
            spec, _ = load_sweep(file)
            configs = expand(spec, max_runs=None if force else MAX_RUNS)
        except SweepFileError as exc:
            _print_problems(exc)
            raise typer.Exit(2) from None
        ex = _make_executor(executor, address, allow_shared, cpus_per_run, lock, connect_timeout)

        db_path = resolve_db_path(db)
        if dry_run and not db_path.exists():  # a dry run creates no store
            plan = build_plan(configs, None, spec.name)
            if json_out:
                print_json({"dry_run": True, "db": str(db_path), **plan.to_dict()})
            else:
                _plan_table(plan, show_runs=True)
            return
        with ResultStore(db_path) as store:
            plan = build_plan(configs, store, spec.name)
            if dry_run:
                if json_out:
                    print_json({"dry_run": True, "db": str(store.path), **plan.to_dict()})
                else:
                    _plan_table(plan, show_runs=True)
                return
            if plan.todo:
                store.check_writable()  # a store that cannot take results fails now, before measuring
            if not json_out:
                _plan_table(plan, show_runs=False)
            if not plan.todo:
                if json_out:
                    print_json({"db": str(store.path), **plan.counts(), "ran": 0, "ok": 0, "failed": 0})
                else:
                    console.print("[green]nothing to do[/]: every run is stored as ok")
                return
            with stop_signals_raise() as stop:  # a kill stops the sweep like Ctrl-C
                outcome = _run_with_progress(plan, store, ex, timeout_per_run, quiet=json_out)

        if json_out:
            print_json({"db": str(store.path), **outcome.to_dict()})
        else:
            _print_outcome(outcome, str(store.path))
        if outcome.unsaved:
            files = " ".join(str(p) for p in outcome.unsaved)
            raise WattprintError(f"{len(outcome.unsaved)} result(s) are not in the store {db_path}; they are saved in "
                                 f"{files}", f"bring them back: wattprint import results {files} --db {db_path}")
        if outcome.interrupted:  # 130 for Ctrl-C, 128 + signum for a stop signal (143 SIGTERM), like every command
            raise typer.Exit(130 if stop.signum is None else 128 + stop.signum)
        if outcome.failed:
            raise typer.Exit(1)


def _run_with_progress(plan, store, ex, timeout_s, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from wattprint.sweep import run_sweep

    if quiet:
        return run_sweep(plan, store, ex, timeout_s)
    total = len(plan.todo)
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True)
    running: dict[int, str] = {}

    def on_start(job) -> None:
        running[job.index] = job.label
        progress.update(bar, description=_running_text(running))

    def on_result(rec) -> None:
        running.pop(rec.job.index, None)
        r = rec.result
        if r.status == "ok":
            figure = f"{r.summary.wh_per_1k_mean:.4g} Wh/1k" if r.summary else "ok"
            progress.console.print(f"[green]ok[/]     #{rec.job.index} {markup_safe(rec.job.label)}  {figure}  "
                                   f"({rec.wall_s:.1f} s)",
                                   soft_wrap=True, highlight=False)
        else:
            progress.console.print(f"[red]failed[/] #{rec.job.index} {markup_safe(rec.job.label)}: "
                                   f"{markup_safe(r.error)}", soft_wrap=True, highlight=False)
        if rec.unsaved is not None:
            progress.console.print(f"warning: #{rec.job.index} NOT in the store (it could not be written); "
                                   f"saved in {rec.unsaved}", soft_wrap=True, highlight=False, markup=False)
        progress.update(bar, advance=1, description=_running_text(running))

    with progress:
        bar = progress.add_task("starting", total=total)
        return run_sweep(plan, store, ex, timeout_s, on_start=on_start, on_result=on_result)


def _running_text(running: dict[int, str]) -> str:
    if not running:
        return "waiting"
    first = markup_safe(next(iter(running.values())))
    return first if len(running) == 1 else f"{first} (+{len(running) - 1} more)"


def _print_outcome(outcome, db: str) -> None:
    over = outcome.overhead_s_per_run()
    line = (f"[bold]{len(outcome.records)} ran[/] in {outcome.wall_s:.1f} s: [green]{outcome.ok} ok[/], "
            + (f"[red]{outcome.failed} failed[/]" if outcome.failed else "0 failed")
            + (f"; {outcome.skipped} skipped (already done)" if outcome.skipped else "")
            + (f"; orchestration overhead {over:.2f} s/run" if over is not None else ""))
    console.print(line)
    for rec in outcome.records:
        if rec.result.status != "ok":
            console.print(f"  [red]failed[/] {rec.result.run_id[:12]} {markup_safe(rec.job.label)}: "
                          f"{markup_safe(rec.result.error)}",
                          soft_wrap=True, highlight=False)
    if outcome.interrupted:
        console.print("[yellow]interrupted[/]: the finished runs are stored; run the same command again to resume")
    console.print(f"results in {markup_safe(db)}: wattprint results list --db {markup_safe(db)}", highlight=False)
