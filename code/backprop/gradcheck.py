"""Finite-difference gradient checks: the centred difference and the relative error.

Chapter: :doc:`chapters/09_gradient_checking`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_real_array, layer_state, nonfinite, restore_state
from .losses import Loss, get_loss
from .network import MLP

FD_STEP = 1e-5  # near the cube root of float64 eps (~6e-6): balances truncation and round-off


def numerical_gradient(f: Callable[[], float], x: NDArray, h: float = FD_STEP) -> NDArray:
    r"""Return :math:`\partial f/\partial x_i \approx (f(x + h e_i) - f(x - h e_i)) / 2h` for every i.

    Equation eq-centred-difference. ``f`` takes no argument and reads ``x``, which is
    perturbed in place and restored; the result (float64) has the shape of ``x``.
    ``x`` must be a writable floating-point array: an integer array would truncate the
    perturbation (so it raises ``TypeError``). In float32 or float16, where
    :math:`x \pm h` is rounded, the difference is divided by the step actually taken.
    Where h is below the float's resolution at :math:`x_i` (float32 at
    :math:`|x_i| \ge 256` for h = 1e-5), both :math:`x_i + h` and :math:`x_i - h` round
    back to :math:`x_i`: no step is taken, so no step-taken quotient exists either (it
    would be 0/0), and that entry raises ``ValueError`` instead: use a larger h or float64.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"numerical_gradient: x must be the NumPy array that f reads (it is perturbed in "
            f"place), got {type(x).__name__}"
        )
    if x.dtype.kind != "f":
        raise TypeError(
            f"numerical_gradient: x has dtype {x.dtype}, expected floating point: the "
            f"perturbation h = {h:g} would be truncated; make x = x.astype(float) and let f read it"
        )
    if not x.flags.writeable:
        raise ValueError("numerical_gradient: x is read-only, but it is perturbed in place; pass a "
                         "writable copy (x.copy()) and let f read it")
    if not 0 < h < np.inf:
        raise ValueError(f"numerical_gradient: h must be a positive finite step, got {h!r}")
    exact_step = x.dtype == np.float64  # else x +- h is rounded to x's precision
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = float(x[i])
        f_plus = f()
        x[i] = old - h
        down = float(x[i])
        f_minus = f()
        x[i] = old
        if up == down:  # x +- h rounded back to x: no step was taken
            raise ValueError(_no_step(x, i, h))
        if exact_step:
            grad[i] = (f_plus - f_minus) / (2 * h)
        else:  # float32, float16: x +- h was rounded; divide by the step taken
            grad[i] = (f_plus - f_minus) / (up - down)
    return grad


def _no_step(x: NDArray, i: tuple[int, ...], h: float) -> str:
    """The message for an entry where x_i +- h rounds back to x_i."""
    entry = f"x[{', '.join(map(str, i))}]"
    return (
        f"numerical_gradient: {entry} = {float(x[i]):g} ({x.dtype}): the step h = {h:g} is below "
        f"the float's resolution there (spacing {float(np.spacing(np.abs(x[i]))):g}), so "
        f"{entry} +- h rounds back to {entry} and no difference can be taken; expected h at "
        f"least half the spacing, or x in float64"
    )


def relative_error(a: ArrayLike, n: ArrayLike) -> float:
    r"""Return :math:`\|a - n\| / \max(\|a\|, \|n\|)` (Euclidean norms; 0 when both are 0).

    For scalars this is :math:`|a - n| / \max(|a|, |n|)`. a and n must have the same shape.
    Both are first divided by their largest entry, so the answer is right at any scale
    (1e-300 or 1e300). NaN or inf on either side raises ``ValueError`` naming the side:
    a comparison with NaN must never look like agreement.
    """
    a = as_real_array(a, "a", "relative_error").astype(np.float64, copy=False)
    n = as_real_array(n, "n", "relative_error").astype(np.float64, copy=False)
    if a.shape != n.shape:
        raise ValueError(f"relative_error: a has shape {a.shape} but n has shape {n.shape}")
    for side, v in (("a", a), ("n", n)):
        bad = nonfinite(v)
        if bad:
            raise ValueError(f"relative_error: {side} contains {bad}; no relative error is defined")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(n), initial=0.0))
    if scale == 0:
        return 0.0
    a, n = a / scale, n / scale  # entries now in [-1, 1]: no overflow, no underflow to 0
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a), np.linalg.norm(n)))


def gradcheck(
    net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss, h: float = FD_STEP
) -> list[tuple[str, float]]:
    """Return ``[(name, relative error)]`` for every W and b of ``net`` on the batch (X, Y).

    Back-propagation gives the analytic gradients; :func:`numerical_gradient` the
    numerical ones, each from two forward passes per parameter.

    How to read the relative error (float64, centred differences with h = 1e-5): the
    truncation error of a centred difference is O(h^2) ~ 1e-10 and the round-off
    O(eps/h) ~ 1e-11 (eps ~ 2.2e-16), so a correct gradient typically gives ~1e-7 or
    better: good. Above ~1e-4 there is almost surely a bug. In between, look closer:
    a kink (ReLU at 0, max) within h of a parameter, a tiny gradient whose norm is
    near the round-off, or float32 can all cost digits; re-run with other data.
    A NaN or inf in either gradient raises ``ValueError`` naming the parameter.

    The 2P extra forward passes leave no trace: stateful layers (BatchNorm's running
    statistics) end as one plain training step, ``net.loss_and_grads``, leaves them.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"gradcheck: net must be an MLP, got {type(net).__name__}")
    loss = get_loss(loss)
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]
    after_step = [layer_state(layer) for layer in net.layers]  # as one training step leaves it
    try:
        return _compare(net, X, Y, loss, h, analytic)
    finally:  # the finite differences' forward passes moved the running statistics
        for layer, state in zip(net.layers, after_step, strict=True):
            restore_state(layer, state)


def _compare(net: MLP, X: ArrayLike, Y: ArrayLike, loss: Loss, h: float,
             analytic: list[NDArray]) -> list[tuple[str, float]]:
    """gradcheck's comparison: each parameter's analytic gradient against the numerical."""

    def f() -> float:
        return loss.value(net.forward(X), Y)

    names = [f"{p}{l}" for l in range(1, len(net.layers) + 1) for p in ("W", "b")]
    result = []
    for name, p, g in zip(names, net.params, analytic, strict=True):
        numeric = numerical_gradient(f, p, h)
        for what, v in (("the back-propagated gradient", g), ("the numerical gradient", numeric)):
            bad = nonfinite(v)
            if bad:
                raise ValueError(f"gradcheck: {name}: {what} contains {bad}")
        result.append((name, relative_error(g, numeric)))
    return result
