"""What backward keeps from the forward pass, and gradient checkpointing.

A :class:`~backprop.core.dense.Dense` layer caches (x, z, a), shapes (N, n_in),
(N, n_out), (N, n_out); its x is the previous layer's a, the same array. A
:class:`~backprop.layers.batchnorm.BatchNorm` caches its mode, x_hat (N, n), std (n,), z and
a (N, n). Gradient
checkpointing keeps only the inputs of segments of ``every`` layers (counted from
the output) and recomputes a segment's forward pass when backward reaches it:
peak storage about L/k + c k layer activations instead of 1 + c L
(eq-checkpoint-memory), for L - k recomputed layers (eq-recompute-cost).
Chapter: :doc:`chapters/16_memory`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, is_int, layer_state, restore_state
from ..core.losses import Loss, get_loss
from ..core.network import MLP


def distinct_nbytes(arrays: Iterable[NDArray | None]) -> int:
    """Return the bytes of the distinct arrays among ``arrays`` (None, and anything
    else not an array, such as BatchNorm's cached mode flag, skipped).

    Two arrays count once when they are the same memory (same start address and
    size): layer l + 1's cached x is layer l's cached a, and an identity
    activation's a is its z.
    """
    seen: dict[tuple[int, int], int] = {}
    for a in arrays:
        if isinstance(a, np.ndarray):
            seen[(a.__array_interface__["data"][0], a.nbytes)] = a.nbytes
    return sum(seen.values())


def cache_nbytes(net: MLP) -> int:
    """Return the bytes the layers of ``net`` hold in their forward caches.

    Counted from the arrays themselves, shared ones once (eq-cache-floats).
    """
    _check_net(net, "cache_nbytes")
    return distinct_nbytes(a for layer in net.layers for a in layer._cache or ())


def segments(L: int, every: int) -> list[range]:
    """Split layer indices 0..L-1 into segments of ``every``, counted from the output.

    The first segment takes the remainder: L = 10, every = 4 gives
    [range(0, 2), range(2, 6), range(6, 10)].
    """
    for name, v in (("L", L), ("every", every)):
        if not is_int(v):
            raise TypeError(f"segments: {name} must be an int, got {v!r}")
        if v < 1:
            raise ValueError(f"segments: {name} must be >= 1, got {v}")
    ends = list(range(L, 0, -every))[::-1]
    return [range(max(end - every, 0), end) for end in ends]


def checkpointed_loss_and_grads(
    net: MLP,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str | Loss,
    every: int,
    held: list[int] | None = None,
) -> float:
    r"""Return the loss and set the gradients of ``net``, storing segment
    inputs only.

    The forward pass keeps the input :math:`a^{l-1}` of each segment of
    ``every`` layers (:func:`segments`) and forgets the layers' caches,
    except in the last segment. Backward then runs segment by segment from
    the output; before each earlier segment it recomputes that segment's
    forward pass from its stored input, back-propagates through it and
    forgets its caches again. The gradients are those of
    :meth:`MLP.loss_and_grads`: the same operations on the same numbers.
    X (N, n_0), Y as the loss expects; the layers' caches and ``delta`` are
    None afterwards. If ``held`` is a list, the bytes stored (checkpoints
    and caches, :func:`distinct_nbytes`) are appended after every layer
    step; their maximum is eq-checkpoint-memory, the recomputed layers
    eq-recompute-cost. A recomputed forward pass leaves a BatchNorm's
    running statistics as the first pass left them: one step, one update.
    """
    X, loss = _checked(net, X, loss)
    layers = net.layers
    segs = segments(len(layers), every)
    for layer in layers:  # caches of an earlier pass: not kept
        layer._cache = None
    checkpoints: list[NDArray] = []

    def record() -> None:
        if held is not None:
            caches = (a for layer in layers for a in layer._cache or ())
            held.append(distinct_nbytes([*checkpoints, *caches]))

    a = X
    for j, seg in enumerate(segs):  # forward: keep segment inputs only
        checkpoints.append(a)
        for l in seg:
            a = layers[l]._forward(a)
            if j < len(segs) - 1:
                layers[l]._cache = None  # forgotten: recomputed in backward
            record()
    value, g = _loss_and_gradient(loss, a, Y)
    for j in range(len(segs) - 1, -1, -1):  # backward, segment by segment
        seg = segs[j]
        if j < len(segs) - 1:
            a = checkpoints[j]
            for l in seg:  # recompute the segment's forward pass
                a = _recompute(layers[l], a)
                record()
        for l in reversed(seg):
            g = layers[l]._backward(g, input_grad=l > 0)
            layers[l]._cache = layers[l].delta = None
            record()
        checkpoints.pop()
        record()
    return value


def _checked(net: MLP, X: ArrayLike, loss: str | Loss) -> tuple[NDArray, Loss]:
    """checkpointed_loss_and_grads' arguments checked: X (N, n_0) in the net's dtype."""
    where = "checkpointed_loss_and_grads"
    _check_net(net, where)
    n_0, dtype = net.sizes[0], net.flat_params.dtype
    X = as_float_array(X, "X", where, dtype=dtype)
    if X.ndim != 2 or X.shape[1] != n_0:
        raise ValueError(f"{where}: X has shape {X.shape}, expected (N, {n_0})")
    if X.dtype != dtype:
        raise TypeError(f"{where}: X has dtype {X.dtype} but the network has {dtype}")
    return X, get_loss(loss)


def _loss_and_gradient(loss: Loss, a: NDArray, Y: ArrayLike) -> tuple[float, NDArray]:
    """The loss and dL/da^L, the gradient's shape checked (a user's Loss may be wrong)."""
    value, g = loss.value_and_grad(a, Y)
    if getattr(g, "shape", None) != a.shape:
        raise ValueError(f"checkpointed_loss_and_grads: {loss.name} returned a "
                         f"gradient of shape {np.shape(g)}, expected {a.shape}")
    return value, g


def _recompute(layer, a: NDArray) -> NDArray:
    """``layer._forward(a)`` again, its state (BatchNorm's running statistics)
    left as the first forward pass left it; the new cache is kept."""
    state = layer_state(layer, cache=False)
    a = layer._forward(a)
    restore_state(layer, state)
    return a


class _Tagged(np.ndarray):
    """A view that records its name in ``_reads`` whenever a ufunc reads it."""

    _tag: tuple[int, str] | None = None
    _reads: set | None = None

    def __array_finalize__(self, obj: object) -> None:  # x.T keeps the tag
        self._tag = getattr(obj, "_tag", None)
        self._reads = getattr(obj, "_reads", None)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = []
        for x in inputs:
            if isinstance(x, _Tagged):
                x._reads.add(x._tag)
                x = x.view(np.ndarray)
            plain.append(x)
        if out is not None:
            kwargs["out"] = tuple(np.asarray(o) for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        return out[0] if out is not None and len(out) == 1 else result


def backward_reads(net: MLP, X: ArrayLike, grad_out: ArrayLike) -> list[str]:
    """Return, per layer, which of its cached x, z, a its backward reads.

    Runs ``net.forward(X)``, tags every cached array, runs ``net.backward``
    (grad_out (N, n_L)) and records the arrays its NumPy operations read, e.g.
    ``["x", "xa", "xz"]``. A BatchNorm's cached arrays are x_hat, std, z, a,
    written ``h``, ``s``, ``z``, ``a`` (its mode flag is not an array).
    The caches are restored afterwards.
    """
    _check_net(net, "backward_reads")
    net.forward(X)
    reads: set[tuple[int, str]] = set()
    saved = [layer._cache for layer in net.layers]
    for l, layer in enumerate(net.layers):
        views = []
        for name, array in zip(_names(layer), layer._cache, strict=True):
            if isinstance(array, np.ndarray):
                array = array.view(_Tagged)
                array._tag, array._reads = (l, name), reads
            views.append(array)
        layer._cache = tuple(views)
    try:
        net.backward(grad_out)
    finally:
        for layer, cache in zip(net.layers, saved, strict=True):
            layer._cache = cache
    return ["".join(n for n in _names(layer) if (l, n) in reads)
            for l, layer in enumerate(net.layers)]


_LETTERS = {"x_hat": "h", "std": "s", "training": " "}  # " ": a mode flag, no array


def _names(layer: object) -> str:
    """One letter per entry of the layer's forward cache (its ``cache_fields``):
    x, z, a for a Dense layer; h, s, z, a for a BatchNorm's x_hat, std, z, a."""
    return "".join(_LETTERS.get(f, f[0]) for f in layer.cache_fields)


def _check_net(net: object, where: str) -> None:
    if not isinstance(net, MLP):
        raise TypeError(f"{where}: net must be an MLP, got {type(net).__name__}")
