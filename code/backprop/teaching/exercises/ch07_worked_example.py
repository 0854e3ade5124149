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


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-worked-output-weight | Your turn: one of Mazur's output weights
Write `dE_dw5(out_h1, out_o1, target1)`, which returns $\partial E/\partial w_5$ of
Mazur's network from the three numbers it depends on, as the product of the three
local derivatives. The arguments are arrays of one shape (one network per entry);
the result has that shape.
=== stub
def dE_dw5(out_h1, out_o1, target1):
    """Return dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5."""
    ...  # your code here


bp.check_answer("ex-worked-output-weight", dE_dw5)
=== note
$\partial E/\partial\text{out}_{o1} = \text{out}_{o1} - \text{target}_1$,
$\partial\text{out}_{o1}/\partial\text{net}_{o1} = \text{out}_{o1}(1 - \text{out}_{o1})$,
$\partial\text{net}_{o1}/\partial w_5 = \text{out}_{h1}$.
=== solution
def dE_dw5(out_h1, out_o1, target1):
    """Return dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5."""
    return (out_o1 - target1) * out_o1 * (1 - out_o1) * out_h1


bp.check_answer("ex-worked-output-weight", dE_dw5)
=== exercise ex-worked-hidden-weights | Your turn: every hidden weight at once
For one example of a network like Mazur's (logistic units, $E = \sum_o \frac12
(t_o - o_o)^2$), write `hidden_grads(x, h, o, t, W2)`, which returns
$\partial E/\partial W^1$ in the row convention ($W^1_{kj}$ connects input $k$ to
hidden unit $j$): `x` the inputs $(n_{in},)$, `h` the hidden outputs $(n_h,)$, `o` and
`t` the outputs and targets $(n_{out},)$, `W2` the output weights $(n_h, n_{out})$,
the *original* ones. The result has shape $(n_{in}, n_h)$.
=== stub
def hidden_grads(x, h, o, t, W2):
    """Return dE/dW1 of shape (n_in, n_h) for one example."""
    ...  # your code here


bp.check_answer("ex-worked-hidden-weights", hidden_grads)
=== note
$\delta_o = (o - t)\,o(1 - o)$ for each output; each hidden unit collects the sum over
the outputs it reaches, $\delta_h = (W^2\delta_o) \odot h(1 - h)$; and
$\partial E/\partial W^1_{kj} = x_k\,\delta_{h,j}$, an outer product.
=== solution
def hidden_grads(x, h, o, t, W2):
    """Return dE/dW1 of shape (n_in, n_h) for one example."""
    delta_o = (o - t) * o * (1 - o)
    delta_h = (W2 @ delta_o) * h * (1 - h)  # sum over both paths
    return np.outer(x, delta_h)


bp.check_answer("ex-worked-hidden-weights", hidden_grads)
'''
