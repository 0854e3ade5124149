"""Graded exercises of chapter 19: one step of backpropagation through time; the sum for W_h.

The references are written here from eq-rnn-delta and eq-rnn-fork, not taken from
:mod:`backprop.layers.recurrent`. The cases include sequences of length T = 1 (where a gradient
that keeps only the last step is right by accident) and batch sizes 1 and more.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def bptt_step(delta_next: NDArray, G_t: NDArray, h_t: NDArray, W_h: NDArray) -> NDArray:
    r"""Reference (eq-rnn-delta): (N, m),
    :math:`\delta_t = (\delta_{t+1}W_h^\top + G_t) \odot (1 - h_t \odot h_t)`."""
    return (delta_next @ W_h.T + G_t) * (1 - h_t * h_t)


def _step_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for N, m in ((1, 3), (4, 3), (6, 5), (3, 2)):
        delta_next, G_t = rng.normal(size=(N, m)), rng.normal(size=(N, m))
        h_t, W_h = np.tanh(rng.normal(size=(N, m))), rng.normal(size=(m, m)) / np.sqrt(m)
        cases.append(Case((delta_next, G_t, h_t, W_h), batch_about(N, f"{m} state units"), n=N))
    return cases


def grad_W_h(H: NDArray, h0: NDArray, delta: NDArray) -> NDArray:
    r"""Reference (eq-rnn-fork): :math:`\nabla_{W_h}\mathcal L = \sum_t h_{t-1}^\top \delta_t`, (m, m)."""
    previous = np.concatenate([h0[:, None, :], H[:, :-1, :]], axis=1)  # h_0 .. h_{T-1}
    return sum(previous[:, t, :].T @ delta[:, t, :] for t in range(H.shape[1]))


def _sum_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for N, T, m in ((1, 1, 3), (3, 4, 2), (2, 6, 4), (5, 3, 3), (4, 1, 2)):
        H, h0 = np.tanh(rng.normal(size=(N, T, m))), np.tanh(rng.normal(size=(N, m)))
        about = batch_about(N, f"sequences of length T = {T}, {m} state units")
        cases.append(Case((H, h0, rng.normal(size=(N, T, m))), about, n=N))
    return cases


def _with_previous(H, h0, delta, pick):
    previous = np.concatenate([h0[:, None, :], H[:, :-1, :]], axis=1)
    return sum(pick(previous, H, t).T @ delta[:, t, :] for t in range(H.shape[1]))


EXERCISES = [
    Exercise(
        label="ex-rnn-delta-step",
        task="bptt_step(delta_next, G_t, h_t, W_h)",
        reference=bptt_step,
        cases=_step_cases,
        mistakes={
            "g_prime_missing": Mistake(
                lambda d, G, h, W: d @ W.T + G,
                "delta_t is dL/dz_t: multiply dL/dh_t by tanh'(z_t) = 1 - h_t^2.",
            ),
            "g_not_g_prime": Mistake(
                lambda d, G, h, W: (d @ W.T + G) * h,
                "that multiplies by h_t = tanh(z_t) itself; the derivative is 1 - h_t^2.",
            ),
            "tanh_prime_wrong": Mistake(
                lambda d, G, h, W: (d @ W.T + G) * (1 - h),
                "tanh' = 1 - tanh^2: the state is squared, 1 - h_t * h_t.",
            ),
            "wrong_derivative": Mistake(
                lambda d, G, h, W: (d @ W.T + G) * h * (1 - h),
                "h (1 - h) is the sigmoid's derivative; tanh'(z_t) = 1 - h_t^2.",
            ),
            "g_prime_misplaced": Mistake(
                lambda d, G, h, W: (d @ W.T) * (1 - h * h) + G,
                "both gradients reach h_t, so both go through tanh': (delta_{t+1} W_h^T + G_t) "
                "* (1 - h_t^2), not only the recurrent one.",
            ),
            "g_prime_misplaced_local": Mistake(
                lambda d, G, h, W: d @ W.T + G * (1 - h * h),
                "both gradients reach h_t, so both go through tanh': (delta_{t+1} W_h^T + G_t) "
                "* (1 - h_t^2), not only G_t.", diagnosis="g_prime_misplaced",
            ),
            "local_gradient_missing": Mistake(
                lambda d, G, h, W: (d @ W.T) * (1 - h * h),
                "h_t reaches the loss twice: through the next step (delta_{t+1} W_h^T) and "
                "directly, through G_t = dL/dh_t at step t. Add both.",
            ),
            "recurrent_path_missing": Mistake(
                lambda d, G, h, W: G * (1 - h * h),
                "h_t also feeds the next step: add delta_{t+1} W_h^T before multiplying by "
                "1 - h_t^2.",
            ),
            "W_h_not_transposed": Mistake(
                lambda d, G, h, W: (d @ W + G) * (1 - h * h),
                "the error goes back through W_h^T (W_h is square, so W_h fits but gives "
                "the wrong values).",
                diagnosis="transposed",
            ),
        },
    ),
    Exercise(
        label="ex-rnn-grad-wh",
        task="grad_W_h(H, h0, delta)",
        reference=grad_W_h,
        cases=_sum_cases,
        mistakes={
            "current_state": Mistake(
                lambda H, h0, d: _with_previous(H, h0, d, lambda P, H, t: H[:, t, :]),
                "z_t = x_t W_x + h_{t-1} W_h + b: step t multiplies W_h by the previous state "
                "h_{t-1}, not by h_t.",
            ),
            "last_step_only": Mistake(
                lambda H, h0, d: _with_previous(H[:, -1:], (h0 if H.shape[1] == 1 else H[:, -2]),
                                                d[:, -1:], lambda P, H, t: P[:, t, :]),
                "right only for T = 1: W_h is used at every step, so its gradient is the sum of "
                "h_{t-1}^T delta_t over all the steps t = 1..T.",
            ),
            "h0_missing": Mistake(
                lambda H, h0, d: grad_W_h(H, np.zeros_like(h0), d),
                "step 1 uses W_h too, with the initial state h_0: the sum starts at t = 1.",
            ),
            "averaged_over_time": Mistake(
                lambda H, h0, d: grad_W_h(H, h0, d) / H.shape[1],
                "that divides by T; the shared weight's gradient is the sum over the steps.",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-rnn-delta-step | Your turn: one step of backpropagation through time
In the tanh RNN $h_t = \tanh(x_t W_x + h_{t-1} W_h + \mathbf 1 b)$, let
$\delta_t = \partial\mathcal L/\partial z_t$ and $G_t$ the gradient reaching $h_t$
directly from the loss at step $t$. Write `bptt_step(delta_next, G_t, h_t, W_h)`,
which returns $\delta_t$, shape $(N, m)$, from `delta_next` $= \delta_{t+1}$,
`G_t` and `h_t`, all $(N, m)$, and `W_h` $(m, m)$.
=== stub
def bptt_step(delta_next, G_t, h_t, W_h):
    """Return delta_t (N, m) from delta_{t+1}, G_t and h_t."""
    ...  # your code here


bp.check_answer("ex-rnn-delta-step", bptt_step)
=== note
By {eq}`eq-rnn-delta`: $h_t$ reaches the loss directly ($G_t$) and through
$z_{t+1}$ ($\delta_{t+1}W_h^\top$); then $\tanh'(z_t) = 1 - h_t^2$.
=== solution
def bptt_step(delta_next, G_t, h_t, W_h):
    """Return delta_t (N, m) from delta_{t+1}, G_t and h_t."""
    return (delta_next @ W_h.T + G_t) * (1 - h_t**2)


bp.check_answer("ex-rnn-delta-step", bptt_step)
=== exercise ex-rnn-grad-wh | Your turn: the recurrent weight's gradient, summed over time
Write `grad_W_h(H, h0, delta)`, which returns $\nabla_{W_h}\mathcal L$, shape
$(m, m)$, given the states `H` $(N, T, m)$ (`H[:, t - 1]` is $h_t$), the initial
state `h0` $(N, m)$ and the errors `delta` $(N, T, m)$ (`delta[:, t - 1]` is
$\delta_t = \partial\mathcal L/\partial z_t$).
=== stub
def grad_W_h(H, h0, delta):
    """Return dL/dW_h (m, m) from H, h0 and delta."""
    ...  # your code here


bp.check_answer("ex-rnn-grad-wh", grad_W_h)
=== note
By {eq}`eq-rnn-fork`, the gradient of a shared weight is the sum of the
gradients of its copies: step $t$ contributes $h_{t-1}^\top\delta_t$.
=== solution
def grad_W_h(H, h0, delta):
    """Return dL/dW_h (m, m) from H, h0 and delta."""
    previous = np.concatenate([h0[:, None, :], H[:, :-1, :]], axis=1)
    return np.einsum("ntj,ntk->jk", previous, delta)


bp.check_answer("ex-rnn-grad-wh", grad_W_h)
'''
