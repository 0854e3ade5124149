"""The site as a reader sees it: every page of the table of contents in headless Chromium,
on a phone (390 px), a tablet (768 px) and a desktop (1280 px), in light and dark mode.

Needs Debian's chromium (``make test`` installs it), axe-core from tools/site (installed
here with npm when missing) and the built site (the session fixture ``build_log`` in
conftest.py builds it; ``BOOK_SITE_HTML=/path/to/html`` tests an already built site
instead). Every request must stay on 127.0.0.1.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import HTML, ROOT, tiered, toc_pages

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


def open_page(browser, url: str, width: int = 1280, theme: str | None = None):
    """Open ``url``; return (page, response, console errors, requests that left 127.0.0.1,
    bytes received per URL)."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme="dark" if theme == "dark" else "light")
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
# Every page: renders, offline, light
@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_page_renders_completely(site, browser, shots, doc):
    page, response, errors, outside, _ = open_page(browser, f"{site}/{doc}.html")
    try:
        assert response.status == 200
        wait_for_math(page)
        text = page.evaluate(  # the prose, without code (a Python string may hold TeX)
            "() => { const m = document.querySelector('main').cloneNode(true);"
            " m.querySelectorAll('pre, code, .highlight, mjx-assistive-mml').forEach(e => e.remove());"
            " return m.textContent; }")
        has_math = page.locator("main .math").count() > 0
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
        icons = page.evaluate(
            "() => [...document.querySelectorAll('.fa-bars, .fa-list, .fa-github')]"
            ".filter(i => i.getBoundingClientRect().width > 0)"
            ".map(i => getComputedStyle(i, '::before').fontFamily)")
        assert icons and all("Font Awesome" in f for f in icons), f"icons not drawn: {icons}"
        assert errors == [], f"console errors: {errors}"
        assert outside == [], f"requests that left 127.0.0.1: {outside}"
        page.screenshot(path=str(shots / f"{shot_name(doc)}.png"), full_page=False)
    finally:
        page.close()


@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_page_weight(site, browser, doc):
    """A page with everything it loads on a phone stays under the budget; the heavy
    scripts (Font Awesome's 1.5 MB, MathJax's 1.2 MB, the search index) are gone."""
    page, _, errors, _, received = open_page(browser, f"{site}/{doc}.html", width=390)
    try:
        page.wait_for_load_state("networkidle")
        wait_for_math(page)
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # lazy images too
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    total = sum(received.values())
    heavy = [u for u in received if re.search(r"fontawesome\.js|tex-chtml\.js|searchindex\.js", u)]
    biggest = sorted(received.items(), key=lambda kv: -kv[1])[:5]
    print(f"{doc}: {total:,} bytes in {len(received)} responses; largest {biggest}")
    assert heavy == [], heavy
    assert total <= PAGE_BUDGET, f"{doc} loads {total:,} bytes: {biggest}"
    assert errors == []


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
    const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
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
  return {cut, noScrollbar, pageScrollWidth: doc.scrollWidth, viewport: doc.clientWidth};
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
      const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
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


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_nothing_is_cut_off(site, browser, doc, width):
    """Content wider than its box sits in a box the reader can scroll (with a scrollbar),
    and the page as a whole never scrolls sideways."""
    page, _, _, _, _ = open_page(browser, f"{site}/{doc}.html", width=width)
    try:
        wait_for_math(page)
        found = page.evaluate(OVERFLOW_JS)
    finally:
        page.close()
    assert found["cut"] == [], f"{doc} at {width} px, content cut off:\n" + "\n".join(found["cut"])
    assert found["noScrollbar"] == [], f"{doc} at {width} px, scroll boxes without a scrollbar"
    assert found["pageScrollWidth"] <= found["viewport"], (
        f"{doc} at {width} px scrolls sideways: {found['pageScrollWidth']} px in {found['viewport']} px")


@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_equations_and_code_fit_the_column_on_a_desktop(site, browser, doc):
    """At 1280 px no display equation and no code line needs a scrollbar."""
    page, _, _, _, _ = open_page(browser, f"{site}/{doc}.html", width=WIDTHS["desktop"])
    try:
        wait_for_math(page)
        wide = page.evaluate(NEEDS_SCROLL_JS)
    finally:
        page.close()
    assert wide == [], f"{doc} at 1280 px, wider than the column:\n" + "\n".join(wide)


def test_a_79_character_code_line_fits_on_a_desktop(site, browser):
    page, _, _, _, _ = open_page(browser, f"{site}/{CHAPTERS[0]}.html", width=WIDTHS["desktop"])
    try:
        fits = page.evaluate("""() => {
          const pre = document.querySelector('main .cell_input div.highlight pre');
          const line = document.createElement('span');
          line.textContent = 'x'.repeat(79);
          pre.appendChild(line);
          const ok = pre.scrollWidth <= pre.clientWidth;
          line.remove();
          return ok;
        }""")
    finally:
        page.close()
    assert fits


