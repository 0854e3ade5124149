"""Gradient descent, w <- w - eta dL/dw, and clipping by the global norm.

Chapters: :doc:`chapters/01_derivatives` (the update rule), :doc:`chapters/15_residual`
(clipping).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_int, positive_finite

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
    as_int(steps, "steps", "gradient_descent")
    w = np.empty(steps + 1)
    w[0] = w0
    for t in range(steps):
        w[t + 1] = w[t] - eta * grad(w[t])
    return w


def global_norm(grads: Sequence[ArrayLike], where: str = "global_norm") -> float:
    r"""Return :math:`\|g\| = \sqrt{\sum_i \|g_i\|_F^2}`: all arrays as one.

    Computed as s * sqrt(sum((g / s)^2)) with s the largest entry, so it
    neither overflows for entries near 1e200 nor underflows near 1e-200.
    A NaN or inf entry raises ``ValueError`` (``where`` names the caller).
    """
    arrays = [as_float_array(g, f"grads[{i}]", where)
              for i, g in enumerate(grads)]
    if not arrays:
        raise ValueError(f"{where}: grads is empty")
    scale = max(float(np.max(np.abs(a), initial=0.0)) for a in arrays)
    if scale == 0.0:
        return 0.0
    total = sum(float(np.sum((a / scale) ** 2)) for a in arrays)
    return scale * float(np.sqrt(total))


def clip_by_global_norm(grads: Sequence[NDArray], max_norm: float) -> float:
    r"""Scale all gradients in place by :math:`\min(1, c/\|g\|)`; return ||g||.

    Equation eq-clip: :math:`\hat g = g \min(1, c/\|g\|)` with c = ``max_norm``
    and :math:`\|g\|` the global norm of all arrays together
    (:func:`global_norm`), so :math:`\|\hat g\| = \min(\|g\|, c)` and the
    direction is kept. Returns the norm *before* clipping, as PyTorch's
    ``clip_grad_norm_`` does. grads: arrays of any shapes, writable.
    """
    positive_finite(max_norm, "max_norm", "clip_by_global_norm")
    for i, g in enumerate(grads):  # all checked before any is scaled
        if not isinstance(g, np.ndarray) or not g.flags.writeable:
            got = "read-only" if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"clip_by_global_norm: grads[{i}] must be a "
                            f"writable NumPy array (scaled in place), got {got}")
        if g.dtype.kind != "f":
            raise TypeError(f"clip_by_global_norm: grads[{i}] has dtype "
                            f"{g.dtype}, expected a floating-point array (scaled "
                            f"in place, so it cannot be cast)")
    norm = global_norm(grads, "clip_by_global_norm")
    if norm > max_norm:
        factor = max_norm / norm
        for g in grads:
            g *= factor
    return norm
