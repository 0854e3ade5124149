"""Activation functions a = g(z), their derivatives g'(z), and the softmax Jacobian.

Every function acts on an array of pre-activations ``z`` of any shape (elementwise),
except the softmax family, which acts along the last axis: ``z`` of shape (k,) or (N, k).
Chapter: :doc:`chapters/01_derivatives`; softmax in :doc:`chapters/04_softmax`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def identity(z: Array) -> Array:
    r"""Return :math:`g(z) = z`; shape of ``z``."""
    return z


def identity_prime(z: Array) -> Array:
    r"""Return :math:`g'(z) = 1`, ones of the shape and dtype of ``z``."""
    return np.ones_like(z)


def sigmoid(z: Array) -> Array:
    r"""Return :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise; shape of ``z``.

    Computed as :math:`\exp(-\log(1 + e^{-z}))` with ``logaddexp``, so no overflow
    warning for large :math:`|z|`: :math:`\sigma(-10^4) = 0`, :math:`\sigma(10^4) = 1`.
    """
    return np.exp(-np.logaddexp(0, -z))


def sigmoid_prime(z: Array) -> Array:
    r"""Return :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))` (eq-sigmoid-derivative).

    Computed as :math:`\sigma(z)\,\sigma(-z)`, the same number since
    :math:`1 - \sigma(z) = \sigma(-z)`, without the cancellation in :math:`1 - \sigma(z)`
    that costs relative accuracy for large z.
    """
    return sigmoid(z) * sigmoid(-z)


def tanh(z: Array) -> Array:
    r"""Return :math:`\tanh z`, elementwise; shape of ``z``."""
    return np.tanh(z)


def tanh_prime(z: Array) -> Array:
    r"""Return :math:`\tanh'(z) = 1 - \tanh^2 z` (eq-tanh-derivative)."""
    t = np.tanh(z)
    return 1 - t * t


def relu(z: Array) -> Array:
    r"""Return :math:`\max(0, z)`, elementwise; shape of ``z``."""
    return np.maximum(z, 0)


def relu_prime(z: Array) -> Array:
    r"""Return :math:`[z > 0]` (eq-relu-derivative); at the kink :math:`z = 0` we take 0."""
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if z.dtype.kind == "f" else np.float64)


def softmax(z: Array) -> Array:
    r"""Return :math:`s_i = e^{z_i - m} / \sum_j e^{z_j - m}` along the last axis, m = max z.

    Subtracting the row maximum changes nothing (eq-softmax-shift) and keeps every
    exponent at most 0, so nothing overflows. Shape (k,) -> (k,), (N, k) -> (N, k).
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_jacobian(z: Array) -> Array:
    r"""Return :math:`J = \operatorname{diag}(s) - s s^\top`, :math:`J_{ij} = \partial s_i/\partial z_j`.

    Equation eq-softmax-jacobian. Shape (k,) -> (k, k); (N, k) -> (N, k, k), one per row.
    """
    s = softmax(z)
    return s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]


def softmax_vjp(s: Array, g: Array) -> Array:
    r"""Return :math:`g J = s \odot (g - (g \cdot s)\mathbf{1})` without building J.

    ``s`` = softmax(z) and the upstream gradient ``g`` = dL/ds, both (k,) or (N, k);
    the result dL/dz has the same shape. Equation eq-softmax-vjp.
    """
    return s * (g - (g * s).sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation g with the vector-Jacobian product that backward needs.

    ``vjp(z, a, g)`` returns dL/dz given z, a = g(z) and the upstream gradient dL/da;
    for an elementwise g it is ``g * g'(z)`` (the Hadamard product of BP1 and BP2).
    """

    name: str
    f: Callable[[Array], Array]
    vjp: Callable[[Array, Array, Array], Array]

    def __call__(self, z: Array) -> Array:
        return self.f(z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", identity, lambda z, a, g: g),
    "sigmoid": Activation("sigmoid", sigmoid, lambda z, a, g: g * a * (1 - a)),
    "tanh": Activation("tanh", tanh, lambda z, a, g: g * (1 - a * a)),
    "relu": Activation("relu", relu, lambda z, a, g: g * (z > 0)),
    "softmax": Activation("softmax", softmax, lambda z, a, g: softmax_vjp(a, g)),
}


def get_activation(name: str | Activation) -> Activation:
    """Return the activation called ``name`` (or ``name`` itself if it is one)."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
