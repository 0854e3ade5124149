"""Finite-difference gradient checks: the centred difference, the relative error, and
the checks of practice (element-wise errors, kinks, sampled entries).

Chapter: :doc:`chapters/09_gradient_checking`. The second half follows the advice of
the CS231n notes on gradient checks: compare entry by entry as well as by norms,
notice when a centred difference straddles a kink, and on a large network check a
few randomly chosen parameters instead of all of them. Drawn uniformly over all
entries of a large network (:func:`sampled_gradcheck`), they almost all fall in its
largest weight matrices and miss the biases; :func:`covering_entries` draws one entry
of every weight matrix and bias vector first, and :func:`covering_gradcheck` checks
such a sample, so that every array is checked.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_int, as_real_array, as_rng, is_int, layer_state, nonfinite, restore_state
from ..core.layer import walk
from ..core.losses import Loss, get_loss
from ..core.network import Network

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
    net: Network, X: ArrayLike, Y: ArrayLike, loss: str | Loss, h: float = FD_STEP
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
    if not isinstance(net, Network):
        raise TypeError(f"gradcheck: net must be a Network, got {type(net).__name__}")
    loss = get_loss(loss)
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]
    every = [layer for _, layer in walk(net.layers)]  # held layers included
    after_step = [layer_state(layer) for layer in every]  # as one training step leaves it
    try:
        return _compare(net, X, Y, loss, h, analytic)
    finally:  # the finite differences' forward passes moved the running statistics
        for layer, state in zip(every, after_step, strict=True):
            restore_state(layer, state)


def _compare(net: Network, X: ArrayLike, Y: ArrayLike, loss: Loss, h: float,
             analytic: list[NDArray]) -> list[tuple[str, float]]:
    """gradcheck's comparison: each parameter's analytic gradient against the numerical."""

    def f() -> float:
        return loss.value(net.forward(X), Y)

    names = _names(net)
    result = []
    for name, p, g in zip(names, net.params, analytic, strict=True):
        numeric = numerical_gradient(f, p, h)
        for what, v in (("the back-propagated gradient", g), ("the numerical gradient", numeric)):
            bad = nonfinite(v)
            if bad:
                raise ValueError(f"gradcheck: {name}: {what} contains {bad}")
        result.append((name, relative_error(g, numeric)))
    return result


TINY = 1e-12  # below this both entries count as zero (no relative error)


def elementwise_relative_error(
    a: ArrayLike, n: ArrayLike, tiny: float = TINY
) -> NDArray[np.float64]:
    r"""Return :math:`|a_i - n_i| / \max(|a_i|, |n_i|)` entry by entry.

    a, n: arrays of one shape; the result has that shape. Where both
    :math:`|a_i|` and :math:`|n_i|` are below ``tiny`` the entry is 0 (two
    zeros agree). A sign flip gives 2, whatever the entry's size; the
    norm-wise :func:`~backprop.relative_error` can hide it when the entry is
    small next to the others.
    """
    a = np.asarray(a, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(
            f"elementwise_relative_error: a has shape {a.shape} but n has "
            f"shape {n.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        raise ValueError("elementwise_relative_error: a or n contains NaN or "
                         "inf; no relative error is defined")
    scale = np.maximum(np.abs(a), np.abs(n))
    out = np.zeros(a.shape)
    big = scale >= tiny
    out[big] = np.abs(a - n)[big] / scale[big]
    return out


def active_pattern(net: Network) -> NDArray[np.bool_]:
    """Return which pre-activations of the last forward pass are positive,
    every layer that caches one (its ``cache_fields`` name a ``z``), as one
    flat boolean array: for ReLU units, which side of each kink "wins". (A
    Dense layer's pre-activation is its cached z = x W + b, a BatchNorm's
    its z = gamma x_hat + beta.)"""
    every = [layer for _, layer in walk(net.layers) if "z" in layer.cache_fields]
    if any(layer._cache is None for layer in every):
        raise RuntimeError("active_pattern: call net.forward first")
    return np.concatenate([
        layer._cache[layer.cache_fields.index("z")].ravel() > 0
        for layer in every])


def _names(net: Network) -> list[str]:
    """Each parameter array's name and layer number: W1, b1, gamma2, ..."""
    return [f"{name}{l}" for l, layer in enumerate(net.layers, start=1)
            for name in layer.param_names]


def sampled_gradcheck(
    net: Network,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str | Loss,
    count: int,
    rng: np.random.Generator | int,
    h: float = FD_STEP,
) -> list[dict]:
    r"""Check ``count`` randomly chosen parameter entries of ``net``.

    For each entry :math:`\theta_i` (a parameter array and an index, drawn
    uniformly over all entries) the back-propagated derivative is compared
    with the centred difference :math:`(L(\theta + h e_i) - L(\theta - h
    e_i)) / 2h`: two forward passes per entry instead of two per parameter.
    Returns one dict per entry: ``param`` (e.g. ``"W2"``), ``index``,
    ``analytic``, ``numeric``, ``rel_error`` (as
    :func:`elementwise_relative_error`) and ``kink``: True when the sign
    pattern of the pre-activations differs between :math:`\theta + h e_i`
    and :math:`\theta - h e_i`, i.e. the difference straddled a kink.
    The extra forward passes leave no trace: stateful layers (BatchNorm's
    running statistics) end as one plain training step leaves them.
    """
    if not isinstance(net, Network):
        raise TypeError(f"sampled_gradcheck: net must be a Network, got "
                        f"{type(net).__name__}")
    as_int(count, "count", "sampled_gradcheck", least=1)
    rng = as_rng(rng, "sampled_gradcheck")
    sizes = np.array([p.size for p in net.params])
    picks = rng.choice(int(sizes.sum()), size=count, replace=False)
    return _check_entries(net, X, Y, get_loss(loss), np.sort(picks), h)


