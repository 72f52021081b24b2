"""End to end: every registered task with its tiny model through ``wattprint run``.

Checks the stored result: counts, schema (the ``--out`` JSON re-validates),
provenance, no negative energy; and that a real bad input is recorded as failed.
The per-task runs use ``--in-process`` to keep the suite fast (one torch import);
the worker-subprocess path is covered with real tasks by ``test_e2e_demo.py``
(``wattprint demo --quick``) and one subprocess run below.
"""

from __future__ import annotations

import json

import pytest

from wattprint.cli.main import main
from wattprint.results.files import validate_dir
from wattprint.results.store import ResultStore
from wattprint.workloads.base import task_class, task_names

pytestmark = pytest.mark.slow

N, REPEATS = 3, 2


def _tasks() -> list[str]:
    return [t for t in task_names() if task_class(t).tiny_model]


@pytest.mark.parametrize("task", _tasks())
def test_every_task_runs_end_to_end(task, tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    cls = task_class(task)
    # one diffusion step at the tiny model's native size keeps image generation to seconds
    options = {"num_inference_steps": 1} if cls.name == "text-to-image" else {}
    opts = [x for k, v in options.items() for x in ("--option", f"{k}={v}")]
    code = main(["run", "--task", task, "--model", cls.tiny_model, "-n", str(N), "--repeats", str(REPEATS),
                 "--idle-seconds", "0", "--warmup", "1", "--out", "runs", "--db", "w.db", "--json",
                 "--in-process", *opts])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    doc = json.loads(out)
    with ResultStore(tmp_path / "w.db") as store:
        [r] = store.list()
    assert r.run_id == doc["run_id"]
    assert r.status == "ok" and r.error is None
    assert r.config.task == cls.name
    # counts: N inferences in each of the R measured windows
    assert [rep.inferences for rep in r.repeats] == [N] * REPEATS
    assert all(rep.counts for rep in r.repeats), "the task reports what it processed"
    # no negative energy anywhere, and something was spent
    windows = [r.load, r.preprocess, *(rep.energy for rep in r.repeats),
               *(rep.prefill for rep in r.repeats if rep.prefill is not None)]
    assert all(c.joules >= 0 for w in windows for c in w.components)
    assert sum(rep.energy.total_joules for rep in r.repeats) > 0
    s = r.summary
    assert s.wh_per_1k_mean > 0 and s.wh_per_1k_ci95.low <= s.wh_per_1k_mean <= s.wh_per_1k_ci95.high
    # provenance: every component labelled, and the share agrees with the labels
    comps = [c for rep in r.repeats for c in rep.energy.components]
    measured = sum(c.joules for c in comps if c.provenance.measured)
    assert s.measured_share == pytest.approx(measured / sum(c.joules for c in comps))
    assert r.environment.meters and r.environment.isolation == "in-process"
    assert r.model_info.random_weights  # arch: models are built, not downloaded
    if cls.generative and rep_has_prefill(r):
        assert s.prefill_wh_per_1k is not None and s.decode_wh_per_1k is not None
    if s.counts_per_inference.get("output_tokens"):
        assert s.wh_per_output_token is not None and s.wh_per_output_token > 0
    # the JSON document re-validates against the schema
    assert [c.ok for c in validate_dir(tmp_path / "runs")] == [True]


def rep_has_prefill(r) -> bool:
    return all(rep.prefill is not None for rep in r.repeats)


def test_missing_column_in_a_real_dataset_is_refused_before_the_run(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reviews.csv").write_text("review,label\ngreat film,1\nawful plot,0\n", encoding="utf-8")
    # a real task in a real worker subprocess, then the same with a column the file lacks: refused before
    # a model loads (it used to load the model, then fail and store a failed run)
    base = ["run", "--task", "text-classification", "--model", "arch:bert-tiny", "-n", "2", "--repeats", "1",
            "--idle-seconds", "0", "--warmup", "0", "--dataset", "reviews.csv", "--db", "w.db"]
    first = main(base)
    assert first == 0, capsys.readouterr().err[-2000:]
    capsys.readouterr()
    code = main([*base, "--column", "nope"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: column 'nope' not in dataset 'reviews.csv'" in err and "available columns: review, label" in err
    assert "loading model" not in err
    with ResultStore(tmp_path / "w.db") as store:
        runs = store.list()
    assert [r.status for r in runs] == ["ok"]
    assert runs[0].dataset_info.name == "reviews.csv" and runs[0].summary is not None
    assert runs[0].environment.isolation == "process"


def test_max_new_tokens_setting_reaches_the_generation(tmp_path, monkeypatch, capsys):
    """``--max-new-tokens`` changes what is generated (and so the energy), not just the record."""
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--task", "text-generation", "--model", "arch:gpt2-tiny", "-n", "2", "--repeats", "1",
                 "--idle-seconds", "0", "--warmup", "0", "--max-new-tokens", "4", "--db", "w.db", "--json",
                 "--in-process"])
    assert code == 0, capsys.readouterr().err[-2000:]
    with ResultStore(tmp_path / "w.db") as store:
        [r] = store.list()
    assert r.repeats[0].counts["output_tokens"] == 2 * 4


def test_max_new_tokens_on_a_task_that_does_not_generate_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--task", "text-classification", "--model", "arch:bert-tiny", "-n", "1", "--repeats", "1",
                 "--idle-seconds", "0", "--warmup", "0", "--max-new-tokens", "4", "--db", "w.db", "--in-process"])
    err = capsys.readouterr().err
    assert code != 0
    assert "max_new_tokens" in err
    # refused up front, before a model loads or a meter opens: nothing was measured, so nothing is stored
    db = tmp_path / "w.db"
    if db.exists():
        with ResultStore(db) as store:
            assert store.list() == []


