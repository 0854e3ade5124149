"""Batch normalisation: its backward pass against centred differences and the explicit
Jacobian, in training and inference mode, inside stacks with every activation and loss;
the running averages; bad input.

The references here are computed independently of backprop.layers.batchnorm: centred
differences of the package's forward pass and of a forward pass written here in NumPy, and
the Jacobian of x_hat written entry by entry.
"""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import backprop as bp
from backprop.layers.batchnorm import BatchNorm, batch_norm

FD_RTOL = 1e-7
# Through a stack, batch normalisation divides by each unit's batch std s (>= 0.1 here): the
# loss curves on a scale of s, and a centred difference's truncation error, ~ (h/s)^2 times
# the higher derivatives, grows accordingly. One decade more, for the stacks only.
STACK_RTOL = 1e-6
# Round-off of a centred difference is about eps |L| / h ~ 1e-11 per entry; a gradient whose
# norm is near that (a batch of 2 rows, whose x-gradient comes from eps alone) is judged on it.
FD_ATOL = 1e-9  # in norm
HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
HEADS = [
    ("identity", "half_sse", "real"),
    ("identity", "mse", "real"),
    ("sigmoid", "half_sse", "unit"),
    ("identity", "cross_entropy", "onehot"),
    ("identity", "binary_cross_entropy", "unit"),
    ("softmax", "mse", "onehot"),
]


def targets(kind: str, rng: np.random.Generator, N: int, k: int) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(N, k))
    if kind == "unit":
        return rng.uniform(size=(N, k))
    return np.eye(k)[rng.integers(0, k, N)]


def bound(grad: np.ndarray, rtol: float = FD_RTOL) -> float:
    """The relative error allowed: |a - n| <= rtol |n| + FD_ATOL, divided by |n|."""
    return rtol + FD_ATOL / max(np.linalg.norm(grad), 1e-300)


def random_bn(rng, n, activation="identity"):
    bn = BatchNorm(n, activation)
    bn.gamma[:] = rng.uniform(0.5, 2.0, n) * rng.choice([-1, 1], n)
    bn.beta[:] = rng.normal(size=n)
    return bn


@given(seed=st.integers(0, 2**32 - 1), N=st.integers(2, 7), n=st.integers(1, 5),
       activation=st.sampled_from(HIDDEN), training=st.booleans())
def test_backward_matches_centred_differences(seed, N, n, activation, training):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 2.0, size=(N, n))
    assume(x.var(axis=0).min() > 1e-2)  # a near-constant unit: ill-conditioned
    G = rng.normal(size=(N, n))
    bn = random_bn(rng, n, activation)
    bn.running_mean[:] = rng.normal(size=n)
    bn.running_var[:] = rng.uniform(0.5, 2.0, n)
    bn.momentum = 0.0  # so that the many forward passes below leave them alone
    bn.forward(x, training)
    assume(activation != "relu" or np.abs(bn._cache[3]).min() > 1e-3)  # off the kink
    grad_x = bn.backward(G)
    analytic = [grad_x, bn.grad_gamma.copy(), bn.grad_beta.copy()]

    def loss() -> float:
        return float(np.sum(G * bn.forward(x, training)))

    for name, v, a in zip(("x", "gamma", "beta"), (x, bn.gamma, bn.beta), analytic, strict=True):
        numeric = bp.numerical_gradient(loss, v)
        err = bp.relative_error(a, numeric)
        assert err <= bound(numeric), f"d/d{name}: {err:.1e} (N={N}, n={n}, {activation})"


def plain_forward(x, gamma, beta, eps, running=None):
    """Batch normalisation written here from its definition, not the package's: the batch
    mean and biased variance, or the constant running statistics (mean, var) in inference."""
    mu, var = running if running is not None else (x.mean(axis=0), x.var(axis=0))
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@given(seed=st.integers(0, 2**32 - 1), N=st.integers(2, 6), n=st.integers(1, 4),
       training=st.booleans())
def test_backward_matches_differences_of_a_forward_written_independently(seed, N, n, training):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 2.0, size=(N, n))
    assume(x.var(axis=0).min() > 1e-2)
    G = rng.normal(size=(N, n))
    bn = random_bn(rng, n)
    bn.running_mean[:] = rng.normal(size=n)
    bn.running_var[:] = rng.uniform(0.5, 2.0, n)
    running = None if training else (bn.running_mean.copy(), bn.running_var.copy())
    gamma, beta = bn.gamma.copy(), bn.beta.copy()
    bn.forward(x, training)
    analytic = [bn.backward(G), bn.grad_gamma.copy(), bn.grad_beta.copy()]

    def loss() -> float:
        return float(np.sum(G * plain_forward(x, gamma, beta, bn.eps, running)))

    for name, v, a in zip(("x", "gamma", "beta"), (x, gamma, beta), analytic, strict=True):
        numeric = bp.numerical_gradient(loss, v)
        err = bp.relative_error(a, numeric)
        assert err <= bound(numeric), f"d/d{name}: {err:.1e} (N={N}, n={n}, {training=})"


