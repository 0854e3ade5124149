"""Graded exercises of chapter 1: the sigmoid's derivative, the half-SSE gradient."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def _sigmoid(z: NDArray) -> NDArray:
    return np.exp(-np.logaddexp(0, -z))


def sigmoid_prime(z: NDArray) -> NDArray:
    r"""Reference: :math:`\sigma'(z) = \sigma(z)\sigma(-z) = \sigma(1 - \sigma)`."""
    return _sigmoid(z) * _sigmoid(-z)


def _z_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case((rng.normal(size=5),), "a vector of 5 values of z"),
        Case((rng.normal(size=(1, 4)),), batch_about(1, "4 values"), n=1),
        Case((rng.normal(scale=3, size=(6, 3)),), batch_about(6, "3 values"), n=6),
        Case((np.array([[-800.0, -40.0, 0.0, 40.0, 800.0]]),), "z = -800, -40, 0, 40, 800", large=True),
    ]


def half_sse_grad(a: NDArray, y: NDArray) -> NDArray:
    r"""Reference: :math:`\partial L/\partial a = (a - y)/N` for the batch-mean half SSE."""
    return (a - y) / a.shape[0]


def _pair_cases(rng: np.random.Generator) -> list[Case]:
    shapes = [(1, 3), (4, 2), (7, 3)]
    return [
        Case((rng.normal(size=s), rng.normal(size=s)), batch_about(s[0], f"{s[1]} outputs"), n=s[0])
        for s in shapes
    ]


EXERCISES = [
    Exercise(
        label="ex-derivatives-sigmoid-prime",
        task="sigmoid_prime(z)",
        reference=sigmoid_prime,
        cases=_z_cases,
        mistakes={
            "returned_sigma": Mistake(_sigmoid, "you returned sigma(z) itself, not its derivative."),
            "plus_not_minus": Mistake(
                lambda z: _sigmoid(z) * (1 + _sigmoid(z)),
                "that is sigma (1 + sigma); the derivative is sigma times (1 - sigma).",
            ),
            "wrong_derivative": Mistake(
                lambda z: 1 - _sigmoid(z) ** 2,
                "1 - sigma^2 has the form of tanh' = 1 - tanh^2; the sigmoid's is sigma (1 - sigma).",
            ),
            "pre_activation": Mistake(
                lambda z: z * (1 - z),
                "that is z (1 - z): the formula sigma (1 - sigma) takes sigma(z), not z itself.",
            ),
            "pre_activation_once": Mistake(
                lambda z: _sigmoid(z) * (1 - z),
                "the second factor uses z; both factors of sigma (1 - sigma) take sigma(z).",
                diagnosis="pre_activation",
            ),
        },
        hints={"nan_or_overflow": "exp(z) overflows for large z; write sigma' with sigma, "
               "and compute sigma without exponentiating a large positive number."},
    ),
    Exercise(
        label="ex-derivatives-half-sse-grad",
        task="half_sse_grad(a, y)",
        reference=half_sse_grad,
        cases=_pair_cases,
        mistakes={
            "divided_by_size": Mistake(
                lambda a, y: (a - y) / a.size,
                "you divided by N k, the number of entries; the loss averages over the N rows only.",
            ),
            "loss_not_gradient": Mistake(
                lambda a, y: (a - y) ** 2 / (2 * a.shape[0]),
                "that is each entry's term of the loss, (a - y)^2 / 2N; its derivative with respect "
                "to a is (a - y) / N.",
            ),
            "divided_by_k": Mistake(
                lambda a, y: (a - y) / a.shape[1],
                "you divided by k = a.shape[1], the number of columns; the mean runs over the N rows, "
                "a.shape[0].", diagnosis="wrong_axis",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-derivatives-sigmoid-prime | Your turn: the sigmoid's derivative
Write `sigmoid_prime(z)`, which returns $\sigma'(z)$ elementwise for an array `z` of
any shape (the result has the shape of `z`), with NumPy only (not `bp.sigmoid_prime`).
It must stay finite for $|z|$ as large as 800. The checker tries arrays of several
shapes, values near 0 (where $\sigma'$ peaks at $\tfrac14$) and values as large as
$\pm 800$ (where $\sigma'$ is 0 to the last digit of a float), so an answer that is right
only in the middle of the range, or only for one shape, is caught.
=== stub
def sigmoid_prime(z):
    """Return sigma'(z) elementwise; z is an array of any shape."""
    ...  # your code here


bp.check_answer("ex-derivatives-sigmoid-prime", sigmoid_prime)
=== note
Reuse the forward value, $\sigma' = \sigma(1 - \sigma)$, and compute $\sigma$ without
exponentiating a large positive number: $\sigma(z) = \exp(-\log(1 + e^{-z}))$, with
`np.logaddexp(0, -z)` for $\log(1 + e^{-z})$. The textbook form $1/(1 + e^{-z})$ computes
$e^{800}$ at $z = -800$: it overflows to `inf` and NumPy warns, although the result,
0, is representable.
=== solution
def sigmoid_prime(z):
    """Return sigma'(z) elementwise; z is an array of any shape."""
    s = np.exp(-np.logaddexp(0, -z))  # sigma(z), finite
    return s * (1 - s)


bp.check_answer("ex-derivatives-sigmoid-prime", sigmoid_prime)
=== exercise ex-derivatives-half-sse-grad | Your turn: the gradient of a batch loss
For predictions `a` and targets `y` of shape $(N, k)$, the half squared error of the
batch is $\mathcal{L} = \frac{1}{2N}\sum_{n,i} (a_{ni} - y_{ni})^2$. Write
`half_sse_grad(a, y)`, which returns $\partial\mathcal{L}/\partial a$, of shape $(N, k)$.
=== stub
def half_sse_grad(a, y):
    """Return dL/da for the batch-mean half SSE; a, y of shape (N, k)."""
    ...  # your code here


bp.check_answer("ex-derivatives-half-sse-grad", half_sse_grad)
=== note
Each entry $a_{ni}$ appears in one term, whose derivative is $(a_{ni} - y_{ni})$; the
mean over the $N$ rows puts a $1/N$ in front.
=== solution
def half_sse_grad(a, y):
    """Return dL/da for the batch-mean half SSE; a, y of shape (N, k)."""
    return (a - y) / a.shape[0]


bp.check_answer("ex-derivatives-half-sse-grad", half_sse_grad)
'''
