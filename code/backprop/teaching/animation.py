"""Animations that play in the static page: frames drawn from the package's numbers.

An :class:`Animation` is a sequence of :class:`Scene` frames (lines, circles, text,
polylines in a fixed box) with a caption for each step and a text alternative for the
whole. Shown in a notebook it offers three forms of itself, and each reader gets one:

* ``text/html`` for the site: every frame as a small inline SVG, in a figure with
  play/pause and step controls (the site's ``_static/site.js`` makes the player: the
  buttons and the slider work from the keyboard, arrow keys step, nothing plays by
  itself). Without the script, or for a reader who asks for reduced motion
  (``prefers-reduced-motion``), the frames stand as a still sequence;
* ``image/png`` for the print edition: the still sequence, a few frames side by side,
  drawn by matplotlib from the same scenes;
* ``text/plain``: the text alternative.

The frames sit on a white plate, as the course's figures do, so they stay legible in
dark mode. :func:`delta_flow` and :func:`descent` build the course's two animations.
"""

from __future__ import annotations

import base64
import html
import io
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._validate import as_float_array, is_int

INK = "#1a1a1a"
FORWARD = "#1f4e8c"
BACKWARD = "#b2182b"
EDGE = "#e0787f"  # the gradient on an edge: lighter than the δ it comes from
GREY = "#8a8a8a"  # lines only: as text on white it would fall below 4.5:1
LABEL = "#595959"  # text in grey: 7:1 on white
FAINT = "#d9d9d9"


