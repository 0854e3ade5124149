"""The one container: any sequence of layers, forward in order and backward in reverse.

Chapter: :doc:`chapters/06_three_equations` (the L-layer algorithm as a loop). The
container asks each layer through the layer protocol (:mod:`backprop.core.layer`)
and never what kind of layer it is.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_int
from .activations import Activation
from .dense import Dense
from .layer import Layer, compatible, refuse_sharing, set_training, training_of, walk
from .losses import Loss, get_loss


class Network:
    """Layers ``l = 1..L`` applied in order: :math:`a^l = f^l(a^{l-1})`, :math:`a^0 = X`.

    All parameters live in one flat array, ``flat_params``, and all gradients in
    another, ``flat_grads``: each layer's parameter and gradient arrays are views into
    them (its values copied in), so one SGD step on ``flat_params`` updates them all.

    No weight sharing, one rule for every container: a layer object may sit at one
    place only, held layers (a residual branch) included, and in one network. The same
    layer twice, or a layer of another (still existing) network, raises ``ValueError``
    at construction. Consecutive layers must fit (``out_shape`` against ``in_shape``),
    and all layers with parameters share one dtype. ``training`` sets the mode of
    every layer; ``forward(X, training=...)`` runs one pass in a mode and restores
    each layer's own.
    """

    def __init__(self, layers: Sequence[Layer]):
        self.layers = _checked_layers(type(self).__name__, layers)
        dtypes = {layer.dtype for layer in self.layers if layer.dtype is not None}
        self.dtype = dtypes.pop() if dtypes else np.dtype(np.float64)
        shapes = [p.shape for layer in self.layers for p in layer.params]
        self.flat_params = np.empty(sum(int(np.prod(s)) for s in shapes), dtype=self.dtype)
        self.flat_grads = np.zeros_like(self.flat_params)
        offset = 0
        for layer in self.layers:  # each layer's arrays become views into the two
            views, grad_views = [], []
            for shape in (p.shape for p in layer.params):
                span = slice(offset, offset + int(np.prod(shape)))
                views.append(self.flat_params[span].reshape(shape))
                grad_views.append(self.flat_grads[span].reshape(shape))
                offset = span.stop
            layer.bind(views, grad_views)
        for _, layer in walk(self.layers):
            layer._net = weakref.ref(self)
        # a layer whose input shape the previous layer's output fixes is passed its
        # input unchecked (its _forward); the others check what they get
        self._passes = [self.layers[0].forward] + [
            nxt._forward if _fixed(prev.out_shape) and prev.out_shape == nxt.in_shape
            else nxt.forward for prev, nxt in itertools.pairwise(self.layers)]
        self._out_shape: tuple[int, ...] | None = None
        self.grad_inputs: list[NDArray] = []

    @property
    def training(self) -> bool:
        """True if every layer is in training mode; set it to set them all."""
        return training_of(self.layers)

    @training.setter
    def training(self, mode: bool) -> None:
        set_training(self.layers, mode)

    @contextmanager
    def _mode(self, training: bool | None):
        """Every layer in ``training`` mode for one pass (None: each its own)."""
        if training is None:
            yield
            return
        every = [layer for _, layer in walk(self.layers)]
        saved = [layer.training for layer in every]
        self.training = training
        try:
            yield
        finally:
            for layer, mode in zip(every, saved, strict=True):
                layer.training = mode

    def forward(self, X: ArrayLike, training: bool | None = None) -> NDArray:
        """Return the last layer's output; X (N, *in_shape) -> (N, *out_shape).

        Each layer caches what its backward reads. ``training``: None runs each layer
        in its own mode; True or False runs them all in that mode for this pass.
        """
        if training is None:  # the common case, without the mode's bookkeeping
            a = self._feedforward(X)
        else:
            with self._mode(training):
                a = self._feedforward(X)
        self._out_shape = a.shape
        return a

    def _feedforward(self, X: ArrayLike) -> NDArray:
        try:
            a = self._passes[0](X)  # the first layer checks X
        except (TypeError, ValueError) as error:  # say whose input it was
            raise type(error)(f"{type(self).__name__}.forward: X, the input of "
                              f"layer 1: {error}") from None
        for forward in self._passes[1:]:
            a = forward(a)
        return a

    def backward(self, grad_out: ArrayLike, input_grad: bool = False) -> NDArray | None:
        r"""Back-propagate :math:`\partial L/\partial a^L` through every layer.

        Sets every layer's gradients (from layer L down to layer 1). Returns
        :math:`\partial L/\partial X` if ``input_grad``, else None (and skips it).
        """
        return self._backward(self._checked(grad_out), input_grad)

    def _checked(self, grad_out: ArrayLike) -> NDArray:
        """``grad_out`` as an array of the output's shape and the network's dtype."""
        where = f"{type(self).__name__}.backward"
        if self._out_shape is None:
            raise RuntimeError(f"{where} called before forward")
        grad_out = as_float_array(grad_out, "grad_out", where, dtype=self.dtype)
        if grad_out.shape != self._out_shape:
            raise ValueError(f"{where}: grad_out has shape {grad_out.shape}, expected "
                             f"{self._out_shape}")
        return grad_out.astype(self.dtype, copy=False)

    def _backward(self, grad_out: NDArray, input_grad: bool = False):
        """Layers L down to 1, for a gradient already checked."""
        g = grad_out
        for l in range(len(self.layers) - 1, -1, -1):  # l counts down
            g = self.layers[l]._backward(g, input_grad=l > 0 or input_grad)
        return g

    def input_gradients(self, grad_out: ArrayLike) -> list[NDArray]:
        """Back-propagate like ``backward`` and return dL/d(input of layer l) for every
        l (index 0: dL/dX), the gradient as it arrives at each layer; also kept as
        ``grad_inputs``."""
        g, found = self._checked(grad_out), []
        for layer in reversed(self.layers):
            g = layer._backward(g, input_grad=True)
            found.append(g)
        self.grad_inputs = found[::-1]
        return self.grad_inputs

    def loss_and_grads(self, X: ArrayLike, Y: ArrayLike, loss: str | Loss,
                       training: bool | None = None) -> float:
        """Forward, loss, backward: return the loss; leave the gradients on the layers."""
        loss = get_loss(loss)
        out = self.forward(X, training)  # checks X
        value, grad = loss.output_value_and_grad(out, Y)  # checks Y against the output
        if getattr(grad, "shape", None) != out.shape:  # a user-made Loss may get it wrong
            raise ValueError(f"{type(self).__name__}.loss_and_grads: {loss.name} returned "
                             f"a gradient of shape {np.shape(grad)}, expected {out.shape}")
        self._backward(grad)  # our own loss's gradient: no need to check it again
        return value

    @property
    def params(self) -> list[NDArray]:
        """Every layer's parameters in order (``[W^1, b^1, ..., W^L, b^L]`` for dense
        layers), the arrays the optimiser updates in place."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[NDArray]:
        """The gradients in the order of :attr:`params`."""
        return [g for layer in self.layers for g in layer.grads]

    @property
    def param_names(self) -> list[str]:
        """``"layer l: name"`` for every array of :attr:`params`."""
        return [f"layer {l}: {name}" for l, layer in enumerate(self.layers, start=1)
                for name in layer.param_names]

    @property
    def in_shape(self) -> tuple:
        return self.layers[0].in_shape

    @property
    def out_shape(self) -> tuple:
        return self.layers[-1].out_shape

    def __repr__(self) -> str:
        inner = "".join(f"\n    {layer!r}," for layer in self.layers)
        return f"{type(self).__name__}([{inner}\n])"


