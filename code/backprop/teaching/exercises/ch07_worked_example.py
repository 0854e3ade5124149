"""Graded exercises of chapter 7: one of Mazur's output weights; all his hidden weights."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake


def dE_dw5(out_h1: NDArray, out_o1: NDArray, target1: NDArray) -> NDArray:
    r"""Reference (eq-mazur-output-weight): :math:`(o - t)\,o(1 - o)\,h`, elementwise."""
    return (out_o1 - target1) * out_o1 * (1 - out_o1) * out_h1


def _output_cases(rng: np.random.Generator) -> list[Case]:
    mazur = (np.array([0.593269992]), np.array([0.75136507]), np.array([0.01]))
    cases = [Case(mazur, "Mazur's numbers (one value each)")]
    for size in (4, 7):
        h, o, t = rng.uniform(0.02, 0.98, size=(3, size))
        cases.append(Case((h, o, t), f"arrays of {size} values"))
    return cases


def hidden_grads(x: NDArray, h: NDArray, o: NDArray, t: NDArray, W2: NDArray) -> NDArray:
    r"""Reference (eq-mazur-hidden-weight): :math:`\partial E/\partial W^1_{kj} = x_k\,\delta^h_j`.

    :math:`\delta^h_j = (\sum_o W^2_{jo}\delta_o)\,h_j(1 - h_j)`, :math:`\delta_o = (o - t)o(1 - o)`;
    x (n_in,), h (n_h,), o and t (n_out,), W2 (n_h, n_out) -> (n_in, n_h).
    """
    delta_o = (o - t) * o * (1 - o)
    return np.outer(x, (W2 @ delta_o) * h * (1 - h))


def _hidden_cases(rng: np.random.Generator) -> list[Case]:
    mazur = (np.array([0.05, 0.10]), np.array([0.593269992, 0.596884378]),
             np.array([0.75136507, 0.772928465]), np.array([0.01, 0.99]),
             np.array([[0.40, 0.50], [0.45, 0.55]]))
    cases = [Case(mazur, "Mazur's network (2 inputs, 2 hidden, 2 outputs)")]
    for n_in, n_h, n_o in ((3, 4, 2), (1, 3, 5)):
        args = (rng.normal(size=n_in), rng.uniform(0.05, 0.95, n_h), rng.uniform(0.05, 0.95, n_o),
                rng.uniform(size=n_o), rng.normal(size=(n_h, n_o)))
        cases.append(Case(args, f"{n_in} inputs, {n_h} hidden units, {n_o} outputs"))
    return cases


EXERCISES = [
    Exercise(
        label="ex-worked-output-weight",
        task="dE_dw5(out_h1, out_o1, target1)",
        reference=dE_dw5,
        cases=_output_cases,
        mistakes={
            "g_prime_missing": Mistake(
                lambda h, o, t: (o - t) * h,
                "the factor dout_o1/dnet_o1 = out_o1 (1 - out_o1) is missing.",
            ),
            "input_missing": Mistake(
                lambda h, o, t: (o - t) * o * (1 - o),
                "that is delta_o1 = dE/dnet_o1; the last link, dnet_o1/dw5 = out_h1, is missing.",
            ),
            "hidden_derivative": Mistake(
                lambda h, o, t: (o - t) * h * (1 - h) * h,
                "the middle link is the output unit's derivative, out_o1 (1 - out_o1); you used the "
                "hidden unit's, out_h1 (1 - out_h1).", diagnosis="wrong_layer",
            ),
            "output_not_hidden": Mistake(
                lambda h, o, t: (o - t) * o * (1 - o) * o,
                "the last link is dnet_o1/dw5 = out_h1, the input that w5 multiplies, not out_o1.",
                diagnosis="wrong_layer",
            ),
        },
    ),
    Exercise(
        label="ex-worked-hidden-weights",
        task="hidden_grads(x, h, o, t, W2)",
        reference=hidden_grads,
        cases=_hidden_cases,
        mistakes={
            "one_path": Mistake(
                lambda x, h, o, t, W2: np.outer(x, W2[:, 0] * ((o - t) * o * (1 - o))[0] * h * (1 - h)),
                "only the path through the first output is counted: a hidden unit reaches E "
                "through every output, and the contributions of the paths add.",
            ),
            "g_prime_missing": Mistake(
                lambda x, h, o, t, W2: np.outer(x, W2 @ ((o - t) * o * (1 - o))),
                "the hidden unit's factor out_h (1 - out_h) is missing.",
            ),
            "output_g_prime_missing": Mistake(
                lambda x, h, o, t, W2: np.outer(x, (W2 @ (o - t)) * h * (1 - h)),
                "the outputs' factor out_o (1 - out_o) is missing from delta_o.",
                diagnosis="g_prime_missing",
            ),
            "hidden_not_input": Mistake(
                lambda x, h, o, t, W2: np.outer(h, (W2 @ ((o - t) * o * (1 - o))) * h * (1 - h)),
                "dnet_h/dW1 is the input x that W1 multiplies: the outer product of x with delta_h, "
                "not of h.", diagnosis="wrong_layer",
            ),
        },
        hints={"transposed": "row convention: W1[k, j] connects input k to hidden unit j, so "
               "the gradient has shape (n_in, n_h)."},
    ),
]
