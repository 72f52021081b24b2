"""HTML and terminal reports, and the report/compare commands (no browser: see test_report_browser.py)."""

from __future__ import annotations

import json
import re

import pytest

from fakes_analysis import make_run, study_like
from wattprint.cli.main import main
from wattprint.errors import WattprintError
from wattprint.report.html import script_json, write_html_report
from wattprint.results.store import ResultStore

EVIL = "<script>alert(1)</script>"


def _runs_with_evil():
    return study_like() + [make_run("text-classification", EVIL, [3.0, 3.1], params=1_000_000, dataset="imdb")]


def test_html_is_self_contained_and_escaped(tmp_path):
    out = write_html_report(_runs_with_evil(), tmp_path / "sub" / "r.html")
    text = out.read_text()
    # no external resource in our markup (plotly.js itself, inlined, only holds URLs as strings)
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup)
    assert not re.search(r"<script[^>]+src=", text) and not re.search(r"<link[^>]+stylesheet", text)
    assert "Content-Security-Policy" in text
    # the only raw <script> tags are ours; the model name appears escaped in markup and JSON
    assert EVIL not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Plotly.newPlot" in text and "energy label" in text.lower()
    for section in ("Energy per task", "Leaderboard", "Energy vs model size", "Multi-purpose vs task-specific",
                    "Equivalents", "Energy labels", "Provenance"):
        assert section in text


def test_script_json_cannot_close_the_script_tag():
    s = script_json({"name": "</script><b>&\u2028"})
    assert "</" not in s and "<b>" not in s and "&" not in s
    assert json.loads(s) == {"name": "</script><b>&\u2028"}


def test_no_successful_runs_is_a_clear_error(tmp_path):
    with pytest.raises(WattprintError, match="no successful runs"):
        write_html_report([make_run("qa", "x", [], status="failed")], tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def _store(tmp_path, runs):
    db = tmp_path / "w.db"
    with ResultStore(db) as s:
        s.put_many(runs)
    return str(db)


def test_report_cli_empty_store_exits_nonzero(tmp_path, capsys):
    ResultStore(tmp_path / "empty.db").close()
    code = main(["report", "--db", str(tmp_path / "empty.db")])
    err = capsys.readouterr().err
    assert code == 2 and "no successful runs" in err and "hint" in err


def test_report_cli_terminal_json_html_and_intensity(tmp_path, capsys):
    db = _store(tmp_path, study_like())
    assert main(["report", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "Energy per task" in text and "Leaderboard" in text and "Multi-purpose" in text and "imdb" in text
    html = tmp_path / "r.html"
    assert main(["report", "--db", db, "--json", "--html", str(html), "--intensity", "100"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert html.exists() and doc["html"] == str(html)
    tc = doc["tasks"]["text-classification"]
    assert tc["emissions_g_per_1k"]["mean"] == pytest.approx(tc["energy_wh_per_1k"]["mean"] / 1000 * 100)
    assert {f["intensity_g_per_kwh"] for f in doc["carbon_factors"]} == {100.0}
    assert main(["report", "--db", db, "--task", "image-classification", "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["tasks"]) == ["image-classification"]


def test_compare_cli_models_and_run_prefixes(tmp_path, capsys):
    a = make_run("text-classification", "m1", [2.0, 2.1, 1.9, 2.05], run_id="aaaa" + "0" * 28)
    b = make_run("text-classification", "m2", [3.0, 3.1, 2.9, 3.05], run_id="bbbb" + "0" * 28)
    db = _store(tmp_path, [a, b])
    assert main(["compare", "m1", "m2", "--db", db, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["significant"] is True and doc["welch"]["p_value"] < 0.05 and "Welch" in doc["rule"]
    assert main(["compare", "aaaa", "bbbb", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "different" in out and "rule:" in out
    assert main(["compare", "aaaa", "nosuch", "--db", db]) == 2
    assert "neither a run id prefix nor a model" in capsys.readouterr().err


def test_task_colours_are_distinct_and_stable():
    from wattprint.report.figures import task_colors

    colors = task_colors(["b", "a", "b", "c", "a"])
    assert list(colors) == ["a", "b", "c"] and len(set(colors.values())) == 3
    assert task_colors(["c", "a", "b"]) == colors
