"""Matt Mazur's worked example: its numbers, a drawing, replays of his script.

Chapter: :doc:`chapters/07_worked_example`.

The 2-2-2 logistic network of Mazur's "A Step by Step Backpropagation Example"
(2015): inputs i1, i2; hidden units h1, h2 with one shared bias b1; outputs o1,
o2 with one shared bias b2. Weight w_k runs from the unit named in
:data:`MAZUR_EDGES`; in the course's row convention W[k, j] connects unit k of
one layer to unit j of the next, so w3 (i1 -> h2) is W1[0, 1], not W1[1, 0].

:func:`replay_script` redoes, in the same floating-point order, what the
script behind the post (``mattm/simple-neural-network`` on GitHub) computed at
each of Mazur's commits before the post appeared, and returns the lines that
its training loop prints. It was written for this course after reading those
commits; it is not Mazur's code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes

# name: (from, to, value)
MAZUR_EDGES: dict[str, tuple[str, str, float]] = {
    "w1": ("i1", "h1", 0.15), "w2": ("i2", "h1", 0.20),
    "w3": ("i1", "h2", 0.25), "w4": ("i2", "h2", 0.30),
    "w5": ("h1", "o1", 0.40), "w6": ("h2", "o1", 0.45),
    "w7": ("h1", "o2", 0.50), "w8": ("h2", "o2", 0.55),
}
MAZUR_BIASES: dict[str, tuple[tuple[str, str], float]] = {
    "b1": (("h1", "h2"), 0.35), "b2": (("o1", "o2"), 0.60),
}
_POSITIONS = {
    "i1": (0.0, 2.0), "i2": (0.0, 0.0), "h1": (3.0, 2.0), "h2": (3.0, 0.0),
    "o1": (6.0, 2.0), "o2": (6.0, 0.0), "b1": (1.5, 3.4), "b2": (4.5, 3.4),
}
# where along each arrow its label sits (0 tail, 1 head): crossing arrows
# (w2 and w3, w6 and w7) get their labels away from the crossing point
_LABEL_AT = {"w1": 0.5, "w2": 0.25, "w3": 0.25, "w4": 0.5,
             "w5": 0.5, "w6": 0.25, "w7": 0.25, "w8": 0.5}
_FILL = {"i": "#e8e8e8", "h": "#dbe9f6", "o": "#fde0c5", "b": "#ffffff"}


def draw_mazur_network(ax: Axes, values: bool = True) -> None:
    """Draw Mazur's 2-2-2 network on ``ax``: units, w1..w8 and the two biases.

    Each arrow is labelled with its weight's name (and value when ``values``);
    the biases are drawn as their own nodes feeding the layer they shift.
    """
    arrow = {"arrowstyle": "-|>", "color": "0.3", "lw": 1.2,
             "shrinkA": 19, "shrinkB": 19}
    for name, (src, dst, w) in MAZUR_EDGES.items():
        (x0, y0), (x1, y1) = _POSITIONS[src], _POSITIONS[dst]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=arrow)
        t = _LABEL_AT[name]
        text = f"${name[0]}_{name[1]}$" + (f" = {w:.2f}" if values else "")
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), text, ha="center",
                va="center", fontsize=10, color="#1f4e8c",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                      "ec": "none"})
    dashed = arrow | {"color": "0.55", "linestyle": "--", "lw": 1.0}
    for name, (targets, b) in MAZUR_BIASES.items():
        x0, y0 = _POSITIONS[name]
        for dst in targets:
            ax.annotate("", xy=_POSITIONS[dst], xytext=(x0, y0),
                        arrowprops=dashed)
        label = f"${name[0]}_{name[1]}$" + (f"\n{b:.2f}" if values else "")
        ax.text(x0, y0, label, ha="center", va="center",
                fontsize=10, bbox={"boxstyle": "round,pad=0.3",
                                   "fc": _FILL["b"], "ec": "0.45",
                                   "ls": "--"})
    for unit in ("i1", "i2", "h1", "h2", "o1", "o2"):
        x, y = _POSITIONS[unit]
        ax.text(x, y, f"${unit[0]}_{unit[1]}$", ha="center", va="center",
                fontsize=12, bbox={"boxstyle": "circle,pad=0.45",
                                   "fc": _FILL[unit[0]], "ec": "0.25"})
    for x, title in ((0.0, "inputs"), (3.0, "hidden"), (6.0, "outputs")):
        ax.text(x, -0.8, title, ha="center", va="center", fontsize=10,
                color="0.35")
    ax.set_xlim(-0.7, 6.7)
    ax.set_ylim(-1.1, 3.9)
    ax.set_aspect("equal")
    ax.set_axis_off()


#: Mazur's commits of the script, up to the post (17 March 2015): what each
#: changed. The first two back-propagate the hidden deltas through the output
#: weights already updated in the same step and report the *mean* of the two
#: outputs' errors; the last two use the original weights and report the sum.
SCRIPT_COMMITS: dict[str, str] = {
    "31576f6": "14 Mar 2015, initial commit",
    "8e7a7de": "14 Mar 2015, debug prints removed",
    "4b6faac": "15 Mar 2015, deltas through the original weights",
    "bd3f11b": "16 Mar 2015, comments cleaned up",
}
_UPDATED_WEIGHTS_AND_MEAN = {"31576f6", "8e7a7de"}


@dataclass(frozen=True)
class ScriptRun:
    """What one commit's script computes on the post's example.

    ``lines[i]`` is the line ``i error`` that its loop prints after update
    ``i + 1`` (the error rounded to nine decimals, as the script rounds it);
    ``outputs`` are out_o1, out_o2 after the last update, unrounded (the
    first commit prints them in full).
    """

    commit: str
    lines: tuple[str, ...]
    outputs: tuple[float, float]


def _layer(weights: list[list[float]], bias: float,
           inputs: list[float]) -> list[float]:
    outputs = []
    for row in weights:                       # one neuron's incoming weights
        total = 0.0
        for x, w in zip(inputs, row, strict=True):
            total += x * w
        outputs.append(1 / (1 + math.exp(-(total + bias))))
    return outputs


def replay_script(commit: str, steps: int = 10_000) -> ScriptRun:
    """Replay the training loop of Mazur's script at ``commit``.

    Inputs (0.05, 0.10), targets (0.01, 0.99), learning rate 0.5, biases 0.35
    and 0.60 kept fixed; weights stored per neuron, as the script stores
    them: hidden[h][i] from input i, output[o][h] from hidden unit h.
    """
    if commit not in SCRIPT_COMMITS:
        raise ValueError(f"unknown commit {commit!r}; "
                         f"known: {', '.join(SCRIPT_COMMITS)}")
    first_version = commit in _UPDATED_WEIGHTS_AND_MEAN
    x, targets, rate, b1, b2 = [0.05, 0.1], [0.01, 0.99], 0.5, 0.35, 0.6
    hidden = [[0.15, 0.2], [0.25, 0.3]]
    output = [[0.4, 0.45], [0.5, 0.55]]
    lines = []
    for step in range(steps):
        h = _layer(hidden, b1, x)
        o = _layer(output, b2, h)
        delta_o = [-(t - y) * (y * (1 - y))
                   for t, y in zip(targets, o, strict=True)]
        if first_version:                     # output weights first ...
            for k in range(2):
                for j in range(2):
                    output[k][j] -= rate * (delta_o[k] * h[j])
        delta_h = []
        for j in range(2):                    # ... so these use the new ones
            total = 0.0
            for k in range(2):
                total += delta_o[k] * output[k][j]
            delta_h.append(total * (h[j] * (1 - h[j])))
        if not first_version:
            for k in range(2):
                for j in range(2):
                    output[k][j] -= rate * (delta_o[k] * h[j])
        for j in range(2):
            for i in range(2):
                hidden[j][i] -= rate * (delta_h[j] * x[i])
        o = _layer(output, b2, _layer(hidden, b1, x))
        error = 0.0
        for t, y in zip(targets, o, strict=True):
            error += 0.5 * (t - y) ** 2
        if first_version:
            error /= 2
        lines.append(f"{step} {round(error, 9)}")
    return ScriptRun(commit, tuple(lines), (o[0], o[1]))
