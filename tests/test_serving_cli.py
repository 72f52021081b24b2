"""``wattprint serve-bench`` end to end against the fake server it launches, and the commands that read serving runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from fakes_serving import fake_server_cmd, free_port
from wattprint.cli.main import main
from wattprint.results.serving import ServingStore
from wattprint.results.store import ResultStore

FAST = ["--min-window", "0.3", "--min-requests", "5", "--idle", "0.3", "--repeats", "2"]


def _assert_nothing_listens(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory):
    """One serve-bench run (2 mixes x 2 levels x 2 repeats, SLO) in a fresh store."""
    db = tmp_path_factory.mktemp("serve") / "w.db"
    port = free_port()
    launch = " ".join(fake_server_cmd(port, "--itl-ms", "1", "--ttft-ms", "2"))
    rc = main(["serve-bench", "--launch", launch, "--url", f"http://127.0.0.1:{port}", "-c", "1,4", "--mix", "16:4",
               "--mix", "4:16", "--slo", "ttft_p90<=1s", "--db", str(db), "--json", *FAST])
    assert rc == 0
    return db, port


def test_serve_bench_stores_levels_with_provenance_fit_and_slo(bench_db):
    db, port = bench_db
    with ResultStore(db) as store:
        [r] = ServingStore(store).list()
        assert store.count() == 0  # serving runs live in their own table
    assert r.status == "ok" and r.engine == "fake" and r.engine_version == "fake-openai 1.0" and r.fixed_output
    assert r.server_launched and f"--port {port}" in r.server_command
    assert [lv.label for lv in r.levels] == ["c=1 in=16 out=4", "c=4 in=16 out=4", "c=1 in=4 out=16",
                                             "c=4 in=4 out=16"]
    for lv in r.levels:
        assert lv.status == "ok" and len(lv.repeats) == 2 and lv.error_rate == 0
        assert lv.j_per_request.n == 2 and lv.j_per_request.low <= lv.j_per_request.mean <= lv.j_per_request.high
        assert lv.output_tokens_per_request == pytest.approx(int(lv.mix.split("out=")[1]))
        for rep in lv.repeats:
            assert rep.energy.idle_power_w is not None
            assert {c.component for c in rep.energy.components} == {"cpu", "ram"}
            # no counter here: the server tree's estimate, never called measured
            assert all(not c.provenance.measured for c in rep.energy.components)
            assert all("process tree of pid" in c.provenance.note for c in rep.energy.components)
        assert lv.slo_met is True
    assert r.slo_best is not None and "meet the SLO" in r.slo_note
    assert r.fit is not None and r.fit.windows == 8
    _assert_nothing_listens(port)  # the launched server was stopped


def test_results_list_show_export_compare_report_project(bench_db, capsys, tmp_path):
    db = str(bench_db[0])
    with ResultStore(db) as store:
        rid = ServingStore(store).list()[0].run_id
    rc, out, _ = _run(capsys, "results", "list", "--db", db)
    assert rc == 0 and "1 serving run(s)" in out and rid[:8] in out
    rc, out, _ = _run(capsys, "results", "show", rid[:8], "--db", db)
    assert rc == 0 and "c=4" in out and "estimated" in out
    rc, out, _ = _run(capsys, "results", "export", "-", "--serving", "--json", "--db", db)
    rows = json.loads(out)
    assert rc == 0 and len(rows) == 4 and rows[0]["j_per_request"] > 0 and rows[0]["ttft_p90_s"] > 0
    rc, out, _ = _run(capsys, "compare", rid[:8], rid[:8], "--db", db)
    assert rc == 0 and "within the noise" in out
    html = tmp_path / "r.html"
    rc, out, _ = _run(capsys, "report", "--db", db, "--html", str(html))
    assert rc == 0 and "Pareto front" in out and "Plotly.newPlot('plot-serving'" in html.read_text()
    rc, out, _ = _run(capsys, "project", "--run", rid[:8], "--rate", "1M/day", "--db", db, "--json")
    doc = json.loads(out)
    with ResultStore(db) as store:
        j = ServingStore(store).list()[0].best_j_per_request
    assert rc == 0 and doc["daily"]["kwh"] == pytest.approx(j * 1e6 / 3.6e6)


def _store_interrupted_copy(bench_db, db: str, why: str, *, with_good: bool = False):
    """Store in ``db`` a copy of the benchmark's serving run cut to its first level and failed 'interrupted
    (why)', under run id ff...f (and the good run too, with ``with_good``); return the good run."""
    with ResultStore(str(bench_db[0])) as store:
        good = ServingStore(store).list()[0]
    cut = good.model_copy(update={"run_id": "f" * 32, "status": "failed", "error": f"interrupted ({why})",
                                  "levels": good.levels[:1]})
    with ResultStore(db) as store:
        if with_good:
            ServingStore(store).put(good)
        ServingStore(store).put(cut)
    return good


