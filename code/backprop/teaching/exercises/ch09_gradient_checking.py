"""Graded exercises of chapter 9: the centred difference of a function; the relative error."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake

STEP = 1e-5  # the h the checker passes, the package's FD_STEP


def _f_sin(x: NDArray) -> float:
    return float(np.sum(np.sin(x) * x**2))


def _f_tanh(x: NDArray) -> float:
    return float(np.sum(np.tanh(x) ** 2) + x.flat[0] * np.sum(x))


_GRADIENTS = {
    _f_sin: lambda x: np.cos(x) * x**2 + 2 * x * np.sin(x),
    _f_tanh: lambda x: (2 * np.tanh(x) * (1 - np.tanh(x) ** 2) + x.flat[0]
                        + np.sum(x) * (np.arange(x.size) == 0).reshape(x.shape)),
}


def exact_gradient(f: Callable[[NDArray], float], x: NDArray, h: float) -> NDArray:
    """Reference: the exact gradient of the test function ``f`` (by hand, not by differences)."""
    return _GRADIENTS[f](x)


def _fd_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case((_f_sin, rng.normal(size=4), STEP), "f(x) = sum(sin(x) x^2), x of shape (4,)"),
        Case((_f_tanh, rng.normal(size=(2, 3)), STEP),
             "f(x) = sum(tanh(x)^2) + x_0 sum(x), x of shape (2, 3)"),
        Case((_f_sin, rng.normal(size=(3, 1)), STEP), "f(x) = sum(sin(x) x^2), x of shape (3, 1)"),
    ]


def _one_sided(f, x, h):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old
        g[i] = (up - f(x)) / h
    return g


def _not_restored(f, x, h):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        g[i] = (up - f(x)) / (2 * h)
    return g


def relative_error(a: NDArray, n: NDArray) -> float:
    r"""Reference (eq-relative-error): :math:`\|a - n\| / \max(\|a\|, \|n\|)`, scaled first."""
    scale = max(np.abs(a).max(), np.abs(n).max())
    if scale == 0:
        return 0.0
    a, n = a / scale, n / scale
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a), np.linalg.norm(n)))


def _rel_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, scale, large in (((5,), 1.0, False), ((2, 4), 30.0, False), ((3, 3), 1e200, True),
                                ((4,), 1e-200, True)):
        a = scale * rng.normal(size=shape)
        n = a + scale * 1e-3 * rng.normal(size=shape)
        about = f"arrays of shape {shape} with entries of size about {scale:g}"
        cases.append(Case((a, n), about, large=large))
    return cases


def _norm(v):
    return np.linalg.norm(v)


def _scaled(a, n, norm, pick=max):
    """|a - n| / pick(|a|, |n|) for another norm or another pick, scaled first."""
    s = max(np.abs(a).max(), np.abs(n).max())
    if s == 0:
        return 0.0
    a, n = a / s, n / s
    return float(norm(a - n) / pick(norm(a), norm(n)))


EXERCISES = [
    Exercise(
        label="ex-gradcheck-centred",
        task="centred_difference(f, x, h)",
        mutates=True,  # perturbs an entry of x in place, then must restore it
        reference=exact_gradient,
        cases=_fd_cases,
        mistakes={
            "one_sided": Mistake(_one_sided, "that is the one-sided difference (f(x + h) - f(x)) / h, "
                                 "with an error of order h: use f(x + h) and f(x - h)."),
            "not_restored": Mistake(_not_restored, "each x_i is left at x_i - h after its turn: restore it "
                                    "before moving on to the next entry."),
            "second_point_at_x": Mistake(
                lambda f, x, h: _one_sided(f, x, h) / 2,
                "the second point is x itself, not x - h (the entry was restored before the second "
                "evaluation): that is a one-sided difference, divided by 2h.", diagnosis="one_sided",
            ),
            "all_entries_perturbed": Mistake(
                lambda f, x, h: np.full_like(x, (f(x + h) - f(x - h)) / (2 * h)),
                "x + h moves every entry at once: perturb one entry x_i at a time (h e_i), the "
                "others left as they are.",
            ),
        },
        hints={"factor_2": "the two points x + h and x - h are 2h apart."},
    ),
    Exercise(
        label="ex-gradcheck-relerr",
        task="relative_error(a, n)",
        reference=relative_error,
        cases=_rel_cases,
        mistakes={
            "absolute_error": Mistake(lambda a, n: _norm(a - n), "that is the absolute error |a - n|; "
                                      "divide by max(|a|, |n|) to make it scale-free."),
            "one_norm_denominator": Mistake(
                lambda a, n: _norm(a - n) / _norm(n),
                "you divided by |n| alone; the denominator is max(|a|, |n|), symmetric in a and n.",
            ),
            "sum_of_norms": Mistake(lambda a, n: _norm(a - n) / (_norm(a) + _norm(n)),
                                    "you divided by |a| + |n|; the denominator is max(|a|, |n|)."),
            "l1_norm": Mistake(
                lambda a, n: _scaled(a, n, lambda v: np.abs(v).sum()),
                "that uses the sum of absolute values (the L1 norm); the norms are Euclidean.",
                diagnosis="wrong_norm",
            ),
            "max_norm": Mistake(
                lambda a, n: _scaled(a, n, lambda v: np.abs(v).max()),
                "that uses the largest absolute entry (the max norm); the norms are Euclidean.",
                diagnosis="wrong_norm",
            ),
            "squared_norms": Mistake(
                lambda a, n: relative_error(a, n) ** 2,
                "those are squared norms (sums of squares): take the square roots.",
                diagnosis="wrong_norm",
            ),
            "min_not_max": Mistake(
                lambda a, n: _scaled(a, n, _norm, min),
                "you divided by min(|a|, |n|); the denominator is max(|a|, |n|).",
            ),
        },
        hints={"nan_or_overflow": "squaring entries of size 1e200 overflows (and of 1e-200 underflows "
               "to 0): divide a and n by their largest entry first."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-gradcheck-centred | Your turn: a centred-difference gradient
Write `centred_difference(f, x, h)`, which returns the numerical gradient of the
scalar function `f` at the float array `x` (of any shape; `f(x)` returns a number) by
centred differences with step `h`, with the shape of `x`. You may change `x` in place
while you work, but leave it as you found it. The checker tries two functions and three
shapes of `x`, a vector, a $(2, 3)$ array and a column, and compares your gradient with
its own entry by entry; a one-sided difference, or an entry left at $x_i - h$ after its
turn, is named.
=== stub
def centred_difference(f, x, h):
    """Return (f(x + h e_i) - f(x - h e_i)) / 2h for every entry i of x."""
    ...  # your code here


bp.check_answer("ex-gradcheck-centred", centred_difference)
=== note
`np.ndindex(x.shape)` visits every entry of an array of any shape; perturb one entry,
evaluate, restore it.
=== solution
def centred_difference(f, x, h):
    """Return (f(x + h e_i) - f(x - h e_i)) / 2h for every entry i of x."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


bp.check_answer("ex-gradcheck-centred", centred_difference)
=== exercise ex-gradcheck-relerr | Your turn: the relative error, at any scale
Write `relative_error(a, n)`, which returns
$\lVert a - n\rVert / \max(\lVert a\rVert, \lVert n\rVert)$ (Euclidean norms) for two
arrays of one shape, as a number. It must work for entries as large as $10^{200}$ and
as small as $10^{-200}$, where squaring overflows or underflows.
=== stub
def relative_error(a, n):
    """Return |a - n| / max(|a|, |n|), at any scale."""
    ...  # your code here


bp.check_answer("ex-gradcheck-relerr", relative_error)
=== note
The ratio does not change when $a$ and $n$ are divided by the same number: divide both
by their largest entry first.
=== solution
def relative_error(a, n):
    """Return |a - n| / max(|a|, |n|), at any scale."""
    scale = max(np.abs(a).max(), np.abs(n).max())
    if scale == 0:
        return 0.0
    a, n = a / scale, n / scale
    return np.linalg.norm(a - n) / max(np.linalg.norm(a), np.linalg.norm(n))


bp.check_answer("ex-gradcheck-relerr", relative_error)
'''
