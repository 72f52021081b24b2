"""CodeCarbon runs stored as columns (no document built at import) are the documents' runs, to the byte.

The import computes each run's columns straight from its CSV row and stores, instead of the
document, what rebuilds it; these tests import the same logs both ways (every run's document
built and stored, and the stored form) and compare every column and every document, in one
process and in worker processes, over logs made to reach every branch: chunks stored at once
and row by row, idle GPUs with and without a power floor, CPU power that varies (counters),
zero GPU energy, a time zone, an empty run id, a quoted field holding a line break, an ignored
value, a repeated run id, unlabelled files, task logs and their phases, label overrides.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from fakes_codecarbon import HEADER, write_study_logs
from wattprint.analysis.audit import AuditTally
from wattprint.cli.main import main
from wattprint.errors import WattprintError
from wattprint.results.columns import StoredBatch, StoredRun
from wattprint.results.importers import codecarbon as cc
from wattprint.results.importers import stream_codecarbon
from wattprint.results.importers.pool import usable_workers
from wattprint.results.schema import RunResult
from wattprint.results.store import LAYOUT_VERSION, ResultStore

FIX = Path(__file__).parent / "fixtures"
STUDY = FIX / "codecarbon" / "study"
LAYOUT1 = FIX / "stores" / "store_layout1.db"


def _row(t: str, model: str, rid: str, dur: float, cpu_w: float, gpu_w: float, ram_w: float, *, n_gpu: str = "8",
         gpu_model: str = "8 x NVIDIA A100-SXM4-80GB", ram_gb: str = "1148.738") -> list[str]:
    cpu, gpu, ram = (w * dur / 3.6e6 for w in (cpu_w, gpu_w, ram_w))
    kwh = cpu + gpu + ram
    return [t, model, rid, repr(dur), repr(kwh * 0.2), repr(kwh * 0.2 / dur), repr(cpu_w), repr(gpu_w), repr(ram_w),
            repr(cpu), repr(gpu), repr(ram), repr(kwh), "France", "FRA", "idf", "", "", "Linux", "3.11.7", "2.3.4",
            "16", "AMD EPYC", n_gpu, gpu_model, "2.35", "48.85", ram_gb, "machine", "N", "1.0"]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _edge_logs(folder: Path) -> list[Path]:
    """Emissions files that reach every branch of the stored form (see the module docstring)."""
    plain = [_row(f"2024-03-01T10:{k // 60:02d}:{k % 60:02d}", f"m{k % 3}", f"p-{k:04d}", 10.0 + k, 42.5,
                  300.0 + k, 430.77675) for k in range(230)]
    odd = [_row(f"2024-03-02T09:00:{k:02d}", "odd", f"o-{k:04d}", 5.0 + k, 20.0 + k, 250.0, 6.0, n_gpu="1",
                gpu_model="NVIDIA L4") for k in range(40)]  # CPU power varies: counters; one GPU
    odd[3][10] = "0.0"  # no GPU energy (consistent: its power is 0)
    odd[3][7] = "0.0"
    odd[3][12] = repr(float(odd[3][9]) + float(odd[3][11]))
    odd[5][0] = "2024-03-02T09:00:05+02:00"  # a time zone
    odd[7][2] = ""  # no run id: one is made from the file name and line
    odd[9][1] = "quoted, model\nwith a line break"
    odd[11][27] = "inf"  # ram_total_size ignored, with a warning
    odd[13][2] = "p-0005"  # the same run id as a row of the first file: this later row replaces it
    mixed = [_row(f"2024-03-03T08:00:{k:02d}", "idle", f"i-{k:04d}", 30.0, 42.5, 2000.0 + 10 * k, 430.77675,
                  n_gpu="4", gpu_model="4 x NVIDIA H100") for k in range(60)]
    mixed[0][8] = "12.0"  # another RAM power: the rule does not hold for this row
    return [_write(folder / "text_classif_imdb.csv", plain), _write(folder / "emissions.csv", odd),
            _write(folder / "qa_squad.csv", mixed)]


def _dump(db: Path) -> list[dict]:
    """Every row of a store with ids resolved, documents rebuilt or decompressed, floats as repr."""
    with ResultStore.existing(db) as store:
        c = store.connection
        cols = [r[1] for r in c.execute("PRAGMA table_info(runs)")]
        out = []
        for row in c.execute("SELECT * FROM runs ORDER BY run_id").fetchall():
            d = dict(zip(cols, row, strict=True))
            factor = c.execute("SELECT doc FROM carbon_factors WHERE id = ?", (d.pop("factor_id"),)).fetchone()
            d["factor"] = factor and factor[0]
            d["shape"] = c.execute("SELECT doc FROM shapes WHERE id = ?", (d.pop("shape_id"),)).fetchone()[0]
            for k in ("codec_id", "doc", "source_id"):
                d.pop(k)
            d = {k: repr(v) if isinstance(v, float) else v for k, v in d.items()}
            d["shape_values"] = d["shape_values"].hex()
            d["document"] = store.get(d["run_id"]).model_dump_json()
            out.append(d)
        return out


def _both(tmp_path: Path, paths: list[Path], workers: int, **kw) -> tuple[list[dict], list[dict], object, object]:
    a, b = tmp_path / f"docs{workers}.db", tmp_path / f"stored{workers}.db"
    s1 = stream_codecarbon(paths, workers=0, **kw)
    with ResultStore(a) as store:
        store.put_many(s1.runs)
    s2 = stream_codecarbon(paths, workers=workers, **kw)
    with ResultStore(b) as store:
        store.put_stored(s2.stored)
    return _dump(a), _dump(b), s1, s2


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 25 rows and spans of 4 KiB: a small log takes every path (batches, rows, spans)."""
    monkeypatch.setattr(cc, "CHUNK", 25)
    monkeypatch.setattr(cc, "SPAN_BYTES", 4096)


