"""Element-wise relative errors, kink tracking and sampled gradient checks."""

import numpy as np
import pytest

import backprop as bp
from backprop.roads.gradient_checks import (
    active_pattern,
    covering_entries,
    covering_gradcheck,
    elementwise_relative_error,
    sampled_gradcheck,
)


def test_elementwise_known_values():
    a = np.array([1.0, 2.0, -3.0, 0.0, 1e-20])
    n = np.array([1.0, -2.0, -1.5, 0.0, -1e-20])
    # equal; sign flip; half; both zero; both below the floor
    np.testing.assert_array_equal(elementwise_relative_error(a, n),
                                  [0.0, 2.0, 0.5, 0.0, 0.0])


def test_elementwise_is_symmetric_and_scale_free():
    rng = np.random.default_rng(0)
    a, n = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    r = elementwise_relative_error(a, n)
    np.testing.assert_allclose(r, elementwise_relative_error(n, a))
    np.testing.assert_allclose(r, elementwise_relative_error(1e6 * a, 1e6 * n))
    assert np.all((0 <= r) & (r <= 2))


def test_elementwise_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        elementwise_relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        elementwise_relative_error(np.array([np.nan]), np.ones(1))


def test_active_pattern_needs_a_forward_pass():
    net = bp.MLP.init([2, 3, 1], np.random.default_rng(0), activation="relu")
    with pytest.raises(RuntimeError, match="forward"):
        active_pattern(net)
    net.forward(np.ones((4, 2)))
    assert active_pattern(net).shape == (4 * 3 + 4 * 1,)


def test_sampled_agrees_with_backprop_on_a_smooth_net():
    rng = np.random.default_rng(1)
    net = bp.MLP.init([4, 6, 3], rng, activation="tanh")
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, 7)
    entries = sampled_gradcheck(net, X, y, "cross_entropy", 12, 0)
    assert len(entries) == 12
    assert len({(e["param"], e["index"]) for e in entries}) == 12
    assert all(e["rel_error"] < 1e-7 and not e["kink"] for e in entries)


def kinked_net():
    """A ReLU network whose first hidden unit sits on its kink for the one example."""
    rng = np.random.default_rng(2)
    net = bp.MLP.init([3, 4, 2], rng, activation="relu")
    x, y = rng.normal(size=(1, 3)), rng.normal(size=(1, 2))
    net.layers[0].b[:] = 0.5
    net.layers[0].b[0] = -(x @ net.layers[0].W)[0, 0]
    return net, x, y


def test_sampled_flags_a_crossed_kink():
    net, x, y = kinked_net()
    entries = sampled_gradcheck(net, x, y, "half_sse", 26, 0)
    kinks = {(e["param"], e["index"]) for e in entries if e["kink"]}
    assert kinks == {("W1", (0, 0)), ("W1", (1, 0)), ("W1", (2, 0)),
                     ("b1", (0,))}
    net.layers[0].b[0] += 0.5                            # away from it
    good = sampled_gradcheck(net, x, y, "half_sse", 26, 0)
    assert all(e["rel_error"] < 1e-7 and not e["kink"] for e in good)


def flipped(gradient: str) -> type:
    """A Dense layer with a bug: its gradient ``gradient`` has the wrong sign."""

    class Flipped(bp.Dense):
        def _backward(self, grad_a, input_grad=True):
            out = super()._backward(grad_a, input_grad)
            getattr(self, gradient)[...] *= -1
            return out

    return Flipped


SignFlipped = flipped("grad_W")


def test_sampled_catches_a_wrong_gradient():
    rng = np.random.default_rng(3)
    net = bp.MLP([SignFlipped(*bp.init_weights(3, 4, rng), "tanh"),
                  bp.Dense.init(4, 2, rng)])
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    entries = sampled_gradcheck(net, x, y, "half_sse", 22, 0)
    for e in entries:
        expected = 2.0 if e["param"] == "W1" else 0.0
        assert abs(e["rel_error"] - expected) < 1e-6, e


