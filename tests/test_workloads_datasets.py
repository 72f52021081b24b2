"""Dataset sources: synthetic determinism and lengths, local CSV / JSONL / Parquet / image folders, errors."""

from __future__ import annotations

import csv
import json

import pytest

from wattprint.errors import WattprintError
from wattprint.workloads import synthetic
from wattprint.workloads.base import DatasetSpec
from wattprint.workloads.datasets import load_inputs, load_items, source_of


def test_synthetic_is_deterministic_per_seed():
    a = load_items(DatasetSpec(seed=3), 4, "text")
    b = load_items(DatasetSpec(seed=3), 4, "text")
    c = load_items(DatasetSpec(seed=4), 4, "text")
    assert a == b and a != c
    assert len(set(a)) == 4  # distinct items, not one repeated


def test_synthetic_lengths_follow_the_study():
    texts = synthetic.items("text", 20)
    assert all(len(t.split()) >= 20 for t in texts)  # enough for 20-word prompts and masked-LM inputs
    prompts = synthetic.items("prompt", 10)
    assert all(len(p.split()) > 50 for p in prompts)  # longer than the 50-word cut
    qa = synthetic.items("qa", 5)
    assert all(q["question"].endswith("?") and len(q["context"].split()) >= 60 for q in qa)
    passages = synthetic.items("passage", 5)
    assert all(len(p.split()) >= 150 for p in passages)
    pairs = synthetic.items("pair", 3)
    assert all(set(p) == {"sentence1", "sentence2"} for p in pairs)


def test_synthetic_word_distribution_is_skewed():
    words = " ".join(synthetic.items("text", 200)).lower().split()
    top = words.count("the") + words.count("the.")
    assert top / len(words) > 0.03  # Zipf: the commonest word is frequent
    assert len(set(words)) > 300  # and the list is broad


def test_synthetic_images_are_640x480_rgb_and_differ():
    imgs = load_items(DatasetSpec(), 2, "image")
    assert [i.size for i in imgs] == [(640, 480), (640, 480)]
    assert imgs[0].mode == "RGB" and imgs[0].tobytes() != imgs[1].tobytes()
    assert len(imgs[0].getcolors(maxcolors=1 << 20)) > 10  # shapes and a gradient, not a flat colour


def test_exactly_n_items_cycling_a_short_source(tmp_path):
    path = tmp_path / "small.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "review"])
        w.writerows([[1, "good film"], [2, "bad film"], [3, "fine film"]])
    items = load_items(DatasetSpec(str(path)), 7, "text")
    assert items == ["good film", "bad film", "fine film", "good film", "bad film", "fine film", "good film"]
    got = load_inputs(DatasetSpec(str(path)), 7, "text")
    assert got.items == items and got.distinct == 3 and got.cycled and got.source == "local"
    assert source_of(DatasetSpec(str(path))) == "local"
    assert source_of(DatasetSpec()) == "synthetic"
    assert source_of(DatasetSpec("imdb")) == "hub"


def test_csv_column_chosen_and_missing_column_lists_available(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("label,sentence,other\n1,hello there,x\n0,goodbye now,y\n")
    assert load_items(DatasetSpec(str(path), column="other"), 2, "text") == ["x", "y"]
    assert load_items(DatasetSpec(str(path)), 2, "text") == ["hello there", "goodbye now"]  # inferred
    with pytest.raises(WattprintError) as err:
        load_items(DatasetSpec(str(path), column="text"), 2, "text")
    assert "label, sentence, other" in err.value.hint


def test_jsonl_and_json_files(tmp_path):
    jl = tmp_path / "d.jsonl"
    jl.write_text("\n".join(json.dumps({"question": f"q{i}?", "support": f"ctx {i}"}) for i in range(3)) + "\n")
    items = load_items(DatasetSpec(str(jl)), 3, "qa")
    assert items[1] == {"question": "q1?", "context": "ctx 1"}
    js = tmp_path / "d.json"
    js.write_text(json.dumps([{"text": "a b c"}, {"text": "d e f"}]))
    assert load_items(DatasetSpec(str(js)), 2, "text") == ["a b c", "d e f"]
    # explicit multi-field columns
    items = load_items(DatasetSpec(str(jl), column="support,question"), 1, "qa")
    assert items[0] == {"question": "ctx 0", "context": "q0?"}
    with pytest.raises(WattprintError):
        load_items(DatasetSpec(str(jl), column="question"), 1, "qa")


def test_parquet_file(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"article": ["one long text", "two long texts"], "n": [1, 2]}), path)
    assert load_items(DatasetSpec(str(path)), 3, "passage") == ["one long text", "two long texts", "one long text"]


def test_image_folder_and_image_paths_in_a_table(tmp_path):
    from PIL import Image

    folder = tmp_path / "imgs"
    (folder / "sub").mkdir(parents=True)
    Image.new("RGB", (10, 20), "red").save(folder / "a.png")
    Image.new("L", (30, 40)).save(folder / "sub" / "b.jpg")
    (folder / "notes.txt").write_text("not an image")
    imgs = load_items(DatasetSpec(str(folder)), 3, "image")
    assert [i.size for i in imgs] == [(10, 20), (30, 40), (10, 20)]
    assert all(i.mode == "RGB" for i in imgs)
    table = tmp_path / "imgs.csv"
    table.write_text("file,caption\nimgs/a.png,red\n")
    assert load_items(DatasetSpec(str(table)), 1, "image")[0].size == (10, 20)
    with pytest.raises(WattprintError):
        load_items(DatasetSpec(str(folder)), 1, "text")  # folders are image folders


def test_local_errors(tmp_path):
    with pytest.raises(WattprintError) as err:
        load_items(DatasetSpec(str(tmp_path / "missing.csv")), 1, "text")
    assert "synthetic" in err.value.hint
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(WattprintError):
        load_items(DatasetSpec(str(bad)), 1, "text")
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n")
    with pytest.raises(WattprintError):
        load_items(DatasetSpec(str(empty)), 1, "text")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(WattprintError):
        load_items(DatasetSpec(str(tmp_path / "empty_dir")), 1, "image")
    with pytest.raises(WattprintError):
        load_items(DatasetSpec(), 0, "text")


def test_hub_failure_is_a_clear_error(monkeypatch):
    datasets = pytest.importorskip("datasets")

    def boom(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'nobody/none' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", boom)
    with pytest.raises(WattprintError) as err:
        load_items(DatasetSpec("nobody/none"), 2, "text")
    assert "nobody/none" in err.value.message and "offline" in err.value.hint


def test_hub_rows_go_through_column_logic(monkeypatch):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"tokens": [["EU", "rejects", "German"], ["Peter", "Blackburn"]],
                                     "ner_tags": [[3, 0, 7], [1, 2]]})
    calls = []

    def fake(name, config=None, split=None):
        calls.append((name, config, split))
        return datasets.DatasetDict({"train": ds, "validation": ds})

    monkeypatch.setattr(datasets, "load_dataset", fake)
    items = load_items(DatasetSpec("conll2003"), 3, "text")
    assert items == ["EU rejects German", "Peter Blackburn", "EU rejects German"]
    assert calls == [("conll2003", None, None)]
    with pytest.raises(WattprintError) as err:
        load_items(DatasetSpec("conll2003", column="sentence"), 1, "text")
    assert "tokens, ner_tags" in err.value.hint
