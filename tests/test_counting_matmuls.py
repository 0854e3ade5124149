"""backprop.teaching.counting's matrix-product log: what count_matmuls records, and what it leaves alone."""

import numpy as np
import pytest

import backprop as bp
from backprop.teaching.counting import MatmulLog, Watched, count_matmuls, unwatched


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
    assert isinstance(E, Watched)
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


# ---------------------------------------------------------------------------------------
# count_matmuls: the products a computation made, logged as it makes them
def test_count_matmuls_logs_each_product_in_order():
    a, b = np.ones((2, 3)), np.ones((3, 4))
    result, log = count_matmuls(lambda x, y: np.matmul((x @ y).T, x), a, b)
    assert log.shapes == [((2, 3), (3, 4)), ((4, 2), (2, 3))]
    assert log.multiply_adds == 2 * 3 * 4 + 4 * 2 * 3
    assert type(result) is np.ndarray and result.shape == (4, 3)


def test_count_matmuls_follows_a_network_through_its_own_input_checks():
    """The network copies its inputs while checking them; its layers' weights and
    gradient buffers carry the mark, so the backward products are logged too: two
    per layer but the first (which sends no gradient to the input)."""
    rng = np.random.default_rng(4)
    net = bp.MLP.init([5, 4, 3], rng, activation="sigmoid")
    X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 3))
    weights = [layer.W for layer in net.layers]
    expected_loss = net.loss_and_grads(X, Y, "half_sse")
    expected_grads = net.flat_grads.copy()
    loss, log = count_matmuls(net.loss_and_grads, X, Y, "half_sse", layers=net.layers)
    assert loss == expected_loss
    np.testing.assert_array_equal(net.flat_grads, expected_grads)
    assert log.shapes == [((7, 5), (5, 4)), ((7, 4), (4, 3)),      # forward
                          ((4, 7), (7, 3)), ((7, 3), (3, 4)),      # layer 2
                          ((5, 7), (7, 4))]                        # layer 1
    assert all(layer.W is W for layer, W in zip(net.layers, weights, strict=True))


def test_count_matmuls_gives_the_layers_back_when_f_fails():
    net = bp.MLP.init([2, 2], np.random.default_rng(0))
    before = {name: getattr(net.layers[0], name) for name in ("W", "b", "grad_W", "grad_b")}

    def fails(x):
        raise RuntimeError("planted")

    with pytest.raises(RuntimeError, match="planted"):
        count_matmuls(fails, np.ones((1, 2)), layers=net.layers)
    assert all(getattr(net.layers[0], name) is array for name, array in before.items())


def test_count_matmuls_names_bad_arguments():
    with pytest.raises(TypeError, match="count_matmuls: f must be callable, got int"):
        count_matmuls(3)
    with pytest.raises(TypeError, match="count_matmuls: layers have no weights W to watch"):
        count_matmuls(lambda: None, layers=[object()])
