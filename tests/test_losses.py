"""Losses: gradients against SymPy and centred differences, stability, and bad input."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import backprop as bp

FD_RTOL = 1e-7
rng = np.random.default_rng(2026)


def symbolic_loss_grad(kind: str, N: int, k: int):
    """The batch loss written out entry by entry in SymPy, and its exact gradient."""
    A = sp.Matrix(N, k, lambda n, i: sp.Symbol(f"a{n}_{i}", real=True))
    Y = sp.Matrix(N, k, lambda n, i: sp.Symbol(f"y{n}_{i}", real=True))
    if kind == "half_sse":
        L = sum((A[n, i] - Y[n, i]) ** 2 for n in range(N) for i in range(k)) / (2 * N)
    elif kind == "mse":
        L = sum((A[n, i] - Y[n, i]) ** 2 for n in range(N) for i in range(k)) / (N * k)
    elif kind == "binary_cross_entropy":
        sig = lambda t: 1 / (1 + sp.exp(-t))
        L = -sum(Y[n, i] * sp.log(sig(A[n, i])) + (1 - Y[n, i]) * sp.log(1 - sig(A[n, i]))
                 for n in range(N) for i in range(k)) / N
    else:  # cross_entropy from logits
        L = -sum(Y[n, i] * (A[n, i] - sp.log(sum(sp.exp(A[n, j]) for j in range(k))))
                 for n in range(N) for i in range(k)) / N
    grad = sp.Matrix(N, k, lambda n, i: sp.diff(L, A[n, i]))
    args = list(A) + list(Y)
    return sp.lambdify(args, L, "numpy"), sp.lambdify(args, grad, "numpy")


@pytest.mark.parametrize("kind", ["half_sse", "mse", "binary_cross_entropy", "cross_entropy"])
def test_loss_and_gradient_match_sympy_and_centred_differences(kind):
    N, k = 3, 4
    loss = bp.get_loss(kind)
    a = rng.normal(size=(N, k))
    y = np.eye(k)[rng.integers(0, k, N)] if kind == "cross_entropy" else rng.uniform(size=(N, k))
    L_exact, grad_exact = symbolic_loss_grad(kind, N, k)
    args = [*a.ravel(), *y.ravel()]
    np.testing.assert_allclose(loss.value(a, y), L_exact(*args), rtol=1e-12)
    np.testing.assert_allclose(loss.grad(a, y), np.array(grad_exact(*args), float), rtol=1e-12)
    numeric = bp.numerical_gradient(lambda: loss.value(a, y), a)
    assert bp.relative_error(loss.grad(a, y), numeric) <= FD_RTOL


def test_cross_entropy_accepts_integer_labels():
    z = rng.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    assert bp.cross_entropy(z, labels) == pytest.approx(bp.cross_entropy(z, np.eye(3)[labels]))
    np.testing.assert_allclose(bp.cross_entropy_grad(z, labels), bp.cross_entropy_grad(z, np.eye(3)[labels]))


@given(arrays(np.float64, (4, 3), elements=st.floats(-1e4, 1e4)), st.integers(0, 2))
def test_logit_losses_stay_finite_up_to_1e4(z, label):
    y = np.zeros_like(z)
    y[:, label] = 1
    for loss in ("cross_entropy", "binary_cross_entropy"):
        value, grad = bp.get_loss(loss).value(z, y), bp.get_loss(loss).grad(z, y)
        assert np.isfinite(value) and np.all(np.isfinite(grad)), loss


def test_extreme_logits_give_the_exact_limit():
    z = np.array([[1e4, -1e4]])
    assert bp.cross_entropy(z, [[0.0, 1.0]]) == pytest.approx(2e4)
    assert bp.cross_entropy(z, [[1.0, 0.0]]) == 0.0
    assert bp.binary_cross_entropy(np.array([[-1e4]]), [[1.0]]) == pytest.approx(1e4)


# the losses of one row per example; sequence_half_sse takes (N, T, p): tested below
ROW_LOSSES = sorted(set(bp.LOSSES) - {"sequence_half_sse"})


@pytest.mark.parametrize("loss", ROW_LOSSES)
def test_column_against_flat_targets_is_refused_not_broadcast(loss):
    a = rng.normal(size=(4, 1))
    # for cross-entropy, y of shape (N,) means labels, which must be integers
    error, match = (TypeError, "labels must be integers") if loss == "cross_entropy" else (
        ValueError, rf"{loss}: y has shape \(4,\), expected \(4, 1\)")
    with pytest.raises(error, match=match):
        bp.get_loss(loss).value(a, rng.uniform(size=4))


@pytest.mark.parametrize("loss", ROW_LOSSES)
def test_mismatched_shapes_name_both(loss):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        bp.get_loss(loss).grad(np.zeros((2, 3)), np.zeros((2, 4)))


@pytest.mark.parametrize("bad, error, message", [
    (np.array([[np.nan, 1.0]]), ValueError, r": (a|z) contains NaN"),
    (np.array([[np.inf, 1.0]]), ValueError, r": (a|z) contains inf"),
    (np.zeros((0, 2)), ValueError, "empty batch"),
    (np.array([["a", "b"]]), TypeError, "dtype"),
    (np.array([[1 + 1j, 0]]), TypeError, "dtype"),
    (np.array([[True, False]]), TypeError, "dtype"),
])
@pytest.mark.parametrize("loss", ROW_LOSSES)
def test_bad_input_gets_a_clear_error(loss, bad, error, message):
    y = np.zeros(bad.shape) if bad.dtype.kind == "f" else np.zeros((1, 2))
    with pytest.raises(error, match=message):
        bp.get_loss(loss).value(bad, y)


def test_labels_out_of_range_are_refused():
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        bp.cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_sequence_half_sse_averages_over_examples_and_steps():
    a, y = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    by_hand = sum(0.5 * np.sum((a[n, t] - y[n, t]) ** 2)
                  for n in range(3) for t in range(4)) / 12
    loss = bp.get_loss("sequence_half_sse")
    assert loss.value(a, y) == pytest.approx(by_hand, rel=1e-12)
    h, e = 1e-6, np.zeros_like(a)
    e[1, 2, 0] = h
    numeric = (loss.value(a + e, y) - loss.value(a - e, y)) / (2 * h)
    assert loss.grad(a, y)[1, 2, 0] == pytest.approx(numeric, rel=1e-7)


@pytest.mark.parametrize("a, y, message", [
    (np.zeros((2, 3)), np.zeros((2, 3)), r"a has shape \(2, 3\), expected \(N, T, p\)"),
    (np.zeros((2, 3, 1)), np.zeros((2, 3)), r"y has shape \(2, 3\)"),
    (np.zeros((2, 3, 1)), np.zeros((2, 4, 1)), r"\(2, 3, 1\).*\(2, 4, 1\)"),
    (np.full((1, 1, 1), np.nan), np.zeros((1, 1, 1)), "a contains NaN"),
])
def test_sequence_half_sse_refuses_what_it_would_broadcast(a, y, message):
    with pytest.raises(ValueError, match=message):
        bp.get_loss("sequence_half_sse").value(a, y)


def test_the_loss_of_a_networks_own_output_equals_the_checked_loss():
    """Network.loss_and_grads does not check its own output again (of_output); the value
    and gradient are those of the checked road, labels are still checked, and an output
    that is not (N, k) takes the checked road and its clear error."""
    loss = bp.get_loss("cross_entropy")
    z, y = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    fast, checked = loss.output_value_and_grad(z, y), loss.value_and_grad(z, y)
    assert fast[0] == checked[0]
    np.testing.assert_array_equal(fast[1], checked[1])
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.3"):
        loss.output_value_and_grad(z, np.full(6, 4))
    with pytest.raises(ValueError, match=r"z has shape \(6, 4, 1\)"):
        loss.output_value_and_grad(z[:, :, None], y)
    value, grad = loss.output_value_and_grad(np.full((2, 3), np.nan), np.zeros(2, dtype=int))
    assert np.isnan(value) and np.isnan(grad).all()  # divergence shows, it is not hidden
    half = bp.get_loss("half_sse")  # no of_output: the checked road
    with pytest.raises(ValueError, match="contains NaN"):
        half.output_value_and_grad(np.full((2, 3), np.nan), np.zeros((2, 3)))
