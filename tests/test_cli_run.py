"""``wattprint run`` and ``wattprint results`` with fake tasks in real worker subprocesses.

Bad input and broken runs: a clear one-line error, a failed run recorded with
its reason, exit code non-zero, earlier results intact.
"""

from __future__ import annotations

import csv
import json

import pytest

from wattprint.cli.main import main
from wattprint.results.files import validate_dir
from wattprint.results.store import ResultStore

pytestmark = pytest.mark.slow

FAKE = ["--task", "fake-task", "--model", "arch:fake-tiny", "-n", "4", "--repeats", "2", "--warmup", "1",
        "--idle-seconds", "0", "--meter", "estimate"]


@pytest.fixture()
def env(fake_worker_cwd):
    return fake_worker_cwd


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_stores_ok_result_and_json_file(env, capsys):
    code, out, err = run(capsys, "run", *FAKE, "--out", "runs", "--region", "FR")
    assert code == 0, err
    assert "Wh per 1,000 inferences" in out
    assert "g CO2e per 1,000 inferences" in out
    assert "ESTIMATED" in out and "95% interval" in out
    with ResultStore(env / "wattprint.db") as store:
        [r] = store.list()
    assert r.status == "ok" and len(r.repeats) == 2
    assert all(rep.inferences == 4 and rep.energy.total_joules >= 0 for rep in r.repeats)
    assert r.carbon.region.startswith("FR")
    assert (env / "runs" / f"{r.run_id}.json").exists()
    checks = validate_dir(env / "runs")
    assert [c.ok for c in checks] == [True]


def test_run_with_a_rapl_counter_breaking_mid_run_stores_it_as_estimated(env, capsys, monkeypatch):
    from fakes_energy import FakePowercap

    pc = FakePowercap(env / "pc").server(sockets=1, dram=True)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    args = [*FAKE[:-1], "rapl", "-o", f"garble_file={pc.zones['intel-rapl:0'] / 'energy_uj'}"]
    code, out, err = run(capsys, "run", *args)
    assert code == 0, err
    assert "ESTIMATED" in out and "cpu:0: estimated (rapl model)" in " ".join(out.split())
    with ResultStore(env / "wattprint.db") as store:
        [r] = store.list()
    for rep in r.repeats:
        cpu = next(c for c in rep.energy.components if c.component == "cpu:0")
        assert cpu.provenance.method.value == "model" and "could not be read" in cpu.provenance.note
        assert not rep.energy.all_measured
    assert r.summary is not None and r.summary.measured_share < 1.0


def test_run_json_output(env, capsys):
    code, out, _ = run(capsys, "run", *FAKE, "--json", "--db", "other.db")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "ok" and doc["summary"]["wh_per_1k_mean"] >= 0
    assert (env / "other.db").exists() and not (env / "wattprint.db").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "no-such-task", "--model", "arch:fake-tiny"], "unknown task 'no-such-task'"),
        (["--model", "arch:nope"], "unknown model 'arch:nope'"),
        (["--option", "fail_in=inputs", "--option", "error=column"], "column 'nope' not in dataset"),
        (["--option", "fail_in=infer", "--option", "error=oom"], "out of memory"),
        (["--option", "fail_in=infer", "--option", "error=memory"], "out of memory (MemoryError)"),
        (["--device", "cuda"], "no CUDA GPU is available"),
        (["--option", "fail_in=infer", "--option", "error=kill"], "worker killed by SIGKILL"),
        (["--option", "fail_in=infer", "--option", "error=sleep", "--timeout", "3"], "timed out after 3 s"),
    ],
)
def test_failed_run_is_recorded_and_exits_nonzero_keeping_earlier_results(env, capsys, args, message):
    code, _, err = run(capsys, "run", *FAKE)
    assert code == 0, err
    code, out, err = run(capsys, "run", *FAKE, *args)
    assert code == 2
    [first] = [line for line in err.splitlines() if line.startswith("error:")]
    assert first.startswith("error: run failed:") and message in first
    assert "hint:" in err
    assert "Traceback" not in err + out
    with ResultStore(env / "wattprint.db") as store:
        runs = store.list()
    assert [r.status for r in runs] == ["ok", "failed"]
    assert message in runs[1].error
    assert runs[0].summary is not None  # the earlier result is intact


