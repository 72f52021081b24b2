"""A store that cannot be written, for real (issue #12 item 2): a second SQLite connection holding
the lock, a read-only mount, a full filesystem, a text file and a directory as ``--db``.

Before measuring: one line naming the cause. After measuring: the result goes to a fallback file
that ``wattprint import results`` brings back (validated, idempotent). A sweep goes on.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from fakes_sweep import FakeRunner
from fault_mounts import fill, remount_readonly, small_tmpfs
from wattprint.cli.main import main
from wattprint.results import store as store_mod
from wattprint.results.files import read_result_json
from wattprint.results.schema import RunConfig, RunResult, utcnow
from wattprint.results.store import ResultStore
from wattprint.results.unsaved import FALLBACK_PREFIX, check_store_writable, import_result_files, save_result
from wattprint.sweep import LocalExecutor, build_plan, expand, parse_sweep, run_sweep

FAKE = ["--task", "fake-task", "--model", "arch:fake-tiny", "-n", "2", "--repeats", "1", "--warmup", "0",
        "--idle-seconds", "0", "--meter", "estimate"]


@pytest.fixture()
def short_lock(monkeypatch):
    monkeypatch.setattr(store_mod, "LOCK_TIMEOUT_S", 0.5)


@pytest.fixture()
def fake_env(fake_worker_cwd):
    return fake_worker_cwd


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _failed_result(model: str = "m") -> RunResult:
    """A complete, consistent result document (a failed run: no repeats needed)."""
    return RunResult(config=RunConfig(task="text-classification", model=model), status="failed",
                     error="CUDA out of memory (simulated)", finished_at=utcnow())


class Locker:
    """A second SQLite connection holding ``BEGIN EXCLUSIVE`` on the store, as another process would."""

    def __init__(self, db: Path) -> None:
        ResultStore(db).close()  # the store exists, with its tables
        self.conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)

    def lock(self) -> None:
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


# -- before measuring: one line, the right cause --------------------------------------------------


def test_locked_store_fails_the_run_before_measuring(fake_env, capsys, short_lock):
    db = fake_env / "w.db"
    locker = Locker(db)
    locker.lock()
    try:
        t0 = time.monotonic()
        code, _, err = _cli(capsys, "run", *FAKE, "--db", str(db))
        assert time.monotonic() - t0 < 10
    finally:
        locker.release()
    assert code == 2 and "Traceback" not in err
    assert f"result store {db} is locked by another process (waited 0.5 s)" in err
    assert "not a wattprint" not in err
    with ResultStore(db) as s:
        assert s.count() == 0  # nothing was measured


def test_text_file_and_directory_as_db_are_named_as_such(fake_env, capsys):
    text = fake_env / "notes.txt"
    text.write_text("hello, not a database\n" * 50)
    code, _, err = _cli(capsys, "run", *FAKE, "--db", str(text))
    assert code == 2 and "is not a wattprint SQLite file" in err
    folder = fake_env / "adir"
    folder.mkdir()
    code, _, err = _cli(capsys, "run", *FAKE, "--db", str(folder))
    assert code == 2 and f"result store {folder} is a directory" in err and "wattprint.db" in err


def test_read_only_store_fails_before_measuring_and_a_late_result_goes_to_a_fallback(tmp_path, monkeypatch):
    with small_tmpfs(tmp_path / "ro") as mnt:
        db = mnt / "w.db"
        ResultStore(db).close()
        remount_readonly(mnt)
        with pytest.raises(Exception) as ei:
            check_store_writable(db)
        assert "is read-only" in str(ei.value) and "\n" not in ei.value.message
        monkeypatch.chdir(tmp_path)  # beside the store is read-only: the current directory takes it
        r = _failed_result()
        saved = save_result(r, db)
        assert not saved.stored and "read-only" in saved.error
        assert saved.fallback == tmp_path / f"{FALLBACK_PREFIX}{r.run_id}.json"
        assert read_result_json(saved.fallback) == r


@pytest.mark.slow
def test_read_only_store_run_is_one_line(fake_env, capsys):
    with small_tmpfs(fake_env / "ro") as mnt:
        db = mnt / "w.db"
        ResultStore(db).close()
        remount_readonly(mnt)
        code, _, err = _cli(capsys, "run", *FAKE, "--db", str(db))
    assert code == 2 and "Traceback" not in err and "is read-only" in err


def test_full_disk_fails_before_measuring_and_a_late_result_goes_elsewhere(tmp_path, monkeypatch):
    with small_tmpfs(tmp_path / "full", size="2m") as mnt:
        db = mnt / "w.db"
        with ResultStore(db) as s:
            s.put(_failed_result("before"))
        filler = fill(mnt)
        with pytest.raises(Exception, match="no space left"):
            check_store_writable(db)
        monkeypatch.chdir(tmp_path)
        r = _failed_result("after")
        r.extra["padding"] = "x" * 200_000  # a page the full disk cannot take
        saved = save_result(r, db)
        assert not saved.stored and ("no space" in saved.error or "full" in saved.error), saved.error
        assert saved.fallback is not None and saved.fallback.parent == tmp_path
        assert not list(mnt.glob(".*.tmp"))  # no partial file left on the full disk
        # space freed: the result comes back, once
        filler.unlink()
        with ResultStore(db) as s:
            first = import_result_files([saved.fallback], s)
            again = import_result_files([saved.fallback], s)
            assert first.imported == [r.run_id] and again.already == [r.run_id] and not again.imported
            assert s.get(r.run_id).extra["padding"] == r.extra["padding"]
            assert s.count() == 2


# -- after measuring: the lock taken during the run ------------------------------------------------


@pytest.mark.slow
def test_lock_taken_during_the_run_keeps_the_result_in_a_fallback_then_import(fake_env, capsys, short_lock):
    db = fake_env / "w.db"
    locker = Locker(db)
    timer = threading.Timer(1.0, locker.lock)  # after the pre-flight check, while the worker runs
    timer.start()
    try:
        code, out, err = _cli(capsys, "run", *FAKE, "-o", "sleep_preprocess_s=3", "--db", str(db), "--json")
    finally:
        timer.join()
        locker.release()
    assert code == 2 and "Traceback" not in err
    assert "locked by another process" in err
    [fallback] = list(fake_env.glob(f"{FALLBACK_PREFIX}*.json"))  # beside the store
    assert f"saved in {fallback}" in err and "wattprint import results" in err
    measured = json.loads(out)
    assert measured["status"] == "ok" and measured["summary"] is not None
    code, out, err = _cli(capsys, "import", "results", str(fallback), "--db", str(db), "--json")
    assert code == 0, err
    assert json.loads(out)["imported"] == [measured["run_id"]]
    code, out, _ = _cli(capsys, "import", "results", str(fallback), "--db", str(db), "--json")
    assert code == 0 and json.loads(out)["already_stored"] == [measured["run_id"]]
    with ResultStore(db) as s:
        assert [r.run_id for r in s.list(status="ok")] == [measured["run_id"]]


def test_import_rejects_what_is_not_a_result(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00junk")
    code, _, err = _cli(capsys, "import", "results", str(bad), str(binary), "--db", str(tmp_path / "w.db"))
    assert code == 2 and "Traceback" not in err and "2 file(s) are not valid wattprint results" in err
    code, _, err = _cli(capsys, "import", "results", str(tmp_path / "missing.json"), "--db", str(tmp_path / "w.db"))
    assert code == 2 and "no such file or folder" in err


# -- a sweep survives a locked store ------------------------------------------------------------------


THREE = """\
name: three
defaults: {n: 2, repeats: 1, idle_s: 0}
models:
  - task: text-classification
    ids: [m0, m1, m2]
    datasets: [synthetic]
"""


def test_sweep_goes_on_through_a_locked_store_with_fallback_files(tmp_path, monkeypatch, short_lock):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "r.db"
    spec, _ = parse_sweep(THREE)
    locker = Locker(db)
    with ResultStore(db) as store:
        plan = build_plan(expand(spec), store)
        locker.lock()
        try:
            t0 = time.monotonic()
            out = run_sweep(plan, store, LocalExecutor(FakeRunner(tmp_path / "log", fail=("m0", "m1", "m2"))))
            assert time.monotonic() - t0 < 3 * 0.5 + 5  # a bounded wait per result
        finally:
            locker.release()
        assert len(out.records) == 3 and not out.interrupted  # every run ran
        assert len(out.unsaved) == 3 and all(p.parent == tmp_path for p in out.unsaved)
        assert out.to_dict()["unsaved"] == [str(p) for p in out.unsaved]
        back = import_result_files(out.unsaved, store)
        assert sorted(back.imported) == sorted(r.result.run_id for r in out.records)
        assert store.count() == 3
