"""The training loop: epochs of shuffled mini-batches, forward, loss, backward, update.

Chapter: :doc:`chapters/08_training_loop`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_labels, as_rng
from .losses import Loss, get_loss
from .network import MLP
from .optim import sgd_step


@dataclass
class History:
    """What a training run measured: one entry per epoch."""

    epoch_loss: list[float] = field(default_factory=list)  # mean of the batch losses
    examples_seen: list[int] = field(default_factory=list)  # cumulative, at epoch end
    updates: list[int] = field(default_factory=list)  # cumulative SGD steps, at epoch end

    def __repr__(self) -> str:
        last = f"{self.epoch_loss[-1]:.6f}" if self.epoch_loss else "-"
        return f"History(epochs={len(self.epoch_loss)}, last_loss={last})"


def minibatches(n: int, batch_size: int, rng: np.random.Generator | int) -> list[NDArray[np.intp]]:
    """Return the row indices of one epoch: a permutation of 0..n-1 cut into batches.

    Sampling *without* replacement: every row is used exactly once per epoch. The last
    batch is smaller when ``batch_size`` does not divide ``n``.
    """
    if not isinstance(batch_size, int | np.integer) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"minibatches: batch_size must be an int >= 1, got {batch_size!r}")
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
        raise ValueError(f"minibatches: n must be an int >= 0, got {n!r}")
    order = as_rng(rng, "minibatches").permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _checked(net, X, Y, eta, epochs, batch_size) -> tuple[NDArray, NDArray]:
    """``train``'s arguments checked once; return X and Y as arrays."""
    if not isinstance(net, MLP):
        raise TypeError(f"train: net must be an MLP, got {type(net).__name__}")
    n_0, n_L = net.sizes[0], net.sizes[-1]
    X = as_float_array(X, "X", "train", dtype=net.flat_params.dtype)
    if X.ndim != 2 or X.shape[1] != n_0:
        raise ValueError(f"train: X has shape {X.shape}, expected (N, {n_0})")
    Y = np.asarray(Y)
    if Y.ndim not in (1, 2) or Y.shape[0] != X.shape[0]:
        raise ValueError(
            f"train: Y has shape {Y.shape}, expected ({X.shape[0]}, {n_L}) targets or "
            f"({X.shape[0]},) integer labels, one row per row of X"
        )
    if not (isinstance(eta, int | float | np.floating | np.integer) and 0 < eta < np.inf):
        raise ValueError(f"train: eta must be a positive finite number, got {eta!r}")
    for name, value, least in (("epochs", epochs, 0), ("batch_size", batch_size, 1)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < least:
            raise ValueError(f"train: {name} must be an int >= {least}, got {value!r}")
    return X, Y


def train(
    net: MLP,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str | Loss,
    eta: float,
    epochs: int,
    rng: np.random.Generator | int,
    batch_size: int = 1,
    progress: bool = False,
) -> History:
    r"""Train ``net`` in place by SGD; return the per-epoch :class:`History`.

    Each epoch shuffles the N rows (seeded by ``rng``), and for each batch
    B runs the forward pass, the loss, back-propagation and
    :math:`w \leftarrow w - \eta\nabla_w \mathcal{L}_B`. ``batch_size=1``
    is one-row SGD, ``batch_size=N`` full-batch gradient descent.
    X (N, n_0); Y (N, n_L), or integer labels (N,). ``rng``: a
    ``numpy.random.Generator``, or an int seed for ``np.random.default_rng``.
    ``progress=True`` shows a tqdm bar over epochs (interactive use only).
    """
    X, Y = _checked(net, X, Y, eta, epochs, batch_size)
    loss, rng = get_loss(loss), as_rng(rng, "train")
    history = History()
    seen = steps = 0
    epochs_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epochs_iter = tqdm(epochs_iter, desc="epochs")
    for _ in epochs_iter:
        batch_losses, batch_sizes = [], []
        for rows in minibatches(X.shape[0], batch_size, rng):
            batch_losses.append(net.loss_and_grads(X[rows], Y[rows], loss))
            batch_sizes.append(len(rows))
            # every W and b at once: they are views into net.flat_params
            sgd_step([net.flat_params], [net.flat_grads], eta)
            seen += len(rows)
            steps += 1
        mean = np.average(batch_losses, weights=batch_sizes)
        history.epoch_loss.append(float(mean))
        history.examples_seen.append(seen)
        history.updates.append(steps)
    return history


def accuracy(net: MLP, X: ArrayLike, labels: ArrayLike) -> float:
    """Return the fraction of rows whose largest output is at the label's index.

    X (N, n_0); ``labels`` are integer class indices of shape (N,) (for one-hot rows
    pass ``Y.argmax(axis=1)``): anything else raises instead of being broadcast.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"accuracy: net must be an MLP, got {type(net).__name__}")
    out = net.forward(X)
    labels = as_labels(labels, out.shape[0], out.shape[1], "labels", "accuracy")
    return float(np.mean(np.argmax(out, axis=1) == labels))
