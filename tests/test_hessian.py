"""Hessian-vector products by forward-over-reverse, against independent references.

References: centred differences of the package's back-propagated gradient,
(grad L(theta + h v) - grad L(theta - h v)) / 2h; SymPy's Hessian of a small
network written out by hand; SymPy's second derivatives of the activations;
centred differences of the softmax.
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import backprop as bp
from backprop.hessian import (
    g_prime_second,
    hessian,
    hvp,
    r_pass,
    softmax_jvp,
)

FD_STEP = 1e-5
FD_RTOL = 1e-6
HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
HEADS = [  # (output activation, loss, targets)
    ("identity", "half_sse", "real"),
    ("sigmoid", "half_sse", "unit"),
    ("tanh", "mse", "real"),
    ("identity", "cross_entropy", "onehot"),
    ("identity", "cross_entropy", "labels"),
    ("identity", "binary_cross_entropy", "unit"),
]


def targets(kind, rng, N, k):
    if kind == "real":
        return rng.normal(size=(N, k))
    if kind == "unit":
        return rng.uniform(size=(N, k))
    labels = rng.integers(0, k, N)
    return labels if kind == "labels" else np.eye(k)[labels]


def random_net(rng, sizes, hidden, output):
    net = bp.MLP.init(sizes, rng, hidden, output)
    for layer in net.layers:  # nonzero biases: no pre-activation exactly 0
        layer.b[:] = rng.normal(size=layer.b.shape)
    return net


def gradient_difference(net, X, Y, loss, v, h=FD_STEP):
    """(grad L(theta + h v) - grad L(theta - h v)) / 2h, by backprop."""
    theta = net.flat_params.copy()
    grads = []
    for sign in (1, -1):
        net.flat_params[:] = theta + sign * h * v
        net.loss_and_grads(X, Y, loss)
        grads.append(net.flat_grads.copy())
    net.flat_params[:] = theta
    return (grads[0] - grads[1]) / (2 * h)


def kink_crossed(net, X, v, h=FD_STEP):
    """True if some pre-activation changes sign between theta +- h v."""
    theta = net.flat_params.copy()
    signs = []
    for sign in (1, -1):
        net.flat_params[:] = theta + sign * h * v
        net.forward(X)
        signs.append(np.concatenate([la._cache[1].ravel() > 0
                                     for la in net.layers]))
    net.flat_params[:] = theta
    return bool(np.any(signs[0] != signs[1]))


@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 5),
       widths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS))
def test_hvp_matches_centred_differences_of_the_gradient(
        seed, N, widths, hidden, head):
    output, loss, kind = head
    rng = np.random.default_rng(seed)
    k = 2 if loss == "cross_entropy" else int(rng.integers(1, 4))
    sizes = [int(rng.integers(1, 4)), *widths, k]
    net = random_net(rng, sizes, hidden, output)
    X = rng.normal(size=(N, sizes[0]))
    Y = targets(kind, rng, N, k)
    v = rng.normal(size=net.flat_params.size)
    assume(hidden != "relu" or not kink_crossed(net, X, v))
    numeric = gradient_difference(net, X, Y, loss, v)
    ours = hvp(net, X, Y, loss, v)
    scale = max(np.linalg.norm(numeric), 1e-3)
    assert np.linalg.norm(ours - numeric) <= FD_RTOL * scale * 10, (
        sizes, hidden, head)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS)
def test_gradient_of_r_pass_is_backprops_gradient(hidden, head):
    output, loss, kind = head
    rng = np.random.default_rng(1)
    net = random_net(rng, [3, 4, 2], hidden, output)
    X, Y = rng.normal(size=(5, 3)), targets(kind, rng, 5, 2)
    net.loss_and_grads(X, Y, loss)
    ours = r_pass(net, X, Y, loss, np.zeros(net.flat_params.size)).grad
    np.testing.assert_allclose(ours, net.flat_grads, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "identity"])
def test_hessian_is_symmetric_and_linear(hidden):
    rng = np.random.default_rng(2)
    net = random_net(rng, [2, 3, 2], hidden, "identity")
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    H = hessian(net, X, Y, "half_sse")
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    u, w = rng.normal(size=(2, H.shape[0]))
    np.testing.assert_allclose(hvp(net, X, Y, "half_sse", 2 * u - 3 * w),
                               H @ (2 * u - 3 * w), rtol=1e-10, atol=1e-12)


def test_hessian_of_a_2_2_1_network_equals_sympys():
    """All 9 parameters symbolic; SymPy differentiates the loss twice."""
    w = sp.symbols("w11 w12 w21 w22")
    b1 = sp.symbols("b1 b2")
    u = sp.symbols("u1 u2")
    c = sp.Symbol("c")
    x, y = (sp.Rational(1, 2), -sp.Rational(3, 4)), sp.Rational(1, 3)
    a = [sp.tanh(x[0] * w[j] + x[1] * w[2 + j] + b1[j]) for j in range(2)]
    out = sp.tanh(a[0] * u[0] + a[1] * u[1] + c)
    L = (out - y) ** 2 / 2
    theta = [*w, *b1, *u, c]  # the order of MLP.flat_params
    values = dict(zip(theta, [0.3, -0.8, 0.5, 0.2, 0.1, -0.4, 0.7, -1.1, 0.2],
                      strict=True))
    exact = np.array(sp.hessian(L, theta).subs(values).evalf(), dtype=float)
    v = np.array([values[t] for t in theta])
    net = bp.MLP([bp.Dense(v[:4].reshape(2, 2), v[4:6], "tanh"),
                  bp.Dense(v[6:8].reshape(2, 1), v[8:], "tanh")])
    H = hessian(net, np.array([[0.5, -0.75]]), np.array([[1 / 3]]),
                "half_sse")
    np.testing.assert_allclose(H, exact, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "identity"])
def test_second_derivatives_of_activations_equal_sympys(name):
    t = sp.Symbol("t")
    f = {"sigmoid": 1 / (1 + sp.exp(-t)), "tanh": sp.tanh(t),
         "identity": t}[name]
    z = np.linspace(-4, 4, 9)
    ref1 = sp.lambdify(t, sp.diff(f, t), "numpy")(z) * np.ones_like(z)
    ref2 = sp.lambdify(t, sp.diff(f, t, 2), "numpy")(z) * np.ones_like(z)
    d1, d2 = g_prime_second(name, z, bp.get_activation(name).f(z))
    np.testing.assert_allclose(d1, ref1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d2, ref2, rtol=1e-12, atol=1e-15)


def test_relu_second_derivative_is_zero_away_from_the_kink():
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    d1, d2 = g_prime_second("relu", z, bp.relu(z))
    np.testing.assert_array_equal(d1, [0, 0, 1, 1])
    np.testing.assert_array_equal(d2, 0)


def test_softmax_jvp_matches_centred_differences():
    rng = np.random.default_rng(4)
    z, r = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    h = FD_STEP
    numeric = (bp.softmax(z + h * r) - bp.softmax(z - h * r)) / (2 * h)
    np.testing.assert_allclose(softmax_jvp(bp.softmax(z), r), numeric,
                               rtol=1e-7, atol=1e-10)


def test_bad_input_raises():
    rng = np.random.default_rng(5)
    net = random_net(rng, [2, 3, 1], "tanh", "identity")
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    P = net.flat_params.size
    with pytest.raises(ValueError, match=r"v has shape \(3,\)"):
        hvp(net, X, Y, "half_sse", np.ones(3))
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\)"):
        hvp(net, np.ones((4, 3)), Y, "half_sse", np.ones(P))
    with pytest.raises(ValueError, match=r"Y has shape \(4, 2\)"):
        hvp(net, X, np.ones((4, 2)), "half_sse", np.ones(P))
    with pytest.raises(TypeError, match="must be an MLP"):
        hvp("net", X, Y, "half_sse", np.ones(P))
    soft = random_net(rng, [2, 3], "tanh", "softmax")
    with pytest.raises(ValueError, match="'softmax' is not supported"):
        hvp(soft, X, np.eye(3)[[0, 1, 2, 0]], "mse", np.ones(9))
