"""Pareto fronts, energy per correct answer, ``recommend`` and ``import quality`` on tables with known answers."""

from __future__ import annotations

import json

import pytest

from fakes_analysis import make_run
from wattprint.analysis.quality import quality_points, recommend
from wattprint.cli.main import main
from wattprint.errors import WattprintError
from wattprint.results.importers.quality import join_quality, read_quality_table
from wattprint.results.quality import QualityScore
from wattprint.results.store import ResultStore


def scored(task, model, wh, acc=None, dataset="imdb", metric="accuracy", ci=None):
    r = make_run(task, model, wh, dataset=dataset)
    if acc is not None:
        lo, hi = ci or (None, None)
        r.quality = [QualityScore(metric=metric, value=acc, n=1000, ci95_low=lo, ci95_high=hi, dataset=dataset)]
    return r


def table():
    return [
        scored("text-classification", "tiny-bert", [0.5, 0.52, 0.49], 0.86),
        scored("text-classification", "distilbert-sst2", [2.0, 2.2, 2.1], 0.94, ci=(0.93, 0.95)),
        scored("text-classification", "roberta-large", [5.0, 5.5, 5.2], 0.95),
        scored("text-classification", "no-eval-bert", [1.0, 1.1, 1.0]),  # energy, no quality
        scored("zero-shot-classification", "google/flan-t5-xl", [60.0, 62.0, 58.0], 0.97),
        scored("zero-shot-classification", "bigscience/bloomz-560m", [50.0, 52.0, 51.0], 0.94),
    ]


def test_pareto_front_and_energy_per_correct_answer():
    pts = {p.model: p for p in quality_points(table(), "text-classification", "accuracy")}
    assert {m for m, p in pts.items() if p.on_front} == {"tiny-bert", "distilbert-sst2", "roberta-large",
                                                           "google/flan-t5-xl"}
    assert not pts["bigscience/bloomz-560m"].on_front  # beaten by distilbert: less energy, same accuracy
    assert pts["distilbert-sst2"].wh_per_1k_correct == pytest.approx(2.1 / 0.94)
    assert pts["google/flan-t5-xl"].multi_purpose and not pts["tiny-bert"].multi_purpose
    assert pts["no-eval-bert"].quality is None and not pts["no-eval-bert"].on_front


def test_recommend_names_the_lowest_energy_model_meeting_the_bar():
    rec = recommend(table(), "text-classification", 0.93)
    assert rec.best.model == "distilbert-sst2" and rec.runner_up.model == "roberta-large"
    assert rec.gap_ratio == pytest.approx(5.2333 / 2.1, rel=1e-3) and rec.gap_exceeds_noise is True
    assert rec.missing_quality == ["no-eval-bert"]
    # the study's question: the cheapest multi-purpose model meeting the bar against the cheapest task-specific one
    assert rec.best_multi_purpose.model == "bigscience/bloomz-560m"
    assert rec.multi_over_specific_energy == pytest.approx(51.0 / 2.1)


def test_recommend_ties_and_noise():
    runs = [scored("text-classification", "a", [1.0, 1.0], 0.95), scored("text-classification", "b", [1.0, 1.0], 0.97),
            scored("text-classification", "c", [0.9, 1.3, 1.1], 0.99)]
    rec = recommend(runs, "text-classification", 0.9)
    assert rec.best.model == "b" and [p.model for p in rec.tied_with] == ["a"]  # same energy: better quality wins
    assert rec.runner_up.model == "c" and rec.gap_exceeds_noise is False  # c's interval overlaps 1.0


def test_recommend_when_nobody_meets_the_bar():
    rec = recommend(table(), "text-classification", 0.99)
    assert rec.best is None and rec.runner_up is None
    assert rec.best_reached.model == "google/flan-t5-xl" and rec.best_reached.quality == 0.97


def test_recommend_bad_input():
    with pytest.raises(WattprintError, match="does not fit") as e:
        recommend(table(), "text-classification", 0.9, metric="bleu")
    assert "accuracy" in e.value.hint
    with pytest.raises(WattprintError, match="outside the range"):
        recommend(table(), "text-classification", 93)
    runs = table() + [scored("text-classification", "x", [1.0], 0.9, dataset="sst2")]
    with pytest.raises(WattprintError, match="2 datasets: imdb, sst2"):
        recommend(runs, "text-classification", 0.9)
    assert recommend(runs, "text-classification", 0.9, dataset="sst2").best.model == "x"


def test_recommend_lower_is_better_for_perplexity():
    runs = [scored("text-generation", "g1", [1.0], 30.0, metric="perplexity", dataset="wikitext"),
            scored("text-generation", "g2", [3.0], 12.0, metric="perplexity", dataset="wikitext")]
    assert recommend(runs, "text-generation", 20.0).best.model == "g2"
    assert recommend(runs, "text-generation", 40.0).best.model == "g1"


