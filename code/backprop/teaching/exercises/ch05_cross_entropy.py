"""Graded exercises of chapter 5: dL/dZ for softmax with cross-entropy; the loss from logits."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about, one_hot, softmax_rows


def ce_grad(Z: NDArray, y: NDArray) -> NDArray:
    r"""Reference: :math:`\partial L/\partial Z = (\operatorname{softmax}(Z) - Y)/N` (eq-ce-softmax-grad)."""
    return (softmax_rows(Z) - one_hot(y, Z.shape[1])) / Z.shape[0]


def _log_softmax(Z: NDArray) -> NDArray:
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def ce_loss(Z: NDArray, y: NDArray) -> float:
    r"""Reference: :math:`L = -\frac1N\sum_n \log \operatorname{softmax}(z_n)_{y_n}`, from logits."""
    return -_log_softmax(Z)[np.arange(Z.shape[0]), y].mean()


def _cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, k, scale in ((1, 3, 1.0), (6, 4, 1.0), (4, 5, 3.0)):
        Z = rng.normal(scale=scale, size=(n, k))
        cases.append(Case((Z, rng.integers(0, k, n)), batch_about(n, f"{k} logits, integer labels y"), n=n))
    # the first row's mean sits 800 below its maximum (a shift by the mean overflows),
    # the second row's maximum 1800 below the batch's (a shift by the batch maximum
    # underflows to log 0)
    big = np.array([[800.0, 0.0, -800.0], [-1000.0, -1001.0, -1005.0]])
    about = "2 rows of logits of size up to about a thousand"
    cases.append(Case((big, np.array([2, 0])), about, n=2, large=True))
    return cases


EXERCISES = [
    Exercise(
        label="ex-ce-logit-grad",
        task="ce_grad(Z, y)",
        reference=ce_grad,
        cases=_cases,
        mistakes={
            "logits_not_probabilities": Mistake(
                lambda Z, y: (Z - one_hot(y, Z.shape[1])) / Z.shape[0],
                "you subtracted Y from the logits Z; the gradient is softmax(Z) - Y, over N.",
            ),
            "wrong_axis": Mistake(
                lambda Z, y: (np.exp(Z) / np.exp(Z).sum(axis=0) - one_hot(y, Z.shape[1])) / Z.shape[0],
                "the softmax is normalised down the columns (axis 0): each row of Z is one "
                "example, normalise along axis 1.",
            ),
            "column_softmax": Mistake(
                lambda Z, y: (softmax_rows(Z.T).T - one_hot(y, Z.shape[1])) / Z.shape[0],
                "the softmax is normalised down the columns (axis 0): each row of Z is one "
                "example, normalise along axis 1.", diagnosis="wrong_axis",
            ),
            "labels_not_one_hot": Mistake(
                lambda Z, y: (softmax_rows(Z) - y[:, None]) / Z.shape[0],
                "you subtracted the label y itself from every entry of its row; Y is one-hot, "
                "np.eye(k)[y]: 1 at the label's index, 0 elsewhere.",
            ),
        },
        hints={"nan_or_overflow": "compute softmax with each row's maximum subtracted."},
    ),
    Exercise(
        label="ex-ce-loss-logits",
        task="ce_loss(Z, y)",
        reference=ce_loss,
        cases=_cases,
        mistakes={
            "mean_over_entries": Mistake(
                lambda Z, y: ce_loss(Z, y) / Z.shape[1],
                "you averaged over all N k entries; the loss averages over the N rows only.",
            ),
            "label_not_picked": Mistake(
                lambda Z, y: -_log_softmax(Z).mean(),
                "you averaged the log-probabilities of every class; each example contributes "
                "only its label's, log softmax(z_n)[y_n].",
            ),
        },
        hints={"nan_or_overflow": "never take the log of a probability that may underflow to 0: "
               "use log softmax(z)_i = z_i - m - log sum_j e^(z_j - m), m = max z."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-ce-logit-grad | Your turn: the gradient at the logits
For logits `Z` of shape $(N, k)$ and integer labels `y` of shape $(N,)$, the loss is
the mean cross-entropy of $\operatorname{softmax}(Z)$ against the one-hot rows $Y$.
Write `ce_grad(Z, y)`, which returns $\partial\mathcal{L}/\partial Z$, of shape
$(N, k)$. It must stay finite for logits as large as 900.
=== stub
def ce_grad(Z, y):
    """Return dL/dZ of the mean cross-entropy; y: integer labels (N,)."""
    ...  # your code here


bp.check_answer("ex-ce-logit-grad", ce_grad)
=== note
$\hat Y - Y$ for each example, divided by $N$ for the mean; the one-hot rows are
`np.eye(k)[y]`, and the softmax subtracts each row's maximum.
=== solution
def ce_grad(Z, y):
    """Return dL/dZ of the mean cross-entropy; y: integer labels (N,)."""
    N, k = Z.shape
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    Y_hat = e / e.sum(axis=1, keepdims=True)
    return (Y_hat - np.eye(k)[y]) / N


bp.check_answer("ex-ce-logit-grad", ce_grad)
=== exercise ex-ce-loss-logits | Your turn: cross-entropy from logits
Write `ce_loss(Z, y)`, the mean cross-entropy
$\mathcal{L} = -\frac1N \sum_n \log \operatorname{softmax}(z_n)_{y_n}$ of logits `Z`
of shape $(N, k)$ and integer labels `y` of shape $(N,)$, as one number, computed from
the logits so that it stays finite for logits as large as 900.
=== stub
def ce_loss(Z, y):
    """Return the mean cross-entropy of softmax(Z) against labels y (N,)."""
    ...  # your code here


bp.check_answer("ex-ce-loss-logits", ce_loss)
=== note
$\log\operatorname{softmax}(z)_i = z_i - m - \log\sum_j e^{z_j - m}$ with $m = \max_j z_j$:
no probability is formed, so none underflows to 0 before its logarithm.
=== solution
def ce_loss(Z, y):
    """Return the mean cross-entropy of softmax(Z) against labels y (N,)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_s = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_s[np.arange(len(y)), y].mean()


bp.check_answer("ex-ce-loss-logits", ce_loss)
'''
