"""The scalar engine: local rules against SymPy, accumulation at forks, and agreement
with the matrix form of backpropagation."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import backprop as bp
from backprop.roads.engine import Value
from backprop.roads.scalar_network import ScalarMLP

x_, y_ = sp.symbols("x y", real=True)
CASES = [
    (lambda a, b: a * b + a, lambda a, b: a * b + a),
    (lambda a, b: (a - b) ** 2 / 2, lambda a, b: (a - b) ** 2 / 2),
    (lambda a, b: (a * b).tanh(), lambda a, b: sp.tanh(a * b)),
    (lambda a, b: (a + 2.0).log() * b.exp(), lambda a, b: sp.log(a + 2) * sp.exp(b)),
    (lambda a, b: (a * b).sigmoid() / (b ** 2 + 1.0), lambda a, b: 1 / (1 + sp.exp(-a * b)) / (b**2 + 1)),
    (lambda a, b: 3.0 - a / b, lambda a, b: 3 - a / b),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@given(st.floats(-1.5, 1.5), st.floats(0.5, 2.0))
def test_engine_matches_sympy(case, a0, b0):
    f_value, f_sym = CASES[case]
    a, b = Value(a0), Value(b0)
    out = f_value(a, b)
    out.backward()
    expr = f_sym(x_, y_)
    at = {x_: a0, y_: b0}
    assert out.data == pytest.approx(float(expr.subs(at)), rel=1e-12, abs=1e-12)
    assert a.grad == pytest.approx(float(sp.diff(expr, x_).subs(at)), rel=1e-10, abs=1e-12)
    assert b.grad == pytest.approx(float(sp.diff(expr, y_).subs(at)), rel=1e-10, abs=1e-12)


def test_gradients_add_up_at_a_fork():
    a = Value(3.0)
    out = a * a + a  # a is used three times: d/da = 2a + 1
    out.backward()
    assert a.grad == 7.0


def test_backward_twice_gives_the_same_gradients():
    a, b = Value(0.3), Value(-1.2)
    out = (a * b).tanh() + a
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first


def test_max_routes_and_relu():
    a, b = Value(2.0), Value(5.0)
    out = a.max(b) * 3.0
    out.backward()
    assert (a.grad, b.grad) == (0.0, 3.0)
    z = Value(-1.0)
    z.relu().backward()
    assert z.grad == 0.0


def test_max_sends_a_tie_to_the_second_argument_so_it_agrees_with_relu():
    # relu'(0) = 0 (eq-relu-derivative), so x.max(0) at x = 0 must give x no gradient
    for z in (0.0, -0.0, 1e-300, -1e-300, 3.0):
        via_max, via_relu = Value(z), Value(z)
        via_max.max(0.0).backward()
        via_relu.relu().backward()
        assert via_max.grad == via_relu.grad, z
    a, b = Value(1.5), Value(1.5)
    (a.max(b) * 2.0).backward()
    assert (a.grad, b.grad) == (0.0, 2.0)


def test_sigmoid_is_stable():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000)


def test_bad_input():
    with pytest.raises(TypeError, match="real number"):
        Value("1.0")
    with pytest.raises(TypeError, match="exponents"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="positive"):
        Value(-1.0).log()


def test_repr_has_no_address():
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0)"


@pytest.mark.parametrize("hidden, loss, output", [
    ("tanh", "half_sse", "sigmoid"),
    ("sigmoid", "cross_entropy", "identity"),
    ("relu", "half_sse", "identity"),
])
def test_scalar_network_equals_matrix_backprop(hidden, loss, output):
    rng = np.random.default_rng(11)
    net = bp.MLP.init([3, 4, 3], rng, activation=hidden, output=output)
    for layer in net.layers:
        layer.b += 0.1
    X = rng.normal(size=(5, 3))
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    matrix_loss = net.loss_and_grads(X, Y, loss)
    scalar = ScalarMLP(net)
    L = scalar.loss(X, Y, loss)
    L.backward()
    assert L.data == pytest.approx(matrix_loss, rel=1e-12)
    for g_scalar, g_matrix in zip(scalar.grads, net.grads, strict=True):
        np.testing.assert_allclose(g_scalar, g_matrix, rtol=1e-10, atol=1e-14)
    assert math.isfinite(L.data)


def test_loop_gradients_equal_matrix_backprop():
    from backprop.roads.explicit_loops import loop_gradients

    rng = np.random.default_rng(12)
    net = bp.MLP.init([3, 4, 2], rng, activation="sigmoid", output="tanh")
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    matrix_loss = net.loss_and_grads(X, Y, "half_sse")
    loss, grads = loop_gradients(net, X, Y)
    assert loss == pytest.approx(matrix_loss, rel=1e-12)
    for g_loop, g_matrix in zip(grads, net.grads, strict=True):
        np.testing.assert_allclose(g_loop, g_matrix, rtol=1e-10, atol=1e-14)
