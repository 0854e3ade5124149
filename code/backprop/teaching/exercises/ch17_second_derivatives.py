"""Graded exercises of chapter 17: a Hessian-vector product by centred differences; R{.} of a layer.

The references are written here: the centred difference of eq-hvp on smooth functions
that are not quadratic (so a one-sided difference is visibly less accurate), and the
forward R-pass of a tanh dense layer (eq-rop-forward's rule applied to z = xW + b).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Exercise, Mistake, batch_about


def hvp_centred(grad: Callable[[NDArray], NDArray], theta: NDArray, v: NDArray, eps: float) -> NDArray:
    r"""Reference (eq-hvp): :math:`Hv \approx (\nabla L(\theta + \epsilon v)
    - \nabla L(\theta - \epsilon v))/2\epsilon`, shape (P,)."""
    return (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)


def _quadratic_logcosh(A: NDArray) -> Callable[[NDArray], NDArray]:
    """The gradient of theta^T A theta / 2 + sum log cosh theta_i."""
    return lambda t: A @ t + np.tanh(t)


def _exp_sum(U: NDArray) -> Callable[[NDArray], NDArray]:
    """The gradient of sum_i exp(u_i . theta)."""
    return lambda t: U.T @ np.exp(U @ t)


def _hvp_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for P, kind, eps in ((3, "quadratic plus log cosh", 1e-3), (6, "sum of exponentials", 1e-3),
                         (1, "quadratic plus log cosh", 1e-2), (5, "sum of exponentials", 1e-2)):
        if kind.startswith("quadratic"):
            B = rng.normal(size=(P, P))
            grad = _quadratic_logcosh(B + B.T)
        else:
            grad = _exp_sum(rng.normal(size=(4, P)) / np.sqrt(P))
        theta, v = rng.normal(size=P), rng.normal(size=P)
        cases.append(Case((grad, theta, v, eps), f"a {kind} of {P} parameter{'s' if P != 1 else ''}, "
                          f"eps = {eps:g}"))
    return cases


def r_dense(X: NDArray, RX: NDArray, W: NDArray, b: NDArray, VW: NDArray,
            Vb: NDArray) -> tuple[NDArray, NDArray]:
    r"""Reference: :math:`R\{Z\} = R\{X\}W + XV_W + \mathbf 1 V_b` and
    :math:`R\{A\} = g'(Z) \odot R\{Z\}` (tanh), both (N, n_out)."""
    Z = X @ W + b
    RZ = RX @ W + X @ VW + Vb
    return RZ, (1 - np.tanh(Z) ** 2) * RZ


def _r_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for N, n_in, n_out in ((1, 3, 2), (4, 3, 5), (6, 2, 2), (3, 4, 1)):
        X, RX = rng.normal(size=(N, n_in)), rng.normal(size=(N, n_in))
        W, VW = rng.normal(size=(n_in, n_out)), rng.normal(size=(n_in, n_out))
        b, Vb = rng.normal(size=n_out), rng.normal(size=n_out)
        cases.append(Case((X, RX, W, b, VW, Vb), batch_about(N, f"{n_in} inputs, {n_out} outputs"), n=N))
    return cases


def _r_slip(part: str, make: Callable[..., NDArray], message: str, name: str | None = None) -> Mistake:
    def answer(X, RX, W, b, VW, Vb):
        out = dict(zip(("RZ", "RA"), r_dense(X, RX, W, b, VW, Vb), strict=True))
        out[part] = make(X, RX, W, b, VW, Vb)
        return out["RZ"], out["RA"]
    return Mistake(answer, message, diagnosis=name, part=part)


EXERCISES = [
    Exercise(
        label="ex-hessian-hvp-fd",
        task="hvp_centred(grad, theta, v, eps)",
        reference=hvp_centred,
        cases=_hvp_cases,
        mistakes={
            "one_sided": Mistake(
                lambda grad, t, v, eps: (grad(t + eps * v) - grad(t)) / eps,
                "that is a one-sided difference, accurate to O(eps) only; step both ways, "
                "theta + eps v and theta - eps v, and divide by 2 eps.",
            ),
            "v_missing": Mistake(
                lambda grad, t, v, eps: (grad(t + eps) - grad(t - eps)) / (2 * eps),
                "the step goes along the direction v: theta +- eps v, not theta +- eps.",
            ),
            "dotted_with_v": Mistake(
                lambda grad, t, v, eps: v @ hvp_centred(grad, t, v, eps),
                "that is the number v^T H v; the exercise asks for the vector H v, shape (P,).",
            ),
            "times_v": Mistake(
                lambda grad, t, v, eps: v * hvp_centred(grad, t, v, eps),
                "the difference of the two gradients over 2 eps is H v already: do not multiply "
                "by v again.",
            ),
        },
        rtol=1e-6,
    ),
    Exercise(
        label="ex-hessian-r-dense",
        task="r_dense(X, RX, W, b, VW, Vb)",
        reference=r_dense,
        cases=_r_cases,
        parts=("RZ", "RA"),
        upstream=lambda args, mine: {"RA": (1 - np.tanh(args[0] @ args[2] + args[3]) ** 2) * mine["RZ"]},
        depends={"RA": "RZ"},
        mistakes={
            "input_term_missing": _r_slip(
                "RZ", lambda X, RX, W, b, VW, Vb: X @ VW + Vb,
                "the layer's input moves too: R{X} W is one of the three terms of R{Z}."),
            "weight_term_missing": _r_slip(
                "RZ", lambda X, RX, W, b, VW, Vb: RX @ W + Vb,
                "the weights move along V_W: X V_W is one of the three terms of R{Z}."),
            "bias_term_missing": _r_slip(
                "RZ", lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW,
                "the bias moves along V_b: add V_b to every row of R{Z}."),
            "b_not_Vb": _r_slip(
                "RZ", lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW + b,
                "R{b} is the direction V_b, not b itself: R{Z} = R{X} W + X V_W + V_b."),
            "second_order_term": _r_slip(
                "RZ", lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW + RX @ VW + Vb,
                "R{.} is a first derivative: the product R{X} V_W is of second order in epsilon "
                "and drops out."),
            "tanh_prime_wrong": _r_slip(
                "RA", lambda X, RX, W, b, VW, Vb: (1 - np.tanh(X @ W + b)) * (RX @ W + X @ VW + Vb),
                "tanh' = 1 - tanh^2: square tanh(Z) before subtracting it from 1."),
            "pre_activation": _r_slip(
                "RA", lambda X, RX, W, b, VW, Vb: (1 - (X @ W + b) ** 2) * (RX @ W + X @ VW + Vb),
                "tanh'(Z) = 1 - tanh(Z)^2: you squared Z itself, the pre-activation."),
            "g_prime_missing": _r_slip(
                "RA", lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW + Vb,
                "A = tanh(Z), so R{A} = tanh'(Z) * R{Z}: the factor 1 - tanh(Z)^2 is missing."),
            "g_not_g_prime": _r_slip(
                "RA", lambda X, RX, W, b, VW, Vb: np.tanh(X @ W + b) * (RX @ W + X @ VW + Vb),
                "that multiplies by tanh(Z); R{A} = (1 - tanh(Z)^2) * R{Z}."),
        },
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-hessian-hvp-fd | Your turn: a Hessian-vector product from two gradients
Write `hvp_centred(grad, theta, v, eps)`: `grad` is a function returning the gradient
$\nabla\mathcal L(\theta)$ (shape $(P,)$) at a parameter vector `theta` $(P,)$;
return the centred-difference approximation of $Hv$ in {eq}`eq-hvp` along `v`
$(P,)$ with step `eps`, shape $(P,)$. Do not change `theta` in place.
=== stub
def hvp_centred(grad, theta, v, eps):
    """Return (grad(theta + eps v) - grad(theta - eps v)) / (2 eps)."""
    ...  # your code here


bp.check_answer("ex-hessian-hvp-fd", hvp_centred)
=== note
$Hv$ is the directional derivative of the gradient along $v$; the centred difference
is accurate to $O(\epsilon^2)$.
=== solution
def hvp_centred(grad, theta, v, eps):
    """Return (grad(theta + eps v) - grad(theta - eps v)) / (2 eps)."""
    return (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)


bp.check_answer("ex-hessian-hvp-fd", hvp_centred)
=== exercise ex-hessian-r-dense | Your turn: the R-operator of a dense tanh layer
A dense layer computes $Z = XW + \mathbf 1 b$ and $A = \tanh Z$. Move its parameters
along $(V_W, V_b)$ while its input moves with $\mathcal R\{X\}$. Write
`r_dense(X, RX, W, b, VW, Vb)`, which returns the pair
$(\mathcal R\{Z\}, \mathcal R\{A\})$, both of shape $(N, n_\text{out})$, for `X`
and `RX` $(N, n_\text{in})$, `W` and `VW` $(n_\text{in}, n_\text{out})$, `b` and
`Vb` $(n_\text{out},)$. Each part is graded on its own.
=== stub
def r_dense(X, RX, W, b, VW, Vb):
    """Return (R{Z}, R{A}) of Z = X W + b, A = tanh(Z)."""
    RZ = ...  # your code here
    RA = ...  # your code here
    return RZ, RA


bp.check_answer("ex-hessian-r-dense", r_dense)
=== note
$\mathcal R\{\cdot\}$ is $\frac{d}{d\epsilon}$ at $\epsilon = 0$: the product rule
on $XW$ gives two terms, the bias one more, and the chain rule through $\tanh$ the
factor $1 - \tanh^2 Z$.
=== solution
def r_dense(X, RX, W, b, VW, Vb):
    """Return (R{Z}, R{A}) of Z = X W + b, A = tanh(Z)."""
    Z = X @ W + b
    RZ = RX @ W + X @ VW + Vb
    RA = (1 - np.tanh(Z) ** 2) * RZ
    return RZ, RA


bp.check_answer("ex-hessian-r-dense", r_dense)
'''
