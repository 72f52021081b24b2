"""``wattprint meters`` (alias ``doctor``) and ``wattprint track -- CMD``: what can be measured, and measuring."""

from __future__ import annotations

import json
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

from wattprint.cli.common import JSON_OPTION, console, print_json
from wattprint.errors import WattprintError
from wattprint.report.termtext import OneLine, clean, markup_safe, plain

err = Console(stderr=True, highlight=False)

METER_OPTION = typer.Option(
    None, "--meter", "-m", help="Meter to use (repeatable): rapl, nvml, amdsmi, estimate. Default: auto-detect."
)


def _fmt_j(j: float) -> str:
    if j >= 3600:
        return f"{j:,.1f} J ({j / 3600:.4g} Wh)"
    return f"{j:.4g} J"


# -- meters / doctor ---------------------------------------------------------------------------------


def _meters_data() -> dict[str, Any]:
    from wattprint.energy.registry import describe, open_meters

    rows = [d.as_dict() for d in describe()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ms = open_meters()
    try:
        auto: dict[str, Any] = {
            "meters": ms.names,
            "components": {c: ms.provenance(c).to_dict() for c in ms.components()},
            "all_measured": ms.all_measured,
            "notes": list(ms.notes),
            "warnings": [str(w.message) for w in caught],
        }
    finally:
        ms.close()
    estimated = [c for c, p in auto["components"].items() if p["method"] == "model"]
    if not estimated:
        verdict = "every component is MEASURED by hardware counters or power sensors"
    else:
        verdict = f"ESTIMATED (model, not measured): {', '.join(estimated)}"
    return {"meters": rows, "auto": auto, "verdict": verdict}


def meters(json_: bool = JSON_OPTION) -> None:
    """What this machine can measure, what is estimated and why, and how to enable what is missing."""
    data = _meters_data()
    if json_:
        print_json(data)
        return
    table = Table(title="Energy sources on this machine", show_lines=True)
    for col in ("meter", "status", "components"):
        table.add_column(col, no_wrap=True)
    table.add_column("detail / how to enable")  # wraps at spaces; a word too long for it ends in an ellipsis
    for r in data["meters"]:
        if r["available"]:
            status = "[green]measured[/]" if r["method"] != "model" else "[yellow]estimate[/]"
            detail = plain(f"{r.get('detail', '')} ")
            detail.append(f"(scope: {clean(r.get('scope', ''))})", style="dim")
        else:
            status = "[red]unavailable[/]"
            detail = plain(r.get("detail", ""))
            detail.append("\nfix: ", style="bold")
            detail.append(plain(r.get("fix", "")))
        table.add_row(OneLine(r["name"]), status, plain(", ".join(r["components"]) or "-"), detail)
    console.print(table)
    auto = data["auto"]
    console.print(f"[bold]wattprint will use:[/] {markup_safe(', '.join(auto['meters']))} -> "
                  f"{markup_safe(', '.join(auto['components']))}")
    style = "green" if auto["all_measured"] else "yellow"
    console.print(f"[{style}]{markup_safe(data['verdict'])}[/]")
    for note in auto["notes"]:
        console.print(f"[dim]- {markup_safe(note)}[/]", soft_wrap=True)
    for w in auto["warnings"]:
        err.print(f"[yellow]warning:[/] {markup_safe(w)}", soft_wrap=True)


# -- track ---------------------------------------------------------------------------------------------


def _report_json(report: Any, cmd: list[str], rc: int, ms: Any, warned: list[str]) -> dict[str, Any]:
    return {
        "name": report.name,
        "command": cmd,
        "exit_code": rc,
        "duration_s": report.duration_s,
        "total_joules": report.total_joules,
        "joules": report.joules,
        "mean_power_w": report.mean_power_w,
        "measured_joules": report.measured_joules,
        "estimated_joules": report.estimated_joules,
        "all_measured": report.all_measured,
        "bounds_j": list(report.bounds_j),
        "provenance": {c.component: c.provenance.to_dict() for c in report.components},
        "idle_power_w": report.idle_power_w,
        "net_joules": report.net_joules,
        "idle_share": report.idle_share,
        "meters": ms.names,
        "notes": list(ms.notes),
        "warnings": warned,
    }


def _print_summary(report: Any, cmd: list[str], rc: int, ms: Any) -> None:
    table = Table(title=plain(f"wattprint track: {' '.join(cmd)}"), title_justify="left")
    cols: tuple[tuple[str, JustifyMethod], ...] = (
        ("component", "left"), ("energy", "right"), ("share", "right"), ("range", "right"))
    for col, just in cols:
        table.add_column(col, justify=just, no_wrap=col != "component")
    table.add_column("how")
    total = report.total_joules
    for c in report.components:
        lo, hi = c.bounds_j
        share = f"{c.joules / total:.0%}" if total > 0 else "-"
        how = plain(c.provenance.label, style="" if c.provenance.measured else "yellow")
        table.add_row(OneLine(c.component), _fmt_j(c.joules), share, f"{lo:.3g}-{hi:.3g} J", how)
    err.print(table)
    lo, hi = report.bounds_j
    err.print(
        f"total {_fmt_j(total)} (range {lo:.4g}-{hi:.4g} J) in {report.duration_s:.3f} s, "
        f"mean {report.mean_power_w:.3g} W; exit code {rc}"
    )
    if report.net_total_joules is not None:
        err.print(f"net of idle {_fmt_j(report.net_total_joules)}; idle share {report.idle_share:.0%}")
    if report.estimated_joules > 0:
        err.print(
            f"[yellow]{_fmt_j(report.estimated_joules)} of this is ESTIMATED by a model, not measured[/] "
            "(run `wattprint meters` to see why and how to enable counters)",
            soft_wrap=True,
        )


#: seconds a tracked command has to exit after a forwarded stop signal before it is killed
TRACK_STOP_GRACE_S = 10.0


def _wait_forwarding_stops(proc: subprocess.Popen) -> int:
    """Wait for the tracked command; its energy is still reported however it ends.

    Ctrl-C from a terminal reaches the command too (same process group): just keep waiting. A stop
    signal sent to wattprint alone (SIGTERM, SIGHUP: :class:`Terminated`) is forwarded to the
    command, which gets :data:`TRACK_STOP_GRACE_S` s to exit before SIGKILL; never left running.
    """
    from wattprint.errors import Terminated

    deadline: float | None = None
    while True:
        try:
            if deadline is None:
                return proc.wait()
            return proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            deadline = None
        except Terminated as exc:
            proc.send_signal(exc.signum)
            deadline = time.monotonic() + TRACK_STOP_GRACE_S
        except KeyboardInterrupt:
            continue


def track(
    cmd: list[str] = typer.Argument(None, metavar="-- CMD [ARGS]...", help="The command to measure."),
    json_: bool = JSON_OPTION,
    meter: list[str] = METER_OPTION,
    name: str = typer.Option("", "--name", help="Label of the measurement (default: the command)."),
    idle: float = typer.Option(
        0.0, "--idle", help="Measure idle power for this many seconds first, to report energy net of idle."
    ),
    json_out: Path = typer.Option(
        None, "--json-out", help="Write the JSON object to this file (atomically); stdout stays the command's."
    ),
) -> None:
    """Measure the energy of any command, like `time`: wattprint track [--json] [--meter NAME] -- CMD ARGS.

    The summary goes to stderr (the command keeps stdout); --json prints one JSON object on stdout
    after the command ends (after whatever the command printed); --json-out FILE writes it to FILE
    instead, written atomically, so a command's own output never mixes with it. The exit code is the
    command's own.
    """
    from wattprint.energy.idle import measure_idle
    from wattprint.energy.registry import open_meters
    from wattprint.energy.window import Window

    if not cmd:
        raise WattprintError("no command to measure", hint="wattprint track -- python script.py")
    from wattprint.energy.idle import check_idle_seconds

    check_idle_seconds(idle, "--idle")  # nan, inf, negative and absurd lengths fail before the command runs
    if json_out is not None:
        from wattprint.results.atomic import check_output_file

        check_output_file(json_out)  # a bad path fails before the command runs, not after
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ms = open_meters(list(meter) if meter else None)
        try:
            idle_w = measure_idle(ms, idle) if idle > 0 else None
            window = Window(ms, name or " ".join(cmd), idle_w).start()
            try:
                proc = subprocess.Popen(cmd)
            except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
                window.stop()
                what = "not found" if isinstance(exc, FileNotFoundError) else "not executable"
                raise WattprintError(f"command {what}: {cmd[0]}", hint="check the command name and your PATH") from None
            rc = _wait_forwarding_stops(proc)
            report = window.stop()
        finally:
            ms.close()
    warned = [str(w.message) for w in caught]
    for w in warned:
        err.print(f"[yellow]warning:[/] {markup_safe(w)}", soft_wrap=True)
    data = _report_json(report, list(cmd), rc, ms, warned)
    if json_:
        print_json(data)
    else:
        _print_summary(report, list(cmd), rc, ms)  # shown before the file is written: a full disk loses nothing
    if json_out is not None:
        from wattprint.results.atomic import write_text_atomic

        write_text_atomic(json_out, json.dumps(data, indent=2, default=str) + "\n")
    code = rc if rc >= 0 else 128 - rc
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add ``meters``, ``doctor`` (alias) and ``track`` to the root app."""
    app.command("meters")(meters)
    app.command("doctor", help="Alias of `wattprint meters`.")(meters)
    app.command(
        "track",
        context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
    )(track)