@pytest.mark.parametrize("workers", [0, 2])
def test_stored_columns_and_rebuilt_documents_are_the_documents(tmp_path, small_chunks, workers):
    logs = _edge_logs(tmp_path / "logs") + [STUDY]
    docs, stored, s1, s2 = _both(tmp_path, logs, workers)
    assert len(docs) == 230 - 1 + 40 + 60 + 2  # p-0005 replaced; the study fixture's two runs
    assert stored == docs
    for attr in ("count", "whole_tracker", "unlabelled", "warnings", "params_missing"):
        assert getattr(s2, attr) == getattr(s1, attr), attr
    assert s2.by_task() == s1.by_task()
    assert any("ram_total_size" in w for w in s2.warnings)
    odd = logs[1]
    slow = [w for r in cc._iter_rows(odd, cc._open_csv(odd, True), True) for w in r.warnings]
    assert slow and [w for w in s2.warnings if "emissions.csv" in w] == slow  # the same lines as row by row
    assert (s2.check_processes, s2.build_processes) == ((2, 2) if workers else (0, 0))
    by_id = {d["run_id"]: d for d in stored}
    assert json.loads(by_id["o-0005"]["document"])["started_at"].endswith("+02:00")
    assert any(rid.startswith("cc-") for rid in by_id)
    assert any("line break" in d["model"] for d in stored)


@pytest.mark.parametrize("phase", ["load", "all"])
def test_task_log_phases_and_label_overrides_are_the_documents(tmp_path, phase):
    docs, stored, _, _ = _both(tmp_path, [STUDY], 0, phase=phase)
    assert stored == docs and len(docs) == 2
    files = write_study_logs(tmp_path / "gen", 60, seed=4)
    docs, stored, _, _ = _both(tmp_path / "o", files, 2, task="text-classification", dataset="my-data")
    assert stored == docs and {d["task"] for d in docs} == {"text-classification"}


def test_chunks_are_stored_at_once_when_their_rows_share_a_machine(tmp_path, small_chunks):
    """Not a speed test: the column-at-once path is taken (else the import would be row by row)."""
    files = write_study_logs(tmp_path / "gen", 140, seed=2)
    kinds = [type(x) for x in stream_codecarbon(files, workers=0).stored]
    assert StoredBatch in kinds
    edge = [type(x) for x in stream_codecarbon(_edge_logs(tmp_path / "e"), workers=0).stored]
    assert StoredBatch in edge and StoredRun in edge  # odd chunks row by row, plain ones at once


def test_the_audit_of_the_stored_form_is_the_documents(tmp_path, small_chunks):
    logs = _edge_logs(tmp_path / "logs") + [STUDY]
    from_docs, from_stored = AuditTally(), AuditTally()
    for r in stream_codecarbon(logs, workers=0).runs:
        from_docs.add(r)
    for x in stream_codecarbon(logs, workers=2).stored:
        from_stored.add_stored(x) if isinstance(x, StoredRun) else from_stored.add_batch(x)
    assert from_stored.summary() == from_docs.summary()


