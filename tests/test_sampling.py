"""Epochs with and without replacement; training measured by the full loss."""

import numpy as np
import pytest

import backprop as bp
from backprop.core.batching import epoch_rows


def test_permutation_epoch_uses_every_row_once():
    rows = np.concatenate(epoch_rows(103, 10, 0))
    assert sorted(rows) == list(range(103))


def test_with_replacement_draws_n_rows_and_repeats_some():
    batches = epoch_rows(1000, 7, 0, replacement=True)
    rows = np.concatenate(batches)
    assert len(rows) == 1000 and [len(b) for b in batches[:-1]] == [7] * 142
    assert rows.min() >= 0 and rows.max() < 1000
    assert 300 < 1000 - len(np.unique(rows)) < 440   # about 1000/e unseen


def test_measuring_the_full_loss_leaves_the_run_as_it_was():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    a = bp.MLP.init([3, 5, 2], np.random.default_rng(1), activation="tanh")
    b = bp.MLP.init([3, 5, 2], np.random.default_rng(1), activation="tanh")
    start = bp.cross_entropy(a.forward(X), y)
    losses = np.array(bp.train(a, X, y, "cross_entropy", 0.3, 4, 7, 8,
                               full_loss=True).full_loss)
    bp.train(b, X, y, "cross_entropy", 0.3, 4, 7, batch_size=8)
    np.testing.assert_array_equal(a.flat_params, b.flat_params)
    assert losses.shape == (5,) and losses[0] == start
    assert losses[-1] == bp.cross_entropy(b.forward(X), y)


def test_training_with_replacement_draws_its_rows_from_epoch_rows():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, 30)
    a = bp.MLP.init([3, 2], np.random.default_rng(1))
    b = bp.MLP.init([3, 2], np.random.default_rng(1))
    bp.train(a, X, y, "cross_entropy", 0.3, 2, 5, 4, replacement=True)
    order = np.random.default_rng(5)
    for _ in range(2):  # the same steps, written out
        for rows in epoch_rows(30, 4, order, replacement=True):
            b.loss_and_grads(X[rows], y[rows], "cross_entropy")
            b.flat_params -= 0.3 * b.flat_grads
    np.testing.assert_allclose(a.flat_params, b.flat_params, rtol=1e-13)


def test_bad_input():
    net = bp.MLP.init([2, 2], np.random.default_rng(0))
    X, y = np.ones((3, 2)), np.zeros(3, dtype=int)
    with pytest.raises(ValueError, match="eta"):
        bp.train(net, X, y, "cross_entropy", 0.0, 1, 0, full_loss=True)
    with pytest.raises(ValueError, match="epochs"):
        bp.train(net, X, y, "cross_entropy", 0.1, -1, 0, full_loss=True)
    with pytest.raises(TypeError, match="must be a Network"):
        bp.train("net", X, y, "cross_entropy", 0.1, 1, 0, full_loss=True)
    with pytest.raises(ValueError, match="batch_size"):
        epoch_rows(3, 0, 0, replacement=True)
