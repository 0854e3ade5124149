"""Gradient descent: the weight update rule w <- w - eta dL/dw.

Chapter: :doc:`chapters/01_derivatives`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

_INF = float("inf")


def sgd_step(params: Sequence[NDArray], grads: Sequence[NDArray], eta: float) -> None:
    r"""Apply :math:`w \leftarrow w - \eta\, \partial L/\partial w` to every array, in place.

    Equation eq-update-rule. Each ``grads[i]`` must have the shape of ``params[i]``.
    """
    if len(params) != len(grads):
        raise ValueError(f"sgd_step: {len(params)} parameter arrays but {len(grads)} gradients")
    if not (eta > 0 and eta < _INF):  # (cheap checks: this runs once per training step)
        raise ValueError(f"sgd_step: learning rate eta must be positive and finite, got {eta}")
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if not isinstance(p, np.ndarray):  # a list would be replaced, not updated in place
            raise TypeError(f"sgd_step: params[{i}] must be a writable NumPy array (updated in place)")
        if not isinstance(g, np.ndarray):
            g = np.asarray(g)
        if p.shape != g.shape:
            raise ValueError(f"sgd_step: params[{i}] has shape {p.shape} but grads[{i}] has {g.shape}")
        try:
            p -= eta * g
        except ValueError as error:  # NumPy: "output array is read-only"
            raise TypeError(
                f"sgd_step: params[{i}] must be a writable NumPy array (updated in place)"
            ) from error


def gradient_descent(
    grad: Callable[[float], float], w0: float, eta: float, steps: int
) -> NDArray[np.float64]:
    r"""Return the iterates :math:`w_0, \dots, w_T` of :math:`w_{t+1} = w_t - \eta\, L'(w_t)`.

    ``grad`` is :math:`L'`, for a loss of one parameter; the result has shape (steps + 1,).
    """
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"gradient_descent: steps must be an int >= 0, got {steps!r}")
    w = np.empty(steps + 1)
    w[0] = w0
    for t in range(steps):
        w[t + 1] = w[t] - eta * grad(w[t])
    return w
