"""Batch normalisation: each unit standardised over the batch, then scaled and shifted.

Shapes (rows are examples): x, x_hat, y (N, n); gamma, beta, mu, var (n,).
Chapter: :doc:`chapters/14_batchnorm`. A :class:`~backprop.core.network.Network`
holds batch norm beside dense layers, as any layer of the protocol.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_int, positive_finite, same_dtype
from ..core.activations import Activation, get_activation
from ..core.layer import Layer

EPS = 1e-5  # PyTorch's default: keeps sqrt(var + eps) away from 0 for a constant unit
MOMENTUM = 0.1  # PyTorch's convention: running <- (1 - m) running + m batch


def batch_norm(x: NDArray, gamma: NDArray, beta: NDArray,
               eps: float = EPS) -> tuple[NDArray, NDArray, NDArray]:
    r"""Return ``(y, x_hat, var)`` with :math:`y = \gamma\hat x + \beta`.

    Equation eq-bn-forward: :math:`\mu = \frac1N\sum_m x_m`,
    :math:`\sigma^2 = \frac1N\sum_m (x_m - \mu)^2` (the biased batch
    variance), :math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}`.
    x (N, n); gamma, beta (n,) -> y, x_hat (N, n); var (n,).
    """
    mu = x.mean(axis=0)
    centred = x - mu
    var = np.mean(centred * centred, axis=0)  # two passes: no cancellation
    x_hat = centred / np.sqrt(var + eps)
    return gamma * x_hat + beta, x_hat, var


def batch_norm_vjp(y_bar: NDArray, x_hat: NDArray, gamma: NDArray,
                   std: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    r"""Return ``(grad_x, grad_gamma, grad_beta)`` in training mode.

    Sums run over the rows; ``std`` is :math:`s = \sqrt{\sigma^2+\epsilon}`.
    ``y_bar`` is the upstream gradient :math:`\bar y = \partial L/\partial y`.
    :math:`\partial L/\partial x = \frac{\gamma}{Ns}(N \bar y - \sum_m \bar y_m
    - \hat x \odot \sum_m \bar y_m \odot \hat x_m)` (eq-bn-backward),
    :math:`\partial L/\partial\gamma = \sum_m \bar y_m \odot \hat x_m`
    (eq-bn-grad-gamma), :math:`\partial L/\partial\beta = \sum_m \bar y_m`
    (eq-bn-grad-beta). y_bar, x_hat (N, n); gamma, std (n,) ->
    grad_x (N, n); grad_gamma, grad_beta (n,).
    """
    n_batch = y_bar.shape[0]
    grad_beta = y_bar.sum(axis=0)  # (eq-bn-grad-beta)
    grad_gamma = np.sum(y_bar * x_hat, axis=0)  # (eq-bn-grad-gamma)
    grad_x = (gamma / (n_batch * std)) * (  # (eq-bn-backward)
        n_batch * y_bar - grad_beta - x_hat * grad_gamma)
    return grad_x, grad_gamma, grad_beta


class BatchNorm(Layer):
    r"""Batch normalisation of n units, then an activation: :math:`a = g(\gamma\hat x + \beta)`.

    ``forward(x, training=True)`` normalises with the batch's mean and biased
    variance and updates the running averages (with the *unbiased* variance, as
    PyTorch does); ``training=False`` uses the running averages: an affine map.
    ``backward(grad_a)`` sets ``grad_gamma``, ``grad_beta`` and returns dL/dx; called
    before ``forward`` it raises ``RuntimeError``. ``params``/``grads`` as Dense.
    It follows the layer protocol (:mod:`backprop.core.layer`).
    """

    param_names = ("gamma", "beta")
    cache_fields = ("training", "x_hat", "std", "z", "a")

    def __init__(self, n: int, activation: str | Activation = "identity",
                 eps: float = EPS, momentum: float = MOMENTUM, dtype=np.float64):
        as_int(n, "n", "BatchNorm", least=1)
        positive_finite(eps, "eps", "BatchNorm")  # any real number, NumPy's included
        if isinstance(momentum, bool | np.bool_) or not isinstance(
                momentum, int | float | np.integer | np.floating):
            raise TypeError(f"BatchNorm: momentum must be a number, got {type(momentum).__name__}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm: momentum must lie in [0, 1], got {momentum!r}")
        self.n, self.eps, self.momentum = int(n), float(eps), float(momentum)
        self.g = get_activation(activation)
        self.gamma, self.beta = np.ones(n, dtype), np.zeros(n, dtype)
        self.grad_gamma, self.grad_beta = np.zeros(n, dtype), np.zeros(n, dtype)
        self.running_mean, self.running_var = np.zeros(n, dtype), np.ones(n, dtype)
        self.training = True  # the mode forward uses when not told
        self._cache: tuple | None = None

    def forward(self, x: ArrayLike, training: bool | None = None) -> NDArray:
        """Return a = g(gamma x_hat + beta); x (N, n) -> a (N, n). Caches for backward.

        ``training`` None: the layer's ``training`` attribute (True unless set).
        """
        where = "BatchNorm.forward"
        training = self.training if training is None else bool(training)
        x = as_float_array(x, "x", where, dtype=self.gamma.dtype)
        same_dtype(x, self.gamma, "x", where)
        if x.ndim != 2 or x.shape[1] != self.n:
            raise ValueError(f"{where}: x has shape {x.shape}, expected (N, {self.n})")
        if training and x.shape[0] < 2:
            raise ValueError(f"{where}: x has shape {x.shape}; training mode needs a "
                             "batch of N >= 2 rows (one row has no variance)")
        if training:
            z, x_hat, var = batch_norm(x, self.gamma, self.beta, self.eps)
            std, m, n_batch = np.sqrt(var + self.eps), self.momentum, len(x)
            unbiased = var * n_batch / (n_batch - 1)  # for the running average
            self.running_mean += m * (x.mean(axis=0) - self.running_mean)
            self.running_var += m * (unbiased - self.running_var)
        else:
            std = np.sqrt(self.running_var + self.eps)
            x_hat = (x - self.running_mean) / std
            z = self.gamma * x_hat + self.beta
        a = self.g.f(z)
        self._cache = (training, x_hat, std, z, a)
        return a

    def backward(self, grad_a: ArrayLike,
                 input_grad: bool = True) -> NDArray | None:
        """Set grad_gamma, grad_beta from dL/da (N, n); return dL/dx (N, n)
        (None unless ``input_grad``)."""
        if self._cache is None:
            raise RuntimeError("BatchNorm.backward called before forward")
        training, x_hat, std, z, a = self._cache
        grad_a = as_float_array(grad_a, "grad_a", "BatchNorm.backward",
                                dtype=self.gamma.dtype)
        if grad_a.shape != a.shape:
            raise ValueError(f"BatchNorm.backward: grad_a has shape "
                             f"{grad_a.shape}, expected {a.shape}")
        grad_a = grad_a.astype(self.gamma.dtype, copy=False)  # the dtype rule
        y_bar = self.g.vjp(z, a, grad_a)  # dL/dy, y = gamma x_hat + beta
        grad_x, self.grad_gamma[...], self.grad_beta[...] = batch_norm_vjp(
            y_bar, x_hat, self.gamma, std)
        if not training:  # an affine map (eq-bn-inference-grad)
            grad_x = self.gamma / std * y_bar
        return grad_x if input_grad else None

    @property
    def in_shape(self) -> tuple[int]:
        return (self.n,)

    out_shape = in_shape

    def __repr__(self) -> str:
        return f"BatchNorm({self.n}, {self.g.name}, eps={self.eps:g})"
