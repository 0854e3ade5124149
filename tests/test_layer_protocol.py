"""The one layer protocol (issue 24, point 1): every layer offers the same interface,
and the one container, ``bp.Network``, holds any sequence of them without asking what
they are, so a layer written here, outside the package, trains like the package's own.

The references are independent of the code under test: centred differences of the
forward pass, a hand-written loop, NumPy's reshape.
"""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.core.layer import Layer
from backprop.layers.batchnorm import BatchNorm
from backprop.layers.convolution import Conv1D, Conv2D, Flatten
from backprop.layers.recurrent import RNN, Readout
from backprop.layers.residual import Residual

FD_RTOL = 1e-6


def _layers(dtype=np.float64):
    """(name, layer, one input batch) for every layer of the package."""
    r = np.random.default_rng(0)

    def data(*shape):
        return r.normal(size=shape).astype(dtype)

    cast = np.float32 if dtype == np.float32 else np.float64
    W_x, W_h = r.normal(0, 0.5, (2, 3)), r.normal(0, 0.5, (3, 3))
    return [
        ("Dense", bp.Dense.init(3, 4, r, "tanh", dtype=dtype), data(5, 3)),
        ("BatchNorm", BatchNorm(3, "tanh", dtype=dtype), data(5, 3)),
        ("Residual", Residual([bp.Dense.init(3, 3, r, "tanh", dtype=dtype)]), data(5, 3)),
        ("Conv1D", Conv1D.init(2, 3, 3, r, padding=1, activation="tanh", dtype=dtype),
         data(4, 2, 6)),
        ("Conv2D", Conv2D.init(2, 3, 3, r, stride=2, activation="tanh", dtype=dtype),
         data(4, 2, 5, 5)),
        ("Flatten", Flatten(), data(4, 2, 3)),
        ("RNN", RNN(W_x.astype(cast), W_h.astype(cast), np.zeros(3, cast)), data(2, 4, 2)),
        ("Readout", Readout(r.normal(size=(3, 2)).astype(cast), np.zeros(2, cast)),
         data(2, 4, 3)),
    ]


NAMES = [name for name, _, _ in _layers()]


def _layer(name, dtype=np.float64):
    return next((layer, x) for n, layer, x in _layers(dtype) if n == name)


@pytest.mark.parametrize("name", NAMES)
def test_every_layer_offers_the_interface(name):
    layer, x = _layer(name)
    assert isinstance(layer, Layer)
    assert len(layer.param_names) == len(layer.params) == len(layer.grads)
    for p, g in zip(layer.params, layer.grads, strict=True):
        assert p.shape == g.shape and p.dtype == g.dtype
    assert bp.core.layer.compatible(x.shape[1:], layer.in_shape)
    assert layer.training is True
    out = layer.forward(x)
    assert bp.core.layer.compatible(out.shape[1:], layer.out_shape)
    grads_before = layer.grads
    G = np.random.default_rng(1).normal(size=out.shape)
    grad_x = layer.backward(G)
    assert grad_x.shape == x.shape
    for before, after in zip(grads_before, layer.grads, strict=True):
        assert before is after  # updated in place
    assert layer.backward(G, input_grad=False) is None  # skipped when nobody needs it
    layer.training = False
    assert layer.training is False


@pytest.mark.parametrize("name", NAMES)
def test_every_layer_backward_against_centred_differences(name):
    layer, x = _layer(name)
    G = np.random.default_rng(2).normal(size=layer.forward(x).shape)

    def value() -> float:
        return float(np.sum(layer.forward(x) * G))

    layer.forward(x)
    grad_x = layer.backward(G)
    analytic = [grad_x, *[g.copy() for g in layer.grads]]
    for a, v in zip(analytic, [x, *layer.params], strict=True):
        numeric = bp.numerical_gradient(value, v)
        np.testing.assert_allclose(a, numeric, rtol=FD_RTOL, atol=1e-8)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "Flatten"])
def test_the_dtype_rule_for_every_layer(name):
    layer, x = _layer(name, np.float32)
    assert layer.dtype == np.float32
    out = layer.forward(x)
    assert out.dtype == np.float32
    grad = layer.backward(np.ones(out.shape))  # a float64 gradient is cast
    assert grad.dtype == np.float32 and all(g.dtype == np.float32 for g in layer.grads)
    with pytest.raises(TypeError, match=r"has dtype float64"):
        layer.forward(x.astype(np.float64))  # another precision: refused, not cast
    layer.forward(np.ones(x.shape, dtype=int))  # integers are cast


