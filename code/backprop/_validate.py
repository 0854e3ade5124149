"""Input checks shared by the package: clear errors instead of silent broadcasts.

Every message names the function, the argument, what was expected and what was given.
Public entry points call these once; the helpers used inside hot loops do not.
:func:`layer_state` and :func:`restore_state` let a tool that re-runs forward passes
(a gradient check, checkpointing) leave stateful layers as one training step leaves them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray


class NonFiniteError(ValueError):
    """An array holds NaN or inf (raised by :func:`as_float_array`).

    A ``ValueError`` like the others; its own class lets a training loop tell a
    diverged network (NaN or inf in the values it computed) from bad input.
    """


def as_real_array(x: ArrayLike, name: str, where: str, dtype: DTypeLike = np.float64) -> NDArray:
    """Return ``x`` as a floating-point array (any layout, NaN allowed), or raise ``TypeError``.

    Lists and scalars become arrays; integers are cast to ``dtype``; float arrays are
    kept as they are. Booleans, complex numbers, strings and objects raise.
    """
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a.astype(dtype)
    if a.dtype.kind != "f":
        raise TypeError(f"{where}: {name} has dtype {a.dtype}, expected real floating-point numbers")
    return a


def as_float_array(
    x: ArrayLike,
    name: str,
    where: str,
    ndim: int | None = None,
    shape: str | None = None,
    dtype: DTypeLike = np.float64,
) -> NDArray:
    """Return ``x`` as a finite floating-point array, or raise naming ``where`` and ``name``.

    Integers are cast to ``dtype`` (float64 unless said); float32 and float64 are kept as
    they are. Booleans, complex numbers, strings and objects raise ``TypeError``; a wrong
    number of dimensions (``shape`` describes the expected one, e.g. ``"(N, 4)"``), an
    empty batch, NaN or inf raise ``ValueError`` (NaN or inf: :class:`NonFiniteError`).
    """
    a = np.asarray(x)
    if a.dtype.kind != "f":  # (as_real_array, inlined: this runs once per training step)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{where}: {name} has dtype {a.dtype}, expected real floating-point numbers")
        a = a.astype(dtype)
    if ndim is not None and a.ndim != ndim:
        expected = shape or f"{ndim} dimension(s)"
        raise ValueError(f"{where}: {name} has shape {a.shape}, expected {expected}")
    if a.ndim >= 1 and a.shape[0] == 0:
        raise ValueError(f"{where}: {name} is an empty batch (shape {a.shape})")
    # NaN and inf propagate into the sum (inf - inf = NaN), so a finite sum proves a
    # finite array at a fraction of the cost; a non-finite sum (possibly overflow) is
    # confirmed element by element.
    if not math.isfinite(np.add.reduce(a, axis=None)) and not np.isfinite(a).all():
        raise NonFiniteError(f"{where}: {name} contains {nonfinite(a)}")
    return a


def nonfinite(a: ArrayLike) -> str | None:
    """Return ``"NaN"`` or ``"inf"`` (the first kind found, NaN first), or None if finite."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc":
        return None
    if np.isnan(a).any():
        return "NaN"
    if np.isinf(a).any():
        return "inf"
    return None


