"""Graded exercises of chapter 18: a 1-D convolution's kernel gradient and input gradient.

The references are written here with explicit loops over the kernel taps from
eq-conv-grad-kernel and eq-conv-grad-input (as a scatter of each output's error over
the window it read), not taken from :mod:`backprop.layers.convolution`. The cases have strides 1,
2 and 3, several channels in and out, batch sizes 1 and more, and inputs whose last
entries no window reaches.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def _taps(n_out: int, u: int, stride: int) -> slice:
    """The input positions s j + u, j = 0..n_out-1, read by kernel tap u."""
    return slice(u, u + stride * (n_out - 1) + 1, stride)


def conv1d_grad_kernel(x: NDArray, delta: NDArray, k: int, stride: int) -> NDArray:
    r"""Reference (eq-conv-grad-kernel): :math:`\sum_m\sum_j \delta_{m,o,j}\, x_{m,c,sj+u}`, (O, C, k)."""
    n_out = delta.shape[2]
    grad = np.zeros((delta.shape[1], x.shape[1], k))
    for u in range(k):
        grad[:, :, u] = np.einsum("moj,mcj->oc", delta, x[:, :, _taps(n_out, u, stride)])
    return grad


def conv1d_grad_input(delta: NDArray, K: NDArray, n: int, stride: int) -> NDArray:
    r"""Reference (eq-conv-grad-input): each :math:`\delta_{m,o,j} K_{o,c,u}` added at
    position :math:`sj+u`, (N, C, n)."""
    N, _, n_out = delta.shape
    grad = np.zeros((N, K.shape[1], n))
    for u in range(K.shape[2]):
        grad[:, :, _taps(n_out, u, stride)] += np.einsum("moj,oc->mcj", delta, K[:, :, u])
    return grad


_SIZES = ((1, 1, 2, 7, 3, 1), (3, 2, 3, 9, 3, 2), (4, 3, 2, 10, 2, 3), (2, 2, 2, 8, 4, 1),
          (5, 1, 3, 12, 3, 2))  # N, C, O, n, k, stride


def _cases(rng: np.random.Generator, for_kernel: bool) -> list[Case]:
    cases = []
    for N, C, O, n, k, s in _SIZES:
        n_out = (n - k) // s + 1
        delta = rng.normal(size=(N, O, n_out))
        about = batch_about(N, f"{C} channel{'s' if C != 1 else ''} of length {n}, {O} outputs, "
                            f"k = {k}, stride {s}")
        args = (rng.normal(size=(N, C, n)), delta, k, s) if for_kernel else (
            delta, rng.normal(size=(O, C, k)), n, s)
        cases.append(Case(args, about, n=N))
    return cases


def _unstrided_kernel(x, delta, k, stride):
    n_out = delta.shape[2]
    return np.stack([np.einsum("moj,mcj->oc", delta, x[:, :, u:u + n_out]) for u in range(k)], axis=2)


def _unstrided_input(delta, K, n, stride):
    return conv1d_grad_input(delta, K, n, 1)


def _tap_strided_kernel(x, delta, k, stride):
    """Tap u reads x at s u + j, the stride on the tap instead of on the output."""
    n_out = delta.shape[2]
    return np.stack([np.einsum("moj,mcj->oc", delta, x[:, :, stride * u:stride * u + n_out])
                     for u in range(k)], axis=2)


def _tap_strided_input(delta, K, n, stride):
    N, _, n_out = delta.shape
    grad = np.zeros((N, K.shape[1], n))
    for u in range(K.shape[2]):
        grad[:, :, stride * u:stride * u + n_out] += np.einsum("moj,oc->mcj", delta, K[:, :, u])
    return grad


def _assigned_input(delta, K, n, stride, loops=False):
    """The input gradient with = where += belongs: per tap, or in the innermost loop."""
    N, O, n_out = delta.shape
    C, k = K.shape[1], K.shape[2]
    grad = np.zeros((N, C, n))
    if not loops:
        for u in range(k):
            grad[:, :, _taps(n_out, u, stride)] = np.einsum("moj,oc->mcj", delta, K[:, :, u])
        return grad
    for m in range(N):
        for o in range(O):
            for c in range(C):
                for j in range(n_out):
                    for u in range(k):
                        grad[m, c, stride * j + u] = delta[m, o, j] * K[o, c, u]
    return grad


_STRIDE = "the window of output j starts at s j, not at j: tap u reads x at s j + u."

EXERCISES = [
    Exercise(
        label="ex-conv-kernel-grad",
        task="conv1d_grad_kernel(x, delta, k, stride)",
        reference=conv1d_grad_kernel,
        cases=lambda rng: _cases(rng, for_kernel=True),
        mistakes={
            "stride_ignored": Mistake(_unstrided_kernel, _STRIDE),
            "kernel_flipped": Mistake(
                lambda x, delta, k, s: conv1d_grad_kernel(x, delta, k, s)[:, :, ::-1],
                "the taps are in reverse order: the forward pass is a correlation (no flip), so "
                "tap u of the gradient pairs delta_j with x at s j + u.",
            ),
            "stride_on_tap": Mistake(
                _tap_strided_kernel,
                "output j's window starts at s j: tap u reads x at s j + u, not at s u + j.",
            ),
            "axes_swapped": Mistake(
                lambda x, delta, k, s: conv1d_grad_kernel(x, delta, k, s).transpose(1, 0, 2),
                "dL/dK has the kernel's shape (O, C, k): output channels first, then input channels.",
            ),
        },
    ),
    Exercise(
        label="ex-conv-input-grad",
        task="conv1d_grad_input(delta, K, n, stride)",
        reference=conv1d_grad_input,
        cases=lambda rng: _cases(rng, for_kernel=False),
        mistakes={
            "stride_ignored": Mistake(_unstrided_input, _STRIDE),
            "kernel_not_flipped": Mistake(
                lambda delta, K, n, s: conv1d_grad_input(delta, K[:, :, ::-1], n, s),
                "written as a correlation of the padded errors, the input gradient uses the "
                "kernel flipped along its taps.",
            ),
            "stride_on_tap": Mistake(
                _tap_strided_input,
                "output j's window starts at s j: its tap u read x at s j + u, not at s u + j.",
            ),
            "not_accumulated": Mistake(
                _assigned_input,
                "grad[...] = ... overwrites what the other taps sent to the same positions: "
                "windows overlap, so add with +=.",
            ),
            "not_accumulated_in_loops": Mistake(
                lambda delta, K, n, s: _assigned_input(delta, K, n, s, loops=True),
                "grad[m, c, s j + u] = ... keeps only the last contribution: an input entry "
                "gets one from every output channel and every window that reads it, so add "
                "with +=.", diagnosis="not_accumulated",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-conv-kernel-grad | Your turn: the kernel's gradient, with a stride
A 1-D convolution layer reads `x` $(N, C, n)$ (already padded) with a kernel
$K$ $(O, C, k)$ and stride $s$:
$z_{m,o,j} = b_o + \sum_{c,u} K_{o,c,u}\, x_{m,c,\,sj+u}$, $j = 0, \dots, n'-1$.
Write `conv1d_grad_kernel(x, delta, k, stride)`, which returns
$\partial L/\partial K$, shape $(O, C, k)$, given `delta`
$= \partial L/\partial z$, shape $(N, O, n')$.
=== stub
def conv1d_grad_kernel(x, delta, k, stride):
    """Return dL/dK (O, C, k) from x (N, C, n) and delta (N, O, n')."""
    ...  # your code here


bp.check_answer("ex-conv-kernel-grad", conv1d_grad_kernel)
=== note
By {eq}`eq-conv-grad-kernel`: tap $u$ pairs each $\delta_{m,o,j}$ with the input
it multiplied, $x_{m,c,\,sj+u}$, summed over the batch and the positions. The
strided slice `x[:, :, u : u + stride * (n' - 1) + 1 : stride]` holds those inputs.
=== solution
def conv1d_grad_kernel(x, delta, k, stride):
    """Return dL/dK (O, C, k) from x (N, C, n) and delta (N, O, n')."""
    n_out = delta.shape[2]
    grad = np.zeros((delta.shape[1], x.shape[1], k))
    for u in range(k):
        window = x[:, :, u : u + stride * (n_out - 1) + 1 : stride]
        grad[:, :, u] = np.einsum("moj,mcj->oc", delta, window)
    return grad


bp.check_answer("ex-conv-kernel-grad", conv1d_grad_kernel)
=== exercise ex-conv-input-grad | Your turn: the input's gradient, with a stride
For the same layer, write `conv1d_grad_input(delta, K, n, stride)`, which returns
$\partial L/\partial x$, shape $(N, C, n)$, given `delta` $(N, O, n')$, the kernel
`K` $(O, C, k)$, the input length `n` and the stride. (Some last entries of $x$
may be read by no window: their gradient is zero.)
=== stub
def conv1d_grad_input(delta, K, n, stride):
    """Return dL/dx (N, C, n) from delta (N, O, n') and K (O, C, k)."""
    ...  # your code here


bp.check_answer("ex-conv-input-grad", conv1d_grad_input)
=== note
Output $j$ read $x_{m,c,\,sj+u}$ with weight $K_{o,c,u}$: send
$\delta_{m,o,j}K_{o,c,u}$ back to that position and add up, which is
{eq}`eq-conv-grad-input` written as a scatter.
=== solution
def conv1d_grad_input(delta, K, n, stride):
    """Return dL/dx (N, C, n) from delta (N, O, n') and K (O, C, k)."""
    N, _, n_out = delta.shape
    grad = np.zeros((N, K.shape[1], n))
    for u in range(K.shape[2]):
        where = slice(u, u + stride * (n_out - 1) + 1, stride)
        grad[:, :, where] += np.einsum("moj,oc->mcj", delta, K[:, :, u])
    return grad


bp.check_answer("ex-conv-input-grad", conv1d_grad_input)
'''