class Scale(Layer):
    """A layer written outside the package: y = x * s, one parameter per feature."""

    param_names = ("s",)
    cache_fields = ("x",)

    def __init__(self, n: int):
        self.s = np.linspace(0.5, 1.5, n)
        self.grad_s = np.zeros(n)
        self.in_shape = self.out_shape = (n,)

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        self._cache = (x,)
        return x * self.s

    def backward(self, grad, input_grad=True):
        (x,) = self._cache
        self.grad_s[...] = np.sum(grad * x, axis=0)
        return grad * self.s if input_grad else None


def test_a_layer_written_outside_the_package_trains_in_the_network():
    rng = np.random.default_rng(3)
    net = bp.Network([bp.Dense.init(4, 6, rng, "tanh"), Scale(6),
                      Residual([BatchNorm(6, "tanh"), bp.Dense.init(6, 6, rng)]),
                      bp.Dense.init(6, 3, rng)])
    assert net.param_names[2] == "layer 2: s"
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 3, 32)
    checked = bp.gradcheck(net, X, y, "cross_entropy")
    assert [name for name, _ in checked][2] == "s2"
    assert max(err for _, err in checked) < 1e-6
    before = bp.cross_entropy(net.forward(X, training=False), y)
    history = bp.train(net, X, y, "cross_entropy", 0.2, 30, rng, 8)
    assert history.epoch_loss[-1] < 0.7 * history.epoch_loss[0]
    assert bp.cross_entropy(net.forward(X, training=False), y) < before
    np.testing.assert_array_equal(net.layers[1].s, net.flat_params[24 + 6:24 + 12])


def test_the_network_backward_is_the_chain_of_the_layers_backwards():
    rng = np.random.default_rng(4)
    layers = [Conv2D.init(1, 2, 3, rng, activation="relu"), Flatten(),
              bp.Dense.init(18, 3, rng, "tanh")]
    net = bp.Network(layers)
    X = rng.normal(size=(4, 1, 5, 5))
    G = rng.normal(size=(4, 3))
    net.forward(X)
    grad_inputs = net.input_gradients(G)
    a = X
    for layer in layers:  # by hand, layer by layer
        a = layer.forward(a)
    g, by_hand = G, []
    for layer in reversed(layers):
        g = layer.backward(g)
        by_hand.append(g)
    for got, want in zip(grad_inputs, by_hand[::-1], strict=True):
        np.testing.assert_array_equal(got, want)
    assert net.backward(G) is None and net.backward(G, input_grad=True).shape == X.shape


def test_training_mode_reaches_every_layer_held_or_not():
    rng = np.random.default_rng(5)
    inner = BatchNorm(3)
    net = bp.Network([bp.Dense.init(3, 3, rng), Residual([inner, bp.Dense.init(3, 3, rng)])])
    net.training = False
    assert inner.training is False and net.training is False
    net.training = True
    assert inner.training is True


@pytest.mark.parametrize("bad, error, match", [
    ([bp.Dense.init(3, 4, np.random.default_rng(0)),
      bp.Dense.init(5, 2, np.random.default_rng(0))], ValueError,
     r"Network: layer 1 outputs examples of shape \(4,\) but layer 2 expects \(5,\)"),
    ([bp.Dense.init(3, 3, np.random.default_rng(0)),
      bp.Dense.init(3, 3, np.random.default_rng(0), dtype=np.float32)], TypeError,
     r"Network: layers mix dtypes \['float32', 'float64'\]; use one"),
    ([Conv2D.init(1, 2, 3, np.random.default_rng(0)), bp.Dense.init(18, 3,
                                                                     np.random.default_rng(0))],
     ValueError, r"Network: layer 1 outputs examples of shape \(2, None, None\) but "
                 r"layer 2 expects \(18,\)"),
    ("layers", TypeError, r"Network: layers must be a list of layers, got str"),
])
def test_the_container_refuses_what_cannot_chain(bad, error, match):
    with pytest.raises(error, match=match):
        bp.Network(bad)
