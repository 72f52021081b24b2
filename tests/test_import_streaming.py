"""CodeCarbon import, streamed: runs built as they are stored, all or nothing, same runs as the list form."""

from __future__ import annotations

import json

import pytest

from fakes_codecarbon import write_study_logs
from wattprint.cli.main import main
from wattprint.results.importers import import_codecarbon, stream_codecarbon
from wattprint.results.store import ResultStore


def test_runs_are_built_only_as_they_are_consumed(tmp_path):
    files = write_study_logs(tmp_path / "logs", 280, seed=5)
    stream = stream_codecarbon(files)
    assert stream.count == 0 and stream.emissions_files == 14  # checked, nothing built yet
    first = next(stream.runs)
    assert stream.count == 1 and first.origin == "codecarbon"
    rest = list(stream.runs)
    assert stream.count == 280 and len(rest) == 279
    assert sum(stream.by_task().values()) == 280


def test_streamed_runs_equal_the_list_import(tmp_path):
    files = write_study_logs(tmp_path / "logs", 140, seed=6)
    listed = import_codecarbon(files).results
    streamed = sorted(stream_codecarbon(files).runs, key=lambda r: (r.started_at, r.run_id))
    assert [r.model_dump_json() for r in streamed] == [r.model_dump_json() for r in listed]


@pytest.mark.slow
def test_cli_import_streams_into_the_store_and_a_late_bad_row_stores_nothing(tmp_path, capsys):
    logs = tmp_path / "logs"
    write_study_logs(logs, 700, seed=8)
    db = tmp_path / "w.db"
    assert main(["import", "codecarbon", str(logs), "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["stored"] == 700 and summary["audit"]["flagged"] == 700
    with ResultStore(db) as store:
        assert store.count() == 700
    # a bad timestamp is only found while building runs, after batches of good ones were written
    more = tmp_path / "more"
    files = write_study_logs(more, 5000, seed=9)
    rows = files[0].read_text().splitlines()
    last = rows[-1].split(",")
    last[0] = "2023-10-06 0:05:27"  # not ISO 8601 (the study has one like it)
    (more / "zz_last.csv").write_text("\n".join([rows[0], *rows[1:-1], ",".join(last)]) + "\n")
    code = main(["import", "codecarbon", str(more), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and "not ISO 8601" in err and "zz_last.csv" in err and "Traceback" not in err
    with ResultStore(db) as store:
        assert store.count() == 700
