"""One stylesheet per page, not a dozen.

Each page's head links a dozen small stylesheets of the themes and extensions (one of
them, the theme's, imports another), and every one blocks the first paint: on a phone's
connection, as Lighthouse measures it, they cost a chapter about a second of its first
paint. After the build, each page's local stylesheets are joined, in their order, into
one file ``_static/bundle-<hash>.css`` (imports inlined, every ``url()`` rewritten for
its new place, font faces whose files the site does not ship left out), shared by the
pages that link the same set. The link keeps the list of
what it holds (``data-bundle``), so that every build joins every page's stylesheets
again from the files as this build wrote them: an incremental build gives the same
bundles as a build from scratch, and a bundle no page links any more is deleted.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import urlparse

from sphinx.application import Sphinx

LINK = re.compile(r'[ \t]*<link(?=[^>]*\brel="stylesheet")(?=[^>]*\bhref="([^"]+)")[^>]*>\n?')
BUNDLE = re.compile(r'<link rel="stylesheet" href="[^"]*_static/bundle-[0-9a-f]+\.css" '
                    r'data-bundle="([^"]*)" />')
IMPORT = re.compile(r'@import\s+(?:url\()?\s*["\']?([^"\')\s]+)["\']?\s*\)?\s*;')
URL = re.compile(r'url\(\s*(["\']?)([^"\')]+)\1\s*\)')
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")


def joined(static: Path, files: list[str]) -> str:
    """The stylesheets ``files`` (paths below _static) as one, for a file in _static."""

    def text(path: Path, seen: set[Path]) -> str:
        css = path.read_text(encoding="utf-8")

        def inline(m: re.Match) -> str:
            target = (path.parent / m.group(1)).resolve()
            if target in seen or not target.is_file():
                return ""
            seen.add(target)
            return text(target, seen)

        def moved(m: re.Match) -> str:
            ref = m.group(2)
            if ref.startswith(("data:", "http:", "https:", "//", "#", "/")):
                return m.group(0)
            bare = re.split(r"[?#]", ref, maxsplit=1)[0]
            target = (path.parent / bare).resolve()
            return f'url("{posixpath.relpath(target.as_posix(), static.as_posix())}{ref[len(bare):]}")'

        # the imported files' url()s are their own: inline them after moving this one's
        imports = []

        def hold(m: re.Match) -> str:
            imports.append(m)
            return f"\0{len(imports) - 1}\0"

        css = URL.sub(moved, IMPORT.sub(hold, css))
        return re.sub(r"\0(\d+)\0", lambda m: inline(imports[int(m.group(1))]), css)

    css = "".join(f"/* {name} */\n{text((static / name).resolve(), set())}\n" for name in files)

    def shipped(rule: re.Match) -> str:
        """A font face whose files the site does not ship (the full Font Awesome fonts,
        cut down by _ext/icon_fonts.py) is left out."""
        refs = [ref for _, ref in URL.findall(rule.group(0)) if not ref.startswith(("data:", "http"))]
        gone = refs and not any((static / re.split(r"[?#]", ref, maxsplit=1)[0]).is_file() for ref in refs)
        return "" if gone else rule.group(0)

    return FONT_FACE.sub(shipped, css)


def local_stylesheets(page: Path, static: Path, head: str) -> list[tuple[re.Match, str]]:
    """The head's links to stylesheets of _static (no media query), as (match, path)."""
    found = []
    for m in LINK.finditer(head):
        href = urlparse(m.group(1))
        if href.scheme or href.netloc or href.path.startswith("/") or "media=" in m.group(0):
            continue
        target = (page.parent / href.path).resolve()
        if target.is_file() and static.resolve() in target.parents:
            found.append((m, target.relative_to(static.resolve()).as_posix()))
    return found


def cut(head: str, links: list[re.Match]) -> str:
    """``head`` without ``links``; a NUL marks where the first one stood."""
    kept, at = [], 0
    for number, m in enumerate(links):
        kept += [head[at:m.start()], "" if number else "\0"]
        at = m.end()
    return "".join(kept) + head[at:]


def bundle_site(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    made: dict[tuple[str, ...], str] = {}
    for page in sorted(outdir.rglob("*.html")):
        parts = page.relative_to(outdir).parts
        if parts[0] == "_static" or page.name == "404.html":  # 404: root-relative links
            continue
        html = page.read_text(encoding="utf-8")
        head, sep, body = html.partition("</head>")
        bundled = BUNDLE.search(head)
        if bundled:
            files = bundled.group(1).split()
        else:
            links = local_stylesheets(page, static, head)
            if len(links) < 2:
                continue
            files = [name for _, name in links]
            head = cut(head, [m for m, _ in links])
        key = tuple(files)
        if key not in made:
            text = joined(static, files)
            made[key] = f"bundle-{hashlib.sha256(text.encode()).hexdigest()[:12]}.css"
            target = static / made[key]
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
        root = "../" * (len(parts) - 1)
        link = f'<link rel="stylesheet" href="{root}_static/{made[key]}" data-bundle="{" ".join(files)}" />'
        if bundled:
            head = head[:bundled.start()] + link + head[bundled.end():]
        else:
            head = head.replace("\0", f"  {link}\n", 1)
        if head + sep + body != html:
            page.write_text(head + sep + body, encoding="utf-8")
    used = set(made.values())
    for old in static.glob("bundle-*.css"):
        if old.name not in used:
            old.unlink()


def setup(app: Sphinx) -> dict:
    # after the finishing touches that write and cut down the stylesheets (book_site and the modules it runs)
    app.connect("build-finished", bundle_site, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
