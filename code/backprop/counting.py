"""Counting the work of derivatives: multiplications and calls, never time.

Numbers wrapped in :class:`Counted` tally every multiplication they take part
in, so a NumPy matrix product of object arrays reports exactly how many scalar
multiplications it made. :func:`chain_product` multiplies a chain of Jacobians
in either order and returns the count; :func:`count_matmuls` runs any function
(a network's forward and backward pass) and lists the matrix products it made;
:class:`CallCounter` counts calls.
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


class _Logged(np.ndarray):
    """An array that logs the shapes of every matrix product it takes part in,
    and passes the log on to every array computed from it."""

    _log: list

    def __array_finalize__(self, obj) -> None:
        self._log = getattr(obj, "_log", None)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        arrays = inputs + (out or ())
        log = next(x._log for x in arrays if isinstance(x, _Logged))
        plain = tuple(x.view(np.ndarray) if isinstance(x, _Logged) else x
                      for x in inputs)
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Logged)
                                  else o for o in out)
        if ufunc is np.matmul and method == "__call__":
            log.append(tuple(np.shape(x) for x in plain))
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _logged(result, log)


def _logged(value, log: list):
    if isinstance(value, tuple):
        return tuple(_logged(v, log) for v in value)
    if isinstance(value, np.ndarray) and not isinstance(value, _Logged):
        value = value.view(_Logged)
        value._log = log
    return value


@dataclass
class MatmulLog:
    """The matrix products a computation made: ``shapes`` lists the two operands'
    shapes of each, in order; ``multiplications`` is their total of scalar
    multiplications, each product counted by :func:`matmul_multiplications`."""

    shapes: list

    @property
    def multiplications(self) -> int:
        return sum(matmul_multiplications(a, b) for a, b in self.shapes)


def count_matmuls(f: Callable, *args, layers: Sequence = (), **kwargs):
    """Call ``f(*args, **kwargs)`` and log every matrix product (``@``,
    ``np.matmul``) it makes with a marked array or an array computed from one.
    Marked: ``f``'s NumPy-array arguments, and for the duration of the call the
    parameters and gradient buffers (``W``, ``b``, ``grad_W``, ``grad_b``) of
    each of ``layers``, a network's layers: its input checks may copy the
    arguments, but each of its products uses a weight or writes a gradient.
    Returns ``(f's result, MatmulLog)``. The shapes are the ones the code used:
    nothing is read off the arrays afterwards. The layers get their own arrays
    back when the call ends, however it ends.

    >>> import numpy as np
    >>> _, log = count_matmuls(lambda a: (a @ np.ones((3, 4))).T @ a, np.ones((2, 3)))
    >>> log.shapes, log.multiplications
    ([((2, 3), (3, 4)), ((4, 2), (2, 3))], 48)
    """
    if not callable(f):
        raise TypeError(f"count_matmuls: f must be callable, got {type(f).__name__}")
    log: list = []
    saved = []
    try:
        for layer in layers:
            for name in ("W", "b", "grad_W", "grad_b"):
                array = getattr(layer, name, None)
                if isinstance(array, np.ndarray):
                    saved.append((layer, name, array))
                    setattr(layer, name, _logged(array.view(), log))
        if layers and not saved:
            raise TypeError("count_matmuls: layers have no weights W to mark")
        result = f(*(_logged(a, log) for a in args),
                   **{k: _logged(v, log) for k, v in kwargs.items()})
    finally:
        for layer, name, array in reversed(saved):
            setattr(layer, name, array)
    return _logged_off(result), MatmulLog(log)


def _logged_off(value):
    if isinstance(value, tuple):
        return tuple(_logged_off(v) for v in value)
    if isinstance(value, _Logged):
        return value.view(np.ndarray)
    return value


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
