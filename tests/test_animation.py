"""backprop.teaching.animation: the frames show the package's numbers, computed again here by
other means; the page's markup (controls, text alternatives, colours legible on the
white plate); the print edition's still sequence; bad input."""

import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

import backprop as bp
from backprop.teaching.animation import Animation, Scene, delta_flow, descent

X0, Y0 = np.array([[3.0, -2.0, 4.0]]), np.array([[1.0]])


def small_net() -> bp.MLP:
    return bp.MLP.init([3, 4, 4, 4, 4, 1], np.random.default_rng(0), activation="sigmoid",
                       scheme="normal")


def loss_of(net: bp.MLP) -> float:
    """The half squared error of ``net`` on (X0, Y0), by its definition, in plain NumPy."""
    a = X0
    for k, layer in enumerate(net.layers):
        z = a @ layer.W + layer.b
        a = z if k == len(net.layers) - 1 else 1 / (1 + np.exp(-z))
    return 0.5 * float(np.sum((a - Y0) ** 2))


def centred(net: bp.MLP, array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        keep = array[index]
        array[index] = keep + h
        up = loss_of(net)
        array[index] = keep - h
        down = loss_of(net)
        array[index] = keep
        out[index] = (up - down) / (2 * h)
    return out


def test_delta_flow_shows_the_errors_finite_differences_find():
    """For one example δ^l = ∂L/∂b^l: the largest |δ| and |∂L/∂W| each caption prints,
    and the loss in every frame, are those of centred differences of the loss."""
    net = small_net()
    flow = delta_flow(net, X0, Y0)
    L = len(net.layers)
    assert len(flow.frames) == L + 1
    loss = f"{loss_of(net):.4f}"
    for k, caption in enumerate(flow.captions[1:], start=1):
        layer = net.layers[L - k]
        delta = np.abs(centred(net, layer.b)).max()
        grad = np.abs(centred(net, layer.W)).max()
        assert f"δ at layer {L - k + 1}: largest |δ| {delta:.1e}" in caption, caption
        assert f"largest {grad:.1e}." in caption, caption
    texts = [item[3] for frame in flow.frames for item in frame.items if item[0] == "text"]
    assert all(loss in t for t in texts if t.startswith(("loss", "forward"))), loss


def test_delta_flow_rings_exactly_the_saturated_units():
    net = small_net()
    flow = delta_flow(net, X0, Y0)
    a, saturated = X0, 0
    for layer in net.layers[:-1]:
        s = 1 / (1 + np.exp(-(a @ layer.W + layer.b)))
        saturated += int((s * (1 - s) < 0.05).sum())
        a = s
    rings = [item for item in flow.frames[0].items if item[0] == "circle" and item[3] == 14]
    assert saturated == 2 and len(rings) == saturated
    assert f"the {saturated} units ringed in grey" in flow.alt


def test_delta_flow_edges_grow_with_the_weight_gradients():
    net = small_net()
    flow = delta_flow(net, X0, Y0)
    last = flow.frames[-1]
    widths = [item[6] for item in last.items if item[0] == "line" and item[5] != "#d9d9d9"]
    grads = np.concatenate([np.abs(centred(net, layer.W)).ravel() for layer in net.layers])
    assert len(widths) == grads.size
    order = np.argsort(grads)
    assert np.all(np.diff(np.array(widths)[order]) >= -1e-12), "an edge is thinner than a smaller gradient's"


def test_delta_flow_leaves_the_network_as_it_found_it():
    net = small_net()
    net.loss_and_grads(np.ones((2, 3)), np.zeros((2, 1)), "half_sse")
    before = [(layer.W.copy(), layer.b.copy(), layer.grad_W.copy(), layer.grad_b.copy(),
               layer.delta.copy()) for layer in net.layers]
    delta_flow(net, X0, Y0)
    for layer, (W, b, gW, gb, d) in zip(net.layers, before, strict=True):
        for now, then in [(layer.W, W), (layer.b, b), (layer.grad_W, gW), (layer.grad_b, gb),
                          (layer.delta, d)]:
            np.testing.assert_array_equal(now, then)


def quadratic(c=(0.5, 2.0)):
    c = np.array(c)
    return lambda p: (0.5 * float(np.sum(c * p * p)), c * p)


def test_descent_follows_the_closed_form_of_a_quadratic():
    """On L = (c0 p0² + c1 p1²)/2 gradient descent gives p_t = (1 - η c)^t p_0."""
    c, start, etas, steps = np.array([0.5, 2.0]), np.array([2.0, 1.5]), [0.4, 0.95], 12
    anim = descent(quadratic(c), start, etas, steps, window=(-3, 3, -3, 3))
    assert len(anim.frames) == steps + 1
    for t, caption in enumerate(anim.captions):
        for eta in etas:
            p = (1 - eta * c) ** t * start
            assert f"η = {eta:g}, loss {0.5 * np.sum(c * p * p):.3g}" in caption, (t, caption)


def test_descent_cuts_a_diverging_path_at_the_edge_of_the_picture():
    window = (-3.0, 3.0, -3.0, 3.0)
    anim = descent(quadratic(), [2.0, 1.5], [1.2], 10, window=window)  # |1 - 1.2*2| > 1
    assert "left the picture" in anim.captions[-1]
    assert "left the picture" not in anim.captions[0]
    for frame in anim.frames:
        for item in frame.items:
            if item[0] == "polyline":
                xs, ys = zip(*item[1], strict=True)
                assert min(xs) >= 34 - 1e-9 and max(xs) <= 420 - 34 + 1e-9
                assert min(ys) >= 34 - 1e-9 and max(ys) <= 300 - 34 + 1e-9


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(anim: Animation) -> list[tuple[str, dict]]:
    markup = Markup()
    markup.feed(anim.html())
    return markup.tags


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("make", ["flow", "descent"])
def test_the_markup_has_controls_a_text_alternative_and_legible_colours(make):
    anim = (delta_flow(small_net(), X0, Y0) if make == "flow"
            else descent(quadratic(), [2.0, 1.5], [0.4, 0.95], 8, (-3, 3, -3, 3)))
    tags = parse(anim)
    svgs = [a for t, a in tags if t == "svg" and a.get("role") == "img"]
    assert len(svgs) == len(anim.frames)
    assert all(a["aria-label"].startswith(f"Step {k + 1} of {len(svgs)}: ") for k, a in enumerate(svgs))
    controls = [a for t, a in tags if a.get("class") == "bp-controls"]
    assert len(controls) == 1 and "hidden" in controls[0]  # the script shows them
    buttons = [a.get("class") for t, a in tags if t == "button"]
    assert buttons == ["bp-prev", "bp-play", "bp-next"]
    assert anim.alt in anim.html().replace("&#x27;", "'")
    assert not re.search(r"(src|href)=\"(https?:)?//", anim.html()), "nothing is fetched"
    # every frame is drawn on a white plate; text on it keeps 4.5:1 (WCAG AA)
    assert anim.html().count('<rect width=') == len(anim.frames)
    for colour in set(re.findall(r'<text [^>]*fill="(#[0-9a-f]{6})"', anim.html())):
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour
    bundle = anim._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    assert bundle["text/plain"] == f"{anim.title}. {anim.alt}"


def test_the_print_edition_gets_a_still_sequence_on_white():
    anim = descent(quadratic(), [2.0, 1.5], [0.4, 0.95], 20, (-3, 3, -3, 3))
    image = Image.open(io.BytesIO(anim.still_png())).convert("RGB")
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.width >= 1000  # two panels of 3.2 in at 160 dpi
    assert anim.still_png() == anim.still_png()  # deterministic, as nbval compares it


def test_bad_input_is_named():
    net = small_net()
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\), expected one example"):
        delta_flow(net, np.ones((2, 3)), np.ones((2, 1)))
    with pytest.raises(TypeError, match="net must be an MLP, got list"):
        delta_flow(net.layers, X0, Y0)
    with pytest.raises(ValueError, match=r"start has shape \(3,\), expected \(2,\)"):
        descent(quadratic(), [1.0, 2.0, 3.0], [0.1], 3, (-1, 1, -1, 1))
    with pytest.raises(ValueError, match=r"window must be \(p0_min, p0_max, p1_min, p1_max\)"):
        descent(quadratic(), [1.0, 2.0], [0.1], 3, (1, -1, -1, 1))
    with pytest.raises(ValueError, match="steps must be a positive int, got 0"):
        descent(quadratic(), [1.0, 2.0], [0.1], 0, (-1, 1, -1, 1))
    with pytest.raises(ValueError, match=r"etas must be positive learning rates, got \[-0.1\]"):
        descent(quadratic(), [1.0, 2.0], [-0.1], 3, (-1, 1, -1, 1))
    scenes = [Scene(10, 10), Scene(10, 10)]
    with pytest.raises(ValueError, match="captions has 1 entries, expected one per frame"):
        Animation("a", "t", "alt", scenes, ["one"])
    with pytest.raises(ValueError, match="frames must hold at least 2 scenes, got 1"):
        Animation("a", "t", "alt", scenes[:1], ["one"])
    with pytest.raises(ValueError, match="name must be letters"):
        Animation("a b", "t", "alt", scenes, ["one", "two"])
