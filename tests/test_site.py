"""The built site: links and anchors resolve, buttons point at the right notebooks, the
repository address is written in one place, a 404 page exists, and the pages stay light."""

import json
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


def test_every_internal_link_and_anchor_resolves(build_log):
    # _static/ holds the themes' Jinja macro fragments, not pages
    pages = {p: parse(p) for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts}
    broken = []
    for page, links in pages.items():
        for link in links.links:
            url = urlparse(link)
            if url.scheme or link.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)}: {link}")
            elif url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page.relative_to(HTML)}: #{url.fragment} missing in {target.name}")
    assert broken == [], "\n".join(broken[:30])


@pytest.mark.parametrize("doc", [d for d in toc_pages() if d.startswith("chapters/")])
def test_launch_and_download_buttons_point_at_this_notebook(build_log, doc):
    html = (HTML / f"{doc}.html").read_text()
    owner_repo = urlparse(REPOSITORY).path.strip("/")
    binder = re.findall(r'href="(https://mybinder\.org/[^"]+)"', html)
    colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html)
    assert binder and all(f"/gh/{owner_repo}/" in u and u.endswith(f"{doc}.ipynb") for u in binder)
    assert colab and all(f"/github/{owner_repo}/blob/" in u and u.endswith(f"{doc}.ipynb") for u in colab)
    downloads = re.findall(r'href="([^"]+\.ipynb)"', html)
    assert any((HTML / doc).parent.joinpath(d).resolve().is_file() for d in downloads), downloads


@pytest.mark.parametrize("path", sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_install_from_the_configured_repository(path):
    """The address lives in _config.yml; each notebook's setup cell must say the same."""
    first_code = next(c for c in nbformat.read(path, 4).cells if c.cell_type == "code")
    assert f'REPOSITORY = "{REPOSITORY}"' in first_code.source
    assert "BACKPROP_SOURCE" in first_code.source and "%pip install" in first_code.source


def test_there_is_a_404_page(build_log):
    page = HTML / "404.html"
    assert page.is_file()
    assert 'href="index.html"' in page.read_text()


def test_site_weight_is_reported_and_within_budget(build_log):
    files = [p for p in HTML.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    weights = {}
    for doc in toc_pages():
        page = HTML / f"{doc}.html"
        images = {(page.parent / s).resolve() for s in parse(page).links if s.endswith((".png", ".svg"))}
        weights[doc] = page.stat().st_size + sum(i.stat().st_size for i in images if i.is_file())
    heaviest = max(weights, key=weights.get)
    mathjax = sum(p.stat().st_size for p in (HTML / "_static" / "mathjax").rglob("*") if p.is_file())
    report = {"site_bytes": total, "files": len(files), "mathjax_bytes": mathjax,
              "heaviest_page": heaviest, "heaviest_page_bytes": weights[heaviest], "pages": weights}
    (HTML.parent / "site-weight.json").write_text(json.dumps(report, indent=2))
    print(f"site: {total:,} bytes in {len(files)} files (MathJax {mathjax:,}); "
          f"heaviest page {heaviest}: {weights[heaviest]:,} bytes")
    assert total < SITE_BUDGET and weights[heaviest] < PAGE_BUDGET


def test_errata_link_to_the_cells_that_show_each_error(build_log):
    """Every row of the errata table links to an anchor in a chapter page."""
    errata = (HTML / "pages" / "errata.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", errata, flags=re.S)[1:]  # skip the header
    assert len(rows) >= 8
    for row in rows:
        links = re.findall(r'href="(\.\./chapters/[^"#]+\.html#[^"]+)"', row)
        assert links, f"an erratum without a link to its demonstration: {row[:200]}"


def test_citations_link_to_the_bibliography(build_log):
    for doc in [d for d in toc_pages() if d.startswith("chapters/")]:
        html = (HTML / f"{doc}.html").read_text()
        assert re.search(r'href="\.\./pages/bibliography\.html#[^"]+"', html), doc