def same_shape(a: NDArray, b: NDArray, names: str, where: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape (no broadcasting)."""
    if a.shape != b.shape:
        first, second = names.split(",")
        raise ValueError(
            f"{where}: {first.strip()} has shape {a.shape} but {second.strip()} has shape "
            f"{b.shape}; they must match exactly (no broadcasting)"
        )


def same_dtype(x: NDArray, param: NDArray, name: str, where: str) -> None:
    """Raise ``TypeError`` unless ``x`` has the dtype of the layer's parameter ``param``.

    The package's dtype rule: a layer computes in its parameters' dtype; integer
    inputs are cast to it (by :func:`as_float_array`), floating-point inputs of
    another precision are refused rather than silently up- or down-cast."""
    if x.dtype != param.dtype:
        raise TypeError(f"{where}: {name} has dtype {x.dtype} but the layer's parameters "
                        f"have {param.dtype}; cast the input (or build the layer in "
                        f"{x.dtype})")


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def as_labels(y: ArrayLike, n: int, k: int | None, name: str, where: str) -> NDArray:
    """Return integer class labels of shape (n,), each in 0..k-1, or raise a clear error."""
    y = np.asarray(y)
    if y.shape != (n,):
        hint = ""
        if y.shape == (n, 1):
            hint = f"; for a column of labels pass {name}.ravel()"
        elif y.ndim == 2 and y.shape[0] == n:
            hint = f"; for one-hot rows pass {name}.argmax(axis=1)"
        raise ValueError(f"{where}: {name} has shape {y.shape}, expected ({n},): one label per row{hint}")
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: labels must be integers (class indices 0..k-1), but {name} has dtype "
            f"{y.dtype}; cast with {name}.astype(int), or pass one-hot rows (N, k) as floats"
        )
    # one reduction, not two: seen as unsigned, a negative label is a huge number >= k
    unsigned = y.view(_UNSIGNED[y.itemsize]) if y.dtype.kind == "i" else y
    if k is not None and np.maximum.reduce(unsigned, axis=None) >= k:
        raise ValueError(f"{where}: labels must lie in 0..{k - 1}, got {y.min()}..{y.max()}")
    return y


def is_int(v: object) -> bool:
    """Whether ``v`` is an integer, Python's or NumPy's, and not a bool."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def as_int(v: object, name: str, where: str, least: int = 0, got: object = None) -> int:
    """Return ``v`` as an int if it is an integer (Python's or NumPy's, not a bool)
    with ``v >= least``, or raise ``ValueError`` naming ``where`` and ``name``
    (``got``: what to show as given, ``v`` unless said)."""
    if is_int(v) and v >= least:
        return int(v)
    shown = v if got is None else got
    raise ValueError(f"{where}: {name} must be an int >= {least}, got {shown!r}")


def positive_finite(v: object, name: str, where: str, optional: bool = False):
    """Return ``v`` (unchanged) if it is a real number with 0 < v < inf, or raise.

    Booleans, strings and other objects raise ``TypeError``; 0, negative numbers, NaN
    and inf raise ``ValueError``. With ``optional``, None is allowed and returned (it
    means "off", e.g. no clipping), so 0 can never be mistaken for "off".
    """
    if v is None and optional:
        return None
    if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.integer | np.floating):
        allowed = "a number or None" if optional else "a number"
        raise TypeError(f"{where}: {name} must be {allowed}, got {type(v).__name__}")
    if not 0 < v < np.inf:
        raise ValueError(f"{where}: {name} must be positive and finite, got {v!r}")
    return v


def as_rng(rng: np.random.Generator | int, where: str) -> np.random.Generator:
    """Return ``rng`` if it is a Generator, ``np.random.default_rng(rng)`` for an int seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if is_int(rng):
        return np.random.default_rng(rng)
    raise TypeError(
        f"{where}: rng must be a numpy.random.Generator or an int seed, got "
        f"{type(rng).__name__}; make one with rng = np.random.default_rng(seed)"
    )


def layer_state(layer: object, cache: bool = True) -> dict[str, object]:
    """Copies of the state a forward pass may change: every public array or number of
    ``layer`` that is not one of its parameters or gradients (BatchNorm: running_mean,
    running_var). Found generically, so a new stateful layer joins by holding its state
    in public attributes. With ``cache``, the forward cache is kept too, by reference (a
    later pass replaces it, never writes into it), so a backward after the tool is the
    step's; without, a forward run between the two calls keeps the cache it made."""
    skip = {id(a) for a in (*getattr(layer, "params", ()), *getattr(layer, "grads", ()))}
    state = {"_cache": layer._cache} if cache and hasattr(layer, "_cache") else {}
    for name, value in vars(layer).items():
        if name.startswith("_") or id(value) in skip:
            continue
        if isinstance(value, np.ndarray):
            state[name] = value.copy()
        elif isinstance(value, int | float | np.number):  # (bool is an int)
            state[name] = value
    return state


def restore_state(layer: object, state: dict[str, object]) -> None:
    """Put back what :func:`layer_state` copied (arrays in place, so views stay valid)."""
    for name, value in state.items():
        current = getattr(layer, name)
        if isinstance(value, np.ndarray) and isinstance(current, np.ndarray) and current.shape == value.shape:
            current[...] = value
        else:
            setattr(layer, name, value)
