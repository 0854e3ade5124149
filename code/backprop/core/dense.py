"""A dense layer: z = x W + b, a = g(z); backward applies BP1/BP2 and the weight gradients.

Shapes (rows are examples): x (N, n_in), W (n_in, n_out), b (n_out,), z and a (N, n_out).
Chapter: :doc:`chapters/06_three_equations`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array
from .activations import Activation, get_activation
from .initialisation import init_weights
from .layer import Layer


class Dense(Layer):
    """A fully connected layer with activation ``g``.

    ``forward`` caches x, z, a; ``backward`` reads them, sets ``grad_W`` and ``grad_b``
    and returns dL/dx. Calling ``backward`` before ``forward`` raises ``RuntimeError``.

    The layer owns its parameters: ``W`` and ``b`` are copied in (C order, writable),
    so changing the arrays passed in later does not change the layer, nor the reverse.
    A layer holds one forward cache, so it can sit at one place in one
    :class:`~backprop.core.network.Network` only (weight sharing is refused).
    It follows the layer protocol (:mod:`backprop.core.layer`).
    """

    param_names = ("W", "b")
    cache_fields = ("x", "z", "a")

    def __init__(self, W: ArrayLike, b: ArrayLike, activation: str | Activation = "identity"):
        W = as_float_array(W, "W", "Dense", ndim=2, shape="(n_in, n_out)")
        b = as_float_array(b, "b", "Dense", ndim=1, shape=f"({W.shape[1]},) for W of shape {W.shape}",
                           dtype=W.dtype)
        if b.shape != (W.shape[1],):
            raise ValueError(f"Dense: b has shape {b.shape}, expected ({W.shape[1]},) for W {W.shape}")
        if b.dtype != W.dtype:
            raise TypeError(f"Dense: b has dtype {b.dtype} but W has dtype {W.dtype}")
        self.W, self.b = np.array(W, order="C"), np.array(b, order="C")  # copies
        self.g = get_activation(activation)
        self.grad_W = np.zeros_like(W)
        self.grad_b = np.zeros_like(b)
        self.delta: NDArray | None = None  # dL/dz from the last backward
        self._cache: tuple[NDArray, NDArray, NDArray] | None = None

    @classmethod
    def init(
        cls,
        n_in: int,
        n_out: int,
        rng: np.random.Generator,
        activation: str | Activation = "identity",
        scheme: str = "xavier",
        dtype=np.float64,
    ) -> Dense:
        """Return a layer with seeded weights (see :func:`backprop.core.initialisation.init_weights`)."""
        return cls(*init_weights(n_in, n_out, rng, scheme, dtype), activation)

    def forward(self, x: ArrayLike) -> NDArray:
        r"""Return :math:`a = g(xW + b)` (eq-forward-layer); x (N, n_in) -> a (N, n_out)."""
        x = as_float_array(x, "x", "Dense.forward", dtype=self.W.dtype)
        if x.ndim != 2 or x.shape[1] != self.W.shape[0]:
            raise ValueError(f"Dense.forward: x has shape {x.shape}, expected (N, {self.W.shape[0]})")
        if x.dtype != self.W.dtype:
            raise TypeError(f"Dense.forward: x has dtype {x.dtype} but W has dtype {self.W.dtype}")
        return self._forward(x)

    def _forward(self, x: NDArray) -> NDArray:
        """``forward`` for an input already checked (the previous layer's output)."""
        z = x @ self.W
        z += self.b
        a = self.g.f(z)  # unchecked: z is an array of W's dtype
        self._cache = (x, z, a)
        return a

    def backward(self, grad_a: ArrayLike, input_grad: bool = True) -> NDArray | None:
        r"""Set ``grad_W``, ``grad_b`` from dL/da and return dL/dx.

        :math:`\delta = \partial L/\partial z = g'(z) \odot \partial L/\partial a` (BP1/BP2),
        :math:`\partial L/\partial W = x^\top \delta` (BP4), :math:`\partial L/\partial b = \sum_n \delta_n`
        (BP3), :math:`\partial L/\partial x = \delta W^\top`. grad_a (N, n_out) -> (N, n_in).
        With ``input_grad=False`` (the first layer: nobody needs dL/dX) the last product,
        as costly as the forward pass, is skipped and None returned.
        """
        if self._cache is None:
            raise RuntimeError("Dense.backward called before forward")
        expected = self._cache[2].shape
        grad_a = as_float_array(grad_a, "grad_a", "Dense.backward", dtype=self.W.dtype)
        if grad_a.shape != expected:
            raise ValueError(f"Dense.backward: grad_a has shape {grad_a.shape}, expected {expected}")
        if grad_a.dtype != self.W.dtype:  # e.g. a float64 loss gradient for a float32 layer
            grad_a = grad_a.astype(self.W.dtype)
        return self._backward(grad_a, input_grad)

    def _backward(self, grad_a: NDArray, input_grad: bool = True):
        """``backward`` for a gradient already checked (the next layer's)."""
        x, z, a = self._cache
        delta = self.g.vjp(z, a, grad_a)  # (BP1) at the output, (BP2) inside
        np.matmul(x.T, delta, out=self.grad_W)  # (BP4)
        np.add.reduce(delta, axis=0, out=self.grad_b)  # (BP3): sum over rows
        self.delta = delta
        return delta @ self.W.T if input_grad else None

    @property
    def in_shape(self) -> tuple[int]:
        return (self.W.shape[0],)

    @property
    def out_shape(self) -> tuple[int]:
        return (self.W.shape[1],)

    def __repr__(self) -> str:
        n_in, n_out = self.W.shape
        return f"Dense({n_in} -> {n_out}, {self.g.name}, {self.W.dtype})"
