"""Lighter figures on the site: a chapter's PNG figures stored with a palette of 256 colours.

matplotlib writes full-colour PNGs; a plot has few colours (its lines, their antialiased
edges, white), and a palette of 256 holds them with no visible change. After each HTML
build every PNG in ``_images`` of more than 40 kB is re-encoded so when that makes it at
least a fifth smaller and the picture stays what it was: no pixel moves by more than 24
of 255 in any channel, the mean change stays below 1, and pure white stays pure white
(the figures' white plate, which dark mode relies on). The notebooks keep their own
figures (nbval compares them); only the site's copies change. Deterministic, so an
incremental build and one from scratch write the same files.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
from sphinx.application import Sphinx

LARGE = 40_000  # bytes: smaller figures are left as they are
GAIN = 0.8  # keep the palette version only if it is at most this fraction of the size


def lighter(data: bytes) -> bytes | None:
    """The figure with a 256-colour palette, or None when that would not do."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if image.mode not in ("RGB", "RGBA"):
        return None
    rgb = image.convert("RGB")
    if image.mode == "RGBA" and np.asarray(image)[..., 3].min() < 255:
        return None  # transparency: leave it to the original
    palette = rgb.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    before, after = np.asarray(rgb, dtype=np.int16), np.asarray(palette.convert("RGB"), dtype=np.int16)
    change = np.abs(after - before)
    white = (before == 255).all(axis=2)
    if change.max() > 24 or change.mean() >= 1 or not (after[white] == 255).all():
        return None
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if len(smaller) <= GAIN * len(data) else None


def lighten_images(app: Sphinx, exception: Exception | None) -> None:
    """Re-encode the build's large figures; each result is kept in ``_build/.lighter-images``
    under the hash of the original, so a build does this work only for new figures."""
    if exception is not None or app.builder.format != "html":
        return
    cache = Path(app.srcdir) / "_build" / ".lighter-images"
    cache.mkdir(parents=True, exist_ok=True)
    for path in sorted((Path(app.outdir) / "_images").glob("*.png")):
        data = path.read_bytes()
        if len(data) <= LARGE:
            continue
        known = cache / f"{hashlib.sha256(data).hexdigest()}.png"
        if not known.exists():  # an empty file: the figure stays as it is
            known.write_bytes(lighter(data) or b"")
        smaller = known.read_bytes()
        if smaller:
            path.write_bytes(smaller)


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", lighten_images, priority=850)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
