"""Checks of the print edition, run on the built PDF by `make pdf-check` (after `make pdf`).

Not collected by `make test` (the file name does not start with test_): the PDF needs
TeX, which `make pdf` installs. Text and positions come from PyMuPDF; the boxes of
exercises, solutions and proofs are the filled rectangles LaTeX draws, so "inside its
box" is measured, not guessed from the text order.
"""

from __future__ import annotations

import base64
import io
import re
from functools import cache
from pathlib import Path

import nbformat
import pymupdf
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "_build" / "pdf" / "backprop-course.pdf"
LATEX_LOG = ROOT / "_build" / "latex" / "backprop-course.log"
SITE = ROOT / "_build" / "html"
BOX_TITLE = re.compile(r"^(Exercise|Solution to Exercise|Proof|Theorem|Lemma|Definition)\b")
# the light title bar and the frame LaTeX draws around every exercise, solution and proof
TITLE_FILL = (0.816, 0.871, 0.98)
FRAME_FILL = (0.526, 0.596, 0.608)


def _close(a, b, tol=0.01) -> bool:
    return a is not None and all(abs(x - y) < tol for x, y in zip(a, b, strict=True))


@cache
def document() -> pymupdf.Document:
    if not PDF.exists():
        pytest.fail(f"{PDF.relative_to(ROOT)} is missing: run `make pdf` first")
    return pymupdf.open(PDF)


@cache
def page_texts() -> tuple[str, ...]:
    return tuple(page.get_text() for page in document())


def chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if f.startswith("chapters/")]