def _check_entries(net: Network, X: ArrayLike, Y: ArrayLike, loss: Loss,
                   picks: NDArray, h: float) -> list[dict]:
    """Back-propagated derivative against a centred difference for each flat
    index of ``picks`` (into the parameters laid end to end)."""
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]
    every = [layer for _, layer in walk(net.layers)]  # held layers included
    after_step = [layer_state(layer) for layer in every]  # as one step leaves it
    try:
        return _differences(net, X, Y, loss, picks, h, analytic)
    finally:  # the centred differences' forward passes moved the running statistics
        for layer, state in zip(every, after_step, strict=True):
            restore_state(layer, state)


def _differences(net: Network, X: ArrayLike, Y: ArrayLike, loss: Loss,
                 picks: NDArray, h: float, analytic: list[NDArray]) -> list[dict]:
    """_check_entries' comparison, entry by entry."""
    names = _names(net)
    sizes = np.array([p.size for p in net.params])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    result = []
    for flat in picks:
        k = int(np.searchsorted(starts, flat, side="right") - 1)
        p = net.params[k]
        index = np.unravel_index(int(flat - starts[k]), p.shape)
        old = p[index]
        p[index] = old + h
        up, side_up = loss.value(net.forward(X), Y), active_pattern(net)
        p[index] = old - h
        down, side_down = loss.value(net.forward(X), Y), active_pattern(net)
        p[index] = old
        numeric = (up - down) / (2 * h)
        a = float(analytic[k][index])
        result.append({
            "param": names[k], "index": tuple(int(i) for i in index),
            "analytic": a, "numeric": float(numeric),
            "rel_error": float(elementwise_relative_error(a, numeric)),
            "kink": bool(np.any(side_up != side_down)),
        })
    return result


def covering_entries(
    sizes: ArrayLike, count: int, rng: np.random.Generator | int,
) -> NDArray[np.intp]:
    """Return ``count`` distinct flat indices that cover every array.

    ``sizes`` are the sizes of K arrays laid end to end (flat index 0 is the
    first entry of the first array). One entry of each array is drawn
    uniformly within it; the other ``count - K`` are drawn uniformly, without
    replacement, from all remaining entries. The result is sorted, and every
    array holds at least one of its indices. ``count`` must be at least K
    and at most the total number of entries.
    """
    sizes = np.asarray(sizes)
    if sizes.ndim != 1 or sizes.size == 0 or np.any(sizes < 1):
        raise ValueError(f"covering_entries: sizes must be a non-empty list "
                         f"of positive sizes, got {sizes!r}")
    total = int(sizes.sum())
    if not is_int(count) or not sizes.size <= count <= total:
        raise ValueError(f"covering_entries: count must be an int from "
                         f"{sizes.size} (one per array) to {total}, got "
                         f"{count!r}")
    rng = as_rng(rng, "covering_entries")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    one_each = starts + rng.integers(0, sizes)
    rest = np.setdiff1d(np.arange(total), one_each)
    more = rng.choice(rest, size=count - sizes.size, replace=False)
    return np.sort(np.concatenate([one_each, more])).astype(np.intp)


def covering_gradcheck(
    net: Network, X: ArrayLike, Y: ArrayLike, loss: str | Loss, count: int,
    rng: np.random.Generator | int, h: float = FD_STEP,
) -> list[dict]:
    r"""Check ``count`` parameter entries of ``net``, every array included.

    The entries come from :func:`covering_entries`: at least one of every
    weight matrix and bias vector, the rest at random over all entries. For
    each entry :math:`\theta_i` the back-propagated derivative is compared
    with the centred difference :math:`(L(\theta + h e_i) - L(\theta - h
    e_i)) / 2h`: two forward passes per entry. Returns one dict per entry:
    ``param`` (e.g. ``"b2"``), ``index``, ``analytic``, ``numeric``,
    ``rel_error`` (as :func:`~backprop.roads.gradient_checks.elementwise_relative_error`)
    and ``kink``: True when the sign pattern of the pre-activations differs
    between :math:`\theta + h e_i` and :math:`\theta - h e_i`, i.e. the
    difference straddled a kink. Stateful layers end as after one plain
    training step, as with :func:`sampled_gradcheck`.
    """
    if not isinstance(net, Network):
        raise TypeError(f"covering_gradcheck: net must be a Network, got "
                        f"{type(net).__name__}")
    picks = covering_entries([p.size for p in net.params], count, rng)
    return _check_entries(net, X, Y, get_loss(loss), picks, h)

