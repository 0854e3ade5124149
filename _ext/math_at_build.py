"""Math typeset once, at build time, by MathJax in Node.

The files of the sphinx-mathjax-offline wheel typeset display and inline math: the pages
carry the CHTML markup and one shared stylesheet, and no 1.2 MB MathJax script. Without
``node`` the pages keep the browser-side MathJax. Run by ``book_site`` after the build.
"""

from __future__ import annotations

import html as htmllib
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

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
