"""Graded exercises of chapter 3: a layer's forward pass for a batch; a two-layer network."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def layer_forward(X: NDArray, W: NDArray, b: NDArray) -> NDArray:
    r"""Reference: :math:`A = \tanh(XW + b)`; X (N, n0), W (n0, n1), b (n1,) -> (N, n1)."""
    return np.tanh(X @ W + b)


def _layer_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, n0, n1 in ((1, 3, 4), (6, 3, 4), (5, 2, 7)):
        args = (rng.normal(size=(n, n0)), rng.normal(size=(n0, n1)), rng.normal(size=n1))
        cases.append(Case(args, batch_about(n, f"{n0} inputs, W of shape ({n0}, {n1})"), n=n))
    return cases


def _relu(z: NDArray) -> NDArray:
    return np.maximum(z, 0)


def two_layers(X: NDArray, W1: NDArray, b1: NDArray, W2: NDArray, b2: NDArray) -> NDArray:
    r"""Reference: :math:`\hat Y = \mathrm{relu}(\mathrm{relu}(XW_1 + b_1)W_2 + b_2)` (eq-forward-nested)."""
    return _relu(_relu(X @ W1 + b1) @ W2 + b2)


def _net_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, n0, n1, n2 in ((1, 1, 2, 2), (3, 1, 2, 2), (8, 4, 5, 3)):
        args = (rng.normal(size=(n, n0)), rng.normal(size=(n0, n1)), rng.normal(size=n1),
                rng.normal(size=(n1, n2)), rng.normal(size=n2))
        cases.append(Case(args, batch_about(n, f"{n0} inputs, sizes [{n0}, {n1}, {n2}]"), n=n))
    return cases


EXERCISES = [
    Exercise(
        label="ex-forward-layer-batch",
        task="layer_forward(X, W, b)",
        reference=layer_forward,
        cases=_layer_cases,
        mistakes={
            "bias_missing": Mistake(lambda X, W, b: np.tanh(X @ W), "the bias b is missing."),
            "activation_missing": Mistake(
                lambda X, W, b: X @ W + b, "that is Z = XW + b; the layer's output is A = tanh(Z)."
            ),
            "bias_after_activation": Mistake(
                lambda X, W, b: np.tanh(X @ W) + b,
                "the bias is added to X W before the tanh: tanh(XW + b), not tanh(XW) + b.",
            ),
            "sigmoid_not_tanh": Mistake(
                lambda X, W, b: 1 / (1 + np.exp(-(X @ W + b))),
                "that is the sigmoid; this layer's activation is tanh.", diagnosis="wrong_activation",
            ),
            "relu_not_tanh": Mistake(
                lambda X, W, b: _relu(X @ W + b),
                "that is relu; this layer's activation is tanh.", diagnosis="wrong_activation",
            ),
        },
        hints={"transposed": "rows are examples: the result has one row per row of X."},
    ),
    Exercise(
        label="ex-forward-two-layers",
        task="two_layers(X, W1, b1, W2, b2)",
        reference=two_layers,
        cases=_net_cases,
        mistakes={
            "bias_missing": Mistake(
                lambda X, W1, b1, W2, b2: _relu(_relu(X @ W1) @ W2),
                "the biases are missing: that is the one-line forward pass without B_h and B_o.",
            ),
            "output_activation_missing": Mistake(
                lambda X, W1, b1, W2, b2: _relu(X @ W1 + b1) @ W2 + b2,
                "the output layer's activation is missing: apply relu to its Z too.",
            ),
            "hidden_activation_missing": Mistake(
                lambda X, W1, b1, W2, b2: _relu((X @ W1 + b1) @ W2 + b2),
                "the hidden layer's activation is missing: apply relu to X W1 + b1.",
            ),
            "output_bias_missing": Mistake(
                lambda X, W1, b1, W2, b2: _relu(_relu(X @ W1 + b1) @ W2),
                "the output layer's bias b2 is missing.", diagnosis="bias_missing",
            ),
            "hidden_bias_missing": Mistake(
                lambda X, W1, b1, W2, b2: _relu(_relu(X @ W1) @ W2 + b2),
                "the hidden layer's bias b1 is missing.", diagnosis="bias_missing",
            ),
            "bias_after_activation": Mistake(
                lambda X, W1, b1, W2, b2: _relu((_relu(X @ W1) + b1) @ W2) + b2,
                "each bias is added before its relu: relu(X W1 + b1), not relu(X W1) + b1.",
            ),
            "max_not_maximum": Mistake(
                lambda X, W1, b1, W2, b2: np.max(np.max(X @ W1 + b1, 0) @ W2 + b2, 0),
                "np.max(Z, 0) is the largest entry of each column (0 is the axis); relu is "
                "np.maximum(Z, 0), entry by entry.",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-forward-layer-batch | Your turn: a layer's forward pass for a batch
Write `layer_forward(X, W, b)`, which returns the activations $A = \tanh(XW + b)$ of
one layer for a whole batch: `X` of shape $(N, n_0)$, `W` of shape $(n_0, n_1)$, `b`
of shape $(n_1,)$, the result of shape $(N, n_1)$, with one matrix product.
=== stub
def layer_forward(X, W, b):
    """Return tanh(X W + b); X (N, n0), W (n0, n1), b (n1,) -> (N, n1)."""
    ...  # your code here


bp.check_answer("ex-forward-layer-batch", layer_forward)
=== note
Rows are examples: `X @ W` has one row per example, and `b` is added to every row by
broadcasting.
=== solution
def layer_forward(X, W, b):
    """Return tanh(X W + b); X (N, n0), W (n0, n1), b (n1,) -> (N, n1)."""
    return np.tanh(X @ W + b)


bp.check_answer("ex-forward-layer-batch", layer_forward)
=== exercise ex-forward-two-layers | Your turn: a two-layer network
Write `two_layers(X, W1, b1, W2, b2)`, the whole forward pass
$\hat Y = \operatorname{relu}\bigl(\operatorname{relu}(XW_1 + b_1)\,W_2 + b_2\bigr)$,
biases included, for a batch `X` of shape $(N, n_0)$; the result has shape $(N, n_2)$.
=== stub
def two_layers(X, W1, b1, W2, b2):
    """Return relu(relu(X W1 + b1) W2 + b2) for a batch X of shape (N, n0)."""
    ...  # your code here


bp.check_answer("ex-forward-two-layers", two_layers)
=== note
One layer at a time: the hidden activations $H$, then the output.
=== solution
def two_layers(X, W1, b1, W2, b2):
    """Return relu(relu(X W1 + b1) W2 + b2) for a batch X of shape (N, n0)."""
    H = np.maximum(X @ W1 + b1, 0)
    return np.maximum(H @ W2 + b2, 0)


bp.check_answer("ex-forward-two-layers", two_layers)
'''