class MLP(Network):
    """A :class:`Network` of dense layers (with batch norm where wanted), built from
    layer sizes by :meth:`MLP.init`; ``sizes`` lists the widths n_0, ..., n_L.

    For two networks with equal starting weights, build new layers from copies,
    ``Dense(layer.W.copy(), layer.b.copy(), layer.g)``.
    """

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
        for n in sizes:
            as_int(n, "each entry of sizes", "MLP.init", least=1, got=list(sizes))
        acts = [activation] * (len(sizes) - 2) + [output]
        return cls([
            Dense.init(n_in, n_out, rng, g, scheme, dtype)
            for n_in, n_out, g in zip(sizes[:-1], sizes[1:], acts, strict=True)
        ])

    @property
    def sizes(self) -> list[int]:
        """The widths [n_0, n_1, ..., n_L] (one example's last axis, layer by layer)."""
        return [self.layers[0].in_shape[-1]] + [layer.out_shape[-1] for layer in self.layers]

    def __repr__(self) -> str:
        acts = ", ".join(layer.g.name for layer in self.layers)
        return f"MLP(sizes={self.sizes}, activations=[{acts}])"


def _checked_layers(where: str, layers: Sequence[Layer]) -> list[Layer]:
    """``layers`` as a list, or raise: each a layer, none at two places or already in
    another network, consecutive ones fitting, one dtype among them."""
    if isinstance(layers, Layer):
        layers = [layers]
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        raise TypeError(f"{where}: layers must be a list of layers, got "
                        f"{type(layers).__name__}")
    if not layers:
        raise ValueError(f"{where}: needs at least one layer, got an empty list")
    for l, layer in enumerate(layers, start=1):
        if not isinstance(layer, Layer):
            hint = (f"; to build a network from layer sizes use MLP.init({list(layers)}, rng)"
                    if all(isinstance(n, int) for n in layers) else "")
            raise TypeError(f"{where}: layer {l} is {layer!r} ({type(layer).__name__}), "
                            f"expected a layer (backprop.core.layer.Layer){hint}")
    places = walk(layers)
    refuse_sharing(where, places)
    for place, layer in places:
        if layer._net is not None and layer._net() is not None:
            raise ValueError(f"{where}: {place} already belongs to another network, "
                             "whose parameters it views; sharing it would stop that "
                             "network learning. Build new layers from copies")
    for l, (prev, nxt) in enumerate(itertools.pairwise(layers), start=1):
        if not compatible(prev.out_shape, nxt.in_shape):
            raise ValueError(f"{where}: layer {l} outputs examples of shape "
                             f"{prev.out_shape} but layer {l + 1} expects {nxt.in_shape}")
    dtypes = {layer.dtype for layer in layers if layer.dtype is not None}
    if len(dtypes) > 1:
        raise TypeError(f"{where}: layers mix dtypes {sorted(map(str, dtypes))}; use one")
    return list(layers)


def _fixed(shape: tuple) -> bool:
    """Whether every size of ``shape`` is known (no None, not the empty 'any')."""
    return bool(shape) and all(n is not None for n in shape)
