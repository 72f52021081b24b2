"""CodeCarbon import: layouts of 2.x and 3.x, study file names, provenance, audit, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from wattprint.cli.main import main
from wattprint.energy.types import Method
from wattprint.errors import WattprintError
from wattprint.results.importers import import_codecarbon, infer_labels
from wattprint.results.store import ResultStore

FIX = Path(__file__).parent / "fixtures" / "codecarbon"
STUDY = FIX / "study"
RID_A = "1b5c7a52-2d4e-4b7e-9a61-0c3f5e7d9a01"
RID_B = "2c6d8b63-3e5f-4c8f-8b72-1d4f6e8eab12"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def _query_row(rid: str) -> dict[str, str]:
    rows = _rows(STUDY / "base" / f"emissions_base_{rid}.csv")
    return next(r for r in rows if r["task_name"] == "query model")


@pytest.mark.parametrize(
    ("stem", "task", "dataset", "config"),
    [
        ("text_classif_imdb", "text-classification", "imdb", None),
        ("token_classif_wikiann", "token-classification", "wikiann", None),
        ("qa_squadv2", "question-answering", "squad_v2", None),
        ("fillmask_c4", "fill-mask", "c4", None),
        ("textgen_wikitext", "text-generation", "wikitext-103", None),
        ("summarize_xsum_15", "summarization", "xsum", None),
        ("image_class_cifar100_resized", "image-classification", "cifar100", "resized-640x480"),
        ("obj_detection_CPPE", "object-detection", "cppe-5", None),
        ("itt_redcaps_resized", "image-to-text", "red_caps", "resized-640x480"),
        ("tti_sd_prompts", "text-to-image", "Stable-Diffusion-Prompts", None),
        ("zeroshot_sentiment_tomatoes_bloomz", "zero-shot-classification", "rotten_tomatoes", None),
        ("zeroshot_qa_squad2", "zero-shot-question-answering", "squad_v2", None),
        ("zeroshot_summarize_cnn", "zero-shot-summarization", "cnn_dailymail", None),
    ],
)
def test_study_file_names_map_to_canonical_tasks(stem, task, dataset, config):
    labels = infer_labels(stem)
    assert labels is not None
    assert (labels.task, labels.dataset, labels.dataset_config) == (task, dataset, config)


def test_names_that_say_nothing_give_no_labels():
    assert infer_labels("emissions") is None
    assert infer_labels(f"emissions_base_{RID_A}") is None
    assert infer_labels("qa") is None


def test_task_logs_linked_to_emissions_file_take_labels_and_query_phase():
    out = import_codecarbon([STUDY], params_file=STUDY / "model_parameters.csv")
    assert len(out.results) == 2 and out.task_logs == 2 and out.emissions_files == 1
    assert out.skipped == [str(STUDY / "model_parameters.csv")]
    assert out.unlabelled == 0 and out.whole_tracker == 0
    runs = {r.run_id: r for r in out.results}
    a = runs[RID_A]
    assert a.origin == "codecarbon"
    assert (a.config.task, a.config.dataset, a.config.model) == (
        "text-classification", "imdb", "distilbert-base-uncased-finetuned-sst-2-english")
    assert a.model_info.parameters == 66955010
    q = _query_row(RID_A)
    joules = {c.component: c.joules for c in a.repeats[0].energy.components}
    for comp in ("cpu", "gpu", "ram"):
        assert joules[comp] == pytest.approx(float(q[f"{comp}_energy"]) * 3.6e6)
    assert a.repeats[0].energy.duration_s == pytest.approx(float(q["duration"]))
    assert a.summary.wh_per_1k_mean == pytest.approx(float(q["energy_consumed"]) * 1000)
    # load phase kept apart, not in the repeats
    assert a.load is not None and a.load.duration_s == pytest.approx(4.0)
    assert set(a.extra["codecarbon"]["phases"]) == {"load model", "query model"}
    # carbon factor from the log's own ratio
    assert a.carbon.intensity_g_per_kwh == pytest.approx(138.75)
    assert a.g_co2e_per_1k == pytest.approx(float(q["emissions"]) * 1000)  # kg per 1,000 inferences -> g
    # CodeCarbon stamps the end of the window
    assert a.finished_at.isoformat().startswith("2023-09-08T15:16:16")
    assert (a.finished_at - a.started_at).total_seconds() == pytest.approx(12.0)


def test_provenance_reflects_what_codecarbon_did():
    out = import_codecarbon([STUDY])
    comps = {c.component: c.provenance for c in out.results[0].repeats[0].energy.components}
    assert comps["gpu"].method is Method.COUNTER and comps["gpu"].source == "codecarbon"
    assert comps["cpu"].method is Method.MODEL  # constant 42.5 W
    assert comps["ram"].method is Method.MODEL
    s = out.results[0].summary
    gpu_share = out.results[0].repeats[0].energy.joules["gpu"] / out.results[0].repeats[0].energy.total_joules
    assert s.measured_share == pytest.approx(gpu_share)
    assert s.measured_share < 1.0


def test_audit_flags_cpu_fallback_ram_rule_and_gpu_overcount_with_shares():
    out = import_codecarbon([STUDY])
    run = next(r for r in out.results if r.run_id == RID_B)
    q = _query_row(RID_B)
    total = float(q["cpu_energy"]) + float(q["gpu_energy"]) + float(q["ram_energy"])
    flags = {f.component: f for f in run.audit}
    assert set(flags) == {"cpu", "gpu", "ram"}
    assert "42.5 W" in flags["cpu"].reason and "85 W" in flags["cpu"].reason
    assert flags["cpu"].share == pytest.approx(float(q["cpu_energy"]) / total)
    assert "3 W per 8 GB" in flags["ram"].reason
    assert flags["ram"].share == pytest.approx(float(q["ram_energy"]) / total)
    # idle GPUs: 7 x the lowest per-GPU power in the import (all phases of both logs) x duration
    powers = [float(r["gpu_power"]) / 8 for p in (STUDY / "base").glob("*.csv") for r in _rows(p)]
    powers += [float(r["gpu_power"]) / 8 for r in _rows(STUDY / "complete" / "text_classif_imdb.csv")]
    idle_kwh = 7 * min(powers) * float(q["duration"]) / 3.6e6
    assert "8 GPUs" in flags["gpu"].reason
    assert flags["gpu"].share == pytest.approx(idle_kwh / total)
    gpu_prov = next(c.provenance for c in run.repeats[0].energy.components if c.component == "gpu")
    assert gpu_prov.uncertainty_low == pytest.approx(-idle_kwh / float(q["gpu_energy"]) - 0.05)


def test_phase_choice_load_and_all():
    load = import_codecarbon([STUDY], phase="load")
    a = next(r for r in load.results if r.run_id == RID_A)
    assert a.repeats[0].energy.name == "load model" and a.repeats[0].energy.duration_s == pytest.approx(4.0)
    both = import_codecarbon([STUDY], phase="all")
    b = next(r for r in both.results if r.run_id == RID_B)
    assert b.repeats[0].energy.duration_s == pytest.approx(6.0 + 2.0 + 28.0)
    with pytest.raises(WattprintError, match="no 'warmup' phase"):
        import_codecarbon([STUDY], phase="warmup")


def test_emissions_file_alone_is_the_whole_tracker_window():
    out = import_codecarbon([STUDY / "complete" / "text_classif_imdb.csv"])
    assert out.whole_tracker == 2 and out.task_logs == 0
    a = next(r for r in out.results if r.run_id == RID_A)
    assert a.config.task == "text-classification"
    assert a.extra["codecarbon"]["phase"] == "whole tracker"
    assert a.repeats[0].energy.duration_s == pytest.approx(16.0)


def test_codecarbon_3_layout_with_task_override():
    out = import_codecarbon([FIX / "v3" / "emissions.csv"], task="text-generation", dataset="wikitext")
    assert len(out.results) == 2
    r = out.results[0]
    assert (r.config.task, r.config.dataset, r.config.device) == ("text-generation", "wikitext", "cpu")
    assert r.extra["codecarbon"]["version"] == "3.0.1"
    assert r.carbon.intensity_g_per_kwh == pytest.approx(56.0)
    comps = {c.component: c for c in r.repeats[0].energy.components}
    assert comps["cpu"].provenance.method is Method.COUNTER  # varying CPU power: RAPL
    assert {f.component for f in r.audit} == {"ram"}  # no GPU over-count, no CPU fallback
    assert "never measured" in r.audit[0].reason


def test_unknown_labels_without_names_and_unknown_task_rejected():
    out = import_codecarbon([FIX / "v3" / "emissions.csv"])
    assert out.unlabelled == 2 and {r.config.task for r in out.results} == {"unknown"}
    with pytest.raises(WattprintError, match="unknown task"):
        import_codecarbon([FIX / "v3"], task="text-generaton")


def test_not_codecarbon_and_partial_files_are_one_line_errors():
    with pytest.raises(WattprintError, match="not a CodeCarbon emissions file: missing column"):
        import_codecarbon([FIX / "bad" / "not_codecarbon.csv"])
    with pytest.raises(WattprintError, match=r"text_classif_sst2\.csv:3: truncated"):
        import_codecarbon([FIX / "bad"])
    with pytest.raises(WattprintError, match="no such file"):
        import_codecarbon([FIX / "nope.csv"])


def test_cli_import_stores_all_and_reimport_replaces(tmp_path, capsys):
    db = tmp_path / "w.db"
    assert main(["import", "codecarbon", str(STUDY), "--params", str(STUDY / "model_parameters.csv"),
                 "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["stored"] == 2 and summary["audit"]["flagged"] == 2
    assert set(summary["audit"]["components"]) == {"cpu", "gpu", "ram"}
    assert main(["import", "codecarbon", str(STUDY), "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "2 CodeCarbon runs imported" in text and "audit:" in text
    with ResultStore(db) as s:
        assert s.count() == 2
        assert s.get(RID_A[:8]).origin == "codecarbon"


def test_cli_bad_file_imports_nothing(tmp_path, capsys):
    db = tmp_path / "w.db"
    code = main(["import", "codecarbon", str(STUDY), str(FIX / "bad" / "text_classif_sst2.csv"), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert "error:" in err and "truncated" in err and "Traceback" not in err
    with ResultStore(db) as s:
        assert s.count() == 0