@pytest.mark.parametrize("workers", [0, 2])
def test_a_row_that_fails_while_building_stores_nothing(tmp_path, small_chunks, workers):
    db = tmp_path / "w.db"
    with ResultStore(db) as store:
        store.put_stored(stream_codecarbon(write_study_logs(tmp_path / "a", 30, seed=1), workers=0).stored)
    logs = _edge_logs(tmp_path / "logs")
    rows = list(csv.reader(logs[2].open()))
    rows[40][0] = "yesterday"  # a timestamp is read when the run is built, after every file was checked
    _write(logs[2], rows[1:], rows[0])
    with ResultStore(db) as store, pytest.raises(WattprintError, match=r"qa_squad.csv:\d+: timestamp 'yesterday'"):
        store.put_stored(stream_codecarbon(logs, workers=workers).stored)
    with ResultStore(db) as store:
        assert store.count() == 30


def test_cli_import_uses_worker_processes_for_large_logs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cc, "PARALLEL_MIN_BYTES", 1)  # these small logs count as large
    monkeypatch.setattr(cc, "SPAN_BYTES", 4096)
    files = write_study_logs(tmp_path / "gen", 300, seed=9)
    assert main(["import", "codecarbon", str(tmp_path / "gen"), "--db", str(tmp_path / "w.db"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["stored"] == 300 and summary["audit"]["flagged"] == 300
    want = usable_workers() if usable_workers() >= 2 else 0  # one per CPU, at most 4
    assert summary["processes"] == {"check": want, "build": want}
    docs, stored, _, _ = _both(tmp_path, files, 2)
    assert stored == docs == _dump(tmp_path / "w.db")
    one = tmp_path / "one.db"  # --processes 0: this process only, the same store
    assert main(["import", "codecarbon", str(tmp_path / "gen"), "--db", str(one), "--json", "--processes", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["processes"] == {"check": 0, "build": 0}
    assert _dump(one) == docs


def _layout1_docs(db: Path) -> dict[str, str]:
    """run_id -> document JSON, read from a layout-1 file the way that code did."""
    with sqlite3.connect(db) as c:
        zdicts = dict(c.execute("SELECT id, zdict FROM codecs"))
        out = {}
        for rid, codec, blob in c.execute("SELECT run_id, codec_id, doc FROM runs"):
            d = zlib.decompressobj(15, zdicts[codec])
            out[rid] = (d.decompress(blob) + d.flush()).decode("utf-8")
        return out


def test_store_written_by_layout1_code_is_migrated_in_place_without_rewriting_a_row(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(LAYOUT1, db)
    before = _layout1_docs(db)
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == 1
        rows_before = c.execute("SELECT * FROM runs ORDER BY run_id").fetchall()
    assert len(before) == 15
    with ResultStore(db) as store:
        assert store.count() == 15
        for rid, doc in before.items():
            assert store.get(rid).model_dump_json() == RunResult.model_validate_json(doc).model_dump_json()
        assert len(store.columns()) == 14 and store.columns().failed == 1
        new = write_study_logs(tmp_path / "new", 14, seed=3)
        store.put_stored(stream_codecarbon(new, workers=0).stored)  # the new form beside the old rows
        assert store.count() == 29 and len(store.list(origin="codecarbon")) == 18
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
        rows_after = c.execute("SELECT * FROM runs WHERE source_id IS NULL ORDER BY run_id").fetchall()
    assert [r[:-1] for r in rows_after] == rows_before and all(r[-1] is None for r in rows_after)


def test_a_stored_run_this_wattprint_cannot_rebuild_is_one_clear_error(tmp_path, capsys):
    db = tmp_path / "w.db"
    with ResultStore(db) as store:
        store.put_stored(stream_codecarbon([FIX / "codecarbon" / "v3"], workers=0).stored)
        rid = store.list()[0].run_id
    with sqlite3.connect(db) as c:
        doc = json.loads(c.execute("SELECT doc FROM sources").fetchone()[0])
        doc["format"] = 99
        c.execute("UPDATE sources SET doc = ?", (json.dumps(doc),))
    assert main(["results", "show", rid, "--db", str(db)]) != 0
    err = capsys.readouterr().err
    assert "cannot be read" in err and "format 99" in err and "Traceback" not in err


@pytest.mark.parametrize("stop", ["full disk", "Ctrl-C"])
def test_an_import_stopped_by_a_full_disk_or_ctrl_c_stores_nothing_and_leaves_no_worker(tmp_path, small_chunks,
                                                                                       stop):
    import psutil

    db = tmp_path / "w.db"
    with ResultStore(db) as store:
        store.put_stored(stream_codecarbon(write_study_logs(tmp_path / "a", 30, seed=1), workers=0).stored)
    stream = stream_codecarbon(write_study_logs(tmp_path / "b", 3000, seed=2), workers=2)

    def interrupted():
        for k, item in enumerate(stream.stored):
            if k == 20:  # several chunks written, worker processes busy
                raise KeyboardInterrupt
            yield item

    with ResultStore(db) as store:
        try:
            if stop == "full disk":
                pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
                store.connection.execute(f"PRAGMA max_page_count = {pages + 20}")
                with pytest.raises(WattprintError, match="full"):
                    store.put_stored(stream.stored)
            else:
                with pytest.raises(KeyboardInterrupt):
                    store.put_stored(interrupted())
        finally:
            stream.close()
        assert store.count() == 30
    assert psutil.Process().children() == []


def test_a_stray_quote_is_read_as_the_csv_reader_reads_it(tmp_path, small_chunks):
    """A quote inside a field is a character; one that opens a field runs to the field size limit: the
    span check steps aside (bounded reading ahead, no quadratic scan) and the reader decides, as before."""
    files = write_study_logs(tmp_path / "gen", 1400, seed=3)
    rows = list(csv.reader(files[0].open()))
    rows[5][1] = 'distil"bert'  # inside a field: a plain character
    _write(files[0], rows[1:], rows[0])
    docs, stored, _, _ = _both(tmp_path, files, 2)
    assert stored == docs and any(d["model"] == 'distil"bert' for d in stored)
    text = files[1].read_text().splitlines(keepends=True)
    text[5] = text[5].replace(",", ',"', 1)  # opens a quoted field that never closes
    files[1].write_text("".join(text))
    with pytest.raises(WattprintError) as by_rows:
        list(cc._iter_rows(files[1], cc._open_csv(files[1], True), True))
    with pytest.raises(WattprintError) as by_spans:
        stream_codecarbon(files, workers=2)
    assert str(by_spans.value) == str(by_rows.value) and "token_classif" in str(by_rows.value)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_log_that_grows_while_it_is_imported_is_one_clear_error(tmp_path, small_chunks, workers):
    """CodeCarbon appends a row per run: rows added after the check were neither checked nor audited."""
    files = write_study_logs(tmp_path / "gen", 280, seed=7)
    stream = stream_codecarbon(files, workers=workers)
    with files[3].open("a") as fh:
        fh.write(",".join(["2024-01-01T00:00:00", "late", "late-run", "not a number"] + ["1"] * 27) + "\n")
    db = tmp_path / "w.db"
    with ResultStore(db) as store, pytest.raises(WattprintError, match="changed while it was being imported"):
        store.put_stored(stream.stored)
    stream.close()
    with ResultStore(db) as store:
        assert store.count() == 0


@pytest.mark.parametrize("workers", [0, 2])
def test_progress_counts_every_checked_row_once(tmp_path, small_chunks, workers):
    logs = _edge_logs(tmp_path / "logs") + [STUDY]
    stream = stream_codecarbon(logs, workers=workers)
    assert stream.rows == 230 + 40 + 60 + 7 and stream.rows_built == 0  # the study fixture: 7 rows
    seen = []
    for _ in stream.stored:
        seen.append(stream.rows_built)
    assert seen == sorted(seen) and stream.rows_built == stream.rows
    docs = stream_codecarbon(logs, workers=0)
    list(docs.runs)
    assert docs.rows_built == docs.rows


@pytest.mark.parametrize("workers", [0, 2])
def test_cpu_power_that_varies_per_row_is_stored_at_once_and_is_the_documents(tmp_path, small_chunks, workers):
    """RAPL logs: a CPU power per row (counters). A chunk is taken at once when the audit judges all its
    values alike; a chunk with a guessed value (42.5 W, CodeCarbon's fallback) among them goes row by row."""
    files = write_study_logs(tmp_path / "gen", 140, seed=11)
    for k, f in enumerate(files):
        rows = list(csv.reader(f.open()))
        h = rows[0]
        for j, row in enumerate(rows[1:]):
            cpu_w = 42.5 if (k == 0 and j == 3) else 30.0 + 0.37 * (j + 10 * k)
            dur = float(row[h.index("duration")])
            cpu = cpu_w * dur / 3.6e6
            row[h.index("cpu_power")], row[h.index("cpu_energy")] = repr(cpu_w), repr(cpu)
            row[h.index("energy_consumed")] = repr(cpu + float(row[h.index("gpu_energy")])
                                                   + float(row[h.index("ram_energy")]))
        _write(f, rows[1:], h)
    kinds = [type(x) for x in stream_codecarbon(files, workers=0).stored]
    assert kinds.count(StoredBatch) >= 13 and StoredRun in kinds  # all files at once but the mixed one
    docs, stored, _, _ = _both(tmp_path, files, workers)
    assert stored == docs
    cpu = {json.loads(d["shape"])[1][1][1] for d in stored}
    assert cpu == {"measured (codecarbon counter)", "estimated (codecarbon model)"}
