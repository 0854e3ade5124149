"""Counting multiplications and calls: counts checked against hand counts."""

import numpy as np
import pytest

from backprop.teaching.counting import (
    CallCounter,
    Tally,
    chain_product,
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

