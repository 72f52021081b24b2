"""``wattprint tasks`` and ``wattprint models``: the catalogue, as tables and JSON."""

from __future__ import annotations

import json

from wattprint.cli.main import main
from wattprint.workloads.base import task_names

STUDY = ["text-classification", "token-classification", "question-answering", "fill-mask", "text-generation",
         "summarization", "image-classification", "object-detection", "image-to-text", "text-to-image"]


def test_tasks_json_lists_every_registered_task(capsys):
    assert main(["tasks", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == task_names()
    by_name = {r["name"]: r for r in rows}
    for name in STUDY:
        assert by_name[name]["default_model"] and by_name[name]["tiny_model"]
    assert by_name["text-generation"]["generative"] is True
    assert by_name["text-classification"]["generative"] is False
    assert by_name["image-classification"]["modality"] == "image"


def test_tasks_table(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert f"{len(task_names())} tasks" in out and "fill-mask" in out


def test_models_lists_architectures_and_usage(capsys):
    assert main(["models", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["architectures"] and "Hub id" in doc["usage"] and "local directory" in doc["usage"]
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "arch:NAME" in out
