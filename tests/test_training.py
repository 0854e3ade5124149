"""The training loop: sampling without replacement, batch sizes, determinism, learning."""

import numpy as np
import pytest

import backprop as bp


def test_each_epoch_uses_every_row_once():
    rng = np.random.default_rng(0)
    for batch_size in (1, 3, 7, 10):
        batches = bp.minibatches(10, batch_size, rng)
        assert sorted(np.concatenate(batches).tolist()) == list(range(10))
        assert all(len(b) == batch_size for b in batches[:-1])


def test_training_is_deterministic_given_the_seed():
    def run(seed):
        rng = np.random.default_rng(seed)
        X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
        net = bp.MLP.init([3, 5, 2], rng, activation="tanh")
        return bp.train(net, X, y, "cross_entropy", 0.1, 3, rng, batch_size=4).epoch_loss

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_history_counts_examples_and_updates():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net = bp.MLP.init([2, 3, 1], rng)
    h = bp.train(net, X, Y, "half_sse", 0.1, 2, rng, batch_size=4)
    assert h.examples_seen == [10, 20] and h.updates == [3, 6]


def test_full_batch_epoch_is_one_gradient_descent_step():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    a = bp.MLP.init([2, 4, 2], np.random.default_rng(3))
    b = bp.MLP.init([2, 4, 2], np.random.default_rng(3))
    bp.train(a, X, Y, "half_sse", 0.3, 1, rng, batch_size=6)
    b.loss_and_grads(X, Y, "half_sse")
    bp.sgd_step(b.params, b.grads, 0.3)
    for p, q in zip(a.params, b.params, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-13)


def test_training_learns_a_separable_problem():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = bp.MLP.init([2, 8, 2], rng, activation="tanh")
    history = bp.train(net, X, y, "cross_entropy", 0.5, 20, rng, batch_size=10)
    assert history.epoch_loss[-1] < 0.3 * history.epoch_loss[0]
    assert bp.accuracy(net, X, y) > 0.95


def test_bad_arguments():
    rng = np.random.default_rng(5)
    net = bp.MLP.init([2, 2], rng)
    with pytest.raises(ValueError, match=r"train: Y has shape \(4, 2\), expected 3 rows of targets"):
        bp.train(net, np.zeros((3, 2)), np.zeros((4, 2)), "mse", 0.1, 1, rng)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        bp.minibatches(5, 0, rng)


def test_a_diverged_steps_norm_is_nan_for_a_nan_gradient_and_inf_for_an_inf_one():
    from backprop.core.training import _norm

    assert _norm([np.array([3.0]), np.array([4.0])]) == pytest.approx(5.0)
    assert np.isnan(_norm([np.array([1.0, np.nan]), np.array([np.inf])]))
    assert _norm([np.array([1.0, np.inf]), np.array([2.0])]) == np.inf