def test_sampled_rejects_bad_input():
    net = bp.MLP.init([2, 2], np.random.default_rng(0))
    with pytest.raises(ValueError, match="count"):
        sampled_gradcheck(net, np.ones((1, 2)), np.ones((1, 2)), "half_sse",
                          0, 0)
    with pytest.raises(TypeError, match="must be a Network"):
        sampled_gradcheck("net", np.ones((1, 2)), np.ones((1, 2)),
                          "half_sse", 1, 0)


# ---------------------------------------------------------------------------------------
# covering_gradcheck: every weight matrix and bias vector in the sample
def test_covering_entries_cover_every_array_once_at_least():
    sizes = [16384, 256, 65536, 256, 2560, 10]    # a 64-256-256-10 network
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for seed in range(20):
        picks = covering_entries(sizes, 8, seed)
        assert len(picks) == len(set(picks)) == 8
        assert list(picks) == sorted(picks)
        owner = np.searchsorted(starts, picks, side="right") - 1
        assert set(owner) == set(range(len(sizes)))   # every array, biases too
    assert list(covering_entries([3, 1, 2], 6, 0)) == list(range(6))


def test_covering_entries_beyond_one_each_are_uniform():
    # sizes 1 and 99: the first entry is forced, the other 99 equally likely
    counts = np.zeros(100)
    for seed in range(2000):
        counts[covering_entries([1, 99], 3, seed)] += 1
    assert counts[0] == 2000
    expected = 2000 * 2 / 99                      # two free picks of 99
    assert np.all(np.abs(counts[1:] - expected) < 5 * np.sqrt(expected))


def test_covering_entries_rejects_bad_counts():
    with pytest.raises(ValueError, match="count"):
        covering_entries([3, 2], 1, 0)            # fewer than one per array
    with pytest.raises(ValueError, match="count"):
        covering_entries([3, 2], 6, 0)            # more than there are
    with pytest.raises(ValueError, match="sizes"):
        covering_entries([3, 0], 2, 0)


def test_covering_gradcheck_checks_every_array_of_a_correct_net():
    rng = np.random.default_rng(0)
    net = bp.MLP.init([4, 6, 5, 3], rng, activation="tanh")
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, 7)
    entries = covering_gradcheck(net, X, y, "cross_entropy", 6, 1)
    assert {e["param"] for e in entries} == {"W1", "b1", "W2", "b2", "W3",
                                              "b3"}
    assert all(e["rel_error"] < 1e-7 and not e["kink"] for e in entries)


def test_covering_gradcheck_agrees_with_sampled_gradcheck_on_all_entries():
    net, x, y = kinked_net()
    every = sum(p.size for p in net.params)
    ours = covering_gradcheck(net, x, y, "half_sse", every, 0)
    theirs = sampled_gradcheck(net, x, y, "half_sse", every, 0)
    assert ours == theirs


def test_covering_gradcheck_catches_a_bias_bug_that_a_uniform_draw_misses():
    rng = np.random.default_rng(3)
    net = bp.MLP([bp.Dense.init(30, 40, rng, activation="tanh"),
                  flipped("grad_b")(*bp.init_weights(40, 30, rng), "tanh"),
                  bp.Dense.init(30, 2, rng)])
    x, y = rng.normal(size=(5, 30)), rng.normal(size=(5, 2))
    entries = covering_gradcheck(net, x, y, "half_sse", 6, 0)
    flagged = {e["param"] for e in entries if e["rel_error"] > 1.99}
    assert flagged == {"b2"}
    uniform = sampled_gradcheck(net, x, y, "half_sse", 6, 0)
    assert all(e["param"] != "b2" for e in uniform)


def test_covering_gradcheck_rejects_bad_input():
    net = bp.MLP.init([2, 2], np.random.default_rng(0))
    with pytest.raises(TypeError, match="must be a Network"):
        covering_gradcheck("net", np.ones((1, 2)), np.ones((1, 2)),
                           "half_sse", 2, 0)
    with pytest.raises(ValueError, match="count"):
        covering_gradcheck(net, np.ones((1, 2)), np.ones((1, 2)),
                           "half_sse", 1, 0)
