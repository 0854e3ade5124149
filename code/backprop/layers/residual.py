"""Residual connections, y = x + f(x), and gradient clipping by global norm.

Shapes (rows are examples): x, f(x), y (N, n); the branch f is a list of Dense
(and BatchNorm) layers mapping n units back to n. Chapter:
:doc:`chapters/15_residual`. ``ResidualNet`` runs Dense, BatchNorm and Residual
layers in order and keeps every layer's input gradient for inspection.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import NonFiniteError, as_float_array, nonfinite, positive_finite
from ..core.dense import Dense
from ..core.losses import Loss, get_loss
from ..core.optim import sgd_step
from ..core.training import minibatches
from .batchnorm import BatchNorm

Layer = Dense | BatchNorm


def _run(layer, x: NDArray, training: bool | None) -> NDArray:
    """One layer's forward pass (BatchNorm takes the mode, Dense does not;
    None: the BatchNorm's own mode)."""
    if isinstance(layer, BatchNorm | Residual):
        return layer.forward(x, training)
    return layer.forward(x)


def _refuse_sharing(where: str, places: Sequence[tuple[str, object]]) -> None:
    """Raise ``ValueError`` if one layer object sits at two of ``places``
    ((where it sits, layer) pairs, branches walked), as :class:`~backprop.core.network.MLP`
    does: a layer keeps one forward cache, so a second place would overwrite the
    first's and silently give wrong gradients."""
    seen: dict[int, str] = {}
    for place, layer in places:
        earlier = seen.get(id(layer))
        if earlier is not None:
            kind = type(layer).__name__
            fresh = {"Dense": "Dense(layer.W.copy(), layer.b.copy(), layer.g)",
                     "BatchNorm": "BatchNorm(layer.n, layer.g)"}.get(kind, "a new block of new layers")
            raise ValueError(
                f"{where}: {place} is the same {kind} object as {earlier}; weight sharing "
                f"(one layer used twice) is not supported: give each place its own "
                f"{kind} (e.g. {fresh})")
        seen[id(layer)] = place


class Residual:
    r"""A residual block :math:`y = x + f(x)`, f the branch layers in order.

    ``forward(x)`` returns x + f(x) for x (N, n), f(x) (N, n);
    ``backward(grad_y)`` returns
    :math:`\delta_x = \delta_y + \delta_y J_f` row by row (eq-residual-vjp):
    the upstream gradient itself plus what the branch passes back.
    Called before ``forward`` it raises ``RuntimeError``. ``params``/``grads``
    are the branch layers', as for Dense.
    """

    def __init__(self, branch: Sequence[Layer]):
        if isinstance(branch, Dense | BatchNorm):
            branch = [branch]
        if not branch or not all(isinstance(x, Dense | BatchNorm)
                                 for x in branch):
            raise TypeError("Residual: branch must be a non-empty list of "
                            "Dense and BatchNorm layers")
        _refuse_sharing("Residual", [(f"branch layer {k}", x)
                                     for k, x in enumerate(branch, start=1)])
        self.branch = list(branch)
        self._shape: tuple[int, ...] | None = None

    def forward(self, x: ArrayLike, training: bool | None = None) -> NDArray:
        """Return x + f(x); x (N, n) -> (N, n). ``training`` as for ResidualNet."""
        x = as_float_array(x, "x", "Residual.forward", ndim=2, shape="(N, n)")
        fx = x
        for layer in self.branch:
            fx = _run(layer, fx, training)
        if fx.shape != x.shape:
            raise ValueError(f"Residual.forward: the branch maps x of shape "
                             f"{x.shape} to {fx.shape}; y = x + f(x) needs "
                             f"the same shape")
        self._shape = x.shape
        return x + fx  # y = x + f(x)

    def backward(self, grad_y: ArrayLike) -> NDArray:
        """Set the branch's grads from dL/dy (N, n); return dL/dx (N, n)."""
        if self._shape is None:
            raise RuntimeError("Residual.backward called before forward")
        grad_y = as_float_array(grad_y, "grad_y", "Residual.backward")
        if grad_y.shape != self._shape:
            raise ValueError(f"Residual.backward: grad_y has shape "
                             f"{grad_y.shape}, expected {self._shape}")
        g = grad_y
        for layer in reversed(self.branch):
            g = layer.backward(g)  # delta_y J_f, through the branch
        return grad_y + g  # (eq-residual-vjp): the identity path adds delta_y

    @property
    def params(self) -> list[NDArray]:
        return [p for layer in self.branch for p in layer.params]

    @property
    def grads(self) -> list[NDArray]:
        return [g for layer in self.branch for g in layer.grads]

    def __repr__(self) -> str:
        return f"Residual([{', '.join(map(repr, self.branch))}])"


