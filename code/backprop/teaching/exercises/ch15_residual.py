"""Graded exercises of chapter 15: a residual block's backward pass; clipping by global norm.

The references are written here from eq-residual-vjp and eq-clip, not taken from
:mod:`backprop.layers.residual`; the clipping cases include gradients above and below the
threshold and one with entries near 1e200 (a naive sum of squares overflows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, WrongShape, batch_about


def residual_backward(dY: NDArray, X: NDArray, W: NDArray, b: NDArray) -> NDArray:
    r"""Reference (eq-residual-vjp): :math:`\delta_X = \delta_Y + (\delta_Y \odot g'(Z))W^\top`, (N, n)."""
    Z = X @ W + b
    return dY + (dY * (1 - np.tanh(Z) ** 2)) @ W.T


def _block_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for N, n in ((1, 3), (4, 3), (7, 5), (3, 1)):
        X, W = rng.normal(size=(N, n)), rng.normal(size=(n, n)) / np.sqrt(n)
        b, dY = rng.normal(size=n), rng.normal(size=(N, n))
        cases.append(Case((dY, X, W, b), batch_about(N, f"width n = {n}"), n=N))
    return cases


def _global_norm(grads: Sequence[NDArray]) -> float:
    """sqrt(sum of squares) of all entries, computed as s * ||g / s|| (s the largest |entry|)."""
    s = max(float(np.max(np.abs(g), initial=0.0)) for g in grads)
    if s == 0:
        return 0.0
    return s * float(np.sqrt(sum(np.sum((np.asarray(g) / s) ** 2) for g in grads)))


def clip_by_global_norm(grads: list[NDArray], max_norm: float) -> list[NDArray]:
    r"""Reference (eq-clip): every array times :math:`\min(1, c/\|g\|)`, a new list."""
    norm = _global_norm(grads)
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return [np.asarray(g) * scale for g in grads]


def _flat(answer: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call the answer on the list of arrays; its list of results as one flat array.

    The container is checked first: a list (or tuple) of one array per gradient, each of
    its gradient's shape; anything else is reported as a wrong shape, never flattened.
    """
    grads, max_norm = args
    out = answer(list(grads), max_norm)
    if out is None or out is Ellipsis:
        return out
    if not isinstance(out, list | tuple):
        raise WrongShape(f"returned a {type(out).__name__}; expected a list of {len(grads)} "
                         "arrays, one per gradient")
    if any(g is None or g is Ellipsis for g in out):
        return None
    if len(out) != len(grads):
        raise WrongShape(f"returned {len(out)} arrays for {len(grads)} gradients")
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        if np.shape(o) != np.shape(g):
            raise WrongShape(f"array {i} has shape {np.shape(o)}, expected {np.shape(g)} "
                             "(the shape of its gradient)")
    return np.concatenate([np.ravel(np.asarray(g, dtype=np.float64)) for g in out])


def _clip_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shapes, size, c, big in ((((3, 2), (2,)), 5.0, 1.0, False), (((4, 3), (3,), (3, 1)), 0.1, 1.0, False),
                                 (((2, 2), (2,)), 1.0, 10.0, False), (((5,),), 2.0, 0.5, False),
                                 (((3, 3), (3,)), 1e200, 5.0, True)):
        grads = [size * rng.normal(size=s) for s in shapes]
        about = f"{len(shapes)} array{'s' if len(shapes) != 1 else ''} of shapes {list(shapes)}, c = {c:g}"
        cases.append(Case((grads, c), about + (", entries near 1e200" if big else ""), large=big))
    return cases


def _scaled_by(grads, c, norm):
    return [np.asarray(g) * (1.0 if norm <= c else c / norm) for g in grads]


def _per_array(grads, c):
    return [g * min(1.0, c / _global_norm([g])) for g in grads]


