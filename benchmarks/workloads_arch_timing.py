"""Build time, per-inference time and peak memory of the full-size ``arch:`` reference models on this CPU.

Run by hand (minutes; several GiB of memory for the big ones):

    python benchmarks/workloads_arch_timing.py            # all cases
    python benchmarks/workloads_arch_timing.py gpt2 sd    # cases whose label contains any of these words

Each case runs in a fresh subprocess (so peak RSS is its own): build the model (seconds), preprocess a few
synthetic items, one warm-up inference, then ``reps`` timed inferences at batch size 1 (median seconds). The
figures feed ``docs/tasks.md`` and the sizing of ``wattprint demo``. Timings are wall-clock on whatever else the
machine is doing: run on an idle machine for numbers you quote.
"""

from __future__ import annotations

import json
import subprocess
import sys

# (label, task, model, options, timed repetitions[, dtype])
CASES = [
    ("bert-base text-classification", "text-classification", "arch:bert-base", {}, 5),
    ("bert-base token-classification", "token-classification", "arch:bert-base", {}, 5),
    ("bert-base question-answering", "question-answering", "arch:bert-base", {}, 5),
    ("bert-base fill-mask", "fill-mask", "arch:bert-base", {}, 5),
    ("distilbert text-classification", "text-classification", "arch:distilbert", {}, 5),
    ("roberta-base text-classification", "text-classification", "arch:roberta-base", {}, 5),
    ("minilm sentence-similarity (trained)", "sentence-similarity", "sentence-transformers/all-MiniLM-L6-v2", {}, 5),
    ("gpt2 text-generation", "text-generation", "arch:gpt2", {}, 3),
    ("t5-base summarization", "summarization", "arch:t5-base", {}, 3),
    ("bart-large summarization", "summarization", "arch:bart-large", {}, 3),
    ("flan-t5-base zero-shot-classification", "zero-shot-classification", "arch:flan-t5-base", {}, 3),
    ("flan-t5-base zero-shot-summarization", "zero-shot-summarization", "arch:flan-t5-base", {}, 3),
    ("vit-base image-classification", "image-classification", "arch:vit-base", {}, 5),
    ("resnet-50 image-classification", "image-classification", "arch:resnet-50", {}, 5),
    ("detr-resnet-50 object-detection", "object-detection", "arch:detr-resnet-50", {}, 3),
    ("blip-base image-to-text", "image-to-text", "arch:blip-base", {}, 3),
    ("sd-1.5 text-to-image 128px 2 steps", "text-to-image", "arch:sd-1.5",
     {"num_inference_steps": 2, "height": 128, "width": 128}, 2),
    ("sd-1.5 text-to-image 256px 2 steps", "text-to-image", "arch:sd-1.5",
     {"num_inference_steps": 2, "height": 256, "width": 256}, 1),
    ("sd-1.5 bfloat16 text-to-image 128px 2 steps", "text-to-image", "arch:sd-1.5",
     {"num_inference_steps": 2, "height": 128, "width": 128}, 2, "bfloat16"),
    ("sd-1.5 bfloat16 text-to-image 128px 1 step", "text-to-image", "arch:sd-1.5",
     {"num_inference_steps": 1, "height": 128, "width": 128}, 2, "bfloat16"),
]

CHILD = r"""
import json, resource, statistics, sys, time
task_name, model, options, reps, dtype = json.loads(sys.argv[1])
from wattprint.workloads.base import DatasetSpec, ModelSpec, get_task
t0 = time.perf_counter()
task = get_task(task_name, options)
loaded = task.load_model(ModelSpec(model, dtype=dtype))
build_s = time.perf_counter() - t0
items = task.load_inputs(DatasetSpec(), reps + 1).items
t1 = time.perf_counter()
batches = task.preprocess(loaded, items, 1)
pre_s = (time.perf_counter() - t1) / len(batches)
out = task.infer(loaded, batches[0])
times, counts = [], {}
for b in batches[1:]:
    t = time.perf_counter()
    out = task.infer(loaded, b)
    times.append(time.perf_counter() - t)
    for k, v in task.count(loaded, b, out).items():
        counts[k] = counts.get(k, 0) + v
prefill = None
if task.generative:
    t = time.perf_counter()
    task.infer_prefill(loaded, batches[1])
    prefill = time.perf_counter() - t
print(json.dumps({"parameters": loaded.description.parameters, "build_s": build_s, "preprocess_s": pre_s,
                  "infer_s": statistics.median(times), "prefill_s": prefill, "counts": counts,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(argv: list[str]) -> None:
    import torch

    print(f"torch threads: {torch.get_num_threads()}", flush=True)
    for label, task, model, options, reps, *rest in CASES:
        if argv and not any(word in label for word in argv):
            continue
        dtype = rest[0] if rest else "float32"
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps([task, model, options, reps, dtype])],
                              capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            print(f"{label}: FAILED rc={proc.returncode} {proc.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        r = json.loads(lines[-1])
        prefill = f" prefill {r['prefill_s']:.3f}s" if r["prefill_s"] is not None else ""
        print(f"{label}: params {r['parameters'] / 1e6:.1f}M build {r['build_s']:.1f}s "
              f"preprocess {r['preprocess_s'] * 1000:.1f}ms infer {r['infer_s']:.3f}s{prefill} "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB counts/{reps} {r['counts']}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