class ResidualNet:
    """Dense, BatchNorm and Residual layers applied in order.

    After ``backward``, ``grad_inputs[i]`` holds dL/d(input of layer i), of
    the input's shape: the gradient as it arrives at each layer.
    ``training`` (of ``forward``, ``loss_and_grads``): None runs each
    BatchNorm in its own mode (its ``training`` attribute, True unless set,
    as in an MLP); True or False runs them all in that mode. Each layer
    object may sit at one place only, branches included (as in an MLP).
    """

    def __init__(self, layers: Sequence[Layer | Residual]):
        kinds = Dense | BatchNorm | Residual
        if not layers or not all(isinstance(x, kinds) for x in layers):
            raise TypeError("ResidualNet: layers must be a non-empty list of "
                            "Dense, BatchNorm and Residual layers")
        places = []
        for i, x in enumerate(layers, start=1):
            places.append((f"layer {i}", x))
            if isinstance(x, Residual):
                places += [(f"layer {i} (branch layer {k})", y)
                           for k, y in enumerate(x.branch, start=1)]
        _refuse_sharing("ResidualNet", places)
        self.layers = list(layers)
        self.grad_inputs: list[NDArray] = []

    def forward(self, X: ArrayLike, training: bool | None = None) -> NDArray:
        """Return the last layer's output; X (N, n_0)."""
        a = X
        for layer in self.layers:
            a = _run(layer, a, training)
        return a

    def backward(self, grad_out: ArrayLike) -> NDArray:
        """Back-propagate dL/d(output) through every layer; return dL/dX."""
        g, grads = grad_out, []
        for layer in reversed(self.layers):
            g = layer.backward(g)
            grads.append(g)
        self.grad_inputs = grads[::-1]
        return g

    def loss_and_grads(self, X: ArrayLike, Y: ArrayLike, loss: str | Loss,
                       training: bool | None = None) -> float:
        """Forward, loss, backward: return the loss; grads stay on layers."""
        loss = get_loss(loss)
        value, grad = loss.value_and_grad(self.forward(X, training), Y)
        self.backward(grad)
        return value

    @property
    def params(self) -> list[NDArray]:
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[NDArray]:
        return [g for layer in self.layers for g in layer.grads]

    def __repr__(self) -> str:
        return f"ResidualNet([{', '.join(map(repr, self.layers))}])"


def global_norm(grads: Sequence[ArrayLike]) -> float:
    r"""Return :math:`\|g\| = \sqrt{\sum_i \|g_i\|_F^2}`: all arrays as one.

    Computed as s * sqrt(sum((g / s)^2)) with s the largest entry, so it
    neither overflows for entries near 1e200 nor underflows near 1e-200.
    """
    arrays = [as_float_array(g, f"grads[{i}]", "global_norm")
              for i, g in enumerate(grads)]
    if not arrays:
        raise ValueError("global_norm: grads is empty")
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
    if isinstance(max_norm, bool) or not isinstance(
            max_norm, int | float | np.floating | np.integer):
        raise TypeError(f"clip_by_global_norm: max_norm must be a number, "
                        f"got {type(max_norm).__name__}")
    if not 0 < max_norm < np.inf:
        raise ValueError(f"clip_by_global_norm: max_norm must be positive "
                         f"and finite, got {max_norm!r}")
    for i, g in enumerate(grads):  # all checked before any is scaled
        if not isinstance(g, np.ndarray) or not g.flags.writeable:
            got = "read-only" if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"clip_by_global_norm: grads[{i}] must be a "
                            f"writable NumPy array (scaled in place), got {got}")
        if g.dtype.kind != "f":
            raise TypeError(f"clip_by_global_norm: grads[{i}] has dtype "
                            f"{g.dtype}, expected a floating-point array (scaled "
                            f"in place, so it cannot be cast)")
    norm = global_norm(grads)
    if norm > max_norm:
        factor = max_norm / norm
        for g in grads:
            g *= factor
    return norm


def train_clipped(net, X: NDArray, Y: NDArray, loss: str | Loss, eta: float,
                  epochs: int, rng: np.random.Generator,
                  batch_size: int, max_norm: float | None = None):
    """SGD on shuffled mini-batches, each gradient clipped to ``max_norm``.

    ``net`` is a :class:`~backprop.core.network.MLP` or :class:`ResidualNet`;
    ``max_norm=None`` trains without clipping. Returns two arrays, one entry
    per step: the batch loss and the global norm of the gradient *before*
    clipping. Training stops at the first step whose loss or gradient is not
    finite (that step is recorded: inf or NaN), instead of raising. Only that,
    divergence, gives NaN: bad input (wrong widths, labels out of range, NaN or
    inf in X, Y or the starting parameters) raises, as the layers and losses do.
    """
    where = "train_clipped"
    positive_finite(eta, "eta", where)
    positive_finite(max_norm, "max_norm", where, optional=True)
    # checked once here, so a NaN or inf met inside the loop is the network's own
    as_float_array(X, "X", where)
    bad = nonfinite(np.asarray(Y))
    if bad:
        raise ValueError(f"{where}: Y contains {bad}")
    if len(Y) != len(X):
        raise ValueError(f"{where}: Y has {len(Y)} rows but X has {len(X)}; "
                         f"expected one target per row of X")
    for i, p in enumerate(net.params):
        bad = nonfinite(p)
        if bad:
            raise ValueError(f"{where}: the net's params[{i}] contains {bad} "
                             f"before training; expected finite parameters")
    losses, norms = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            for rows in minibatches(len(X), batch_size, rng):
                try:
                    value = net.loss_and_grads(X[rows], Y[rows], loss)
                    grads = net.grads
                    finite = all(np.isfinite(g).all() for g in grads)
                    norm = global_norm(grads) if finite else np.inf
                except NonFiniteError:  # a checker met the net's inf or NaN
                    value, norm = np.nan, np.nan
                losses.append(value)
                norms.append(norm)
                if not (np.isfinite(value) and np.isfinite(norm)):
                    return np.array(losses), np.array(norms)
                if max_norm is not None:
                    clip_by_global_norm(grads, max_norm)
                sgd_step(net.params, grads, eta)
    return np.array(losses), np.array(norms)
