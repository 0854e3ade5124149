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
