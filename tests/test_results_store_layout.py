"""The store layout: versioned apart from the document schema, migrated in place, never misread."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from fakes_analysis import make_run, study_like
from wattprint.cli.main import main
from wattprint.errors import WattprintError
from wattprint.results.schema import RunConfig, RunResult
from wattprint.results.store import LAYOUT_VERSION, ResultStore

FIXTURE = Path(__file__).parent / "fixtures" / "stores" / "store_v1_layout0.db"


def _layout0_docs(path: Path) -> dict[str, dict]:
    with sqlite3.connect(path) as c:
        return {rid: json.loads(doc) for rid, doc in c.execute("SELECT run_id, doc FROM runs")}


def _version(path: Path) -> int:
    with sqlite3.connect(path) as c:
        return c.execute("PRAGMA user_version").fetchone()[0]


def test_store_written_by_layout0_code_is_migrated_in_place_with_every_row(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    before = _layout0_docs(db)
    assert len(before) == 15 and _version(db) == 0
    with ResultStore(db) as store:
        assert store.count() == 15
        for run_id, doc in before.items():
            assert store.get(run_id).model_dump(mode="json") == RunResult.model_validate(doc).model_dump(mode="json")
        assert [r.run_id for r in store.list()] == sorted(
            before, key=lambda k: (RunResult.model_validate(before[k]).started_at.isoformat(), k))
        assert len(store.columns()) == 14 and store.columns().failed == 1
        assert [r.status for r in store.list(status="failed")] == ["failed"]
    assert _version(db) == LAYOUT_VERSION
    with sqlite3.connect(db) as c:
        tables = {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "runs_layout0" not in tables
    with ResultStore(db) as store:  # a second open finds the new layout and changes nothing
        assert store.count() == 15


def test_a_migration_that_cannot_read_a_row_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    with sqlite3.connect(db) as c:
        c.execute("UPDATE runs SET doc = '{\"not\": \"a run\"}' WHERE rowid = (SELECT MAX(rowid) FROM runs)")
    before = _layout0_docs(db)
    with pytest.raises(WattprintError, match="does not match schema"):
        ResultStore(db)
    assert _version(db) == 0 and _layout0_docs(db) == before  # rolled back: same layout, same rows


def test_a_store_from_a_newer_wattprint_is_refused_not_misread(tmp_path, capsys):
    db = tmp_path / "new.db"
    with ResultStore(db) as store:
        store.put(make_run("fill-mask", "bert", [1.0]))
    with sqlite3.connect(db) as c:
        c.execute(f"PRAGMA user_version = {LAYOUT_VERSION + 1}")
    with pytest.raises(WattprintError, match=f"layout v{LAYOUT_VERSION + 1}, written by a newer wattprint"):
        ResultStore(db)
    assert main(["results", "list", "--db", str(db)]) != 0
    err = capsys.readouterr().err
    assert "newer wattprint" in err and "Traceback" not in err


def test_an_interrupted_write_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "w.db"
    with ResultStore(db) as store:
        store.put_many(study_like())

        def interrupted():
            for i in range(5000):  # more than one batch is written before the interrupt
                yield make_run("fill-mask", f"m{i}", [1.0])
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            store.put_many(interrupted())
        assert store.count() == 11
    with ResultStore(db) as store:
        assert store.count() == 11


def test_a_full_disk_is_one_clear_error_and_writes_nothing(tmp_path):
    db = tmp_path / "w.db"
    with ResultStore(db) as store:
        store.put(make_run("fill-mask", "bert", [1.0]))
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is full after two more pages
        with pytest.raises(WattprintError, match="full") as exc:
            store.put_many(make_run("fill-mask", f"m{i}", [1.0]) for i in range(3000))
        assert "free some space" in exc.value.hint
        assert store.count() == 1


def test_columns_hold_the_documents_figures(tmp_path):
    runs = study_like()
    with ResultStore(tmp_path / "w.db") as store:
        store.put_many(runs)
        cols = store.columns(task="text-generation")
    gen = sorted((r for r in runs if r.config.task == "text-generation"), key=lambda r: r.started_at)
    assert cols.run_id == [r.run_id for r in gen]
    assert list(cols.wh_per_1k) == [r.summary.wh_per_1k_mean for r in gen]
    assert [cols.grams(i) for i in range(len(cols))] == [r.g_co2e_per_1k for r in gen]
    assert cols.output_tokens_per_inference == [10.0, 10.0, 12.0]
    assert [cols.shapes[cols.shape[i]].components for i in range(len(cols))] == [
        tuple(r.summary.components_wh_per_1k) for r in gen]


@pytest.mark.slow
def test_imported_runs_cost_under_a_kilobyte_each(tmp_path):
    """The marginal cost of a run (the file's fixed part, a page per table and index, left out)."""
    from fakes_codecarbon import write_study_logs
    from wattprint.results.importers import stream_codecarbon

    db = tmp_path / "w.db"
    sizes = []
    for seed in (1, 2):
        files = write_study_logs(tmp_path / f"logs{seed}", 2000, seed=seed)
        with ResultStore(db) as store:  # as the import stores them: columns and a record, no document
            assert store.put_stored(stream_codecarbon(files).stored) == 2000
        with sqlite3.connect(db) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes.append(db.stat().st_size)
    per_run = (sizes[1] - sizes[0]) / 2000
    print(f"{per_run:.0f} bytes per imported run")
    assert 300 < per_run < 800, per_run


def test_config_hash_resume_and_prefix_lookup_still_work(tmp_path):
    cfg = RunConfig(task="text-classification", model="m")
    with ResultStore(tmp_path / "w.db") as store:
        store.put(RunResult(run_id="abc123" + "0" * 26, config=cfg))
        assert store.has_ok(cfg.config_hash())
        assert store.get("abc1").run_id.startswith("abc123")
        with pytest.raises(WattprintError, match="no run"):
            store.get("abd")
