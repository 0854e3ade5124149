"""How an epoch draws its rows, and training measured the same way for all.

Chapter: :doc:`chapters/08_training_loop`.

An epoch of N rows in batches of B either visits a permutation of the rows
(every row once, as :func:`~backprop.minibatches` does) or draws its N rows
independently, *with* replacement (each batch an independent uniform sample:
plain stochastic gradient descent). :func:`train_measured` trains either way
and records the full training loss at the end of each epoch, so that runs
with different batch sizes or samplers are compared on the same measure.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_rng
from .losses import Loss, get_loss
from .network import MLP
from .optim import sgd_step
from .training import minibatches


def epoch_rows(
    n: int, batch_size: int, rng: np.random.Generator | int,
    replacement: bool = False,
) -> list[NDArray[np.intp]]:
    """Return the row indices of one epoch, cut into batches of ``batch_size``.

    Without replacement: a permutation of 0..n-1 (:func:`minibatches`). With
    replacement: n indices drawn uniformly and independently, so that a row
    may appear several times in an epoch, or not at all.
    """
    if not replacement:
        return minibatches(n, batch_size, rng)
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"epoch_rows: batch_size must be an int >= 1, got "
                         f"{batch_size!r}")
    if not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"epoch_rows: n must be an int >= 0, got {n!r}")
    draws = as_rng(rng, "epoch_rows").integers(0, n, n)
    return [draws[i:i + batch_size] for i in range(0, n, batch_size)]


def train_measured(
    net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss, eta: float,
    epochs: int, rng: np.random.Generator | int, batch_size: int = 1,
    replacement: bool = False,
) -> NDArray[np.float64]:
    r"""Train ``net`` in place by SGD; return the full training loss per epoch.

    Each epoch takes its batches from :func:`epoch_rows` and applies
    :math:`\theta \leftarrow \theta - \eta \nabla_\theta \mathcal{L}_B` to
    every weight and bias. The result, shape (epochs + 1,), holds the loss on
    *all* of (X, Y) before training and after each epoch: the same measure
    whatever the batch size (unlike the mean of the batch losses seen during
    an epoch, which mixes losses of different weights).
    """
    if not isinstance(net, MLP):
        raise TypeError(f"train_measured: net must be an MLP, got "
                        f"{type(net).__name__}")
    if not (isinstance(eta, int | float | np.floating) and 0 < eta < np.inf):
        raise ValueError(f"train_measured: eta must be a positive finite "
                         f"number, got {eta!r}")
    if not isinstance(epochs, int | np.integer) or epochs < 0:
        raise ValueError(f"train_measured: epochs must be an int >= 0, got "
                         f"{epochs!r}")
    loss = get_loss(loss)
    rng = as_rng(rng, "train_measured")
    X = np.asarray(X, dtype=net.flat_params.dtype)
    Y = np.asarray(Y)
    full = [loss.value(net.forward(X), Y)]
    for _ in range(epochs):
        for rows in epoch_rows(X.shape[0], batch_size, rng, replacement):
            net.loss_and_grads(X[rows], Y[rows], loss)
            sgd_step([net.flat_params], [net.flat_grads], eta)
        full.append(loss.value(net.forward(X), Y))
    return np.array(full, dtype=np.float64)
