"""report.html in a real browser: the system's Chromium (Debian's `chromium` package), driven
headless by Playwright for Python (`pip install ".[browser]"`). Skipped, saying so, where
either is missing; `.ci/run` installs both.

Set KVSBENCH_SCREENSHOTS=DIR to keep the screenshots (the top of the page, as a colleague
opening the report first sees it, and the whole page).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from benchmarks.report.build import build_report
from tests.helpers import fake_results

pytestmark = pytest.mark.slow  # drives a browser

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    env = os.environ.get("KVSBENCH_CHROMIUM")
    return env or next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright not installed: pip install '.[browser]'")
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set KVSBENCH_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A 3-pair report (heatmaps, experiment figures, and the pair images when the data is
    there), built without training."""
    out = tmp_path_factory.mktemp("browser") / "results"
    fake_results(out, n_pairs=3)
    data = os.environ.get("FASHION_MNIST_DIR")
    build_report(out, data_dir=data)
    return out / "report.html"


def screenshots_dir(tmp_path) -> Path:
    d = Path(os.environ.get("KVSBENCH_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_report_in_chromium(browser, report, tmp_path):
    page = browser.new_page(viewport=VIEWPORT)
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url[:80]}"))
    page.goto(report.as_uri(), wait_until="load")

    assert page.title().startswith("kvsbench report — ")
    # every image decodes (a broken data: URI has naturalWidth 0)
    images = page.evaluate("""() => [...document.images].map(i => ({
        ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, alt: i.alt}))""")
    assert len(images) >= 5  # 2 heatmaps + 3 experiments (+ pair images with the data)
    assert all(i["ok"] for i in images), [i["alt"] for i in images if not i["ok"]]
    # a table of contents whose every link lands on a heading
    links = page.eval_on_selector_all("nav a", "as => as.map(a => a.getAttribute('href'))")
    assert links[:2] == ["#verdict", "#summary"] and len(links) >= 6
    for href in links:
        assert page.locator(href).count() == 1, href
    # the first screen holds what a colleague should see first: title, contents, the verdict
    # heading and its table
    for selector in ("h1", "nav", "#verdict", "#verdict + .table-wrap table"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"], selector
    shots = screenshots_dir(tmp_path)
    page.screenshot(path=str(shots / "report-top.png"))
    page.screenshot(path=str(shots / "report-full.png"), full_page=True)
    assert (shots / "report-top.png").stat().st_size > 10_000
    assert not problems, problems
    page.close()


def test_broken_image_is_caught(browser, tmp_path):
    """The check above can fail: a report whose figure does not decode is seen as broken."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><title>t</title><img src="data:image/png;base64,AAAA">')
    page = browser.new_page()
    page.goto(bad.as_uri(), wait_until="load")
    ok = page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert ok is False
    page.close()