EXERCISES = [
    Exercise(
        label="ex-residual-backward",
        task="residual_backward(dY, X, W, b)",
        reference=residual_backward,
        cases=_block_cases,
        mistakes={
            "skip_missing": Mistake(
                lambda dY, X, W, b: residual_backward(dY, X, W, b) - dY,
                "that is the branch's part only: the skip connection y = x + f(x) adds delta_Y "
                "itself (the identity in I + J_f).",
            ),
            "g_prime_missing": Mistake(
                lambda dY, X, W, b: dY + dY @ W.T,
                "the branch's error is multiplied by g'(Z) = 1 - tanh(Z)^2 before it goes back "
                "through W^T.",
            ),
            "g_not_g_prime": Mistake(
                lambda dY, X, W, b: dY + (dY * np.tanh(X @ W + b)) @ W.T,
                "that multiplies by tanh(Z) itself; the derivative is 1 - tanh(Z)^2.",
            ),
            "W_not_transposed": Mistake(
                lambda dY, X, W, b: dY + (dY * (1 - np.tanh(X @ W + b) ** 2)) @ W,
                "the error goes back through W^T (shape (n, n) here, so W itself fits but gives "
                "the wrong values).",
                diagnosis="transposed",
            ),
            "pre_activation": Mistake(
                lambda dY, X, W, b: dY + (dY * (1 - (X @ W + b) ** 2)) @ W.T,
                "g'(Z) = 1 - tanh(Z)^2: you squared Z, the pre-activation, not tanh(Z).",
            ),
            "tanh_prime_wrong": Mistake(
                lambda dY, X, W, b: dY + (dY * (1 - np.tanh(X @ W + b))) @ W.T,
                "tanh' = 1 - tanh^2: square tanh(Z) before subtracting it from 1.",
            ),
            "g_prime_misplaced": Mistake(
                lambda dY, X, W, b: dY + (dY @ W.T) * (1 - np.tanh(X @ W + b) ** 2),
                "the factor g'(Z) belongs to Z, the branch's output side: multiply delta_Y by it "
                "first, then go back through W^T.",
            ),
            "bias_missing": Mistake(
                lambda dY, X, W, b: dY + (dY * (1 - np.tanh(X @ W) ** 2)) @ W.T,
                "Z = XW + b: the bias is missing from the Z at which g' is taken.",
            ),
        },
    ),
    Exercise(
        label="ex-residual-clip",
        task="clip_by_global_norm(grads, max_norm)",
        reference=clip_by_global_norm,
        cases=_clip_cases,
        harness=_flat,
        mistakes={
            "per_array": Mistake(
                _per_array,
                "each array is clipped to its own norm; the global norm treats all the arrays as "
                "one vector, so every array gets the same factor min(1, c/||g||).",
            ),
            "always_rescaled": Mistake(
                lambda grads, c: [g * c / _global_norm(grads) for g in grads],
                "a gradient whose norm is already at most c is left as it is: the factor is "
                "min(1, c/||g||), not c/||g||.",
            ),
            "squared_norm": Mistake(
                lambda grads, c: [g * min(1.0, c / np.square(_global_norm(grads))) for g in grads],
                "the norm is the square root of the sum of squares; you divide by the sum of "
                "squares itself.",
            ),
            "l1_norm": Mistake(
                lambda grads, c: _scaled_by(grads, c, sum(float(np.abs(g).sum()) for g in grads)),
                "that divides by the sum of absolute values (the L1 norm); the global norm is "
                "Euclidean, the square root of the sum of squares.", diagnosis="wrong_norm",
            ),
            "max_norm": Mistake(
                lambda grads, c: _scaled_by(grads, c, max(float(np.abs(g).max()) for g in grads)),
                "that divides by the largest absolute entry (the max norm); the global norm is "
                "Euclidean, the square root of the sum of squares.", diagnosis="wrong_norm",
            ),
            "clipped_by_value": Mistake(
                lambda grads, c: [np.clip(g, -c, c) for g in grads],
                "np.clip limits each entry to [-c, c], which changes the gradient's direction; "
                "clipping by the norm multiplies every entry by one factor, min(1, c/||g||).",
            ),
            "inverted_ratio": Mistake(
                lambda grads, c: [g * min(1.0, _global_norm(grads) / c) for g in grads],
                "the factor is min(1, c/||g||), the threshold over the norm: yours is inverted.",
            ),
        },
        hints={"large_inputs": "divide every entry by the largest |entry| s before squaring, "
                               "and multiply the root by s."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-residual-backward | Your turn: the backward pass of a residual block
A residual block with a dense tanh branch maps a batch `X` $(N, n)$ to
$Y = X + \tanh(XW + \mathbf 1 b)$, with `W` $(n, n)$ and `b` $(n,)$. Write
`residual_backward(dY, X, W, b)`, which returns
$\delta_X = \partial\mathcal L/\partial X$, shape $(N, n)$, given
`dY` $= \delta_Y = \partial\mathcal L/\partial Y$ $(N, n)$.
=== stub
def residual_backward(dY, X, W, b):
    """Return dL/dX (N, n) for Y = X + tanh(X @ W + b)."""
    ...  # your code here


bp.check_answer("ex-residual-backward", residual_backward)
=== note
By {eq}`eq-residual-vjp`: the skip path passes $\delta_Y$ through unchanged, the branch
multiplies by $g'(Z) = 1 - \tanh^2 Z$ and goes back through $W^\top$.
=== solution
def residual_backward(dY, X, W, b):
    """Return dL/dX (N, n) for Y = X + tanh(X @ W + b)."""
    Z = X @ W + b
    return dY + (dY * (1 - np.tanh(Z) ** 2)) @ W.T


bp.check_answer("ex-residual-backward", residual_backward)
=== exercise ex-residual-clip | Your turn: clipping by the global norm
Write `clip_by_global_norm(grads, max_norm)`: `grads` is a list of arrays of any
shapes, `max_norm` the threshold $c > 0$. Return a new list of arrays of the same
shapes, each multiplied by $\min(1, c/\|g\|)$, where $\|g\|$ is the norm of all the
entries of all the arrays taken together, as in {eq}`eq-clip`. Make it work for
entries as large as $10^{200}$. Do not call the package's `clip_by_global_norm`.
=== stub
def clip_by_global_norm(grads, max_norm):
    """Return the arrays of grads, scaled by min(1, max_norm / ||g||)."""
    ...  # your code here


bp.check_answer("ex-residual-clip", clip_by_global_norm)
=== note
One factor for every array. To avoid overflow, divide by the largest $|$entry$|$ $s$
before squaring: $\|g\| = s\,\|g/s\|$.
=== solution
def clip_by_global_norm(grads, max_norm):
    """Return the arrays of grads, scaled by min(1, max_norm / ||g||)."""
    s = max(np.max(np.abs(g)) for g in grads)
    if s == 0:
        return [g.copy() for g in grads]
    norm = s * np.sqrt(sum(np.sum((g / s) ** 2) for g in grads))
    scale = min(1.0, max_norm / norm)
    return [g * scale for g in grads]


bp.check_answer("ex-residual-clip", clip_by_global_norm)
'''
