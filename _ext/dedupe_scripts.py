"""Remove repeated ``<script>`` lines from the ``<head>`` of every built page.

Under Jupyter Book 1.0.4 with Sphinx 7.4, scripts that extensions register after the
builder starts (sphinx-thebe's inline configuration, sphinx-togglebutton's selector)
are emitted twice per page, and the second ``const THEBE_JS_URL = ...`` is a console
error ("Identifier has already been declared"). The duplicates are appended after every
``html-page-context`` handler could see them, so they are dropped from the written HTML.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx


def dedupe_head(html: str) -> str:
    """Return ``html`` with each ``<script ...>`` line of its head kept once, in order."""
    head, sep, body = html.partition("</head>")
    seen: set[str] = set()
    kept = []
    for line in head.splitlines(keepends=True):
        key = line.strip()
        if key.startswith("<script") and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return "".join(kept) + sep + body


def dedupe_site(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        fixed = dedupe_head(html)
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", dedupe_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
