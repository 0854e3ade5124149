r"""A simple tanh recurrent layer and backpropagation through time.

Chapter: :doc:`chapters/19_recurrent`. Rows are examples: a batch of
sequences ``X`` has shape (N, T, n), the states ``H`` have shape (N, T, m),
and one step is

.. math:: z_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = \tanh(z_t)

with :math:`x_t` (N, n), :math:`h_t` (N, m), :math:`W_x` (n, m),
:math:`W_h` (m, m), :math:`b` (m,) (equation eq-rnn-forward). The same
weights serve every step, so their gradients are sums over the steps.
:class:`Readout` maps every state to a prediction; a
:class:`~backprop.core.network.Network` of the two trains with the one loop.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_int, same_dtype
from ..core.layer import Layer

Array = NDArray[np.floating]


class RNN(Layer):
    """A tanh RNN layer: ``forward`` runs a sequence, ``backward`` runs BPTT.

    ``forward(X, h0)`` caches the inputs and states; ``backward(grad_H, k)``
    reads them, sets ``grad_W_x``, ``grad_W_h``, ``grad_b`` (in place, as
    Dense does, so a ``grads`` list taken earlier sees them), ``grad_h0``
    and ``delta`` (dL/dz_t, the error at the weighted input z_t, shape
    (N, T, m)) and returns dL/dX. Called
    before ``forward`` it raises ``RuntimeError``. The layer owns copies of
    its parameters, in their dtype (float64 unless given float32). ``k``: the
    truncation backward uses when not told (None: full BPTT).
    It follows the layer protocol (:mod:`backprop.core.layer`).
    """

    param_names = ("W_x", "W_h", "b")
    cache_fields = ("X", "h0", "H")

    def __init__(self, W_x: ArrayLike, W_h: ArrayLike, b: ArrayLike):
        W_x = as_float_array(W_x, "W_x", "RNN", ndim=2, shape="(n, m)")
        m = W_x.shape[1]
        W_h = as_float_array(W_h, "W_h", "RNN", ndim=2, shape=f"({m}, {m})",
                             dtype=W_x.dtype)
        b = as_float_array(b, "b", "RNN", ndim=1, shape=f"({m},)", dtype=W_x.dtype)
        if W_h.shape != (m, m):
            raise ValueError(f"RNN: W_h has shape {W_h.shape}, expected "
                             f"({m}, {m}) for W_x of shape {W_x.shape}")
        if b.shape != (m,):
            raise ValueError(f"RNN: b has shape {b.shape}, expected ({m},)")
        for name, value in (("W_h", W_h), ("b", b)):
            same_dtype(value, W_x, name, "RNN")
        self.W_x, self.W_h, self.b = np.array(W_x), np.array(W_h), np.array(b)
        self.k: int | None = None
        self.grad_W_x = np.zeros_like(self.W_x)
        self.grad_W_h = np.zeros_like(self.W_h)
        self.grad_b = np.zeros_like(self.b)
        self.grad_h0: Array | None = None
        self.delta: Array | None = None
        self._cache: tuple[Array, Array, Array] | None = None

    @classmethod
    def init(cls, n: int, m: int, rng: np.random.Generator,
             rho: float = 1.0) -> RNN:
        r"""Return a layer with :math:`W_x \sim N(0, 1/n)`, b = 0 and
        :math:`W_h \sim N(0, \rho^2/m)`, whose spectral radius is close to
        ``rho`` for large m (the circular law)."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"RNN.init: rng must be a numpy Generator, got "
                            f"{type(rng).__name__}")
        W_x = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, m))
        W_h = rng.normal(0.0, rho / np.sqrt(m), size=(m, m))
        return cls(W_x, W_h, np.zeros(m))

    @property
    def in_shape(self) -> tuple[None, int]:
        return (None, self.W_x.shape[0])

    @property
    def out_shape(self) -> tuple[None, int]:
        return (None, self.W_x.shape[1])

    def __repr__(self) -> str:
        n, m = self.W_x.shape
        return f"RNN(n={n}, m={m})"

    def forward(self, X: ArrayLike, h0: ArrayLike | None = None) -> Array:
        r"""Return the states H, (N, T, m), of
        :math:`h_t = \tanh(x_t W_x + h_{t-1} W_h + b)` (eq-rnn-forward).

        X: (N, T, n); h0: (N, m), zeros when None.
        """
        n, m = self.W_x.shape
        X = as_float_array(X, "X", "RNN.forward", ndim=3, shape=f"(N, T, {n})",
                           dtype=self.W_x.dtype)
        same_dtype(X, self.W_x, "X", "RNN.forward")
        N, T, n_in = X.shape
        if n_in != n or T == 0:
            raise ValueError(f"RNN.forward: X has shape {X.shape}, expected "
                             f"(N, T, {n}) with T >= 1")
        if h0 is None:
            h0 = np.zeros((N, m), dtype=X.dtype)
        h0 = as_float_array(h0, "h0", "RNN.forward", ndim=2,
                            shape=f"({N}, {m})", dtype=X.dtype)
        if h0.shape != (N, m):
            raise ValueError(f"RNN.forward: h0 has shape {h0.shape}, "
                             f"expected ({N}, {m})")
        XW = X @ self.W_x + self.b                  # all input terms at once
        H = np.empty((N, T, m), dtype=X.dtype)
        h = h0
        for t in range(T):
            h = np.tanh(XW[:, t] + h @ self.W_h)    # (eq-rnn-forward)
            H[:, t] = h
        self._cache = (X, np.array(h0, dtype=X.dtype), H)
        return H

    def backward(self, grad_H: ArrayLike, k: int | None = None,
                 input_grad: bool = True) -> Array | None:
        r"""Back-propagate through time; return dL/dX, shape (N, T, n).

        grad_H: (N, T, m), the direct gradients :math:`g_t = \partial
        \ell_t/\partial h_t` of the loss terms (carrying the batch's 1/N).
        Full BPTT (k None) runs the recursion eq-rnn-delta,
        :math:`\delta_t = (\delta_{t+1} W_h^\top + g_t) \odot (1 - h_t^2)`,
        :math:`\delta_{T+1} = 0`. Truncated BPTT (k >= 1) lets each
        :math:`g_t` travel back at most k steps, to :math:`a_{t-k+1}`
        (eq-rnn-truncated); k >= T is the full gradient. Then
        (eq-rnn-grads) :math:`\partial L/\partial W_x = \sum_t x_t^\top
        \delta_t`, :math:`\partial L/\partial W_h = \sum_t h_{t-1}^\top
        \delta_t`, :math:`\partial L/\partial b = \sum_t 1^\top \delta_t`,
        :math:`\partial L/\partial x_t = \delta_t W_x^\top`,
        :math:`\partial L/\partial h_0 = \delta_1 W_h^\top`.
        ``k`` None: the layer's own ``k``. dL/dX is None unless ``input_grad``.
        """
        if self._cache is None:
            raise RuntimeError("RNN.backward: call forward first")
        X, h0, H = self._cache
        grad_H = as_float_array(grad_H, "grad_H", "RNN.backward", ndim=3,
                                shape=f"{H.shape}")
        if grad_H.shape != H.shape:
            raise ValueError(f"RNN.backward: grad_H has shape {grad_H.shape},"
                             f" expected {H.shape}")
        k = self.k if k is None else k
        if k is not None:
            as_int(k, "k", "RNN.backward", least=1)  # or None
        grad_H = grad_H.astype(H.dtype, copy=False)  # the dtype rule
        slope = 1.0 - H**2                          # tanh'(z_t), (N, T, m)
        T = H.shape[1]
        delta = np.zeros_like(H)
        if k is None or k >= T:
            d = np.zeros_like(h0)
            for t in reversed(range(T)):            # (eq-rnn-delta)
                d = (d @ self.W_h.T + grad_H[:, t]) * slope[:, t]
                delta[:, t] = d
        else:                                       # (eq-rnn-truncated)
            for t in range(T):                      # the loss term at t
                d = grad_H[:, t] * slope[:, t]
                for s in range(t, max(t - k, -1), -1):
                    delta[:, s] += d
                    if s > 0:
                        d = (d @ self.W_h.T) * slope[:, s - 1]
        H_prev = np.concatenate([h0[:, None], H[:, :-1]], axis=1)
        self.delta = delta                          # (eq-rnn-grads), in place:
        self.grad_W_x[...] = np.einsum("ntj,ntk->jk", X, delta)
        self.grad_W_h[...] = np.einsum("ntj,ntk->jk", H_prev, delta)
        self.grad_b[...] = delta.sum(axis=(0, 1))
        self.grad_h0 = delta[:, 0] @ self.W_h.T
        return delta @ self.W_x.T if input_grad else None


