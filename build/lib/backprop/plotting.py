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
