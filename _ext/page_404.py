"""A 404 page whose links work at any depth of the site (_ext/templates/404.html).

The server shows it at whatever address was asked for; its script finds the site's root
in that address. Run by ``book_site`` after the build.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path
from string import Template

from sphinx.application import Sphinx

TEMPLATE = Path(__file__).resolve().parent / "templates" / "404.html"


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
    page = TEMPLATE.read_text(encoding="utf-8")
    (outdir / "404.html").write_text(
        Template(page).substitute(book=book, root_doc=app.config.root_doc, nav=nav,
                                  folders=", ".join(folders), folders_json=json.dumps(folders)),
        encoding="utf-8")
