"""Sweep files: validation with line numbers, expansion, the shipped configs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from wattprint.sweep import SweepFileError, expand, load_sweep, parse_sweep

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

BASIC = """\
version: 1
name: t
defaults:
  n: 4
  repeats: 2
matrix:
  batch_size: [1, 2]
datasets:
  imdb: {id: stanfordnlp/imdb, split: test, column: text, task_options: {max_length: 100}}
tasks:
  text-classification:
    datasets: [imdb, synthetic]
    defaults:
      repeats: 3
      task_options: {max_length: 64}
  text-generation:
    defaults: {task_options: {max_new_tokens: 2}}
models:
  - task: text-classification
    ids: [m1, m2]
    defaults: {warmup: 0}
  - task: [text-generation, fill_mask]
    id: some/causal-lm
    datasets: [synthetic]
    matrix: {batch_size: [4]}
    defaults: {task_options: {words: 5}}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SweepFileError) as ei:
        parse_sweep(text, "x.yaml")
    return [str(p) for p in ei.value.problems]


def test_expansion_crosses_models_tasks_datasets_and_matrix() -> None:
    text = BASIC.replace("fill_mask", "fill-mask")
    spec, _ = parse_sweep(text)
    runs = expand(spec)
    # 2 models x 2 datasets x 2 batch sizes + 1 model x 2 tasks x 1 dataset x 1 batch size
    assert len(runs) == 8 + 2
    first = runs[0]
    assert (first.task, first.model, first.dataset, first.split, first.column) == (
        "text-classification", "m1", "stanfordnlp/imdb", "test", "text")
    # precedence: defaults < task defaults < dataset task_options < model defaults < matrix
    assert first.n == 4 and first.repeats == 3 and first.warmup == 0 and first.batch_size == 1
    assert first.task_options == {"max_length": 100}
    synth = [r for r in runs if r.model == "m1" and r.dataset == "synthetic"]
    assert [r.batch_size for r in synth] == [1, 2] and synth[0].task_options == {"max_length": 64}
    gen = [r for r in runs if r.model == "some/causal-lm"]
    assert [r.task for r in gen] == ["text-generation", "fill-mask"]
    assert [r.task_options for r in gen] == [{"max_new_tokens": 2, "words": 5}, {"words": 5}]  # merged per key
    assert all(r.batch_size == 4 and r.repeats == 2 and r.warmup == 5 for r in gen)  # RunConfig default warmup
    assert len({r.config_hash() for r in runs}) == len(runs)


def test_duplicate_runs_are_expanded_once() -> None:
    text = "models:\n  - {task: text-classification, id: a, datasets: [synthetic]}\n" \
           "  - {task: text-classification, ids: [a, b], datasets: [synthetic]}\n"
    spec, _ = parse_sweep(text)
    assert [r.model for r in expand(spec)] == ["a", "b"]


def test_unknown_task_points_at_its_line() -> None:
    text = BASIC.replace("  - task: [text-generation, fill_mask]", "  - task: foo")
    assert _problems(text) == ["x.yaml:22: models[1].task: unknown task 'foo'"]


def test_unknown_task_in_a_list_and_close_match() -> None:
    text = BASIC.replace("fill_mask", "fill-mack")
    assert _problems(text) == ["x.yaml:22: models[1].task: unknown task 'fill-mack' (did you mean 'fill-mask'?)"]


def test_bad_setting_and_unknown_key_are_reported_with_their_lines() -> None:
    text = BASIC.replace("      repeats: 3\n", "      repeats: 0\n").replace("defaults: {warmup: 0}",
                                                                             "defaults: {warmpu: 0}")
    probs = _problems(text)
    assert "x.yaml:14: tasks.text-classification.defaults.repeats: Input should be greater than or equal to 1" in probs
    assert any(p.startswith("x.yaml:21: models[0].defaults.warmpu: unknown key") and "'warmup'" in p for p in probs)