# ---------------------------------------------------------------------------------------
# Navigation: the ☰ drawer on a phone and a tablet, the sidebar on a desktop
@pytest.mark.parametrize("width", [WIDTHS["phone"], WIDTHS["tablet"]], ids=["phone", "tablet"])
def test_menu_opens_a_drawer_with_every_chapter_and_navigates(site, browser, shots, width):
    page, _, errors, _, _ = open_page(browser, f"{site}/{CHAPTERS[2]}.html", width=width)
    try:
        toggle = page.locator(".primary-toggle:visible")
        assert toggle.count() == 1, "one visible ☰ button"
        toggle.click()
        drawer = page.locator("dialog#pst-primary-sidebar-modal")
        drawer.wait_for(state="visible", timeout=5_000)
        assert page.evaluate("() => document.querySelector('#pst-primary-sidebar-modal').open")
        if width == WIDTHS["phone"]:
            page.screenshot(path=str(shots / "phone_menu_open.png"))
        hrefs = drawer.locator("a.reference.internal").evaluate_all("els => els.map(a => a.href)")
        reached = {urlparse(h).path.lstrip("/").removesuffix(".html") for h in hrefs}
        assert set(toc_pages()) - {"intro"} <= reached, sorted(set(toc_pages()) - reached)
        tooltips = page.locator(".tooltip:visible").count()
        assert tooltips == 0, "a tooltip stays on the page over the buttons"
        target = CHAPTERS[5]
        drawer.locator(f"a[href$='{Path(target).name}.html']").first.click()
        page.wait_for_url(f"**/{target}.html", timeout=10_000)
    finally:
        page.close()
    assert errors == []


@pytest.mark.parametrize("width", [WIDTHS["phone"], WIDTHS["tablet"]], ids=["phone", "tablet"])
def test_on_this_page_opens(site, browser, width):
    page, _, errors, _, _ = open_page(browser, f"{site}/{CHAPTERS[2]}.html", width=width)
    try:
        toggle = page.locator(".secondary-toggle:visible")
        assert toggle.count() == 1, "one visible 'On this page' button"
        toggle.click()
        drawer = page.locator("dialog#pst-secondary-sidebar-modal")
        drawer.wait_for(state="visible", timeout=5_000)
        entries = drawer.locator("nav a").count()
        assert entries >= 3, "the drawer lists the page's sections"
        page.keyboard.press("Escape")
        drawer.wait_for(state="hidden", timeout=5_000)
        # the contents went back to the (hidden) sidebar: a second tap opens it again
        toggle.click()
        drawer.wait_for(state="visible", timeout=5_000)
        assert drawer.locator("nav a").count() == entries
    finally:
        page.close()
    assert errors == []


def test_menu_hides_and_shows_the_sidebar_on_a_desktop(site, browser):
    page, _, errors, _, _ = open_page(browser, f"{site}/{CHAPTERS[2]}.html", width=WIDTHS["desktop"])
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        page.locator(".primary-toggle:visible").click()
        page.wait_for_timeout(300)
        assert not sidebar.is_visible(), "☰ does not hide the sidebar"
        assert not page.evaluate("() => document.querySelector('#pst-primary-sidebar-modal').open")
        page.locator(".primary-toggle:visible").click()
        page.wait_for_timeout(300)
        assert sidebar.is_visible(), "☰ does not show the sidebar again"
    finally:
        page.close()
    assert errors == []


def test_sidebar_reaches_every_chapter(site, browser):
    page, _, _, _, _ = open_page(browser, f"{site}/intro.html")
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('.bd-sidebar a.reference.internal')].map(a => a.href)")
    page.close()
    reached = {urlparse(h).path.lstrip("/").removesuffix(".html") for h in hrefs}
    assert set(toc_pages()) - {"intro"} <= reached


def test_search_finds_a_term_from_a_chapter(site, browser):
    page, _, errors, outside, _ = open_page(browser, f"{site}/search.html?q=softmax")
    page.wait_for_selector("#search-results li", timeout=30_000)
    results = page.locator("#search-results li a").all_inner_texts()
    page.close()
    assert any("softmax" in r.lower() for r in results), results
    assert errors == [] and outside == []


def test_search_box_on_a_chapter_leads_to_results(site, browser):
    """The search index loads on the search page only; the box on any page gets there."""
    page, _, errors, _, _ = open_page(browser, f"{site}/{CHAPTERS[3]}.html", width=WIDTHS["desktop"])
    try:
        page.locator(".search-button__button:visible, button.search-button:visible").first.click()
        field = page.locator("#pst-search-dialog input[name=q]")
        field.wait_for(state="visible", timeout=5_000)
        field.fill("softmax")
        field.press("Enter")
        page.wait_for_url("**/search.html?q=softmax*", timeout=10_000)
        page.wait_for_selector("#search-results li", timeout=30_000)
    finally:
        page.close()
    assert errors == []


@pytest.mark.parametrize("depth", ["no-such-page.html", "chapters/no-such-page.html",
                                   "chapters/a/b/c/no-such-page.html"])
