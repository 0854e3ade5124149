"""The site in headless Chromium (tests/browsing.py): navigation on a phone, a tablet
and a desktop, search, the 404 page, dark mode, hidden solutions."""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browsing import CHAPTERS, WIDTHS, open_page, wait_for_math
from conftest import toc_pages


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


def scroll_to(page, href: str) -> None:
    """Scroll the section ``href`` to the top of the screen. Sections above it are laid
    out as they come near, so one scroll may land short: scroll until it stays."""
    page.evaluate("""async h => {
        const section = document.getElementById(decodeURIComponent(h.slice(1)));
        let before = NaN;
        for (let i = 0; i < 20; i++) {
            section.scrollIntoView({block: 'start', behavior: 'instant'});
            await new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)));
            const top = section.getBoundingClientRect().top;
            if (Math.abs(top - before) < 1) { return; }
            before = top;
        }
        throw new Error('the page keeps moving under ' + h);
    }""", href)


def test_on_this_page_marks_the_section_being_read(site, browser):
    """The page's contents follow the reader: the entry of the section at the top of
    the screen is marked (and the entry it sits under), and only that one."""
    page, _, errors, _, _ = open_page(browser, f"{site}/{CHAPTERS[5]}.html", width=WIDTHS["desktop"])
    try:
        assert page.evaluate("() => document.body.dataset.bsSpy === undefined"), \
            "Bootstrap's scroll-spy measures every link target at load"
        nav = page.locator("#pst-page-toc-nav")
        assert nav.is_visible()
        links = nav.locator("a.nav-link").evaluate_all(
            "els => els.map(a => [a.getAttribute('href'), a.closest('li.toc-h3') !== null])")
        inner = next(h for h, nested in links if nested)
        tops = [h for h, nested in links if not nested]
        outer = tops[len(tops) // 2]
        for href in (inner, outer):
            scroll_to(page, href)
            page.wait_for_function(
                "h => { const a = document.querySelector('#pst-page-toc-nav a[aria-current]');"
                " return a !== null && a.getAttribute('href') === h; }", arg=href, timeout=5_000)
            marked = nav.locator("a[aria-current]").count()
            assert marked == 1, f"{marked} entries marked as the section being read"
            assert nav.locator(f"li.active > a[href='{href}']").count() == 1
        # the chapter-level entry above a marked subsection is marked active too
        scroll_to(page, inner)
        page.wait_for_function(
            "h => document.querySelector('#pst-page-toc-nav a[aria-current]')"
            ".getAttribute('href') === h", arg=inner, timeout=5_000)
        assert nav.locator("li.toc-h2.active:has(li.active)").count() == 1
    finally:
        page.close()
    assert errors == []


def test_a_code_block_that_scrolls_is_a_tab_stop(site, browser):
    """On a phone a 79-character code line scrolls sideways: the box can be reached
    with Tab (to scroll it with the arrow keys), a box that does not scroll cannot.
    Boxes near the screen are settled as they come; the first Tab settles them all."""
    page, _, errors, _, _ = open_page(browser, f"{site}/{CHAPTERS[0]}.html", width=WIDTHS["phone"])
    try:
        settle = """() => [...document.querySelectorAll('div.highlight pre')].map(pre => {
            const scrolls = pre.scrollWidth > pre.clientWidth;
            return [scrolls, pre.tabIndex, pre.hasAttribute('tabindex')]; })"""
        # the first code box on show (a folded cell's boxes wait for it to open)
        first = page.locator("div.highlight pre:visible").first
        first.scroll_into_view_if_needed()
        page.wait_for_function("pre => pre.hasAttribute('tabindex')",
                               arg=first.element_handle(), timeout=5_000)
        folded = page.locator("details.hide:not([open])").first
        folded.locator("summary").click()
        page.wait_for_function(
            "d => [...d.querySelectorAll('pre')].every(pre => pre.hasAttribute('tabindex'))",
            arg=folded.element_handle(), timeout=5_000)
        boxes = page.evaluate(settle)
        assert not all(has for _, _, has in boxes), "every box settled before it was near"
        page.keyboard.press("Tab")
        boxes = page.evaluate(settle)
        assert all(has for _, _, has in boxes), "the first Tab leaves boxes unsettled"
        assert any(scrolls for scrolls, _, _ in boxes), "no code box scrolls on a phone"
        wrong = [i for i, (scrolls, tab, _) in enumerate(boxes) if tab != (0 if scrolls else -1)]
        assert wrong == [], f"code boxes {wrong} have the wrong tab stop"
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
        # leave only once the page has everything it asked for: a font still in flight
        # when the reader's click navigates away is cancelled, and reported as failed
        page.wait_for_load_state("networkidle")
        page.evaluate("() => document.fonts.ready.then(() => true)")
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