class Readout(Layer):
    r"""A linear read-out at every step: :math:`\hat y_t = h_t V + c`.

    H (N, T, m), V (m, p), c (p,) -> (N, T, p). ``backward`` sets
    :math:`\partial L/\partial V = \sum_t h_t^\top g_t`,
    :math:`\partial L/\partial c = \sum_t 1^\top g_t` and returns
    :math:`g_t V^\top` for g = dL/d(output). It follows the layer protocol.
    """

    param_names = ("V", "c")
    cache_fields = ("H",)

    def __init__(self, V: ArrayLike, c: ArrayLike):
        V = as_float_array(V, "V", "Readout", ndim=2, shape="(m, p)")
        c = as_float_array(c, "c", "Readout", ndim=1, shape=f"({V.shape[1]},)",
                           dtype=V.dtype)
        if c.shape != (V.shape[1],):
            raise ValueError(f"Readout: c has shape {c.shape}, expected "
                             f"({V.shape[1]},) for V of shape {V.shape}")
        same_dtype(c, V, "c", "Readout")
        self.V, self.c = np.array(V), np.array(c)
        self.grad_V, self.grad_c = np.zeros_like(self.V), np.zeros_like(self.c)
        self._cache: tuple[Array] | None = None

    @property
    def in_shape(self) -> tuple[None, int]:
        return (None, self.V.shape[0])

    @property
    def out_shape(self) -> tuple[None, int]:
        return (None, self.V.shape[1])

    def forward(self, H: ArrayLike) -> Array:
        m = self.V.shape[0]
        H = as_float_array(H, "H", "Readout.forward", ndim=3, shape=f"(N, T, {m})",
                           dtype=self.V.dtype)
        same_dtype(H, self.V, "H", "Readout.forward")
        if H.shape[2] != m:
            raise ValueError(f"Readout.forward: H has shape {H.shape}, expected "
                             f"(N, T, {m})")
        self._cache = (H,)
        return H @ self.V + self.c

    def backward(self, grad: ArrayLike, input_grad: bool = True) -> Array | None:
        if self._cache is None:
            raise RuntimeError("Readout.backward called before forward")
        (H,) = self._cache
        expected = (*H.shape[:2], self.V.shape[1])
        grad = as_float_array(grad, "grad", "Readout.backward", dtype=self.V.dtype)
        grad = grad.astype(self.V.dtype, copy=False)  # the dtype rule
        if grad.shape != expected:
            raise ValueError(f"Readout.backward: grad has shape {grad.shape}, "
                             f"expected {expected}")
        self.grad_V[...] = np.einsum("ntj,ntp->jp", H, grad)
        self.grad_c[...] = grad.sum(axis=(0, 1))
        return grad @ self.V.T if input_grad else None

    def __repr__(self) -> str:
        m, p = self.V.shape
        return f"Readout(m={m}, p={p})"
