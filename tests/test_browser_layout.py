"""The site in headless Chromium (tests/browsing.py): nothing cut off, nothing scrolling
sideways, at every width; at 1280 px no equation or code line needs scrolling."""

import pytest
from browsing import CHAPTERS, NEEDS_SCROLL_JS, OVERFLOW_JS, WIDTHS, open_page, wait_for_math
from conftest import tiered, toc_pages


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("doc", tiered(toc_pages()))
def test_nothing_is_cut_off(site, browser, doc, width):
    """Content wider than its box sits in a box the reader can scroll (with a scrollbar),
    the page as a whole never scrolls sideways, and a figure narrowed to the column
    keeps its shape."""
    page, _, _, _, _ = open_page(browser, f"{site}/{doc}.html", width=width)
    try:
        wait_for_math(page)
        found = page.evaluate(OVERFLOW_JS)
    finally:
        page.close()
    assert found["cut"] == [], f"{doc} at {width} px, content cut off:\n" + "\n".join(found["cut"])
    assert found["noScrollbar"] == [], f"{doc} at {width} px, scroll boxes without a scrollbar"
    assert found["stretched"] == [], f"{doc} at {width} px, figures out of shape:\n" + "\n".join(
        found["stretched"])
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
