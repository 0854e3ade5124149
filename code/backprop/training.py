"""The training loop: epochs of shuffled mini-batches, forward, loss, backward, update.

Chapter: :doc:`chapters/08_training_loop`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_float_array
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


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[NDArray[np.intp]]:
    """Return the row indices of one epoch: a permutation of 0..n-1 cut into batches.

    Sampling *without* replacement: every row is used exactly once per epoch. The last
    batch is smaller when ``batch_size`` does not divide ``n``.
    """
    if not 1 <= batch_size:
        raise ValueError(f"minibatches: batch_size must be at least 1, got {batch_size}")
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train(
    net: MLP,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str | Loss,
    eta: float,
    epochs: int,
    rng: np.random.Generator,
    batch_size: int = 1,
    progress: bool = False,
) -> History:
    r"""Train ``net`` in place by SGD; return the per-epoch :class:`History`.

    Each epoch shuffles the N rows (seeded by ``rng``), and for each batch B runs the
    forward pass, the loss, back-propagation and :math:`w \leftarrow w - \eta\nabla_w
    \mathcal{L}_B`. ``batch_size=1`` is the seed article's one-row SGD, ``batch_size=N``
    full-batch gradient descent. X (N, n_0); Y (N, n_L), or integer labels (N,).
    ``progress=True`` shows a tqdm bar over epochs (for interactive use only).
    """
    X = as_float_array(X, "X", "train", ndim=2)
    Y = np.asarray(Y)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"train: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    loss = get_loss(loss)
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
            sgd_step([net.flat_params], [net.flat_grads], eta)  # every W and b at once
            seen += len(rows)
            steps += 1
        history.epoch_loss.append(float(np.average(batch_losses, weights=batch_sizes)))
        history.examples_seen.append(seen)
        history.updates.append(steps)
    return history


def accuracy(net: MLP, X: ArrayLike, labels: ArrayLike) -> float:
    """Return the fraction of rows whose largest output is at the label's index."""
    labels = np.asarray(labels)
    return float(np.mean(np.argmax(net.forward(X), axis=1) == labels))
