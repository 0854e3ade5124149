"""Graded exercises of chapter 4: a softmax that never overflows; its VJP without J."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about, softmax_rows


def _logit_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case((rng.normal(size=(1, 4)),), batch_about(1, "4 logits"), n=1),
        Case((rng.normal(scale=2, size=(5, 4)),), batch_about(5, "4 logits"), n=5),
        Case((rng.normal(size=(3, 6)),), batch_about(3, "6 logits"), n=3),
    ]
    # the first row's mean sits more than 709 below its maximum (a shift by the mean
    # overflows), the second row's maximum 2000 below the batch's (a shift by the batch
    # maximum underflows to 0/0)
    big = np.array([[1000.0, -100.0, -1000.0], [-1000.0, -1001.0, -1010.0]])
    cases.append(Case((big,), "2 rows of logits near +1000 and -1000", n=2, large=True))
    return cases


def _columns_sum_to_one(a: NDArray, args: tuple) -> bool:
    """Normalised down the columns (axis 0) instead of along the rows."""
    if a.ndim != 2 or not np.allclose(a.sum(axis=0), 1):
        return False
    return a.shape[0] == 1 or not np.allclose(a.sum(axis=1), 1)


def _log_softmax(Z: NDArray) -> NDArray:
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_vjp(s: NDArray, s_bar: NDArray) -> NDArray:
    r"""Reference: :math:`\bar s J = s \odot (\bar s - (\bar s \cdot s)\mathbf 1)`, row by row; (N, k)."""
    return s * (s_bar - (s_bar * s).sum(axis=1, keepdims=True))


def _vjp_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, k in ((1, 4), (5, 4), (3, 6)):
        s, s_bar = softmax_rows(rng.normal(size=(n, k))), rng.normal(size=(n, k))
        about = f"{k} probabilities s and {k} upstream gradients s_bar"
        cases.append(Case((s, s_bar), batch_about(n, about), n=n))
    return cases


EXERCISES = [
    Exercise(
        label="ex-softmax-stable",
        task="stable_softmax(Z)",
        reference=softmax_rows,
        cases=_logit_cases,
        mistakes={
            "wrong_axis": Mistake(
                None,
                "each column sums to 1, not each row: normalise along axis 1 (one row per example).",
                test=_columns_sum_to_one,
            ),
            "column_maximum": Mistake(
                lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=1, keepdims=True),
                "you subtracted each column's maximum (axis 0): a row's softmax is unchanged only when "
                "one number is subtracted from the whole row, its own maximum, Z.max(axis=1, "
                "keepdims=True).", diagnosis="wrong_axis",
            ),
            "log_softmax": Mistake(
                _log_softmax,
                "that is log softmax(Z); the softmax itself is its exponential, e^z / sum e^z.",
            ),
        },
        hints={"nan_or_overflow": "e^z overflows above z = 709: subtract each row's maximum "
               "(keepdims=True) before exponentiating; the result is the same."},
    ),
    Exercise(
        label="ex-softmax-vjp-code",
        task="softmax_vjp(s, s_bar)",
        reference=softmax_vjp,
        cases=_vjp_cases,
        mistakes={
            "coupling_missing": Mistake(
                lambda s, s_bar: s * s_bar,
                "that is s * s_bar, the diagonal part alone: the coupling term -(s_bar . s) s, "
                "which "
                "comes from -s s^T in J, is missing.",
            ),
            "diagonal_only": Mistake(
                lambda s, s_bar: s * (1 - s) * s_bar,
                "that uses only the diagonal of J, s(1 - s): the off-diagonal entries -s_i s_j "
                "(the coupling term) are missing.",
                diagnosis="coupling_missing",
            ),
            "wrong_axis": Mistake(
                lambda s, s_bar: s * (s_bar - (s_bar * s).sum(axis=0, keepdims=True)),
                "the dot product s_bar . s is summed down the columns (axis 0); it belongs to each "
                "row: sum along axis 1, with keepdims=True.",
            ),
            "wrong_dot_product": Mistake(
                lambda s, s_bar: s * (s_bar - s_bar.sum(axis=1, keepdims=True)),
                "the coupling term subtracts s_bar . s, the sum of s_bar * s in each row; you "
                "subtracted the sum of s_bar alone.",
            ),
            "factor_s_missing": Mistake(
                lambda s, s_bar: s_bar - (s_bar * s).sum(axis=1, keepdims=True),
                "the whole bracket is multiplied by s, entry by entry: s * (s_bar - (s_bar . s)).",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-softmax-stable | Your turn: a softmax that never overflows
Write `stable_softmax(Z)`, the softmax of each row of `Z` (shape $(N, k)$, one row of
logits per example; the result has that shape). It must return finite probabilities
for logits as large as $\pm 1000$.
=== stub
def stable_softmax(Z):
    """Return the softmax of each row of Z, shape (N, k), for any finite Z."""
    ...  # your code here


bp.check_answer("ex-softmax-stable", stable_softmax)
=== note
Subtract each row's maximum (shift invariance changes nothing), so that every exponent
is at most 0; sum along axis 1 with `keepdims=True`.
=== solution
def stable_softmax(Z):
    """Return the softmax of each row of Z, shape (N, k), for any finite Z."""
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


bp.check_answer("ex-softmax-stable", stable_softmax)
=== exercise ex-softmax-vjp-code | Your turn: the softmax VJP without the Jacobian
Given softmax outputs `s` and upstream gradients `s_bar`
$= \bar s = \partial\mathcal{L}/\partial s$, both of shape $(N, k)$ (one row per
example), write `softmax_vjp(s, s_bar)`, which returns $\bar s J$ for each row,
$\partial\mathcal{L}/\partial z$ of shape $(N, k)$, in $O(Nk)$ operations: without
forming any $k \times k$ Jacobian.
=== stub
def softmax_vjp(s, s_bar):
    """Return s_bar J row by row, s = softmax(z); s, s_bar of shape (N, k)."""
    ...  # your code here


bp.check_answer("ex-softmax-vjp-code", softmax_vjp)
=== note
$\bar sJ = s \odot (\bar s - (\bar s\cdot s)\mathbf 1)$, with the dot product
$\bar s\cdot s$ taken in each row.
=== solution
def softmax_vjp(s, s_bar):
    """Return s_bar J row by row, s = softmax(z); s, s_bar of shape (N, k)."""
    return s * (s_bar - (s_bar * s).sum(axis=1, keepdims=True))


bp.check_answer("ex-softmax-vjp-code", softmax_vjp)
'''
