r"""A simple tanh recurrent layer and backpropagation through time.

Chapter: :doc:`chapters/19_recurrent`. Rows are examples: a batch of
sequences ``X`` has shape (N, T, n), the states ``H`` have shape (N, T, m),
and one step is

.. math:: z_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = \tanh(z_t)

with :math:`x_t` (N, n), :math:`h_t` (N, m), :math:`W_x` (n, m),
:math:`W_h` (m, m), :math:`b` (m,) (equation eq-rnn-forward). The same
weights serve every step, so their gradients are sums over the steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_rng, positive_finite

Array = NDArray[np.float64]


class RNN:
    """A tanh RNN layer: ``forward`` runs a sequence, ``backward`` runs BPTT.

    ``forward(X, h0)`` caches the inputs and states; ``backward(grad_H, k)``
    reads them, sets ``grad_W_x``, ``grad_W_h``, ``grad_b`` (in place, as
    Dense does, so a ``grads`` list taken earlier sees them), ``grad_h0``
    and ``delta`` (dL/dz_t, the error at the weighted input z_t, shape
    (N, T, m)) and returns dL/dX. Called
    before ``forward`` it raises ``RuntimeError``. The layer owns copies of
    its parameters.
    """

    def __init__(self, W_x: ArrayLike, W_h: ArrayLike, b: ArrayLike):
        W_x = as_float_array(W_x, "W_x", "RNN", ndim=2, shape="(n, m)")
        m = W_x.shape[1]
        W_h = as_float_array(W_h, "W_h", "RNN", ndim=2, shape=f"({m}, {m})")
        b = as_float_array(b, "b", "RNN", ndim=1, shape=f"({m},)")
        if W_h.shape != (m, m):
            raise ValueError(f"RNN: W_h has shape {W_h.shape}, expected "
                             f"({m}, {m}) for W_x of shape {W_x.shape}")
        if b.shape != (m,):
            raise ValueError(f"RNN: b has shape {b.shape}, expected ({m},)")
        self.W_x = np.array(W_x, dtype=np.float64)
        self.W_h = np.array(W_h, dtype=np.float64)
        self.b = np.array(b, dtype=np.float64)
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
    def params(self) -> list[Array]:
        return [self.W_x, self.W_h, self.b]

    @property
    def grads(self) -> list[Array]:
        return [self.grad_W_x, self.grad_W_h, self.grad_b]

    def __repr__(self) -> str:
        n, m = self.W_x.shape
        return f"RNN(n={n}, m={m})"

    def forward(self, X: ArrayLike, h0: ArrayLike | None = None) -> Array:
        r"""Return the states H, (N, T, m), of
        :math:`h_t = \tanh(x_t W_x + h_{t-1} W_h + b)` (eq-rnn-forward).

        X: (N, T, n); h0: (N, m), zeros when None.
        """
        n, m = self.W_x.shape
        X = as_float_array(X, "X", "RNN.forward", ndim=3, shape=f"(N, T, {n})")
        N, T, n_in = X.shape
        if n_in != n or T == 0:
            raise ValueError(f"RNN.forward: X has shape {X.shape}, expected "
                             f"(N, T, {n}) with T >= 1")
        if h0 is None:
            h0 = np.zeros((N, m))
        h0 = as_float_array(h0, "h0", "RNN.forward", ndim=2,
                            shape=f"({N}, {m})")
        if h0.shape != (N, m):
            raise ValueError(f"RNN.forward: h0 has shape {h0.shape}, "
                             f"expected ({N}, {m})")
        XW = X @ self.W_x + self.b                  # all input terms at once
        H = np.empty((N, T, m))
        h = h0
        for t in range(T):
            h = np.tanh(XW[:, t] + h @ self.W_h)    # (eq-rnn-forward)
            H[:, t] = h
        self._cache = (X, np.array(h0, dtype=np.float64), H)
        return H

    def backward(self, grad_H: ArrayLike, k: int | None = None) -> Array:
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
        """
        if self._cache is None:
            raise RuntimeError("RNN.backward: call forward first")
        X, h0, H = self._cache
        grad_H = as_float_array(grad_H, "grad_H", "RNN.backward", ndim=3,
                                shape=f"{H.shape}")
        if grad_H.shape != H.shape:
            raise ValueError(f"RNN.backward: grad_H has shape {grad_H.shape},"
                             f" expected {H.shape}")
        if k is not None and (isinstance(k, bool) or not isinstance(
                k, int | np.integer) or k < 1):
            raise ValueError(f"RNN.backward: k must be an int >= 1 or None, "
                             f"got {k!r}")
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
        return delta @ self.W_x.T


