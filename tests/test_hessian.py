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
from backprop.roads.second_order import (
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
    ("tanh", "cross_entropy", "onehot"),
    ("sigmoid", "binary_cross_entropy", "unit"),
    ("softmax", "half_sse", "unit"),
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
    odd = random_net(rng, [2, 3], "tanh", "identity")
    odd.layers[0].g = bp.Activation("swish", lambda z: z, lambda z, a, g: g)
    with pytest.raises(ValueError, match="'swish' is not supported"):
        hvp(odd, X, np.eye(3)[[0, 1, 2, 0]], "mse", np.ones(9))


# --- Every output activation with every loss, against a plain-NumPy loss ---
# The reference shares nothing with the package: the loss below is written
# out in NumPy, and its Hessian is the centred second difference in two
# coordinates, (L(++) - L(+-) - L(-+) + L(--)) / 4h^2, extrapolated from the
# steps h and 2h (Richardson) to an error of order h^4.

OUTPUTS = ["identity", "sigmoid", "tanh", "relu", "softmax"]
LOSS_TARGETS = {  # loss: the kinds of targets it takes
    "half_sse": ["real"], "mse": ["real"],
    "cross_entropy": ["onehot", "labels", "probabilities"],
    "binary_cross_entropy": ["unit"],
}
FD2_STEP = 1e-3
FD2_RTOL = 1e-5


def plain_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


PLAIN_G = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "softmax": plain_softmax,
}


def plain_forward(theta, sizes, names, X):
    """Pre-activations and output of the MLP with flat parameters theta."""
    a, offset, zs = X, 0, []
    for n_in, n_out, name in zip(sizes[:-1], sizes[1:], names, strict=True):
        W = theta[offset:offset + n_in * n_out].reshape(n_in, n_out)
        offset += n_in * n_out
        b = theta[offset:offset + n_out]
        offset += n_out
        zs.append(a @ W + b)
        a = PLAIN_G[name](zs[-1])
    return zs, a


def plain_loss(theta, sizes, names, X, Y, loss):
    _, a = plain_forward(theta, sizes, names, X)
    N = a.shape[0]
    if loss == "half_sse":
        return 0.5 * np.sum((a - Y) ** 2) / N
    if loss == "mse":
        return np.sum((a - Y) ** 2) / a.size
    if loss == "cross_entropy":
        Y = np.eye(a.shape[1])[Y] if Y.ndim == 1 else Y
        shifted = a - a.max(axis=1, keepdims=True)
        log_s = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -np.sum(Y * log_s) / N
    return np.sum(np.log1p(np.exp(a)) - Y * a) / N  # binary, from logits


def second_difference(f, theta, h):
    """Centred second differences of the scalar f at theta, (P, P)."""
    P = theta.size
    E = np.eye(P) * h
    H = np.empty((P, P))
    for i in range(P):
        for j in range(i, P):
            H[i, j] = H[j, i] = (
                f(theta + E[i] + E[j]) - f(theta + E[i] - E[j])
                - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j])) / (4 * h * h)
    return H


def plain_hessian(f, theta, h=FD2_STEP):
    """(4 D(h) - D(2h)) / 3: the h^2 error terms cancel."""
    return (4 * second_difference(f, theta, h)
            - second_difference(f, theta, 2 * h)) / 3


def head_targets(kind, rng, N, k):
    if kind == "probabilities":
        return plain_softmax(rng.normal(size=(N, k)))
    return targets(kind, rng, N, k)


def away_from_kinks(rng, sizes, hidden, output, X):
    """A network whose pre-activations all lie at least 0.05 from 0.

    With a ReLU output, every output unit is also active on some example.
    """
    for _ in range(100):
        net = random_net(rng, sizes, hidden, output)
        zs, _ = plain_forward(net.flat_params, sizes,
                              [la.g.name for la in net.layers], X)
        live = output != "relu" or (zs[-1] > 0).any(axis=0).all()
        if live and min(np.abs(z).min() for z in zs) > 0.05:
            return net
    raise AssertionError("no network away from the kinks")


@pytest.mark.parametrize("hidden", ["tanh", "relu", "softmax"])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("loss,kind", [(loss, kind)
                                       for loss, kinds in LOSS_TARGETS.items()
                                       for kind in kinds])
