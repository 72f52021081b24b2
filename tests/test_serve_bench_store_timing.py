"""``serve-bench --db``: an unreachable endpoint makes no store nor folder; a bad store fails before any server."""

from __future__ import annotations

import os

from fakes_serving import free_port
from wattprint.cli.main import main


def _serve_bench(capsys, db: str, *extra: str) -> tuple[int, str]:
    rc = main(["serve-bench", "--server-pid", str(os.getpid()), "--url", f"http://127.0.0.1:{free_port()}",
               "-c", "1", "--idle", "0", "--request-timeout", "2", "--db", db, *extra])
    return rc, capsys.readouterr().err


def test_unreachable_endpoint_creates_no_store_nor_folder(capsys, tmp_path):
    db = tmp_path / "new" / "dir" / "x.db"
    rc, err = _serve_bench(capsys, str(db))
    assert rc != 0 and "Traceback" not in err and err.startswith("error:")
    assert not (tmp_path / "new").exists()


def test_a_db_path_under_a_file_fails_before_the_endpoint_is_tried(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    rc, err = _serve_bench(capsys, str(tmp_path / "file" / "x.db"))
    assert rc != 0 and "is a file, not a folder" in err and "Traceback" not in err


def test_existing_store_that_is_not_a_store_fails_first(capsys, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not sqlite, " * 1000)
    rc, err = _serve_bench(capsys, str(bad))
    assert rc != 0 and "not a wattprint SQLite file" in err
