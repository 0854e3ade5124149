"""The built site: links and anchors resolve, buttons point at the right notebooks, the
repository address is written in one place, a 404 page exists, the pages stay light,
chapters and equations are numbered like a textbook, each chapter lists its references,
every page has a description, and the licences and citation file are in place.

``BOOK_SITE_HTML=/path/to/html`` checks an already built site instead of building one."""

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
import yaml
from conftest import HTML, ROOT, toc_pages

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"]
SITE_BUDGET = 20_000_000  # bytes: the whole site, MathJax included
PAGE_BUDGET = 2_000_000  # bytes: one page with its own images
CHAPTERS = [d for d in toc_pages() if d.startswith("chapters/")]


@pytest.fixture(scope="module")
def site_html(request) -> Path:
    """The built site's directory (building it unless BOOK_SITE_HTML names one)."""
    prebuilt = os.environ.get("BOOK_SITE_HTML")
    if prebuilt:
        return Path(prebuilt)
    request.getfixturevalue("build_log")
    return HTML


class Links(HTMLParser):
    """Collect the hrefs/srcs and the ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_every_internal_link_and_anchor_resolves(site_html):
    # _static/ holds the themes' Jinja macro fragments, not pages
    pages = {p: parse(p) for p in site_html.rglob("*.html")
             if "_static" not in p.relative_to(site_html).parts}
    broken = []
    for page, links in pages.items():
        for link in links.links:
            url = urlparse(link)
            if url.scheme or link.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            if url.path.startswith("/"):  # from the site's root (the 404 page)
                target = (site_html / unquote(url.path).lstrip("/")).resolve()
            else:
                target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site_html)}: {link}")
            elif url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page.relative_to(site_html)}: #{url.fragment} missing in {target.name}")
    assert broken == [], "\n".join(broken[:30])


@pytest.mark.parametrize("doc", [d for d in toc_pages() if d.startswith("chapters/")])
def test_launch_and_download_buttons_point_at_this_notebook(site_html, doc):
    html = (site_html / f"{doc}.html").read_text()
    owner_repo = urlparse(REPOSITORY).path.strip("/")
    binder = re.findall(r'href="(https://mybinder\.org/[^"]+)"', html)
    colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html)
    assert binder and all(f"/gh/{owner_repo}/" in u and u.endswith(f"{doc}.ipynb") for u in binder)
    assert colab and all(f"/github/{owner_repo}/blob/" in u and u.endswith(f"{doc}.ipynb") for u in colab)
    downloads = re.findall(r'href="([^"]+\.ipynb)"', html)
    assert any((site_html / doc).parent.joinpath(d).resolve().is_file() for d in downloads), downloads


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_install_from_the_configured_repository(path):
    """The address lives in _config.yml; each notebook's setup cell must say the same."""
    first_code = next(c for c in nbformat.read(path, 4).cells if c.cell_type == "code")
    assert f'REPOSITORY = "{REPOSITORY}"' in first_code.source
    assert "BACKPROP_SOURCE" in first_code.source and "%pip install" in first_code.source


def test_the_404_page_links_from_the_site_root(site_html):
    """Shown at any depth, the 404 page must not use links relative to where it is
    (``index.html`` from /chapters/x/ is another 404): they start from the root, and
    its script points them at the deepest prefix that holds the site."""
    page = (site_html / "404.html").read_text()
    hrefs = re.findall(r'(?:href|action)="([^"]+)"', page)
    assert hrefs
    relative = [h for h in hrefs if not h.startswith(("/", "#", "http:", "https:"))]
    assert relative == [], relative
    assert 'id="search"' in page and 'action="/search.html"' in page
    for doc in toc_pages():
        assert f'href="/{doc}.html"' in page, f"the 404 page does not list {doc}"


