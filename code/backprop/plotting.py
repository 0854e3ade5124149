"""Drawing helpers for the chapters: computation graphs and networks with matplotlib."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes


def draw_graph(
    ax: Axes,
    nodes: Mapping[str, tuple[float, float]],
    edges: Sequence[tuple[str, str, str]],
    labels: Mapping[str, str] | None = None,
    node_colour: str = "#dbe9f6",
) -> None:
    """Draw a directed graph: ``nodes`` maps a name to (x, y); ``edges`` are (from, to, label).

    Each node is a circle with its label (``labels[name]``, default the name) in it; each
    edge an arrow with its label at the midpoint (e.g. a local derivative).
    """
    labels = labels or {}
    for src, dst, text in edges:
        (x0, y0), (x1, y1) = nodes[src], nodes[dst]
        ax.annotate(
            "", xy=(x1, y1), xytext=(x0, y0),
            arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.2,
                        "shrinkA": 17, "shrinkB": 17},
        )
        if text:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, text, ha="center", va="bottom",
                    fontsize=9, color="#8b1a1a",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9})
    for name, (x, y) in nodes.items():
        ax.text(x, y, labels.get(name, name), ha="center", va="center", fontsize=10,
                bbox={"boxstyle": "circle,pad=0.35", "fc": node_colour, "ec": "0.25"})
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.7)
    ax.set_axis_off()


def draw_value_graph(ax: Axes, root, labels: Mapping[object, str] | None = None) -> None:
    """Draw the computation graph of an engine :class:`~backprop.engine.Value`.

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
    edges = [(str(id(c)), str(id(n)), "") for n in order for c in n._children]
    draw_graph(ax, positions, edges, names)
