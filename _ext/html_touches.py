"""Per-page touches to the written HTML, and the theme's script made lazy.

* Font Awesome's ``fontawesome.js`` is no longer loaded (``icon_fonts`` draws the icons);
* the search index and its scripts are loaded by the search page only (the search box on
  every page submits to it); the other scripts of the head are deferred;
* sphinx-design's files leave the pages that use none of its components;
* figures get their size as attributes, not as a style that stretches them on a phone;
* accessibility: citation lists use ``role="listitem"`` (``doc-biblioentry`` is
  deprecated, and axe reports it as a list child that is not a list item); the search
  button and the hidden-cell toggles lose an ``aria-label`` that hid their visible text;
* Bootstrap's scroll-spy and the theme's load-time tab stops are dropped (``site.js``
  does both lazily).

Run by ``book_site`` after the build.
"""

from __future__ import annotations

import re
from pathlib import Path

FA_SCRIPT = re.compile(r'\s*<script[^>]*src="[^"]*scripts/fontawesome\.js[^"]*"[^>]*></script>')
FA_COMMENT = re.compile(r"\s*<!-- So that users can add custom icons -->")
SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>'
)


def defer_head_scripts(text: str) -> str:
    """Let the head's scripts load without blocking the first paint (``defer`` keeps
    their order, and they still run before DOMContentLoaded). documentation_options.js
    stays: an inline script right after it sets one of its options."""
    head, sep, body = text.partition("</head>")

    def defer(m: re.Match) -> str:
        tag = m.group(0)
        if re.search(r"\b(defer|async)\b", tag) or "documentation_options.js" in tag:
            return tag
        return tag.replace("<script ", "<script defer ", 1)

    return re.sub(r"<script [^>]*src=\"[^\"]+\"[^>]*></script>", defer, head) + sep + body

# Two things the theme does at load that lay out a whole long chapter, every section
# that content-visibility: auto (site.css) would leave for later: Bootstrap's scroll-spy,
# whose target ".bd-toc-nav" no longer exists in pydata-sphinx-theme 0.16, so it falls
# back to <body> and measures the target of every link on the page; and the theme's
# tab stops, which measure every code block and output. _static/site.js does both
# for what comes near the screen.
SCROLL_SPY = (' data-bs-spy="scroll" data-bs-target=".bd-toc-nav" data-offset="180"'
              ' data-bs-root-margin="0px 0px -60%"')
# A notebook's figure comes with its size as an inline style; on a phone max-width
# narrows it and the fixed height stretches it. As attributes, the size gives the
# box its shape before the image arrives, and a narrower box keeps that shape.
IMAGE_SIZE = re.compile(r'(<img [^>]*)style="width: (\d+)px; height: (\d+)px;"')
THEME_SCRIPT = Path("_static") / "scripts" / "pydata-sphinx-theme.js"
THEME_TAB_STOPS = '"complete"===document.readyState?O():window.addEventListener("load",O)'
LAZY = "0/* tab stops: _static/site.js */"


def drop_theme_tab_stops(outdir: Path) -> None:
    script = outdir / THEME_SCRIPT
    text = script.read_text(encoding="utf-8")
    if LAZY in text:
        return
    if text.count(THEME_TAB_STOPS) != 1:
        raise RuntimeError(f"book_site: {script} has changed: its tab stops at load "
                           f"({THEME_TAB_STOPS!r}) are not there to replace")
    script.write_text(text.replace(THEME_TAB_STOPS, LAZY), encoding="utf-8")


def touch_page(text: str, root: str, search_page: bool) -> str:
    """One written page with the touches above; ``root`` leads to the site's root."""
    text = FA_COMMENT.sub("", FA_SCRIPT.sub("", text))
    if not search_page:
        text = SEARCH_SCRIPTS.sub("", text)
        text = defer_head_scripts(text)
    if not re.search(r'class="(?:[^"]* )?sd-', text):  # sphinx-design unused on this page
        text = re.sub(r'\s*<link[^>]*sphinx-design\.min\.css[^>]*>', "", text)
        text = re.sub(r'\s*<script[^>]*design-tabs\.js[^>]*></script>', "", text)
    text = text.replace(SCROLL_SPY, "", 1)
    text = IMAGE_SIZE.sub(r'\1width="\2" height="\3"', text)
    text = text.replace('role="doc-biblioentry"', 'role="listitem"')
    # an accessible name must contain the visible text ("Search Ctrl+K", "Show code
    # cell source"): without the aria-label the name is the text itself
    text = re.sub(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"',
                  r"\1", text)
    text = text.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    if "styles/icons.css" not in text:
        link = f'<link rel="stylesheet" type="text/css" href="{root}_static/styles/icons.css" />'
        text = text.replace("</head>", f"  {link}\n  </head>", 1)
    return text
