"""The columnar report path gives the object path's figures to the last digit, on a study-sized store."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fakes_analysis import make_run, study_like
from fakes_codecarbon import write_study_logs
from wattprint.analysis.carbon import carbon_factor, recompute_carbon
from wattprint.report.data import build_report, build_report_columns
from wattprint.results.importers import import_codecarbon
from wattprint.results.quality import QualityScore
from wattprint.results.store import ResultStore

STUDY_RUNS = 6513  # the study's released logs


def _figures(data) -> str:
    doc = data.to_dict()
    doc.pop("generated_at")
    return json.dumps(doc, sort_keys=True)  # floats as repr: every digit


def _timed_run(tmp: Path):
    """A run with time-resolved carbon (its three hours met 100, 300 and 500 g/kWh)."""
    from wattprint.carbon import resolve_factor
    from wattprint.carbon.series import read_series_file
    from wattprint.carbon.timed import time_resolved

    run = make_run("fill-mask", "bert-timed", [1.0, 1.0, 1.0], dataset="c4")
    t0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for i, rep in enumerate(run.repeats):
        rep.energy.start_unix_s = (t0 + timedelta(hours=i)).timestamp()
    series = tmp / "s.csv"
    series.write_text("timestamp,g_per_kwh\n" + "".join(
        f"{(t0 + timedelta(hours=i)).isoformat()},{v}\n" for i, v in enumerate([100, 300, 500])))
    run.carbon_timed = time_resolved([(x.energy, x.inferences) for x in run.repeats], read_series_file(series),
                                     average=resolve_factor())
    return run


@pytest.fixture(scope="module")
def study_store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("columnar")
    files = write_study_logs(tmp / "logs", STUDY_RUNS, seed=7)
    runs = import_codecarbon(files).results
    runs += study_like()  # repeats, generation token counts, multi-purpose families, a failed run
    runs.append(make_run("text-classification", "tiny-bert", [0.51], dataset="imdb"))  # a one-run group
    # a run of our own in a group of imported runs: runs of different shapes (components, labels) in one group
    runs.append(make_run("text-classification", "bert-base", [0.7, 0.8], dataset="imdb"))
    runs.append(_timed_run(tmp))
    for r in runs:  # quality scores on two text-classification models: the overview reads that task's documents
        if r.config.task == "text-classification" and r.config.model in ("tiny-bert", "roberta-large"):
            r.quality = [QualityScore(metric="accuracy", value=0.8 if r.config.model == "tiny-bert" else 0.9,
                                      n=1000, dataset="imdb")]
    with ResultStore(tmp / "study.db") as store:
        store.put_many(runs)
    return tmp / "study.db"


@pytest.mark.slow
def test_columnar_report_equals_object_report_to_the_last_digit(study_store):
    with ResultStore(study_store) as store:
        old = build_report(store.list())
        cols = store.columns()
        scored = {"text-classification", "zero-shot-classification"}
        new = build_report_columns(cols, timed_runs=store.list_timed(), quality_runs=store.list_usable(scored))
    assert len(cols) == STUDY_RUNS + 13 and cols.failed == 1
    assert list(cols.timed).count(1) == 1  # the report reads the timed documents only when this says so
    assert old.runs == new.runs and old.failed == new.failed == 1
    assert old.task_values == new.task_values
    assert _figures(old) == _figures(new)
    # what the assertion covered is not empty
    d = new.to_dict()
    assert d["audit"]["flagged"] == STUDY_RUNS and d["multi_purpose_vs_task_specific"]["ratios"]
    assert d["energy_vs_output_length"]["points"] and len(d["tasks"]) == 12
    assert [t["model"] for t in d["time_resolved_carbon"]] == ["bert-timed"]
    assert {p["model"]: p["quality"] for p in d["quality"]}["roberta-large"] == 0.9


@pytest.mark.slow
def test_cli_report_json_gives_the_object_path_figures(study_store, capsys):
    from wattprint.cli.main import main

    with ResultStore(study_store) as store:
        old = build_report(store.list(task="text-classification")).to_dict()
    assert main(["report", "--db", str(study_store), "--task", "text-classification", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("tasks", "leaderboard", "audit", "provenance", "carbon_factors", "time_resolved_carbon", "quality"):
        assert json.dumps(doc[key], sort_keys=True) == json.dumps(old[key], sort_keys=True), key


@pytest.mark.slow
def test_columnar_report_with_another_carbon_factor_equals_object_report(study_store):
    factor = carbon_factor(intensity=56.0, pue=1.2)
    with ResultStore(study_store) as store:
        old = build_report(recompute_carbon(store.list(task="text-classification"), factor))
        new = build_report_columns(store.columns(task="text-classification").with_factor(factor),
                                   quality_runs=store.list_usable(["text-classification"]))
    assert _figures(old) == _figures(new)
    assert new.carbon_factors[0]["intensity_g_per_kwh"] == 56.0


def test_latest_run_of_a_model_is_by_time_when_offsets_differ(tmp_path):
    a = make_run("fill-mask", "m", [1.0])
    b = make_run("fill-mask", "m", [2.0])
    a.started_at = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))  # 10:00 UTC
    b.started_at = datetime(2024, 5, 1, 11, 0, tzinfo=timezone.utc)  # the latest, though "11" < "12"
    a.environment.gpus, b.environment.gpus = [{"name": "GPU A"}], [{"name": "GPU B"}]
    with ResultStore(tmp_path / "w.db") as store:
        store.put_many([a, b])
        old = build_report(store.list())
        new = build_report_columns(store.columns())
    assert old.leaderboard[0].hardware == new.leaderboard[0].hardware == "GPU B"
    assert _figures(old) == _figures(new)


def test_latest_run_of_a_model_is_the_first_of_those_that_started_last(tmp_path):
    """Runs that started at the same latest second: the one the store lists first (by run id) gives the hardware."""
    t = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    runs = []
    for run_id, start, gpu in [("c", t, "GPU C"), ("b", t, "GPU B"), ("a", t - timedelta(hours=1), "GPU A"),
                               ("d", t - timedelta(hours=2), "GPU D")]:
        r = make_run("fill-mask", "m", [1.0])
        r.run_id, r.started_at, r.environment.gpus = run_id, start, [{"name": gpu}]
        runs.append(r)
    with ResultStore(tmp_path / "w.db") as store:
        store.put_many(runs)
        old = build_report(store.list())
        new = build_report_columns(store.columns())
    assert old.leaderboard[0].hardware == new.leaderboard[0].hardware == "GPU B"
    assert _figures(old) == _figures(new)


@pytest.mark.slow
def test_columnar_report_of_runs_of_one_shape_equals_object_report(study_store):
    """Imported runs all have one shape: the strided path (audit and provenance) gives the same figures."""
    with ResultStore(study_store) as store:
        old = build_report(store.list(origin="codecarbon"))
        cols = store.columns(origin="codecarbon")
        new = build_report_columns(cols)
    assert len(cols.groups("shape")) == 1 and len(cols) == STUDY_RUNS
    assert _figures(old) == _figures(new)
    assert new.audit["flagged"] == STUDY_RUNS and len(new.provenance["by_component"]) == 3


def test_columnar_report_of_one_shape_with_repeats_equals_object_report(tmp_path):
    """One shape whose provenance items repeat per run (three repeats: three GPU and CPU items each)."""
    runs = [make_run(task, f"m{k % 4}", [0.3 + k / 7, 0.5 + k / 11, 0.2 + k / 13], estimated_share=0.25)
            for k, task in enumerate(["fill-mask", "text-classification"] * 12)]
    with ResultStore(tmp_path / "w.db") as store:
        store.put_many(runs)
        old = build_report(store.list())
        cols = store.columns()
        new = build_report_columns(cols)
        without = build_report_columns(store.columns(), task_values=False)  # what --json (no page) computes
    assert len(cols.groups("shape")) == 1 and len(cols.shapes[0].provenance) == 6
    assert _figures(old) == _figures(new) == _figures(without)
    assert old.task_values == new.task_values and len(new.task_values["fill-mask"]) == 12
    assert without.task_values == {}
    assert {d["component"] for d in new.provenance["by_component"]} == {"gpu:0", "cpu"}
    assert [e.to_dict() for e in new.leaderboard] == [asdict(e) for e in new.leaderboard]  # the shallow copy
