"""Diagrams of the forward and the backward pass: graphs with labelled edges.

An edge can carry two labels: the forward one (a weight, a value) above it in
blue, and the backward one (a gradient) below it in red, beside a red arrow
that points the way the gradient flows, from the edge's head back to its tail.
:func:`draw_value_graph` lays out the graph an engine :class:`~backprop.roads.engine.Value`
has recorded and draws it the same way.
Chapters: :doc:`chapters/02_chain_rule`, :doc:`chapters/03_forward`,
:doc:`chapters/11_graphs`, :doc:`chapters/19_recurrent`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes

FORWARD_COLOUR = "#1f4e8c"
BACKWARD_COLOUR = "#b2182b"
NODE_COLOUR = "#dbe9f6"


@dataclass(frozen=True)
class Edge:
    """An arrow ``src -> dst``, labelled ``forward`` above, ``backward`` below.

    ``at`` is where along the edge the labels sit (0 at the tail, 1 at the
    head), so that the labels of crossing edges need not collide.
    """

    src: str
    dst: str
    forward: str = ""
    backward: str = ""
    at: float = 0.5


def _normal(dx: float, dy: float) -> tuple[float, float]:
    """Unit normal of (dx, dy) pointing up (or left for a vertical edge)."""
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    if ny < 0 or (ny == 0 and nx > 0):
        nx, ny = -nx, -ny
    return nx, ny


def draw_diagram(
    ax: Axes,
    nodes: Mapping[str, tuple[float, float]],
    edges: Sequence[Edge],
    labels: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    offset: float = 0.2,
    fontsize: float = 10,
    equal_aspect: bool = True,
) -> None:
    """Draw ``nodes`` (name -> (x, y)) as circles and ``edges`` as arrows.

    ``labels[name]`` is the text in a node (default: its name), ``colours``
    its fill. Each :class:`Edge` gets its forward label ``offset`` above the
    arrow and its backward label, with a red arrow pointing back, below it.
    Raises ``ValueError`` for an edge whose end is not a node or ``at``
    outside [0, 1]. ``equal_aspect=False`` lets a wide graph fill its axes
    (the circles are drawn in points, so they stay round).
    """
    labels = labels or {}
    colours = colours or {}
    for edge in edges:
        for end in (edge.src, edge.dst):
            if end not in nodes:
                raise ValueError(
                    f"draw_diagram: edge {edge.src!r} -> {edge.dst!r} names "
                    f"{end!r}, which is not a node; nodes: {sorted(nodes)}"
                )
        if not 0 <= edge.at <= 1:
            raise ValueError(
                f"draw_diagram: edge {edge.src!r} -> {edge.dst!r} has "
                f"at={edge.at}, expected a number in [0, 1]"
            )
    if equal_aspect:
        ax.set_aspect("equal")
    for edge in edges:
        (x0, y0), (x1, y1) = nodes[edge.src], nodes[edge.dst]
        ax.annotate(
            "", xy=(x1, y1), xytext=(x0, y0),
            arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.2,
                        "shrinkA": 18, "shrinkB": 18},
        )
        dx, dy = x1 - x0, y1 - y0
        nx, ny = _normal(dx, dy)
        px, py = x0 + edge.at * dx, y0 + edge.at * dy
        angle = math.degrees(math.atan2(dy, dx))
        if angle > 90 or angle < -90:
            angle -= 180 * math.copysign(1, angle)
        box = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none",
               "alpha": 0.85}
        if edge.forward:
            ax.text(px + offset * nx, py + offset * ny, edge.forward,
                    ha="center", va="center", rotation=angle,
                    rotation_mode="anchor", fontsize=fontsize,
                    color=FORWARD_COLOUR, bbox=box)
        if edge.backward:
            length = math.hypot(dx, dy)
            ux, uy = dx / length, dy / length
            bx, by = px - 1.2 * offset * nx, py - 1.2 * offset * ny
            half = min(0.35, 0.2 * length)
            ax.annotate(
                "", xy=(bx - half * ux, by - half * uy),
                xytext=(bx + half * ux, by + half * uy),
                arrowprops={"arrowstyle": "-|>", "color": BACKWARD_COLOUR,
                            "lw": 1.0},
            )
            ax.text(bx - 1.3 * offset * nx, by - 1.3 * offset * ny,
                    edge.backward, ha="center", va="center",
                    rotation=angle, rotation_mode="anchor",
                    fontsize=fontsize, color=BACKWARD_COLOUR, bbox=box)
    for name, (x, y) in nodes.items():
        ax.text(x, y, labels.get(name, name), ha="center", va="center",
                fontsize=fontsize + 1,
                bbox={"boxstyle": "circle,pad=0.3",
                      "fc": colours.get(name, NODE_COLOUR), "ec": "0.25"})
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()


def draw_value_graph(ax: Axes, root, labels: Mapping[object, str] | None = None) -> None:
    """Draw the computation graph of an engine :class:`~backprop.roads.engine.Value`.

    Leaves on the left, ``root`` on the right (columns by depth); each node shows its
    label or operation, its value and its gradient. ``labels`` maps nodes to names.
    """
    labels = labels or {}
    order = root.topological_order()
    hops = {id(root): 0}  # longest path to the root: leaves sit next to where they are used
    for node in reversed(order):
        for child in node._children:
            hops[id(child)] = max(hops.get(id(child), 0), hops[id(node)] + 1)
    columns: dict[int, list] = {}
    for node in order:
        columns.setdefault(hops[id(node)], []).append(node)
    positions, names = {}, {}
    for col, nodes in columns.items():
        for row, node in enumerate(nodes):
            key = str(id(node))
            positions[key] = (-2.2 * col, 1.6 * (row - (len(nodes) - 1) / 2))
            name = labels.get(node, node.label or node.op)
            names[key] = f"{name}\n{node.data:.3f}\n∇ {node.grad:.3f}"
    edges = [Edge(str(id(c)), str(id(n))) for n in order for c in n._children]
    draw_diagram(ax, positions, edges, names, fontsize=9, equal_aspect=False)