def test_unknown_key_suggests_a_key_of_its_own_block() -> None:
    text = BASIC + "taks: 1\n"
    assert any("taks: unknown key (did you mean 'tasks'?)" in p for p in _problems(text)), _problems(text)
    moved = BASIC.replace("    defaults: {task_options: {max_new_tokens: 2}}\n",
                          "    defaults: {task_options: {max_new_tokens: 2}}\n    models: [x]\n", 1)
    probs = _problems(moved)  # 'models' inside a task: not "unknown key 'models' (did you mean 'models'?)"
    assert any("unknown key here: 'models' goes at the top level of the file" in p for p in probs), probs


def test_unknown_dataset_reference_and_matrix_key() -> None:
    text = BASIC.replace("datasets: [imdb, synthetic]", "datasets: [imdb, imbd]").replace(
        "  batch_size: [1, 2]", "  batch_sise: [1, 2]")
    probs = _problems(text)
    assert any(p.startswith("x.yaml:7: matrix.batch_sise: matrix key 'batch_sise' is not a setting") for p in probs)
    assert any(p.startswith("x.yaml:12: tasks.text-classification.datasets[1]: unknown dataset 'imbd'")
               and "'imdb'" in p for p in probs)


def test_bad_matrix_value_and_missing_datasets() -> None:
    text = BASIC.replace("matrix: {batch_size: [4]}", "matrix: {batch_size: [4, 0]}").replace(
        "    datasets: [synthetic]\n", "")
    probs = _problems(text)
    assert "x.yaml:24: models[1].matrix.batch_size[1]: Input should be greater than or equal to 1" in probs
    assert any(p.startswith("x.yaml:22: models[1].task: no datasets for task 'text-generation'") for p in probs)


def test_label_column_on_synthetic_data_is_caught_before_a_run() -> None:
    # wattprint run refuses it before a model loads; a sweep's --dry-run passed it and each run failed
    text = BASIC.replace("    defaults: {warmup: 0}", "    defaults: {warmup: 0, label_column: label}")
    probs = _problems(text)
    assert any(p.startswith("x.yaml:19: models[0]: text-classification m1: synthetic data has no label column "
                            "(label_column: 'label')") for p in probs), probs
    parse_sweep(text.replace("datasets: [imdb, synthetic]", "datasets: [imdb]"))  # a real dataset: fine


def test_task_options_are_checked_against_each_task_they_reach() -> None:
    pytest.importorskip("wattprint.workloads.tasks.text_generation")
    text = BASIC.replace("fill_mask", "fill-mask").replace("{max_new_tokens: 2}", "{max_new_tokens: 2, word: 1}")
    text = text.replace("{words: 5}", "{max_new_tokens: 5}")
    probs = _problems(text)
    assert any(p.startswith("x.yaml:17: tasks.text-generation.defaults.task_options.word: 'word' is not an option "
                            "of text-generation") and "'words'" in p for p in probs)
    assert any(p.startswith("x.yaml:26: models[1].defaults.task_options.max_new_tokens: 'max_new_tokens' is not "
                            "an option of fill-mask") for p in probs)


def test_arch_models_are_checked_against_their_tasks() -> None:
    pytest.importorskip("wattprint.workloads.architectures")
    text = BASIC.replace("ids: [m1, m2]", "ids: [m1, arch:gpt2-tiny]").replace("fill_mask", "fill-mask")
    text = text.replace("id: some/causal-lm", "id: arch:nope")
    p1, p2 = _problems(text)
    assert p1.startswith("x.yaml:20: models[0].ids[1]: arch:gpt2-tiny does not serve text-classification")
    assert p2.startswith("x.yaml:23: models[1].id: unknown architecture 'arch:nope'")
    spec, _ = parse_sweep(BASIC.replace("fill_mask", "fill-mask").replace("some/causal-lm", "arch:gpt2-tiny")
                          .replace("[text-generation, fill-mask]", "text-generation"))
    assert {r.model for r in expand(spec)} == {"m1", "m2", "arch:gpt2-tiny"}


