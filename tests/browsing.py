"""What the browser tests share (tests/test_browser_*.py): the built site, a server
like a static host's, headless Chromium, axe-core, and the scripts that measure a page.

Needs Debian's chromium (``make test`` installs it), axe-core from tools/site (installed
here with npm when missing) and the built site (the session fixture ``build_log`` in
conftest.py builds it; ``BOOK_SITE_HTML=/path/to/html`` tests an already built site
instead). Every request must stay on 127.0.0.1. The tests are in four files, so that
pytest-xdist (which hands out whole files) spreads them over both workers.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import HTML, ROOT, toc_pages

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"phone": 390, "tablet": 768, "desktop": 1280}
PAGE_BUDGET = 1_500_000  # bytes a page transfers, uncompressed, with everything it loads
SITE_TOOLS = ROOT / "tools" / "site"
AXE = SITE_TOOLS / "node_modules" / "axe-core" / "axe.min.js"
CHAPTERS = [d for d in toc_pages() if d.startswith("chapters/")]


# ---------------------------------------------------------------------------------------
# Fixtures: the built site, a server like a static host's, the browser, axe-core
@pytest.fixture(scope="module")
def html_dir(request) -> Path:
    prebuilt = os.environ.get("BOOK_SITE_HTML")
    if prebuilt:
        return Path(prebuilt)
    request.getfixturevalue("build_log")
    return HTML


@pytest.fixture(scope="module")
def shots(html_dir) -> Path:
    path = html_dir.parent / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def site(html_dir):
    """Serve the site on 127.0.0.1; a missing path gets 404.html, as on GitHub Pages."""

    class Host(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def send_error(self, code, message=None, explain=None):
            page = html_dir / "404.html"
            if code != 404 or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # a page closed while a file was still being sent: nothing to report
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    handler = functools.partial(Host, directory=str(html_dir))
    server = Server(("127.0.0.1", 0), handler)
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


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, from tools/site (npm installs the locked version when missing)."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install axe-core into tools/site (Debian package npm)")
        done = subprocess.run([npm, "ci", "--omit=dev", "--no-audit", "--no-fund"], cwd=SITE_TOOLS,
                              capture_output=True, text=True)
        assert done.returncode == 0 and AXE.is_file(), done.stdout + done.stderr
    return AXE.read_text(encoding="utf-8")


def open_page(browser, url: str, width: int = 1280, theme: str | None = None,
              reduced_motion: bool = False):
    """Open ``url``; return (page, response, console errors, requests that left 127.0.0.1,
    bytes received per URL). ``reduced_motion``: a reader who asks for reduced motion."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme="dark" if theme == "dark" else "light",
                                  reduced_motion="reduce" if reduced_motion else "no-preference")
    if theme:  # the theme keeps the reader's choice in localStorage
        context.add_init_script(
            f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');")
    page = context.new_page()
    errors, outside, received = [], [], {}
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))

    def weigh(response):
        try:
            received[response.url] = len(response.body())
        except Exception:  # a redirect or an aborted request has no body
            pass

    page.on("response", weigh)

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    response = page.goto(url, wait_until="load")
    page.on("close", lambda _: context.close())
    return page, response, errors, outside, received


def wait_for_math(page) -> None:
    """Wait until MathJax (where a page still loads it in the browser) has typeset."""
    page.wait_for_function(
        "() => !document.querySelector('script[src*=\\'mathjax\\']') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=30_000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")
    page.evaluate("() => document.fonts.ready.then(() => true)")


def shot_name(doc: str) -> str:
    return doc.replace("/", "_")



# ---------------------------------------------------------------------------------------
# Nothing cut off, nothing scrolling sideways, at every width
LAY_OUT_ALL = "document.querySelectorAll('section').forEach(s => { s.style.contentVisibility = 'visible'; });"

