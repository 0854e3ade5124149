"""Mazur's network as data and as a drawing (chapter 7)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from backprop.teaching.mazur import MAZUR_BIASES, MAZUR_EDGES, draw_mazur_network

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


# What the training loop of Mazur's script prints at each commit, obtained by
# running `git show <commit>:neural-network.py` of mattm/simple-neural-network
# unchanged under Python 3.11 (its prints are already calls): the first and last
# two lines, and a SHA-256 of all 10,000 loop lines joined by newlines. For
# 31576f6 the loop lines are those that follow each " Output Neuron 1" line of
# its debug output, after the first (the error before any update).
SCRIPT_OUTPUT = {
    "31576f6": ("0 0.145513962", "9998 1.7546e-05", "9999 1.7542e-05",
                "1000a26da0443614c4a5919f4d2ca796ec635d0bd459ad3da2195d3dedf87177"),
    "8e7a7de": ("0 0.145513962", "9998 1.7546e-05", "9999 1.7542e-05",
                "1000a26da0443614c4a5919f4d2ca796ec635d0bd459ad3da2195d3dedf87177"),
    "4b6faac": ("0 0.291027774", "9998 3.5109e-05", "9999 3.5102e-05",
                "2ce7c946e18a2ed2b4b3e326948d38b144fdc5a6ae6c95a93de95b7c466eb4a5"),
    "bd3f11b": ("0 0.291027774", "9998 3.5109e-05", "9999 3.5102e-05",
                "2ce7c946e18a2ed2b4b3e326948d38b144fdc5a6ae6c95a93de95b7c466eb4a5"),
}


def test_replay_prints_what_each_commit_prints():
    import hashlib

    from backprop.teaching.mazur import SCRIPT_COMMITS, replay_script

    assert set(SCRIPT_COMMITS) == set(SCRIPT_OUTPUT)
    for commit, (first, before_last, last, digest) in SCRIPT_OUTPUT.items():
        run = replay_script(commit)
        assert len(run.lines) == 10_000
        assert (run.lines[0], run.lines[-2], run.lines[-1]) == (first, before_last, last)
        assert hashlib.sha256("\n".join(run.lines).encode()).hexdigest() == digest, commit


def test_replay_outputs_are_the_first_versions_printed_ones():
    from backprop.teaching.mazur import replay_script

    # 31576f6 prints, after its last update, "predicted 0.0159121963260343" and
    # "predicted 0.9840657344856291"
    assert replay_script("31576f6").outputs == (0.0159121963260343, 0.9840657344856291)
    assert [f"{v:.9f}" for v in replay_script("bd3f11b").outputs] == [
        "0.015913620", "0.984064274"]


def test_replay_rejects_an_unknown_commit():
    import pytest

    from backprop.teaching.mazur import replay_script

    with pytest.raises(ValueError, match="unknown commit"):
        replay_script("d7b7f47")
