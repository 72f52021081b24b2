"""The HTML report in a real headless chromium: loads cleanly, plots render, sorting works, no XSS."""

from __future__ import annotations

import time

import pytest

from browser import BROWSER_MARKS, chromium_page
from fakes_analysis import make_run, study_like
from wattprint.report.html import write_html_report
from wattprint.results.quality import QualityScore

pytestmark = BROWSER_MARKS

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    runs = study_like() + [make_run("text-classification", EVIL, [3.0, 3.1], params=1_000_000, dataset="imdb")]
    for model, wh, acc in (("small-bert", [1.4, 1.5], 0.8), ("big-bert", [4.4, 4.5], 0.9)):  # within one decade
        r = make_run("text-classification", model, wh, dataset="sst2")
        r.quality = [QualityScore(metric="accuracy", value=acc, n=100, dataset="sst2")]
        runs.append(r)
    path = write_html_report(runs, tmp_path_factory.mktemp("html") / "report.html")
    logs = {"goog:loggingPrefs": {"browser": "ALL"}}
    with chromium_page(path, "--window-size=1400,1000", capabilities=logs) as driver:
        deadline = time.time() + 20
        while time.time() < deadline:
            if driver.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length") >= 4:
                break
            time.sleep(0.2)
        yield driver


def test_loads_without_console_errors_or_alerts(page):
    from selenium.common.exceptions import NoAlertPresentException

    errors = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018
    # no network: every resource the page loaded is inline (no http(s) fetches)
    fetched = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [u for u in fetched if u.startswith("http")] == []


def test_plots_render_with_size(page):
    sizes = page.execute_script(
        "return Array.from(document.querySelectorAll('.plot')).map(d => {"
        "const s = d.querySelector('.main-svg'); const r = s ? s.getBoundingClientRect() : {width:0,height:0};"
        "return [d.id, r.width, r.height, d.querySelectorAll('.point, .boxlayer path, .bars path').length]; })")
    ids = {s[0] for s in sizes}
    assert {"plot-task", "plot-params", "plot-length", "plot-multi"} <= ids
    for plot_id, w, h, marks in sizes:
        assert w > 100 and h > 100, plot_id
        assert marks > 0, plot_id


def test_every_log_axis_has_numbers(page):
    # energies within one decade (the Pareto plot of sst2: 1.45 and 4.45 Wh) still get tick labels
    ticks = page.execute_script(
        "return Array.from(document.querySelectorAll('.plot')).map(d => [d.id, "
        "Array.from(d.querySelectorAll('.xtick text, .ytick text')).map(t => t.textContent).filter(t => t)])")
    for plot_id, labels in ticks:
        assert len(labels) >= 4, (plot_id, labels)
    pareto = dict(ticks)["plot-pareto-0"]
    assert any(lab in pareto for lab in ("2", "3", "4")), pareto


def test_short_model_names_are_not_broken_mid_word(page):
    lines = page.execute_script(
        "return Array.from(document.querySelectorAll('td.model')).map(td => {"
        "const r = document.createRange(); r.selectNodeContents(td);"
        "const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));"
        "return [td.textContent, tops.size]; })")
    short = [(name, n) for name, n in lines if len(name) <= 16]
    assert short and all(n == 1 for _, n in short), short  # e.g. 'distilbert-sst2' not 'distilbert-s / st2'


def test_leaderboard_sorts_on_header_click(page):
    from selenium.webdriver.common.by import By

    def values():
        return page.execute_script(
            "return Array.from(document.querySelectorAll('#leaderboard tbody tr'))"
            ".map(r => parseFloat(r.cells[4].getAttribute('data-v')))")

    header = page.find_elements(By.CSS_SELECTOR, "#leaderboard th")[4]
    header.click()
    asc = values()
    assert asc == sorted(asc) and len(asc) >= 10
    header.click()
    desc = values()
    assert desc == sorted(asc, reverse=True)
    model_header = page.find_elements(By.CSS_SELECTOR, "#leaderboard th")[1]
    model_header.click()
    names = page.execute_script(
        "return Array.from(document.querySelectorAll('#leaderboard tbody tr')).map(r => r.cells[1].textContent)")
    assert names == sorted(names, key=str.lower)


def test_task_filter_hides_other_rows(page):
    from selenium.webdriver.support.ui import Select

    select = page.find_element("css selector", "#leaderboard-section select[data-filter=task]")
    Select(select).select_by_value("image-classification")
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('#leaderboard tbody tr'))"
        ".filter(r => r.style.display !== 'none').map(r => r.getAttribute('data-task'))")
    assert shown == ["image-classification", "image-classification"]
    Select(select).select_by_value("")


def test_hostile_model_name_is_text_not_markup(page):
    cells = page.execute_script(
        "return Array.from(document.querySelectorAll('#leaderboard td.model')).map(c => c.textContent)")
    assert EVIL in cells
    # no script element was created from the name, and the label shows it as text
    assert page.execute_script("return document.querySelectorAll('td.model script').length") == 0
    labels = page.execute_script(
        "return Array.from(document.querySelectorAll('svg.label title')).map(t => t.textContent)")
    assert any(EVIL in t for t in labels)
