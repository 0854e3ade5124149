"""Graded exercises of chapter 6: BP2 for a sigmoid layer; the capstone, a whole backward pass.

The capstone is graded part by part: delta2, grad_W2, grad_b2, delta1, grad_W1, grad_b1,
each checked against the reference and against what it should be given the reader's
own earlier parts, so that one slip is reported once, where it happens.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about, one_hot, softmax_rows


def _sigmoid(z: NDArray) -> NDArray:
    return np.exp(-np.logaddexp(0, -z))


def hidden_delta(delta_next: NDArray, W_next: NDArray, Z: NDArray) -> NDArray:
    r"""Reference (BP2): :math:`\delta^l = (\delta^{l+1} (W^{l+1})^\top) \odot \sigma'(Z^l)`."""
    return (delta_next @ W_next.T) * _sigmoid(Z) * _sigmoid(-Z)


def _bp2_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, n_l, n_next in ((1, 3, 2), (6, 3, 2), (4, 5, 3)):
        args = (rng.normal(size=(n, n_next)), rng.normal(size=(n_l, n_next)), rng.normal(size=(n, n_l)))
        cases.append(Case(args, batch_about(n, f"n_l = {n_l} hidden units, n_(l+1) = {n_next}"), n=n))
    return cases


PARTS = ("delta2", "grad_W2", "grad_b2", "delta1", "grad_W1", "grad_b1")


def backward_pass(X, y, W1, b1, W2, b2, **slips):
    """Reference: the six gradients of a tanh hidden layer and a softmax-CE output layer.

    ``slips`` replaces a step by a typical wrong version, for the known mistakes.
    """
    A1 = np.tanh(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    N = X.shape[0]
    d2 = slips.get("delta2", lambda: (softmax_rows(Z2) - one_hot(y, Z2.shape[1])) / N)()
    gW2 = slips.get("grad_W2", lambda: A1.T @ d2)()
    gb2 = slips.get("grad_b2", lambda: d2.sum(axis=0))()
    d1 = slips.get("delta1", lambda: (d2 @ W2.T) * (1 - A1**2))()
    gW1 = slips.get("grad_W1", lambda: X.T @ d1)()
    return d2, gW2, gb2, d1, gW1, d1.sum(axis=0)


def _from_own(X, y, W1, b1, W2, b2, mine):
    """Each part as it follows from the reader's own previous part."""
    A1 = np.tanh(X @ W1 + b1)
    d2, d1 = mine["delta2"], mine["delta1"]
    return {"grad_W2": A1.T @ d2, "grad_b2": d2.sum(axis=0), "delta1": (d2 @ W2.T) * (1 - A1**2),
            "grad_W1": X.T @ d1, "grad_b1": d1.sum(axis=0)}


def _net_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, n0, h, k in ((1, 3, 4, 3), (6, 3, 4, 3), (5, 2, 5, 4)):
        args = (rng.normal(size=(n, n0)), rng.integers(0, k, n), rng.normal(size=(n0, h)) / np.sqrt(n0),
                rng.normal(size=h), rng.normal(size=(h, k)) / np.sqrt(h), rng.normal(size=k))
        cases.append(Case(args, batch_about(n, f"{n0} inputs, sizes [{n0}, {h}, {k}]"), n=n))
    return cases


def _slip(part, make, message, name=None):
    """A Mistake in one part of the capstone: ``make(X, y, W1, b1, W2, b2)`` builds that part."""
    def answer(X, y, W1, b1, W2, b2):
        return backward_pass(X, y, W1, b1, W2, b2, **{part: lambda: make(X, y, W1, b1, W2, b2)})
    return Mistake(answer, message, diagnosis=name, part=part)


def _d2(X, y, W1, b1, W2, b2):
    return backward_pass(X, y, W1, b1, W2, b2)[0]


