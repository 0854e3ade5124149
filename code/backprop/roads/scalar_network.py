"""The MLP rebuilt from scalar :class:`~backprop.roads.engine.Value` nodes, one per number.

It computes exactly what :class:`~backprop.core.network.MLP` computes, one multiplication at
a time, so its gradients can be compared with the matrix form of the three equations.
Chapter: :doc:`chapters/11_graphs`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array
from ..core.network import MLP
from .engine import Value

_ACTIVATIONS = {"identity": lambda v: v, "sigmoid": Value.sigmoid, "tanh": Value.tanh, "relu": Value.relu}


class ScalarMLP:
    """A copy of ``net`` made of Values: ``W[l][k][j]`` and ``b[l][j]`` are leaves."""

    def __init__(self, net: MLP):
        if not isinstance(net, MLP):
            raise TypeError(f"ScalarMLP: net must be an MLP, got {type(net).__name__}")
        self.n_in, self.n_out = net.sizes[0], net.sizes[-1]
        self.activations = []
        for layer in net.layers:
            if layer.g.name not in _ACTIVATIONS:
                raise ValueError(f"ScalarMLP: activation {layer.g.name!r} is not supported")
            self.activations.append(_ACTIVATIONS[layer.g.name])
        self.W = [[[Value(float(w)) for w in row] for row in layer.W] for layer in net.layers]
        self.b = [[Value(float(v)) for v in layer.b] for layer in net.layers]

    def forward(self, x: ArrayLike) -> list[Value]:
        """Return the outputs for one example ``x`` of shape (n_0,): a^l_j = g(sum_k a_k W_kj + b_j)."""
        x = as_float_array(x, "x", "ScalarMLP.forward")
        if x.shape != (self.n_in,):
            raise ValueError(
                f"ScalarMLP.forward: x has shape {x.shape}, expected ({self.n_in},): one example"
            )
        a: list[Value | float] = [float(v) for v in x]
        for W, b, g in zip(self.W, self.b, self.activations, strict=True):
            a = [g(sum((a[k] * W[k][j] for k in range(len(W))), b[j])) for j in range(len(b))]
        return a

    def loss(self, X: ArrayLike, Y: ArrayLike, kind: str = "half_sse") -> Value:
        """The batch-mean loss as one Value: ``half_sse`` or ``cross_entropy`` (one-hot Y, logits)."""
        X = as_float_array(X, "X", "ScalarMLP.loss", ndim=2, shape=f"(N, {self.n_in})")
        expected = (X.shape[0], self.n_out)
        Y = as_float_array(Y, "Y", "ScalarMLP.loss", ndim=2, shape=str(expected))
        if X.shape[1] != self.n_in:
            raise ValueError(f"ScalarMLP.loss: X has shape {X.shape}, expected (N, {self.n_in})")
        if Y.shape != expected:
            raise ValueError(f"ScalarMLP.loss: Y has shape {Y.shape}, expected {expected}")
        total = Value(0.0)
        for x, y in zip(X, Y, strict=True):
            out = self.forward(x)
            if kind == "half_sse":
                total = total + sum(((o - t) ** 2 * 0.5 for o, t in zip(out, y, strict=True)), Value(0.0))
            elif kind == "cross_entropy":
                m = max(o.data for o in out)  # a constant shift: log-sum-exp without overflow
                lse = sum(((o - m).exp() for o in out), Value(0.0)).log() + m
                total = total + sum((lse - o) * t for o, t in zip(out, y, strict=True) if t)
            else:
                raise ValueError(f"ScalarMLP.loss: unknown loss {kind!r}")
        return total / len(X)

    @property
    def grads(self) -> list[NDArray[np.float64]]:
        """``[dL/dW^1, dL/db^1, ...]`` as arrays, in the order of :attr:`MLP.params`."""
        out = []
        for W, b in zip(self.W, self.b, strict=True):
            out.append(np.array([[w.grad for w in row] for row in W]))
            out.append(np.array([v.grad for v in b]))
        return out
