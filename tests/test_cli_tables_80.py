"""Every table of every command fits an 80-column terminal without splitting a word.

Each command is rendered at 80 and at 119 columns (both below the 120-column wide layout, so the
same columns are shown). Every word printed at 80 columns must be a word printed at 119 columns, or
a name shortened in the middle with an ellipsis: a word folded over two lines (``image-clas`` /
``sification``) appears in neither. Numbers are never shortened.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fakes_analysis import make_run, study_like
from wattprint.cli.main import main
from wattprint.results.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]
LONG_MODEL = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2-finetuned-on-imdb"
LONG_TASK = "zero-shot-question-answering"
_SPLIT = re.compile(r"[\s\u2500-\u257f]+")  # whitespace and box-drawing characters
#: measured figures differ between two renders (``track``, ``meters``): numbers are checked for cuts only
_NUMBER = re.compile(r"^[\d.,e+\-%()\[\]]+$")


def _render(argv: list[str], width: int, capsys, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    rc = main(argv)
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 0, text
    return text


def _words(text: str, width: int) -> set[str]:
    return {w for w in _SPLIT.split(text) if w and w != f"({width}"}


def _assert_no_split_word(argv: list[str], capsys, monkeypatch) -> str:
    narrow = _render(argv, 80, capsys, monkeypatch)
    wide = _words(_render(argv, 119, capsys, monkeypatch), 119)
    split = sorted(w for w in _words(narrow, 80) if w not in wide and "…" not in w and not _NUMBER.match(w))
    assert not split, f"words split at 80 columns: {split}\n{narrow}"
    cut_numbers = sorted(w for w in _words(narrow, 80) if "…" in w and not re.search(r"[A-Za-z]", w))
    assert not cut_numbers, f"numbers cut at 80 columns: {cut_numbers}\n{narrow}"
    return narrow


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    path = tmp_path / "runs.db"
    runs = study_like() + [
        make_run("text-classification", LONG_MODEL, [3.0, 3.2, 3.1], params=278_000_000, dataset="imdb",
                 run_id="a" * 32),
        make_run(LONG_TASK, "google/flan-t5-xl", [70.0, 71.0, 69.0], params=2_800_000_000, dataset="squad_v2"),
        make_run("image-classification", "microsoft/swinv2-base-patch4-window12to24-192to384-22kto1k-ft", [8.0, 8.1],
                 run_id="b" * 32),
    ]
    with ResultStore(path) as store:
        store.put_many(runs)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["tasks"],
        pytest.param(["models"], marks=pytest.mark.slow),  # imports the ML stack to list the architectures
        ["regions"],
        ["regions", "us-state"],
        ["meters"],
        ["track", "--", "true"],
        ["project", "--energy", "0.1Wh", "--rate", "10M/day", "--pue", "1.2", "--wue", "1.8",
         "--training", "1000kWh"],
        ["import", "codecarbon", str(ROOT / "tests/fixtures/codecarbon/study"), "--dry-run"],
        ["sweep", str(ROOT / "configs/smoke.yaml"), "--dry-run", "--db", "/nonexistent-dir/none.db"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_command_tables_fit_80_columns(argv, capsys, monkeypatch):
    _assert_no_split_word(argv, capsys, monkeypatch)


@pytest.mark.parametrize(
    "argv",
    [["results", "list"], ["results", "show", "aaaa"], ["report", "--top", "0"], ["compare", "aaaa", "bbbb"],
     ["recommend", "-t", "text-classification", "--min-quality", "0.9"]],
    ids=lambda a: " ".join(a),
)
def test_store_tables_fit_80_columns(argv, db, capsys, monkeypatch):
    text = _assert_no_split_word([*argv, "--db", str(db)], capsys, monkeypatch)
    if argv[0] in ("results", "report") and argv[-1] != "bbbb":  # the long name: whole, or head…tail
        assert LONG_MODEL in text or re.search(r"sent\S*…\S*imdb", text), text


def test_region_ids_stay_whole_at_80_columns(capsys, monkeypatch):
    text = _render(["regions", "oregon"], 80, capsys, monkeypatch)  # ids are what --region takes: never shortened
    assert "codecarbon:oregon" in text and "aws:us-west-2" in text, text
    text = _render(["regions", "northamerica"], 80, capsys, monkeypatch)
    assert "gcp:northamerica-northeast1" in text, text


def test_demo_table_fits_80_columns(capsys, monkeypatch):
    from wattprint.bench.demo import ranked
    from wattprint.cli.run_cmd import _print_demo_table

    runs = [make_run(t, m, [w, w * 1.1]) for t, m, w in (
        ("text-classification", "arch:bert-base", 0.2), ("image-classification", "arch:vit-base", 0.4),
        ("object-detection", "arch:detr-resnet-50", 3.5), ("text-to-image", "arch:sd-1.5", 4.2),
        ("token-classification", "arch:bert-base", 0.16))]
    words = {}
    for width in (80, 119):
        monkeypatch.setenv("COLUMNS", str(width))
        _print_demo_table(ranked(runs), 0.83, 169.0)
        text = capsys.readouterr().out
        assert all(len(line) <= width for line in text.splitlines()), text
        words[width] = _words(text, width)
    assert not sorted(w for w in words[80] - words[119] if "…" not in w)


def test_demo_table_keeps_task_names_whole_when_an_interval_is_tight(capsys, monkeypatch):
    """A quiet machine gives half-widths like 9.9e-05: shown as <0.001, they don't widen the column and cut names."""
    from wattprint.bench.demo import ranked
    from wattprint.cli.run_cmd import _print_demo_table

    runs = [make_run(t, m, [w, w * 1.000001]) for t, m, w in (
        ("fill-mask", "arch:bert-base", 0.109), ("token-classification", "arch:bert-base", 0.119),
        ("image-classification", "arch:vit-base", 0.293), ("object-detection", "arch:detr-resnet-50", 2.34))]
    monkeypatch.setenv("COLUMNS", "80")
    _print_demo_table(ranked(runs), 0.85, 104.0)
    text = capsys.readouterr().out
    assert "token-classification" in text and "image-classification" in text, text
    assert "<0.001" in text and "e-0" not in text, text