def _num(x: float) -> str:
    """A coordinate as SVG takes it: two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass
class Scene:
    """One frame: primitives in a box ``width`` × ``height`` (y grows downwards)."""

    width: float
    height: float
    items: list[tuple] = field(default_factory=list)

    def line(self, x1, y1, x2, y2, colour=INK, width=1.0, opacity=1.0) -> Scene:
        self.items.append(("line", x1, y1, x2, y2, colour, width, opacity))
        return self

    def circle(self, cx, cy, r, fill="#ffffff", stroke=INK, width=1.0) -> Scene:
        self.items.append(("circle", cx, cy, r, fill, stroke, width))
        return self

    def text(self, x, y, s, size=11.0, colour=INK, anchor="middle") -> Scene:
        self.items.append(("text", x, y, str(s), size, colour, anchor))
        return self

    def polyline(self, points, colour=INK, width=1.5, dots=False) -> Scene:
        pts = [(float(x), float(y)) for x, y in points]
        self.items.append(("polyline", pts, colour, width, dots))
        return self

    def svg_body(self, prefix: str = "bp") -> str:
        """The scene as SVG elements; a dotted polyline's dots are the marker
        ``{prefix}-dot-{colour}`` (:meth:`Animation.html` defines one per colour)."""
        out = []
        for item in self.items:
            kind = item[0]
            if kind == "line":
                _, x1, y1, x2, y2, colour, width, opacity = item
                extra = f' stroke-opacity="{_num(opacity)}"' if opacity < 1 else ""
                out.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                           f'stroke="{colour}" stroke-width="{_num(width)}"{extra}/>')
            elif kind == "circle":
                _, cx, cy, r, fill, stroke, width = item
                out.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="{fill}" '
                           f'stroke="{stroke}" stroke-width="{_num(width)}"/>')
            elif kind == "text":
                _, x, y, s, size, colour, anchor = item
                out.append(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" '
                           f'fill="{colour}" text-anchor="{anchor}">{html.escape(s)}</text>')
            else:
                _, pts, colour, width, dots = item
                path = " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)
                marker = ""
                if dots:
                    url = f"url(#{prefix}-dot-{colour.lstrip('#')})"
                    marker = f' marker-start="{url}" marker-mid="{url}" marker-end="{url}"'
                out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                           f'stroke-width="{_num(width)}" stroke-linejoin="round"{marker}/>')
        return "".join(out)

    def draw(self, ax, scale: float = 1.0) -> None:
        """The same scene on matplotlib axes (for the print edition's still sequence).

        ``scale`` is the size of one unit of the box in points; text is drawn a little
        larger than that (15 %), to stay legible in print.
        """
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.set_aspect("equal")
        ax.axis("off")
        for item in self.items:
            kind = item[0]
            if kind == "line":
                _, x1, y1, x2, y2, colour, width, opacity = item
                ax.plot([x1, x2], [y1, y2], color=colour, lw=width * scale, alpha=opacity,
                        solid_capstyle="butt")
            elif kind == "circle":
                _, cx, cy, r, fill, stroke, width = item
                from matplotlib.patches import Circle

                ax.add_patch(Circle((cx, cy), r, facecolor=fill, edgecolor=stroke, lw=width * scale,
                                    zorder=3))
            elif kind == "text":
                _, x, y, s, size, colour, anchor = item
                ha = {"middle": "center", "start": "left", "end": "right"}[anchor]
                ax.text(x, y, s, fontsize=size * scale * 1.15, color=colour, ha=ha, va="baseline", zorder=4)
            else:
                _, pts, colour, width, dots = item
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, color=colour, lw=width * scale, marker="o" if dots else None,
                        markersize=4.4 * scale)


@dataclass
class Animation:
    """Frames with a caption each, a title and a text alternative (see the module)."""

    name: str
    title: str
    alt: str
    frames: Sequence[Scene]
    captions: Sequence[str]
    background: Scene | None = None  # drawn under every frame (kept once in the page)
    interval_ms: int = 700
    stills: int = 6  # frames in the print edition's still sequence

    def __post_init__(self):
        if not self.name.replace("-", "").isalnum():
            raise ValueError(f"Animation: name must be letters, digits and '-', got {self.name!r}")
        if len(self.frames) < 2:
            raise ValueError(f"Animation: frames must hold at least 2 scenes, got {len(self.frames)}")
        if len(self.captions) != len(self.frames):
            raise ValueError(f"Animation: captions has {len(self.captions)} entries, expected one "
                             f"per frame ({len(self.frames)})")

    def html(self) -> str:
        n, first = len(self.frames), self.frames[0]
        view = f"0 0 {_num(first.width)} {_num(first.height)}"
        plate = f'<rect width="{_num(first.width)}" height="{_num(first.height)}" fill="#ffffff"/>'
        # what every frame shares, defined once: the background, the dots' markers
        colours = sorted({item[2] for scene in self.frames for item in scene.items
                          if item[0] == "polyline" and item[4]})
        defs = "".join(
            f'<marker id="{self.name}-dot-{c.lstrip("#")}" viewBox="0 0 6 6" refX="3" refY="3" '
            f'markerWidth="6" markerHeight="6" markerUnits="userSpaceOnUse">'
            f'<circle cx="3" cy="3" r="2.2" fill="{c}"/></marker>' for c in colours)
        if self.background is not None:
            defs += f'<g id="{self.name}-bg">{self.background.svg_body(self.name)}</g>'
        background = ""
        if defs:
            background = (f'<svg class="bp-defs" width="0" height="0" aria-hidden="true">'
                          f'<defs>{defs}</defs></svg>')
        frames = []
        for k, (scene, caption) in enumerate(zip(self.frames, self.captions, strict=True)):
            use = f'<use href="#{self.name}-bg"/>' if self.background is not None else ""
            frames.append(
                f'<div class="bp-frame" data-step="{k + 1}">'
                f'<svg viewBox="{view}" role="img" aria-label="Step {k + 1} of {n}: '
                f'{html.escape(caption, quote=True)}">{plate}{use}{scene.svg_body(self.name)}</svg>'
                f'<p class="bp-frame-caption">{k + 1}. {html.escape(caption)}</p></div>')
        controls = (
            '<div class="bp-controls" hidden>'
            '<button type="button" class="bp-prev" aria-label="Previous step">&#9664;</button>'
            '<button type="button" class="bp-play" aria-pressed="false">Play</button>'
            '<button type="button" class="bp-next" aria-label="Next step">&#9654;</button>'
            f'<input type="range" class="bp-range" min="1" max="{n}" value="1" step="1" '
            f'aria-label="Step of {html.escape(self.title, quote=True)}">'
            f'<output class="bp-step" aria-live="polite">Step 1 of {n}</output></div>')
        return (f'<figure class="bp-animation" id="{self.name}" data-interval="{self.interval_ms}" '
                f'tabindex="-1">{background}<div class="bp-frames">{"".join(frames)}</div>{controls}'
                f'<figcaption><strong>{html.escape(self.title)}.</strong> {html.escape(self.alt)}'
                f'</figcaption></figure>')

    def still_png(self) -> bytes:
        """The print edition's still sequence: ``stills`` frames, evenly spread."""
        import matplotlib.pyplot as plt

        n = len(self.frames)
        picks = sorted({round(i * (n - 1) / (min(self.stills, n) - 1)) for i in range(min(self.stills, n))})
        cols = min(2, len(picks))
        rows = math.ceil(len(picks) / cols)
        first = self.frames[0]
        panel = 3.2  # inches: two panels fill the print edition's text width
        scale = panel * 72 / first.width
        fig, axes = plt.subplots(rows, cols, squeeze=False,
                                 figsize=(panel * cols, rows * (panel * first.height / first.width + 0.45)))
        for ax in axes.flat:
            ax.axis("off")
        for ax, k in zip(axes.flat, picks, strict=False):
            if self.background is not None:
                self.background.draw(ax, scale)
            self.frames[k].draw(ax, scale)
            title = textwrap.fill(f"{k + 1}. {self.captions[k]}", 58)
            ax.set_title(title, fontsize=6.5, loc="left")
        fig.set_figheight(fig.get_figheight() + 0.3)
        fig.suptitle(f"{self.title}: {len(picks)} of the animation's {n} steps", fontsize=8, x=0.01,
                     ha="left")
        top = 1 - 0.6 / fig.get_figheight()  # room for the title and the first row's titles
        fig.subplots_adjust(left=0.01, right=0.99, top=top, bottom=0.01, wspace=0.06, hspace=0.35)
        fig.patch.set_facecolor("white")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=160, facecolor="white", metadata={"Software": None})
        plt.close(fig)
        # 32 colours are enough for these drawings and make the file a quarter the size
        from PIL import Image

        still = Image.open(buffer).convert("RGB").quantize(32, method=Image.Quantize.MEDIANCUT,
                                                           dither=Image.Dither.NONE)
        out = io.BytesIO()
        still.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.html(),
                "image/png": base64.b64encode(self.still_png()).decode(),
                "text/plain": f"{self.title}. {self.alt}"}


