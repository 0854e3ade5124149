"""Graded exercises of chapter 8: the mini-batches of an epoch; one SGD step on a batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[NDArray]:
    """Reference: a permutation of 0..n-1 cut into batches (the last one may be smaller)."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _batch_cases(rng: np.random.Generator) -> list[Case]:
    seeds = rng.integers(0, 2**31, 4)
    sizes = ((10, 3), (12, 4), (7, 1), (5, 8))
    return [Case((n, b, int(s)), f"n = {n} rows, batch_size = {b}")
            for (n, b), s in zip(sizes, seeds, strict=True)]


@dataclass(frozen=True)
class _Runs:
    """The answer's batches from a generator, from one in the same state, from another."""

    first: object
    again: object
    other: object


def _three_runs(answer, args):
    n, size, seed = args
    first = answer(n, size, np.random.default_rng(seed))
    if first is None or first is Ellipsis:
        return first
    return _Runs(first, answer(n, size, np.random.default_rng(seed)),
                 answer(n, size, np.random.default_rng(seed + 1)))


def _same_batches(a: object, b: object) -> bool:
    try:
        a, b = [np.asarray(x) for x in a], [np.asarray(x) for x in b]
    except TypeError:
        return False
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _judge_runs(runs: object, case: Case) -> tuple[str, str] | None:
    """None if the runs are one epoch of mini-batches drawn from ``rng``, else a diagnosis."""
    if not isinstance(runs, _Runs):
        return _judge_batches(runs, case)
    found = _judge_batches(runs.first, case)
    if found is not None:
        return found
    if not _same_batches(runs.first, runs.again):
        return "ignores_rng", ("two generators in the same state gave different batches: draw "
                               "the permutation from the rng you are given, not from np.random")
    if case.args[0] >= 10 and _same_batches(runs.first, runs.other):
        return "ignores_rng", ("generators in different states gave the same batches: draw from "
                               "the rng you are given, not from a generator with a seed of your own")
    return None


def _judge_batches(out: object, case: Case) -> tuple[str, str] | None:
    """None if ``out`` is one epoch of mini-batches for ``case``, else (diagnosis, message)."""
    n, size, _ = case.args
    try:
        batches = [np.asarray(b) for b in out]
    except TypeError:
        return "not_a_list", f"returned a {type(out).__name__}; expected a list of index arrays"
    if any(b.ndim != 1 or (b.size and b.dtype.kind not in "iu") for b in batches):
        return "not_a_list", "each batch must be a 1-D array of integer row indices"
    rows = np.concatenate(batches) if batches else np.array([], dtype=int)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        return "out_of_range", f"some indices are outside 0..{n - 1}"
    if len(np.unique(rows)) < len(rows):
        return "with_replacement", ("some rows appear twice and others never: random reshuffling "
                                    "uses every row exactly once per epoch, a permutation")
    if len(rows) < n:
        if n % size and n - len(rows) == n % size:
            rows_ = f"{n % size} row{'s' if n % size > 1 else ''}"
            return "last_batch_dropped", f"the last, smaller batch ({rows_}) is missing"
        return "rows_missing", f"{n - len(rows)} of the {n} rows are in no batch"
    sizes = [len(b) for b in batches]
    if any(s != size for s in sizes[:-1]) or not 0 < sizes[-1] <= size:
        return "wrong_batch_sizes", f"expected batches of {size} rows (the last may be smaller)"
    if n >= 10 and np.array_equal(rows, np.arange(n)):
        return "not_shuffled", "the rows come in their original order: shuffle them with rng first"
    return None


def sgd_step(W: NDArray, b: NDArray, X: NDArray, Y: NDArray, eta: float) -> tuple[NDArray, NDArray]:
    r"""Reference: one step on the batch-mean half SSE of Z = XW + b: W - eta X^T (Z - Y)/N, ..."""
    E = (X @ W + b - Y) / X.shape[0]
    return W - eta * X.T @ E, b - eta * E.sum(axis=0)


def _step_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, n0, k in ((1, 3, 2), (8, 3, 2), (5, 4, 1)):
        args = (rng.normal(size=(n0, k)), rng.normal(size=k), rng.normal(size=(n, n0)),
                rng.normal(size=(n, k)), 0.1)
        cases.append(Case(args, batch_about(n, f"{n0} inputs, W of shape ({n0}, {k}), eta = 0.1"), n=n))
    return cases