def test_closed_form_equals_the_jacobian_written_entry_by_entry():
    """dL/dx_ij = sum_k g_kj gamma_j d xhat_kj / d x_ij, with
    d xhat_k / d x_i = (delta_ki - 1/N - xhat_k xhat_i / N) / s  (one column)."""
    rng = np.random.default_rng(3)
    N, n = 6, 4
    x, G = rng.normal(size=(N, n)), rng.normal(size=(N, n))
    bn = random_bn(rng, n)
    bn.forward(x)
    grad_x = bn.backward(G)
    expected = np.zeros((N, n))
    for j in range(n):
        col = x[:, j]
        s = np.sqrt(np.mean((col - col.mean()) ** 2) + bn.eps)
        xh = (col - col.mean()) / s
        jac = (np.eye(N) - 1 / N - np.outer(xh, xh) / N) / s  # jac[k, i]
        expected[:, j] = bn.gamma[j] * (jac.T @ G[:, j])
    np.testing.assert_allclose(grad_x, expected, rtol=1e-12, atol=1e-14)


def test_training_gradient_is_orthogonal_to_ones_and_x_hat():
    """Shifting or scaling a column of x leaves x_hat unchanged: dL/dx has no component
    along 1 or along x_hat in each column."""
    rng = np.random.default_rng(4)
    x, G = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    bn = random_bn(rng, 3)
    bn.forward(x)
    grad_x = bn.backward(G)
    x_hat = batch_norm(x, np.ones(3), np.zeros(3))[1]
    np.testing.assert_allclose(grad_x.sum(axis=0), 0, atol=1e-12)
    # eps makes x_hat's norm slightly less than sqrt(N); the residual is O(eps)
    np.testing.assert_allclose((grad_x * x_hat).sum(axis=0), 0, atol=1e-4)


def test_inference_gradient_is_the_affine_maps_and_differs_from_training():
    rng = np.random.default_rng(5)
    x, G = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    bn = random_bn(rng, 3)
    bn.running_mean[:], bn.running_var[:] = x.mean(axis=0), x.var(axis=0)
    bn.forward(x, training=False)
    inference = bn.backward(G)
    np.testing.assert_allclose(inference, bn.gamma / np.sqrt(x.var(axis=0) + bn.eps) * G, rtol=1e-14)
    out_inference = bn.forward(x, training=False)
    out_training = bn.forward(x, training=True)  # same statistics: same output
    np.testing.assert_allclose(out_training, out_inference, rtol=1e-12)
    training = bn.backward(G)
    assert bp.relative_error(training, inference) > 0.1  # but not the same gradient


def test_running_averages_use_the_unbiased_variance_and_momentum():
    rng = np.random.default_rng(6)
    x1, x2 = rng.normal(2.0, 3.0, size=(5, 2)), rng.normal(-1.0, 0.5, size=(4, 2))
    bn = BatchNorm(2, momentum=0.25)
    bn.forward(x1)
    bn.forward(x2)
    mean, var = np.zeros(2), np.ones(2)
    for x in (x1, x2):
        mean = 0.75 * mean + 0.25 * x.mean(axis=0)
        var = 0.75 * var + 0.25 * x.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-14)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-14)
    bn.forward(x1, training=False)  # inference leaves them alone
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-14)


def test_training_forward_uses_the_biased_variance():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(4, 3))
    y = BatchNorm(3, eps=1e-300).forward(x)
    np.testing.assert_allclose(np.mean(y**2, axis=0), 1.0, rtol=1e-12)  # 1/N, not 1/(N-1)


@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-100, 100), scale=st.floats(0.1, 100))
def test_output_is_invariant_to_shift_and_positive_scale_of_a_column(seed, shift, scale):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 3))
    bn = random_bn(rng, 3)
    bn.eps = 1e-12  # so that eps does not tell the scales apart
    np.testing.assert_allclose(bn.forward(scale * x + shift), bn.forward(x), rtol=1e-6, atol=1e-6)


