"""Epochs with and without replacement; training measured by the full loss;
a sampled gradient check that covers every parameter array."""

import numpy as np
import pytest

import backprop as bp
from backprop.checking import covering_entries, covering_gradcheck, sampled_gradcheck
from backprop.sampling import epoch_rows, train_measured


def test_permutation_epoch_uses_every_row_once():
    rows = np.concatenate(epoch_rows(103, 10, 0))
    assert sorted(rows) == list(range(103))


def test_with_replacement_draws_n_rows_and_repeats_some():
    batches = epoch_rows(1000, 7, 0, replacement=True)
    rows = np.concatenate(batches)
    assert len(rows) == 1000 and [len(b) for b in batches[:-1]] == [7] * 142
    assert rows.min() >= 0 and rows.max() < 1000
    assert 300 < 1000 - len(np.unique(rows)) < 440   # about 1000/e unseen


def test_train_measured_matches_train_and_measures_the_full_loss():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    a = bp.MLP.init([3, 5, 2], np.random.default_rng(1), activation="tanh")
    b = bp.MLP.init([3, 5, 2], np.random.default_rng(1), activation="tanh")
    start = bp.cross_entropy(a.forward(X), y)
    losses = train_measured(a, X, y, "cross_entropy", 0.3, 4, 7, 8)
    bp.train(b, X, y, "cross_entropy", 0.3, 4, 7, batch_size=8)
    np.testing.assert_array_equal(a.flat_params, b.flat_params)
    assert losses.shape == (5,) and losses[0] == start
    assert losses[-1] == bp.cross_entropy(b.forward(X), y)


def test_bad_input():
    net = bp.MLP.init([2, 2], np.random.default_rng(0))
    X, y = np.ones((3, 2)), np.zeros(3, dtype=int)
    with pytest.raises(ValueError, match="eta"):
        train_measured(net, X, y, "cross_entropy", 0.0, 1, 0)
    with pytest.raises(ValueError, match="epochs"):
        train_measured(net, X, y, "cross_entropy", 0.1, -1, 0)
    with pytest.raises(TypeError, match="MLP"):
        train_measured("net", X, y, "cross_entropy", 0.1, 1, 0)
    with pytest.raises(ValueError, match="batch_size"):
        epoch_rows(3, 0, 0, replacement=True)


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
    rng = np.random.default_rng(2)
    net = bp.MLP.init([3, 4, 2], rng, activation="relu")
    x, y = rng.normal(size=(1, 3)), rng.normal(size=(1, 2))
    net.layers[0].b[:] = 0.5
    net.layers[0].b[0] = -(x @ net.layers[0].W)[0, 0]   # unit 1 on its kink
    every = sum(p.size for p in net.params)
    ours = covering_gradcheck(net, x, y, "half_sse", every, 0)
    theirs = sampled_gradcheck(net, x, y, "half_sse", every, 0)
    assert ours == theirs


class BiasSignFlipped(bp.Dense):
    """A bug in a bias gradient only."""

    def _backward(self, grad_a, input_grad=True):
        out = super()._backward(grad_a, input_grad)
        self.grad_b *= -1
        return out


def test_covering_gradcheck_catches_a_bias_bug_that_a_uniform_draw_misses():
    rng = np.random.default_rng(3)
    net = bp.MLP([bp.Dense.init(30, 40, rng, activation="tanh"),
                  BiasSignFlipped(*bp.init_weights(40, 30, rng), "tanh"),
                  bp.Dense.init(30, 2, rng)])
    x, y = rng.normal(size=(5, 30)), rng.normal(size=(5, 2))
    entries = covering_gradcheck(net, x, y, "half_sse", 6, 0)
    flagged = {e["param"] for e in entries if e["rel_error"] > 1.99}
    assert flagged == {"b2"}
    uniform = sampled_gradcheck(net, x, y, "half_sse", 6, 0)
    assert all(e["param"] != "b2" for e in uniform)


def test_covering_gradcheck_rejects_bad_input():
    net = bp.MLP.init([2, 2], np.random.default_rng(0))
    with pytest.raises(TypeError, match="MLP"):
        covering_gradcheck("net", np.ones((1, 2)), np.ones((1, 2)),
                           "half_sse", 2, 0)
    with pytest.raises(ValueError, match="count"):
        covering_gradcheck(net, np.ones((1, 2)), np.ones((1, 2)),
                           "half_sse", 1, 0)
