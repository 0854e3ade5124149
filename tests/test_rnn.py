"""The tanh RNN and backpropagation through time: every gradient against
centred differences of the forward pass (random shapes, hypothesis), the
forward pass against a loop written from the definition, truncated BPTT
against per-step gradients of an untied copy of the network, clipping
against NumPy's norm, a short training run, bad input.

The references are computed independently of backprop.layers.recurrent: centred
differences, np.tanh in a plain loop, np.linalg.norm.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backprop as bp
from backprop.core.optim import clip_by_global_norm
from backprop.layers.recurrent import RNN, Readout

FD_RTOL = 1e-6


def make(seed, N, T, n, m, rho=1.0):
    rng = np.random.default_rng(seed)
    rnn = RNN.init(n, m, rng, rho)
    rnn.b[:] = rng.normal(0, 0.5, size=m)
    X = rng.normal(size=(N, T, n))
    h0 = rng.normal(0, 0.5, size=(N, m))
    G = rng.normal(size=(N, T, m))
    return rnn, X, h0, G


def untied_states(W_x, W_h, b, X, h0):
    """h_t = tanh(x_t W_x[t] + h_{t-1} W_h[t] + b[t]): one copy per step."""
    h, out = h0, []
    for t in range(X.shape[1]):
        h = np.tanh(X[:, t] @ W_x[t] + h @ W_h[t] + b[t])
        out.append(h)
    return np.stack(out, axis=1)


shapes = st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 3),
                   st.integers(1, 4), st.integers(0, 10**6))


def test_forward_matches_the_definition():
    rnn, X, h0, _ = make(0, 3, 4, 2, 3)
    H = rnn.forward(X, h0)
    h = h0
    for t in range(4):
        h = np.tanh(X[:, t] @ rnn.W_x + h @ rnn.W_h + rnn.b)
        np.testing.assert_allclose(H[:, t], h, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(rnn.forward(X), rnn.forward(X, 0 * h0))


@given(shapes)
def test_every_gradient_matches_centred_differences(case):
    N, T, n, m, seed = case
    rnn, X, h0, G = make(seed, N, T, n, m)

    def loss():
        return float(np.sum(G * rnn.forward(X, h0)))

    rnn.forward(X, h0)
    grad_X = rnn.backward(G)
    analytic = [*(g.copy() for g in rnn.grads), rnn.grad_h0.copy(), grad_X]
    numeric = [bp.numerical_gradient(loss, p)
               for p in [*rnn.params, h0, X]]
    for a, nu in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(a, nu, rtol=FD_RTOL, atol=1e-8)


@given(shapes, st.integers(1, 6))
def test_truncation_keeps_exactly_the_terms_of_lag_below_k(case, k):
    N, T, n, m, seed = case
    rnn, X, h0, G = make(seed, N, T, n, m)
    tied = [np.repeat(p[None], T, axis=0) for p in rnn.params]

    def loss_at(t):
        return lambda: float(np.sum(G[:, t] * untied_states(*tied, X, h0)[:, t]))

    # D[i][t, s] = dL_t / d(copy s of parameter i), by centred differences
    D = [np.stack([bp.numerical_gradient(loss_at(t), p) for t in range(T)])
         for p in tied]
    lag = np.subtract.outer(np.arange(T), np.arange(T))      # t - s
    rnn.forward(X, h0)
    rnn.backward(G, k)
    for i, grad in enumerate(rnn.grads):
        kept = (lag >= 0) & (lag < k)
        expected = np.tensordot(kept, D[i], axes=([0, 1], [0, 1]))
        np.testing.assert_allclose(grad, expected, rtol=FD_RTOL, atol=1e-8)
        assert np.allclose(D[i][lag < 0], 0, atol=1e-9)      # causality


@given(shapes)
def test_truncation_at_T_or_more_is_the_full_gradient(case):
    N, T, n, m, seed = case
    rnn, X, h0, G = make(seed, N, T, n, m)
    rnn.forward(X, h0)
    full_X = rnn.backward(G)
    full = [g.copy() for g in [*rnn.grads, rnn.grad_h0, full_X]]
    for k in (T, T + 3):
        grad_X = rnn.backward(G, k)
        for a, b in zip([*rnn.grads, rnn.grad_h0, grad_X], full, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_k_equal_1_keeps_only_the_direct_terms():
    rnn, X, h0, G = make(3, 2, 4, 2, 3)
    H = rnn.forward(X, h0)
    rnn.backward(G, 1)
    np.testing.assert_allclose(rnn.delta, G * (1 - H**2), rtol=1e-14)


def test_the_one_clipping_function_on_rnn_gradients_against_numpy():
    rnn, X, h0, G = make(5, 2, 4, 3, 5)
    rnn.forward(X, h0)
    rnn.backward(10 * G)
    grads = list(rnn.grads)
    flat = np.concatenate([g.ravel() for g in grads])
    norm = clip_by_global_norm(grads, 0.5)
    assert np.isclose(norm, np.linalg.norm(flat), rtol=1e-14)
    clipped = np.concatenate([g.ravel() for g in rnn.grads])  # in place
    assert np.isclose(np.linalg.norm(clipped), 0.5, rtol=1e-14)
    np.testing.assert_allclose(clipped, flat * 0.5 / np.linalg.norm(flat),
                               rtol=1e-14)
    before = [g.copy() for g in grads]
    clip_by_global_norm(grads, 10.0)                 # below the threshold: kept
    for a, b in zip(grads, before, strict=True):
        np.testing.assert_array_equal(a, b)
    huge = [np.full(4, 1e200)]
    assert np.isclose(clip_by_global_norm(huge, 1.0), 2e200, rtol=1e-14)
    assert np.isclose(np.linalg.norm(huge[0]), 1.0, rtol=1e-14)
    assert clip_by_global_norm([np.zeros(3)], 1.0) == 0.0


def _sequence_net(rnn, V, c):
    return bp.Network([rnn, Readout(V, c)])


def test_training_on_sines_beats_repeating_the_last_value():
    rng = np.random.default_rng(0)
    omega = rng.uniform(0.3, 1.0, size=(128, 1))
    phi = rng.uniform(0, 2 * np.pi, size=(128, 1))
    s = np.sin(omega * np.arange(13) + phi)
    X, Y = s[:, :-1, None], s[:, 1:, None]
    rnn = RNN.init(1, 8, np.random.default_rng(1))
    V, c = np.random.default_rng(2).normal(0, 0.25, size=(8, 1)), np.zeros(1)
    net = _sequence_net(rnn, V, c)
    h = bp.train(net, X, Y, "sequence_half_sse", 0.5, None, np.random.default_rng(3),
                 16, steps=150, max_norm=0.5)
    losses, norms = np.array(h.step_loss), np.array(h.step_norm)
    assert losses.shape == norms.shape == (150,)
    assert np.all(np.isfinite(losses))
    readout = net.layers[1]
    pred = rnn.forward(X) @ readout.V + readout.c  # the trained read-out, by hand
    assert np.mean((pred - Y) ** 2) < 0.5 * np.mean((X - Y) ** 2)
    assert losses[-10:].mean() < 0.5 * losses[:10].mean()
    with pytest.raises(ValueError, match=r"y has shape \(4, 12, 2\)"):
        bp.train(net, X, np.zeros((128, 12, 2)), "sequence_half_sse", 0.1, None,
                 np.random.default_rng(0), 4, steps=1)
    with pytest.raises(ValueError, match=r"layer 1 outputs examples of shape "
                                         r"\(None, 8\) but layer 2 expects \(None, 3\)"):
        _sequence_net(RNN.init(1, 8, np.random.default_rng(1)), np.zeros((3, 1)), c)


def test_training_stops_when_the_loss_overflows():
    rnn = RNN.init(1, 4, np.random.default_rng(0))
    X = np.ones((8, 5, 1))
    V, c = np.full((4, 1), 1e200), np.zeros(1)
    h = bp.train(_sequence_net(rnn, V, c), X, X, "sequence_half_sse", 1.0, None,
                 np.random.default_rng(1), 4, steps=10)
    assert h.diverged and len(h.step_loss) == 1 and not np.isfinite(h.step_loss[0])


@pytest.mark.parametrize("shapes_, match", [
    (((3,), (2, 2), (2,)), r"W_x has shape \(3,\)"),
    (((3, 2), (3, 3), (2,)), r"W_h has shape \(3, 3\), expected \(2, 2\)"),
    (((3, 2), (2, 2), (3,)), r"b has shape \(3,\), expected \(2,\)"),
])
def test_bad_parameters(shapes_, match):
    W_x, W_h, b = (np.zeros(s) for s in shapes_)
    with pytest.raises(ValueError, match=match):
        RNN(W_x, W_h, b)


def test_bad_input():
    rnn, X, h0, G = make(0, 2, 3, 2, 4)
    with pytest.raises(RuntimeError, match="call forward first"):
        rnn.backward(G)
    with pytest.raises(ValueError, match=r"X has shape \(2, 3, 5\)"):
        rnn.forward(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"X has shape \(2, 5\)"):
        rnn.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"h0 has shape \(3, 4\)"):
        rnn.forward(X, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        rnn.forward(np.full((2, 3, 2), np.nan))
    with pytest.raises(TypeError, match="dtype"):
        rnn.forward(X.astype(complex))
    rnn.forward(X, h0)
    with pytest.raises(ValueError, match=r"grad_H has shape \(2, 3, 3\)"):
        rnn.backward(np.zeros((2, 3, 3)))
    for k in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="k must be an int >= 1"):
            rnn.backward(G, k)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_by_global_norm([np.ones(2)], 0.0)
    with pytest.raises(TypeError, match="max_norm must be a number"):
        clip_by_global_norm([np.ones(2)], "1")
    with pytest.raises(TypeError, match=r"grads\[0\]"):
        clip_by_global_norm([[1.0, 2.0]], 1.0)
    with pytest.raises(ValueError, match=r"clip_by_global_norm: grads\[0\] contains inf"):
        clip_by_global_norm([np.array([np.inf])], 1.0)
    with pytest.raises(TypeError, match="Generator"):
        RNN.init(2, 3, 0)
    assert repr(rnn) == "RNN(n=2, m=4)"