@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    batch=st.integers(2, 6),
    hidden=st.sampled_from(HIDDEN),
    head=st.sampled_from(HEADS),
)
def test_stack_of_dense_and_batchnorm_matches_centred_differences(seed, sizes, batch, hidden, head):
    """Dense(identity) -> BatchNorm(g) per hidden layer, then a Dense output head."""
    output, loss, kind = head
    if output == "softmax" and sizes[-1] < 2:
        sizes = [*sizes[:-1], 2]
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in pairwise(sizes[:-1]):
        layers += [bp.Dense.init(n_in, n_out, rng), random_bn(rng, n_out, hidden)]
    layers.append(bp.Dense.init(sizes[-2], sizes[-1], rng, output))
    net = bp.Network(layers)
    X = rng.normal(size=(batch, sizes[0]))
    Y = targets(kind, rng, batch, sizes[-1])
    net.forward(X)
    bns = [x for x in layers if isinstance(x, BatchNorm)]
    assume(all(b._cache[2].min() ** 2 > 1e-2 for b in bns))  # std of each unit
    assume(hidden != "relu" or all(np.abs(b._cache[3]).min() > 1e-3 for b in bns))
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]
    lossf = bp.get_loss(loss)
    for p, a in zip(net.params, analytic, strict=True):
        numeric = bp.numerical_gradient(lambda: lossf.value(net.forward(X), Y), p)
        assert bp.relative_error(a, numeric) <= bound(numeric, STACK_RTOL), (sizes, hidden, head)


def test_a_network_with_batch_norm_trains_and_rejects_a_last_batch_of_one():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = bp.Network([bp.Dense.init(4, 8, rng), BatchNorm(8, "relu"),
                      bp.Dense.init(8, 2, rng)])
    history = bp.train(net, X, y, "cross_entropy", 0.1, 20, rng, batch_size=8)
    assert history.epoch_loss[-1] < 0.5 * history.epoch_loss[0]
    with pytest.raises(ValueError, match=r"BatchNorm.forward: .*N >= 2"):
        bp.train(net, X[:9], y[:9], "cross_entropy", 0.1, 1, rng, batch_size=4)


def test_bad_input_raises_naming_the_shape():
    bn = BatchNorm(3)
    with pytest.raises(RuntimeError, match="before forward"):
        bn.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(4, 2\), expected \(N, 3\)"):
        bn.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"N >= 2"):
        bn.forward(np.ones((1, 3)))
    bn.forward(np.ones((1, 3)), training=False)  # one row is fine in inference
    bn.forward(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"grad_a has shape \(3, 3\), expected \(2, 3\)"):
        bn.backward(np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        bn.forward(np.full((2, 3), np.nan))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="n must be"):
            BatchNorm(bad)
    with pytest.raises(ValueError, match="eps"):
        BatchNorm(2, eps=0.0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(2, momentum=1.5)
    with pytest.raises(TypeError, match=r"Network: layer 2 is 'relu' \(str\), expected a layer"):
        bp.Network([bn, "relu"])
    with pytest.raises(ValueError, match="same BatchNorm object"):
        bp.Network([bn, bn])
    assert repr(bn) == "BatchNorm(3, identity, eps=1e-05)"


@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    batch=st.integers(2, 6),
    hidden=st.sampled_from(HIDDEN),
    head=st.sampled_from(HEADS),
)
def test_an_mlp_holds_batchnorm_layers_and_gradcheck_passes(seed, sizes, batch, hidden, head):
    output, loss, kind = head
    if output == "softmax" and sizes[-1] < 2:
        sizes = [*sizes[:-1], 2]
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in pairwise(sizes[:-1]):
        layers += [bp.Dense.init(n_in, n_out, rng), random_bn(rng, n_out, hidden)]
    net = bp.MLP([*layers, bp.Dense.init(sizes[-2], sizes[-1], rng, output)])
    X, Y = rng.normal(size=(batch, sizes[0])), targets(kind, rng, batch, sizes[-1])
    net.forward(X)
    bns = [x for x in net.layers if isinstance(x, BatchNorm)]
    assume(all(b._cache[2].min() ** 2 > 1e-2 for b in bns))
    assume(hidden != "relu" or all(np.abs(b._cache[3]).min() > 1e-3 for b in bns))
    for (name, err), grad in zip(bp.gradcheck(net, X, Y, loss), net.grads, strict=True):
        assert err <= bound(grad, STACK_RTOL), (name, sizes, hidden, head)
    hidden_widths = [n for n in sizes[1:-1] for _ in range(2)]  # a Dense, then its BatchNorm
    assert net.sizes == [sizes[0], *hidden_widths, sizes[-1]]


def test_an_mlp_with_batchnorm_trains_and_predicts_in_inference_mode():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    net = bp.MLP([bp.Dense.init(4, 8, rng), BatchNorm(8, "relu"), bp.Dense.init(8, 2, rng)])
    history = bp.train(net, X, y, "cross_entropy", 0.2, 30, rng, batch_size=10)
    assert history.epoch_loss[-1] < 0.5 * history.epoch_loss[0]
    net.layers[1].training = False
    assert bp.accuracy(net, X[:1], y[:1]) in (0.0, 1.0)  # one row: fine in inference
    assert bp.accuracy(net, X, y) > 0.8
    with pytest.raises(ValueError, match="already belongs"):
        bp.MLP([net.layers[1]])