def test_yaml_syntax_errors_duplicate_keys_and_shape() -> None:
    (p,) = _problems("models:\n  - task: [a\n")
    assert p.startswith("x.yaml:3: YAML syntax")
    (p,) = _problems("name: a\nname: b\nmodels: []\n")
    assert p == "x.yaml:2: name: duplicate key (first on line 1)"
    assert _problems("- 1\n- 2\n") == ["x.yaml:1: a sweep file is a mapping with at least a models: list"]
    assert _problems("name: t\n")[0] == "x.yaml:1: models: Field required"
    (p,) = _problems("models:\n  - task: text-classification\n    datasets: [synthetic]\n")
    assert p.startswith("x.yaml:2: models[0]: give the model as id")


def test_first_problem_is_the_one_line_error_message() -> None:
    with pytest.raises(SweepFileError) as ei:
        parse_sweep(BASIC.replace("fill_mask", "zzz").replace("repeats: 2", "repeats: -1"), "cfg/x.yaml")
    assert ei.value.message.startswith("cfg/x.yaml:5: defaults.repeats:")
    assert ei.value.message.endswith("(and 1 more)") and ei.value.hint


def test_missing_file_is_a_wattprint_error(tmp_path: Path) -> None:
    from wattprint.errors import WattprintError

    with pytest.raises(WattprintError, match="not found"):
        load_sweep(tmp_path / "nope.yaml")


def test_power_hungry_is_the_study_matrix() -> None:
    spec, _ = load_sweep(CONFIGS / "power-hungry.yaml")
    runs = expand(spec)
    # 9 tasks x 8 models x 3 datasets + image generation 10 x 3 + 8 multi-purpose x 3 zero-shot tasks x 3 datasets
    assert len(runs) == 216 + 30 + 72 == 318
    by_task = Counter(r.task for r in runs)
    assert by_task["text-to-image"] == 30 and len(by_task) == 13
    assert all(v == 24 for k, v in by_task.items() if k != "text-to-image")
    assert len({r.model for r in runs}) == 90
    assert len({(r.task, r.dataset, r.dataset_config) for r in runs if not r.task.startswith("zero-shot")}) == 30
    assert all((r.n, r.repeats, r.batch_size, r.device) == (1000, 10, 1, "cuda") for r in runs)
    gen = [r for r in runs if r.task == "text-generation"]
    assert all(r.task_options == {"words": 20, "max_new_tokens": 10} for r in gen)
    assert {(r.dataset, r.dataset_config, r.split) for r in runs if r.task == "summarization"} == {
        ("Samsung/samsum", None, "train"), ("abisee/cnn_dailymail", "3.0.0", "test"),
        ("EdinburghNLP/xsum", None, "test")}
    multi = {r.model for r in runs if r.task.startswith("zero-shot")}
    assert len(multi) == 8 and {"google/flan-t5-xxl", "bigscience/bloomz-7b1"} <= multi
    assert all(r.column for r in runs)


def test_smoke_is_offline_and_small() -> None:
    spec, _ = load_sweep(CONFIGS / "smoke.yaml")
    runs = expand(spec)
    assert 3 <= len(runs) <= 8
    assert all(r.model.startswith("arch:") and r.model.endswith("-tiny") for r in runs)
    assert all(r.dataset == "synthetic" and r.device == "cpu" and r.n <= 16 for r in runs)


def test_a_local_dataset_without_the_named_column_is_caught_before_a_run(tmp_path, monkeypatch) -> None:
    # wattprint run refuses it before a model loads; a sweep would have failed every run on it after loading
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("text,label\nhello,pos\n")
    text = BASIC.replace("imdb: {id: stanfordnlp/imdb, split: test, column: text, task_options: {max_length: 100}}",
                         "imdb: {id: mine.csv, column: txt}")
    probs = _problems(text)
    assert any("column 'txt' not in dataset 'mine.csv' (available columns: text, label)" in p for p in probs), probs
    parse_sweep(text.replace("column: txt", "column: text"))  # the column is there: fine
    gone = BASIC.replace("imdb: {id: stanfordnlp/imdb, split: test, column: text, task_options: {max_length: 100}}",
                         "imdb: {id: ./nothere.csv}")
    assert any("dataset path not found: ./nothere.csv" in p for p in _problems(gone))
