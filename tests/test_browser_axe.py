"""The site in headless Chromium (tests/browsing.py): axe-core finds no serious or
critical violation, in light and dark mode."""

import json

import pytest
from browsing import LAY_OUT_ALL, open_page, shot_name, wait_for_math
from conftest import tiered, toc_pages


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
