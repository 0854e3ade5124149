"""Residual blocks and gradient clipping: backward passes against centred
differences (every activation, every loss head, with and without batch
normalisation in the branch), the Jacobian I + J_f written entry by entry,
clipping's norm and direction against NumPy's own norm, bad input.

The references are computed independently of backprop.layers.residual: centred
differences of the forward pass, np.linalg.norm of the concatenated vector.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import backprop as bp
from backprop.core.optim import clip_by_global_norm, global_norm
from backprop.layers.batchnorm import BatchNorm
from backprop.layers.residual import Residual

FD_RTOL = 1e-7
TINY_GRAD = 1e-3  # below this norm centred differences lose relative accuracy
HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
HEADS = [
    ("identity", "half_sse", "real"),
    ("identity", "mse", "real"),
    ("sigmoid", "half_sse", "unit"),
    ("identity", "cross_entropy", "onehot"),
    ("identity", "binary_cross_entropy", "unit"),
    ("softmax", "mse", "onehot"),
]


def targets(kind, rng, N, k):
    if kind == "real":
        return rng.normal(size=(N, k))
    if kind == "unit":
        return rng.uniform(size=(N, k))
    return np.eye(k)[rng.integers(0, k, N)]


def bound(grad):
    """FD_RTOL, relaxed in proportion for a gradient of norm below TINY_GRAD."""
    return FD_RTOL * max(1.0, TINY_GRAD / max(np.linalg.norm(grad), 1e-300))


def off_kink(block, x):
    """True unless a relu pre-activation of the branch is within 1e-3 of 0."""
    block.forward(x)
    for layer in block.branch:
        if layer.g.name == "relu":
            z = layer._cache[1] if isinstance(layer, bp.Dense) \
                else layer._cache[3]
            if np.abs(z).min() < 1e-3:
                return False
    return True


@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 6),
       n=st.integers(1, 5), depth=st.integers(1, 3),
       activation=st.sampled_from(HIDDEN))
def test_block_backward_matches_centred_differences(seed, N, n, depth,
                                                    activation):
    rng = np.random.default_rng(seed)
    block = Residual([bp.Dense.init(n, n, rng, activation)
                      for _ in range(depth)])
    x = rng.normal(size=(N, n))
    G = rng.normal(size=(N, n))
    assume(off_kink(block, x))
    block.forward(x)
    grad_x = block.backward(G)
    analytic = [grad_x] + [g.copy() for g in block.grads]

    def loss():
        return float(np.sum(G * block.forward(x)))

    for v, a in zip([x, *block.params], analytic, strict=True):
        numeric = bp.numerical_gradient(loss, v)
        assert bp.relative_error(a, numeric) <= bound(numeric)


@pytest.mark.parametrize("activation", HIDDEN)
def test_jacobian_is_identity_plus_branch_jacobian_entry_by_entry(activation):
    """d y_k / d x_j = [j == k] + g'(z_k) W_jk for f(x) = g(x W + b)."""
    rng = np.random.default_rng(7)
    n = 4
    W, b = rng.normal(size=(n, n)), rng.normal(size=n)
    block = Residual([bp.Dense(W, b, activation)])
    x = rng.normal(size=(1, n))
    z = x[0] @ W + b
    h = 1e-6
    slope = {"sigmoid": lambda t: np.exp(-t) / (1 + np.exp(-t)) ** 2,
             "tanh": lambda t: 1 / np.cosh(t) ** 2,
             "relu": lambda t: (t > 0) * 1.0,
             "identity": np.ones_like}[activation](z)
    expected = np.array([[float(j == k) + slope[k] * W[j, k]
                          for j in range(n)] for k in range(n)])
    numeric = np.zeros((n, n))
    for j in range(n):
        e = np.zeros((1, n))
        e[0, j] = h
        numeric[:, j] = (block.forward(x + e) - block.forward(x - e))[0] / (
            2 * h)
    np.testing.assert_allclose(numeric, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("out_act", "loss", "kind"), HEADS)
def test_net_gradients_every_activation_and_loss(hidden, out_act, loss, kind):
    rng = np.random.default_rng(11)
    N, n_in, width, k = 5, 3, 4, 3
    net = bp.Network([
        bp.Dense.init(n_in, width, rng, hidden),
        Residual([bp.Dense.init(width, width, rng, hidden)]),
        Residual([bp.Dense.init(width, width, rng, hidden),
                  bp.Dense.init(width, width, rng)]),
        bp.Dense.init(width, k, rng, out_act),
    ])
    X, Y = rng.normal(size=(N, n_in)), targets(kind, rng, N, k)
    if kind == "onehot" and loss == "cross_entropy":
        Y = Y.argmax(axis=1)
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]

    def value():
        return bp.get_loss(loss).value(net.forward(X), Y)

    for p, a in zip(net.params, analytic, strict=True):
        numeric = bp.numerical_gradient(value, p)
        assert bp.relative_error(a, numeric) <= bound(numeric)


