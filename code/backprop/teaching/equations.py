"""Machine-checked equations: every labelled equation of a chapter is verified by code.

A chapter shows a display equation labelled ``eq-...`` and a code cell in the same notebook calls
``check_equation("eq-...", lhs, rhs)``; the test suite fails if a label has no check,
and the check raises if the two sides differ.

The verdict names the equation as the reader sees it. In a notebook it is displayed as
Markdown holding the MyST role ``{eq}`eq-...```, which the book renders as the
equation's number, e.g. (6.2), linked to it (``nb_render_markdown_format: myst``);
the plain-text form ``✓ eq-... (symbolic)`` is the fallback (and what a script prints).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from .._validate import nonfinite
from ..roads.gradient_checks import relative_error

RTOL = 1e-7  # numeric agreement demanded of float64 computations

verified: dict[str, str] = {}  # label -> how it was verified, in this session

_NOT_FINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


def _is_symbolic(x: object) -> bool:
    return isinstance(x, sp.Basic | sp.MatrixBase)


def _symbolic_difference(lhs, rhs):
    diff = sp.simplify(sp.Matrix(lhs) - sp.Matrix(rhs) if isinstance(lhs, sp.MatrixBase) else lhs - rhs)
    if isinstance(diff, sp.MatrixBase):
        return [d for d in diff if not (d == 0 or d.equals(0))]
    return [] if diff == 0 or diff.equals(0) else [diff]


def _symbolic_nonfinite(x: object) -> str | None:
    entries = list(x) if isinstance(x, sp.MatrixBase) else [x]
    for e in entries:
        if isinstance(e, sp.Basic) and e.has(sp.nan):
            return "NaN"
        if isinstance(e, sp.Basic) and e.has(*_NOT_FINITE):
            return "inf"
    return None


def _verify(label: str, lhs: object, rhs: object, rtol: float, atol: float) -> tuple[str, str]:
    """Raise ``AssertionError`` unless lhs == rhs; return (short, long) descriptions of how."""
    if not isinstance(label, str) or not label.startswith("eq-"):
        raise ValueError(f"check_equation: label {label!r} must start with 'eq-'")
    if _is_symbolic(lhs) or _is_symbolic(rhs):
        if isinstance(lhs, sp.MatrixBase) != isinstance(rhs, sp.MatrixBase):
            raise TypeError(f"{label}: one side is a matrix and the other is not")
        for side, x in (("lhs", lhs), ("rhs", rhs)):
            bad = _symbolic_nonfinite(x if _is_symbolic(x) else sp.sympify(x))
            if bad:
                raise AssertionError(f"{label} does not hold: {side} contains {bad}")
        if isinstance(lhs, sp.MatrixBase) and lhs.shape != rhs.shape:
            raise AssertionError(f"{label}: shapes differ, {lhs.shape} vs {rhs.shape}")
        left = _symbolic_difference(lhs, rhs)
        if left:
            raise AssertionError(f"{label} does not hold: lhs - rhs simplifies to {left[0]}")
        return "symbolic", "symbolic: SymPy simplifies lhs − rhs to 0"
    a, b = np.asarray(lhs, dtype=np.float64), np.asarray(rhs, dtype=np.float64)
    for side, x in (("lhs", a), ("rhs", b)):
        bad = nonfinite(x)
        if bad:  # np.allclose(inf, inf) is True: a check must never pass on inf or NaN
            raise AssertionError(f"{label} does not hold: {side} contains {bad}")
    if a.shape != b.shape:
        raise AssertionError(f"{label}: shapes differ, {a.shape} vs {b.shape}")
    if not np.allclose(a, b, rtol=rtol, atol=atol):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            worst = np.max(np.abs(a - b) / np.maximum(np.abs(b), np.finfo(float).tiny))
        raise AssertionError(f"{label} does not hold: max relative difference {worst:.2e}")
    short = f"numeric, rtol={rtol:.0e}" + (f", atol={atol:.0e}" if atol else "")
    entries = {1: "the two sides agree", 2: "both entries agree"}.get(a.size, f"all {a.size} entries agree")
    long = f"numeric: {entries} to relative tolerance {rtol:.0e}" + (
        f" (absolute {atol:.0e})" if atol else ""
    )
    return short, long


def _show(label: str, short: str, long: str) -> None:
    """Display the verdict: Markdown with the {eq} role in a notebook, plain text elsewhere."""
    plain = f"✓ {label} ({short})"
    markdown = f"✓ Equation {{eq}}`{label}` holds ({long})"
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is not a dependency of the package
        print(plain)
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:  # a script, a test, a terminal
        print(plain)
        return
    display({"text/markdown": markdown, "text/plain": plain}, raw=True)


def check_equation(
    label: str, lhs: object, rhs: object, *, rtol: float = RTOL, atol: float = 0.0
) -> None:
    """Verify that equation ``label`` holds: ``lhs == rhs``, and show one line saying so.

    SymPy expressions (or matrices) must simplify to a zero difference; numbers and
    arrays must agree elementwise within ``rtol``/``atol`` and have the same shape.
    NaN or inf on either side never passes. Raises ``AssertionError`` naming the label
    when the equation does not hold. The verdict says how it was established; in a
    notebook it links to the equation (see the module docstring).
    """
    short, long = _verify(label, lhs, rhs, rtol, atol)
    verified[label] = short
    _show(label, short, long)


def check_equations(label: str, pairs: list[tuple[object, object]], **kw) -> None:
    """Verify ``label`` on several (lhs, rhs) pairs (e.g. several sizes n); show one line."""
    pairs = list(pairs)
    if not pairs:
        raise ValueError(f"check_equations: {label}: no (lhs, rhs) pairs given")
    for lhs, rhs in pairs:
        short, long = _verify(label, lhs, rhs, kw.get("rtol", RTOL), kw.get("atol", 0.0))
    verified[label] = short
    _show(label, f"{short}, {len(pairs)} cases", f"{long}, in each of {len(pairs)} cases")


def assert_close(name: str, a: ArrayLike, b: ArrayLike, rtol: float = RTOL) -> None:
    """Assert that ``a`` and ``b`` agree to relative error ``rtol`` and print the verdict.

    The error itself is not printed: its last digits depend on the BLAS and the machine.
    NaN or inf on either side fails, and the message says which.
    """
    if np.shape(a) != np.shape(b):
        raise AssertionError(f"{name}: a has shape {np.shape(a)} but b has shape {np.shape(b)}")
    for side, x in (("a", a), ("b", b)):
        bad = nonfinite(np.asarray(x, dtype=np.float64))
        if bad:
            raise AssertionError(f"{name}: {side} contains {bad}")
    err = relative_error(a, b)
    if not err <= rtol:
        raise AssertionError(f"{name}: relative error {err:.1e} exceeds {rtol:.0e}")
    print(f"{name}: rel. error < {rtol:.0e}: True")
