"""Graded exercises of chapter 13: the Xavier and He standard deviations; per-layer gradient norms."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ...core.network import MLP
from ._base import Case, Exercise, Mistake, batch_about


def init_std(n_in: int, n_out: int, scheme: str) -> float:
    r"""Reference: Xavier :math:`\sqrt{2/(n_{in} + n_{out})}`, He :math:`\sqrt{2/n_{in}}` (eq-he-init)."""
    return np.sqrt(2 / (n_in + n_out)) if scheme == "xavier" else np.sqrt(2 / n_in)


def _std_cases(rng: np.random.Generator) -> list[Case]:
    cases = (("xavier", 64, 64), ("he", 256, 512), ("xavier", 784, 10), ("he", 3, 100), ("xavier", 5, 1))
    return [Case((n_in, n_out, s), f"scheme = {s!r}, n_in = {n_in}, n_out = {n_out}")
            for s, n_in, n_out in cases]


def layer_grad_norms(net: MLP, X: NDArray, y: NDArray) -> NDArray:
    """Reference: the Frobenius norm of dL/dW^l for l = 1..L after one cross-entropy backward pass."""
    net.loss_and_grads(X, y, "cross_entropy")
    return np.array([np.linalg.norm(layer.grad_W) for layer in net.layers])


def _net_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for sizes, n, g in (([4, 6, 6, 3], 1, "tanh"), ([4, 6, 6, 3], 10, "tanh"), ([5, 8, 8, 8, 2], 7, "relu")):
        net = MLP.init(sizes, np.random.default_rng(int(rng.integers(2**31))), activation=g)
        X, y = rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], n)
        about = batch_about(n, f"{sizes[0]} inputs, a {g} network of sizes {sizes}")
        cases.append(Case((net, X, y), about, n=n))
    return cases


def _after_backward(net, X, y, what):
    net.loss_and_grads(X, y, "cross_entropy")
    return np.array([what(layer) for layer in net.layers])


EXERCISES = [
    Exercise(
        label="ex-deep-init-std",
        task="init_std(n_in, n_out, scheme)",
        reference=init_std,
        cases=_std_cases,
        mistakes={
            "variance_not_std": Mistake(
                lambda a, b, s: init_std(a, b, s) ** 2,
                "that is the variance sigma_w^2; the standard deviation is its square root.",
            ),
            "he_fan_out": Mistake(
                lambda a, b, s: init_std(a, b, s) if s == "xavier" else np.sqrt(2 / b),
                "He's variance 2/n divides by n_in, the number of inputs each unit sums.",
            ),
            "xavier_half_variance": Mistake(
                lambda a, b, s: np.sqrt(1 / (a + b)) if s == "xavier" else init_std(a, b, s),
                "Glorot and Bengio's compromise is 2/(n_in + n_out), one over the mean of n_in "
                "and n_out; you have 1/(n_in + n_out).",
            ),
            "xavier_fan_in": Mistake(
                lambda a, b, s: np.sqrt(1 / a) if s == "xavier" else init_std(a, b, s),
                "1/n_in is LeCun's variance; Xavier's compromise is 2/(n_in + n_out), which "
                "counts n_out too.",
            ),
            "he_half_variance": Mistake(
                lambda a, b, s: init_std(a, b, s) if s == "xavier" else np.sqrt(1 / a),
                "He's variance is 2/n_in: the 2 makes up for relu zeroing half of the inputs.",
            ),
            "schemes_swapped": Mistake(
                lambda a, b, s: init_std(a, b, "he" if s == "xavier" else "xavier"),
                "you gave each scheme the other's formula: Xavier sqrt(2/(n_in + n_out)), "
                "He sqrt(2/n_in).",
            ),
        },
    ),
    Exercise(
        label="ex-deep-grad-norms",
        task="layer_grad_norms(net, X, y)",
        reference=layer_grad_norms,
        cases=_net_cases,
        mistakes={
            "weights_not_gradients": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.linalg.norm(l.W)),
                "those are the norms of the weights W^l, not of their gradients grad_W.",
            ),
            "deltas": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.linalg.norm(l.delta)),
                "those are the norms of the errors delta^l; the exercise asks for dL/dW^l.",
            ),
            "squared_norms": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.sum(l.grad_W ** 2)),
                "those are squared norms: take the square root.",
            ),
            "reversed_layers": Mistake(
                lambda net, X, y: layer_grad_norms(net, X, y)[::-1],
                "the layers are in reverse order: list them from layer 1 to layer L.",
            ),
            "bias_gradients": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.linalg.norm(l.grad_b)),
                "those are the norms of the bias gradients grad_b; the exercise asks for dL/dW^l.",
            ),
            "l1_norms": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.abs(l.grad_W).sum()),
                "that is the sum of absolute values; the Frobenius norm is the square root of the "
                "sum of squares.", diagnosis="wrong_norm",
            ),
            "spectral_norms": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.linalg.norm(l.grad_W, 2)),
                "np.linalg.norm(G, 2) of a matrix is its largest singular value; the Frobenius "
                "norm is np.linalg.norm(G), the square root of the sum of squares.",
                diagnosis="wrong_norm",
            ),
            "max_norms": Mistake(
                lambda net, X, y: _after_backward(net, X, y, lambda l: np.abs(l.grad_W).max()),
                "that is the largest absolute entry; the Frobenius norm is the square root of the "
                "sum of squares.", diagnosis="wrong_norm",
            ),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-deep-init-std | Your turn: the Xavier and He standard deviations
Write `init_std(n_in, n_out, scheme)`, the standard deviation of the initial weights of
a layer with `n_in` inputs and `n_out` outputs, for `scheme` `"xavier"` (Glorot and
Bengio's compromise) or `"he"` (for ReLU). Do not call `bp.init_std`.
=== stub
def init_std(n_in, n_out, scheme):
    """Return the weights' standard deviation for 'xavier' or 'he'."""
    ...  # your code here


bp.check_answer("ex-deep-init-std", init_std)
=== note
Xavier: $\sigma_w^2 = 2/(n_{in} + n_{out})$; He: $\sigma_w^2 = 2/n_{in}$; the standard
deviation is the square root.
=== solution
def init_std(n_in, n_out, scheme):
    """Return the weights' standard deviation for 'xavier' or 'he'."""
    if scheme == "he":
        return np.sqrt(2 / n_in)
    return np.sqrt(2 / (n_in + n_out))


bp.check_answer("ex-deep-init-std", init_std)
=== exercise ex-deep-grad-norms | Your turn: the gradient's size, layer by layer
Write `layer_grad_norms(net, X, y)`, which runs one forward and backward pass of the
`bp.MLP` `net` on the batch `X` with integer labels `y` and the `"cross_entropy"`
loss, and returns the Frobenius norm of $\nabla_{W^l}\mathcal{L}$ for each layer
$l = 1, \dots, L$, as an array of shape $(L,)$.
=== stub
def layer_grad_norms(net, X, y):
    """Return the norm of dL/dW^l for l = 1..L, shape (L,)."""
    ...  # your code here


bp.check_answer("ex-deep-grad-norms", layer_grad_norms)
=== note
`net.loss_and_grads` leaves each layer's gradient in `layer.grad_W`.
=== solution
def layer_grad_norms(net, X, y):
    """Return the norm of dL/dW^l for l = 1..L, shape (L,)."""
    net.loss_and_grads(X, y, "cross_entropy")
    return np.array([np.linalg.norm(layer.grad_W) for layer in net.layers])


bp.check_answer("ex-deep-grad-norms", layer_grad_norms)
'''
