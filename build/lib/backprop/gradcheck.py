"""Finite-difference gradient checks: the centred difference and the relative error.

Chapter: :doc:`chapters/09_gradient_checking`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .losses import Loss, get_loss
from .network import MLP

FD_STEP = 1e-5  # near the cube root of float64 eps (~6e-6): balances truncation and round-off


def numerical_gradient(f: Callable[[], float], x: NDArray, h: float = FD_STEP) -> NDArray:
    r"""Return :math:`\partial f/\partial x_i \approx (f(x + h e_i) - f(x - h e_i)) / 2h` for every i.

    Equation eq-centred-difference. ``f`` takes no argument and reads ``x``, which is
    perturbed in place and restored; the result has the shape of ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: ArrayLike, n: ArrayLike) -> float:
    r"""Return :math:`\|a - n\| / \max(\|a\|, \|n\|)` (Euclidean norms; 0 when both are 0).

    For scalars this is :math:`|a - n| / \max(|a|, |n|)`. a and n must have the same shape.
    """
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"relative_error: a has shape {a.shape} but n has shape {n.shape}")
    scale = max(np.linalg.norm(a), np.linalg.norm(n))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)


def gradcheck(
    net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss, h: float = FD_STEP
) -> list[tuple[str, float]]:
    """Return ``[(name, relative error)]`` for every W and b of ``net`` on the batch (X, Y).

    Back-propagation gives the analytic gradients; :func:`numerical_gradient` the
    numerical ones, each from two forward passes per parameter.
    """
    loss = get_loss(loss)
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]

    def f() -> float:
        return loss.value(net.forward(X), Y)

    names = [f"{p}{l}" for l in range(1, len(net.layers) + 1) for p in ("W", "b")]
    return [
        (name, relative_error(g, numerical_gradient(f, p, h)))
        for name, p, g in zip(names, net.params, analytic, strict=True)
    ]
