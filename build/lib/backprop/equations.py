"""Machine-checked equations: every labelled equation of a chapter is verified by code.

A chapter shows a display equation labelled ``eq-...`` and a code cell in the same notebook calls
``check_equation("eq-...", lhs, rhs)``; the test suite fails if a label has no check,
and the check raises if the two sides differ.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from .gradcheck import relative_error

RTOL = 1e-7  # numeric agreement demanded of float64 computations

verified: dict[str, str] = {}  # label -> how it was verified, in this session


def _is_symbolic(x: object) -> bool:
    return isinstance(x, sp.Basic | sp.MatrixBase)


def _symbolic_difference(lhs, rhs):
    diff = sp.simplify(sp.Matrix(lhs) - sp.Matrix(rhs) if isinstance(lhs, sp.MatrixBase) else lhs - rhs)
    if isinstance(diff, sp.MatrixBase):
        return [d for d in diff if not (d == 0 or d.equals(0))]
    return [] if diff == 0 or diff.equals(0) else [diff]


def check_equation(
    label: str, lhs: object, rhs: object, *, rtol: float = RTOL, atol: float = 0.0
) -> None:
    """Verify that equation ``label`` holds: ``lhs == rhs``, and print one line saying so.

    SymPy expressions (or matrices) must simplify to a zero difference; numbers and
    arrays must agree elementwise within ``rtol``/``atol`` and have the same shape.
    Raises ``AssertionError`` naming the label when they do not.
    """
    if not label.startswith("eq-"):
        raise ValueError(f"check_equation: label {label!r} must start with 'eq-'")
    if _is_symbolic(lhs) or _is_symbolic(rhs):
        if isinstance(lhs, sp.MatrixBase) != isinstance(rhs, sp.MatrixBase):
            raise TypeError(f"{label}: one side is a matrix and the other is not")
        if isinstance(lhs, sp.MatrixBase) and lhs.shape != rhs.shape:
            raise AssertionError(f"{label}: shapes differ, {lhs.shape} vs {rhs.shape}")
        left = _symbolic_difference(lhs, rhs)
        if left:
            raise AssertionError(f"{label} does not hold: lhs - rhs simplifies to {left[0]}")
        how = "symbolic"
    else:
        a, b = np.asarray(lhs, dtype=np.float64), np.asarray(rhs, dtype=np.float64)
        if a.shape != b.shape:
            raise AssertionError(f"{label}: shapes differ, {a.shape} vs {b.shape}")
        if not np.allclose(a, b, rtol=rtol, atol=atol):
            worst = np.max(np.abs(a - b) / np.maximum(np.abs(b), np.finfo(float).tiny))
            raise AssertionError(f"{label} does not hold: max relative difference {worst:.2e}")
        how = f"numeric, rtol={rtol:.0e}" + (f", atol={atol:.0e}" if atol else "")
    verified[label] = how
    print(f"✓ {label} ({how})")


def check_equations(label: str, pairs: list[tuple[object, object]], **kw) -> None:
    """Verify ``label`` on several (lhs, rhs) pairs (e.g. several sizes n); print one line."""
    for lhs, rhs in pairs:
        with contextlib.redirect_stdout(io.StringIO()):
            check_equation(label, lhs, rhs, **kw)
    print(f"✓ {label} ({verified[label]}, {len(pairs)} cases)")


def assert_close(name: str, a: ArrayLike, b: ArrayLike, rtol: float = RTOL) -> None:
    """Assert that ``a`` and ``b`` agree to relative error ``rtol`` and print the verdict.

    The error itself is not printed: its last digits depend on the BLAS and the machine.
    """
    err = relative_error(a, b)
    if not err <= rtol:
        raise AssertionError(f"{name}: relative error {err:.1e} exceeds {rtol:.0e}")
    print(f"{name}: rel. error < {rtol:.0e}: True")