def test_hessian_and_hvp_equal_a_plain_numpy_second_difference(
        hidden, output, loss, kind):
    rng = np.random.default_rng(
        [OUTPUTS.index(output), len(hidden), len(loss), len(kind)])
    sizes, N = [2, 3, 2], 3
    X = rng.normal(size=(N, sizes[0]))
    net = away_from_kinks(rng, sizes, hidden, output, X)
    Y = head_targets(kind, rng, N, sizes[-1])
    names = [hidden, output]
    reference = plain_hessian(
        lambda th: plain_loss(th, sizes, names, X, Y, loss),
        net.flat_params.copy())
    scale = np.linalg.norm(reference)
    assert scale > 1e-3
    H = hessian(net, X, Y, loss)
    assert np.linalg.norm(H - reference) <= FD2_RTOL * scale, (
        np.linalg.norm(H - reference) / scale)
    v = rng.normal(size=net.flat_params.size)
    hv = hvp(net, X, Y, loss, v)
    assert np.linalg.norm(hv - reference @ v) <= (
        FD2_RTOL * np.linalg.norm(reference) * np.linalg.norm(v))


@pytest.mark.parametrize("output", ["sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_r_pass_deltas_of_a_non_identity_head(output, loss):
    """R{delta^L} against centred differences of backprop's delta^L."""
    rng = np.random.default_rng(7)
    net = random_net(rng, [3, 4, 3], "tanh", output)
    X = rng.normal(size=(5, 3))
    Y = head_targets("onehot" if loss == "cross_entropy" else "unit",
                     rng, 5, 3)
    v = rng.normal(size=net.flat_params.size)
    theta = net.flat_params.copy()
    deltas = []
    for sign in (1, -1):
        net.flat_params[:] = theta + sign * FD_STEP * v
        net.loss_and_grads(X, Y, loss)
        deltas.append(net.layers[-1].delta.copy())
    net.flat_params[:] = theta
    numeric = (deltas[0] - deltas[1]) / (2 * FD_STEP)
    ours = r_pass(net, X, Y, loss, v).r_delta[-1]
    np.testing.assert_allclose(ours, numeric, rtol=1e-6, atol=1e-10)


BAD_TARGETS = [  # (loss, Y for N = 4, k = 3, what the error names)
    ("cross_entropy", np.eye(3)[[0]], r"Y has shape \(1, 3\)"),
    ("cross_entropy", np.ones((4, 1)), r"Y has shape \(4, 1\)"),
    ("cross_entropy", np.where(np.eye(3)[[0, 1, 2, 0]] == 1, np.nan, 0.0),
     "Y contains NaN"),
    ("cross_entropy", np.array([0, 1, 3, 0]), "labels must lie in 0..2"),
    ("binary_cross_entropy", np.full((1, 3), 0.5), r"Y has shape \(1, 3\)"),
    ("binary_cross_entropy", np.full((4, 3), np.nan), "Y contains NaN"),
    ("half_sse", np.full((4, 3), np.inf), "Y contains inf"),
]


@pytest.mark.parametrize("loss,Y,message", BAD_TARGETS)
def test_bad_targets_raise_as_loss_and_grads_does(loss, Y, message):
    rng = np.random.default_rng(6)
    net = random_net(rng, [2, 3, 3], "tanh", "identity")
    X = rng.normal(size=(4, 2))
    v = np.ones(net.flat_params.size)
    with pytest.raises(ValueError):
        net.loss_and_grads(X, Y, loss)
    for call in (lambda: hvp(net, X, Y, loss, v),
                 lambda: hessian(net, X, Y, loss)):
        with pytest.raises(ValueError, match=message):
            call()


def test_float_labels_raise_type_error_as_loss_and_grads_does():
    rng = np.random.default_rng(8)
    net = random_net(rng, [2, 3, 3], "tanh", "identity")
    X, Y = rng.normal(size=(4, 2)), np.array([0.0, 1.0, 2.0, 0.0])
    with pytest.raises(TypeError):
        net.loss_and_grads(X, Y, "cross_entropy")
    with pytest.raises(TypeError, match="labels must be integers"):
        hvp(net, X, Y, "cross_entropy", np.ones(net.flat_params.size))
