"""A leaderboard of many models in headless chromium: 200 rows at a time, 'show more', filters over all."""

from __future__ import annotations

import os
import shutil

import pytest

from fakes_analysis import make_run
from wattprint.report.html import write_html_report

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    pytest.importorskip("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    runs = [make_run("fill-mask" if i % 3 else "text-classification", f"model-{i:03d}", [1.0 + i / 100])
            for i in range(450)]
    path = write_html_report(runs, tmp_path_factory.mktemp("html") / "report.html")
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        driver.get(path.as_uri())
        yield driver
    finally:
        driver.quit()


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
