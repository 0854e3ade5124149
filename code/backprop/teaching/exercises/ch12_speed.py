"""Graded exercises of chapter 12: the cost of a backward pass; the cost of finite differences."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ._base import Case, Exercise, Mistake


def _forward(sizes: list[int], N: int) -> int:
    return N * sum(a * b for a, b in pairwise(sizes))


def backward_multiply_adds(sizes: list[int], N: int) -> int:
    r"""Reference (eq-backward-cost): :math:`B = 2F - N n_0 n_1`, :math:`F = N\sum_l n_{l-1} n_l`."""
    return 2 * _forward(sizes, N) - N * sizes[0] * sizes[1]


def _count_cases(rng: np.random.Generator) -> list[Case]:
    nets = (([3, 4, 2], 5), ([64, 32, 10], 16), ([784, 256, 10], 1024), ([2, 3], 7), ([5, 4, 4, 3], 1))
    return [Case((list(s), n), f"sizes {s}, a batch of N = {n}", n=n) for s, n in nets]


SIZES = [64, 32, 10]  # the network of the chapter's measurements


def fd_forward_passes() -> int:
    r"""Reference (eq-fd-cost): 2P forward passes, P = the weights and biases of SIZES."""
    return 2 * sum(a * b + b for a, b in pairwise(SIZES))


EXERCISES = [
    Exercise(
        label="ex-speed-backward-count",
        task="backward_multiply_adds(sizes, N)",
        reference=backward_multiply_adds,
        cases=_count_cases,
        mistakes={
            "first_layer_input_grad": Mistake(
                lambda s, N: 2 * _forward(s, N),
                "that is 2F: it also counts delta^1 (W^1)^T, the first layer's input gradient, "
                "which nobody needs.",
            ),
            "one_product": Mistake(
                lambda s, N: _forward(s, N) - N * s[0] * s[1],
                "a backward layer makes two products of the forward one's size, "
                "X^T delta and delta W^T.",
            ),
            "wrong_layer": Mistake(
                lambda s, N: 2 * _forward(s, N) - N * s[-2] * s[-1],
                "the input gradient nobody needs is the first layer's, N n_0 n_1, not the last "
                "layer's.",
            ),
            "forward_counted": Mistake(
                lambda s, N: 3 * _forward(s, N) - N * s[0] * s[1],
                "that counts the forward pass's F too; the backward pass alone is 2F - N n_0 n_1.",
            ),
        },
        rtol=1e-12,
        atol=0.0,
        hints={"averaged_not_summed": "count for the whole batch: each product has N rows."},
    ),
    Exercise(
        label="ex-speed-fd-passes",
        task="the number of forward passes",
        reference=fd_forward_passes,
        cases=lambda rng: [Case((), "the [64, 32, 10] network")],
        value=True,
        mistakes={
            "biases_missing": Mistake(
                lambda: 2 * sum(a * b for a, b in pairwise(SIZES)),
                "the biases are parameters too: each needs its two forward passes.",
            ),
            "one_sided": Mistake(
                lambda: fd_forward_passes() // 2 + 1,
                "that is the one-sided count, P + 1; the centred difference needs f(x + h) and "
                "f(x - h) for each parameter.",
            ),
            "wrong_bias_count": Mistake(
                lambda: 2 * sum(a * b + a for a, b in pairwise(SIZES)),
                "a layer has one bias per output unit, n_l, not per input.",
            ),
            "base_pass_counted": Mistake(
                lambda: fd_forward_passes() + 1,
                "the centred difference needs no f(x) itself: two passes per parameter, 2P.",
            ),
        },
        rtol=1e-12,
        atol=0.0,
        hints={"factor_half": "the centred difference evaluates the loss twice per parameter."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-speed-backward-count | Your turn: the cost of a backward pass
Write `backward_multiply_adds(sizes, N)`, the number of multiply-adds of the matrix
products of one backward pass through a network with layer sizes
`sizes` $= [n_0, n_1, \dots, n_L]$ on a batch of `N` rows: the weight gradients of
every layer and the input gradients of every layer but the first.
=== stub
def backward_multiply_adds(sizes, N):
    """Return the multiply-adds of a backward pass (weights + inputs)."""
    ...  # your code here


bp.check_answer("ex-speed-backward-count", backward_multiply_adds)
=== note
Each product has the size of the layer's forward product, $N n_{l-1} n_l$: two per
layer, less the first layer's input gradient.
=== solution
def backward_multiply_adds(sizes, N):
    """Return the multiply-adds of a backward pass (weights + inputs)."""
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    F = N * sum(n_in * n_out for n_in, n_out in pairs)
    return 2 * F - N * sizes[0] * sizes[1]


bp.check_answer("ex-speed-backward-count", backward_multiply_adds)
=== exercise ex-speed-fd-passes | Your turn: the cost of a numerical gradient
How many forward passes does a full centred-difference gradient (every weight and
every bias) of a network with layer sizes $[64, 32, 10]$ need? Compute the number in
the next cell and let the check grade it.
=== stub
passes = ...  # your number

bp.check_answer("ex-speed-fd-passes", passes)
=== note
Two forward passes per parameter, and the parameters are
$\sum_l (n_{l-1} n_l + n_l)$.
=== solution
sizes = [64, 32, 10]
pairs = zip(sizes[:-1], sizes[1:], strict=True)
P = sum(n_in * n_out + n_out for n_in, n_out in pairs)
passes = 2 * P

bp.check_answer("ex-speed-fd-passes", passes)
'''
