"""A leaderboard of many models in headless chromium: 200 rows at a time, 'show more', filters over all."""

from __future__ import annotations

import pytest

from browser import BROWSER_MARKS, chromium_page
from fakes_analysis import make_run
from wattprint.report.html import write_html_report

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    runs = [make_run("fill-mask" if i % 3 else "text-classification", f"model-{i:03d}", [1.0 + i / 100])
            for i in range(450)]
    path = write_html_report(runs, tmp_path_factory.mktemp("html") / "report.html")
    with chromium_page(path) as driver:
        yield driver


def _shown(page) -> int:
    return page.execute_script(
        "return Array.from(document.querySelectorAll('#leaderboard tbody tr'))"
        ".filter(r => r.style.display !== 'none').length")


def test_leaderboard_pages_and_filters_over_every_row(page):
    count = page.find_element("css selector", "#leaderboard-section .count")
    assert _shown(page) == 200 and "(450 match)" in count.text
    page.find_element("css selector", "#leaderboard-section button.more").click()
    assert _shown(page) == 400
    search = page.find_element("css selector", "#leaderboard-section input[data-filter=text]")
    search.send_keys("model-44")  # model-440 .. model-449: beyond the first page, still found
    assert _shown(page) == 10
    assert not page.find_element("css selector", "#leaderboard-section button.more").is_displayed()
