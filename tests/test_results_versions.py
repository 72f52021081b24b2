"""Result documents stored by earlier schema versions still load and validate.

``tests/fixtures/results_v1/`` holds two documents written by the schema-v1 code (an ok run whose inputs
were cycled, and a run that failed in pre-processing), committed before the schema changed to v2. They
load as v2: the ``extra`` keys other layers read become typed fields.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wattprint.cli.main import main
from wattprint.results.files import read_result_json, validate_dir, write_result_json
from wattprint.results.schema import SCHEMA_VERSION, RunResult

V1 = Path(__file__).parent / "fixtures" / "results_v1"
OK = "v1okrun0000000000000000000000001"
FAILED = "v1failedrun000000000000000000002"


def test_v1_documents_validate_and_say_their_version():
    checks = validate_dir(V1)
    assert [c.run_id for c in checks] == [FAILED, OK]
    assert all(c.ok for c in checks), [c.problems for c in checks]
    assert [c.schema_version for c in checks] == [1, 1]


def test_v1_ok_run_reads_back_with_its_figures_as_typed_fields():
    raw = json.loads((V1 / f"{OK}.json").read_text())
    r = read_result_json(V1 / f"{OK}.json")
    assert r.schema_version == SCHEMA_VERSION == 2
    assert r.status == "ok" and r.error is None and r.failure is None and r.phase is None
    assert [rep.inferences for rep in r.repeats] == [7, 7, 7]
    assert r.repeats[0].energy.joules["cpu"] == pytest.approx(14.0)
    assert r.summary.wh_per_1k_mean == pytest.approx(15.4 / 3600 / 7 * 1000)
    # extra keys of v1 -> typed fields of v2
    assert r.dataset_info.n_items == 3 and r.dataset_info.cycled
    assert r.sample_outputs == raw["extra"]["sample_outputs"] == ["ITEM 0", "ITEM 1", "ITEM 2"]
    assert [rep.infer_s for rep in r.repeats] == [t["infer_s"] for t in raw["extra"]["timing"]]
    assert r.extra == {}


def test_v1_failed_run_reads_back_with_its_reason_hint_and_phase():
    r = read_result_json(V1 / f"{FAILED}.json")
    assert r.status == "failed" and r.error == "out of memory (MemoryError)"
    assert r.phase == "preprocess"
    assert r.failure.error_type == "MemoryError" and "batch-size" in r.failure.hint
    assert r.load is not None and r.summary is None and r.extra == {}


def test_an_upgraded_document_is_written_back_as_the_current_version(tmp_path):
    r = read_result_json(V1 / f"{FAILED}.json")
    again = read_result_json(write_result_json(r, tmp_path))
    assert again == r
    assert [c.schema_version for c in validate_dir(tmp_path)] == [SCHEMA_VERSION]


def test_a_newer_version_is_refused_with_the_reason(tmp_path):
    doc = json.loads((V1 / f"{OK}.json").read_text())
    doc["schema_version"] = SCHEMA_VERSION + 1
    (tmp_path / f"{OK}.json").write_text(json.dumps(doc))
    (check,) = validate_dir(tmp_path)
    assert check.schema_version == SCHEMA_VERSION + 1
    assert not check.ok and "newer than this wattprint reads" in check.problems[0]
    with pytest.raises(ValueError):
        RunResult.model_validate(doc)


def test_results_validate_says_each_files_version(tmp_path, capsys):
    shutil.copytree(V1, tmp_path / "runs")
    write_result_json(read_result_json(V1 / f"{OK}.json"), tmp_path / "runs2")
    shutil.copy(next((tmp_path / "runs2").glob("*.json")), tmp_path / "runs" / "v2okrun.json")
    doc = json.loads((tmp_path / "runs" / "v2okrun.json").read_text())
    doc["run_id"] = "v2okrun"
    (tmp_path / "runs" / "v2okrun.json").write_text(json.dumps(doc))
    assert main(["results", "validate", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert f"{FAILED}.json (schema v1)" in out and f"{OK}.json (schema v1)" in out
    assert "v2okrun.json (schema v2)" in out and "3 file(s), 0 invalid" in out
    assert main(["results", "validate", str(tmp_path / "runs"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {c["file"]: c["schema_version"] for c in report["checks"]} == {
        f"{FAILED}.json": 1, f"{OK}.json": 1, "v2okrun.json": 2}


def test_v1_quality_notes_become_typed_fields():
    doc = json.loads((V1 / f"{OK}.json").read_text())
    doc["extra"].update(quality_note="synthetic data has no labels", quality_error="ValueError: boom", sweep={"x": 1})
    r = RunResult.model_validate(doc)
    assert (r.quality_note, r.quality_error) == ("synthetic data has no labels", "ValueError: boom")
    assert r.extra == {"sweep": {"x": 1}}  # notes no layer depends on stay in extra


def test_json_that_is_no_result_is_not_called_schema_v1(tmp_path, capsys):
    shutil.copytree(V1, tmp_path / "runs")
    (tmp_path / "runs" / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 768}))
    (tmp_path / "runs" / "list.json").write_text("[1, 2]")
    assert main(["results", "validate", str(tmp_path / "runs")]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "INVALID config.json (not a wattprint result): it has no schema_version, nor a run_id and" in out
    assert "INVALID list.json (not a wattprint result)" in out
    assert f"{OK}.json (schema v1)" in out and "schema v1): not" not in out and "4 file(s), 2 invalid" in out
    assert main(["results", "validate", str(tmp_path / "runs"), "--json"]) == 1
    report = {c["file"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert report["config.json"]["schema_version"] is None and report["config.json"]["wattprint_result"] is False
    assert report[f"{OK}.json"]["wattprint_result"] is True