def test_project_from_a_serving_run_says_estimated_and_failed(bench_db, capsys, tmp_path):
    db = str(tmp_path / "failed.db")
    good = _store_interrupted_copy(bench_db, db, "Ctrl-C")
    rc, out, _ = _run(capsys, "project", "--run", "ffff", "--rate", "1M/day", "--db", db, "--json")
    note = json.loads(out)["energy_note"]
    # the figure said neither that it was estimated nor that it came from an interrupted run
    assert rc == 0 and "ESTIMATED, not measured" in note
    assert "the run failed (interrupted (Ctrl-C)): only its finished levels count" in note
    rc, out, _ = _run(capsys, "project", "--run", good.run_id[:8], "--rate", "1M/day", "--db", str(bench_db[0]),
                      "--json")
    assert rc == 0 and "failed" not in json.loads(out)["energy_note"]


def test_report_says_estimated_and_failed_for_serving_runs(bench_db, capsys, tmp_path):
    db = str(tmp_path / "failed.db")
    _store_interrupted_copy(bench_db, db, "SIGTERM")
    html = tmp_path / "r.html"
    rc, out, _ = _run(capsys, "report", "--db", db, "--html", str(html))
    text = " ".join(out.split())
    # the terminal report showed the figures with no word of their provenance, and an interrupted run as a good one
    assert rc == 0 and "energy: ESTIMATED: cpu: estimated (estimate model)" in text
    assert "run failed (interrupted (SIGTERM)): only its finished levels are shown" in text
    page = html.read_text()
    assert "ESTIMATED: cpu: estimated" in page and "run failed (interrupted (SIGTERM))" in page


def test_serving_export_format_and_path_are_checked(bench_db, capsys, tmp_path):
    db = str(bench_db[0])
    cases = [("levels.parquet", "serving runs export as csv or json, not parquet"),  # was CSV text in a .parquet
             (".", "is a directory"),  # was an IsADirectoryError traceback
             ("no/levels.csv", "does not exist")]
    for name, message in cases:
        rc, _, err = _run(capsys, "results", "export", str(tmp_path / name), "--serving", "--db", db)
        assert rc == 2 and message in err and "Traceback" not in err
    rc, _, err = _run(capsys, "results", "export", "-", "--serving", "--task", "asr", "--db", db)
    assert rc == 2 and "--task does not apply to serving runs" in err  # was ignored: every run exported
    rc, _, _ = _run(capsys, "results", "export", str(tmp_path / "levels.json"), "--serving", "--db", db)
    assert rc == 0 and len(json.loads((tmp_path / "levels.json").read_text())) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["levels.json"]


def test_compare_serving_runs_says_which_side_failed_and_provenance(bench_db, capsys, tmp_path):
    db = str(tmp_path / "two.db")
    good = _store_interrupted_copy(bench_db, db, "SIGTERM", with_good=True)
    rc, out, _ = _run(capsys, "compare", good.run_id[:8], "ffff", "--db", db)
    text = " ".join(out.split())
    assert rc == 0 and "B = ffffffff failed (interrupted (SIGTERM)): only its finished levels are compared" in text
    assert "A energy: ESTIMATED" in text and "A = " + good.run_id[:8] + " failed" not in text
    rc, out, _ = _run(capsys, "compare", "ffff", good.run_id[:8], "--db", db, "--json")
    assert rc == 0 and any(n.startswith("A = ffffffff failed") for n in json.loads(out)["notes"])


def test_report_html_to_a_bad_path_is_one_line_error(bench_db, capsys, tmp_path):
    folder = tmp_path / "r.html"
    folder.mkdir()
    rc, _, err = _run(capsys, "report", "--db", str(bench_db[0]), "--html", str(folder))
    assert rc == 2 and f"error: {folder} is a directory" in err and "Traceback" not in err  # was IsADirectoryError
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no r.html.tmp left behind