def _scale(values: np.ndarray, lo: float, hi: float) -> Callable[[float], float]:
    """Map |value| on a log scale (from the smallest nonzero to the largest) to [lo, hi]."""
    mags = np.abs(values[np.abs(values) > 0])
    top = math.log10(mags.max()) if mags.size else 0.0
    bottom = math.log10(mags.min()) if mags.size else -1.0
    bottom = min(bottom, top - 1.0)

    def scaled(v: float) -> float:
        if v == 0:
            return lo
        t = (math.log10(abs(v)) - bottom) / (top - bottom)
        return lo + (hi - lo) * min(max(t, 0.0), 1.0)

    return scaled


def delta_flow(net, x, y, *, name: str = "delta-flow", saturated: float = 0.05) -> Animation:
    """δ flowing back through ``net`` (an MLP of Dense layers) for one example.

    Forward ``x`` (1, n_0), then the half squared error against ``y`` (1, n_L) and the
    backward pass, all by the package. Frame 1 is the forward pass; frame k + 1 shows δ
    known down to layer L − k + 1: each unit's δ as the radius of a red disc, each
    weight's gradient ∂L/∂W as the width of its edge (both on one log scale), and the
    units whose g′(z) is below ``saturated`` drawn with a grey ring: they pass little
    back. The numbers are the package's own (``layer.delta``, ``layer.grad_W``).
    """
    from ..core.dense import Dense
    from ..core.losses import half_sse, half_sse_grad
    from ..core.network import MLP

    x = as_float_array(x, "x", "delta_flow", ndim=2)
    if x.shape[0] != 1:
        raise ValueError(f"delta_flow: x has shape {x.shape}, expected one example (1, n_0)")
    if not isinstance(net, MLP):
        raise TypeError(f"delta_flow: net must be an MLP, got {type(net).__name__}")
    # a copy, so that the caller's network keeps its caches and gradients
    copy = MLP([Dense(layer.W, layer.b, layer.g) for layer in net.layers])
    out = copy.forward(x)
    loss = float(half_sse(out, y))
    copy.backward(half_sse_grad(out, y))
    layers = copy.layers
    sizes = copy.sizes
    L = len(layers)
    deltas = [layer.delta[0].copy() for layer in layers]
    grads = [layer.grad_W.copy() for layer in layers]
    # g'(z) of each unit, for an elementwise g: the vector-Jacobian product with ones
    slopes, a = [], x
    for layer in layers:
        z = a @ layer.W + layer.b
        a = layer.g(z)
        slopes.append(None if layer.g.name == "softmax" else layer.g.vjp(z, a, np.ones_like(z))[0])
    width, height = 440.0, 250.0
    xs = [36 + i * (width - 72) / L for i in range(L + 1)]

    def ys(n: int) -> list[float]:
        gap = min(36.0, (height - 90) / max(n - 1, 1))
        top = 40 + (height - 90 - gap * (n - 1)) / 2
        return [top + j * gap for j in range(n)]

    every_delta = np.concatenate(deltas)
    every_grad = np.concatenate([g.ravel() for g in grads])
    radius = _scale(every_delta, 3.0, 12.0)
    stroke = _scale(every_grad, 0.3, 3.5)
    frames, captions = [], []
    for known in range(L + 1):  # how many layers' δ are known, from the top
        scene = Scene(width, height)
        known_text = f"layer {L}" if known == 1 else f"layers {L - known + 1}–{L}"
        scene.text(width / 2, 20, f"loss {loss:.4f}; δ known for {known_text}"
                   if known else f"forward pass done: loss {loss:.4f}", size=14)
        for l in range(L):  # edges of layer l + 1: from column l to column l + 1
            lit = l + 1 > L - known
            for i, y0 in enumerate(ys(sizes[l])):
                for j, y1 in enumerate(ys(sizes[l + 1])):
                    if lit:
                        scene.line(xs[l], y0, xs[l + 1], y1, EDGE, stroke(grads[l][i, j]), 0.85)
                    else:
                        scene.line(xs[l], y0, xs[l + 1], y1, FAINT, 0.8)
        for l in range(L + 1):
            scene.text(xs[l], height - 26, "input" if l == 0 else f"layer {l}", size=12, colour=LABEL)
            if l > 0 and l > L - known:
                scene.text(xs[l], height - 9, f"{np.abs(deltas[l - 1]).max():.1e}", size=12,
                           colour=BACKWARD)
            for j, yy in enumerate(ys(sizes[l])):
                ring = GREY
                if l > 0 and slopes[l - 1] is not None and slopes[l - 1][j] < saturated:
                    scene.circle(xs[l], yy, 14, "#ffffff", GREY, 2.5)
                    ring = INK
                scene.circle(xs[l], yy, 10, "#ffffff", ring, 1.0)
                if l > 0 and l > L - known:
                    scene.circle(xs[l], yy, radius(deltas[l - 1][j]), BACKWARD, BACKWARD, 0.5)
        frames.append(scene)
        if known == 0:
            captions.append(f"The forward pass: a = g(z) layer by layer; the loss is {loss:.4f}.")
        else:
            l = L - known + 1
            d = np.abs(deltas[l - 1])
            captions.append(f"δ at layer {l}: largest |δ| {d.max():.1e}, gradient of W at layer "
                            f"{l}: largest {np.abs(grads[l - 1]).max():.1e}.")
    n_sat = sum(int((s < saturated).sum()) for s in slopes if s is not None)
    alt = (f"An animation in {L + 1} steps of a {'-'.join(map(str, sizes))} network. The red "
           f"discs are the errors δ of the units, the red edges the gradients of the weights, "
           f"both on a log scale; under each layer, its largest |δ|. Going back from layer {L} "
           f"to layer 1 the largest |δ| falls "
           f"from {np.abs(deltas[-1]).max():.1e} to {np.abs(deltas[0]).max():.1e}; "
           + (f"the {n_sat} unit{'s' if n_sat != 1 else ''} ringed in grey "
              f"{'have' if n_sat != 1 else 'has'} g′(z) below {saturated} and pass"
              f"{'' if n_sat != 1 else 'es'} little back." if n_sat else
              f"no unit has g′(z) below {saturated}."))
    return Animation(name, "δ flowing backward", alt, frames, captions)


