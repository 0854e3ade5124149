"""A multilayer perceptron: a stack of Dense layers, with forward and backward passes.

Chapter: :doc:`chapters/06_three_equations` (the L-layer algorithm as a loop).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array
from ..layers.batchnorm import BatchNorm
from .activations import Activation
from .dense import Dense
from .losses import Loss, get_loss


class MLP:
    """Layers ``l = 1..L`` applied in order: :math:`a^l = g^l(a^{l-1} W^l + b^l)`, :math:`a^0 = X`.

    All parameters live in one flat array, and all gradients in another: each layer's
    ``W``, ``b``, ``grad_W``, ``grad_b`` are views into them (the layers' arrays are
    copied in). Update them in place; an SGD step on ``flat_params`` updates them all.

    No weight sharing: each :class:`~backprop.core.dense.Dense` may appear once, in one
    network. The same layer twice in ``layers``, or a layer that already belongs to
    another (still existing) MLP, raises ``ValueError`` here, at construction: a layer
    keeps one forward cache and its arrays are views into one network's buffer, so
    sharing would silently give wrong gradients or stop the first network learning.
    For two networks with equal starting weights, build new layers from copies,
    ``Dense(layer.W.copy(), layer.b.copy(), layer.g)``.
    To build a network from layer sizes, use :meth:`MLP.init`.
    """

    def __init__(self, layers: Sequence[Dense]):
        if isinstance(layers, Dense):
            layers = [layers]
        if not isinstance(layers, Sequence) or isinstance(layers, str):
            raise TypeError(f"MLP: layers must be a list of Dense layers, got {type(layers).__name__}")
        if not layers:
            raise ValueError("MLP: needs at least one layer")
        for l, layer in enumerate(layers, start=1):
            if not isinstance(layer, Dense | BatchNorm):
                hint = (
                    f"; to build a network from layer sizes use MLP.init({list(layers)}, rng)"
                    if all(isinstance(n, int) for n in layers)
                    else ""
                )
                kind = type(layer).__name__
                raise TypeError(f"MLP: layer {l} is {layer!r} ({kind}), expected a Dense or BatchNorm{hint}")
            for m, earlier in enumerate(layers[: l - 1], start=1):
                if earlier is layer:
                    raise ValueError(
                        f"MLP: layer {l} is the same Dense object as layer {m}; weight sharing "
                        "is not supported: give each place its own Dense "
                        "(e.g. Dense(layer.W.copy(), layer.b.copy(), layer.g))"
                    )
            ref = getattr(layer, "_net", None)
            owner = ref() if ref is not None else None
            if owner is not None:
                raise ValueError(
                    f"MLP: layer {l} already belongs to another MLP, whose parameters it views; "
                    "sharing it would stop that network learning. Build new layers "
                    "(e.g. Dense(layer.W.copy(), layer.b.copy(), layer.g))"
                )
        for l, (prev, nxt) in enumerate(itertools.pairwise(layers), start=1):
            if _widths(prev)[1] != _widths(nxt)[0]:
                raise ValueError(
                    f"MLP: layer {l} outputs {_widths(prev)[1]} units but layer {l + 1} "
                    f"expects {_widths(nxt)[0]}"
                )
        dtypes = {layer.params[0].dtype for layer in layers}
        if len(dtypes) > 1:
            raise TypeError(f"MLP: layers mix dtypes {sorted(map(str, dtypes))}; use one")
        self.layers = list(layers)
        total = sum(p.size for layer in self.layers for p in layer.params)
        self.flat_params = np.empty(total, dtype=dtypes.pop())
        self.flat_grads = np.zeros_like(self.flat_params)
        offset = 0
        for layer in self.layers:
            for name in ("gamma", "beta") if isinstance(layer, BatchNorm) else ("W", "b"):
                value = getattr(layer, name)
                span = slice(offset, offset + value.size)
                view = self.flat_params[span].reshape(value.shape)
                view[...] = value
                setattr(layer, name, view)
                setattr(layer, f"grad_{name}", self.flat_grads[span].reshape(value.shape))
                offset += value.size
            layer._net = weakref.ref(self)

    @classmethod
    def init(
        cls,
        sizes: Sequence[int],
        rng: np.random.Generator,
        activation: str | Activation = "sigmoid",
        output: str | Activation = "identity",
        scheme: str = "xavier",
        dtype=np.float64,
    ) -> MLP:
        """Return an MLP with layer sizes ``sizes`` = [n_0, n_1, ..., n_L] and seeded weights.

        Hidden layers use ``activation``, the last layer ``output`` (``identity`` gives
        logits for :func:`backprop.core.losses.cross_entropy`).
        """
        if isinstance(sizes, int | str) or len(sizes) < 2:
            raise ValueError(f"MLP.init: sizes must list at least 2 layer widths, got {sizes!r}")
        if not all(isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 1 for n in sizes):
            raise ValueError(f"MLP.init: sizes must be positive integers, got {list(sizes)}")
        acts = [activation] * (len(sizes) - 2) + [output]
        return cls([
            Dense.init(n_in, n_out, rng, g, scheme, dtype)
            for n_in, n_out, g in zip(sizes[:-1], sizes[1:], acts, strict=True)
        ])

    def forward(self, X: ArrayLike) -> NDArray:
        """Return the output :math:`a^L`; X (N, n_0) -> (N, n_L). Each layer caches z and a."""
        n_0 = _widths(self.layers[0])[0]
        X = as_float_array(X, "X", "MLP.forward", dtype=self.flat_params.dtype)  # checks X once
        if X.ndim != 2 or X.shape[1] != n_0:
            raise ValueError(f"MLP.forward: X has shape {X.shape}, expected (N, {n_0})")
        if X.dtype != self.flat_params.dtype:
            raise TypeError(
                f"MLP.forward: X has dtype {X.dtype} but the network has {self.flat_params.dtype}"
            )
        a = self.layers[0]._forward(X)
        for layer in self.layers[1:]:  # feedforward
            a = layer._forward(a)
        return a

    def backward(self, grad_out: ArrayLike, input_grad: bool = False) -> NDArray | None:
        r"""Back-propagate :math:`\partial L/\partial a^L` (N, n_L) through every layer.

        Sets every layer's ``grad_W`` and ``grad_b`` (the three equations, applied from
        layer L down to layer 1). Returns :math:`\partial L/\partial X` if ``input_grad``,
        else None (and skips computing it).
        """
        last = self.layers[-1]
        if last._cache is None:
            raise RuntimeError("MLP.backward called before forward")
        expected = last._cache[2 if isinstance(last, Dense) else 4].shape  # the output a
        dtype = last.params[0].dtype
        grad_out = as_float_array(grad_out, "grad_out", "MLP.backward", dtype=dtype)
        if grad_out.shape != expected:
            raise ValueError(f"MLP.backward: grad_out has shape {grad_out.shape}, expected {expected}")
        return self._backward(grad_out.astype(dtype, copy=False), input_grad)

    def _backward(self, grad_out: NDArray, input_grad: bool = False):
        """Layers L down to 1, for a gradient already checked."""
        g = grad_out
        for l in range(len(self.layers) - 1, -1, -1):  # l counts down
            g = self.layers[l]._backward(g, input_grad=l > 0 or input_grad)
        return g

    def loss_and_grads(self, X: ArrayLike, Y: ArrayLike, loss: str | Loss) -> float:
        """Forward, loss, backward: return the loss; leave the gradients on the layers."""
        loss = get_loss(loss)
        out = self.forward(X)  # checks X
        value, grad = loss.value_and_grad(out, Y)  # checks Y against the output
        if getattr(grad, "shape", None) != out.shape:  # a user-made Loss may get it wrong
            raise ValueError(f"MLP.loss_and_grads: {loss.name} returned a gradient of shape "
                             f"{np.shape(grad)}, expected {out.shape}")
        self._backward(grad)  # our own loss's gradient: no need to check it again
        return value

    @property
    def params(self) -> list[NDArray]:
        """``[W^1, b^1, ..., W^L, b^L]``, the arrays the optimiser updates in place."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[NDArray]:
        """``[dL/dW^1, dL/db^1, ...]`` in the order of :attr:`params`."""
        return [g for layer in self.layers for g in layer.grads]

    @property
    def sizes(self) -> list[int]:
        return [_widths(self.layers[0])[0]] + [_widths(layer)[1] for layer in self.layers]

    def __repr__(self) -> str:
        acts = ", ".join(layer.g.name for layer in self.layers)
        return f"MLP(sizes={self.sizes}, activations=[{acts}])"


def _widths(layer: Dense | BatchNorm) -> tuple[int, int]:
    """(inputs, outputs) of a layer: W's shape for Dense, (n, n) for BatchNorm."""
    return (layer.n, layer.n) if isinstance(layer, BatchNorm) else layer.W.shape