def test_the_run_seed_reaches_random_weights(tmp_path):
    """Two seeds give two different random models; the same seed gives the same one."""
    torch = pytest.importorskip("torch")
    from wattprint.workloads.base import ModelSpec, get_task

    task = get_task("text-classification")

    def first_weight(seed: int):
        loaded = task.load_model(ModelSpec(name="arch:bert-tiny", seed=seed))
        return next(loaded.model.parameters()).detach().clone()

    assert torch.equal(first_weight(1), first_weight(1))
    assert not torch.equal(first_weight(1), first_weight(2))


def test_label_column_on_synthetic_data_is_refused_before_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--task", "text-classification", "--model", "arch:bert-tiny", "-n", "1", "--repeats", "1",
                 "--idle-seconds", "0", "--warmup", "0", "--label-column", "label", "--db", "w.db"])
    err = capsys.readouterr().err
    assert code == 2 and "synthetic data has no label column ('label' given)" in err and "Traceback" not in err
    if (tmp_path / "w.db").exists():  # refused before a model loads: nothing measured, nothing stored
        with ResultStore(tmp_path / "w.db") as store:
            assert store.list() == []


@pytest.mark.parametrize(("extra", "message"), [
    (["--label-column", "lbl"], "label column 'lbl' not in the dataset"),
    (["--column", "txt"], "column 'txt' not in dataset"),
    (["-d", "missing.csv"], "dataset path not found: missing.csv"),
])
def test_a_local_dataset_without_the_named_column_is_refused_before_a_model_loads(tmp_path, monkeypatch, capsys,
                                                                                 extra, message):
    """Before: found after the model had loaded, and stored as a failed run."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("text,label\nhello world,pos\nbad day,neg\n")
    code = main(["run", "--task", "text-classification", "--model", "arch:bert-tiny", "-d", "data.csv", "-n", "1",
                 "--repeats", "1", "--idle-seconds", "0", "--warmup", "0", "--db", "w.db", *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    if "lbl" in message or "txt" in message:
        assert "text, label" in err  # the columns there, in the hint
    if (tmp_path / "w.db").exists():  # refused before the worker starts: no failed run stored either
        with ResultStore(tmp_path / "w.db") as store:
            assert store.list() == []


@pytest.mark.parametrize("label_map, message", [("A=B,A=C", "maps 'A' twice"), ("=x", "has an empty label"),
                                                ("x=", "has an empty label")])
def test_bad_label_map_is_refused_before_the_run(label_map, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.csv").write_text("text,label\ngood,POSITIVE\n")
    code = main(["run", "--task", "text-classification", "--model", "arch:bert-tiny", "-d", "r.csv", "-n", "1",
                 "--repeats", "1", "--idle-seconds", "0", "--warmup", "0", "--label-map", label_map, "--db", "w.db"])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert not (tmp_path / "w.db").exists()  # nothing loaded, nothing measured, no failed run stored
