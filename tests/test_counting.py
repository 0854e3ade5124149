"""Counting multiplications and calls: counts checked against hand counts."""

import numpy as np
import pytest

import backprop as bp
from backprop.counting import (
    CallCounter,
    Tally,
    chain_product,
    count_matmuls,
    counted,
    matmul_multiplications,
    values,
)


def test_counted_product_counts_every_multiplication():
    tally = Tally()
    a, b = counted(np.ones((2, 3)), tally), counted(np.ones((3, 4)), tally)
    assert values(a @ b).tolist() == (3 * np.ones((2, 4))).tolist()
    assert tally.multiplications == 2 * 3 * 4


def test_chain_product_both_orders_by_hand():
    rng = np.random.default_rng(0)
    # J_1 (4, 3), J_2 (2, 4), J_3 (1, 2): n_0 = 3, n_1 = 4, n_2 = 2, n_3 = 1
    J = [rng.normal(size=s) for s in [(4, 3), (2, 4), (1, 2)]]
    exact = J[2] @ J[1] @ J[0]
    rev, c_rev = chain_product(J, "reverse")
    fwd, c_fwd = chain_product(J, "forward")
    np.testing.assert_allclose(rev, exact, rtol=1e-12)
    np.testing.assert_allclose(fwd, exact, rtol=1e-12)
    # reverse: (1x2)(2x4) = 8, then (1x4)(4x3) = 12
    assert c_rev == 8 + 12
    # forward: (2x4)(4x3) = 24, then (1x2)(2x3) = 6
    assert c_fwd == 24 + 6


def test_chain_product_refuses_bad_input():
    with pytest.raises(ValueError, match="order must be one of"):
        chain_product([np.eye(2)], "sideways")
    with pytest.raises(ValueError, match=r"J_2 has shape \(2, 3\)"):
        chain_product([np.ones((4, 2)), np.ones((2, 3))], "reverse")
    with pytest.raises(ValueError, match="no Jacobians"):
        chain_product([], "forward")


def test_matmul_multiplications():
    assert matmul_multiplications((5, 3), (3, 7)) == 105
    with pytest.raises(ValueError, match="do not multiply"):
        matmul_multiplications((5, 3), (2, 7))


def test_call_counter():
    f = CallCounter(lambda x: 2 * x)
    assert [f(1), f(2)] == [2, 4] and f.calls == 2
    assert repr(f) == "CallCounter(calls=2)"
    with pytest.raises(TypeError, match="must be callable"):
        CallCounter(3)


# ---------------------------------------------------------------------------------------
# count_matmuls: the products a computation made, logged as it makes them
def test_count_matmuls_logs_each_product_in_order():
    a, b = np.ones((2, 3)), np.ones((3, 4))
    result, log = count_matmuls(lambda x, y: np.matmul((x @ y).T, x), a, b)
    assert log.shapes == [((2, 3), (3, 4)), ((4, 2), (2, 3))]
    assert log.multiplications == 2 * 3 * 4 + 4 * 2 * 3
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
    with pytest.raises(TypeError, match="count_matmuls: layers have no weights W"):
        count_matmuls(lambda: None, layers=[object()])
