"""Residual connections, y = x + f(x).

Shapes (rows are examples): x, f(x), y (N, n); the branch f is a list of layers
mapping n units back to n (dense, batch norm, any layer of the protocol). Chapter:
:doc:`chapters/15_residual`. A :class:`~backprop.core.network.Network` holds
residual blocks beside plain layers; its ``input_gradients`` keeps the gradient as
it arrives at each of them. Clipping lives with the optimiser
(:func:`~backprop.core.optim.clip_by_global_norm`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array
from ..core.layer import Layer, compatible, refuse_sharing, set_training, training_of


class Residual(Layer):
    r"""A residual block :math:`y = x + f(x)`, f the branch layers in order.

    ``forward(x)`` returns x + f(x) for x (N, n), f(x) (N, n);
    ``backward(grad_y)`` returns
    :math:`\delta_x = \delta_y + \delta_y J_f` row by row (eq-residual-vjp):
    the upstream gradient itself plus what the branch passes back.
    Called before ``forward`` it raises ``RuntimeError``. ``params``/``grads``
    are the branch layers', in order; ``training`` sets the branch's mode.
    """

    cache_fields = ("shape",)

    def __init__(self, branch: Sequence[Layer]):
        if isinstance(branch, Layer):
            branch = [branch]
        if not branch or not all(isinstance(x, Layer) for x in branch):
            raise TypeError("Residual: branch must be a non-empty list of layers")
        refuse_sharing("Residual", [(f"branch layer {k}", x)
                                    for k, x in enumerate(branch, start=1)])
        shape_in, shape_out = branch[0].in_shape, branch[-1].out_shape
        if not compatible(shape_out, shape_in):
            raise ValueError(f"Residual: the branch maps examples of shape {shape_in} "
                             f"to {shape_out}; y = x + f(x) needs the same shape")
        self.branch = list(branch)
        self._cache: tuple[tuple[int, ...]] | None = None

    @property
    def sublayers(self) -> tuple[Layer, ...]:
        return tuple(self.branch)

    @property
    def training(self) -> bool:
        return training_of(self.branch)

    @training.setter
    def training(self, mode: bool) -> None:
        set_training(self.branch, mode)

    def forward(self, x: ArrayLike) -> NDArray:
        """Return x + f(x); x (N, n) -> (N, n). Each branch layer in its own mode."""
        x = as_float_array(x, "x", "Residual.forward", ndim=2, shape="(N, n)",
                           dtype=self.dtype or np.float64)
        fx = x
        for layer in self.branch:
            fx = layer.forward(fx)
        if fx.shape != x.shape:
            raise ValueError(f"Residual.forward: the branch maps x of shape "
                             f"{x.shape} to {fx.shape}; y = x + f(x) needs "
                             f"the same shape")
        self._cache = (x.shape,)
        return x + fx  # y = x + f(x)

    def backward(self, grad_y: ArrayLike,
                 input_grad: bool = True) -> NDArray | None:
        """Set the branch's grads from dL/dy (N, n); return dL/dx (N, n)."""
        if self._cache is None:
            raise RuntimeError("Residual.backward called before forward")
        grad_y = as_float_array(grad_y, "grad_y", "Residual.backward")
        if self.dtype is not None:  # the dtype rule: the branch's
            grad_y = grad_y.astype(self.dtype, copy=False)
        if grad_y.shape != self._cache[0]:
            raise ValueError(f"Residual.backward: grad_y has shape "
                             f"{grad_y.shape}, expected {self._cache[0]}")
        g = grad_y
        for layer in reversed(self.branch):
            g = layer.backward(g)  # delta_y J_f, through the branch
        return grad_y + g if input_grad else None  # (eq-residual-vjp)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(f"branch {k}: {name}" for k, layer in enumerate(self.branch, start=1)
                     for name in layer.param_names)

    @property
    def params(self) -> tuple[NDArray, ...]:
        return tuple(p for layer in self.branch for p in layer.params)

    @property
    def grads(self) -> tuple[NDArray, ...]:
        return tuple(g for layer in self.branch for g in layer.grads)

    @property
    def dtype(self):
        dtypes = [layer.dtype for layer in self.branch if layer.dtype is not None]
        return dtypes[0] if dtypes else None

    @property
    def in_shape(self) -> tuple:
        return self.branch[0].in_shape

    @property
    def out_shape(self) -> tuple:
        return self.branch[0].in_shape

    def bind(self, params: Sequence[NDArray], grads: Sequence[NDArray]) -> None:
        """Hand each branch layer its share of ``params`` and ``grads``, in order."""
        start = 0
        for layer in self.branch:
            stop = start + len(layer.params)
            layer.bind(params[start:stop], grads[start:stop])
            start = stop

    def __repr__(self) -> str:
        return f"Residual([{', '.join(map(repr, self.branch))}])"
