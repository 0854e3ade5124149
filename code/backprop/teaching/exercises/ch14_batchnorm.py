"""Graded exercises of chapter 14: the batch-normalisation backward pass by hand; gamma and beta.

The references are written from the closed form (eq-bn-backward) with a two-pass
variance; the cases include a batch with eps comparable to its variance (so a dropped
eps shows) and one with a large offset (so a one-pass variance, E[x^2] - mu^2, shows).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def _x_hat(x: NDArray, eps: float, ddof: int = 0) -> tuple[NDArray, NDArray]:
    centred = x - x.mean(axis=0)
    s = np.sqrt(np.sum(centred**2, axis=0) / (len(x) - ddof) + eps)
    return centred / s, s


def batchnorm_backward(y_bar: NDArray, x: NDArray, gamma: NDArray, eps: float) -> NDArray:
    r"""Reference (eq-bn-backward), (N, n):
    :math:`\frac{\gamma}{Ns}(N\bar y - \sum \bar y - \hat x\sum \bar y\hat x)`."""
    x_hat, s = _x_hat(x, eps)
    N = len(x)
    return gamma / (N * s) * (N * y_bar - y_bar.sum(axis=0) - x_hat * (y_bar * x_hat).sum(axis=0))


def batchnorm_param_grads(y_bar: NDArray, x: NDArray, eps: float) -> tuple[NDArray, NDArray]:
    r"""Reference (eq-bn-grad-gamma, eq-bn-grad-beta): :math:`(\sum_m g_m\hat x_m, \sum_m g_m)`, each (n,)."""
    x_hat, _ = _x_hat(x, eps)
    return (y_bar * x_hat).sum(axis=0), y_bar.sum(axis=0)


def _cases(rng: np.random.Generator, with_gamma: bool) -> list[Case]:
    cases = []
    for N, n, eps, offset in ((2, 3, 1e-5, 0.0), (5, 1, 1e-5, 1.0), (8, 4, 1e-5, -2.0), (6, 3, 0.5, 0.0),
                              (7, 2, 1e-5, 1e6)):
        y_bar, x = rng.normal(size=(N, n)), offset + rng.normal(size=(N, n))
        gamma = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
        args = (y_bar, x, gamma, eps) if with_gamma else (y_bar, x, eps)
        about = batch_about(N, f"{n} unit{'s' if n != 1 else ''}, eps = {eps:g}"
                            + (f", entries near {offset:g}" if abs(offset) > 100 else ""))
        cases.append(Case(args, about, n=N, large=abs(offset) > 100))
    return cases


def _backward_with(y_bar, x, gamma, eps, *, mean_path=True, var_path=True, ddof=0, eps_used=True, axis=0,
                   rescaled=True, centred=False):
    """The closed form with one path dropped or one ingredient changed (the known mistakes).

    ``rescaled=False`` keeps the closed form's 1/N variance term with an unbiased s;
    ``centred=True`` writes x - mu where x_hat belongs in the variance term.
    """
    x_hat, s = _x_hat(x, eps if eps_used else 0.0, ddof)
    N = len(x)
    scale = N / (N - 1) if ddof and rescaled else 1.0
    out = N * y_bar
    if mean_path:
        out = out - y_bar.sum(axis=axis, keepdims=True)
    if var_path:
        v = x - x.mean(axis=0) if centred else x_hat
        out = out - scale * v * (y_bar * v).sum(axis=axis, keepdims=True)
    return gamma / (N * s) * out


_ROWS = ("the sums run over the units of each row (axis 1); they run over the batch, down each "
         "column (axis 0).")


def _param_slip(part, make, message, name=None):
    def answer(y_bar, x, eps):
        grads = dict(zip(("grad_gamma", "grad_beta"), batchnorm_param_grads(y_bar, x, eps), strict=True))
        grads[part] = make(y_bar, x, eps)
        return grads["grad_gamma"], grads["grad_beta"]
    return Mistake(answer, message, diagnosis=name, part=part)


EXERCISES = [
    Exercise(
        label="ex-bn-backward-by-hand",
        task="batchnorm_backward(y_bar, x, gamma, eps)",
        reference=batchnorm_backward,
        cases=lambda rng: _cases(rng, with_gamma=True),
        mistakes={
            "inference_gradient": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(
                    y_bar, x, gamma, eps, mean_path=False, var_path=False),
                "you treated mu and sigma^2 as constants: gamma y_bar / s is the gradient in inference "
                "mode. In training both depend on every row of x: add the paths through them.",
            ),
            "mean_path_missing": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, mean_path=False),
                "the path through the batch mean mu is missing: the term - sum_k g_k.",
            ),
            "variance_path_missing": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, var_path=False),
                "the path through the batch variance sigma^2 is missing: the term "
                "- x_hat * sum_k g_k x_hat_k.",
            ),
            "unbiased_variance": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, ddof=1),
                "you used the unbiased variance, 1/(N-1); the layer normalises with the biased "
                "batch variance, 1/N.",
            ),
            "unbiased_s": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, ddof=1, rescaled=False),
                "you used the unbiased variance, 1/(N-1), in s; the layer normalises with the biased "
                "batch variance, 1/N.", diagnosis="unbiased_variance",
            ),
            "x_not_x_hat": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, centred=True),
                "the variance path's term is x_hat * sum_k g_k x_hat_k, with the normalised x_hat = "
                "(x - mu)/s; you used x - mu.",
            ),
            "eps_dropped": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, eps_used=False),
                "eps is missing: s = sqrt(sigma^2 + eps), also inside x_hat.",
            ),
            "gamma_missing": Mistake(
                lambda y_bar, x, gamma, eps: batchnorm_backward(y_bar, x, np.ones_like(gamma), eps),
                "the factor gamma is missing: dL/dx_hat = gamma y_bar.",
            ),
            "row_sums": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(y_bar, x, gamma, eps, axis=1),
                _ROWS, diagnosis="wrong_axis",
            ),
            # the sums taken of dL/dx_hat = gamma y_bar, step by step
            "row_sums_of_dx_hat": Mistake(
                lambda y_bar, x, gamma, eps: _backward_with(
                    gamma * y_bar, x, np.ones_like(gamma), eps, axis=1),
                _ROWS, diagnosis="wrong_axis",
            ),
        },
    ),
    Exercise(
        label="ex-bn-param-grads",
        task="batchnorm_param_grads(y_bar, x, eps)",
        reference=batchnorm_param_grads,
        cases=lambda rng: _cases(rng, with_gamma=False),
        parts=("grad_gamma", "grad_beta"),
        mistakes={
            "x_not_x_hat": _param_slip(
                "grad_gamma", lambda y_bar, x, eps: (y_bar * x).sum(axis=0),
                "gamma multiplies the normalised x_hat, not x: dL/dgamma = sum_m g_m x_hat_m.",
            ),
            "gamma_swapped": _param_slip(
                "grad_gamma", lambda y_bar, x, eps: y_bar.sum(axis=0),
                "that is dL/dbeta: the two are swapped. dL/dgamma = sum_m g_m x_hat_m.", "swapped",
            ),
            "beta_swapped": _param_slip(
                "grad_beta", lambda y_bar, x, eps: (y_bar * _x_hat(x, eps)[0]).sum(axis=0),
                "that is dL/dgamma: the two are swapped. dL/dbeta = sum_m g_m.", "swapped",
            ),
            "gamma_rows": _param_slip(
                "grad_gamma", lambda y_bar, x, eps: (y_bar * _x_hat(x, eps)[0]).sum(axis=1),
                "you summed each row (axis 1); the sum runs over the examples, axis 0.", "wrong_axis",
            ),
            "beta_rows": _param_slip(
                "grad_beta", lambda y_bar, x, eps: y_bar.sum(axis=1),
                "you summed each row (axis 1); the sum runs over the examples, axis 0.", "wrong_axis",
            ),
            "gamma_unbiased": _param_slip(
                "grad_gamma", lambda y_bar, x, eps: (y_bar * _x_hat(x, eps, ddof=1)[0]).sum(axis=0),
                "x_hat uses the biased batch variance, 1/N, not the unbiased 1/(N-1).",
                "unbiased_variance",
            ),
        },
        hints={"grad_gamma:wrong_shape": "sum over the examples, axis 0: one number per unit.",
               "grad_beta:wrong_shape": "sum over the examples, axis 0: one number per unit."},
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-bn-backward-by-hand | Your turn: batch normalisation backward by hand
Write `batchnorm_backward(y_bar, x, gamma, eps)`, the gradient $\partial L/\partial x$ of
a batch-normalisation layer in training mode: given the upstream gradient
$\bar y = \partial L/\partial y$ and the layer's input $x$, both of shape $(N, n)$, the
scale $\gamma$ of shape $(n,)$ and $\epsilon$, return $\partial L/\partial x$, of
shape $(N, n)$. Recompute $\mu$, $\sigma^2$ (the biased batch variance) and
$\hat x$ from $x$ first ($\epsilon$ is added to $\sigma^2$ under the square root, as in
the forward pass); NumPy only. The closed form {eq}`eq-bn-backward` needs three sums
over the rows; a loop over the examples would do too, more slowly.
=== stub
def batchnorm_backward(y_bar, x, gamma, eps):
    """Return dL/dx of batch normalisation (training mode), shape (N, n)."""
    ...  # your code here


bp.check_answer("ex-bn-backward-by-hand", batchnorm_backward)
=== note
The closed form {eq}`eq-bn-backward`: three sums over the rows (axis 0). The
variance is computed from the centred inputs, so that large offsets cancel exactly.
=== solution
def batchnorm_backward(y_bar, x, gamma, eps):
    """Return dL/dx of batch normalisation (training mode), shape (N, n)."""
    N = x.shape[0]
    centred = x - x.mean(axis=0)
    s = np.sqrt(np.mean(centred**2, axis=0) + eps)  # biased variance
    x_hat = centred / s
    return gamma / (N * s) * (
        N * y_bar - y_bar.sum(axis=0) - x_hat * (y_bar * x_hat).sum(axis=0))


bp.check_answer("ex-bn-backward-by-hand", batchnorm_backward)
=== exercise ex-bn-param-grads | Your turn: the gradients of gamma and beta
Write `batchnorm_param_grads(y_bar, x, eps)`, which returns
$\partial L/\partial\gamma$ and $\partial L/\partial\beta$, each of shape $(n,)$, for
a batch-normalisation layer in training mode with input $x$ and upstream gradient
$\bar y = \partial L/\partial y$, both $(N, n)$.
=== stub
def batchnorm_param_grads(y_bar, x, eps):
    """Return (dL/dgamma, dL/dbeta), each of shape (n,)."""
    grad_gamma = ...  # (n,)
    grad_beta = ...  # (n,)
    return grad_gamma, grad_beta


bp.check_answer("ex-bn-param-grads", batchnorm_param_grads)
=== note
{eq}`eq-bn-grad-gamma` and {eq}`eq-bn-grad-beta`: sums over the examples of
$\bar y \odot \hat x$ and of $\bar y$.
=== solution
def batchnorm_param_grads(y_bar, x, eps):
    """Return (dL/dgamma, dL/dbeta), each of shape (n,)."""
    centred = x - x.mean(axis=0)
    x_hat = centred / np.sqrt(np.mean(centred**2, axis=0) + eps)
    grad_gamma = (y_bar * x_hat).sum(axis=0)
    grad_beta = y_bar.sum(axis=0)
    return grad_gamma, grad_beta


bp.check_answer("ex-bn-param-grads", batchnorm_param_grads)
'''