def descent(loss_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], start, etas,
            steps: int, window, *, name: str = "descent", labels=("w", "b"),
            grid: int = 41) -> Animation:
    """Gradient descent on a loss of two parameters, one path per learning rate.

    ``loss_and_grad(p)`` returns the loss and its gradient at p (shape (2,));
    ``window`` = (p0_min, p0_max, p1_min, p1_max) is the part of the plane shown, with the
    loss's level lines (computed on a ``grid`` × ``grid`` grid) under every frame. Frame
    t shows each path's first t steps ``p <- p - eta * grad``; a path that leaves the
    window is cut at its edge.
    """
    start = as_float_array(start, "start", "descent", ndim=1)
    if start.shape != (2,):
        raise ValueError(f"descent: start has shape {start.shape}, expected (2,)")
    window = tuple(map(float, window))
    if len(window) != 4 or not (window[0] < window[1] and window[2] < window[3]):
        raise ValueError(f"descent: window must be (p0_min, p0_max, p1_min, p1_max) with each "
                         f"min below its max, got {window}")
    if not is_int(steps) or steps < 1:
        raise ValueError(f"descent: steps must be a positive int, got {steps!r}")
    etas = [float(eta) for eta in etas]
    if not etas or not all(eta > 0 for eta in etas):
        raise ValueError(f"descent: etas must be positive learning rates, got {etas}")
    p0lo, p0hi, p1lo, p1hi = window
    width, height, pad = 420.0, 300.0, 34.0

    def to_xy(p) -> tuple[float, float]:
        return (pad + (p[0] - p0lo) / (p0hi - p0lo) * (width - 2 * pad),
                height - pad - (p[1] - p1lo) / (p1hi - p1lo) * (height - 2 * pad))

    background = Scene(width, height)
    g0, g1 = np.linspace(p0lo, p0hi, grid), np.linspace(p1lo, p1hi, grid)
    values = np.array([[loss_and_grad(np.array([a, b]))[0] for a in g0] for b in g1])
    from contourpy import contour_generator  # matplotlib's own contouring

    lines = contour_generator(g0, g1, values)
    for level in np.quantile(values, [0.02, 0.06, 0.14, 0.28, 0.5, 0.75]):
        for seg in lines.lines(level):
            if len(seg) > 1:
                background.polyline([to_xy(p) for p in seg[:: max(1, len(seg) // 60)]], "#b9c7d8", 1.0)
    background.line(pad, height - pad, width - pad, height - pad, GREY, 1)
    background.line(pad, pad, pad, height - pad, GREY, 1)
    background.text(width - pad, height - 10, labels[0], size=14, colour=LABEL, anchor="end")
    background.text(12, pad + 4, labels[1], size=14, colour=LABEL, anchor="start")
    colours = [FORWARD, BACKWARD, "#2d7d46"]
    paths = []
    for eta in etas:
        p, path = start.copy(), [start.copy()]
        for _ in range(steps):
            _, g = loss_and_grad(p)
            p = p - eta * g
            path.append(p.copy())
        paths.append(np.array(path))
    finals = [loss_and_grad(path[-1])[0] for path in paths]

    def inside(p) -> bool:
        return p0lo <= p[0] <= p0hi and p1lo <= p[1] <= p1hi and np.all(np.isfinite(p))

    frames, captions = [], []
    for t in range(steps + 1):
        scene = Scene(width, height)
        for k, (eta, path) in enumerate(zip(etas, paths, strict=True)):
            shown = []
            for p in path[: t + 1]:
                if not inside(p):
                    break
                shown.append(to_xy(p))
            if len(shown) > 1:
                scene.polyline(shown, colours[k % 3], 1.6, dots=True)
            elif shown:
                scene.circle(*shown[0], 2.6, colours[k % 3], colours[k % 3])
            scene.text(width - pad, 18 + 17 * k, f"η = {eta:g}: loss {loss_and_grad(path[t])[0]:.3g}"
                       if inside(path[t]) else f"η = {eta:g}: left the picture",
                       size=13, colour=colours[k % 3], anchor="end")
        frames.append(scene)
        states = [f"η = {eta:g}, loss {loss_and_grad(path[t])[0]:.3g}" if inside(path[t])
                  else f"η = {eta:g}, left the picture" for eta, path in zip(etas, paths, strict=True)]
        captions.append(f"after {t} step{'s' if t != 1 else ''}: " + "; ".join(states))
    alt = (f"An animation in {steps + 1} steps: gradient descent from ({start[0]:g}, {start[1]:g}) on "
           f"the level lines of the loss, " + ", ".join(
               f"with η = {eta:g} (loss {final:.3g} after {steps} steps)"
               for eta, final in zip(etas, finals, strict=True)) + ".")
    return Animation(name, "Gradient descent for two learning rates", alt, frames, captions,
                     background=background, interval_ms=350, stills=4)