def test_batchnorm_in_the_branch_and_the_input_gradients_recorded():
    rng = np.random.default_rng(5)
    N, n = 6, 3
    net = bp.Network([Residual([BatchNorm(n, "tanh"),
                                bp.Dense.init(n, n, rng)]),
                      Residual([bp.Dense.init(n, n, rng, "sigmoid")]),
                      bp.Dense.init(n, 2, rng)])
    X, Y = rng.normal(size=(N, n)), rng.normal(size=(N, 2))
    out = net.forward(X)
    grad_inputs = net.input_gradients(bp.half_sse_grad(out, Y))
    analytic = [grad_inputs[0].copy()] + [g.copy() for g in net.grads]
    assert len(grad_inputs) == 3
    assert grad_inputs[-1].shape == (N, n)

    def value():
        return bp.half_sse(net.forward(X), Y)

    for v, a in zip([X, *net.params], analytic, strict=True):
        numeric = bp.numerical_gradient(value, v)
        assert bp.relative_error(a, numeric) <= bound(numeric)


def test_gradient_through_the_skip_alone_when_the_branch_is_zero():
    """With W = 0, b = 0 and identity, f = 0 and dL/dx = dL/dy exactly."""
    block = Residual([bp.Dense(np.zeros((3, 3)), np.zeros(3))])
    x = np.arange(6.0).reshape(2, 3)
    G = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    np.testing.assert_array_equal(block.forward(x), x)
    np.testing.assert_array_equal(block.backward(G), G)


@given(seed=st.integers(0, 2**32 - 1), c=st.floats(1e-3, 1e3),
       shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)),
                       min_size=1, max_size=4),
       scale=st.floats(1e-3, 1e3))
def test_clip_keeps_direction_and_bounds_the_norm(seed, c, shapes, scale):
    rng = np.random.default_rng(seed)
    grads = [scale * rng.normal(size=s) for s in shapes]
    before = np.concatenate([g.ravel() for g in grads])
    norm_before = np.linalg.norm(before)
    assume(norm_before > 0)
    returned = clip_by_global_norm(grads, c)
    after = np.concatenate([g.ravel() for g in grads])
    np.testing.assert_allclose(returned, norm_before, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(after), min(norm_before, c),
                               rtol=1e-12)
    cosine = after @ before / (np.linalg.norm(after) * norm_before)
    np.testing.assert_allclose(cosine, 1.0, rtol=1e-12)
    if norm_before <= c:
        np.testing.assert_array_equal(after, before)


def test_global_norm_does_not_overflow_or_underflow():
    for s in (1e200, 1e-200):
        grads = [np.full((2, 2), 3.0 * s), np.array([4.0 * s])]
        np.testing.assert_allclose(global_norm(grads), s * np.sqrt(4 * 9 + 16),
                                   rtol=1e-14)
    assert global_norm([np.zeros(3)]) == 0.0


def test_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"examples of shape \(3,\) to \(4,\)"):
        Residual([bp.Dense.init(3, 4, rng)])  # refused when built, not when run
    with pytest.raises(RuntimeError, match="before forward"):
        Residual([bp.Dense.init(3, 3, rng)]).backward(np.ones((2, 3)))
    block = Residual([bp.Dense.init(3, 3, rng)])
    block.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 4\), expected \(2, 3\)"):
        block.backward(np.ones((2, 4)))
    with pytest.raises(TypeError, match="branch"):
        Residual([])
    layer = bp.Dense.init(3, 3, rng)
    with pytest.raises(ValueError, match="twice"):
        Residual([layer, layer])
    with pytest.raises(ValueError, match="positive"):
        clip_by_global_norm([np.ones(2)], 0.0)
    with pytest.raises(ValueError, match="positive"):
        clip_by_global_norm([np.ones(2)], np.inf)
    with pytest.raises(TypeError, match="writable"):
        clip_by_global_norm([[1.0, 2.0]], 1.0)
    with pytest.raises(ValueError, match="NaN"):
        clip_by_global_norm([np.array([1.0, np.nan])], 1.0)
    with pytest.raises(TypeError, match=r"Network: layer 1 is array"):
        bp.Network([np.ones(3)])


def test_clipped_training_stops_at_divergence_and_bounds_each_step():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 8)), rng.normal(size=(40, 1))

    def net():
        return bp.MLP.init([8, 8, 1], np.random.default_rng(0))

    h = bp.train(net(), X, y, "half_sse", 10.0, 1000, np.random.default_rng(1), 10,
                 norms=True)
    assert h.diverged and len(h.step_loss) < 4000  # stopped early
    assert not (np.isfinite(h.step_loss[-1]) and np.isfinite(h.step_norm[-1]))
    assert np.all(np.isfinite(h.step_loss[:-1]))
    clipped = net()
    h = bp.train(clipped, X, y, "half_sse", 10.0, 50, np.random.default_rng(1), 10,
                 max_norm=0.05)
    assert not h.diverged and np.all(np.isfinite(h.step_loss))
    assert len(h.step_loss) == len(h.step_norm) == 200
    start = np.concatenate([p.ravel() for p in clipped.params])
    h = bp.train(clipped, X, y, "half_sse", 10.0, 1, np.random.default_rng(1), 40,
                 max_norm=0.05)
    moved = np.concatenate([p.ravel() for p in clipped.params]) - start
    expected = 10.0 * min(h.step_norm[0], 0.05)
    np.testing.assert_allclose(np.linalg.norm(moved), expected, rtol=1e-12)
