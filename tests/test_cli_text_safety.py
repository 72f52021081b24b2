"""User and file text reaches the terminal as text: no rich markup, no terminal control codes, no crash.

Every command family is run through the real entry point (``wattprint.cli.main.main``) with names
holding rich markup (``[/bold]``, ``[red]``) and terminal sequences (CSI colour, OSC window title, a
C1 CSI byte, a bidi override); one poisoned row in the store must not break the other commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fakes_analysis import make_run
from wattprint.cli.main import main
from wattprint.report.termtext import clean, markup_safe, plain, shorten_middle
from wattprint.results.schema import Failure
from wattprint.results.store import ResultStore

#: the hostile bits: markup that crashes rich, CSI colour, OSC title ended by BEL, 8-bit CSI, bidi override
MARKUP = "[/bold][red]x"
ESCAPES = "\x1b[31mred\x1b]0;pwned\x07\x9b2J\u202e"
NASTY = MARKUP + ESCAPES
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def _no_raw_control(text: str) -> None:
    bad = [repr(c) for c in RAW if c in text]
    assert not bad, f"raw control characters reached the terminal: {bad}\n{text!r}"


def _cli(argv: list[str], capsys, monkeypatch, width: int = 80) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", str(width))
    rc = main(argv)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text and "MarkupError" not in text, text
    return rc, text


def test_clean_makes_every_control_character_visible():
    assert clean("a\x1b[31mb") == "a\\x1b[31mb"
    assert clean("\x1b]0;t\x07") == "\\x1b]0;t\\x07"
    assert clean("x\x9by\u202ez\x7f") == "x\\x9by\\u202ez\\x7f"
    assert clean("one\ntwo\r") == "one\\ntwo\\r"
    assert clean("one\ntwo", newlines=True) == "one\ntwo"
    assert clean("héllo wörld ★ 模型") == "héllo wörld ★ 模型"  # printable text is untouched
    assert markup_safe("[/bold]x") == "\\[/bold]x"
    assert plain("[red]x").plain == "[red]x"


def test_shorten_middle_keeps_both_ends_and_the_width():
    name = "distilbert-base-uncased-finetuned-sst-2-english"
    short = shorten_middle(name, 20)
    assert len(short) == 20 and short.startswith("distilbert") and short.endswith("english") and "…" in short
    assert shorten_middle("bert", 20) == "bert"
    assert shorten_middle(name, 1) == "…"
    wide = shorten_middle("模型模型模型模型", 7)  # 2 cells per character
    from rich.cells import cell_len

    assert cell_len(wide) <= 7 and "…" in wide


@pytest.fixture()
def poisoned_db(tmp_path, monkeypatch):
    """A store with one clean run and runs whose task, model, dataset, region and error are hostile."""
    db = tmp_path / "poison.db"
    good = make_run("text-classification", "distilbert-sst2", [2.0, 2.1, 2.2], params=66_000_000,
                    run_id="a" * 32)
    bad = make_run(NASTY, "model" + NASTY, [3.0, 3.3, 3.1], dataset="ds" + NASTY, run_id="b" * 32)
    bad = bad.model_copy(update={"carbon": bad.carbon.model_copy(update={"region": "R" + NASTY})})
    failed = make_run("text-classification", "m" + NASTY, [1.0], status="failed", run_id="c" * 32)
    failed = failed.model_copy(update={"error": "boom " + NASTY, "failure": Failure(hint="hint " + NASTY),
                                       "phase": "load" + NASTY})
    with ResultStore(db) as store:
        store.put_many([good, bad, failed])
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    return db


@pytest.mark.parametrize(
    "argv",
    [
        ["results", "list"],
        ["results", "list", "--status", "failed"],
        ["results", "show", "bbbb"],
        ["results", "show", "cccc"],
        ["report"],
        ["report", "--top", "0", "--region", "FR"],
        ["compare", "aaaa", "bbbb"],
        ["project", "--run", "bbbb", "--rate", "1000/day"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_poisoned_row_is_printed_as_text(argv, poisoned_db, capsys, monkeypatch):
    rc, text = _cli([*argv, "--db", str(poisoned_db)], capsys, monkeypatch)
    assert rc == 0, text
    _no_raw_control(text)
    if argv[0] == "results":  # the hostile name is shown, escaped, not dropped
        assert "\\x1b" in text and "[/bold]" in text
    if argv[1:] == ["show", "cccc"]:  # the failed run's typed hint and phase are shown as text too
        assert "hint: hint " in text and "in phase: load" in text


def test_export_and_validate_with_hostile_names(poisoned_db, tmp_path, capsys, monkeypatch):
    name_markup = "[red]x[bold]"  # no '/' in a file name; rich would style it away instead of printing it
    out = tmp_path / ("runs" + name_markup + ".csv")
    rc, text = _cli(["results", "export", str(out), "--db", str(poisoned_db)], capsys, monkeypatch)
    assert rc == 0 and out.is_file() and name_markup in text
    _no_raw_control(text)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / ("x" + name_markup + "\x1b[31m.json")).write_text("{}", encoding="utf-8")
    rc, text = _cli(["results", "validate", str(folder)], capsys, monkeypatch)
    assert rc == 1 and "INVALID" in text and name_markup in text
    _no_raw_control(text)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--task", NASTY, "--model", "arch:bert-tiny", "--in-process", "-n", "1", "--repeats", "1"],
        ["run", "--task", "text-classification", "--region", NASTY],
        ["regions", NASTY],
        ["project", "--energy", NASTY, "--rate", "1/s"],
        ["project", "--energy", "1Wh", "--rate", "1/s", "--region", NASTY],
        ["results", "show", NASTY],
        ["import", "codecarbon", "/nonexistent/" + NASTY],
        ["track", "--", "/nonexistent/" + NASTY],
        ["report", "--task", NASTY],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_hostile_input_is_one_clean_error(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, text = _cli(argv, capsys, monkeypatch)
    assert rc != 0 and "error:" in text, text
    _no_raw_control(text)


def test_sweep_with_a_hostile_name_and_model(tmp_path, capsys, monkeypatch):
    spec = {
        "version": 1, "name": "s" + NASTY,
        "defaults": {"n": 1, "repeats": 1, "device": "cpu"},
        "tasks": {"text-classification": {"datasets": ["synthetic"]}},
        "models": [{"task": "text-classification", "id": "arch:" + NASTY}],
    }
    f = tmp_path / "sweep.yaml"
    f.write_text(json.dumps(spec), encoding="utf-8")  # JSON is YAML
    rc, text = _cli(["sweep", str(f), "--dry-run", "--db", str(tmp_path / "none.db")], capsys, monkeypatch)
    _no_raw_control(text)
    assert rc in (0, 2), text


def test_results_list_in_a_separate_process(poisoned_db):
    """``python -m wattprint`` in its own process: the same guarantee outside the test's consoles."""
    cmd = [sys.executable, "-m", "wattprint", "results", "list", "--db", str(poisoned_db)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, timeout=60)
    assert out.returncode == 0, out.stderr
    _no_raw_control(out.stdout + out.stderr)
    assert "\\x1b" in out.stdout
