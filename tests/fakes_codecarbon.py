"""Study-like CodeCarbon logs, generated (no ../shared): emissions files named like the study's.

Each row is one run of a model on the study's 8 x A100 node: GPU power varies per run,
CPU at CodeCarbon's 42.5 W fallback, RAM at 3 W per 8 GB of 1148.738 GB, so the
importer's audit flags what it flags on the real logs. Used by the import, store and
columnar-report tests and by ``benchmarks/results_scale.py``.
"""

from __future__ import annotations

import csv
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

HEADER = ("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,"
          "cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,"
          "cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,"
          "latitude,ram_total_size,tracking_mode,on_cloud,pue").split(",")

#: study-style file stem -> models (the file name gives task and dataset to the importer)
FILES = {
    "text_classif_imdb": ["distilbert-base-uncased-finetuned-sst-2-english", "roberta-large-mnli", "bert-base"],
    "token_classif_conll2003": ["dslim/bert-base-NER", "xlm-roberta-large-finetuned-conll03-english"],
    "qa_squad": ["distilbert-base-cased-distilled-squad", "deepset/roberta-base-squad2"],
    "fillmask_c4": ["bert-base-uncased", "xlm-roberta-base", "distilroberta-base"],
    "textgen_wikitext": ["gpt2", "EleutherAI/gpt-neo-125m", "bigscience/bloom-560m"],
    "summarize_samsum_15": ["facebook/bart-large-cnn", "sshleifer/distilbart-xsum-12-6"],
    "image_class_imagenet": ["microsoft/resnet-18", "google/vit-base-patch16-224"],
    "image_class_cifar10_resized": ["microsoft/resnet-50", "facebook/deit-base-patch16-224"],
    "obj_detection_coco": ["facebook/detr-resnet-50", "hustvl/yolos-tiny"],
    "itt_coco_resized": ["Salesforce/blip-image-captioning-base", "nlpconnect/vit-gpt2-image-captioning"],
    "tti_diffusiondb": ["runwayml/stable-diffusion-v1-5", "stabilityai/stable-diffusion-2-1"],
    "zeroshot_sentiment_imdb": ["google/flan-t5-base", "google/flan-t5-xl"],
    "zeroshot_sentiment_imdb_bloomz": ["bigscience/bloomz-560m", "bigscience/bloomz-3b"],
    "zeroshot_qa_squad": ["google/flan-t5-large"],
}
#: task-typical GPU seconds per 1,000 inferences (so tasks differ by orders of magnitude, like the study)
SECONDS = {"text_classif": 12, "token_classif": 14, "qa": 16, "fillmask": 13, "textgen": 60, "summarize": 180,
           "image_class": 25, "obj_detection": 90, "itt": 150, "tti": 900, "zeroshot": 70}
START = datetime(2023, 9, 8, 12, 0, 0)


def _seconds(stem: str) -> float:
    for prefix, s in SECONDS.items():
        if stem.startswith(prefix):
            return s
    return 30.0


def study_rows(stem: str, n: int, rng: random.Random, t0: datetime) -> list[list[str]]:
    """``n`` CodeCarbon 2.3.1 rows for the study file ``stem``, timestamps from ``t0``."""
    models = FILES[stem]
    rows = []
    t = t0
    for k in range(n):
        model = models[k % len(models)]
        dur = _seconds(stem) * rng.uniform(0.5, 2.0) * (1 + models.index(model))
        gpu_w = rng.uniform(300, 700)
        cpu_w, ram_w = 42.5, 430.77675
        cpu_kwh, gpu_kwh, ram_kwh = (w * dur / 3.6e6 for w in (cpu_w, gpu_w, ram_w))
        kwh = cpu_kwh + gpu_kwh + ram_kwh
        t += timedelta(seconds=dur + 5)
        rows.append([t.isoformat(timespec="seconds"), model, str(uuid.UUID(int=rng.getrandbits(128))), repr(dur),
                     repr(kwh * 0.1387), repr(kwh * 0.1387 / dur), repr(cpu_w), repr(gpu_w), repr(ram_w),
                     repr(cpu_kwh), repr(gpu_kwh), repr(ram_kwh), repr(kwh), "United States", "USA", "oregon",
                     "", "", "Linux-5.15.0-1023-aws-x86_64-with-glibc2.17", "3.8.16", "2.3.1", "1",
                     "Intel(R) Xeon(R) Platinum 8275CL CPU @ 3.00GHz", "8", "8 x NVIDIA A100-SXM4-80GB",
                     "-119.7257", "45.8234", "1148.738", "machine", "N", "1.0"])
    return rows


def write_study_logs(folder: Path, total: int, seed: int = 0) -> list[Path]:
    """``total`` rows spread over the study-named emissions files of :data:`FILES` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    stems = list(FILES)
    out = []
    for k, stem in enumerate(stems):
        n = total // len(stems) + (1 if k < total % len(stems) else 0)
        path = folder / f"{stem}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            done = 0
            while done < n:  # in chunks: a million rows never sit in memory
                chunk = min(20_000, n - done)
                w.writerows(study_rows(stem, chunk, rng, START + timedelta(days=k, seconds=done * 40)))
                done += chunk
        out.append(path)
    return out