def test_site_weight_is_reported_and_within_budget(site_html):
    # the print edition, which `make pdf` adds to the site, is a download of its own
    files = [p for p in site_html.rglob("*") if p.is_file() and p.name != "backprop-course.pdf"]
    total = sum(p.stat().st_size for p in files)
    weights = {}
    for doc in toc_pages():
        page = site_html / f"{doc}.html"
        images = {(page.parent / s).resolve() for s in parse(page).links if s.endswith((".png", ".svg"))}
        weights[doc] = page.stat().st_size + sum(i.stat().st_size for i in images if i.is_file())
    heaviest = max(weights, key=weights.get)
    mathjax = sum(p.stat().st_size for p in (site_html / "_static" / "mathjax").rglob("*") if p.is_file())
    report = {"site_bytes": total, "files": len(files), "mathjax_bytes": mathjax,
              "heaviest_page": heaviest, "heaviest_page_bytes": weights[heaviest], "pages": weights}
    (site_html.parent / "site-weight.json").write_text(json.dumps(report, indent=2))
    print(f"site: {total:,} bytes in {len(files)} files (MathJax {mathjax:,}); "
          f"heaviest page {heaviest}: {weights[heaviest]:,} bytes")
    assert total < SITE_BUDGET and weights[heaviest] < PAGE_BUDGET


def test_errata_link_to_the_cells_that_show_each_error(site_html):
    """Every row of the errata table links to an anchor in a chapter page."""
    errata = (site_html / "pages" / "errata.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", errata, flags=re.S)[1:]  # skip the header
    assert len(rows) >= 8
    for row in rows:
        links = re.findall(r'href="(\.\./chapters/[^"#]+\.html#[^"]+)"', row)
        assert links, f"an erratum without a link to its demonstration: {row[:200]}"


def test_each_chapter_ends_with_the_works_it_cites(site_html):
    """The References section of a chapter lists exactly the works the chapter cites,
    and each citation links to its entry there; the bibliography page lists them all."""
    bibliography = (site_html / "pages" / "bibliography.html").read_text()
    everything = set(re.findall(r'<div class="citation" id="[^"]+" role="listitem">\s*'
                                r'<span class="label">.*?>([^<>]+)</a>', bibliography, flags=re.S))
    assert len(everything) >= 15, everything
    for doc in CHAPTERS:
        html = (site_html / f"{doc}.html").read_text()
        references = html[html.rindex('id="references"'):]
        listed = re.findall(r'<div class="citation" id="([^"]+)"', references)
        assert listed, f"{doc}: the References section is empty"
        cited = set(re.findall(r'class="bibtex-citation"[^>]*>.*?<a class="reference internal" '
                               r'href="#([^"]+)"', html, flags=re.S))
        assert cited, (
            f"{doc} cites nothing: cite at least one work of references.bib in the text, "
            "e.g. {cite:p}`nielsen2015`, and end the chapter with a References section "
            "holding ```{footbibliography}``` (README, Contributing)")
        assert cited <= set(listed), (
            f"{doc}: citations missing from its References section: {sorted(cited - set(listed))}"
            "; cite with {cite:p}/{cite:t} and keep ```{footbibliography}``` at the end")
        assert len(listed) == len(set(listed)), f"{doc}: a work listed twice in References"


def test_citations_and_reference_lists_use_one_style(site_html):
    """Author-year in the text ([Mohan, 2024]) and the same label in the lists."""
    for doc in [*CHAPTERS, "pages/bibliography"]:
        html = (site_html / f"{doc}.html").read_text()
        labels = re.findall(r'<span class="label"><span class="fn-bracket">\[</span>'
                            r'(?:<a[^>]*>)?([^<]+)', html)
        assert labels, doc
        numeric = [label for label in labels if re.fullmatch(r"\d+", label)]
        assert numeric == [], f"{doc}: numbered entries {numeric}"
        assert all(re.search(r", (\d{4}[a-z]?|n\.d\.)$", label) for label in labels), labels
        in_text = re.findall(r'class="bibtex-citation"[^>]*>\[?<a[^>]*>([^<]+)</a>', html)
        assert all(text in labels or re.search(r"\d{4}", text) for text in in_text), in_text


def test_web_sources_in_the_bibliography_have_an_address_and_an_author():
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "references.bib")).entries
    for key, entry in entries.items():
        assert entry.persons.get("author"), f"{key}: no author"
        if entry.type == "misc" and "doi" not in entry.fields:
            # a web source has its address, or says in its note that none is known
            unknown = "web address unknown" in entry.fields.get("note", "").lower()
            assert "url" in entry.fields or unknown, (
                f"{key}: a web source needs its url (or a note 'Web address unknown: why')"
            )
            assert not (unknown and "url" in entry.fields), f"{key}: an address said to be unknown"
        text = " ".join(entry.fields.values()).lower()
        assert "seed" not in text, f"{key}: the book never calls a source a 'seed'"


