"""The site in headless Chromium (tests/browsing.py): the animations (backprop.teaching.animation
and the player in _static/site.js) play, step and pause, by mouse and by keyboard, at
every width; nothing plays by itself; a reader who asks for reduced motion gets the
still sequence; and in dark mode every equation, figure and animation stays legible."""

import pytest
from browsing import CHAPTERS, LAY_OUT_ALL, WIDTHS, open_page, shot_name, wait_for_math
from conftest import FULL, ROOT, tiered, toc_pages

ANIMATED = [doc for doc in CHAPTERS
            if "from backprop.teaching.animation import"
            in (ROOT / f"{doc}.ipynb").read_text(encoding="utf-8")]


def test_the_chapters_have_their_animations():
    """δ flowing backward (chapter 6) and descent for two learning rates (chapter 1)."""
    assert {"chapters/01_derivatives", "chapters/06_three_equations"} <= set(ANIMATED), ANIMATED


def state(figure) -> dict:
    return figure.evaluate(
        "f => ({step: Number(f.dataset.step), label: f.querySelector('.bp-step').textContent,"
        " play: f.querySelector('.bp-play').textContent,"
        " pressed: f.querySelector('.bp-play').getAttribute('aria-pressed'),"
        " shown: [...f.querySelectorAll('.bp-frame')].filter(x => x.offsetHeight > 0).length,"
        " frames: f.querySelectorAll('.bp-frame').length, interval: Number(f.dataset.interval),"
        " wide: f.scrollWidth - f.clientWidth, width: f.getBoundingClientRect().width,"
        " column: f.parentElement.closest('main').getBoundingClientRect().width})")


# make test: the phone and the desktop, on the representative pages; make check: all
@pytest.mark.parametrize("width", [WIDTHS["phone"], pytest.param(WIDTHS["tablet"], marks=FULL),
                                   WIDTHS["desktop"]], ids=list(WIDTHS))
@pytest.mark.parametrize("doc", tiered(ANIMATED))
def test_animations_play_step_and_pause(site, browser, shots, doc, width):
    page, _, errors, outside, _ = open_page(browser, f"{site}/{doc}.html", width=width)
    try:
        wait_for_math(page)
        page.evaluate(f"() => {{ {LAY_OUT_ALL} }}")
        figures = page.locator("figure.bp-animation")
        assert figures.count() >= 1
        for i in range(figures.count()):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()
            page.wait_for_function("f => f.classList.contains('bp-player')", arg=figure.element_handle(),
                                   timeout=10_000)
            s = state(figure)
            n, name = s["frames"], figure.get_attribute("id")
            assert s["step"] == 1 and s["label"].startswith(f"Step 1 of {n}: "), s
            assert s["shown"] == 1 and s["play"] == "Play" and s["pressed"] == "false", s
            assert s["wide"] <= 1 and s["width"] <= s["column"] + 1, f"{name} overflows: {s}"
            page.wait_for_timeout(2 * s["interval"])
            assert state(figure)["step"] == 1, f"{name} plays by itself"
            # the buttons
            figure.locator(".bp-next").click()
            assert state(figure)["step"] == 2
            figure.locator(".bp-prev").click()
            assert state(figure)["step"] == 1
            # the keyboard: Enter on a focused button, the arrow keys, End, Home
            figure.locator(".bp-next").focus()
            page.keyboard.press("Enter")
            assert state(figure)["step"] == 2
            page.keyboard.press("ArrowRight")
            assert state(figure)["step"] == 3
            page.keyboard.press("End")
            assert state(figure)["step"] == n
            page.keyboard.press("Home")
            assert state(figure)["step"] == 1
            figure.locator(".bp-range").focus()  # the slider: its own arrow keys
            page.keyboard.press("ArrowRight")
            assert state(figure)["step"] == 2
            # play, then pause, with the space bar on the focused button
            figure.locator(".bp-play").focus()
            page.keyboard.press("Space")
            assert state(figure)["play"] == "Pause" and state(figure)["pressed"] == "true"
            figure.evaluate("f => new Promise(r => { const t = setInterval(() => {"
                            " if (Number(f.dataset.step) >= 4) { clearInterval(t); r(); } }, 20); })")
            page.keyboard.press("Space")
            paused = state(figure)
            assert paused["play"] == "Play" and paused["step"] >= 4, paused
            page.wait_for_timeout(3 * paused["interval"])
            assert state(figure)["step"] == paused["step"], f"{name} went on after Pause"
            # played to the end it stops there; Play again starts from the first step
            page.keyboard.press("End")
            figure.locator(".bp-play").click()
            page.wait_for_function("f => Number(f.dataset.step) >= 2", arg=figure.element_handle(),
                                   timeout=10_000)
            figure.locator(".bp-play").click()
            assert state(figure)["step"] < n
            page.screenshot(path=str(shots / f"animation-{shot_name(doc)}-{name}-{width}.png"))
    finally:
        page.close()
    assert errors == [], errors
    assert outside == [], outside


