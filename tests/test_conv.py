"""Convolution layers: backward against centred differences of the forward pass on
random shapes, strides and paddings; the forward pass against a loop written from the
definition (sum of products); the output size; a small convolutional network's gradients (a Network of
Conv2D, Flatten, Dense); bad input.

The references are independent of backprop.layers.convolution's backward: centred differences of
the forward pass, and a direct loop over output positions.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backprop as bp
from backprop.layers.convolution import Conv1D, Conv2D, Flatten, output_size

FD_RTOL = 1e-7
ACTS = ["identity", "tanh", "sigmoid"]  # smooth: relu's kink would spoil differences


def loop_correlate(x, K, b, stride, padding):
    """z[n, o, j] = b[o] + sum_{c, u} K[o, c, u] xp[n, c, s j + u], by loops."""
    d = K.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0), *((p, p) for p in padding)])
    out = [(P - k) // s + 1 for P, k, s in zip(xp.shape[2:], K.shape[2:], stride, strict=True)]
    z = np.empty((x.shape[0], K.shape[0], *out))
    for j in np.ndindex(*out):
        sl = tuple(slice(s * jj, s * jj + k) for jj, s, k in zip(j, stride, K.shape[2:], strict=True))
        patch = xp[(slice(None), slice(None), *sl)]  # (N, C, *k)
        axes = list(range(1, 2 + d))
        z[(slice(None), slice(None), *j)] = np.tensordot(patch, K, axes=(axes, axes)) + b
    return z


@st.composite
def conv_case(draw, d):
    N, C, O = (draw(st.integers(1, 3)) for _ in range(3))
    k = tuple(draw(st.integers(1, 4)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(d))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(d))
    size = tuple(draw(st.integers(max(1, kk - 2 * p), 9)) for kk, p in zip(k, padding, strict=True))
    seed = draw(st.integers(0, 2**16))
    act = draw(st.sampled_from(ACTS))
    return N, C, O, k, stride, padding, size, seed, act


def _check_gradients(layer_cls, case):
    N, C, O, k, stride, padding, size, seed, act = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, C, *size))
    layer = layer_cls(rng.normal(size=(O, C, *k)), rng.normal(size=O), stride, padding, act)
    a = layer.forward(x)
    g = rng.normal(size=a.shape)  # L = sum(g * a): dL/da = g
    grad_x = layer.backward(g)
    assert grad_x.shape == x.shape and layer.grad_K.shape == layer.K.shape

    def loss():
        return float(np.sum(g * layer.forward(x)))

    for name, analytic, array in (("x", grad_x, x), ("K", layer.grad_K, layer.K),
                                  ("b", layer.grad_b, layer.b)):
        numeric = bp.numerical_gradient(loss, array)
        np.testing.assert_allclose(analytic, numeric, rtol=FD_RTOL, atol=1e-8, err_msg=name)


@given(conv_case(1))
def test_conv1d_backward_matches_centred_differences(case):
    _check_gradients(Conv1D, case)


@given(conv_case(2))
def test_conv2d_backward_matches_centred_differences(case):
    _check_gradients(Conv2D, case)


@given(conv_case(2))
def test_forward_is_the_sum_of_products(case):
    N, C, O, k, stride, padding, size, seed, _ = case
    rng = np.random.default_rng(seed)
    x, K, b = rng.normal(size=(N, C, *size)), rng.normal(size=(O, C, *k)), rng.normal(size=O)
    z = Conv2D(K, b, stride, padding).forward(x)
    np.testing.assert_allclose(z, loop_correlate(x, K, b, stride, padding), rtol=1e-12, atol=1e-12)
    for axis in range(2):
        n, kk, s, p = size[axis], k[axis], stride[axis], padding[axis]
        assert z.shape[2 + axis] == len(range(0, n + 2 * p - kk + 1, s))  # window starts


@pytest.mark.parametrize("n, k, s, p, expected", [(8, 3, 1, 0, 6), (8, 3, 1, 1, 8), (7, 3, 2, 0, 3),
                                                  (8, 3, 2, 0, 3), (5, 5, 3, 0, 1), (1, 3, 1, 1, 1)])
def test_output_size(n, k, s, p, expected):
    assert output_size(n, k, s, p) == expected


def test_convnet_gradients_match_centred_differences():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 2, 6, 5))
    y = np.array([0, 2, 1, 2])
    conv = Conv2D.init(2, 3, (3, 2), rng, stride=(1, 2), padding=1, activation="tanh")
    h, w = output_size(6, 3, 1, 1), output_size(5, 2, 2, 1)
    dense = bp.Dense.init(3 * h * w, 3, rng)
    net = bp.Network([conv, Flatten(), dense])
    net.loss_and_grads(X, y, "cross_entropy")
    analytic = [g.copy() for g in (*conv.grads, *dense.grads)]

    def loss():
        return bp.cross_entropy(net.forward(X), y)

    for a, p in zip(analytic, (*conv.params, *dense.params), strict=True):
        np.testing.assert_allclose(a, bp.numerical_gradient(loss, p), rtol=FD_RTOL, atol=1e-9)


def test_training_lowers_the_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1, 5, 5))
    y = (X[:, 0, 2, 2] > 0).astype(int)
    net = bp.Network([Conv2D.init(1, 2, 3, rng, activation="relu"), Flatten(),
                      bp.Dense.init(18, 2, rng)])
    before = bp.cross_entropy(net.forward(X), y)
    bp.train(net, X, y, "cross_entropy", 0.1, 20, np.random.default_rng(1), 8)
    assert bp.cross_entropy(net.forward(X), y) < 0.5 * before


def test_bad_input():
    rng = np.random.default_rng(0)
    layer = Conv2D.init(2, 3, 3, rng)
    with pytest.raises(ValueError, match=r"\(4, 3, 5, 5\).*C_in = 2"):
        layer.forward(np.zeros((4, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"\(4, 2, 5\)"):
        layer.forward(np.zeros((4, 2, 5)))
    with pytest.raises(ValueError, match="kernel 3 is longer"):
        layer.forward(np.zeros((1, 2, 2, 5)))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 3, 3, 3)))
    layer.forward(np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"grad_a has shape \(1, 3, 2, 3\)"):
        layer.backward(np.zeros((1, 3, 2, 3)))
    with pytest.raises(TypeError, match="dtype"):
        layer.forward(np.zeros((1, 2, 5, 5), dtype=complex))
    with pytest.raises(ValueError, match="NaN"):
        layer.forward(np.full((1, 2, 5, 5), np.nan))
    with pytest.raises(ValueError, match="stride"):
        Conv1D(np.ones((1, 1, 2)), np.ones(1), stride=0)
    with pytest.raises(ValueError, match="padding"):
        Conv2D(np.ones((1, 1, 2, 2)), np.ones(1), padding=(1, -1))
    with pytest.raises(ValueError, match=r"b has shape \(2,\)"):
        Conv1D(np.ones((3, 1, 2)), np.ones(2))
    with pytest.raises(ValueError, match="elementwise"):
        Conv1D(np.ones((3, 1, 2)), np.ones(3), activation="softmax")
    with pytest.raises(ValueError, match="stride must be an int"):
        output_size(5, 3, 0, 0)


def test_repr_has_no_address():
    layer = Conv1D.init(2, 4, 3, np.random.default_rng(0), stride=2, padding=1)
    assert repr(layer) == "Conv1D(2 -> 4, k=(3,), stride=(2,), padding=(1,), identity)"


def test_flatten_reshapes_forward_and_back():
    flat = Flatten()
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(flat.forward(x), x.reshape(2, 12))
    g = np.arange(24.0).reshape(2, 12) * 0.5
    np.testing.assert_array_equal(flat.backward(g), g.reshape(2, 3, 2, 2))
    assert flat.params == () and flat.grads == () and flat.param_names == ()
    with pytest.raises(ValueError, match=r"grad has shape \(2, 11\), expected \(2, 12\)"):
        flat.backward(np.zeros((2, 11)))
