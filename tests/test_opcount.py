"""MatmulLog counts the products a computation performs, and changes no number."""

import numpy as np
import pytest

import backprop as bp
from backprop.opcount import Counted, MatmulLog, unwatched


def test_one_product_is_counted_with_its_sizes():
    log = MatmulLog()
    A = log.watch(np.ones((3, 4)))
    C = A @ np.ones((4, 5))
    assert log.products == [(3, 4, 5)] and log.multiply_adds == 60
    np.testing.assert_array_equal(unwatched(C), np.full((3, 5), 4.0))


def test_the_count_follows_derived_arrays_but_not_elementwise_work():
    log = MatmulLog()
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    D = np.tanh(log.watch(A) @ B) * 2.0 + 1.0       # elementwise: not counted
    E = D.T @ rng.normal(size=(2, 6))                # derived from A: counted
    assert isinstance(E, Counted)
    assert log.products == [(2, 3, 4), (4, 2, 6)]
    expected = (np.tanh(A @ B) * 2.0 + 1.0).T
    np.testing.assert_array_equal(unwatched(D).T, expected)


def test_products_into_a_plain_out_array_are_counted():
    log = MatmulLog()
    out = np.zeros((4, 2))
    result = np.matmul(np.ones((4, 3)), log.watch(np.ones((3, 2))), out=out)
    assert result is out and log.products == [(4, 3, 2)]
    np.testing.assert_array_equal(out, 3.0)


def test_unwatched_arrays_are_not_counted_and_clear_forgets():
    log = MatmulLog()
    _ = np.ones((2, 2)) @ np.ones((2, 2))
    assert log.products == []
    _ = log.watch(np.ones((2, 2))) @ np.ones((2, 2))
    log.clear()
    assert log.multiply_adds == 0 and repr(log) == "MatmulLog(0 products, 0 multiply-adds)"


def test_watch_refuses_non_numbers_and_batched_products():
    with pytest.raises(TypeError, match="dtype"):
        MatmulLog().watch(np.array(["a"]))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        _ = MatmulLog().watch(np.ones((2, 3, 4))) @ np.ones((4, 5))


def test_a_watched_network_computes_the_same_gradients():
    rng = np.random.default_rng(1)
    net = bp.MLP.init([5, 4, 3], rng, activation="tanh")
    X, Y = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    net.loss_and_grads(X, Y, "half_sse")
    reference = [g.copy() for g in net.grads]
    log = MatmulLog()
    for layer in net.layers:
        layer.W = log.watch(layer.W)
    net.loss_and_grads(X, Y, "half_sse")
    for g, r in zip(net.grads, reference, strict=True):
        np.testing.assert_array_equal(g, r)
    # forward (6,5)@(5,4), (6,4)@(4,3); backward layer 2: grad W, passed back;
    # layer 1: grad W only (no gradient for the input X)
    assert sorted(log.products) == sorted(
        [(6, 5, 4), (6, 4, 3), (4, 6, 3), (6, 3, 4), (5, 6, 4)])


def test_a_product_written_into_a_watched_out_array_is_counted():
    log = MatmulLog()
    out = log.watch(np.zeros((2, 3)))
    result = np.matmul(np.ones((2, 4)), np.ones((4, 3)), out=out)
    assert result is out and log.products == [(2, 4, 3)]
    np.testing.assert_array_equal(unwatched(out), 4.0)


def test_watching_w_and_grad_w_counts_every_product_of_a_network():
    rng = np.random.default_rng(2)
    net = bp.MLP.init([5, 4, 3], rng, activation="sigmoid", output="sigmoid")
    log = MatmulLog()
    for layer in net.layers:
        layer.W, layer.grad_W = log.watch(layer.W), log.watch(layer.grad_W)
    out = net.forward(rng.normal(size=(6, 5)))
    assert sorted(log.products) == [(6, 4, 3), (6, 5, 4)]
    log.clear()
    net.backward(bp.half_sse_grad(unwatched(out), rng.uniform(size=(6, 3))))
    assert sorted(log.products) == [(4, 6, 3), (5, 6, 4), (6, 3, 4)]
