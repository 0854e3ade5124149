"""Gradient checks in practice: element-wise errors, kinks, sampled entries.

Chapter: :doc:`chapters/09_gradient_checking`. These follow the advice of the
CS231n notes on gradient checks: compare entry by entry as well as by norms,
notice when a centred difference straddles a kink, and on a large network
check a few randomly chosen parameters instead of all of them. Drawn uniformly
over all entries of a large network (:func:`sampled_gradcheck`), they almost all
fall in its largest weight matrices and miss the biases; :func:`covering_entries`
draws one entry of every weight matrix and bias vector first, and
:func:`covering_gradcheck` checks such a sample, so that every array is checked.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_rng, layer_state, restore_state
from .batchnorm import BatchNorm
from .gradcheck import FD_STEP
from .losses import Loss, get_loss
from .network import MLP

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


def active_pattern(net: MLP) -> NDArray[np.bool_]:
    """Return which pre-activations of the last forward pass are positive,
    every layer, as one flat boolean array: for ReLU units, which side of
    each kink "wins". (A Dense layer's pre-activation is its cached z =
    x W + b, a BatchNorm's its z = gamma x_hat + beta.)"""
    if any(layer._cache is None for layer in net.layers):
        raise RuntimeError("active_pattern: call net.forward first")
    return np.concatenate([
        layer._cache[3 if isinstance(layer, BatchNorm) else 1].ravel() > 0
        for layer in net.layers])


def sampled_gradcheck(
    net: MLP,
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
    if not isinstance(net, MLP):
        raise TypeError(f"sampled_gradcheck: net must be an MLP, got "
                        f"{type(net).__name__}")
    if not isinstance(count, int | np.integer) or count < 1:
        raise ValueError(f"sampled_gradcheck: count must be an int >= 1, got "
                         f"{count!r}")
    rng = as_rng(rng, "sampled_gradcheck")
    sizes = np.array([p.size for p in net.params])
    picks = rng.choice(int(sizes.sum()), size=count, replace=False)
    return _check_entries(net, X, Y, get_loss(loss), np.sort(picks), h)


def _check_entries(net: MLP, X: ArrayLike, Y: ArrayLike, loss: Loss,
                   picks: NDArray, h: float) -> list[dict]:
    """Back-propagated derivative against a centred difference for each flat
    index of ``picks`` (into the parameters laid end to end)."""
    net.loss_and_grads(X, Y, loss)
    analytic = [g.copy() for g in net.grads]
    after_step = [layer_state(layer) for layer in net.layers]  # as one step leaves it
    try:
        return _differences(net, X, Y, loss, picks, h, analytic)
    finally:  # the centred differences' forward passes moved the running statistics
        for layer, state in zip(net.layers, after_step, strict=True):
            restore_state(layer, state)


def _differences(net: MLP, X: ArrayLike, Y: ArrayLike, loss: Loss,
                 picks: NDArray, h: float, analytic: list[NDArray]) -> list[dict]:
    """_check_entries' comparison, entry by entry."""
    names = [f"{p}{k}" for k in range(1, len(net.layers) + 1) for p in "Wb"]
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
    if (not isinstance(count, int | np.integer)
            or not sizes.size <= count <= total):
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
    net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss, count: int,
    rng: np.random.Generator | int, h: float = FD_STEP,
) -> list[dict]:
    r"""Check ``count`` parameter entries of ``net``, every array included.

    The entries come from :func:`covering_entries`: at least one of every
    weight matrix and bias vector, the rest at random over all entries. For
    each entry :math:`\theta_i` the back-propagated derivative is compared
    with the centred difference :math:`(L(\theta + h e_i) - L(\theta - h
    e_i)) / 2h`: two forward passes per entry. Returns one dict per entry:
    ``param`` (e.g. ``"b2"``), ``index``, ``analytic``, ``numeric``,
    ``rel_error`` (as :func:`~backprop.checking.elementwise_relative_error`)
    and ``kink``: True when the sign pattern of the pre-activations differs
    between :math:`\theta + h e_i` and :math:`\theta - h e_i`, i.e. the
    difference straddled a kink. Stateful layers end as after one plain
    training step, as with :func:`sampled_gradcheck`.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"covering_gradcheck: net must be an MLP, got "
                        f"{type(net).__name__}")
    picks = covering_entries([p.size for p in net.params], count, rng)
    return _check_entries(net, X, Y, get_loss(loss), picks, h)

