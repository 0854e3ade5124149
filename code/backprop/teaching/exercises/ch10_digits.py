"""Graded exercises of chapter 10: accuracy from logits; the confusion matrix."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def accuracy(logits: NDArray, labels: NDArray) -> float:
    """Reference: the fraction of rows whose largest logit is at the label's index."""
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def _accuracy_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, k in ((1, 3), (20, 4), (50, 10)):
        Z = rng.normal(size=(n, k))
        labels = np.argmax(Z + rng.normal(scale=0.0 if n == 1 else 0.8, size=(n, k)), axis=1)
        cases.append(Case((Z, labels), batch_about(n, f"{k} logits, integer labels"), n=n))
    return cases


def confusion(labels: NDArray, predicted: NDArray, k: int) -> NDArray:
    """Reference: C[i, j] = the number of examples of class i predicted as class j; (k, k)."""
    C = np.zeros((k, k), dtype=int)
    np.add.at(C, (labels, predicted), 1)
    return C


def _confusion_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, k in ((1, 3), (30, 4), (100, 10)):
        labels = rng.integers(0, k, n)
        predicted = np.where(rng.uniform(size=n) < 0.7, labels, rng.integers(0, k, n))
        cases.append(Case((labels, predicted, k), f"{n} example{'s' if n > 1 else ''}, k = {k} classes", n=n))
    return cases


def _set_once(labels, predicted, k):
    C = np.zeros((k, k), dtype=int)
    C[labels, predicted] += 1
    return C


EXERCISES = [
    Exercise(
        label="ex-digits-accuracy",
        task="accuracy(logits, labels)",
        reference=accuracy,
        cases=_accuracy_cases,
        mistakes={
            "argmin": Mistake(lambda Z, y: float(np.mean(np.argmin(Z, axis=1) == y)),
                              "you took the smallest logit; the prediction is the largest (argmax)."),
            "max_not_argmax": Mistake(
                lambda Z, y: float(np.mean(np.max(Z, axis=1) == y)),
                "np.max gives the largest logit itself; the prediction is its index, np.argmax.",
            ),
            "error_rate": Mistake(
                lambda Z, y: float(np.mean(np.argmax(Z, axis=1) != y)),
                "that is the fraction of wrong predictions, 1 - accuracy: count the rows where "
                "argmax equals the label.",
            ),
            "flat_argmax": Mistake(
                lambda Z, y: float(np.mean(np.argmax(Z) == y)),
                "np.argmax without an axis gives one index into the flattened array: take each "
                "row's, axis=1.", diagnosis="wrong_axis",
            ),
        },
        hints={"constant_factor": "accuracy is a fraction between 0 and 1, not a percentage.",
               "summed_not_averaged": "that is the number of right answers; divide by N."},
    ),
    Exercise(
        label="ex-digits-confusion",
        task="confusion(labels, predicted, k)",
        reference=confusion,
        cases=_confusion_cases,
        mistakes={
            "not_accumulated": Mistake(
                _set_once,
                "C[labels, predicted] += 1 counts a repeated (label, prediction) pair only once: "
                "NumPy's fancy-index assignment does not accumulate. Use np.add.at, or a loop.",
            ),
            "normalised": Mistake(
                lambda y, p, k: confusion(y, p, k) / np.maximum(confusion(y, p, k).sum(1, keepdims=True), 1),
                "you divided each row by its total: the exercise asks for counts.",
            ),
            "off_by_one": Mistake(
                lambda y, p, k: confusion((y - 1) % k, (p - 1) % k, k),
                "the classes are numbered 0..k-1, so class i is row i itself: no - 1 (index -1 is "
                "the last row).",
            ),
        },
        hints={"transposed": "rows are the true classes, columns the predicted ones."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-digits-accuracy | Your turn: accuracy from logits
Write `accuracy(logits, labels)`, the fraction (between 0 and 1) of the rows of
`logits` (shape $(N, k)$) whose largest entry is at the index given by `labels`
(integers, shape $(N,)$).
=== stub
def accuracy(logits, labels):
    """Return the fraction of rows whose argmax equals the label."""
    ...  # your code here


bp.check_answer("ex-digits-accuracy", accuracy)
=== note
The softmax does not change which logit is largest, so the prediction is the argmax of
each row of the logits themselves.
=== solution
def accuracy(logits, labels):
    """Return the fraction of rows whose argmax equals the label."""
    return np.mean(np.argmax(logits, axis=1) == labels)


bp.check_answer("ex-digits-accuracy", accuracy)
=== exercise ex-digits-confusion | Your turn: the confusion matrix
Write `confusion(labels, predicted, k)`, the $k \times k$ confusion matrix: entry
$(i, j)$ counts the examples of true class $i$ predicted as class $j$. `labels` and
`predicted` are integer arrays of shape $(N,)$.
=== stub
def confusion(labels, predicted, k):
    """Return C of shape (k, k): C[i, j] counts class i predicted as j."""
    ...  # your code here


bp.check_answer("ex-digits-confusion", confusion)
=== note
A loop over the pairs, adding 1 each time; `np.add.at` does the same without a loop
(a plain `C[labels, predicted] += 1` would count a repeated pair once).
=== solution
def confusion(labels, predicted, k):
    """Return C of shape (k, k): C[i, j] counts class i predicted as j."""
    C = np.zeros((k, k), dtype=int)
    for i, j in zip(labels, predicted, strict=True):
        C[i, j] += 1
    return C


bp.check_answer("ex-digits-confusion", confusion)
'''
