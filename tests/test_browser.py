"""The site as a reader sees it: every page of the table of contents in headless Chromium.

Needs Debian's chromium (``make test`` installs it) and the built site (the session
fixture in test_book.py builds it). Every request must stay on 127.0.0.1.
"""

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import HTML, toc_pages

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = HTML.parent / "screenshots"


@pytest.fixture(scope="module")
def site(build_log):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def open_page(browser, url: str):
    """Open ``url``; return (page, response, console errors, requests that left 127.0.0.1)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    response = page.goto(url, wait_until="load")
    return page, response, errors, outside


def wait_for_math(page) -> None:
    """Wait until MathJax (where the page loads it) has typeset everything."""
    page.wait_for_function(
        "() => !document.querySelector('script[src*=\\'mathjax\\']') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=30_000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")


@pytest.mark.parametrize("doc", toc_pages())
def test_page_renders_completely(site, browser, doc):
    page, response, errors, outside = open_page(browser, f"{site}/{doc}.html")
    try:
        assert response.status == 200
        wait_for_math(page)
        main = page.locator("main")
        text = main.inner_text()
        has_math = page.locator("main .math, main .MathJax, main mjx-container").count() > 0
        if has_math:
            assert page.locator("main mjx-container").count() > 0, "math was not typeset"
        assert page.locator("mjx-merror, .MathJax_Error").count() == 0, "MathJax reported an error"
        raw = re.findall(r"\$\$|\\\(|\\\[|\\begin\{", text)
        assert raw == [], f"unrendered TeX in the text: {raw[:5]}"
        broken = page.evaluate(
            "() => [...document.querySelectorAll('main img')]"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert broken == [], f"images that did not load: {broken}"
        missing_alt = page.evaluate(
            "() => [...document.querySelectorAll('main img')]"
            ".filter(i => !i.alt && !i.closest('figure')).map(i => i.src)")
        assert missing_alt == [], f"images with neither alt text nor caption: {missing_alt}"
        assert errors == [], f"console errors: {errors}"
        assert outside == [], f"requests that left 127.0.0.1: {outside}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{doc.replace('/', '_')}.png"), full_page=False)
    finally:
        page.close()


def test_sidebar_reaches_every_chapter(site, browser):
    page, _, _, _ = open_page(browser, f"{site}/intro.html")
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('.bd-sidebar a.reference.internal')].map(a => a.href)")
    page.close()
    reached = {urlparse(h).path.lstrip("/").removesuffix(".html") for h in hrefs}
    assert set(toc_pages()) - {"intro"} <= reached


def test_search_finds_a_term_from_a_chapter(site, browser):
    page, _, errors, outside = open_page(browser, f"{site}/search.html?q=softmax")
    page.wait_for_selector("#search-results li", timeout=30_000)
    results = page.locator("#search-results li a").all_inner_texts()
    page.close()
    assert any("softmax" in r.lower() for r in results), results
    assert errors == [] and outside == []


def test_dark_mode_switches_the_theme(site, browser):
    page, _, errors, _ = open_page(browser, f"{site}/chapters/01_derivatives.html")
    wait_for_math(page)
    button = page.locator(".theme-switch-button:visible").first
    for _ in range(3):  # the switch cycles light -> dark -> auto; click as a reader would
        if page.evaluate("() => document.documentElement.dataset.theme") == "dark":
            break
        button.click()
        page.wait_for_timeout(200)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dark_01_derivatives.png"))
    page.close()
    r, g, b = map(int, re.findall(r"\d+", background)[:3])
    assert r + g + b < 200, background
    assert errors == []


def test_figures_are_opaque_so_they_stay_legible_in_dark_mode(build_log):
    """A transparent figure would put black axes on the dark page; ours are painted white."""
    from PIL import Image

    figures = sorted((HTML / "_images").glob("*.png"))
    assert figures
    for path in figures:
        image = Image.open(path).convert("RGBA")
        corners = [image.getpixel(xy) for xy in [(0, 0), (image.width - 1, image.height - 1)]]
        assert all(c == (255, 255, 255, 255) for c in corners), (path.name, corners)


def test_solutions_are_hidden_until_opened(site, browser):
    page, _, errors, _ = open_page(browser, f"{site}/chapters/01_derivatives.html")
    solution = page.locator(".solution.dropdown").first
    body = solution.locator("section, .cell, p").last
    assert not body.is_visible(), "a solution is visible before the reader opens it"
    solution.locator(".admonition-title, button").first.click()
    page.wait_for_timeout(500)
    assert body.is_visible(), "opening the solution does not show it"
    page.close()
    assert errors == []
