"""Backpropagation with explicit Python loops: one multiplication at a time.

The three equations of chapter 6 written entry by entry, for comparison with the
matrix form (:class:`~backprop.network.MLP`) and the scalar engine. Slow on purpose.
Chapter: :doc:`chapters/12_speed`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .network import MLP


def loop_gradients(net: MLP, X: ArrayLike, Y: ArrayLike) -> tuple[float, list[NDArray]]:
    r"""Return the half squared error and ``[dL/dW^1, dL/db^1, ...]``, by loops.

    For each example: :math:`z_j = \sum_k a_k W_{kj} + b_j`, :math:`a_j = g(z_j)` forward;
    :math:`\delta_j = g'(z_j)\,\partial L/\partial a_j` with
    :math:`\partial L/\partial a_k = \sum_j W_{kj}\delta_j` backward; gradients summed
    over examples and divided by N. Elementwise activations only.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    N = len(X)
    grads = [np.zeros_like(p) for p in net.params]
    total = 0.0
    for x, y in zip(X, Y, strict=True):
        activations, zs = [list(x)], []
        for layer in net.layers:  # feedforward
            W, b, a = layer.W, layer.b, activations[-1]
            z = [sum(a[k] * W[k, j] for k in range(W.shape[0])) + b[j] for j in range(W.shape[1])]
            zs.append(z)
            activations.append([float(layer.g(np.float64(zj))) for zj in z])
        out = activations[-1]
        total += 0.5 * sum((o - t) ** 2 for o, t in zip(out, y, strict=True))
        grad_a = [o - t for o, t in zip(out, y, strict=True)]
        for l in range(len(net.layers) - 1, -1, -1):  # backward pass
            layer, z, a_prev = net.layers[l], zs[l], activations[l]
            delta = [float(layer.g.vjp(np.float64(zj), np.float64(aj), np.float64(gj)))
                     for zj, aj, gj in zip(z, activations[l + 1], grad_a, strict=True)]  # (BP1/BP2)
            gW, gb = grads[2 * l], grads[2 * l + 1]
            for k in range(len(a_prev)):
                for j in range(len(delta)):
                    gW[k, j] += a_prev[k] * delta[j]  # (BP4)
            for j in range(len(delta)):
                gb[j] += delta[j]  # (BP3)
            grad_a = [sum(layer.W[k, j] * delta[j] for j in range(len(delta))) for k in range(len(a_prev))]
    return total / N, [g / N for g in grads]
