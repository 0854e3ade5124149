"""Loss functions L(a, y) averaged over a batch, with their gradients dL/da.

Rows are examples: ``a`` (the network's output, or its logits) and ``y`` have shape
(N, k). The 1/N of the batch mean lives here, and only here: layers never rescale.
Chapters: :doc:`chapters/01_derivatives`, :doc:`chapters/05_cross_entropy`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_labels, same_shape
from .activations import _vector, sigmoid, softmax

Array = NDArray[np.floating]


def _pair(a: ArrayLike, y: ArrayLike, where: str) -> tuple[Array, Array]:
    a = as_float_array(a, "a", where, ndim=2, shape="(N, k): one row per example")
    y = as_float_array(y, "y", where, ndim=2, shape=f"{a.shape}, the shape of a")
    same_shape(a, y, "a, y", where)
    return a, y


def half_sse(a: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L = \frac{1}{2N}\sum_{n,i} (a_{ni} - y_{ni})^2`; a, y of shape (N, k).

    For one example this is Mazur's :math:`E = \sum_i \tfrac12 (y_i - a_i)^2`.
    """
    a, y = _pair(a, y, "half_sse")
    return float(0.5 * np.sum((a - y) ** 2) / a.shape[0])


def half_sse_grad(a: ArrayLike, y: ArrayLike) -> Array:
    r"""Return :math:`\partial L/\partial a = (a - y)/N` (eq-half-sse-derivative); shape (N, k)."""
    a, y = _pair(a, y, "half_sse_grad")
    return (a - y) / a.shape[0]


