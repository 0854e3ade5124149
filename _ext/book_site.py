"""The site's finishing passes over the written HTML, in order (build-finished).

1. the math typeset at build time (``math_at_build``);
2. each page's own touches: scripts, accessibility, figure sizes (``html_touches``);
3. the icon fonts cut down to the icons used (``icon_fonts``);
4. the theme's tab stops made lazy (``html_touches``);
5. the 404 page, from the table of contents (``page_404``);
6. the theme's stylesheet without the rules nothing can match (``unused_css``).

The passes share the pages in memory and write each changed page once. An incremental
build passes only the pages it wrote; the stylesheets, fonts and 404 page are made
again from every page. Other jobs are extensions of their own: ``thebe_off``,
``chapter_references``, ``meta_tags``.
"""

from __future__ import annotations

from pathlib import Path

from html_touches import drop_theme_tab_stops, touch_page
from icon_fonts import subset_icon_fonts
from math_at_build import prerender_math
from page_404 import write_404
from sphinx.application import Sphinx
from unused_css import drop_unmatchable_rules


def finish_site(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    every = {p: p.read_text(encoding="utf-8") for p in outdir.rglob("*.html")
             if "_static" not in p.relative_to(outdir).parts}
    # the pages written in this build (an incremental build leaves the others as an
    # earlier build finished them)
    pages = {p: text for p, text in every.items() if p in app.book_site_written}
    prerender_math(outdir, pages)
    for path, text in list(pages.items()):
        root = "../" * (len(path.relative_to(outdir).parts) - 1)
        pages[path] = touch_page(text, root, search_page=path.name == "search.html")
    every.update(pages)
    every.pop(outdir / "404.html", None)
    # the theme's static files are copied afresh by every build: cut them down again,
    # for what every page uses
    subset_icon_fonts(outdir, every)
    drop_theme_tab_stops(outdir)
    write_404(app, outdir, every)
    every[outdir / "404.html"] = (outdir / "404.html").read_text(encoding="utf-8")
    drop_unmatchable_rules(outdir, every)
    for path, text in pages.items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def note_written(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    app.book_site_written.add(Path(app.builder.get_outfilename(pagename)))


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", lambda app: setattr(app, "book_site_written", set()))
    app.connect("html-page-context", note_written)
    app.connect("build-finished", finish_site)
    # _static/site.css and _static/site.js: Jupyter Book links every .css and .js of _static
    return {"parallel_read_safe": True, "parallel_write_safe": True}
