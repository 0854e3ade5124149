"""Input checks shared by the package: clear errors instead of silent broadcasts."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_float_array(x: ArrayLike, name: str, where: str, ndim: int | None = None) -> NDArray:
    """Return ``x`` as a finite floating-point array, or raise naming ``where`` and ``name``.

    Integers are cast to float64; float32 and float64 are kept as they are. Booleans,
    complex numbers, strings and objects raise ``TypeError``; a wrong number of
    dimensions, an empty batch, NaN or inf raise ``ValueError``.
    """
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        a = a.astype(np.float64)
    elif a.dtype.kind != "f":
        raise TypeError(f"{where}: {name} has dtype {a.dtype}, expected real floating-point numbers")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{where}: {name} has shape {a.shape}, expected {ndim} dimension(s)")
    if a.ndim >= 1 and a.shape[0] == 0:
        raise ValueError(f"{where}: {name} is an empty batch (shape {a.shape})")
    # NaN and inf propagate into the sum (inf - inf = NaN), so a finite sum proves a
    # finite array at a fraction of the cost; a non-finite sum (possibly overflow) is
    # confirmed element by element.
    if not np.isfinite(np.add.reduce(a, axis=None)) and not np.isfinite(a).all():
        raise ValueError(f"{where}: {name} contains NaN or inf")
    return a


def same_shape(a: NDArray, b: NDArray, names: str, where: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape (no broadcasting)."""
    if a.shape != b.shape:
        first, second = names.split(",")
        raise ValueError(
            f"{where}: {first.strip()} has shape {a.shape} but {second.strip()} has shape "
            f"{b.shape}; they must match exactly (no broadcasting)"
        )