def mse(a: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L = \frac{1}{Nk}\sum_{n,i} (a_{ni} - y_{ni})^2`; a, y of shape (N, k)."""
    a, y = _pair(a, y, "mse")
    return float(np.mean((a - y) ** 2))


def mse_grad(a: ArrayLike, y: ArrayLike) -> Array:
    r"""Return :math:`\partial L/\partial a = 2(a - y)/(Nk)`; shape (N, k)."""
    a, y = _pair(a, y, "mse_grad")
    return 2 * (a - y) / a.size


def sequence_half_sse(a: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L = \frac{1}{2NT}\sum_{n,t} \|a_{nt} - y_{nt}\|^2`, the mean over
    every example and step of half the squared error; a, y of shape (N, T, p).

    Chapter: :doc:`chapters/19_recurrent` (a prediction at every step).
    """
    a, y = _sequences(a, y, "sequence_half_sse")
    return float(0.5 * np.sum((a - y) ** 2) / (a.shape[0] * a.shape[1]))


def sequence_half_sse_grad(a: ArrayLike, y: ArrayLike) -> Array:
    r"""Return :math:`\partial L/\partial a = (a - y)/(NT)`; shape (N, T, p)."""
    a, y = _sequences(a, y, "sequence_half_sse_grad")
    return (a - y) / (a.shape[0] * a.shape[1])


def _sequences(a: ArrayLike, y: ArrayLike, where: str) -> tuple[Array, Array]:
    a = as_float_array(a, "a", where, ndim=3, shape="(N, T, p): one sequence per example")
    y = as_float_array(y, "y", where, ndim=3, shape=f"{a.shape}, the shape of a")
    same_shape(a, y, "a, y", where)
    return a, y


def _targets(z: Array, y: ArrayLike, where: str) -> Array:
    """Targets for logits ``z`` (N, k): integer labels (N,), or one-hot/probability rows (N, k)."""
    y = np.asarray(y)
    if y.ndim == 1:  # one label per row: must be integers
        return as_labels(y, z.shape[0], z.shape[1], "y", where)
    y = as_float_array(y, "y", where, ndim=2, shape=f"({z.shape[0]},) labels or {z.shape} rows")
    same_shape(z, y, "z, y", where)
    return y


def _logits(z: ArrayLike, where: str) -> Array:
    return as_float_array(z, "z", where, ndim=2, shape="(N, k): one row of logits per example")


def log_softmax(z: ArrayLike) -> Array:
    r"""Return :math:`\log s_i = z_i - m - \log\sum_j e^{z_j - m}` along the last axis, m = max z.

    ``z`` of shape (k,) or (N, k); the result has the same shape.
    """
    z = _vector(z, "log_softmax")
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy(z: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L = -\frac1N \sum_{n,i} y_{ni} \log \operatorname{softmax}(z_n)_i` from logits.

    ``z`` (N, k) are logits (not probabilities); ``y`` is one-hot or probabilities (N, k),
    or integer labels (N,). Uses log-softmax, so it stays finite for :math:`|z| \le 10^4`.
    Float labels of shape (N,) raise ``TypeError``: labels must be integers.
    """
    z = _logits(z, "cross_entropy")
    y = _targets(z, y, "cross_entropy")
    N = z.shape[0]
    log_s = log_softmax(z)
    if y.ndim == 1:
        return float(-np.sum(log_s[np.arange(N), y]) / N)
    return float(-np.sum(y * log_s) / N)


def cross_entropy_grad(z: ArrayLike, y: ArrayLike) -> Array:
    r"""Return :math:`\partial L/\partial z = (\operatorname{softmax}(z) - y)/N` (eq-ce-softmax-grad).

    That is the gradient when every row of ``y`` sums to 1 (labels, one-hot rows,
    probabilities). For any other rows (multi-hot, all-zero) the true gradient of
    :func:`cross_entropy` is returned, :math:`(\operatorname{softmax}(z)\sum_i y_{ni} - y)/N`,
    since :math:`L` then weighs each row's log-sum-exp by :math:`\sum_i y_{ni}`.
    z (N, k); y (N, k) or integer labels (N,); result (N, k).
    """
    z = _logits(z, "cross_entropy_grad")
    y = _targets(z, y, "cross_entropy_grad")
    if y.ndim == 1:  # labels -> one-hot rows
        y = np.eye(z.shape[1], dtype=z.dtype)[y]
    mass = y.sum(axis=1, keepdims=True)  # sum_i y_ni, 1 for a probability row
    if np.all(mass == 1):
        return (softmax(z) - y) / z.shape[0]
    return (softmax(z) * mass - y) / z.shape[0]


def binary_cross_entropy(z: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L = \frac1N \sum_{n,i} [\log(1 + e^{z_{ni}}) - y_{ni} z_{ni}]` from logits.

    This equals :math:`-\frac1N\sum [y \log\sigma(z) + (1-y)\log(1-\sigma(z))]`
    (eq-bce-logits), computed with ``logaddexp`` so it stays finite for any finite z.
    z, y of shape (N, k), y in [0, 1].
    """
    z, y = _pair(z, y, "binary_cross_entropy")
    return float(np.sum(np.logaddexp(0, z) - y * z) / z.shape[0])


def binary_cross_entropy_grad(z: ArrayLike, y: ArrayLike) -> Array:
    r"""Return :math:`\partial L/\partial z = (\sigma(z) - y)/N` (eq-bce-derivative); shape (N, k)."""
    z, y = _pair(z, y, "binary_cross_entropy_grad")
    return (sigmoid(z) - y) / z.shape[0]


def cross_entropy_value_and_grad(z: ArrayLike, y: ArrayLike) -> tuple[float, Array]:
    """Return ``(cross_entropy(z, y), cross_entropy_grad(z, y))``, sharing one softmax.

    With m = max z per row, e = exp(z - m) and S = sum e: softmax = e / S and
    log softmax = z - m - log S, so the exponentials are computed once.
    """
    return _cross_entropy_of_logits(_logits(z, "cross_entropy"), y)


def _output_cross_entropy(z: Array, y: ArrayLike) -> tuple[float, Array]:
    """The fused cross-entropy of a network's own output: a float array it computed
    (finite, or NaN and inf after divergence, which the value then shows), so it is
    not checked again; the targets are. Anything but (N, k) takes the checked road."""
    if z.ndim != 2 or z.shape[0] == 0:
        return cross_entropy_value_and_grad(z, y)
    return _cross_entropy_of_logits(z, y)


def _cross_entropy_of_logits(z: Array, y: ArrayLike) -> tuple[float, Array]:
    """cross_entropy_value_and_grad for logits z (N, k) already known to be an array."""
    # C order, so that the flat views below are views, not copies: with Fortran-ordered
    # or transposed logits, ravel() copied and the labels' -1/N was lost (issue #10).
    if not z.flags.c_contiguous:
        z = np.ascontiguousarray(z)
    N, k = z.shape
    rows = np.arange(N)
    shifted = z - z[rows, z.argmax(axis=1)][:, None]  # row maxima (argmax: faster than max on short rows)
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=1, keepdims=True)
    grad = np.divide(e, total * N, out=e)  # softmax / N, in e's memory (C order)
    y = _targets(z, y, "cross_entropy")
    if y.ndim == 1:  # labels: index instead of building one-hot rows
        picked = rows * k + y  # flat positions of the targets
        value = float(np.add.reduce(np.log(total).ravel() - shifted.ravel()[picked])) / N
        grad.ravel()[picked] -= 1 / N
    else:
        mass = y.sum(axis=1, keepdims=True)  # 1 for probability rows (see cross_entropy_grad)
        value = float(np.sum(y * (np.log(total) - shifted))) / N
        grad *= mass
        grad -= y / N
    return value, grad


@dataclass(frozen=True)
class Loss:
    """A loss with its gradient: ``value(a, y) -> float``, ``grad(a, y) -> dL/da``.

    ``fused``, when given, returns both at once, sharing the work; ``of_output``, when
    given, does the same for a network's own output, which it does not check again
    (:meth:`Network.loss_and_grads <backprop.core.network.Network.loss_and_grads>`).
    """

    name: str
    value: Callable[[ArrayLike, ArrayLike], float]
    grad: Callable[[ArrayLike, ArrayLike], Array]
    fused: Callable[[ArrayLike, ArrayLike], tuple[float, Array]] | None = None
    of_output: Callable[[Array, ArrayLike], tuple[float, Array]] | None = None

    def value_and_grad(self, a: ArrayLike, y: ArrayLike) -> tuple[float, Array]:
        """Return ``(value(a, y), grad(a, y))``."""
        if self.fused is not None:
            return self.fused(a, y)
        return self.value(a, y), self.grad(a, y)

    def output_value_and_grad(self, a: Array, y: ArrayLike) -> tuple[float, Array]:
        """``value_and_grad`` for ``a``, an array a network computed (y still checked)."""
        if self.of_output is not None:
            return self.of_output(a, y)
        return self.value_and_grad(a, y)

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {
    "half_sse": Loss("half_sse", half_sse, half_sse_grad),
    "mse": Loss("mse", mse, mse_grad),
    "sequence_half_sse": Loss("sequence_half_sse", sequence_half_sse, sequence_half_sse_grad),
    "cross_entropy": Loss("cross_entropy", cross_entropy, cross_entropy_grad,
                          cross_entropy_value_and_grad, _output_cross_entropy),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", binary_cross_entropy, binary_cross_entropy_grad
    ),
}


def get_loss(name: str | Loss) -> Loss:
    """Return the loss called ``name`` (or ``name`` itself if it is one)."""
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"get_loss: loss must be a name (str) or a Loss, got {type(name).__name__}")
    if name not in LOSSES:
        raise ValueError(f"get_loss: unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[name]
