"""``wattprint results list|show|export|validate``: read what runs stored."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, fmt, fmt_half, print_json, task_filter
from wattprint.errors import WattprintError
from wattprint.report.termtext import OneLine, markup_safe, plain

#: rows the terminal table shows by default (a store may hold a million runs)
TABLE_LIMIT = 200

results_app = typer.Typer(help="List, show, export and validate stored results.", no_args_is_help=True)


def _store(db: str | None):
    from wattprint.results.store import ResultStore

    return ResultStore.existing(db)  # these commands only read: a mistyped --db creates nothing


def _serving_runs(store, task: str | None, model: str | None, status: str | None, origin: str | None) -> list:
    """Serving runs (their own table) unless a filter excludes them (--task other than serving, --origin)."""
    if (task is not None and task != "serving") or (origin is not None and origin != "wattprint"):
        return []
    from wattprint.results.serving import ServingStore

    return ServingStore(store).list(model=model, status=status)


def _serving_count(store) -> int:
    """How many serving runs the store holds, whatever the filters."""
    from wattprint.results.serving import ServingStore

    return len(ServingStore(store).list())


@results_app.command("list")
def list_cmd(
    task: str = typer.Option(None, "--task", help="Only this task."),
    model: str = typer.Option(None, "--model", help="Only this model."),
    status: str = typer.Option(None, "--status", help="ok or failed."),
    origin: str = typer.Option(None, "--origin", help="wattprint or codecarbon (imported)."),
    limit: int = typer.Option(None, "--limit", min=0,
                              help="Only the latest N matching runs (default: 200 in the table, all in --json)."),
    only_serving: bool = typer.Option(False, "--serving", help="Only serving runs (same as --task serving)."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """One line per stored run: Wh and g CO2e per 1,000 inferences, with provenance."""
    from wattprint.results.export import flatten

    if limit is None and not as_json:
        limit = TABLE_LIMIT
    if only_serving:
        if task not in (None, "serving"):
            raise WattprintError("--serving lists serving runs only, not a task's", "drop --task or --serving")
        task = "serving"
    task = task_filter(task)  # an alias (sentiment-analysis) finds its task's runs
    with _store(db) as store:
        runs = store.list(task=task, model=model, status=status, origin=origin, limit=limit)
        matching = store.count_where(task=task, model=model, status=status, origin=origin) if limit else len(runs)
        path = store.path
        serving = _serving_runs(store, task, model, status, origin)
        serving_total = _serving_count(store) if not runs and not serving else 0
    rows = [flatten(r) for r in runs]
    if as_json:
        print_json(rows + [s.model_dump(mode="json", exclude={"levels"}) | {"levels": len(s.levels)}
                           for s in serving])
        return
    if serving:
        from wattprint.cli.serve_render import serving_list_table

        console.print(serving_list_table(serving, path))
    if not rows:
        if not serving:
            console.print(plain(f"no runs in {path}" if task is None and model is None and status is None
                                and origin is None else f"no matching runs in {path}"))
            if serving_total:  # a store of serving runs said 'no runs' (they are in their own table)
                import shlex

                where = f" --db {shlex.quote(str(path))}" if db else ""
                console.print(plain(f"it holds {serving_total} serving run(s): "
                                    f"wattprint results list --serving{where}"))
        return
    cells = []
    for row in rows:
        ok = row["wh_per_1k_mean"] is not None
        half = (row["wh_per_1k_ci95_high"] - row["wh_per_1k_ci95_low"]) / 2 if ok else None
        cells.append({
            "run": row["run_id"][:8],
            "task": row["task"],
            "model": row["model"],
            "dataset": row["dataset"],
            "status": "ok" if row["status"] == "ok" else "[red]failed[/]",
            "Wh/1k": fmt(row["wh_per_1k_mean"], 3),
            "±": fmt_half(half) if ok else "-",
            "g/1k": fmt(row["g_co2e_per_1k"], 3),
            "provenance": row["provenance"] if ok else None,
            "measured": f"{100 * row['measured_share']:.0f}%" if ok else None,
        })
    from wattprint.report.terminal import WIDE

    narrow = console.width < WIDE  # status goes into Wh/1k, g/1k is left out, provenance becomes a share
    caption = ["Wh/1k: energy per 1,000 inferences, ±: 95% interval half-width"
               + ("; measured: share of the energy read from hardware sensors, the rest estimated" if narrow
                  else ", g/1k: g CO2e per 1,000")]
    columns = ["run", "task", "model", "dataset", "Wh/1k", "±", "measured"] if narrow else \
        ["run", "task", "model", "dataset", "status", "Wh/1k", "±", "g/1k", "provenance"]
    if narrow:
        for c in cells:
            if c["Wh/1k"] == "-":
                c["Wh/1k"] = c["status"]
        caption.append(f"narrow terminal ({console.width} columns): g CO2e per 1,000 left out; widen to {WIDE}+ "
                       "columns or use --json")
    for col in ("dataset", "provenance", "measured"):  # the same on every row: say it once, below the table
        values = {c[col] for c in cells if c[col] is not None}
        if col in columns and len(values) == 1:
            columns.remove(col)
            caption.append(f"{col}: {values.pop()} for every run")
    if matching > len(rows):
        caption.append(f"the latest {len(rows)} of {matching} matching runs: --limit N or filters for others")
    names = ("task", "model", "dataset")  # one line each, shortened in the middle when the terminal is narrow
    t = Table(title=plain(f"{len(rows)} run(s) in {path}"), title_justify="left", box=box.SIMPLE_HEAD,
              pad_edge=False, collapse_padding=True, caption=plain("; ".join(caption)), caption_justify="left")
    for col in columns:
        t.add_column(col, no_wrap=col not in (*names, "provenance"),
                     justify="right" if col in ("Wh/1k", "±", "g/1k") else "left")
    for c in cells:
        t.add_row(*[OneLine(c[col] or "-") if col in names
                    else c[col] if col in ("status", "Wh/1k") else plain(c[col] or "-") for col in columns])
    console.print(t)
    for row in rows:
        if row["status"] != "ok":
            console.print(f"[red]failed[/] {markup_safe(row['run_id'][:8])}: "
                          f"{markup_safe(row['error'] or 'no reason recorded')}")


@results_app.command("show")
def show_cmd(
    run_id: str = typer.Argument(..., help="Run id or a unique prefix of it."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Everything stored about one run, each energy figure with its provenance."""
    from wattprint.results.serving import ServingStore

    with _store(db) as store:
        serving = ServingStore(store).find(run_id)
        r = store.get(run_id) if serving is None else None
    if serving is not None:
        if as_json:
            print_json(serving)
            return
        from wattprint.cli.serve_render import print_serving

        print_serving(serving, full=True)
        return
    assert r is not None  # store.get raises when the id is unknown
    if as_json:
        print_json(r)
        return
    from wattprint.cli.run_render import print_run

    print_run(r, full=True)