def test_chapters_and_equations_are_numbered_like_a_textbook(site_html):
    """Chapters numbered 1, 2, ... across the parts of the table of contents; reference
    pages unnumbered; equations, figures and exercises numbered per chapter: (6.2)."""
    intro = (site_html / "intro.html").read_text()
    sidebar = intro[intro.index("bd-docs-nav"):]
    titles = dict(re.findall(r'<a class="reference internal" href="([^"]+)\.html">([^<]+)</a>', sidebar))
    for number, doc in enumerate(CHAPTERS, start=1):
        assert titles[doc].startswith(f"{number}. "), (doc, titles[doc])
    for doc in [d for d in toc_pages() if d.startswith("pages/")]:
        assert not re.match(r"\d", titles[doc]), f"{doc} is numbered: {titles[doc]}"
    for number, doc in enumerate(CHAPTERS, start=1):
        html = (site_html / f"{doc}.html").read_text()
        numbers = re.findall(r'<span class="eqno">\(([^)]+)\)', html)
        numbers += re.findall(r'<span class="caption-number">(?:Fig\. )?([\d.]+)', html)
        numbers += re.findall(r'<span class="caption-number">Exercise ([\d.]+)', html)
        wrong = [n for n in numbers if not n.startswith(f"{number}.")]
        assert wrong == [], f"{doc}: numbers not of chapter {number}: {wrong[:5]}"


def test_every_page_has_a_description_and_social_tags(site_html):
    for doc in toc_pages():
        html = (site_html / f"{doc}.html").read_text()
        head = html[: html.index("</head>")]
        description = re.search(r'<meta name="description" content="([^"]+)"', head)
        assert description and 50 <= len(description.group(1)) <= 160, (doc, description)
        for tag in ("og:title", "og:description", "og:type", "og:site_name"):
            assert f'property="{tag}"' in head, (doc, tag)
        assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', head), doc
        assert "thebe" not in html.lower(), f"{doc}: thebe is still configured"
        assert 'binder-examples' not in html


def test_every_chapter_has_an_edit_link(site_html):
    owner_repo = urlparse(REPOSITORY).path.strip("/")
    for doc in CHAPTERS:
        html = (site_html / f"{doc}.html").read_text()
        assert re.search(rf'href="https://github\.com/{owner_repo}/edit/[^"]+/{doc}\.ipynb"', html), doc


def test_the_licences_and_the_citation_file():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "Attribution-ShareAlike 4.0 International" in (ROOT / "LICENSE-text").read_text()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff[key], key
    assert cff["repository-code"] == REPOSITORY
    assert set(cff["license"]) == {"MIT", "CC-BY-SA-4.0"}
    intro = (ROOT / "intro.md").read_text()
    assert "CC BY-SA 4.0" in intro and "MIT" in intro and "CITATION.cff" in intro
    footer = CONFIG["html"]["extra_footer"]
    assert "CC BY-SA 4.0" in footer and "MIT" in footer


def test_each_page_loads_one_stylesheet_of_its_own_and_its_urls_resolve(site_html):
    """_ext/bundle_css.py: a page's stylesheets are joined into one, whose fonts and
    images are found where its url()s point."""
    bundles = set()
    for doc in toc_pages():
        html = (site_html / f"{doc}.html").read_text()
        head = html.partition("</head>")[0]
        sheets = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"|'
                            r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', head)
        local = [a or b for a, b in sheets if not (a or b).startswith(("http:", "https:", "/"))]
        assert len(local) == 1 and "_static/bundle-" in local[0], (doc, local)
        bundles.add((site_html / doc).parent.joinpath(local[0]).resolve())
    for bundle in bundles:
        text = bundle.read_text()
        refs = {r for r in re.findall(r'url\("?([^")]+)"?\)', text)
                if not r.startswith(("data:", "http:", "https:", "#"))}
        missing = sorted(r for r in refs if not (bundle.parent / r.split("?")[0].split("#")[0]).is_file())
        assert refs and missing == [], f"{bundle.name}: url()s that lead nowhere: {missing[:5]}"
        assert "@import" not in text, f"{bundle.name} still imports a stylesheet"