def _step(W, b, X, Y, eta, scale=1.0, sign=-1.0, bias=True, b_scale=1.0):
    E = scale * (X @ W + (b if bias else 0.0) - Y) / X.shape[0]
    return W + sign * eta * X.T @ E, b + sign * b_scale * eta * E.sum(axis=0)


EXERCISES = [
    Exercise(
        label="ex-loop-minibatches",
        task="minibatches(n, batch_size, rng)",
        reference=minibatches,
        cases=_batch_cases,
        judge=_judge_runs,
        harness=_three_runs,
    ),
    Exercise(
        label="ex-loop-sgd-step",
        task="sgd_step(W, b, X, Y, eta)",
        reference=sgd_step,
        cases=_step_cases,
        parts=("W", "b"),
        mistakes={
            "ascent": Mistake(
                lambda W, b, X, Y, eta: _step(W, b, X, Y, eta, sign=1.0),
                "you added eta times the gradient: that climbs the loss. Subtract it.",
            ),
            "summed_gradient": Mistake(
                lambda W, b, X, Y, eta: _step(W, b, X, Y, eta, scale=X.shape[0]),
                "the step uses the sum of the rows' gradients; the loss is a mean, so its "
                "gradient has a 1/N.", diagnosis="summed_not_averaged",
            ),
            "eta_missing": Mistake(
                lambda W, b, X, Y, eta: _step(W, b, X, Y, 1.0),
                "the learning rate eta is missing from the step.",
            ),
            "bias_missing": Mistake(
                lambda W, b, X, Y, eta: _step(W, b, X, Y, eta, bias=False),
                "the predictions are Z = XW + b: the bias is missing from the error Z - Y.",
            ),
            "doubled_step": Mistake(
                lambda W, b, X, Y, eta: _step(W, b, X, Y, eta, scale=2.0),
                "the step is twice too long: the 1/2 of the half squared error cancels the 2 of "
                "the square, so the gradient is X^T (Z - Y) / N.", diagnosis="factor_2",
            ),
            "b_averaged": Mistake(
                lambda W, b, X, Y, eta: _step(W, b, X, Y, eta, b_scale=1 / X.shape[0]),
                "delta already holds the 1/N of the mean: the bias gradient sums its rows, "
                "delta.sum(axis=0); a mean divides by N twice.",
                diagnosis="averaged_not_summed", part="b",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-loop-minibatches | Your turn: the mini-batches of an epoch
Write `minibatches(n, batch_size, rng)`, which returns the row indices of one epoch of
random reshuffling as a list of integer arrays: every row $0, \dots, n-1$ exactly
once, in an order shuffled with the NumPy generator `rng`, cut into batches of
`batch_size` rows (the last batch may be smaller). Do not call `bp.minibatches`.
=== stub
def minibatches(n, batch_size, rng):
    """Return a list of index arrays covering 0..n-1 once, shuffled."""
    ...  # your code here


bp.check_answer("ex-loop-minibatches", minibatches)
=== note
A fresh permutation, cut into slices: sampling without replacement.
=== solution
def minibatches(n, batch_size, rng):
    """Return a list of index arrays covering 0..n-1 once, shuffled."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


bp.check_answer("ex-loop-minibatches", minibatches)
=== exercise ex-loop-sgd-step | Your turn: one SGD step on a mini-batch
A linear model $Z = XW + b$ with the batch-mean half squared error against `Y`. Write
`sgd_step(W, b, X, Y, eta)`, which returns the new `W` and `b` after one step of
gradient descent on the batch (`X` of shape $(N, n_0)$, `W` $(n_0, k)$, `b` $(k,)$,
`Y` $(N, k)$). Return new arrays, as a tuple `(W, b)`.
=== stub
def sgd_step(W, b, X, Y, eta):
    """Return (W, b) after one gradient-descent step on the batch (X, Y)."""
    ...  # your code here


bp.check_answer("ex-loop-sgd-step", sgd_step)
=== note
$\delta = (XW + b - Y)/N$ (the $1/N$ of the mean), $\nabla_W = X^\top\delta$,
$\nabla_b = \mathbf 1^\top\delta$, and $w \leftarrow w - \eta\nabla_w$.
=== solution
def sgd_step(W, b, X, Y, eta):
    """Return (W, b) after one gradient-descent step on the batch (X, Y)."""
    delta = (X @ W + b - Y) / X.shape[0]
    return W - eta * X.T @ delta, b - eta * delta.sum(axis=0)


bp.check_answer("ex-loop-sgd-step", sgd_step)
'''
