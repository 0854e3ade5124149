"""The book's site: what the theme does not do, or does in a way a reader pays for.

At configuration time
    * drop sphinx-thebe (Jupyter Book always loads it; its default configuration points
      every page at an unrelated Binder repository, and the book has no live kernel);
    * ``{footbibliography}`` at the end of a chapter lists the works that chapter cites
      (the chapters cite with ``{cite}``, which the stock directive does not collect);
    * the bibliography style ``authoryear``: list labels "Mohan, 2024", the same form
      the text cites them in.

On every page
    * a meta description (the page's first paragraph) and Open Graph tags.

After the build (build-finished), on the written HTML
    * display and inline math is typeset once, at build time, by MathJax in Node (the
      files of the sphinx-mathjax-offline wheel): the pages carry the CHTML markup and one
      shared stylesheet, and no 1.2 MB MathJax script. Without ``node`` the pages keep the
      browser-side MathJax;
    * Font Awesome: the 1.5 MB ``fontawesome.js`` (which swaps every icon for an inline
      SVG) is dropped; the theme's CSS draws the icons from its web fonts, which are cut
      down to the glyphs the site uses; the theme's stylesheet loses the rules that need
      a class no page or script names; sphinx-design's files leave the pages that use none
      of its components;
    * the search index and its scripts are loaded by the search page only (the search
      box on every page submits to it); the other scripts of the head are deferred;
    * citation lists use ``role="listitem"`` (``doc-biblioentry`` is deprecated, and axe
      reports it as a list child that is not a list item); the search button and the
      hidden-cell toggles lose an ``aria-label`` that hid their visible text;
    * a 404 page that works at any depth of the site.
"""

from __future__ import annotations

import html as htmllib
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------------
# Thebe
def drop_thebe(app: Sphinx, config) -> None:
    """Unhook sphinx-thebe: no thebe script, configuration or stylesheet on any page."""
    for listeners in app.events.listeners.values():
        listeners[:] = [
            listener for listener in listeners
            if not getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
        ]
    app.registry.css_files = [
        (name, attrs) for name, attrs in app.registry.css_files
        if not str(name).startswith("sphinx-thebe")
    ]
    app.registry.js_files = [
        (name, attrs) for name, attrs in app.registry.js_files
        if not str(name).startswith("sphinx-thebe")
    ]


# ---------------------------------------------------------------------------------------
# References at the end of a chapter, and the author-year bibliography style
def chapter_references_directive():
    from sphinxcontrib.bibtex.directives import BibliographyDirective

    class ChapterReferences(BibliographyDirective):
        """``{footbibliography}`` that lists the works this page cites with ``{cite}``."""

        def run(self):
            self.options.setdefault("filter", "docname in docnames")
            return super().run()

    return ChapterReferences


def register_authoryear_style() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    def surname(person) -> str:
        return " ".join(person.last_names).replace("{", "").replace("}", "")

    class AuthorYearLabels(BaseLabelStyle):
        """Labels as the text cites: "Mohan, 2024", "Parr and Howard, 2018",
        "Karpathy et al., 2016"; a letter tells apart two works of one label."""

        def format_labels(self, sorted_entries):
            labels = [self.label(entry) for entry in sorted_entries]
            for label in labels:
                if labels.count(label) > 1:
                    break
            else:
                yield from labels
                return
            seen: dict[str, int] = {}
            for label in labels:
                if labels.count(label) > 1:
                    seen[label] = seen.get(label, 0) + 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                else:
                    yield label

        @staticmethod
        def label(entry) -> str:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [surname(p) for p in people]
            if len(names) > 1 and names[-1] == "others":  # "A and others": A et al.
                names = [names[0], "", ""]
            if not names:
                who = entry.fields.get("organization", entry.key)
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            return f"{who}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(PlainStyle):
        default_label_style = "book-authoryear"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "book-authoryear", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle, force=True)