STUDY_LIKE = """model,task,type,sst2 (acc),imdb (acc),tomatoes (acc),squad (f1),"squad_v2 (f1, has answer)",cnn (rouge)
bigscience/bloomz-560m,sentiment,decoder,0.9243,0.9409,0.848,,,
distilbert-base-uncased-finetuned-sst-2-english,sentiment,encoder-finetuned,0.9885521686,0.88412,0.8968105066,,,
twitter-roberta-base-sentiment-latest,sentiment,encoder-finetuned,0.8199541284,0.7952,0.7664165103,,,
deepset/roberta-base-squad2,qa,encoder-finetuned,,,,0.9315,0.8295,
facebook/bart-large-cnn,summarization,seq2seq-finetuned,,,,,,0.440558
nobody/never-ran,sentiment,decoder,0.5,,,,,
"""


def test_import_wide_form_like_the_study_table(tmp_path):
    path = tmp_path / "performance.csv"
    path.write_text(STUDY_LIKE)
    rows = read_quality_table(path)
    assert len(rows) == 13
    assert {(r.dataset, r.metric) for r in rows if r.model == "deepset/roberta-base-squad2"} == \
        {("squad", "f1"), ("squad_v2", "f1_has_answer")}
    runs = [make_run("zero-shot-classification", "bigscience/bloomz-560m", [50.0], dataset="rotten_tomatoes"),
            make_run("text-classification", "cardiffnlp/twitter-roberta-base-sentiment-latest", [2.0],
                     dataset="sst2"),
            make_run("summarization", "facebook/bart-large-cnn", [9.0], dataset="cnn_dailymail"),
            make_run("summarization", "facebook/bart-large-cnn", [9.5], dataset="xsum")]
    out = join_quality(rows, runs, "performance.csv")
    assert len(out.matched) == 3 and len(out.updated) == 3
    assert runs[0].quality[0].value == 0.848 and runs[0].quality[0].source == "imported"
    assert runs[2].quality[0].metric == "rouge" and runs[3].quality == []
    assert len(out.unmatched) == 10
    join_quality(rows, runs)  # importing again replaces, never duplicates
    assert len(runs[0].quality) == 1


def test_import_long_form_and_rejections(tmp_path):
    good = tmp_path / "long.csv"
    good.write_text("model,task,dataset,metric,value,n\nm,text-classification,imdb,accuracy,0.91,500\n")
    [row] = read_quality_table(good)
    assert (row.metric, row.value, row.n) == ("accuracy", 0.91, 500)
    bad = tmp_path / "bad.csv"
    bad.write_text("model,task,dataset,metric,value\nm,text-classification,imdb,accuracy,0.9\n"
                   "m,text-classification,sst2,accuracy,91\n")
    with pytest.raises(WattprintError, match="line 3: m / text-classification / sst2"):
        read_quality_table(bad)
    bad.write_text("model,task,dataset,metric,value\nm,text-classification,imdb,rougeL,0.4\n")
    with pytest.raises(WattprintError, match="does not fit"):
        read_quality_table(bad)
    bad.write_text("model,task,dataset,metric,value\nm,text-classification,imdb,accuracy,0.9\n"
                   "m,text-classification,imdb,accuracy,0.2\n")  # which one? never the last silently
    with pytest.raises(WattprintError, match="accuracy is 0.9 on line 2 and 0.2 on line 3"):
        read_quality_table(bad)
    bad.write_text("model,task,sst2 (accuracy),sst2 (acc)\nm,sentiment,0.9,0.8\n")  # wide form, two spellings
    with pytest.raises(WattprintError, match="is 0.9 on line 2 and 0.8 on line 2"):
        read_quality_table(bad)
    for n in ("-5", "inf", "nan", "1e300", "2.5", "many"):  # a count, finite, whole, not negative
        bad.write_text(f"model,task,dataset,metric,value,n\nm,text-classification,imdb,accuracy,0.9,{n}\n")
        with pytest.raises(WattprintError, match=f"line 2: .* n '{n}' is not a count"):
            read_quality_table(bad)


