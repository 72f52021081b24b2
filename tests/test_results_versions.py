"""Result documents stored by earlier schema versions still load and validate.

``tests/fixtures/results_v1/`` holds two documents written by the schema-v1 code (an ok run whose inputs
were cycled, and a run that failed in pre-processing), committed before the schema changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.results.files import read_result_json, validate_dir

V1 = Path(__file__).parent / "fixtures" / "results_v1"


def test_v1_documents_validate_as_they_were_written():
    checks = validate_dir(V1)
    assert [c.run_id for c in checks] == ["v1failedrun000000000000000000002", "v1okrun0000000000000000000000001"]
    assert all(c.ok for c in checks), [c.problems for c in checks]


def test_v1_ok_run_reads_back_with_its_figures():
    r = read_result_json(V1 / "v1okrun0000000000000000000000001.json")
    assert r.status == "ok" and r.error is None
    assert [rep.inferences for rep in r.repeats] == [7, 7, 7]
    assert r.repeats[0].energy.joules["cpu"] == pytest.approx(14.0)
    assert r.dataset_info.n_items == 3
    assert r.summary.wh_per_1k_mean == pytest.approx(15.4 / 3600 / 7 * 1000)


def test_v1_failed_run_reads_back_with_its_reason():
    r = read_result_json(V1 / "v1failedrun000000000000000000002.json")
    assert r.status == "failed" and r.error == "out of memory (MemoryError)"
    assert r.load is not None and r.summary is None