EXERCISES = [
    Exercise(
        label="ex-bp-hidden-error",
        task="hidden_delta(delta_next, W_next, Z)",
        reference=hidden_delta,
        cases=_bp2_cases,
        mistakes={
            "g_prime_missing": Mistake(
                lambda d, W, Z: d @ W.T, "the factor sigma'(Z^l) of BP2 is missing."
            ),
            "g_not_g_prime": Mistake(
                lambda d, W, Z: (d @ W.T) * _sigmoid(Z),
                "you multiplied by sigma(Z^l); BP2 needs its derivative sigma'(Z^l).",
            ),
            "pre_activation": Mistake(
                lambda d, W, Z: (d @ W.T) * Z * (1 - Z),
                "sigma'(Z) = sigma(Z)(1 - sigma(Z)): the formula takes sigma(Z), not Z itself.",
            ),
            "wrong_derivative": Mistake(
                lambda d, W, Z: (d @ W.T) * (1 - _sigmoid(Z) ** 2),
                "1 - sigma^2 has the form of tanh'; the sigmoid's derivative is sigma (1 - sigma).",
            ),
            "plus_not_minus": Mistake(
                lambda d, W, Z: (d @ W.T) * _sigmoid(Z) * (1 + _sigmoid(Z)),
                "that is sigma (1 + sigma); sigma' is sigma times (1 - sigma).",
            ),
        },
    ),
    Exercise(
        label="ex-bp-capstone",
        task="backward_pass(X, y, W1, b1, W2, b2)",
        reference=backward_pass,
        cases=_net_cases,
        parts=PARTS,
        upstream=lambda args, mine: _from_own(*args, mine),
        depends={"grad_W2": "delta2", "grad_b2": "delta2", "delta1": "delta2", "grad_W1": "delta1",
                 "grad_b1": "delta1"},
        mistakes={
            "d2_logits": _slip(
                "delta2",
                lambda X, y, W1, b1, W2, b2: (np.tanh(X @ W1 + b1) @ W2 + b2 - one_hot(y, len(b2))) / len(X),
                "you subtracted Y from the logits Z2; delta2 = (softmax(Z2) - Y) / N.",
                "logits_not_probabilities",
            ),
            "gW2_preactivation": _slip(
                "grad_W2",
                lambda X, y, W1, b1, W2, b2: (X @ W1 + b1).T @ _d2(X, y, W1, b1, W2, b2),
                "you used Z1, the pre-activation; BP4 needs the layer's input A1 = tanh(Z1).",
                "pre_activation",
            ),
            "gb2_axis": _slip(
                "grad_b2", lambda X, y, W1, b1, W2, b2: _d2(X, y, W1, b1, W2, b2).sum(axis=1),
                "you summed each row of delta2 (axis 1); the bias gradient sums over the "
                "examples, down the columns (axis 0).", "wrong_axis",
            ),
            "d1_no_gprime": _slip(
                "delta1", lambda X, y, W1, b1, W2, b2: _d2(X, y, W1, b1, W2, b2) @ W2.T,
                "the factor g'(Z1) = 1 - tanh^2(Z1) of BP2 is missing.", "g_prime_missing",
            ),
            "d1_g_not_gprime": _slip(
                "delta1",
                lambda X, y, W1, b1, W2, b2: (_d2(X, y, W1, b1, W2, b2) @ W2.T) * np.tanh(X @ W1 + b1),
                "you multiplied by tanh(Z1) = A1; BP2 needs g'(Z1) = 1 - A1^2.", "g_not_g_prime",
            ),
            "gW2_wrong_layer": _slip(
                "grad_W2", lambda X, y, W1, b1, W2, b2: X.T @ _d2(X, y, W1, b1, W2, b2),
                "you used X, the first layer's input; BP4 for layer 2 needs that layer's input, "
                "A1 = tanh(Z1).", "wrong_layer",
            ),
            "gW1_wrong_layer": _slip(
                "grad_W1", lambda X, y, W1, b1, W2, b2: np.tanh(X @ W1 + b1).T @ backward_pass(
                    X, y, W1, b1, W2, b2)[3],
                "you used A1, the layer's output; BP4 for layer 1 needs its input, X.", "wrong_layer",
            ),
            "d1_preactivation": _slip(
                "delta1",
                lambda X, y, W1, b1, W2, b2: (_d2(X, y, W1, b1, W2, b2) @ W2.T) * (1 - (X @ W1 + b1) ** 2),
                "tanh'(Z1) = 1 - tanh^2(Z1) = 1 - A1^2: you squared Z1, the pre-activation.",
                "pre_activation",
            ),
            "d1_tanh_prime_wrong": _slip(
                "delta1",
                lambda X, y, W1, b1, W2, b2: (_d2(X, y, W1, b1, W2, b2) @ W2.T) * (1 - np.tanh(X @ W1 + b1)),
                "tanh' = 1 - tanh^2: the factor is 1 - A1^2, not 1 - A1.", "tanh_prime_wrong",
            ),
        },
        hints={"grad_b1:wrong_shape": "the bias gradient sums delta1 over the examples: axis 0.",
               "grad_b2:wrong_shape": "the bias gradient sums delta2 over the examples: axis 0."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-bp-hidden-error | Your turn: the hidden error
Write `hidden_delta(delta_next, W_next, Z)`, the hidden-layer equation for a sigmoid
layer: given $\delta^{l+1}$ of shape $(N, n_{l+1})$, $W^{l+1}$ of shape
$(n_l, n_{l+1})$ and the layer's pre-activations $Z^l$ of shape $(N, n_l)$, return
$\delta^l$, of shape $(N, n_l)$.
=== stub
def hidden_delta(delta_next, W_next, Z):
    """Return delta^l for a sigmoid layer, shape (N, n_l)."""
    ...  # your code here


bp.check_answer("ex-bp-hidden-error", hidden_delta)
=== note
$\delta^l = \bigl(\delta^{l+1}(W^{l+1})^\top\bigr) \odot \sigma'(Z^l)$: a matrix
product, then a Hadamard product.
=== solution
def hidden_delta(delta_next, W_next, Z):
    """Return delta^l for a sigmoid layer, shape (N, n_l)."""
    s = 1 / (1 + np.exp(-Z))
    return (delta_next @ W_next.T) * s * (1 - s)


bp.check_answer("ex-bp-hidden-error", hidden_delta)
=== exercise ex-bp-capstone | Your turn, the capstone: a whole backward pass by hand
A network with one tanh hidden layer and a softmax output with cross-entropy:
$A^1 = \tanh(XW^1 + b^1)$, $Z^2 = A^1W^2 + b^2$, $\mathcal{L}$ the mean cross-entropy
of $\operatorname{softmax}(Z^2)$ against the integer labels `y`. `X` has shape
$(N, n_0)$, `W1` $(n_0, n_1)$, `W2` $(n_1, k)$. Write `backward_pass`, which returns
$\delta^2$, $\nabla_{W^2}\mathcal{L}$, $\nabla_{b^2}\mathcal{L}$, $\delta^1$,
$\nabla_{W^1}\mathcal{L}$ and $\nabla_{b^1}\mathcal{L}$, with NumPy only. The check
grades each of the six on its own, so you can fill them in one at a time; a part
that is right for the wrong input it was given is reported as such.
=== stub
def backward_pass(X, y, W1, b1, W2, b2):
    """Return the six gradients of a tanh + softmax-CE network."""
    delta2 = ...  # (N, k)
    grad_W2 = ...  # (n1, k)
    grad_b2 = ...  # (k,)
    delta1 = ...  # (N, n1)
    grad_W1 = ...  # (n0, n1)
    grad_b1 = ...  # (n1,)
    return delta2, grad_W2, grad_b2, delta1, grad_W1, grad_b1


bp.check_answer("ex-bp-capstone", backward_pass)
=== note
The forward pass first, then the output error of softmax with cross-entropy, and the
four equations from the last layer back: BP4 and BP3 for layer 2, BP2 for $\delta^1$
(with $\tanh' = 1 - \tanh^2$), BP4 and BP3 for layer 1.
=== solution
def backward_pass(X, y, W1, b1, W2, b2):
    """Return the six gradients of a tanh + softmax-CE network."""
    N, k = X.shape[0], W2.shape[1]
    A1 = np.tanh(X @ W1 + b1)  # forward
    Z2 = A1 @ W2 + b2
    e = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    Y_hat = e / e.sum(axis=1, keepdims=True)
    delta2 = (Y_hat - np.eye(k)[y]) / N  # softmax + cross-entropy
    grad_W2 = A1.T @ delta2  # BP4
    grad_b2 = delta2.sum(axis=0)  # BP3
    delta1 = (delta2 @ W2.T) * (1 - A1**2)  # BP2
    grad_W1 = X.T @ delta1
    grad_b1 = delta1.sum(axis=0)
    return delta2, grad_W2, grad_b2, delta1, grad_W1, grad_b1


bp.check_answer("ex-bp-capstone", backward_pass)
'''
