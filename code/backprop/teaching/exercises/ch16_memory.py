"""Graded exercises of chapter 16: the floats a network caches; checkpointing's peak memory; the best k.

The references are the closed forms eq-cache-floats and eq-checkpoint-memory, written
here; the cases mix identity and nonlinear layers, and depths L that k divides and
does not divide (so a floor where the ceiling belongs shows).
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from ._base import Case, Exercise, Mistake


def cache_floats(sizes: list[int], activations: list[str], N: int) -> int:
    r"""Reference (eq-cache-floats): :math:`S = N(n_0 + \sum_l c_l n_l)`, c_l = 1 for the identity, else 2."""
    c = [1 if g == "identity" else 2 for g in activations]
    return N * (sizes[0] + sum(cl * n for cl, n in zip(c, sizes[1:], strict=True)))


def _cache_cases(rng: np.random.Generator) -> list[Case]:
    nets = (([4, 8, 3], ["relu", "identity"], 5), ([784, 64, 64, 10], ["tanh", "tanh", "identity"], 32),
            ([3, 5, 5, 5, 2], ["sigmoid", "relu", "tanh", "sigmoid"], 1), ([6, 4], ["relu"], 7),
            ([10, 20, 1], ["identity", "relu"], 3))
    return [Case((list(s), list(g), N), f"sizes {s}, activations {g}, N = {N}", n=N) for s, g, N in nets]


def checkpoint_memory(L: int, k: int, N: int, n: int, c: int) -> int:
    r"""Reference (eq-checkpoint-memory): :math:`M(k) = Nn(\lceil L/k\rceil + ck)` floats."""
    return N * n * (math.ceil(L / k) + c * k)


def _memory_cases(rng: np.random.Generator) -> list[Case]:
    cases = ((12, 3, 4, 10, 2), (10, 3, 1, 8, 2), (7, 7, 5, 6, 3), (20, 1, 2, 16, 2), (9, 4, 8, 5, 3),
             (30, 6, 3, 4, 2))
    return [Case((L, k, N, n, c), f"L = {L}, k = {k}, N = {N}, n = {n}, c = {c}", n=N)
            for L, k, N, n, c in cases]


def best_segment_length(L: int, c: int) -> int:
    r"""Reference: the k in 1..L minimising :math:`\lceil L/k\rceil + ck` (eq-checkpoint-memory).

    Ties go to the larger k, which recomputes fewer layers (eq-recompute-cost).
    """
    return min(range(1, L + 1), key=lambda k: (math.ceil(L / k) + c * k, -k))


def _best_cases(rng: np.random.Generator) -> list[Case]:
    pairs = ((12, 2), (50, 2), (100, 3), (7, 1), (30, 2), (1, 2), (64, 1), (20, 1), (90, 2))
    return [Case((L, c), f"L = {L}, c = {c}") for L, c in pairs]


EXERCISES = [
    Exercise(
        label="ex-memory-cache-floats",
        task="cache_floats(sizes, activations, N)",
        reference=cache_floats,
        cases=_cache_cases,
        mistakes={
            "sharing_missed": Mistake(
                lambda s, g, N: N * sum(a + 2 * b for a, b in pairwise(s)),
                "that counts each layer's x, z and a separately; layer l + 1's x is layer l's a, "
                "the same array, so only the first input X adds its own floats.",
            ),
            "identity_missed": Mistake(
                lambda s, g, N: N * (s[0] + 2 * sum(s[1:])),
                "an identity layer returns its z itself, so its a is no new array: c_l = 1 there.",
            ),
            "input_missing": Mistake(
                lambda s, g, N: cache_floats(s, g, N) - N * s[0],
                "the first layer's input X (N n_0 floats) is cached too.",
            ),
            "identity_reversed": Mistake(
                lambda s, g, N: N * (s[0] + sum((2 if a == "identity" else 1) * n
                                                for a, n in zip(g, s[1:], strict=True))),
                "c_l is the other way round: an identity layer keeps only z (its a is z), so it "
                "adds n_l; a nonlinear one keeps z and a, 2 n_l.",
            ),
            "activations_missing": Mistake(
                lambda s, g, N: N * (s[0] + sum(s[1:])),
                "each nonlinear layer keeps its activation a as well as z: c_l = 2 there.",
            ),
        },
    ),
    Exercise(
        label="ex-memory-checkpoint-peak",
        task="checkpoint_memory(L, k, N, n, c)",
        reference=checkpoint_memory,
        cases=_memory_cases,
        mistakes={
            "floor_not_ceiling": Mistake(
                lambda L, k, N, n, c: N * n * (L // k + c * k),
                "when k does not divide L, the last segment is shorter but still needs its stored "
                "input: ceil(L/k) segments, not floor(L/k).",
            ),
            "not_rounded": Mistake(
                lambda L, k, N, n, c: N * n * (L / k + c * k),
                "the number of stored segment inputs is a whole number, ceil(L/k).",
            ),
            "c_missing": Mistake(
                lambda L, k, N, n, c: N * n * (math.ceil(L / k) + k),
                "while one segment is recomputed, each of its k layers holds c arrays of N n "
                "floats: c k, not k.",
            ),
            "whole_network_cached": Mistake(
                lambda L, k, N, n, c: N * n * (math.ceil(L / k) + c * L),
                "only one segment of k layers is recomputed and cached at a time: c k, not c L.",
            ),
            "n_missing": Mistake(
                lambda L, k, N, n, c: N * (math.ceil(L / k) + c * k),
                "each stored array holds N n floats: the width n is missing.",
            ),
            "floor_plus_one": Mistake(
                lambda L, k, N, n, c: N * n * (L // k + 1 + c * k),
                "L // k + 1 is one too many when k divides L: the number of segments is "
                "ceil(L/k) = -(-L // k).",
            ),
        },
    ),
    Exercise(
        label="ex-memory-best-k",
        task="best_segment_length(L, c)",
        reference=best_segment_length,
        cases=_best_cases,
        mistakes={
            "continuous_optimum": Mistake(
                lambda L, c: max(1, round(math.sqrt(L / c))),
                "sqrt(L/c) is the optimum of the smooth approximation L/k + ck; the whole "
                "segments and the ceiling move the best integer k. Compare M(k) for every k.",
            ),
            "ties_to_more_work": Mistake(
                lambda L, c: min(range(1, L + 1), key=lambda k: (math.ceil(L / k) + c * k, k)),
                "when several k give the same peak, the larger k recomputes fewer layers "
                "(L - k): take the largest.",
            ),
            "floor_not_ceiling": Mistake(
                lambda L, c: min(range(1, L + 1), key=lambda k: (L // k + c * k, -k)),
                "when k does not divide L, the last, shorter segment still needs its stored "
                "input: ceil(L/k) segments, not floor(L/k).",
            ),
            "c_missing": Mistake(
                lambda L, c: min(range(1, L + 1), key=lambda k: (math.ceil(L / k) + k, -k)),
                "the recomputed segment holds c arrays per layer: the peak is ceil(L/k) + c k, "
                "not ceil(L/k) + k.",
            ),
            "off_by_one": Mistake(
                lambda L, c: min(range(1, L + 1), key=lambda k: (math.ceil(L / k) + c * k, k)) - 1,
                "that is the index of the best k in a list that starts at k = 1: add 1 (and "
                "ties go to the largest k).",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-memory-cache-floats | Your turn: the floats a network caches
Write `cache_floats(sizes, activations, N)`: the number of floats a dense network of
layer widths `sizes` $= [n_0, n_1, \dots, n_L]$ and activations `activations`
(a list of $L$ names such as `"relu"` or `"identity"`) keeps in its layers' caches
between the forward and the backward pass of a batch of `N` rows, counting each
distinct array once, as in {eq}`eq-cache-floats`. Return an integer.
=== stub
def cache_floats(sizes, activations, N):
    """Return the number of distinct cached floats for a batch of N rows."""
    ...  # your code here


bp.check_answer("ex-memory-cache-floats", cache_floats)
=== note
The input $X$ counts once; each layer adds $Z^l$ and, unless its activation is the
identity, $A^l$; its $x$ is the previous layer's $A$, already counted.
=== solution
def cache_floats(sizes, activations, N):
    """Return the number of distinct cached floats for a batch of N rows."""
    total = sizes[0]
    for n, g in zip(sizes[1:], activations):
        total += n if g == "identity" else 2 * n
    return N * total


bp.check_answer("ex-memory-cache-floats", cache_floats)
=== exercise ex-memory-checkpoint-peak | Your turn: the peak memory of checkpointing
A network of `L` layers of width `n`, each caching `c` arrays of $N \times n$ floats,
is trained with checkpoints every `k` layers, counted from the output. Write
`checkpoint_memory(L, k, N, n, c)`, the peak number of floats held during the
backward pass of a batch of `N` rows, as in {eq}`eq-checkpoint-memory`: the stored
segment inputs plus one recomputed segment's caches. Return an integer.
=== stub
def checkpoint_memory(L, k, N, n, c):
    """Return the peak floats of checkpointing every k of L layers."""
    ...  # your code here


bp.check_answer("ex-memory-checkpoint-peak", checkpoint_memory)
=== note
There are $\lceil L/k \rceil$ segments, each with one stored input of $Nn$ floats;
a recomputed segment of $k$ layers holds $c\,k\,Nn$ floats.
=== solution
def checkpoint_memory(L, k, N, n, c):
    """Return the peak floats of checkpointing every k of L layers."""
    segments = -(-L // k)  # the ceiling of L / k
    return N * n * (segments + c * k)


bp.check_answer("ex-memory-checkpoint-peak", checkpoint_memory)
=== exercise ex-memory-best-k | Your turn: the best segment length
For a network of `L` layers whose layers each cache `c` arrays, write
`best_segment_length(L, c)`: the whole number $k$, $1 \le k \le L$, that makes the
peak memory $\lceil L/k \rceil + c\,k$ (in units of $Nn$ floats, as in
{eq}`eq-checkpoint-memory`) smallest. When several $k$ tie, return the largest, which
recomputes the fewest layers.
=== stub
def best_segment_length(L, c):
    """Return the k in 1..L with the least peak memory (ties: largest k)."""
    ...  # your code here


bp.check_answer("ex-memory-best-k", best_segment_length)
=== note
$\sqrt{L/c}$ from {eq}`eq-checkpoint-optimum` is only close: compare the exact peak for
every $k$.
=== solution
def best_segment_length(L, c):
    """Return the k in 1..L with the least peak memory (ties: largest k)."""
    best = 1
    for k in range(1, L + 1):
        if -(-L // k) + c * k <= -(-L // best) + c * best:
            best = k
    return best


bp.check_answer("ex-memory-best-k", best_segment_length)
'''
