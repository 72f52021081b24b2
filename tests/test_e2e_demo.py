"""End to end: ``wattprint demo --quick`` (real tasks, tiny models, a worker subprocess per task)."""

from __future__ import annotations

import json

import pytest

from wattprint.bench.demo import (
    DEMO_QUERY_BUDGET_S,
    DEMO_SECONDS_PER_INFERENCE,
    STUDY_TASKS,
    demo_config,
    ranked,
    spearman_vs_study,
)
from wattprint.bench.reference import STUDY_TABLE2
from wattprint.cli.main import main
from wattprint.results.files import validate_dir
from wattprint.results.store import ResultStore

# three study tasks of different modalities keep this test to tens of seconds; every task
# runs through `wattprint run` in test_e2e_run.py
TASKS = ["text-classification", "image-classification", "text-generation"]


@pytest.mark.slow
def test_demo_quick_end_to_end(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--quick", "--tasks", ",".join(TASKS), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err[-3000:]
    doc = json.loads(out)
    rows = doc["rows"]
    assert sorted(r["task"] for r in rows) == sorted(TASKS)
    assert all(r["status"] == "ok" for r in rows)
    # ranked like Table 2: lowest energy first, ranks 1..n
    assert [r["rank"] for r in rows] == [1, 2, 3]
    whs = [r["wh_per_1k_mean"] for r in rows]
    assert whs == sorted(whs) and all(w > 0 for w in whs)
    for r in rows:
        assert r["study_wh_per_1k"] == STUDY_TABLE2[r["task"]].wh_per_1k_mean
        assert r["ratio_to_study"] == pytest.approx(r["wh_per_1k_mean"] / r["study_wh_per_1k"])
        assert r["provenance"] in ("measured", "ESTIMATED") or r["provenance"].startswith("partly")
    assert any("random" in c for c in doc["caveats"])
    if all(r["provenance"] == "ESTIMATED" for r in rows):
        assert any("ESTIMATED on this machine" in c for c in doc["caveats"])
    # stored in ./wattprint.db, one JSON per run that re-validates, each run in its own worker
    with ResultStore(tmp_path / "wattprint.db") as store:
        runs = store.list()
    assert len(runs) == 3 and {r.environment.isolation for r in runs} == {"process"}
    assert all(r.config.repeats == 2 and r.config.n == 2 for r in runs)
    assert all(r.model_info.random_weights for r in runs)
    assert [c.ok for c in validate_dir(tmp_path / "wattprint-demo" / "runs")] == [True] * 3
    if doc["report"]:
        assert (tmp_path / "wattprint-demo" / "report.html").stat().st_size > 1000
    else:
        assert doc["report_note"]


def test_demo_unknown_task_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--quick", "--tasks", "text-clasification"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: unknown task 'text-clasification'" in err and "did you mean" in err
    assert not (tmp_path / "wattprint.db").exists()


def test_demo_configs_use_the_tasks_published_sizes():
    from wattprint.workloads.base import task_class

    for task in STUDY_TASKS:
        cls = task_class(task)
        full = demo_config(task)
        assert full.model == cls.default_model and full.dataset == "synthetic"
        assert 1 <= full.n <= cls.demo_n and full.repeats == 3
        seconds, prefill = DEMO_SECONDS_PER_INFERENCE[task]
        if full.n > 1:  # within the time budget
            assert full.n * 3 * seconds * (1 + prefill) <= DEMO_QUERY_BUDGET_S
        assert full.task_options == dict(cls.demo_options)
        assert full.dtype == (cls.demo_dtype or "float32")
        quick = demo_config(task, quick=True)
        assert quick.model == cls.tiny_model and quick.n == 2 and quick.idle_s == 0


def _result(task: str, joules_per_inference: float, status: str = "ok"):
    from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
    from wattprint.results.schema import RepeatResult, RunConfig, RunResult, Summary

    prov = Provenance(source="estimate", method=Method.MODEL, uncertainty_low=-0.5, uncertainty_high=1.0)
    r = RunResult(config=RunConfig(task=task, model="arch:x"), status=status)
    if status == "ok":
        e = EnergyReport(duration_s=1.0, components=[ComponentEnergy(component="cpu", joules=10 * joules_per_inference,
                                                                     provenance=prov)])
        r.repeats = [RepeatResult(index=0, inferences=10, energy=e)]
        r.summary = Summary.from_repeats(r.repeats)
    else:
        r.error = "boom"
    return r


def test_ranking_and_rank_agreement():
    # Wh per 1k = J per inference / 3.6: fill-mask 1, text-classification 2, text-to-image 100
    fm, tc, tti = _result("fill-mask", 3.6), _result("text-classification", 7.2), _result("text-to-image", 360.0)
    failed = _result("summarization", 0, status="failed")
    rows = ranked([tti, failed, tc, fm])
    assert [(r.rank, r.result.config.task) for r in rows] == [
        (1, "fill-mask"), (2, "text-classification"), (3, "text-to-image"), (None, "summarization")]
    assert rows[0].ratio_to_study == pytest.approx(1.0 / 3.0)
    # ours: fm 1, tc 2, tti 3; study: tc 1, fm 2, tti 3 -> 1 - 6 * (1 + 1 + 0) / (3 * (9 - 1)) = 0.5
    assert spearman_vs_study(rows) == pytest.approx(0.5)
    assert spearman_vs_study(rows[:2]) is None
