"""The layer protocol: what every layer offers, and all a container asks of it.

A layer maps a batch (rows are examples) forward and its gradient back:

- ``forward(x)`` returns the output and caches what ``backward`` reads, in the
  layer's mode (``training``: True for a training step, False for evaluation);
- ``backward(grad, input_grad=True)`` sets the gradients **in place** and returns
  dL/dx (None when ``input_grad`` is False: nobody needs it, so it is skipped);
- ``param_names`` names its parameter arrays (``("W", "b")``); ``params`` are those
  arrays, ``grads`` the arrays ``grad_<name>`` of the same shapes, in that order;
- ``in_shape`` and ``out_shape`` give one example's shape (None: any size there);
- ``dtype`` is its parameters' dtype (None for a layer without parameters);
- ``sublayers`` are the layers it holds (a residual block's branch);
- ``bind(params, grads)`` moves its parameters and gradients into the arrays given
  (its values copied in): a container keeps them all in one flat buffer;
- ``cache_fields`` names the entries of ``_cache``, the forward cache (None before
  ``forward``), for the tools that inspect or recompute it (checkpointing).

``_forward`` and ``_backward`` are the same passes for arrays a container has
already checked; a layer without a faster path leaves them as ``forward`` and
``backward``. Chapter: :doc:`chapters/06_three_equations`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from numpy.typing import NDArray


class Layer:
    """The protocol, with the parts every layer shares (see the module docstring)."""

    param_names: tuple[str, ...] = ()
    cache_fields: tuple[str, ...] = ()
    in_shape: tuple[int | None, ...] = ()
    out_shape: tuple[int | None, ...] = ()
    training = True
    _cache: tuple | None = None
    _net = None  # weak reference to the container holding this layer, if any

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad, input_grad: bool = True):
        raise NotImplementedError

    def _forward(self, x):
        return self.forward(x)

    def _backward(self, grad, input_grad: bool = True):
        return self.backward(grad, input_grad=input_grad)

    @property
    def params(self) -> tuple[NDArray, ...]:
        """The parameter arrays, in the order of ``param_names``, updated in place."""
        return tuple(getattr(self, name) for name in self.param_names)

    @property
    def grads(self) -> tuple[NDArray, ...]:
        """dL/d(each parameter) from the last ``backward``, in the order of ``params``."""
        return tuple(getattr(self, f"grad_{name}") for name in self.param_names)

    @property
    def dtype(self):
        return self.params[0].dtype if self.param_names else None

    @property
    def sublayers(self) -> tuple[Layer, ...]:
        return ()

    def bind(self, params: Sequence[NDArray], grads: Sequence[NDArray]) -> None:
        """Make ``params`` and ``grads`` this layer's arrays; its values are copied in."""
        for name, p, g in zip(self.param_names, params, grads, strict=True):
            p[...] = getattr(self, name)
            setattr(self, name, p)
            setattr(self, f"grad_{name}", g)


def walk(layers: Iterable[Layer], where: str = "") -> list[tuple[str, Layer]]:
    """Every layer with its place (``"layer 2"``, ``"layer 2 (sublayer 1)"``), held
    layers included, depth first."""
    found = []
    for k, layer in enumerate(layers, start=1):
        place = f"{where} (sublayer {k})" if where else f"layer {k}"
        found.append((place, layer))
        found += walk(layer.sublayers, place)
    return found


def training_of(layers: Iterable[Layer]) -> bool:
    """True if every layer, held layers included, is in training mode."""
    return all(layer.training for _, layer in walk(layers))


def set_training(layers: Iterable[Layer], mode: bool) -> None:
    """Put every layer, held layers included, in ``mode``."""
    for _, layer in walk(layers):
        layer.training = bool(mode)


def refuse_sharing(where: str, places: Sequence[tuple[str, Layer]]) -> None:
    """Raise ``ValueError`` if one layer object sits at two of ``places``.

    A layer keeps one forward cache, so a second place would overwrite the first's
    and silently give wrong gradients: every container refuses it (one rule).
    """
    seen: dict[int, str] = {}
    for place, layer in places:
        earlier = seen.get(id(layer))
        if earlier is not None:
            kind = type(layer).__name__
            raise ValueError(
                f"{where}: {place} is the same {kind} object as {earlier}; weight "
                f"sharing (one layer used twice) is not supported: give each place "
                f"its own {kind} (built from copies of the parameters)")
        seen[id(layer)] = place


def compatible(out_shape: tuple, in_shape: tuple) -> bool:
    """Whether an output of one example's shape ``out_shape`` fits ``in_shape``
    (None matches any size; an empty shape, the layer's own, matches anything)."""
    if not out_shape or not in_shape:
        return True
    return len(out_shape) == len(in_shape) and all(
        a is None or b is None or a == b for a, b in zip(out_shape, in_shape, strict=True))
