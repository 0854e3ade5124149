"""The training loop: batches, forward, loss, backward, (clipping), update.

Chapter: :doc:`chapters/08_training_loop`. One loop for every network of the course:
its options choose the sampling (:mod:`backprop.core.batching`: a permutation per
epoch, draws with replacement, or a fresh batch per step), clipping by the global
norm, and what is measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import NonFiniteError, as_float_array, as_int, as_labels, as_rng, positive_finite
from .batching import epoch_rows
from .layer import compatible
from .losses import Loss, get_loss
from .network import Network
from .optim import clip_by_global_norm, global_norm, sgd_step


@dataclass
class History:
    """What a training run measured.

    Per epoch: ``epoch_loss`` (the mean of its batch losses), ``examples_seen`` and
    ``updates`` (cumulative, at the epoch's end), ``full_loss`` (the loss on all of X
    before training and after each epoch, if asked). Per step: ``step_loss`` and
    ``step_norm`` (the gradient's global norm before clipping, if asked or clipped),
    ``batch_rows`` (the rows of each completed step).
    ``diverged``: training stopped at a step whose loss or gradient was not finite
    (that step is recorded, as inf or NaN).
    """

    epoch_loss: list[float] = field(default_factory=list)
    examples_seen: list[int] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    full_loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_norm: list[float] = field(default_factory=list)
    batch_rows: list[int] = field(default_factory=list)
    diverged: bool = False

    def __repr__(self) -> str:
        more = ", diverged" if self.diverged else ""
        if self.step_loss and not self.epoch_loss:  # a run counted in steps
            return f"History(steps={len(self.step_loss)}, last_loss={self.step_loss[-1]:.6f}{more})"
        last = f"{self.epoch_loss[-1]:.6f}" if self.epoch_loss else "-"
        return f"History(epochs={len(self.epoch_loss)}, last_loss={last}{more})"


def _checked(net, X, Y, eta, epochs, steps, batch_size) -> tuple[NDArray, NDArray]:
    """``train``'s arguments checked once; return X and Y as arrays."""
    if not isinstance(net, Network):
        raise TypeError(f"train: net must be a Network, got {type(net).__name__}")
    X = as_float_array(X, "X", "train", dtype=net.dtype)
    if X.ndim < 2 or not compatible(X.shape[1:], net.in_shape):
        sizes = ", ".join("any" if n is None else str(n) for n in net.in_shape)
        raise ValueError(f"train: X has shape {X.shape}, expected (N, {sizes}): "
                         "one row per example")
    Y = np.asarray(Y)
    if Y.ndim == 0 or Y.shape[0] != X.shape[0]:
        raise ValueError(f"train: Y has shape {Y.shape}, expected {X.shape[0]} rows of "
                         "targets, or integer labels, one per row of X")
    bad = Y.dtype.kind in "fc" and not np.isfinite(Y).all()
    if bad:
        raise ValueError("train: Y contains NaN or inf; expected finite targets")
    positive_finite(eta, "eta", "train")
    if (epochs is None) == (steps is None):
        raise ValueError(f"train: give epochs or steps, not both nor neither (got "
                         f"epochs={epochs!r}, steps={steps!r})")
    if epochs is not None:
        as_int(epochs, "epochs", "train")
    else:
        as_int(steps, "steps", "train")
    as_int(batch_size, "batch_size", "train", least=1)
    if steps is not None and batch_size > X.shape[0]:
        raise ValueError(f"train: batch_size {batch_size} is larger than the {X.shape[0]} "
                         "rows a step draws from")
    for i, p in enumerate(net.params):
        if not np.isfinite(p).all():
            raise ValueError(f"train: the net's params[{i}] contains NaN or inf before "
                             "training; expected finite parameters")
    return X, Y


def train(
    net: Network,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str | Loss,
    eta: float,
    epochs: int | None,
    rng: np.random.Generator | int,
    batch_size: int = 1,
    *,
    replacement: bool = False,
    steps: int | None = None,
    max_norm: float | None = None,
    norms: bool = False,
    full_loss: bool = False,
    progress: bool = False,
) -> History:
    r"""Train ``net`` in place by SGD; return the :class:`History` of the run.

    Each epoch cuts the N rows into batches (a fresh permutation, seeded by
    ``rng``; ``replacement=True``: N rows drawn independently), and for each
    batch B runs the forward pass, the loss, back-propagation and
    :math:`w \leftarrow w - \eta\nabla_w \mathcal{L}_B` (eq-update-rule).
    ``batch_size=1`` is one-row SGD, ``batch_size=N`` full-batch descent.
    ``steps`` instead of ``epochs`` (then None): that many steps, each on
    ``batch_size`` rows drawn afresh without replacement. ``max_norm``: each
    gradient clipped to that global norm first (eq-clip); ``norms``: record
    the norm before clipping at every step; ``full_loss``: record the loss
    on all of (X, Y) before training and after each epoch, in evaluation
    mode (batch norm's running statistics stay put).

    X (N, ...) as the first layer takes; Y (N, ...) targets or integer
    labels (N,). ``rng``: a Generator or an int seed. Bad input raises;
    only divergence (a loss or gradient not finite) stops the run quietly,
    recorded in ``History.diverged``. ``progress=True``: a tqdm bar.
    """
    X, Y = _checked(net, X, Y, eta, epochs, steps, batch_size)
    positive_finite(max_norm, "max_norm", "train", optional=True)
    loss, rng = get_loss(loss), as_rng(rng, "train")
    step = _Step(net, X, Y, loss, eta, max_norm, norms)
    if full_loss:
        step.measure()
    with np.errstate(over="ignore", invalid="ignore"):  # seen, not raised
        if steps is not None:  # a fresh batch for every step
            for _ in range(steps):
                rows = rng.choice(len(X), size=batch_size, replace=False)
                if not step(rows):
                    break
            return step.history
        for _ in _epochs(epochs, progress):
            for rows in epoch_rows(len(X), batch_size, rng, replacement):
                if not step(rows):  # forward, loss, BP1-BP4, update
                    return step.history
            step.end_epoch(full_loss)
    return step.history


class _Step:
    """One SGD update on some rows of (X, Y), and the :class:`History` it fills."""

    def __init__(self, net, X, Y, loss, eta, max_norm, norms):
        self.net, self.X, self.Y, self.loss, self.eta = net, X, Y, loss, eta
        self.max_norm, self.measure_norm = max_norm, norms or max_norm is not None
        self.history, self.first, self.rows = History(), 0, 0

    def __call__(self, rows) -> bool:
        """Update on ``rows``; False if the run diverged there (nothing updated)."""
        net, history, norm = self.net, self.history, 0.0
        try:
            value = net.loss_and_grads(self.X[rows], self.Y[rows], self.loss)
            if self.measure_norm:
                grads = net.grads
                norm = _norm(grads)
        except NonFiniteError:  # a checker met the net's own inf or NaN
            value, norm = np.nan, np.nan
        history.step_loss.append(value)
        if self.measure_norm:
            history.step_norm.append(norm)
        if not (math.isfinite(value) and math.isfinite(norm)):
            history.diverged = True
            return False
        if self.max_norm is not None:
            clip_by_global_norm(grads, self.max_norm)
        # every parameter at once: they are views into net.flat_params
        sgd_step([net.flat_params], [net.flat_grads], self.eta)
        self.rows += len(rows)
        history.batch_rows.append(len(rows))
        return True

    def end_epoch(self, full_loss: bool) -> None:
        history = self.history
        history.epoch_loss.append(float(np.average(history.step_loss[self.first:],
                                                   weights=history.batch_rows[self.first:])))
        history.examples_seen.append(self.rows)
        history.updates.append(len(history.step_loss))
        self.first = len(history.step_loss)
        if full_loss:
            self.measure()

    def measure(self) -> None:
        """The loss on all of (X, Y), in evaluation mode (no running statistics move)."""
        out = self.net.forward(self.X, training=False)
        self.history.full_loss.append(self.loss.value(out, self.Y))


def _norm(grads) -> float:
    """The gradients' global norm; inf if an entry is infinite, NaN if one is NaN
    (a gradient with a NaN has no norm)."""
    if all(np.isfinite(g).all() for g in grads):
        return global_norm(grads)
    return np.nan if any(np.isnan(g).any() for g in grads) else np.inf


def _epochs(epochs: int, progress: bool):
    if not progress:
        return range(epochs)
    from tqdm.auto import tqdm

    return tqdm(range(epochs), desc="epochs")


def accuracy(net: Network, X: ArrayLike, labels: ArrayLike) -> float:
    """Return the fraction of rows whose largest output is at the label's index.

    X (N, ...); ``labels`` are integer class indices of shape (N,) (for one-hot rows
    pass ``Y.argmax(axis=1)``): anything else raises instead of being broadcast.
    """
    if not isinstance(net, Network):
        raise TypeError(f"accuracy: net must be a Network, got {type(net).__name__}")
    out = net.forward(X, training=False)  # evaluation: no running statistics move
    labels = as_labels(labels, out.shape[0], out.shape[1], "labels", "accuracy")
    return float(np.mean(np.argmax(out, axis=1) == labels))
