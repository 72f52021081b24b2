"""The ``wattprint`` command. Only the face: every command delegates to a layer.

Each command group lives in its own module with a ``register(app)`` function.
Heavy imports (torch, transformers, ray, plotly) happen inside commands, never
at import time, so ``wattprint --help`` stays instant.
"""

from __future__ import annotations

import importlib
import sys

import typer

from wattprint import __version__
from wattprint.cli.common import err_console
from wattprint.errors import StopSignal, WattprintError, interrupt_exit_code, stop_signals_raise
from wattprint.report.termtext import markup_safe

app = typer.Typer(
    name="wattprint",
    help="Measure the energy and carbon of AI inference, with provenance and error bars.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: command modules, each with register(app)
COMMAND_MODULES = (
    "meters_cmd",
    "carbon_cmd",
    "run_cmd",
    "results_cmd",
    "report_cmd",
    "import_cmd",
    "sweep_cmd",
    "when_cmd",
    "quality_cmd",
    "serve_cmd",
)



def _version(value: bool) -> None:
    if value:
        typer.echo(f"wattprint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """wattprint: what does this model cost the planet per 1,000 queries, on my hardware?"""


for _name in COMMAND_MODULES:
    _mod = importlib.import_module(f"wattprint.cli.{_name}")
    _mod.register(app)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: one-line errors with a hint, non-zero exit."""
    stop = StopSignal()
    try:
        with stop_signals_raise() as stop:  # SIGTERM / SIGHUP stop a command like Ctrl-C, with its cleanup
            app(args=argv, standalone_mode=True)
    except WattprintError as exc:
        err_console.print(f"[bold red]error:[/] {markup_safe(exc.message)}", soft_wrap=True)
        if exc.hint:
            err_console.print(f"[dim]hint:[/] {markup_safe(exc.hint)}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        err_console.print("[bold red]interrupted[/]: finished results are kept in the store")
        return interrupt_exit_code(exc)
    except SystemExit as exc:  # typer/click exits (typer turns an interrupt into exit 130)
        code = exc.code
        if stop.signum is not None and code == 130:
            return 128 + stop.signum  # 143 for SIGTERM, as the shell reports a kill
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
