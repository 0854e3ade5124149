"""Font Awesome cut down to the icons the site shows.

The 1.5 MB ``fontawesome.js`` (which swaps every icon for an inline SVG) is dropped by
``html_touches``; the theme's CSS draws the icons from its web fonts, which are cut down
here to the glyphs the site uses, with the theme's icon rules for the others. Run by
``book_site`` after the build.
"""

from __future__ import annotations

import re
from pathlib import Path


def subset_icon_fonts(outdir: Path, pages: dict[Path, str]) -> None:
    """Cut the Font Awesome web fonts down to the icons the site shows; write icons.css."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    static = outdir / "_static"
    css_path = static / "styles" / "pydata-sphinx-theme.css"
    webfonts = static / "vendor" / "fontawesome" / "webfonts"
    if not css_path.is_file() or not webfonts.is_dir():
        return
    css = css_path.read_text(encoding="utf-8")
    codepoints: dict[str, int] = {}
    for selectors, code in re.findall(r'([^{}]+)\{content:"\\(f[0-9a-f]{3})"\}', css):
        for name in re.findall(r"\.fa-([a-z0-9-]+):(?:before|after)", selectors):
            codepoints[name] = int(code, 16)
    texts = list(pages.values()) + [p.read_text(encoding="utf-8", errors="ignore")
                                    for p in static.rglob("*.js") if p.name != "fontawesome.js"]
    names = {n for t in texts for n in re.findall(r"fa-([a-z0-9-]+)", t)}
    used = {codepoints[n] for n in names if n in codepoints}
    # icons the stylesheets draw themselves (admonitions, dropdowns, external links): the
    # theme writes them as private-use characters, sphinx-book-theme as escapes
    icon_rule = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)(\{content:"[^"]*"\})')
    styles = icon_rule.sub("", css) + "".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in static.rglob("*.css") if p != css_path)
    used |= {ord(c) for c in styles if 0xE000 <= ord(c) <= 0xF8FF}
    used |= {int(code, 16) for code in re.findall(r"\\([ef][0-9a-f]{3})\b", styles)}

    # the theme's stylesheet carries a rule for each of ~1900 icons: keep the used ones
    def keep_used(rule: re.Match) -> str:
        selectors = [sel for sel in rule.group(1).split(",")
                     if re.match(r"\.fa-([a-z0-9-]+):", sel).group(1) in names]
        return ",".join(selectors) + rule.group(2) if selectors else ""

    css_path.write_text(icon_rule.sub(keep_used, css), encoding="utf-8")
    rules = []
    for stem, family, weight in [("fa-solid-900", "Font Awesome 6 Free", 900),
                                 ("fa-regular-400", "Font Awesome 6 Free", 400),
                                 ("fa-brands-400", "Font Awesome 6 Brands", 400)]:
        source = webfonts / f"{stem}.ttf"
        if not source.is_file():
            continue
        font = TTFont(source, recalcTimestamp=False)  # the same bytes from every build
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(used))
        subsetter.subset(font)
        target = webfonts / f"{stem}-book.woff"
        font.flavor = "woff"
        font.save(target)
        rules.append(
            f'@font-face{{font-family:"{family}";font-style:normal;font-weight:{weight};'
            f'font-display:block;src:url(../vendor/fontawesome/webfonts/{target.name}) format("woff")}}'
        )
    if not rules:  # the full fonts are gone already: keep the cut-down ones
        return
    header = "/* Font Awesome cut down to the icons this site uses (_ext/icon_fonts.py). */\n"
    (static / "styles" / "icons.css").write_text(header + "\n".join(rules) + "\n", encoding="utf-8")
    # what no page loads any more: the full fonts, fontawesome.js, the source maps
    for stale in {*webfonts.glob("fa-*-[0-9][0-9][0-9].*"), *static.glob("scripts/fontawesome.js*"),
                  *static.rglob("*.js.map"), *static.rglob("*.css.map")}:
        stale.unlink(missing_ok=True)
