"""Quieter wrongs: every bad input is reported, none is taken silently as something else."""

from __future__ import annotations

import pytest

from cli_capture import run_cli
from fakes_analysis import make_run
from wattprint.errors import WattprintError
from wattprint.results.files import write_result_json
from wattprint.results.store import ResultStore


def test_validate_reports_every_file_past_a_non_utf8_one(tmp_path, capsys):
    folder = tmp_path / "out"
    good = write_result_json(make_run("text-classification", "m", [1.0, 1.1]), folder)
    (folder / "0-latin1.json").write_bytes('{"model": "caf\xe9"}'.encode("latin-1"))
    (folder / "1-broken.json").write_text("{not json", encoding="utf-8")
    rc, text = run_cli(["results", "validate", str(folder)], capsys)
    assert rc == 1, text
    assert "0-latin1.json: not UTF-8" in text and "INVALID 1-broken.json" in text and f"ok {good.name}" in text
    assert "3 file(s), 2 invalid" in text


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    path = tmp_path / "runs.db"
    with ResultStore(path) as store:
        store.put_many([make_run("text-classification", "m", [1.0], run_id="ab_c" + "0" * 28),
                        make_run("text-classification", "m", [2.0], run_id="abxc" + "0" * 28)])
    return path


@pytest.mark.parametrize("argv", [["results", "list", "--status", "bogus"], ["results", "list", "--origin", "nope"],
                                  ["results", "export", "-", "--status", "done"], ["report", "--origin", "x"]],
                         ids=lambda a: " ".join(a))
def test_a_filter_value_that_cannot_exist_is_an_error_not_no_runs(argv, db, capsys):
    rc, text = run_cli([*argv, "--db", str(db)], capsys)
    assert rc == 2 and "error: unknown --" in text and "use one of" in text, text


@pytest.mark.parametrize("argv", [["results", "list"], ["results", "show", "ab"], ["results", "export", "-"],
                                  ["report"], ["compare", "a", "b"], ["project", "--run", "ab", "--rate", "1/s"]],
                         ids=lambda a: " ".join(a[:2]))
def test_commands_that_only_read_never_create_a_store(argv, tmp_path, capsys):
    typo = tmp_path / "typo-dir" / "wattrpint.db"
    rc, text = run_cli([*argv, "--db", str(typo)], capsys)
    assert rc == 2 and "does not exist" in text, text
    assert not typo.parent.exists()


def test_run_id_prefixes_are_literal_not_like_patterns(db):
    with ResultStore(db) as store:
        assert store.get("ab_").run_id.startswith("ab_c")  # '_' is not "any character"
        assert store.get("abx").run_id.startswith("abxc")
        for pattern in ("%", "a%", "_b"):
            with pytest.raises(WattprintError, match="no run"):
                store.get(pattern)
        with pytest.raises(WattprintError, match="ambiguous"):
            store.get("ab")


@pytest.mark.parametrize(("option", "message"), [
    ("max_length=abc", "option max_length of text-generation must be a whole number"),
    ("max_new_tokens=2.5", "option max_new_tokens of text-generation must be a whole number"),
    ("max_length=-3", "option max_length of text-generation must be a whole number >= 0"),
])
def test_a_mistyped_task_option_fails_before_any_worker_or_model(option, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    rc, text = run_cli(["run", "-t", "text-generation", "-m", "arch:gpt2-tiny", "-o", option], capsys)
    assert rc == 2 and message in text, text
    assert not (tmp_path / "wattprint.db").exists()  # no failed run stored: nothing started


def test_compare_with_a_failed_side_names_that_side(db, capsys):
    with ResultStore(db) as store:
        store.put(make_run("text-classification", "bad", [], status="failed", run_id="dead" + "0" * 28))
    rc, text = run_cli(["compare", "ab_c", "dead", "--db", str(db)], capsys)
    assert rc == 2 and "error: cannot compare: run dead failed: boom" in text, text  # 'each side needs ...'
    rc, text = run_cli(["compare", "m", "bad", "--db", str(db)], capsys)
    assert rc == 2 and "cannot compare: every run of model 'bad' failed (1; e.g. boom)" in text, text