def test_invalid_option_is_a_one_line_error(env, capsys):
    code, _, err = run(capsys, "run", *FAKE, "-n", "0")
    assert code == 2
    assert "error: invalid option -n: Input should be greater than or equal to 1" in err
    code, _, err = run(capsys, "run", *FAKE, "--intensity", "-5")
    assert code == 2 and "error: invalid option --intensity" in err
    assert not (env / "wattprint.db").exists() or ResultStore(env / "wattprint.db").count() == 0


def test_results_list_show_export_validate(env, capsys):
    assert run(capsys, "run", *FAKE, "--out", "runs")[0] == 0
    assert run(capsys, "run", *FAKE, "--model", "arch:nope", "--out", "runs")[0] == 2

    code, out, _ = run(capsys, "results", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["status"] for r in rows] == ["ok", "failed"]
    assert rows[0]["provenance"] == "ESTIMATED" and rows[0]["wh_per_1k_mean"] >= 0
    assert rows[1]["error"] == "unknown model 'arch:nope'"

    code, out, _ = run(capsys, "results", "list", "--status", "failed")
    assert code == 0 and "1 run(s)" in out and "failed" in out

    code, out, _ = run(capsys, "results", "show", rows[0]["run_id"][:8])
    assert code == 0 and "per component" in out and "estimated (estimate model)" in out
    code, out, _ = run(capsys, "results", "show", rows[0]["run_id"][:8], "--json")
    assert json.loads(out)["run_id"] == rows[0]["run_id"]
    code, _, err = run(capsys, "results", "show", "zzzz")
    assert code == 2 and "error: no run 'zzzz'" in err

    assert run(capsys, "results", "export", "runs.csv")[0] == 0
    with open(env / "runs.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [t["status"] for t in table] == ["ok", "failed"]
    assert float(table[0]["wh_per_1k_mean"]) == pytest.approx(rows[0]["wh_per_1k_mean"])
    assert float(table[0]["wh_per_1k_ci95_high"]) >= float(table[0]["wh_per_1k_ci95_low"])
    assert run(capsys, "results", "export", "runs.out", "--json")[0] == 0
    assert len(json.loads((env / "runs.out").read_text())) == 2
    pq = pytest.importorskip("pyarrow.parquet")
    assert run(capsys, "results", "export", "runs.parquet", "--parquet")[0] == 0
    t = pq.read_table(env / "runs.parquet")
    assert t.num_rows == 2 and t.schema.field("wh_per_1k_mean").type == "double"
    code, _, err = run(capsys, "results", "export", "x.xlsx")
    assert code == 2 and "unknown export format" in err

    code, out, _ = run(capsys, "results", "validate", "runs")
    assert code == 0 and "2 file(s), 0 invalid" in out
    # tamper with a stored figure: the summary no longer follows from the repeats
    path = next(p for p in (env / "runs").glob("*.json") if p.stem == rows[0]["run_id"])
    doc = json.loads(path.read_text())
    doc["summary"]["wh_per_1k_mean"] *= 2
    path.write_text(json.dumps(doc))
    (env / "runs" / "garbage.json").write_text("{not json")
    code, out, _ = run(capsys, "results", "validate", "runs", "--json")
    report = json.loads(out)
    assert code == 1 and report["invalid"] == 2
    problems = {c["file"]: c["problems"] for c in report["checks"]}
    assert any("summary.wh_per_1k_mean" in p for p in problems[path.name])
    assert problems["garbage.json"]
