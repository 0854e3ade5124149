"""Counting the work of derivatives: multiplications and calls, never time.

Numbers wrapped in :class:`Counted` tally every multiplication they take part
in, so a NumPy matrix product of object arrays reports exactly how many scalar
multiplications it made. :func:`chain_product` multiplies a chain of Jacobians
in either order and returns the count; :class:`CallCounter` counts calls. (The
matrix products a whole computation makes are logged by
:func:`backprop.opcount.count_matmuls`.)
Chapter: :doc:`chapters/12_speed` (section sec-forward-reverse).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

ORDERS = ("reverse", "forward")


@dataclass
class Tally:
    """How many scalar multiplications the :class:`Counted` numbers made."""

    multiplications: int = 0


class Counted:
    """A float that adds one to ``tally.multiplications`` per product."""

    __slots__ = ("tally", "value")

    def __init__(self, value: float, tally: Tally):
        self.value = float(value)
        self.tally = tally

    def _other(self, other: Counted | float) -> float:
        return other.value if isinstance(other, Counted) else float(other)

    def __mul__(self, other: Counted | float) -> Counted:
        self.tally.multiplications += 1
        return Counted(self.value * self._other(other), self.tally)

    __rmul__ = __mul__

    def __add__(self, other: Counted | float) -> Counted:
        return Counted(self.value + self._other(other), self.tally)

    __radd__ = __add__

    def __repr__(self) -> str:
        return f"Counted({self.value:.6g})"


def counted(array: ArrayLike, tally: Tally) -> NDArray:
    """Return ``array`` (float entries) as an object array of Counted numbers."""
    a = np.asarray(array, dtype=np.float64)
    out = np.empty(a.shape, dtype=object)
    for i in np.ndindex(a.shape):
        out[i] = Counted(a[i], tally)
    return out


def values(array: NDArray) -> NDArray:
    """Return the float64 values of an object array of Counted numbers."""
    out = np.empty(array.shape, dtype=np.float64)
    for i in np.ndindex(array.shape):
        out[i] = array[i].value
    return out


def chain_product(
    jacobians: Sequence[ArrayLike], order: str
) -> tuple[NDArray, int]:
    r"""Return :math:`J_L \cdots J_2 J_1` and the multiplications it took.

    ``jacobians`` lists :math:`J_1, \dots, J_L` in the order the maps are
    applied, :math:`J_l` of shape :math:`(n_l, n_{l-1})`; the product has shape
    :math:`(n_L, n_0)`. ``order="reverse"`` starts at the output,
    :math:`((J_L J_{L-1}) J_{L-2}) \cdots J_1` (for a scalar loss,
    :math:`n_L = 1`, a chain of vector-Jacobian products: backpropagation);
    ``order="forward"`` starts at the input, :math:`J_L (\cdots (J_2 J_1))`.
    The count is measured, by multiplying :class:`Counted` numbers
    (eq-chain-cost).
    """
    if order not in ORDERS:
        raise ValueError(
            f"chain_product: order must be one of {ORDERS}, got {order!r}"
        )
    mats = [np.asarray(J, dtype=np.float64) for J in jacobians]
    if not mats:
        raise ValueError("chain_product: no Jacobians given")
    for l, J in enumerate(mats, start=1):
        if J.ndim != 2:
            raise ValueError(
                f"chain_product: J_{l} has shape {J.shape}, expected a matrix"
            )
        if l > 1 and J.shape[1] != mats[l - 2].shape[0]:
            raise ValueError(
                f"chain_product: J_{l} has shape {J.shape} but J_{l - 1} has "
                f"shape {mats[l - 2].shape}: expected ({J.shape[0]}, "
                f"{mats[l - 2].shape[0]})"
            )
    tally = Tally()
    chain = [counted(J, tally) for J in mats]
    if order == "reverse":
        product = chain[-1]
        for J in reversed(chain[:-1]):
            product = product @ J
    else:
        product = chain[0]
        for J in chain[1:]:
            product = J @ product
    return values(product), tally.multiplications


def matmul_multiplications(a_shape: tuple[int, int],
                           b_shape: tuple[int, int]) -> int:
    """Multiply counted arrays of these shapes; return the multiplications."""
    if len(a_shape) != 2 or len(b_shape) != 2 or a_shape[1] != b_shape[0]:
        raise ValueError(
            f"matmul_multiplications: shapes {a_shape} and {b_shape} do not "
            "multiply"
        )
    tally = Tally()
    _ = counted(np.ones(a_shape), tally) @ counted(np.ones(b_shape), tally)
    return tally.multiplications


class CallCounter:
    """Wrap ``f``; ``calls`` counts how often the wrapper was called."""

    def __init__(self, f: Callable):
        if not callable(f):
            raise TypeError(
                f"CallCounter: f must be callable, got {type(f).__name__}"
            )
        self.f = f
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.f(*args, **kwargs)

    def __repr__(self) -> str:
        return f"CallCounter(calls={self.calls})"
