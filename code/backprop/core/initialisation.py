"""Seeded weight initialisation: W of shape (n_in, n_out) drawn with a stated variance.

Chapter: :doc:`chapters/13_deep_networks` derives the variances.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._validate import as_rng, is_int

SCHEMES = ("xavier", "he", "normal")


def init_std(n_in: int, n_out: int, scheme: str = "xavier") -> float:
    r"""Return the standard deviation of the weights for ``scheme``.

    xavier (Glorot): :math:`\sqrt{2/(n_{in} + n_{out})}`; he: :math:`\sqrt{2/n_{in}}`;
    normal: 1 (Nielsen's ``np.random.randn``, which makes deep sigmoid nets saturate).
    """
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if not is_int(n) or n < 1:
            raise ValueError(f"init_std: {name} must be a positive int, got {n!r}")
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    if scheme == "he":
        return float(np.sqrt(2.0 / n_in))
    if scheme == "normal":
        return 1.0
    raise ValueError(f"init_std: unknown scheme {scheme!r}; choose one of {SCHEMES}")


def init_weights(
    n_in: int,
    n_out: int,
    rng: np.random.Generator | int,
    scheme: str = "xavier",
    dtype: DTypeLike = np.float64,
) -> tuple[NDArray, NDArray]:
    """Return ``(W, b)``: W of shape (n_in, n_out) ~ N(0, std^2), b = 0 of shape (n_out,).

    ``rng`` is a ``numpy.random.Generator`` (or an int seed for ``np.random.default_rng``).
    """
    rng = as_rng(rng, "init_weights")
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if not is_int(n):
            raise TypeError(f"init_weights: {name} must be an int, got {type(n).__name__}")
    if n_in < 1 or n_out < 1:
        raise ValueError(f"init_weights: sizes must be positive, got n_in={n_in}, n_out={n_out}")
    if np.dtype(dtype).kind != "f":  # integer weights would truncate every draw
        raise TypeError(f"init_weights: dtype must be a floating-point type, got {np.dtype(dtype)}")
    W = rng.normal(0.0, init_std(n_in, n_out, scheme), size=(n_in, n_out)).astype(dtype)
    return W, np.zeros(n_out, dtype=dtype)