# ---------------------------------------------------------------------------------------
# Meta description and Open Graph tags
def first_paragraph(body: str) -> str:
    for match in re.finditer(r"<p>(.*?)</p>", body or "", flags=re.S):
        text = re.sub(r"<[^>]+>", "", match.group(1))
        text = re.sub(r"\\[()\[\]]", "", htmllib.unescape(text))
        text = " ".join(text.split())
        if len(text) >= 60 and text.endswith((".", "!", "?")):
            return text
    return ""


def shorten(text: str, limit: int = 160) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def add_meta(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    description = shorten(first_paragraph(context.get("body", "")) or app.config.book_description)
    book = app.config.html_title or app.config.project
    title = htmllib.unescape(re.sub(r"<[^>]+>", "", context.get("title") or book))
    tags = {
        "description": description,
        "og:title": title,
        "og:description": description,
        "og:type": "website" if pagename == app.config.root_doc else "article",
        "og:site_name": book,
        "twitter:card": "summary",
    }
    baseurl = app.config.html_baseurl.rstrip("/")
    if baseurl:
        tags["og:url"] = f"{baseurl}/{pagename}.html"
        tags["og:image"] = f"{baseurl}/_static/logo.png"
    lines = []
    for key, value in tags.items():
        attr = "property" if key.startswith("og:") else "name"
        lines.append(f'<meta {attr}="{key}" content="{htmllib.escape(value, quote=True)}" />')
    context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# After the build: math, icons, search, roles, 404
MATH_ELEMENT = re.compile(
    r'<(?P<tag>div|span) class="(?P<cls>[^"]*\bmath\b[^"]*)"(?P<attrs>[^>]*)>(?P<body>.*?)</(?P=tag)>',
    flags=re.S,
)
DELIMITED = re.compile(
    r"\\\[(?P<d1>.+?)\\\]|\$\$(?P<d2>.+?)\$\$|\\\((?P<i1>.+?)\\\)"
    r"|(?P<env>\\begin\{(?P<name>[A-Za-z]+\*?)\}.+?\\end\{(?P=name)\})",
    flags=re.S,
)
EQNO = re.compile(r'^\s*(<span class="eqno">.*?</span>)', flags=re.S)


def mathjax_dir() -> Path | None:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "static" / "mathjax"


def math_pieces(body: str) -> list[tuple[str, bool]]:
    """The TeX pieces inside one math element's content, as (tex, display)."""
    pieces = []
    for m in DELIMITED.finditer(body):
        if m.group("env"):
            pieces.append((htmllib.unescape(m.group("env")), True))
        elif m.group("d1") is not None or m.group("d2") is not None:
            pieces.append((htmllib.unescape(m.group("d1") or m.group("d2")), True))
        else:
            pieces.append((htmllib.unescape(m.group("i1")), False))
    return pieces


def render_pieces(outdir: Path, pieces: list[tuple[str, bool]]) -> dict | None:
    """Each TeX piece's CHTML markup and the stylesheet for them all, by MathJax in
    Node; None (and the math is left to the browser) if there is no node.

    An incremental build writes only the pages that changed. Their pieces that an
    earlier build has typeset are taken from the record beside the doctrees (one
    piece's markup does not depend on the others); a new piece has every piece typeset
    again, so that the one stylesheet covers every page."""
    node, source = shutil.which("node"), mathjax_dir()
    if node is None or source is None:
        logger.info("book_site: node or MathJax missing, math is typeset in the browser")
        return None
    static_css = outdir / "_static" / "mathjax-chtml.css"
    record_file = outdir.parent / ".doctrees" / "mathjax-pieces.json"
    record = {"items": [], "html": [], "css": ""}
    if static_css.is_file() and record_file.is_file():  # else a build from scratch
        record = json.loads(record_file.read_text(encoding="utf-8"))
    known = {(tex, display) for tex, display in record["items"]}
    new = [piece for piece in pieces if piece not in known]
    if new or not record["css"]:
        # in one order whatever the pages written: the stylesheet lists its rules in the
        # order of first use
        items = sorted({tuple(item) for item in record["items"]} | set(new))
        done = subprocess.run(
            [node, str(HERE / "mathjax_render.js"), str(source), "mathjax/output/chtml/fonts/woff-v2"],
            input=json.dumps([{"tex": t, "display": d} for t, d in items]),
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            logger.warning("book_site: MathJax in Node failed: %s", done.stderr[-2000:])
            return None
        result = json.loads(done.stdout)
        for tex in result["errors"]:
            logger.warning("book_site: TeX error in %r", tex[:200])
        record = {"items": items, "html": result["html"], "css": result["css"]}
        record_file.parent.mkdir(parents=True, exist_ok=True)
        record_file.write_text(json.dumps(record), encoding="utf-8")
    static_css.write_text(record["css"], encoding="utf-8")
    return {tuple(item): markup for item, markup in zip(record["items"], record["html"], strict=True)}


def prerender_math(outdir: Path, pages: dict[Path, str]) -> bool:
    """Typeset the math of ``pages`` at build time; False (pages untouched) if no node."""
    items: list[tuple[str, bool]] = []
    seen: set[tuple[str, bool]] = set()
    for text in pages.values():
        for m in MATH_ELEMENT.finditer(text):
            for piece in math_pieces(m.group("body")):
                if piece not in seen:
                    seen.add(piece)
                    items.append(piece)
    if not items:
        return True
    rendered = render_pieces(outdir, items)
    if rendered is None:
        return False

    def typeset(m: re.Match) -> str:
        body = m.group("body")
        eqno = EQNO.match(body)
        prefix = eqno.group(1) if eqno else ""
        rest = body[len(eqno.group(0)):] if eqno else body

        def one(piece: re.Match) -> str:
            (tex, display), = math_pieces(piece.group(0))
            return rendered[(tex, display)]

        return (f'<{m.group("tag")} class="{m.group("cls")}"{m.group("attrs")}>'
                f'{prefix}{DELIMITED.sub(one, rest)}</{m.group("tag")}>')

    for path, text in pages.items():
        if not MATH_ELEMENT.search(text):
            continue
        root = "../" * (len(path.relative_to(outdir).parts) - 1)
        text = MATH_ELEMENT.sub(typeset, text)
        text = re.sub(r'\s*<script>window\.MathJax = .*?</script>', "", text)
        text = re.sub(r'\s*<script[^>]*src="[^"]*mathjax/tex-chtml\.js[^"]*"[^>]*></script>', "", text)
        link = f'<link rel="stylesheet" type="text/css" href="{root}_static/mathjax-chtml.css" />'
        text = text.replace("</head>", f"  {link}\n  </head>", 1)
        pages[path] = text
    return True


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


def subset_icon_fonts(outdir: Path, pages: dict[Path, str]) -> None:
    """Cut the Font Awesome web fonts down to the icons the site shows; write icons.css."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    static = outdir / "_static"
    css_path = static / "styles" / "pydata-sphinx-theme.css"
    webfonts = static / "vendor" / "fontawesome" / "webfonts"
    if not css_path.is_file() or not webfonts.is_dir():
        return
    css = css_path.read_text(encoding="utf-8")
    codepoints: dict[str, int] = {}
    for selectors, code in re.findall(r'([^{}]+)\{content:"\\(f[0-9a-f]{3})"\}', css):
        for name in re.findall(r"\.fa-([a-z0-9-]+):(?:before|after)", selectors):
            codepoints[name] = int(code, 16)
    texts = list(pages.values()) + [p.read_text(encoding="utf-8", errors="ignore")
                                    for p in static.rglob("*.js") if p.name != "fontawesome.js"]
    names = {n for t in texts for n in re.findall(r"fa-([a-z0-9-]+)", t)}
    used = {codepoints[n] for n in names if n in codepoints}
    # icons the stylesheets draw themselves (admonitions, dropdowns, external links): the
    # theme writes them as private-use characters, sphinx-book-theme as escapes
    icon_rule = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)(\{content:"[^"]*"\})')
    styles = icon_rule.sub("", css) + "".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in static.rglob("*.css") if p != css_path)
    used |= {ord(c) for c in styles if 0xE000 <= ord(c) <= 0xF8FF}
    used |= {int(code, 16) for code in re.findall(r"\\([ef][0-9a-f]{3})\b", styles)}

    # the theme's stylesheet carries a rule for each of ~1900 icons: keep the used ones
    def keep_used(rule: re.Match) -> str:
        selectors = [sel for sel in rule.group(1).split(",")
                     if re.match(r"\.fa-([a-z0-9-]+):", sel).group(1) in names]
        return ",".join(selectors) + rule.group(2) if selectors else ""

    css_path.write_text(icon_rule.sub(keep_used, css), encoding="utf-8")
    rules = []
    for stem, family, weight in [("fa-solid-900", "Font Awesome 6 Free", 900),
                                 ("fa-regular-400", "Font Awesome 6 Free", 400),
                                 ("fa-brands-400", "Font Awesome 6 Brands", 400)]:
        source = webfonts / f"{stem}.ttf"
        if not source.is_file():
            continue
        font = TTFont(source, recalcTimestamp=False)  # the same bytes from every build
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(used))
        subsetter.subset(font)
        target = webfonts / f"{stem}-book.woff"
        font.flavor = "woff"
        font.save(target)
        rules.append(
            f'@font-face{{font-family:"{family}";font-style:normal;font-weight:{weight};'
            f'font-display:block;src:url(../vendor/fontawesome/webfonts/{target.name}) format("woff")}}'
        )
    if not rules:  # the full fonts are gone already: keep the cut-down ones
        return
    header = "/* Font Awesome cut down to the icons this site uses (_ext/book_site.py). */\n"
    (static / "styles" / "icons.css").write_text(header + "\n".join(rules) + "\n", encoding="utf-8")
    # what no page loads any more: the full fonts, fontawesome.js, the source maps
    for stale in {*webfonts.glob("fa-*-[0-9][0-9][0-9].*"), *static.glob("scripts/fontawesome.js*"),
                  *static.rglob("*.js.map"), *static.rglob("*.css.map")}:
        stale.unlink(missing_ok=True)


PAGE_404 = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <meta name="description"
        content="This page does not exist; the table of contents of {book} leads to every chapter.">
  <title>Page not found · {book}</title>
  <link rel="icon" href="/_static/favicon.svg" data-root-path="_static/favicon.svg">
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem;
           line-height: 1.6; color: #222; background: #fff; }}
    a {{ color: #0b5d6b; }}
    @media (prefers-color-scheme: dark) {{
      body {{ color: #ddd; background: #14181e; }} a {{ color: #7fd3e2; }} }}
    h1 {{ font-weight: 500; }}
    nav p.caption {{ font-weight: 600; margin: 1rem 0 0.2rem; }}
    nav ul {{ margin: 0; padding-left: 1.2rem; }}
    nav ul.bd-sidenav__home-link {{ display: none; }}
    form {{ margin: 1rem 0; }} input {{ font: inherit; padding: 0.2rem 0.4rem; }}
  </style>
</head>
<body>
  <main>
  <h1>Page not found</h1>
  <p>The gradient of this page with respect to everything is zero: there is nothing here.
     The page may have moved when the chapters were renumbered.</p>
  <p><a id="home" href="/{root_doc}.html" data-root-path="{root_doc}.html">Go to the start of the book</a>,
     <a id="search" href="/search.html" data-root-path="search.html">search the book</a>,
     or pick a chapter below.</p>
  <form id="search-form" action="/search.html" data-root-path="search.html" method="get" role="search">
    <label for="q">Search the book</label>
    <input id="q" type="search" name="q">
    <button type="submit">Search</button>
  </form>
  <nav aria-label="Chapters">
{nav}
  </nav>
  </main>
  <script>
  // The server shows this page at whatever address was asked for, at any depth. The
  // site's root is the part of the address before the last of the site's own folders
  // ({folders}); an address with none of them is a page missing from the root itself.
  (function () {{
    var folders = {folders_json};
    var parts = location.pathname.split("/").slice(0, -1);
    var cut = parts.length;
    for (var i = parts.length - 1; i >= 0; i--) {{
      if (folders.indexOf(parts[i]) >= 0) {{ cut = i; break; }}
    }}
    var root = parts.slice(0, cut).join("/") + "/";
    document.documentElement.dataset.root = root;
    document.querySelectorAll("[data-root-path]").forEach(function (el) {{
      var attr = el.tagName === "FORM" ? "action" : "href";
      el.setAttribute(attr, root + el.getAttribute("data-root-path"));
    }});
  }})();
  </script>
</body>
</html>
"""


def write_404(app: Sphinx, outdir: Path, pages: dict[Path, str]) -> None:
    """A 404 page whose links work wherever the server shows it."""
    root_page = pages.get(outdir / f"{app.config.root_doc}.html", "")
    found = re.search(r'<div class="bd-toc-item navbar-nav[^"]*">(.*?)</div>\s*</nav>', root_page, re.S)
    nav = found.group(1) if found else ""
    nav = re.sub(r'href="(?!#|[a-z]+:)([^"]+)"', r'href="/\1" data-root-path="\1"', nav)
    home = app.config.root_doc + ".html"
    nav = nav.replace('href="#"', f'href="/{home}" data-root-path="{home}"')
    nav = nav.replace(' current active', '')
    book = htmllib.escape(app.config.html_title or app.config.project)
    folders = sorted({p.relative_to(outdir).parts[0] for p in pages if len(p.relative_to(outdir).parts) > 1}
                     | {"_static", "_images", "_sources"})
    (outdir / "404.html").write_text(
        PAGE_404.format(book=book, root_doc=app.config.root_doc, nav=nav,
                        folders=", ".join(folders), folders_json=json.dumps(folders)),
        encoding="utf-8")


def top_level_blocks(css: str):
    """The top-level rules and at-rules of a stylesheet, in order."""
    depth, start = 0, 0
    for i, ch in enumerate(css):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                yield css[start:i + 1]
                start = i + 1
    if start < len(css):
        yield css[start:]


def drop_unmatchable_rules(outdir: Path, pages: dict[Path, str]) -> None:
    """Drop the theme's top-level style rules that cannot match anything on this site.

    A selector that needs a class which no page and no script of the site ever names
    (Bootstrap's utilities and components the book does not use) matches nothing. At-rules
    (@media, @font-face ...) are kept whole.
    """
    css_path = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    if not css_path.is_file():
        return
    scripts = [p.read_text(encoding="utf-8", errors="ignore") for p in (outdir / "_static").rglob("*.js")
               if p.name != "fontawesome.js"]
    tokens = set(re.findall(r"[A-Za-z0-9_-]+", "".join([*pages.values(), *scripts])))

    def can_match(selector: str) -> bool:
        return all(name in tokens for name in re.findall(r"\.([A-Za-z0-9_-]+)", selector))

    kept = []
    for block in top_level_blocks(css_path.read_text(encoding="utf-8")):
        head = block.split("{", 1)[0].strip()
        if head.startswith("@") or "{" not in block or any(can_match(s) for s in head.split(",")):
            kept.append(block)
    css_path.write_text("".join(kept), encoding="utf-8")


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
        text = FA_COMMENT.sub("", FA_SCRIPT.sub("", text))
        if path.name != "search.html":
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
        pages[path] = text
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
    app.add_config_value("book_description", "", "html")
    app.connect("config-inited", drop_thebe)
    # after sphinxcontrib-bibtex has registered its own directive of that name
    app.connect("builder-inited", lambda app: app.add_directive(
        "footbibliography", chapter_references_directive(), override=True))
    register_authoryear_style()
    app.connect("builder-inited", lambda app: setattr(app, "book_site_written", set()))
    app.connect("html-page-context", add_meta)
    app.connect("html-page-context", note_written)
    app.connect("build-finished", finish_site)
    # _static/site.css and _static/site.js: Jupyter Book links every .css and .js of _static
    return {"parallel_read_safe": True, "parallel_write_safe": True}
