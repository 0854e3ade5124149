"""On every page, a meta description (the page's first paragraph) and Open Graph tags."""

from __future__ import annotations

import html as htmllib
import re

from sphinx.application import Sphinx


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



def setup(app: Sphinx) -> dict:
    app.add_config_value("book_description", "", "html")
    app.connect("html-page-context", add_meta)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
