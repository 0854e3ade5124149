"""Graded exercises of chapter 2: one weight's gradient by the chain rule; a layer's VJP."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def _sigmoid(z: NDArray) -> NDArray:
    return np.exp(-np.logaddexp(0, -z))


def dloss_dw(w: NDArray, b: NDArray, x: NDArray, y: NDArray) -> NDArray:
    r"""Reference: :math:`\partial L/\partial w = (a - y)\,\sigma'(z)\,x`, z = wx + b, a = sigma(z)."""
    z = w * x + b
    return (_sigmoid(z) - y) * _sigmoid(z) * _sigmoid(-z) * x


def _neuron_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for size in (1, 4, 9):
        w, b, x = rng.normal(size=(3, size))
        y = rng.uniform(size=size)
        about = f"{size} neuron{'s' if size > 1 else ''} (arrays of shape ({size},))"
        cases.append(Case((w, b, x, y), about))
    return cases


def layer_vjp(x: NDArray, W: NDArray, a_bar: NDArray) -> NDArray:
    r"""Reference: :math:`\partial L/\partial x = (\bar a \odot \tanh'(xW))\,W^\top`, shape (N, n)."""
    t = np.tanh(x @ W)
    return (a_bar * (1 - t * t)) @ W.T


def _layer_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n_rows, n_in, n_out in ((1, 4, 3), (5, 4, 3), (3, 2, 6)):
        x, W = rng.normal(size=(n_rows, n_in)), rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)
        a_bar = rng.normal(size=(n_rows, n_out))
        what = f"{n_in} inputs, W of shape ({n_in}, {n_out})"
        cases.append(Case((x, W, a_bar), batch_about(n_rows, what), n=n_rows))
    return cases


EXERCISES = [
    Exercise(
        label="ex-chain-neuron-grad",
        task="dloss_dw(w, b, x, y)",
        reference=dloss_dw,
        cases=_neuron_cases,
        mistakes={
            "g_prime_missing": Mistake(
                lambda w, b, x, y: (_sigmoid(w * x + b) - y) * x,
                "the factor sigma'(z) of the middle link, a = sigma(z), is missing.",
            ),
            "input_missing": Mistake(
                lambda w, b, x, y: (_sigmoid(w * x + b) - y) * _sigmoid(w * x + b) * _sigmoid(-w * x - b),
                "the last link, dz/dw = x, is missing: that is dL/db, not dL/dw.",
            ),
            "pre_activation": Mistake(
                lambda w, b, x, y: (w * x + b - y) * _sigmoid(w * x + b) * _sigmoid(-w * x - b) * x,
                "the first link is dL/da = a - y, with a = sigma(z): you used z - y.",
            ),
            "bias_missing": Mistake(
                lambda w, b, x, y: (_sigmoid(w * x) - y) * _sigmoid(w * x) * _sigmoid(-w * x) * x,
                "z = w x + b: the bias b is missing from z.",
            ),
            "w_not_x": Mistake(
                lambda w, b, x, y: (_sigmoid(w * x + b) - y) * _sigmoid(w * x + b) * _sigmoid(-w * x - b) * w,
                "the last link is dz/dw = x; you multiplied by w, which is dz/dx.",
            ),
        },
    ),
    Exercise(
        label="ex-chain-layer-vjp",
        task="layer_vjp(x, W, a_bar)",
        reference=layer_vjp,
        cases=_layer_cases,
        mistakes={
            "g_prime_missing": Mistake(
                lambda x, W, a_bar: a_bar @ W.T,
                "the factor tanh'(xW) is missing: multiply a_bar by it first.",
            ),
            "g_not_g_prime": Mistake(
                lambda x, W, a_bar: (a_bar * np.tanh(x @ W)) @ W.T,
                "you multiplied by tanh(xW); the chain rule needs its derivative, 1 - tanh^2.",
            ),
            "tanh_prime_wrong": Mistake(
                lambda x, W, a_bar: (a_bar * (1 - np.tanh(x @ W))) @ W.T,
                "tanh' = 1 - tanh^2: square tanh(xW) before subtracting it from 1.",
            ),
            "wrong_derivative": Mistake(
                lambda x, W, a_bar: (a_bar * np.tanh(x @ W) * (1 - np.tanh(x @ W))) @ W.T,
                "t (1 - t) is the form of the sigmoid's derivative; tanh' = 1 - tanh^2.",
            ),
            "pre_activation": Mistake(
                lambda x, W, a_bar: (a_bar * (1 - (x @ W) ** 2)) @ W.T,
                "tanh' = 1 - tanh^2(xW): you squared xW itself, the pre-activation, not tanh(xW).",
            ),
        },
        hints={"wrong_shape": "dL/dx has the shape of x, (N, n_in): after the factor tanh', "
               "multiply by the transpose of W."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-chain-neuron-grad | Your turn: one weight's gradient by the chain rule
For the neuron $z = wx + b$, $a = \sigma(z)$, $\mathcal{L} = \tfrac12 (a - y)^2$, write
`dloss_dw(w, b, x, y)`, which returns $\partial\mathcal{L}/\partial w$ as the product
of the three local derivatives. The arguments are arrays of one shape, one neuron per
entry, and the result has that shape too.
=== stub
def dloss_dw(w, b, x, y):
    """Return dL/dw for z = w x + b, a = sigma(z), L = (a - y)^2 / 2."""
    ...  # your code here


bp.check_answer("ex-chain-neuron-grad", dloss_dw)
=== note
The three links: $\partial\mathcal{L}/\partial a = a - y$, $\partial a/\partial z =
\sigma(z)(1 - \sigma(z))$, $\partial z/\partial w = x$.
=== solution
def dloss_dw(w, b, x, y):
    """Return dL/dw for z = w x + b, a = sigma(z), L = (a - y)^2 / 2."""
    a = 1 / (1 + np.exp(-(w * x + b)))
    return (a - y) * a * (1 - a) * x


bp.check_answer("ex-chain-neuron-grad", dloss_dw)
=== exercise ex-chain-layer-vjp | Your turn: the gradient through a layer, gate by gate
A layer maps a batch `x` of shape $(N, n)$ to $a = \tanh(xW)$, with `W` of shape
$(n, m)$. Given the upstream gradient `a_bar` $= \bar a = \partial\mathcal{L}/\partial a$,
of shape $(N, m)$, write `layer_vjp(x, W, a_bar)`, which returns
$\bar x = \partial\mathcal{L}/\partial x$, of shape $(N, n)$: two gates, stage by
stage ({doc}`12_speed` calls this a vector-Jacobian product).
=== stub
def layer_vjp(x, W, a_bar):
    """Return dL/dx for a = tanh(x W), given a_bar = dL/da, shape (N, m)."""
    ...  # your code here


bp.check_answer("ex-chain-layer-vjp", layer_vjp)
=== note
Two links: through $\tanh$, elementwise, multiply by $1 - \tanh^2(xW)$; through
$z = xW$, multiply by $W^\top$ from the right ({eq}`eq-matmul-backward`).
=== solution
def layer_vjp(x, W, a_bar):
    """Return dL/dx for a = tanh(x W), given a_bar = dL/da, shape (N, m)."""
    t = np.tanh(x @ W)
    return (a_bar * (1 - t**2)) @ W.T


bp.check_answer("ex-chain-layer-vjp", layer_vjp)
'''
