"""Running the CLI in-process in a test: its exit code and everything it printed, never a traceback."""

from __future__ import annotations

from wattprint.cli.main import main


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """``wattprint argv`` through :func:`main`: (exit code, stdout + stderr); fails on any traceback."""
    rc = main(argv)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text, text
    return rc, text