def test_time_resolved_carbon_table_fits_80_columns(tmp_path):
    from datetime import datetime, timedelta, timezone

    from rich.console import Console

    from wattprint.carbon import resolve_factor
    from wattprint.carbon.series import read_series_file
    from wattprint.carbon.timed import time_resolved
    from wattprint.report.timed import print_timed

    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    series = tmp_path / "s.csv"
    series.write_text("timestamp,g_per_kwh\n" + "".join(f"{(t0 + timedelta(hours=i)).isoformat()},{v}\n"
                                                          for i, v in enumerate([100, 300, 500, 200])))
    runs = []
    for model in (LONG_MODEL, "arch:bert-tiny"):
        r = make_run(LONG_TASK, model, [1.0, 1.0, 1.0])
        for i, rep in enumerate(r.repeats):
            rep.energy.start_unix_s = (t0 + timedelta(hours=i)).timestamp()
        r.carbon_timed = time_resolved([(x.energy, x.inferences) for x in r.repeats], read_series_file(series),
                                       average=resolve_factor())
        runs.append(r)
    words = {}
    for width in (80, 119):
        with open(tmp_path / f"out{width}", "w") as sink:
            console = Console(width=width, record=True, file=sink)
            print_timed(runs, console)
        text = console.export_text()
        assert "Carbon with the intensity each run met" in text and "arch:bert-tiny" in text, text
        words[width] = _words(text, width)
    narrow_note = set("the trace needs 100+ columns (or --html).".split())  # the sparkline only where it fits
    split = sorted(w for w in words[80] - words[119] - narrow_note if "…" not in w and not _NUMBER.match(w))
    assert not split, split
    assert any("…" in w for w in words[80]) or LONG_MODEL in " ".join(words[80])
    assert "zero-shot-…answering" in words[80] and "▁▅█" in words[119]  # names keep room before the trace


def test_time_resolved_fallback_notes_are_capped(tmp_path):
    from rich.console import Console

    from wattprint.report.timed import MAX_NOTES, print_timed

    runs = [make_run("text-classification", f"m{i}", [1.0]) for i in range(MAX_NOTES + 3)]
    for r in runs:
        r.carbon_fallback = "time-resolved carbon not computed (the series does not cover the run)"
    console = Console(width=80, record=True, file=open(tmp_path / "out", "w"))  # noqa: SIM115
    print_timed(runs, console)
    text = console.export_text()
    assert text.count("time-resolved carbon not computed") == MAX_NOTES, text
    assert "3 more run(s) kept the flat factor" in text
