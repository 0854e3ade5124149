r"""Hessian-vector products of an MLP's loss by forward-over-reverse.

For a direction v in parameter space, the R-operator
:math:`R\{f\} = \frac{d}{d\epsilon} f(\theta + \epsilon v)|_{\epsilon=0}`
is pushed through the forward pass and the backward pass (Pearlmutter 1994);
applied to the gradient it gives :math:`Hv` at the cost of a few gradients,
without forming H. Shapes (rows are examples): X (N, n_0),
W^l (n_{l-1}, n_l), b^l (n_l,), Z^l, A^l, delta^l (N, n_l).
Flat vectors follow ``MLP.flat_params``: W^1 (C order), b^1, W^2, b^2, ...
Chapter: :doc:`chapters/17_second_derivatives`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_labels
from ..core.activations import ACTIVATIONS
from ..core.dense import Dense
from ..core.losses import Loss, get_loss
from ..core.network import MLP

Array = NDArray[np.float64]
SUPPORTED_LOSSES = ("half_sse", "mse", "cross_entropy", "binary_cross_entropy")


def g_prime_second(name: str, z: Array, a: Array) -> tuple[Array, Array]:
    r"""Return :math:`(g'(z), g''(z))` for activation ``name``; z's shape.

    :math:`\sigma'' = \sigma'(1 - 2\sigma)`,
    :math:`\tanh'' = -2\tanh\,(1 - \tanh^2)`
    (eq-g-second); identity and ReLU have :math:`g'' = 0` (ReLU: away from 0).
    ``a`` = g(z) (N, n), reused. The softmax acts on rows, not entry by
    entry: :func:`r_pass` treats it with :func:`softmax_jvp`.
    """
    if name == "identity":
        return np.ones_like(z), np.zeros_like(z)
    if name == "sigmoid":
        d = a * (1 - a)
        return d, d * (1 - 2 * a)
    if name == "tanh":
        d = 1 - a * a
        return d, -2 * a * d
    if name == "relu":
        return (z > 0).astype(z.dtype), np.zeros_like(z)
    raise ValueError(
        f"g_prime_second: activation {name!r} is not supported; choose "
        "identity, sigmoid, tanh or relu (the softmax acts on rows: "
        "see softmax_jvp)")


def softmax_jvp(s: Array, r: Array) -> Array:
    r"""Return :math:`R\{s\} = s \odot (R\{z\} - (s \cdot R\{z\})\mathbf 1)`.

    Row by row, the directional derivative of s = softmax(z) along
    r = R{z} (eq-softmax-rop); s, r (N, k) -> (N, k). It is J r with
    J = diag(s) - s s^T, without forming J.
    """
    return s * (r - np.sum(s * r, axis=-1, keepdims=True))


def _softmax_delta_r(s: Array, r_s: Array, G: Array, RG: Array):
    r"""Return (delta, R{delta}) of a softmax layer, all (N, k).

    :math:`\delta = s \odot (G - (G\cdot s)\mathbf 1)` row by row (the
    vector-Jacobian product), and by the product rule
    :math:`R\{\delta\} = R\{s\}\odot(G - (G\cdot s)\mathbf 1)
    + s\odot(R\{G\} - (R\{G\}\cdot s + G\cdot R\{s\})\mathbf 1)`.
    """
    centred = G - np.sum(G * s, axis=-1, keepdims=True)
    r_dot = np.sum(RG * s + G * r_s, axis=-1, keepdims=True)
    return s * centred, r_s * centred + s * (RG - r_dot)


class RPass(NamedTuple):
    """The gradient and H v, with the R{.} of every layer."""

    grad: Array           # (P,) the gradient, flat
    hvp: Array            # (P,) H v, flat
    r_a: list[Array]      # R{A^l}, l = 1..L, each (N, n_l)
    delta: list[Array]    # delta^l = dL/dZ^l, l = 1..L
    r_delta: list[Array]  # R{delta^l}


def _targets(loss: str, shape: tuple[int, int], Y: ArrayLike) -> Array:
    """Y checked as ``MLP.loss_and_grads`` checks it: no broadcast, finite.

    Cross-entropy labels (N,) become one-hot rows; otherwise Y must have
    the output's shape (N, k).
    """
    N, k = shape
    Y = np.asarray(Y)
    if loss == "cross_entropy" and Y.ndim == 1:
        return np.eye(k)[as_labels(Y, N, k, "Y", "hvp")]
    expected = f"{shape}, the shape of the output"
    if loss == "cross_entropy":
        expected = f"({N},) labels or {shape} rows"
    Y = as_float_array(Y, "Y", "hvp", ndim=2, shape=expected)
    if Y.shape != shape:
        raise ValueError(f"hvp: Y has shape {Y.shape}, expected {expected}")
    return Y


def _loss_r(loss: str, out: Array, r_out: Array, Y: Array):
    r"""Return :math:`G^L = \partial L/\partial A^L` and :math:`R\{G^L\}`.

    ``out`` = A^L (N, k), which the two cross-entropies read as logits;
    the output layer's g' and g'' enter afterwards, in the backward pass.
    """
    N = out.shape[0]
    if loss == "half_sse":
        return (out - Y) / N, r_out / N
    if loss == "mse":
        return 2 * (out - Y) / out.size, 2 * r_out / out.size
    if loss == "cross_entropy":  # (mass * softmax(out) - y)/N
        s = ACTIVATIONS["softmax"].f(out)
        mass = Y.sum(axis=1, keepdims=True)
        return (mass * s - Y) / N, mass * softmax_jvp(s, r_out) / N
    s = ACTIVATIONS["sigmoid"].f(out)  # binary_cross_entropy from logits: (sigma - y)/N
    return (s - Y) / N, s * (1 - s) * r_out / N


def r_pass(net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss,
           v: ArrayLike) -> RPass:
    r"""Forward-over-reverse: the gradient and :math:`Hv` of ``net``'s loss.

    Forward (eq-rop-forward): :math:`Z^l = A^{l-1}W^l + \mathbf 1 b^l`,
    :math:`R\{Z^l\} = R\{A^{l-1}\}W^l + A^{l-1}V_W^l + \mathbf 1 V_b^l`,
    :math:`R\{A^l\} = g'(Z^l)\odot R\{Z^l\}`, :math:`R\{A^0\} = 0`.
    Backward (eq-rop-backward), with :math:`G^l = \partial L/\partial A^l`,
    from :math:`G^L` of the loss through every layer, the output included:
    :math:`R\{\delta^l\} = g''(Z^l)\odot R\{Z^l\}\odot G^l
    + g'(Z^l)\odot R\{G^l\}`,
    :math:`R\{G^{l-1}\} = R\{\delta^l\}W^{l\top} + \delta^l V_W^{l\top}`.
    Gradients (eq-rop-grads):
    :math:`R\{\nabla_{W^l}\} = R\{A^{l-1}\}^\top\delta^l
    + A^{l-1\top}R\{\delta^l\}`,
    :math:`R\{\nabla_{b^l}\} = \mathbf 1^\top R\{\delta^l\}`.
    A softmax layer acts on rows: :math:`R\{A^l\}` by :func:`softmax_jvp`,
    :math:`\delta^l` and :math:`R\{\delta^l\}` by the product rule on its
    vector-Jacobian product. Y is checked as ``MLP.loss_and_grads`` checks
    it (same shape as the output, finite; cross-entropy also takes labels).
    X (N, n_0), Y as the loss takes it, v (P,) -> grad, hvp (P,).
    """
    X, Y, loss, V = _checked(net, X, Y, loss, v)
    # forward pass and its R{.}                            (eq-rop-forward)
    A, RA, Z, RZ = [X], [np.zeros_like(X)], [], []
    for layer, (VW, Vb) in zip(net.layers, V, strict=True):
        z = A[-1] @ layer.W + layer.b
        rz = RA[-1] @ layer.W + A[-1] @ VW + Vb
        a = layer.g.f(z)
        if layer.g.name == "softmax":
            ra = softmax_jvp(a, rz)                        # (eq-softmax-rop)
        else:
            ra = g_prime_second(layer.g.name, z, a)[0] * rz
        Z.append(z)
        RZ.append(rz)
        A.append(a)
        RA.append(ra)
    # the loss and its R{.}: G^L = dL/dA^L, whatever the output activation
    G, RG = _loss_r(loss, A[-1], RA[-1], Y)
    L = len(net.layers)
    grads, hvps = [None] * L, [None] * L
    deltas, r_deltas = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):  # backward and its R{.} (eq-rop-backward)
        layer, (VW, _) = net.layers[l], V[l]
        if layer.g.name == "softmax":
            delta, r_delta = _softmax_delta_r(A[l + 1], RA[l + 1], G, RG)
        else:
            d1, d2 = g_prime_second(layer.g.name, Z[l], A[l + 1])
            delta = d1 * G                                 # (BP2)
            r_delta = d2 * RZ[l] * G + d1 * RG
        deltas[l], r_deltas[l] = delta, r_delta
        grads[l] = (A[l].T @ delta, delta.sum(axis=0))     # (BP4), (BP3)
        hvps[l] = (RA[l].T @ delta + A[l].T @ r_delta,     # (eq-rop-grads)
                   r_delta.sum(axis=0))
        if l > 0:
            G, RG = delta @ layer.W.T, r_delta @ layer.W.T + delta @ VW.T
    flat = [np.concatenate([p.ravel() for pair in x for p in pair])
            for x in (grads, hvps)]
    return RPass(flat[0], flat[1], RA[1:], deltas, r_deltas)


def _checked(net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss, v: ArrayLike):
    """r_pass's arguments checked; v split like the parameters, [(V_W^l, V_b^l)]."""
    if not isinstance(net, MLP):
        raise TypeError(f"hvp: net must be an MLP, got {type(net).__name__}")
    for l, layer in enumerate(net.layers, start=1):
        if not isinstance(layer, Dense):
            raise TypeError(f"hvp: layer {l} is a {type(layer).__name__}; the R-operator "
                            "here is written for dense layers only")
    if net.flat_params.dtype != np.float64:
        raise TypeError("hvp: the network must be float64, got "
                        f"{net.flat_params.dtype}")
    loss = get_loss(loss).name
    if loss not in SUPPORTED_LOSSES:
        raise ValueError(f"hvp: loss {loss!r} is not supported")
    n_0 = net.layers[0].W.shape[0]
    X = as_float_array(X, "X", "hvp", ndim=2, shape=f"(N, {n_0})")
    if X.shape[1] != n_0:
        raise ValueError(f"hvp: X has shape {X.shape}, expected (N, {n_0})")
    P = net.flat_params.size
    v = as_float_array(v, "v", "hvp", ndim=1, shape=f"({P},)")
    if v.shape != (P,):
        raise ValueError(f"hvp: v has shape {v.shape}, expected ({P},)")
    for layer in net.layers:
        if layer.g.name != "softmax":  # softmax: by rows, in r_pass
            g_prime_second(layer.g.name, np.zeros(1), np.zeros(1))
    Y = _targets(loss, (X.shape[0], net.layers[-1].W.shape[1]), Y)
    V, offset = [], 0  # split v like the parameters: V_W^l, V_b^l
    for layer in net.layers:
        parts = []
        for p in layer.params:
            parts.append(v[offset:offset + p.size].reshape(p.shape))
            offset += p.size
        V.append(parts)
    return X, Y, loss, V


def hvp(net: MLP, X: ArrayLike, Y: ArrayLike, loss: str | Loss,
        v: ArrayLike) -> Array:
    r"""Return :math:`Hv = \frac{d}{d\epsilon}
    \nabla\mathcal L(\theta + \epsilon v)|_{\epsilon = 0}` (eq-hvp).

    One forward-over-reverse pass; v (P,) -> Hv (P,)."""
    return r_pass(net, X, Y, loss, v).hvp


def hessian(net: MLP, X: ArrayLike, Y: ArrayLike,
            loss: str | Loss) -> Array:
    r"""Return the Hessian, (P, P), one HVP per column: column j is H e_j.

    :math:`H_{ij} = \partial^2\mathcal L/\partial\theta_i\partial\theta_j`.
    """
    if not isinstance(net, MLP):
        raise TypeError(
            f"hessian: net must be an MLP, got {type(net).__name__}")
    P = net.flat_params.size
    return np.column_stack([hvp(net, X, Y, loss, e) for e in np.eye(P)])
