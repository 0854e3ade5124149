"""Counting the work of derivatives: multiplications, matrix products and calls, never time.

Numbers wrapped in :class:`Counted` tally every multiplication they take part
in, so a NumPy matrix product of object arrays reports exactly how many scalar
multiplications it made. :func:`chain_product` multiplies a chain of Jacobians
in either order and returns the count; :class:`CallCounter` counts calls.

The matrix products a whole computation really performs are logged by
:func:`count_matmuls`: wrap an array with :meth:`MatmulLog.watch`; every product
``A @ B`` (or ``np.matmul``) with a watched operand, or written into a watched
``out=`` array, is recorded as its sizes (m, k, n), worth m k n multiply-adds. Its
result is watched in turn, so the count follows the arrays derived from watched ones
through NumPy's ufuncs (code that converts them with ``np.asarray`` drops the watch:
watch every array a product reads or writes, e.g. a layer's ``W`` and ``grad_W``).
Nothing else changes: the numbers computed are those of plain arrays.

Chapters: :doc:`chapters/12_speed` (sec-forward-reverse, and a forward and backward
pass counted for eq-backprop-cost), :doc:`chapters/16_memory` (the recomputation of
checkpointing).
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


# ---------------------------------------------------------------------------
# The matrix products of a whole computation
class MatmulLog:
    """A record of the matrix products computed from watched arrays."""

    def __init__(self) -> None:
        self.products: list[tuple[int, int, int]] = []  # (m, k, n) of each (m, k) @ (k, n)

    def watch(self, array: ArrayLike) -> Watched:
        """Return a view of ``array`` whose matrix products are recorded in this log."""
        a = np.asarray(array)
        if a.dtype.kind not in "fiu":
            raise TypeError(f"MatmulLog.watch: array has dtype {a.dtype}, expected real numbers")
        view = a.view(Watched)
        view._log = self
        return view

    @property
    def shapes(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """The two operands' shapes of each recorded product, in order."""
        return [((m, k), (k, n)) for m, k, n in self.products]

    @property
    def multiply_adds(self) -> int:
        """Total :math:`\\sum m k n` over the recorded products."""
        return sum(m * k * n for m, k, n in self.products)

    def clear(self) -> None:
        """Forget the products recorded so far."""
        self.products.clear()

    def __repr__(self) -> str:
        return f"MatmulLog({len(self.products)} products, {self.multiply_adds} multiply-adds)"


def _plain(x: object) -> object:
    return x.view(np.ndarray) if isinstance(x, Watched) else x


class Watched(np.ndarray):
    """An ndarray that reports its matrix products to a :class:`MatmulLog`."""

    _log: MatmulLog | None = None

    def __array_finalize__(self, obj: object) -> None:
        self._log = getattr(obj, "_log", None)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        log = next(x._log for x in (*inputs, *(out or ())) if isinstance(x, Watched))
        args = [_plain(x) for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        if ufunc is np.matmul and method == "__call__":
            a, b = (np.asarray(x) for x in args[:2])
            if a.ndim != 2 or b.ndim != 2:
                raise ValueError(
                    f"Watched: only 2-D products are counted, got shapes {a.shape} @ {b.shape}"
                )
            if log is not None:
                log.products.append((a.shape[0], a.shape[1], b.shape[1]))
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if isinstance(result, tuple):
            return tuple(_watched(r, log) for r in result)
        return _watched(result, log)


def _watched(result: object, log: MatmulLog | None) -> object:
    if isinstance(result, np.ndarray) and not isinstance(result, Watched):
        result = result.view(Watched)
    if isinstance(result, Watched):
        result._log = log
    return result


def unwatched(array: ArrayLike) -> NDArray:
    """Return ``array`` as a plain ndarray (a view, no copy)."""
    return np.asarray(_plain(array))


def count_matmuls(f: Callable, *args, layers: Sequence = (), **kwargs):
    """Call ``f(*args, **kwargs)`` and log every matrix product it makes with a
    watched array or an array computed from one. Watched: ``f``'s NumPy-array
    arguments, and for the duration of the call the parameters and gradient
    buffers (``W``, ``b``, ``grad_W``, ``grad_b``) of each of ``layers``, a
    network's layers: its input checks may copy the arguments, but each of its
    products reads a weight or writes a gradient. Returns ``(f's result,
    MatmulLog)``; the sizes are those the code used, nothing is read off the
    arrays afterwards. The layers get their own arrays back when the call ends,
    however it ends.

    >>> _, log = count_matmuls(lambda a: (a @ np.ones((3, 4))).T @ a, np.ones((2, 3)))
    >>> log.products, log.multiply_adds
    ([(2, 3, 4), (4, 2, 3)], 48)
    """
    if not callable(f):
        raise TypeError(f"count_matmuls: f must be callable, got {type(f).__name__}")
    log = MatmulLog()

    def watched(value: object) -> object:
        return log.watch(value) if isinstance(value, np.ndarray) else value

    saved = []
    try:
        for layer in layers:
            for name in ("W", "b", "grad_W", "grad_b"):
                array = getattr(layer, name, None)
                if isinstance(array, np.ndarray):
                    saved.append((layer, name, array))
                    setattr(layer, name, log.watch(array))
        if layers and not saved:
            raise TypeError("count_matmuls: layers have no weights W to watch")
        result = f(*(watched(a) for a in args), **{k: watched(v) for k, v in kwargs.items()})
    finally:
        for layer, name, array in reversed(saved):
            setattr(layer, name, array)
    if isinstance(result, tuple):
        return tuple(_plain(r) for r in result), log
    return _plain(result), log
