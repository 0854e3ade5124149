"""The diagram helper: labels land where asked, bad edges are refused."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Annotation

from backprop.teaching.diagrams import (
    BACKWARD_COLOUR,
    Edge,
    _normal,
    draw_diagram,
)


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_forward_above_backward_below():
    fig, ax = plt.subplots()
    draw_diagram(ax, {"a": (0, 0), "b": (2, 0)},
                 [Edge("a", "b", "fwd", "bwd", at=0.25)])
    placed = {t.get_text(): t.get_position() for t in ax.texts}
    assert placed["fwd"][1] > 0 > placed["bwd"][1]
    assert placed["fwd"][0] == pytest.approx(0.5)
    assert {"a", "b", "fwd", "bwd"} <= set(texts(ax))
    # the red arrow beside the backward label points from head b to tail a
    red = [t for t in ax.texts if isinstance(t, Annotation)
           and t.arrowprops["color"] == BACKWARD_COLOUR]
    assert len(red) == 1
    assert red[0].xy[0] < red[0].xyann[0]
    plt.close(fig)


def test_normal_points_up_or_left():
    assert _normal(1, 0) == pytest.approx((0, 1))
    assert _normal(-1, 0) == pytest.approx((0, 1))
    assert _normal(0, 1) == pytest.approx((-1, 0))
    assert _normal(0, -1) == pytest.approx((-1, 0))


def test_unknown_node_is_named():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="'c', which is not a node"):
        draw_diagram(ax, {"a": (0, 0), "b": (1, 0)}, [Edge("a", "c")])
    plt.close(fig)


def test_position_outside_the_edge_is_refused():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"at=1.5, expected a number in \[0, 1\]"):
        draw_diagram(ax, {"a": (0, 0), "b": (1, 0)}, [Edge("a", "b", at=1.5)])
    plt.close(fig)


def test_value_graph_draws_one_circle_per_node_and_one_arrow_per_edge():
    from backprop.roads.engine import Value
    from backprop.teaching.diagrams import draw_value_graph

    x, w = Value(1.5, label="x"), Value(0.8, label="w")
    L = (x * w + x).tanh()
    L.backward()
    fig, ax = plt.subplots()
    draw_value_graph(ax, L)
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    order = L.topological_order()
    assert len(labels) == len(order)  # nodes only: the edges carry no labels here
    assert any(t.startswith("x\n1.500\n∇ ") for t in labels)
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and not t.get_text()]
    assert len(arrows) == sum(len(n._children) for n in order)
    plt.close(fig)