def _global_norm(grads: Sequence[NDArray]) -> float:
    """sqrt(sum of squares of all entries), as s * ||g / s|| with s the
    largest entry: no overflow or underflow. NaN if an entry is not finite."""
    scale = max(float(np.max(np.abs(g), initial=0.0)) for g in grads)
    if not np.isfinite(scale):
        return float("nan")
    if scale == 0.0:
        return 0.0
    return scale * float(np.sqrt(sum(np.sum((g / scale) ** 2)
                                     for g in grads)))


def clip_to_norm(grads: Sequence[NDArray], max_norm: float) -> float:
    r"""Scale the arrays in place by :math:`\min(1, c/\|g\|)`; return
    :math:`\|g\|`, the global norm before clipping.

    :math:`\|g\| = \sqrt{\sum_i \|g_i\|_F^2}` over all arrays together,
    computed as :math:`s\,\|g/s\|` with s the largest entry, so it neither
    overflows nor underflows; c = ``max_norm`` > 0. The direction of g is
    kept and :math:`\|\hat g\| = \min(\|g\|, c)`.
    """
    positive_finite(max_norm, "max_norm", "clip_to_norm")
    if len(grads) == 0:
        raise ValueError("clip_to_norm: grads is empty")
    for i, g in enumerate(grads):
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
            raise TypeError(f"clip_to_norm: grads[{i}] must be a float "
                            f"NumPy array (scaled in place)")
    norm = _global_norm(grads)
    if not np.isfinite(norm):
        raise ValueError("clip_to_norm: a gradient contains NaN or inf")
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


def train_sequence_regression(
    rnn: RNN, V: Array, c: Array, X: ArrayLike, Y: ArrayLike, eta: float,
    steps: int, batch_size: int, rng: np.random.Generator | int,
    max_norm: float | None = None, k: int | None = None,
) -> tuple[Array, Array]:
    r"""SGD on :math:`L = \frac{1}{2NT}\sum_{n,t}\|h_t V + c - y_t\|^2`.

    X: (N_all, T, n) inputs, Y: (N_all, T, p) targets, V: (m, p) and
    c: (p,) a linear read-out at every step, updated in place with the
    RNN's parameters. Each step draws ``batch_size`` sequences, runs BPTT
    (truncated to k if given), clips the global norm of all gradients to
    ``max_norm`` if given (:func:`clip_to_norm`) and takes
    :math:`\theta \leftarrow \theta - \eta\,\hat g`. Returns the batch loss
    and the gradient norm before clipping, one entry per step; training
    stops at the first step whose loss is not finite (returned as NaN/inf).
    ``eta`` must be positive and finite; ``max_norm`` None means no clipping,
    else it must be positive and finite (0 raises); an int ``rng`` is a seed.
    """
    where = "train_sequence_regression"
    positive_finite(eta, "eta", where)
    positive_finite(max_norm, "max_norm", where, optional=True)
    rng = as_rng(rng, where)
    X = as_float_array(X, "X", "train_sequence_regression", ndim=3)
    Y = as_float_array(Y, "Y", "train_sequence_regression", ndim=3)
    m = rnn.W_h.shape[0]
    if V.ndim != 2 or V.shape[0] != m or c.shape != (V.shape[1],):
        raise ValueError(f"train_sequence_regression: V has shape {V.shape} "
                         f"and c {c.shape}, expected ({m}, p) and (p,)")
    if Y.shape != (*X.shape[:2], V.shape[1]):
        raise ValueError(f"train_sequence_regression: Y has shape {Y.shape},"
                         f" expected {(*X.shape[:2], V.shape[1])}")
    losses, norms = np.full(steps, np.nan), np.full(steps, np.nan)
    for step in range(steps):
        rows = rng.choice(len(X), size=batch_size, replace=False)
        with np.errstate(over="ignore", invalid="ignore"):
            H = rnn.forward(X[rows])
            err = H @ V + c - Y[rows]               # (B, T, p)
            losses[step] = 0.5 * np.mean(np.sum(err**2, axis=2))
        if not np.isfinite(losses[step]):           # diverged: stop here
            return losses[:step + 1], norms[:step + 1]
        g_out = err / (batch_size * X.shape[1])     # dL/d(output)
        rnn.backward(g_out @ V.T, k)
        grad_V = np.einsum("ntj,ntp->jp", H, g_out)
        grad_c = g_out.sum(axis=(0, 1))
        grads = [*rnn.grads, grad_V, grad_c]
        norms[step] = (clip_to_norm(grads, max_norm) if max_norm is not None
                       else _global_norm(grads))
        for p, g in zip([*rnn.params, V, c], grads, strict=True):
            p -= eta * g                            # SGD
    return losses, norms
