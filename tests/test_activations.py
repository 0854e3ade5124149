"""Activations: derivatives against SymPy (exact) and centred differences; softmax properties."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import backprop as bp

FD_RTOL = 1e-7  # centred differences in float64
EXACT_RTOL = 1e-12  # package vs SymPy's exact derivative, evaluated in float64

z = sp.Symbol("z", real=True)
SYMBOLIC = {
    "identity": (z, bp.identity, bp.identity_prime),
    "sigmoid": (1 / (1 + sp.exp(-z)), bp.sigmoid, bp.sigmoid_prime),
    "tanh": (sp.tanh(z), bp.tanh, bp.tanh_prime),
    "relu": (sp.Max(0, z), bp.relu, bp.relu_prime),
}
GRID = np.linspace(-12, 12, 2401)
GRID = GRID[np.abs(GRID) > 1e-3]  # away from ReLU's kink


@pytest.mark.parametrize("name", SYMBOLIC)
def test_activation_and_derivative_match_sympy(name):
    expr, f, f_prime = SYMBOLIC[name]
    value = sp.lambdify(z, expr, "numpy")
    exact = sp.lambdify(z, sp.diff(expr, z).rewrite(sp.Piecewise), "numpy")
    np.testing.assert_allclose(f(GRID), np.broadcast_to(value(GRID), GRID.shape), rtol=EXACT_RTOL)
    np.testing.assert_allclose(
        f_prime(GRID), np.broadcast_to(exact(GRID), GRID.shape), rtol=EXACT_RTOL, atol=1e-300
    )


@pytest.mark.parametrize("name", SYMBOLIC)
def test_derivative_matches_centred_difference(name):
    _, f, f_prime = SYMBOLIC[name]
    x = np.linspace(-4, 4, 81)
    x = x[np.abs(x) > 1e-3]
    h = bp.FD_STEP
    centred = (f(x + h) - f(x - h)) / (2 * h)
    assert bp.relative_error(f_prime(x), centred) <= FD_RTOL


def test_relu_prime_at_kink_is_zero_by_convention():
    assert bp.relu_prime(np.array([0.0]))[0] == 0.0


def test_sigmoid_is_stable_for_huge_inputs():
    out = bp.sigmoid(np.array([-1e4, -800.0, 0.0, 800.0, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.5, 1.0, 1.0])


def test_activations_keep_float32():
    z32 = np.linspace(-3, 3, 7, dtype=np.float32)
    for name, act in bp.ACTIVATIONS.items():
        assert act(z32).dtype == np.float32, name


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_softmax_jacobian_matches_sympy(k):
    zs = sp.symbols(f"z1:{k + 1}", real=True)
    denom = sum(sp.exp(zi) for zi in zs)
    s = [sp.exp(zi) / denom for zi in zs]
    J = sp.Matrix(k, k, lambda i, j: sp.diff(s[i], zs[j]))
    point = np.random.default_rng(k).normal(size=k)
    exact = np.array(sp.lambdify(zs, J, "numpy")(*point), dtype=float)
    np.testing.assert_allclose(bp.softmax_jacobian(point), exact, rtol=EXACT_RTOL, atol=1e-15)


finite_rows = arrays(
    np.float64,
    array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-1e4, 1e4, allow_nan=False),
)


@given(finite_rows, st.floats(-1e3, 1e3))
def test_softmax_rows_sum_to_one_and_are_shift_invariant(zb, c):
    s = bp.softmax(zb)
    assert np.all(np.isfinite(s)) and np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(bp.softmax(zb + c), s, rtol=1e-6, atol=1e-12)


@given(finite_rows)
def test_softmax_vjp_equals_gradient_times_jacobian(zb):
    g = np.random.default_rng(0).normal(size=zb.shape)
    J = bp.softmax_jacobian(zb)
    np.testing.assert_allclose(
        bp.softmax_vjp(bp.softmax(zb), g), np.einsum("ni,nij->nj", g, J), rtol=1e-9, atol=1e-12
    )


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*sigmoid"):
        bp.get_activation("swish")