def chapter_title(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    first = next(c.source for c in nb.cells if c.cell_type == "markdown")
    return next(line[2:].strip() for line in first.splitlines() if line.startswith("# "))


def plain(text: str) -> str:
    """Collapse whitespace and hyphenation, so a title broken over lines still matches."""
    return re.sub(r"\s+", " ", text.replace("-\n", "")).strip()


def test_title_page_and_page_numbers():
    doc = document()
    assert "The mathematics of backpropagation" in page_texts()[0], "no title on page 1"
    assert doc.page_count > 50, f"only {doc.page_count} pages"
    # the body pages carry a page number in their footer
    numbered = 0
    for page in doc:
        footer = [w for w in page.get_text("words") if w[1] > page.rect.height - 80]
        numbered += any(re.fullmatch(r"\d+", w[4]) for w in footer)
    assert numbered > 0.8 * doc.page_count, f"{numbered} of {doc.page_count} pages numbered"


def test_contents_lists_every_chapter_numbered():
    # the pages of the contents are the first ones with dot leaders
    contents = plain(" ".join(t for t in page_texts()[:20] if ". . . . ." in t))
    assert contents, "no table of contents in the first pages"
    for number, path in enumerate(chapters(), start=1):
        title = plain(chapter_title(path))
        assert re.search(rf"\b{number}\s+{re.escape(title)}", contents), (
            f"the contents do not list chapter {number}, {title!r}"
        )


def test_boxes_hold_their_bodies():
    """Each exercise, solution and proof title sits in a box whose body holds text."""
    empty, seen = [], 0
    for index, page in enumerate(document()):
        fills = [d for d in page.get_drawings() if d.get("fill") is not None]
        bars = [d["rect"] for d in fills if _close(d["fill"], TITLE_FILL)]
        frames = [d["rect"] for d in fills if _close(d["fill"], FRAME_FILL)]
        words = page.get_text("words")
        for bar in bars:
            title = " ".join(w[4] for w in words if pymupdf.Rect(w[:4]).intersects(bar))
            if not BOX_TITLE.match(title):
                continue
            seen += 1
            frame = max((f for f in frames if f.contains(bar) or f.intersects(bar)),
                        key=lambda f: f.height, default=None)
            body = pymupdf.Rect(bar.x0, bar.y1, bar.x1, frame.y1 if frame else bar.y1)
            inside = [w for w in words if pymupdf.Rect(w[:4]).intersects(body)]
            if not inside:
                empty.append(f"page {index + 1}: {title!r}")
    assert seen > 20, f"found only {seen} exercise, solution or proof boxes"
    assert not empty, f"boxes with no body: {empty}"


def test_no_empty_frames_at_page_breaks():
    """A box continued on the next page must not leave an empty frame behind."""
    empty = []
    for index, page in enumerate(document()):
        words = page.get_text("words")
        for d in page.get_drawings():
            fill = d.get("fill")
            if not _close(fill, FRAME_FILL) or d["rect"].height < 8:
                continue
            if not any(pymupdf.Rect(w[:4]).intersects(d["rect"]) for w in words):
                empty.append(f"page {index + 1} at y={d['rect'].y0:.0f}")
    assert not empty, f"empty frames: {empty}"


def numbered_equations(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return len(re.findall(r"\$\$\s*\(eq-[\w-]+\)|:label:\s*eq-[\w-]+", md))


def test_every_equation_with_its_number():
    text = plain(" ".join(page_texts()))
    missing = []
    for number, path in enumerate(chapters(), start=1):
        for k in range(1, numbered_equations(path) + 1):
            if f"({number}.{k})" not in text:
                missing.append(f"({number}.{k}) of {path.stem}")
    assert not missing, f"equation numbers missing from the PDF: {missing}"


def figures_in(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or "hide-cell" in cell.metadata.get("tags", []):
            continue
        if "remove-output" in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            count += any(k.startswith("image/") for k in data)
    return count


def test_every_figure_present():
    expected = sum(figures_in(p) for p in chapters())
    found = sum(len(page.get_images()) for page in document())
    assert found >= expected, f"{found} images in the PDF, {expected} figures in the chapters"


def test_every_animation_printed_as_its_still_sequence():
    """An animation (backprop.teaching.animation) offers the site its player and the print its still
    sequence, a PNG: each such PNG is in the PDF, at its own size in pixels."""
    from PIL import Image

    stills = []
    for path in chapters():
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = out.get("data", {})
                if "bp-animation" in data.get("text/html", "") and "image/png" in data:
                    png = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
                    stills.append((path.stem, png.size))
    assert len(stills) >= 2, stills
    printed = {(image[2], image[3]) for page in document() for image in page.get_images()}
    missing = [s for s in stills if s[1] not in printed]
    assert not missing, f"still sequences not in the PDF: {missing}"


def test_nothing_below_the_footer():
    """No text runs past the page's foot: the footer's line is the lowest thing on a page
    (a heading kept with a box that did not fit once pushed text under it and off the page)."""
    low = []
    for index, page in enumerate(document()):
        # the footer's line: tops 50 pt above the edge, baseline 40 pt; a subscript in a
        # section title it repeats (sigma_w) reaches a little lower. A word whose top is
        # below the footer's top is a line under the footer.
        foot_top = page.rect.height - 50
        low += [f"page {index + 1}: {w[4]!r}" for w in page.get_text("words")
                if w[1] > foot_top + 2]
    assert not low, f"text below the footer: {low[:10]}"


def test_nothing_cut_at_the_margin():
    """No text runs past the right margin, and LaTeX reports no box overfull by > 1 pt."""
    outside = []
    for index, page in enumerate(document()):
        right = page.rect.width - 36  # half an inch of the paper is always left blank
        for w in page.get_text("words"):
            if w[2] > right:
                outside.append(f"page {index + 1}: {w[4]!r}")
    assert not outside, f"text past the margin: {outside[:10]}"
    log = LATEX_LOG.read_text(errors="replace")
    overfull = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    worst = max(overfull, default=0.0)
    assert worst <= 1.0, f"{len(overfull)} overfull lines, the worst {worst} pt too wide"


@pytest.mark.parametrize(
    "phrase",
    # what the site's interface says, and the setup cell that installs the package
    ["Click to show", "Click to hide", "Show code cell", "Hide code cell",
     "Copy to clipboard", "Open in Colab", "Launch Binder", "BACKPROP_SOURCE",
     "%pip install", "importlib.util", "Press Play", "Step 1 of"],
)
def test_no_interface_text(phrase):
    pages = [i + 1 for i, t in enumerate(page_texts()) if phrase.lower() in t.lower()]
    assert not pages, f"{phrase!r} printed on pages {pages}"


def test_citations_resolved_and_bibliography():
    text = "\n".join(page_texts())
    assert "[?]" not in text and "??" not in text, "an unresolved citation or reference"
    assert re.search(r"^\s*Bibliography\s*$", text, re.M | re.I), "no bibliography"
    assert "Nielsen" in text and "Mazur" in text


def test_every_page_of_the_site_links_the_pdf():
    """After `make pdf` the site is rebuilt: each page links the PDF, and the link works."""
    assert (SITE / PDF.name).exists(), "the site does not carry the PDF"
    pages = sorted(SITE.rglob("*.html"))
    missing = []
    for page in pages:
        html = page.read_text()
        if (page.parent.name == "_static" or page.name == "404.html"
                or 'http-equiv="refresh"' in html.lower()):
            continue  # theme fragments, the missing-page page, the root's redirect
        match = re.search(r'<a href="([^"]*backprop-course\.pdf)"', html)
        if not match or not (page.parent / match.group(1)).resolve().exists():
            missing.append(str(page.relative_to(SITE)))
    assert not missing, f"pages without a working link to the PDF: {missing}"