@pytest.mark.parametrize("doc", tiered(ANIMATED))
def test_reduced_motion_shows_the_still_sequence(site, browser, shots, doc):
    page, _, errors, outside, _ = open_page(browser, f"{site}/{doc}.html", width=WIDTHS["phone"],
                                            reduced_motion=True)
    try:
        page.evaluate(f"() => {{ {LAY_OUT_ALL} }}")
        figures = page.locator("figure.bp-animation")
        assert figures.count() >= 1
        for i in range(figures.count()):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()  # where, without the request, it becomes a player
            page.wait_for_timeout(500)
            s = figure.evaluate(
                "f => ({controls: f.querySelector('.bp-controls').offsetHeight,"
                " frames: f.querySelectorAll('.bp-frame').length,"
                " shown: [...f.querySelectorAll('.bp-frame')].filter(x => x.offsetHeight > 0).length,"
                " captions: [...f.querySelectorAll('.bp-frame-caption')].filter(x => x.offsetHeight > 0)"
                ".length, wide: f.scrollWidth - f.clientWidth})")
            assert s["controls"] == 0, "a player for a reader who asked for reduced motion"
            assert s["shown"] == s["frames"] == s["captions"], s
            assert s["wide"] <= 1, s
        figures.first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"animation-still-{shot_name(doc)}.png"))
    finally:
        page.close()
    assert errors == [] and outside == []


# ---------------------------------------------------------------------------------------
# Dark mode: every equation, figure and animation legible (WCAG contrast, computed on the
# colours the reader sees). axe cannot check these: MathJax draws its glyphs as CSS
# generated content, an animation's text is SVG, a figure is an image.
LEGIBILITY_JS = """
() => {
  """ + LAY_OUT_ALL + """
  const parse = (c) => {
    const m = c && c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const v = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1};
  };
  const lum = (c) => {
    const f = (x) => { x /= 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // the colour behind an element: its own and its ancestors' backgrounds, composited
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = {r: 255, g: 255, b: 255};
    for (const c of layers.reverse()) {
      out = {r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a),
             b: c.b * c.a + out.b * (1 - c.a)};
    }
    return out;
  };
  const shown = (el) => el.getBoundingClientRect().width > 0;
  const text = (el) => Array.from((el.textContent || '').trim()).slice(0, 50).join('');
  const bad = [];
  let math = 0, images = 0, svgText = 0;
  for (const el of document.querySelectorAll('main mjx-container')) {
    if (!shown(el)) continue;
    math += 1;
    const r = ratio(parse(getComputedStyle(el).color), backdrop(el));
    if (r < 4.5) bad.push(`equation ${r.toFixed(2)}:1 "${el.closest('.math, p, li')?.id || text(el)}"`);
  }
  for (const el of document.querySelectorAll('main img')) {
    if (!shown(el)) continue;
    images += 1;
    const style = getComputedStyle(el);
    const behind = backdrop(el);
    if (style.filter !== 'none' || lum(behind) < 0.9)
      bad.push(`figure ${el.src.split("/").pop()}: ${style.filter}, on ${JSON.stringify(behind)}`);
  }
  for (const figure of document.querySelectorAll('main figure.bp-animation')) {
    const words = 'figcaption, .bp-step, .bp-controls button, .bp-frame-caption';
    for (const el of figure.querySelectorAll(words)) {
      if (!shown(el)) continue;
      const r = ratio(parse(getComputedStyle(el).color), backdrop(el));
      if (r < 4.5) bad.push(`animation ${figure.id} ${el.className || el.tagName} ${r.toFixed(2)}:1`);
    }
    for (const svg of figure.querySelectorAll('.bp-frame svg')) {
      const plate = svg.querySelector('rect');
      const fill = plate && parse(getComputedStyle(plate).fill);
      if (!fill || lum(fill) < 0.9) bad.push(`animation ${figure.id}: a frame without its white plate`);
      for (const t of svg.querySelectorAll('text')) {
        svgText += 1;
        const r = ratio(parse(getComputedStyle(t).fill), fill || {r: 0, g: 0, b: 0});
        if (r < 4.5) bad.push(`animation ${figure.id} text "${text(t)}" ${r.toFixed(2)}:1`);
      }
    }
  }
  return {bad, math, images, svgText,
          page: getComputedStyle(document.body).backgroundColor};
}
"""


@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_dark_mode_keeps_equations_figures_and_animations_legible(site, browser, shots, doc):
    page, _, errors, _, _ = open_page(browser, f"{site}/{doc}.html", theme="dark")
    try:
        wait_for_math(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                               timeout=10_000)
        result = page.evaluate(LEGIBILITY_JS)
        if doc in ANIMATED:
            page.locator("figure.bp-animation").first.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"dark-animation-{shot_name(doc)}.png"))
    finally:
        page.close()
    assert "rgb(255, 255, 255)" not in result["page"], result["page"]
    if doc.startswith("chapters/"):
        assert result["math"] > 0, "no equation found: the check would pass on nothing"
    if doc in ANIMATED:
        assert result["svgText"] > 0
    assert result["bad"] == [], "\n".join(result["bad"])
    assert errors == []
