"""The theme's stylesheet without the rules that cannot match anything on this site.

Run by ``book_site`` after the build.
"""

from __future__ import annotations

import re
from pathlib import Path


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
