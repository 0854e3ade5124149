"""_ext/lighter_images.py: a figure gets a palette only when nothing visible changes."""

import io
import sys

import numpy as np
from conftest import ROOT
from PIL import Image

sys.path.insert(0, str(ROOT / "_ext"))
from lighter_images import lighter


def png(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def test_a_plot_gets_a_palette_and_keeps_its_white():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for k in range(1):  # one curve: crossing curves blend colours a palette may lose
        ax.plot(np.sin(np.linspace(0, 6, 200) + k), lw=2)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, facecolor="white")
    plt.close(fig)
    original = buffer.getvalue()
    smaller = lighter(original)
    assert smaller is not None and len(smaller) <= 0.8 * len(original)
    before = np.asarray(Image.open(io.BytesIO(original)).convert("RGB"), dtype=int)
    after = np.asarray(Image.open(io.BytesIO(smaller)).convert("RGB"), dtype=int)
    assert np.abs(after - before).max() <= 24
    white = (before == 255).all(axis=2)
    assert white.any() and (after[white] == 255).all()


def test_a_picture_of_many_colours_is_left_alone():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(200, 200, 3))
    assert lighter(png(noise)) is None


def test_a_transparent_figure_is_left_alone():
    rgba = np.full((100, 100, 4), 255)
    rgba[:50, :, 3] = 0
    assert lighter(png(rgba)) is None