@results_app.command("export")
def export_cmd(
    path: str = typer.Argument(..., help="Output file ('-' = stdout, CSV or JSON only)."),
    csv_fmt: bool = typer.Option(False, "--csv", help="CSV (default, or from the file suffix)."),
    parquet_fmt: bool = typer.Option(False, "--parquet", help="Parquet (needs pyarrow)."),
    json_fmt: bool = typer.Option(False, "--json", help="JSON array of flat rows."),
    task: str = typer.Option(None, "--task", help="Only this task."),
    model: str = typer.Option(None, "--model", help="Only this model."),
    status: str = typer.Option(None, "--status", help="ok or failed."),
    origin: str = typer.Option(None, "--origin", help="wattprint or codecarbon."),
    serving: bool = typer.Option(False, "--serving", help="Serving runs instead: one row per run and level."),
    db: str = DB_OPTION,
) -> None:
    """One row per run (summaries flattened) as CSV, Parquet or JSON; --serving: one row per serving level."""
    from wattprint.results import export as ex

    chosen = [f for f, on in (("csv", csv_fmt), ("parquet", parquet_fmt), ("json", json_fmt)) if on]
    if len(chosen) > 1:
        raise WattprintError("choose one of --csv, --parquet, --json", "e.g. wattprint results export runs.csv --csv")
    fmt = chosen[0] if chosen else None
    if serving:
        from wattprint.results.atomic import check_output_file, write_text_atomic
        from wattprint.results.serving import ServingStore, export_levels

        for value, option in ((task, "--task"), (origin, "--origin")):
            if value is not None:
                raise WattprintError(f"{option} does not apply to serving runs", "filter them with --model or --status")
        if fmt is None:  # as for runs: from the suffix, else CSV (x.parquet was written as CSV text)
            fmt = ("csv" if path == "-" else Path(path).suffix.lstrip(".").lower()) or "csv"
        if path != "-":
            check_output_file(path)
        with _store(db) as store:
            sruns = ServingStore(store).list(model=model, status=status)
        text, n = export_levels(sruns, fmt)
        if path == "-":
            sys.stdout.write(text)
            return
        write_text_atomic(path, text)
        console.print(plain(f"wrote {n} level row(s) of {len(sruns)} serving run(s) to {path}"))
        return
    with _store(db) as store:
        runs = store.list(task=task_filter(task), model=model, status=status, origin=origin)
    if path == "-":
        fmt = fmt or "csv"
        if fmt == "parquet":
            raise WattprintError("Parquet cannot go to stdout", "give a file name, e.g. runs.parquet")
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            out = ex.export(runs, Path(tmp) / f"out.{fmt}", fmt)
            sys.stdout.write(out.read_text(encoding="utf-8"))
        return
    out = ex.export(runs, path, fmt)
    console.print(plain(f"wrote {len(runs)} run(s) to {out}"))


@results_app.command("validate")
def validate_cmd(
    folder: Path = typer.Argument(..., help="A folder of <run_id>.json files (from --out)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-validate every result document in FOLDER against the schema; exit 1 if any is invalid."""
    from wattprint.results.files import validate_dir

    checks = validate_dir(folder)
    bad = [c for c in checks if not c.ok]
    if as_json:
        print_json(
            {
                "folder": str(folder),
                "files": len(checks),
                "invalid": len(bad),
                "checks": [
                    {"file": c.path.name, "run_id": c.run_id, "status": c.status, "schema_version": c.schema_version,
                     "wattprint_result": c.is_result, "ok": c.ok, "problems": c.problems}
                    for c in checks
                ],
            }
        )
    else:
        for c in checks:
            mark = "[green]ok[/]" if c.ok else "[red]INVALID[/]"
            version = (f"schema v{c.schema_version}" if c.schema_version is not None
                       else "schema unknown" if c.is_result else "not a wattprint result")
            console.print(f"{mark} {markup_safe(c.path.name)} ({version})"
                          + ("" if c.ok else ": " + markup_safe("; ".join(c.problems))))
        console.print(f"{len(checks)} file(s), {len(bad)} invalid")
    if not checks:
        raise WattprintError(f"no result files (*.json) in {folder}", "pass the folder given to --out")
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``wattprint results ...`` to the root app."""
    app.add_typer(results_app, name="results")
