"""Count the multiply-adds of the matrix products a computation really performs.

Wrap an array with :meth:`MatmulLog.watch`; every matrix product ``A @ B`` (or
``np.matmul``) with a watched operand, or written into a watched ``out=`` array, is
recorded as its sizes (m, k, n), worth m k n multiply-adds. Its result is watched in
turn, so the count follows the arrays derived from watched ones through NumPy's
ufuncs (code that converts them with ``np.asarray`` drops the watch: watch every
array a product reads or writes, e.g. a layer's ``W`` and ``grad_W``). Nothing else
changes: the numbers computed are those of plain arrays.
:func:`count_matmuls` runs a function (a network's forward and backward pass) with
its arguments and a network's parameters and gradients watched, and returns the log.
Chapters: :doc:`chapters/12_speed` counts a forward and a backward pass with it
(eq-backprop-cost), :doc:`chapters/16_memory` the recomputation of checkpointing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


class MatmulLog:
    """A record of the matrix products computed from watched arrays."""

    def __init__(self) -> None:
        self.products: list[tuple[int, int, int]] = []  # (m, k, n) of each (m, k) @ (k, n)

    def watch(self, array: ArrayLike) -> Counted:
        """Return a view of ``array`` whose matrix products are recorded in this log."""
        a = np.asarray(array)
        if a.dtype.kind not in "fiu":
            raise TypeError(f"MatmulLog.watch: array has dtype {a.dtype}, expected real numbers")
        view = a.view(Counted)
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
    return x.view(np.ndarray) if isinstance(x, Counted) else x


class Counted(np.ndarray):
    """An ndarray that reports its matrix products to a :class:`MatmulLog`."""

    _log: MatmulLog | None = None

    def __array_finalize__(self, obj: object) -> None:
        self._log = getattr(obj, "_log", None)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        log = next(x._log for x in (*inputs, *(out or ())) if isinstance(x, Counted))
        args = [_plain(x) for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        if ufunc is np.matmul and method == "__call__":
            a, b = (np.asarray(x) for x in args[:2])
            if a.ndim != 2 or b.ndim != 2:
                raise ValueError(
                    f"Counted: only 2-D products are counted, got shapes {a.shape} @ {b.shape}"
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
    if isinstance(result, np.ndarray) and not isinstance(result, Counted):
        result = result.view(Counted)
    if isinstance(result, Counted):
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
