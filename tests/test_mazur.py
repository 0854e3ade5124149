"""Mazur's network as data and as a drawing (chapter 7)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from backprop.mazur import MAZUR_BIASES, MAZUR_EDGES, draw_mazur_network

# typed from Mazur's post: w1 i1->h1, w2 i2->h1, w3 i1->h2, w4 i2->h2, ...
POST = {
    "w1": ("i1", "h1", 0.15), "w2": ("i2", "h1", 0.20), "w3": ("i1", "h2", 0.25),
    "w4": ("i2", "h2", 0.30), "w5": ("h1", "o1", 0.40), "w6": ("h2", "o1", 0.45),
    "w7": ("h1", "o2", 0.50), "w8": ("h2", "o2", 0.55),
}


def test_edges_are_the_posts():
    assert MAZUR_EDGES == POST
    assert MAZUR_BIASES == {"b1": (("h1", "h2"), 0.35), "b2": (("o1", "o2"), 0.60)}


def test_drawing_labels_every_weight_and_bias():
    fig, ax = plt.subplots()
    draw_mazur_network(ax)
    texts = [t.get_text() for t in ax.texts]
    for k in range(1, 9):
        assert sum(t.startswith(f"$w_{k}$") for t in texts) == 1, k
    assert any(t.startswith("$b_1$") for t in texts)
    assert any(t.startswith("$b_2$") for t in texts)
    arrows = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) == 8 + 4  # w1..w8, and each bias to its two units
    plt.close(fig)