def test_cli_import_quality_and_recommend(tmp_path, capsys):
    db = str(tmp_path / "w.db")
    with ResultStore(db) as store:
        store.put_many(table()[:3] + [make_run("text-classification", "extra", [0.1], dataset="imdb")])
    long = tmp_path / "q.csv"
    long.write_text("model,task,dataset,metric,value,n\nextra,text-classification,imdb,accuracy,0.99,200\n"
                    "ghost,text-classification,imdb,accuracy,0.5,200\n")
    assert main(["import", "quality", str(long), "--db", db, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["matched_rows"] == 1 and doc["runs_updated"] == 1 and doc["unmatched"][0]["model"] == "ghost"
    assert main(["recommend", "--task", "text-classification", "--min-quality", "0.93", "--db", db, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["best"]["model"] == "extra" and doc["runner_up"]["model"] == "distilbert-sst2"
    assert main(["recommend", "-t", "text-classification", "--min-quality", "0.999", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "no model reaches accuracy >= 0.999" in out and "extra" in out


def test_recommend_says_whether_the_energy_was_measured_or_estimated(tmp_path, capsys):
    guessed = make_run("text-classification", "guessed-bert", [0.3], dataset="imdb", estimated_share=1.0)
    guessed.quality = [QualityScore(metric="accuracy", value=0.95, n=100, dataset="imdb")]
    db = str(tmp_path / "w.db")
    with ResultStore(db) as store:
        store.put_many([guessed, scored("text-classification", "counted-bert", [2.0], 0.96)])
    assert main(["recommend", "-t", "text-classification", "--min-quality", "0.9", "--db", db, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["best"]["measured_share"] == 0.0 and doc["runner_up"]["measured_share"] == 1.0
    assert main(["recommend", "-t", "text-classification", "--min-quality", "0.9", "--db", db]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "best: guessed-bert" in out and "0.3-0.3, ESTIMATED)" in out and "2-2, measured)" in out


def test_task_filters_take_the_aliases_run_takes(tmp_path, capsys):
    db = str(tmp_path / "w.db")
    with ResultStore(db) as store:
        store.put_many(table()[:3])
    assert main(["recommend", "-t", "sentiment-analysis", "--min-quality", "0.93", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "text-classification"
    assert main(["results", "list", "--task", "text_classif", "--db", db, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["report", "--task", "sentiment-analysis", "--db", db, "--json"]) == 0
    capsys.readouterr()
    assert main(["results", "list", "--task", "no-such-task", "--db", db, "--json"]) == 0  # unknown: literal
    assert json.loads(capsys.readouterr().out) == []


def test_report_draws_a_pareto_plot_per_task_and_a_quality_column(tmp_path):
    from wattprint.report.data import build_report
    from wattprint.report.figures import pareto_plots
    from wattprint.report.html import render_html

    runs = table() + [scored("text-classification", "<script>x</script>", [3.0], 0.5, dataset="sst2")]
    d = build_report(runs)
    plots = dict(pareto_plots(d))
    assert set(plots) == {"text-classification on imdb", "text-classification on sst2"}
    traces = plots["text-classification on imdb"]["data"]
    front = next(t for t in traces if t["name"] == "Pareto front")
    assert front["x"] == sorted(front["x"]) and len(front["x"]) == 4
    specific = next(t for t in traces if t["name"] == "task-specific")
    assert "95% 0.93" in " ".join(specific["text"])  # the quality interval is in the hover
    html = render_html(d)
    assert 'id="plot-pareto-0"' in html and 'id="plot-pareto-1"' in html
    assert "accuracy 0.940 (imdb), 2.23 Wh/1k correct" in html
    assert "<script>x</script>" not in html and "No quality figure for: no-eval-bert" in html


def test_terminal_report_lists_the_pareto_front():
    from rich.console import Console

    from wattprint.report.data import build_report
    from wattprint.report.terminal import print_report

    console = Console(record=True, width=160)
    print_report(build_report(table()), console)
    text = console.export_text()
    assert "Pareto front" in text
    front = "tiny-bert 0.860 @ 0.503; distilbert-sst2 0.940 @ 2.10; roberta-large 0.950 @ 5.23; google/flan-t5-xl"
    assert front in text


def test_terminal_report_headline_counts_in_words():
    from rich.console import Console

    from wattprint.report.data import build_report
    from wattprint.report.terminal import print_report

    console = Console(record=True, width=160)
    print_report(build_report([scored("text-classification", "only-bert", [1.0], 0.9),
                               make_run("text-classification", "x", [1.0], status="failed")]), console)
    text = console.export_text()
    assert text.startswith("1 run, 1 model, 1 task; 1 failed run left out.") and "(WORLD, 1 run)" in text, text


def test_export_carries_a_quality_column(tmp_path):
    from wattprint.results.export import COLUMNS, flatten

    r = scored("text-classification", "m", [1.0, 1.1], 0.9, ci=(0.88, 0.92))
    assert "quality" in COLUMNS
    assert flatten(r)["quality"] == "accuracy=0.9 [0.88, 0.92] n=1000 measured-outputs imdb"
    assert flatten(make_run("text-classification", "m", [1.0]))["quality"] is None


def test_import_group_help_names_what_it_imports(capsys):
    assert main(["import", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for what in ("energy logs", "quality tables", "result files"):  # codecarbon, quality, results
        assert what in out, out
