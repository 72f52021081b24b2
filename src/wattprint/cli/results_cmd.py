"""``wattprint results list|show|export|validate``: read what runs stored."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, print_json
from wattprint.errors import WattprintError

results_app = typer.Typer(help="List, show, export and validate stored results.", no_args_is_help=True)


def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.{digits}g}"


def _store(db: str | None):
    from wattprint.results.store import ResultStore

    return ResultStore(db)


@results_app.command("list")
def list_cmd(
    task: str = typer.Option(None, "--task", help="Only this task."),
    model: str = typer.Option(None, "--model", help="Only this model."),
    status: str = typer.Option(None, "--status", help="ok or failed."),
    origin: str = typer.Option(None, "--origin", help="wattprint or codecarbon (imported)."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """One line per stored run: Wh and g CO2e per 1,000 inferences, with provenance."""
    from wattprint.results.export import flatten

    with _store(db) as store:
        runs = store.list(task=task, model=model, status=status, origin=origin)
        path = store.path
    rows = [flatten(r) for r in runs]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"no runs in {path}")
        return
    t = Table(title=f"{len(rows)} run(s) in {path}", title_justify="left")
    for col in ("run", "task", "model", "dataset", "status", "Wh/1k", "95% interval", "g CO2e/1k", "provenance"):
        t.add_column(col, overflow="fold")
    for row in rows:
        ci = (
            f"{_fmt(row['wh_per_1k_ci95_low'])} - {_fmt(row['wh_per_1k_ci95_high'])}"
            if row["wh_per_1k_mean"] is not None
            else "-"
        )
        status_txt = row["status"] if row["status"] == "ok" else f"[red]failed[/]: {row['error'] or ''}"
        t.add_row(
            row["run_id"][:10],
            row["task"],
            row["model"],
            row["dataset"],
            status_txt,
            _fmt(row["wh_per_1k_mean"]),
            ci,
            _fmt(row["g_co2e_per_1k"]),
            row["provenance"],
        )
    console.print(t)


@results_app.command("show")
def show_cmd(
    run_id: str = typer.Argument(..., help="Run id or a unique prefix of it."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Everything stored about one run, each energy figure with its provenance."""
    with _store(db) as store:
        r = store.get(run_id)
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
    db: str = DB_OPTION,
) -> None:
    """One row per run (summaries flattened) as CSV, Parquet or JSON."""
    from wattprint.results import export as ex

    chosen = [f for f, on in (("csv", csv_fmt), ("parquet", parquet_fmt), ("json", json_fmt)) if on]
    if len(chosen) > 1:
        raise WattprintError("choose one of --csv, --parquet, --json", "e.g. wattprint results export runs.csv --csv")
    fmt = chosen[0] if chosen else None
    with _store(db) as store:
        runs = store.list(task=task, model=model, status=status, origin=origin)
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
    console.print(f"wrote {len(runs)} run(s) to {out}")


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
                    {"file": c.path.name, "run_id": c.run_id, "status": c.status, "ok": c.ok, "problems": c.problems}
                    for c in checks
                ],
            }
        )
    else:
        for c in checks:
            mark = "[green]ok[/]" if c.ok else "[red]INVALID[/]"
            console.print(f"{mark} {c.path.name}" + ("" if c.ok else ": " + "; ".join(c.problems)))
        console.print(f"{len(checks)} file(s), {len(bad)} invalid")
    if not checks:
        raise WattprintError(f"no result files (*.json) in {folder}", "pass the folder given to --out")
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``wattprint results ...`` to the root app."""
    app.add_typer(results_app, name="results")
