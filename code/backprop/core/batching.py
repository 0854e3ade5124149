"""How an epoch draws its rows: a permutation cut into batches, or independent draws.

Chapter: :doc:`chapters/08_training_loop`. An epoch of N rows in batches of B either
visits a permutation of the rows (every row once: :func:`minibatches`) or draws its N
rows independently, *with* replacement (each batch an independent uniform sample:
plain stochastic gradient descent).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._validate import as_int, as_rng


def minibatches(n: int, batch_size: int, rng: np.random.Generator | int) -> list[NDArray[np.intp]]:
    """Return the row indices of one epoch: a permutation of 0..n-1 cut into batches.

    Sampling *without* replacement: every row is used exactly once per epoch. The last
    batch is smaller when ``batch_size`` does not divide ``n``.
    """
    as_int(batch_size, "batch_size", "minibatches", least=1)
    as_int(n, "n", "minibatches")
    order = as_rng(rng, "minibatches").permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


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
    as_int(batch_size, "batch_size", "epoch_rows", least=1)
    as_int(n, "n", "epoch_rows")
    draws = as_rng(rng, "epoch_rows").integers(0, n, n)
    return [draws[i:i + batch_size] for i in range(0, n, batch_size)]
