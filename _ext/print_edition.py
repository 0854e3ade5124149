"""The print edition: what the PDF leaves out, and the PDF's link on every page of the site.

- LaTeX builder: cells tagged ``hide-cell`` (each chapter's setup cell, install logic
  that a printed page has no use for) are left out of the print; a proof's box gets
  "Proof" in its title bar (sphinx-proof leaves the bar empty and starts the body with
  "Proof. "); SVG drawings become vector PDF (rsvg-convert, Debian's librsvg2-bin).
- HTML builder: once ``make pdf`` has built the book's PDF (``PDF`` below), it is
  copied to the site's root and every page's footer links it. Whether it exists is
  part of the build environment, so every page is rewritten when that changes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms.images import ImageConverter

PDF_NAME = "backprop-course.pdf"


def _pdf(app: Sphinx) -> Path:
    return Path(app.srcdir) / "_build" / "pdf" / PDF_NAME


def drop_hidden_cells(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Remove the cells tagged ``hide-cell`` from the printed book."""
    if app.builder.format != "latex":
        return
    for node in list(doctree.findall(nodes.Element)):
        if "tag_hide-cell" in node.get("classes", []) and node.parent is not None:
            node.parent.remove(node)


def title_proofs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give each proof's box the title "Proof", as exercises and solutions have theirs."""
    if app.builder.format != "latex":
        return
    for box in list(doctree.findall(nodes.admonition)):
        if "proof" not in box.get("classes", []) or isinstance(box.children[0], nodes.title):
            continue
        first = next(box.findall(nodes.Text), None)
        if first is not None and first.astext().startswith("Proof. "):
            first.parent.replace(first, nodes.Text(first.astext()[len("Proof. "):]))
        box.insert(0, nodes.title("", "Proof"))


class SvgToPdf(ImageConverter):
    """SVG figures (the site's drawings) become vector PDF for LaTeX, by rsvg-convert."""

    default_priority = 200
    conversion_rules: ClassVar = [("image/svg+xml", "application/pdf")]

    def is_available(self) -> bool:
        return shutil.which("rsvg-convert") is not None

    def convert(self, _from: str, _to: str) -> bool:
        subprocess.run(["rsvg-convert", "-f", "pdf", "-o", _to, _from], check=True)
        return True


def pdf_state(app: Sphinx) -> str:
    pdf = _pdf(app)
    return f"{pdf.stat().st_mtime_ns}" if pdf.exists() else "absent"


def outdated_when_pdf_changes(app, env, added, changed, removed) -> list[str]:
    """Every page links the PDF (or not): rewrite them all when the PDF appears or changes."""
    state = pdf_state(app)
    if getattr(env, "print_edition_state", None) != state:
        env.print_edition_state = state
        return sorted(env.found_docs)
    return []


def link_pdf(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html" or not _pdf(app).exists():
        return
    href = context["pathto"](PDF_NAME, 1)
    link = (f'<p class="print-edition"><a href="{href}">The whole course as one PDF'
            f"</a>, for printing.</p>")
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + link


def copy_pdf(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html" and _pdf(app).exists():
        shutil.copy2(_pdf(app), Path(app.outdir) / PDF_NAME)


def setup(app: Sphinx) -> dict:
    app.add_post_transform(SvgToPdf)
    app.connect("doctree-resolved", drop_hidden_cells)
    app.connect("doctree-resolved", title_proofs)
    app.connect("env-get-outdated", outdated_when_pdf_changes)
    app.connect("html-page-context", link_pdf)
    app.connect("build-finished", copy_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
