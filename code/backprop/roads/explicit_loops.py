"""Backpropagation with explicit Python loops: one multiplication at a time.

The three equations of chapter 6 written entry by entry, for comparison with the
matrix form (:class:`~backprop.core.network.MLP`) and the scalar engine. Slow on purpose.
Chapter: :doc:`chapters/12_speed`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array
from ..core.network import MLP


def loop_gradients(net: MLP, X: ArrayLike, Y: ArrayLike) -> tuple[float, list[NDArray]]:
    r"""Return the half squared error and ``[dL/dW^1, dL/db^1, ...]``, by loops.

    For each example: :math:`z_j = \sum_k a_k W_{kj} + b_j`, :math:`a_j = g(z_j)` forward;
    :math:`\delta_j = g'(z_j)\,\partial L/\partial a_j` with
    :math:`\partial L/\partial a_k = \sum_j W_{kj}\delta_j` backward; gradients summed
    over examples and divided by N. A softmax layer couples its outputs:
    :math:`a_j = e^{z_j - m}/\sum_i e^{z_i - m}` and
    :math:`\delta_j = a_j(\partial L/\partial a_j - \sum_i a_i\,\partial L/\partial a_i)`
    (eq-softmax-vjp). X (N, n_0), Y (N, n_L).
    """
    X, Y = _checked(net, X, Y)
    grads = [np.zeros_like(p) for p in net.params]
    total = sum(_add_example(net, x, y, grads) for x, y in zip(X, Y, strict=True))
    N = len(X)
    return total / N, [g / N for g in grads]


def _checked(net: MLP, X: ArrayLike, Y: ArrayLike) -> tuple[NDArray, NDArray]:
    """loop_gradients' arguments checked: X (N, n_0), Y (N, n_L)."""
    if not isinstance(net, MLP):
        raise TypeError(f"loop_gradients: net must be an MLP, got {type(net).__name__}")
    n_0, n_L = net.sizes[0], net.sizes[-1]
    X = as_float_array(X, "X", "loop_gradients", ndim=2, shape=f"(N, {n_0})")
    if X.shape[1] != n_0:
        raise ValueError(f"loop_gradients: X has shape {X.shape}, expected (N, {n_0})")
    Y = as_float_array(Y, "Y", "loop_gradients", ndim=2, shape=f"({X.shape[0]}, {n_L})")
    if Y.shape != (X.shape[0], n_L):
        raise ValueError(f"loop_gradients: Y has shape {Y.shape}, expected ({X.shape[0]}, {n_L})")
    return X, Y


def _add_example(net: MLP, x: NDArray, y: NDArray, grads: list[NDArray]) -> float:
    """Add one example's gradients to ``grads``, entry by entry; return its loss."""
    activations, zs = [[float(v) for v in x]], []
    for layer in net.layers:  # feedforward
        W, b, a = layer.W, layer.b, activations[-1]
        z = [sum(a[k] * W[k, j] for k in range(W.shape[0])) + b[j] for j in range(W.shape[1])]
        zs.append(z)
        if layer.g.name == "softmax":
            m = max(z)
            e = [math.exp(zj - m) for zj in z]
            activations.append([ej / sum(e) for ej in e])
        else:
            activations.append([float(layer.g(np.float64(zj))) for zj in z])
    out = activations[-1]
    grad_a = [o - t for o, t in zip(out, y, strict=True)]
    for l in range(len(net.layers) - 1, -1, -1):  # backward pass
        layer, z, a_prev, a = net.layers[l], zs[l], activations[l], activations[l + 1]
        if layer.g.name == "softmax":  # every a_i depends on every z_j
            dot = sum(ai * gi for ai, gi in zip(a, grad_a, strict=True))
            delta = [aj * (gj - dot) for aj, gj in zip(a, grad_a, strict=True)]
        else:
            delta = [float(layer.g.vjp(np.float64(zj), np.float64(aj), np.float64(gj)))
                     for zj, aj, gj in zip(z, a, grad_a, strict=True)]  # (BP1/BP2)
        gW, gb = grads[2 * l], grads[2 * l + 1]
        for k in range(len(a_prev)):
            for j in range(len(delta)):
                gW[k, j] += a_prev[k] * delta[j]  # (BP4)
        for j in range(len(delta)):
            gb[j] += delta[j]  # (BP3)
        grad_a = [sum(layer.W[k, j] * delta[j] for j in range(len(delta))) for k in range(len(a_prev))]
    return 0.5 * sum((o - t) ** 2 for o, t in zip(out, y, strict=True))