@pytest.mark.parametrize("argv,message", [
    (["--slo", "ttft_p90<=1s,bogus<3"], "cannot parse SLO term 'bogus<3'"),
    (["-c", "0"], "concurrency 0 out of range"),
    (["--rate", "fast"], "bad rate 'fast'"),
    (["--url", "http://192.0.2.10:8000"], "on another machine"),
    (["--url", "http://[::1:8000"], "bad URL 'http://[::1:8000': Invalid IPv6 URL"),  # was a ValueError traceback
    (["--url", "http://127.0.0.1:99999"], "bad URL 'http://127.0.0.1:99999': Port out of range"),
    (["--url", "localhost8000"], "not an http(s) URL: 'localhost8000'"),
    (["--server-pid", "-1"], "no process with pid -1"),  # was a ValueError traceback from psutil
    (["--ready-timeout", "nan"], "--ready-timeout must be more than 0 and at most 86,400 seconds, got nan"),
    (["--min-window", "inf"], "--min-window must be more than 0"),  # never closed its window
    (["--idle", "1e9"], "--idle must be 0 or more and at most 86,400 seconds"),
    ([], "exactly one of --launch and --server-pid"),
])
def test_bad_input_is_one_line_error(capsys, tmp_path, argv, message):
    base = ["serve-bench", "--db", str(tmp_path / "w.db")]
    if "-c" not in argv and "--rate" not in argv:
        base += ["-c", "1"]
    if argv:
        base += ["--server-pid", str(os.getpid())]
    rc, _, err = _run(capsys, *base, *argv)
    assert rc != 0 and message in err and "Traceback" not in err


@pytest.mark.parametrize("sig,code,why", [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")])
def test_ctrl_c_stops_the_launched_server_and_keeps_finished_levels(tmp_path, sig, code, why):
    db = tmp_path / "w.db"
    port = free_port()
    launch = " ".join(fake_server_cmd(port, "--ttft-ms", "5"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "wattprint.cli", "serve-bench", "--launch", launch, "--url",
                             f"http://127.0.0.1:{port}", "-c", "1,2,3,4,5,6,7,8", "--db", str(db),
                             "--min-window", "0.5", "--min-requests", "3", "--idle", "0", "--repeats", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and done < 2:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    docs = c.execute("SELECT doc FROM serving_runs").fetchall()
                done = len(json.loads(docs[0][0])["levels"]) if docs else 0
            except sqlite3.Error:
                pass
    assert done >= 2, "two levels should finish within a minute"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    # SIGTERM exited 130 and was stored as 'interrupted (Ctrl-C)'
    assert proc.returncode == code and "interrupted" in err and "Traceback" not in err
    with ResultStore(db) as store:
        [r] = ServingStore(store).list()
    assert r.status == "failed" and f"interrupted ({why})" in r.error and len(r.ok_levels) >= 2
    _assert_nothing_listens(port)


def test_server_text_is_printed_as_text(capsys, tmp_path, bench_db):
    from wattprint.results.serving import ServingResult

    db = str(tmp_path / "evil.db")
    with ResultStore(str(bench_db[0])) as store:
        good = ServingStore(store).list()[0]
    evil = ServingResult.model_validate(good.model_dump() | {
        "run_id": "e" * 32, "model": "\x1b[31mred[/bold]", "server_command": "srv [bold]x[/bold] \x1b]0;title\x07"})
    with ResultStore(db) as store:
        ServingStore(store).put(evil)
    for argv in (["results", "show", "eeee"], ["results", "list"], ["report"]):
        rc, out, _ = _run(capsys, *argv, "--db", db)
        assert rc == 0 and "\x1b" not in out and "\x07" not in out  # control codes shown, never sent
    rc, out, _ = _run(capsys, "results", "show", "eeee", "--db", db)
    assert "\\x1b[31mred[/bold]" in out and "srv [bold]x[/bold]" in out.replace("\n", "")  # markup as text


def test_serve_model_never_overwrites_a_folder_that_holds_files(capsys, tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_text("a real model's weights")
    rc, _, err = _run(capsys, "serve-model", str(tmp_path))  # overwrote config, weights and tokenizer silently
    assert rc == 2 and "is not empty (it holds model.safetensors): nothing was overwritten" in err
    assert weights.read_text() == "a real model's weights" and len(list(tmp_path.iterdir())) == 1


def test_empty_launch_is_refused(capsys, tmp_path):
    rc, _, err = _run(capsys, "serve-bench", "--launch", "", "-c", "1", "--db", str(tmp_path / "w.db"))
    assert rc == 2 and "--launch command is empty" in err  # '' skipped the launch and metered wattprint itself
