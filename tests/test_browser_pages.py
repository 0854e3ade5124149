"""The site in headless Chromium (tests/browsing.py): every page renders completely,
offline, within its weight budget, with sharp and opaque figures."""

import re

import pytest
from browsing import CHAPTERS, PAGE_BUDGET, WIDTHS, open_page, shot_name, wait_for_math
from conftest import tiered, toc_pages


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
