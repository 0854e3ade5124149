"""Activation functions a = g(z), their derivatives g'(z), and the softmax Jacobian.

Every function acts on an array of pre-activations ``z`` of any shape (elementwise),
except the softmax family, which acts along the last axis: ``z`` of shape (k,) or (N, k).
Chapter: :doc:`chapters/01_derivatives`; softmax in :doc:`chapters/04_softmax`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_real_array

Array = NDArray[np.floating]

# The public functions below accept lists, scalars and arrays of any memory layout and
# check the dtype once; the layers call the unchecked ``_`` versions in their hot loop.


def _sigmoid(z: Array) -> Array:
    return np.exp(-np.logaddexp(0, -z))


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_vjp(s: Array, s_bar: Array) -> Array:
    return s * (s_bar - (s_bar * s).sum(axis=-1, keepdims=True))


def _vector(z: ArrayLike, where: str) -> Array:
    z = as_real_array(z, "z", where)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"{where}: z has shape {z.shape}, expected (k,) or (N, k) with k >= 1")
    return z


def identity(z: ArrayLike) -> Array:
    r"""Return :math:`g(z) = z`; shape of ``z``."""
    return as_real_array(z, "z", "identity")


def identity_prime(z: ArrayLike) -> Array:
    r"""Return :math:`g'(z) = 1`, ones of the shape and dtype of ``z``."""
    return np.ones_like(as_real_array(z, "z", "identity_prime"))


def sigmoid(z: ArrayLike) -> Array:
    r"""Return :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise; shape of ``z``.

    Computed as :math:`\exp(-\log(1 + e^{-z}))` with ``logaddexp``, so no overflow
    warning for large :math:`|z|`: :math:`\sigma(-10^4) = 0`, :math:`\sigma(10^4) = 1`.
    """
    return _sigmoid(as_real_array(z, "z", "sigmoid"))


def sigmoid_prime(z: ArrayLike) -> Array:
    r"""Return :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))` (eq-sigmoid-derivative).

    Computed as :math:`\sigma(z)\,\sigma(-z)`, the same number since
    :math:`1 - \sigma(z) = \sigma(-z)`, without the cancellation in :math:`1 - \sigma(z)`
    that costs relative accuracy for large z.
    """
    z = as_real_array(z, "z", "sigmoid_prime")
    return sigmoid(z) * sigmoid(-z)


def tanh(z: ArrayLike) -> Array:
    r"""Return :math:`\tanh z`, elementwise; shape of ``z``."""
    return np.tanh(as_real_array(z, "z", "tanh"))


def tanh_prime(z: ArrayLike) -> Array:
    r"""Return :math:`\tanh'(z) = 1 - \tanh^2 z` (eq-tanh-derivative)."""
    t = np.tanh(as_real_array(z, "z", "tanh_prime"))
    return 1 - t * t


def relu(z: ArrayLike) -> Array:
    r"""Return :math:`\max(0, z)`, elementwise; shape of ``z``."""
    return np.maximum(as_real_array(z, "z", "relu"), 0)


def relu_prime(z: ArrayLike) -> Array:
    r"""Return :math:`[z > 0]` (eq-relu-derivative); at the kink :math:`z = 0` we take 0."""
    z = as_real_array(z, "z", "relu_prime")
    return (z > 0).astype(z.dtype)


def softmax(z: ArrayLike) -> Array:
    r"""Return :math:`s_i = e^{z_i - m} / \sum_j e^{z_j - m}` along the last axis, m = max z.

    Subtracting the row maximum changes nothing (eq-softmax-shift) and keeps every
    exponent at most 0, so nothing overflows. Shape (k,) -> (k,), (N, k) -> (N, k).
    """
    return _softmax(_vector(z, "softmax"))


def softmax_jacobian(z: ArrayLike) -> Array:
    r"""Return :math:`J = \operatorname{diag}(s) - s s^\top`, :math:`J_{ij} = \partial s_i/\partial z_j`.

    Equation eq-softmax-jacobian. Shape (k,) -> (k, k); (N, k) -> (N, k, k), one per row.
    """
    s = _softmax(_vector(z, "softmax_jacobian"))
    return s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]


def softmax_vjp(s: ArrayLike, s_bar: ArrayLike) -> Array:
    r"""Return :math:`\bar s J = s \odot (\bar s - (\bar s \cdot s)\mathbf{1})`
    without building J.

    ``s`` = softmax(z) and the upstream gradient ``s_bar`` = dL/ds, both (k,) or
    (N, k), of the same shape (no broadcasting); the result dL/dz has that shape too.
    Equation eq-softmax-vjp.
    """
    s = as_real_array(s, "s", "softmax_vjp")
    s_bar = as_real_array(s_bar, "s_bar", "softmax_vjp")
    if s.ndim not in (1, 2):
        raise ValueError(f"softmax_vjp: s has shape {s.shape}, expected (k,) or (N, k)")
    if s_bar.shape != s.shape:
        raise ValueError(
            f"softmax_vjp: s_bar has shape {s_bar.shape}, expected {s.shape} (the shape of s; "
            "no broadcasting)"
        )
    return _softmax_vjp(s, s_bar)


@dataclass(frozen=True)
class Activation:
    """An activation g with the vector-Jacobian product that backward needs.

    ``vjp(z, a, a_bar)`` returns dL/dz given z, a = g(z) and the upstream gradient
    a_bar = dL/da; for an elementwise g it is ``a_bar * g'(z)`` (the Hadamard product
    of BP1 and BP2).
    """

    name: str
    f: Callable[[Array], Array]
    vjp: Callable[[Array, Array, Array], Array]

    def __call__(self, z: ArrayLike) -> Array:
        return self.f(as_real_array(z, "z", f"Activation({self.name!r})"))

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda z: z, lambda z, a, a_bar: a_bar),
    "sigmoid": Activation("sigmoid", sigmoid, lambda z, a, a_bar: a_bar * a * (1 - a)),
    "tanh": Activation("tanh", np.tanh, lambda z, a, a_bar: a_bar * (1 - a * a)),
    "relu": Activation("relu", lambda z: np.maximum(z, 0),
                       lambda z, a, a_bar: a_bar * (z > 0)),
    "softmax": Activation("softmax", _softmax,
                          lambda z, a, a_bar: _softmax_vjp(a, a_bar)),
}


def get_activation(name: str | Activation) -> Activation:
    """Return the activation called ``name`` (or ``name`` itself if it is one)."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"get_activation: activation must be a name (str) or an Activation, got {type(name).__name__}"
        )
    if name not in ACTIVATIONS:
        raise ValueError(f"get_activation: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