OVERFLOW_JS = """
() => {
  """ + LAY_OUT_ALL + """
  // 3 px: MathJax's glyph boxes overhang their inline box by a pixel or two (italic
  // correction), which cuts no ink
  const wide = (el) => el.scrollWidth - el.clientWidth > 3;
  const scrolls = (el) => /(auto|scroll)/.test(getComputedStyle(el).overflowX);
  const describe = (el) => {
    const math = el.closest('div.math');
    const eqno = math && math.querySelector('.eqno');
    const id = (math && math.id) || el.id || '';
    const words = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ');
    const text = Array.from(words).slice(0, 60).join('');  // whole characters
    return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
      + (eqno ? ` eq ${eqno.textContent.replace('#', '').trim()}` : '') + (id ? ` #${id}` : '')
      + ` (${el.scrollWidth} px in ${el.clientWidth} px) "${text}"`;
  };
  const hidden = (el) => {
    const r = el.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1 || el.closest('mjx-assistive-mml, .visually-hidden, .sr-only');
  };
  const doc = document.documentElement;
  const cut = [], noScrollbar = [];
  for (const el of document.querySelectorAll('main *')) {
    // MathJax draws a stretched bar or arrow (an overline, a long arrow) as one glyph
    // scaled 500 times inside an extender box that clips it to the stretched width
    if (el.matches('mjx-ext, mjx-ext *')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.display === 'contents' || !wide(el) || hidden(el)) continue;
    if (scrolls(el)) {
      if (style.scrollbarWidth === 'none') noScrollbar.push(describe(el));
      continue;
    }
    // Wider than its box and not scrollable. Where does the overflowing part go? Into a
    // box the reader can scroll: fine. Past the edge of a box that clips (overflow
    // hidden/clip) or past the window: cut off.
    const right = el.getBoundingClientRect().left + el.scrollWidth;
    let a = el.parentElement, verdict = right > doc.clientWidth + 1 ? 'cut' : 'shown';
    while (a && a !== doc) {
      const ov = getComputedStyle(a).overflowX;
      if (/(auto|scroll)/.test(ov)) { verdict = 'shown'; break; }
      if (/(hidden|clip)/.test(ov) && right > a.getBoundingClientRect().right + 1) { verdict = 'cut'; break; }
      a = a.parentElement;
    }
    if (verdict === 'cut') cut.push(describe(el));
  }
  // a figure narrowed to its column keeps its shape (2 %: rounding to whole pixels)
  const stretched = [];
  for (const img of document.querySelectorAll('main img')) {
    const r = img.getBoundingClientRect();
    if (!img.complete || !img.naturalWidth || r.width < 2 || r.height < 2) continue;
    const shown = r.width / r.height, own = img.naturalWidth / img.naturalHeight;
    if (Math.abs(shown / own - 1) > 0.02) {
      stretched.push(`${img.getAttribute('src')} (${r.width.toFixed(0)} x ${r.height.toFixed(0)} px`
                     + ` shown, ${img.naturalWidth} x ${img.naturalHeight} px drawn)`);
    }
  }
  return {cut, noScrollbar, stretched, pageScrollWidth: doc.scrollWidth, viewport: doc.clientWidth};
}
"""

NEEDS_SCROLL_JS = """
() => {
  """ + LAY_OUT_ALL + """
  const out = [];
  const check = (el, what) => {
    if (el.scrollWidth - el.clientWidth > 1) {
      const math = el.closest('div.math');
      const eqno = math && math.querySelector('.eqno');
      const words = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ');
      const text = Array.from(words).slice(0, 50).join('');  // whole characters
      out.push(`${what}${eqno ? ' ' + eqno.textContent.replace('#', '').trim() : ''}`
               + `${math && math.id ? ' #' + math.id : ''}: `
               + `${el.scrollWidth} px in ${el.clientWidth} px "${text}"`);
    }
  };
  document.querySelectorAll('main mjx-container[display="true"]').forEach(el => check(el, 'equation'));
  document.querySelectorAll('main div.math').forEach(el => check(el, 'equation box'));
  // code: the cells' code and the code blocks of the text (a cell's printed output may scroll)
  document.querySelectorAll('main div.highlight pre').forEach(el => {
    if (!el.closest('.cell_output')) check(el, 'code');
  });
  return out;
}
"""
