"""Output files are written atomically; bad output paths are one-line errors, never tracebacks.

The full disk and the read-only disk are real: a 64 KiB tmpfs mounted for the test by root
(``fault_mounts``, shared with the store fault tests). Where mounting is not permitted the test
skips with the reason, and fails instead under CI=true.
"""

from __future__ import annotations

import pytest

from cli_capture import run_cli
from fakes_analysis import make_run, study_like
from fault_mounts import remount_readonly, small_tmpfs
from wattprint.errors import WattprintError
from wattprint.results.atomic import atomic_output, prepare_output_dir, write_text_atomic
from wattprint.results.export import export
from wattprint.results.store import ResultStore


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_replaces_and_keeps_the_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o640
    assert _leftovers(tmp_path) == []


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "runs.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    path = tmp_path / "runs.db"
    with ResultStore(path) as store:
        store.put_many(study_like())
    return path


@pytest.mark.parametrize("kind", ["missing folder", "directory", "file as folder"])
def test_export_to_a_bad_path_is_one_line(kind, db, tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    path = {"missing folder": tmp_path / "nope" / "runs.csv", "directory": tmp_path,
            "file as folder": a_file / "runs.csv"}[kind]
    rc, text = run_cli(["results", "export", str(path), "--db", str(db)], capsys)
    assert rc == 2 and text.startswith("error:") and len(text.strip().splitlines()) == 2, text
    assert {"missing folder": "does not exist", "directory": "is a directory",
            "file as folder": "not a folder"}[kind] in text


def test_report_html_to_a_directory_is_one_line(db, tmp_path, capsys):
    rc, text = run_cli(["report", "--db", str(db), "--html", str(tmp_path)], capsys)
    assert rc == 2 and "is a directory" in text


def test_run_and_demo_out_an_existing_file_fail_before_any_work(db, tmp_path, capsys):
    a_file = tmp_path / "results.txt"
    a_file.write_text("x")
    before = ResultStore(db).count()
    rc, text = run_cli(["run", "-t", "text-classification", "-m", "arch:bert-tiny", "--out", str(a_file),
                     "--db", str(db)], capsys)
    assert rc == 2 and "is a file, not a folder" in text
    rc, text = run_cli(["demo", "--quick", "--out", str(a_file), "--db", str(db)], capsys)
    assert rc == 2 and "is a file, not a folder" in text
    assert ResultStore(db).count() == before  # nothing ran


@pytest.fixture()
def full_disk(tmp_path):
    with small_tmpfs(tmp_path / "small", "64k") as d:
        yield d


@pytest.fixture()
def read_only_disk(tmp_path):
    with small_tmpfs(tmp_path / "ro", "64k") as d:
        remount_readonly(d)
        yield d


def test_a_full_disk_keeps_the_old_export_and_leaves_no_temporary(full_disk, db, capsys):
    target = full_disk / "runs.csv"
    target.write_text("the previous export\n")
    many = [make_run("text-classification", f"model-{i:04d}-" + "x" * 60, [1.0, 1.1]) for i in range(400)]
    with ResultStore(db) as store:
        store.put_many(many)
    rc, text = run_cli(["results", "export", str(target), "--db", str(db)], capsys)
    assert rc == 2 and "disk is full" in text and len(text.strip().splitlines()) == 2, text
    assert target.read_text() == "the previous export\n"
    assert _leftovers(full_disk) == []
    with pytest.raises(WattprintError, match="disk is full"):  # the result JSON path (run --out) too
        export(many, full_disk / "runs.json")
    assert _leftovers(full_disk) == [] and not (full_disk / "runs.json").exists()


def test_a_read_only_disk_is_one_line(read_only_disk, db, capsys):
    rc, text = run_cli(["results", "export", str(read_only_disk / "runs.csv"), "--db", str(db)], capsys)
    assert rc == 2 and "read-only" in text, text
    with pytest.raises(WattprintError, match="not writable"):
        prepare_output_dir(read_only_disk)


def test_the_serving_html_page_is_written_like_the_main_report(tmp_path):
    from wattprint.report.serving import write_serving_html

    with pytest.raises(WattprintError, match="is a directory"):
        write_serving_html([], tmp_path)  # a one-line error, not IsADirectoryError
    page = write_serving_html([], tmp_path / "new" / "s.html")
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert [p.name for p in page.parent.iterdir()] == ["s.html"]  # no temporary file left beside it