def test_404_page_leads_home_from_any_depth(site, browser, depth):
    page, response, errors, outside, _ = open_page(browser, f"{site}/{depth}")
    try:
        assert response.status == 404
        assert page.evaluate("() => document.documentElement.dataset.root") == "/"
        search = page.locator("a#search")
        assert search.count() == 1
        chapters = page.locator("nav a").evaluate_all("els => els.map(a => a.href)")
        reached = {urlparse(h).path.lstrip("/").removesuffix(".html") for h in chapters}
        assert set(toc_pages()) <= reached, sorted(set(toc_pages()) - reached)
        page.locator("a#home").click()
        page.wait_for_url(f"{site}/intro.html", timeout=10_000)
        assert page.title().startswith("The mathematics of backpropagation")
    finally:
        page.close()
    assert [e for e in errors if "404 (Not Found)" not in e] == [], errors  # the page itself is a 404
    assert outside == []


# ---------------------------------------------------------------------------------------
# Dark mode, figures
def test_dark_mode_switches_the_theme(site, browser, shots):
    page, _, errors, _, _ = open_page(browser, f"{site}/chapters/01_derivatives.html")
    wait_for_math(page)
    button = page.locator(".theme-switch-button:visible").first
    for _ in range(3):  # the switch cycles light -> dark -> auto; click as a reader would
        if page.evaluate("() => document.documentElement.dataset.theme") == "dark":
            break
        button.click()
        page.wait_for_timeout(200)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.evaluate("() => document.querySelector('main figure img, main .cell_output img').scrollIntoView()")
    page.screenshot(path=str(shots / "dark_01_derivatives.png"))
    figures = page.evaluate(
        "() => [...document.querySelectorAll('main img')].map(i => "
        "[getComputedStyle(i).filter, getComputedStyle(i).backgroundColor])")
    page.close()
    r, g, b = map(int, re.findall(r"\d+", background)[:3])
    assert r + g + b < 200, background
    assert figures and all(f == "none" for f, _ in figures), f"figures recoloured in dark mode: {figures}"
    assert all(bg == "rgb(255, 255, 255)" for _, bg in figures), "figures need a light backing"
    assert errors == []


def test_figures_are_opaque_so_they_stay_legible_in_dark_mode(html_dir):
    """A transparent figure would put black axes on the dark page; ours are painted white."""
    from PIL import Image

    figures = sorted((html_dir / "_images").glob("*.png"))
    assert figures
    for path in figures:
        image = Image.open(path).convert("RGBA")
        corners = [image.getpixel(xy) for xy in [(0, 0), (image.width - 1, image.height - 1)]]
        assert all(c == (255, 255, 255, 255) for c in corners), (path.name, corners)


@pytest.mark.parametrize("doc", tiered(CHAPTERS))
def test_figures_are_sharp(site, browser, doc):
    """Every figure is vector (SVG) or has at least twice the pixels it is shown with."""
    page, _, _, _, _ = open_page(browser, f"{site}/{doc}.html", width=WIDTHS["desktop"])
    try:
        images = page.evaluate(
            "() => [...document.querySelectorAll('main img')].map(i => ({src: i.src.split('/').pop(),"
            " natural: i.naturalWidth, shown: i.getBoundingClientRect().width}))")
    finally:
        page.close()
    blurry = [f"{i['src']}: {i['natural']} px shown at {i['shown']:.0f} px" for i in images
              if not i["src"].endswith(".svg") and i["natural"] < 1.95 * i["shown"]]
    assert blurry == [], f"{doc}: figures below 2x:\n" + "\n".join(blurry)


def test_solutions_are_hidden_until_opened(site, browser):
    page, _, errors, _, _ = open_page(browser, f"{site}/chapters/01_derivatives.html")
    solution = page.locator(".solution.dropdown").first
    body = solution.locator("section, .cell, p").last
    assert not body.is_visible(), "a solution is visible before the reader opens it"
    solution.locator(".admonition-title, button").first.click()
    page.wait_for_timeout(500)
    assert body.is_visible(), "opening the solution does not show it"
    page.close()
    assert errors == []


# ---------------------------------------------------------------------------------------
# Accessibility: axe-core, light and dark
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_axe_finds_no_serious_violation(site, browser, axe_source, html_dir, doc, theme):
    page, _, _, _, _ = open_page(browser, f"{site}/{doc}.html", theme=theme)
    try:
        wait_for_math(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == theme
        page.evaluate(f"() => {{ {LAY_OUT_ALL} }}")  # axe needs every section laid out
        # the theme's colours fade in (CSS transitions): measure contrast once they have
        page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                               timeout=10_000)
        page.add_script_tag(content=axe_source)
        result = page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
    finally:
        page.close()
    serious = [v for v in result if v["impact"] in ("critical", "serious")]
    report = html_dir.parent / "axe"
    report.mkdir(exist_ok=True)
    (report / f"{shot_name(doc)}-{theme}.json").write_text(json.dumps(result, indent=1))
    assert serious == [], json.dumps(serious, indent=1)
