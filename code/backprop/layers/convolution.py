"""Convolution layers (cross-correlation, as the libraries compute it).

Layout (as PyTorch): x (N, C_in, L) or (N, C_in, H, W); kernel K (C_out, C_in, k)
or (C_out, C_in, k_h, k_w); bias b (C_out,); z (N, C_out, L') or (N, C_out, H', W')
with n' = floor((n + 2p - k)/s) + 1 per spatial axis (eq-conv-output-size).
Vectorised with strided windows (``sliding_window_view``): no loop over pixels.
Chapter: :doc:`chapters/18_convolution`. The small network of that chapter is a
:class:`~backprop.core.network.Network` of a convolution, :class:`Flatten` and a
dense layer.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array, as_int, as_rng, is_int, same_dtype
from ..core.activations import Activation, get_activation
from ..core.initialisation import init_std
from ..core.layer import Layer


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    r"""Return :math:`\lfloor (n + 2p - k)/s \rfloor + 1` (eq-conv-output-size)."""
    for name, v, least in (("n", n, 1), ("k", k, 1), ("stride", stride, 1),
                           ("padding", padding, 0)):
        as_int(v, name, "output_size", least)
    if n + 2 * padding < k:
        raise ValueError(
            f"output_size: kernel {k} is longer than the padded input "
            f"{n} + 2*{padding}"
        )
    return (n + 2 * padding - k) // stride + 1


def _windows(
    xp: NDArray, kernel: tuple[int, ...], stride: tuple[int, ...]
) -> NDArray:
    """Every window of xp (N, C, *P) a kernel visits: a view (N, C, *out, *kernel)."""
    d = len(kernel)
    view = sliding_window_view(xp, kernel, axis=tuple(range(2, 2 + d)))
    return view[
        (slice(None), slice(None), *(slice(None, None, s) for s in stride))
    ]


def im2col(
    x: NDArray,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
) -> NDArray:
    """Return the windows of zero-padded x as rows: x (N, C, *S) -> (N, *S', C*prod(k)).

    Row (n, j) holds x^p[n, :, s*j + u] for every channel and kernel offset u, in the
    order of a kernel K[o] flattened: the forward pass is then one matrix product.
    """
    d = len(kernel)
    xp = np.pad(x, [(0, 0), (0, 0), *((p, p) for p in padding)])
    win = _windows(xp, kernel, stride)  # (N, C, *S', *k), a view
    win = np.moveaxis(win, 1, 1 + d)  # (N, *S', C, *k)
    return win.reshape(*win.shape[: 1 + d], -1)  # the one copy


def correlate(
    x: NDArray,
    K: NDArray,
    b: NDArray,
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    cols: NDArray | None = None,
) -> NDArray:
    r"""Return z (eq-conv-forward): the sum of products of K with each window.

    :math:`z_{m,o,j} = b_o + \sum_{c,u} K_{o,c,u}\, x^{p}_{m,c,sj+u}`, x^p is x
    zero-padded by p on both sides of each spatial axis. x (N, C, *S),
    K (O, C, *k), b (O,) -> z (N, O, *S'), for d = 1 or 2 spatial axes.
    ``cols``: ``im2col(x, ...)``, if already computed.
    """
    if cols is None:
        cols = im2col(x, K.shape[2:], stride, padding)
    z = cols @ K.reshape(K.shape[0], -1).T  # (N, *S', O)
    z += b
    return np.moveaxis(z, -1, 1)  # (N, O, *S')


def correlate_backward(
    delta: NDArray,
    x: NDArray,
    K: NDArray,
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    cols: NDArray | None = None,
    input_grad: bool = True,
) -> tuple[NDArray | None, NDArray, NDArray]:
    r"""Return ``(grad_x, grad_K, grad_b)`` from delta = dL/dz.

    (eq-conv-grad-kernel) :math:`\partial L/\partial K_{o,c,u} =
    \sum_{m,j} \delta_{m,o,j}\, x^p_{m,c,sj+u}`;
    (eq-conv-grad-bias) :math:`\partial L/\partial b_o =
    \sum_{m,j}\delta_{m,o,j}`; (eq-conv-grad-input) dL/dx^p is the full
    correlation of delta, dilated by the stride, with the flipped kernel;
    dL/dx is dL/dx^p cropped by p. delta (N, O, *S'), x (N, C, *S),
    K (O, C, *k) -> shapes of x (None unless ``input_grad``), K and (O,).
    """
    d, k = K.ndim - 2, K.shape[2:]
    spatial = tuple(range(2, 2 + d))
    every = (slice(None), slice(None))  # all examples, all channels
    if cols is None:
        cols = im2col(x, k, stride, padding)  # (N, *S', C*prod(k))
    rows = np.moveaxis(delta, 1, -1).reshape(-1, K.shape[0])  # (N*prod(S'), O)
    grad_K = (rows.T @ cols.reshape(len(rows), -1)).reshape(K.shape)
    grad_b = rows.sum(axis=0)
    if not input_grad:
        return None, grad_K, grad_b
    # dilate: delta_j goes to position s*j, zeros between
    out = delta.shape[2:]
    dilated_shape = [(o - 1) * s + 1 for o, s in zip(out, stride, strict=True)]
    dilated = np.zeros((*delta.shape[:2], *dilated_shape), dtype=delta.dtype)
    dilated[(*every, *(slice(None, None, s) for s in stride))] = delta
    # pad k-1 zeros in front, k-1+r behind: r input positions are in no window
    padded = [n + 2 * p for n, p in zip(x.shape[2:], padding, strict=True)]
    tails = [P - (o - 1) * s - kk
             for P, o, s, kk in zip(padded, out, stride, k, strict=True)]
    full = np.pad(dilated, [(0, 0), (0, 0)] + [
        (kk - 1, kk - 1 + r) for kk, r in zip(k, tails, strict=True)])
    flipped = np.flip(K, axis=spatial).swapaxes(0, 1)  # (C, O, *k)
    no_bias = np.zeros(K.shape[1], dtype=K.dtype)
    grad_xp = correlate(full, flipped, no_bias, (1,) * d, (0,) * d)
    crop = tuple(slice(p, P - p) for p, P in zip(padding, padded, strict=True))
    return grad_xp[(*every, *crop)], grad_K, grad_b


def _pair(v, d: int, name: str, where: str, least: int) -> tuple[int, ...]:
    v = tuple(v) if isinstance(v, tuple | list) else (v,) * d
    if len(v) != d or not all(
        is_int(e) and e >= least for e in v
    ):
        raise ValueError(
            f"{where}: {name} must be an int >= {least} or {d} of them, got {v!r}"
        )
    return tuple(int(e) for e in v)


class _Conv(Layer):
    """A convolution layer with d spatial axes: z = correlate(x, K, b), a = g(z).

    It follows the layer protocol (:mod:`backprop.core.layer`); one example's shape
    is (C_in, *S) in, (C_out, *S') out, the spatial sizes free."""

    d = 0
    layout = ""
    param_names = ("K", "b")
    cache_fields = ("x", "z", "a", "cols")

    def __init__(
        self,
        K: ArrayLike,
        b: ArrayLike,
        stride=1,
        padding=0,
        activation: str | Activation = "identity",
    ):
        name = type(self).__name__
        K = as_float_array(
            K, "K", name, ndim=self.d + 2, shape="(C_out, C_in, *k)"
        )
        b = as_float_array(
            b, "b", name, ndim=1, shape=f"({K.shape[0]},)", dtype=K.dtype
        )
        if b.shape != (K.shape[0],):
            raise ValueError(
                f"{name}: b has shape {b.shape}, expected ({K.shape[0]},) for K {K.shape}"
            )
        self.K, self.b = np.array(K, order="C"), np.array(b, dtype=K.dtype)
        self.stride = _pair(stride, self.d, "stride", name, 1)
        self.padding = _pair(padding, self.d, "padding", name, 0)
        self.g = get_activation(activation)
        if self.g.name == "softmax":
            raise ValueError(
                f"{name}: activation must act elementwise, got softmax"
            )
        self.grad_K, self.grad_b = np.zeros_like(self.K), np.zeros_like(self.b)
        self._cache: tuple[NDArray, ...] | None = None

    @classmethod
    def init(
        cls,
        c_in: int,
        c_out: int,
        k,
        rng: np.random.Generator,
        stride=1,
        padding=0,
        activation: str | Activation = "identity",
        scheme: str = "he",
        dtype=np.float64,
    ):
        """Return a layer with N(0, std^2) kernels, fan-in C_in*prod(k), zero bias,
        in ``dtype`` (float64 unless float32 is asked for)."""
        k = _pair(k, cls.d, "k", cls.__name__, 1)
        size = int(np.prod(k))
        std = init_std(c_in * size, c_out * size, scheme)
        K = as_rng(rng, cls.__name__).normal(0.0, std, (c_out, c_in, *k)).astype(dtype)
        return cls(K, np.zeros(c_out, dtype), stride, padding, activation)

    def forward(self, x: ArrayLike) -> NDArray:
        """Return a = g(z), z as in :func:`correlate`; x (N, C_in, *S) -> (N, C_out, *S')."""
        name = f"{type(self).__name__}.forward"
        x = as_float_array(x, "x", name, dtype=self.K.dtype)
        same_dtype(x, self.K, "x", name)
        if x.ndim != self.d + 2 or x.shape[1] != self.K.shape[1]:
            raise ValueError(
                f"{name}: x has shape {x.shape}, expected {self.layout} "
                f"with C_in = {self.K.shape[1]}"
            )
        for n, k, s, p in zip(
            x.shape[2:],
            self.K.shape[2:],
            self.stride,
            self.padding,
            strict=True,
        ):
            output_size(
                int(n), int(k), s, p
            )  # raises if the kernel does not fit
        cols = im2col(x, self.K.shape[2:], self.stride, self.padding)
        z = correlate(x, self.K, self.b, self.stride, self.padding, cols)
        a = self.g.f(z)
        self._cache = (x, z, a, cols)
        return a

    def backward(
        self, grad_a: ArrayLike, input_grad: bool = True
    ) -> NDArray | None:
        """Set ``grad_K``, ``grad_b`` from dL/da; return dL/dx (None if not input_grad)."""
        name = f"{type(self).__name__}.backward"
        if self._cache is None:
            raise RuntimeError(f"{name} called before forward")
        x, z, a, cols = self._cache
        grad_a = as_float_array(grad_a, "grad_a", name, dtype=self.K.dtype)
        if grad_a.shape != a.shape:
            raise ValueError(
                f"{name}: grad_a has shape {grad_a.shape}, expected {a.shape}"
            )
        grad_a = grad_a.astype(self.K.dtype, copy=False)  # the dtype rule
        delta = self.g.vjp(z, a, grad_a)  # dL/dz
        grad_x, self.grad_K[...], self.grad_b[...] = correlate_backward(
            delta, x, self.K, self.stride, self.padding, cols, input_grad
        )
        return grad_x

    @property
    def in_shape(self) -> tuple[int | None, ...]:
        return (self.K.shape[1],) + (None,) * self.d

    @property
    def out_shape(self) -> tuple[int | None, ...]:
        return (self.K.shape[0],) + (None,) * self.d

    def __repr__(self) -> str:
        c_out, c_in, *k = self.K.shape
        return (
            f"{type(self).__name__}({c_in} -> {c_out}, k={tuple(k)}, stride={self.stride}, "
            f"padding={self.padding}, {self.g.name})"
        )


class Conv1D(_Conv):
    """1-D convolution layer: x (N, C_in, L), K (C_out, C_in, k) -> (N, C_out, L')."""

    d, layout = 1, "(N, C_in, L)"


class Conv2D(_Conv):
    """2-D convolution layer: x (N, C_in, H, W), K (C_out, C_in, k_h, k_w) -> (N, C_out, H', W')."""

    d, layout = 2, "(N, C_in, H, W)"


class Flatten(Layer):
    """Each example's array as one row: x (N, *S) -> (N, prod(S)); backward reshapes
    the gradient back. No parameters; it follows the layer protocol."""

    cache_fields = ("shape",)
    out_shape = (None,)

    def forward(self, x: ArrayLike) -> NDArray:
        x = as_float_array(x, "x", "Flatten.forward")
        if x.ndim < 2:
            raise ValueError(f"Flatten.forward: x has shape {x.shape}, expected (N, ...)")
        self._cache = (x.shape,)
        return x.reshape(x.shape[0], -1)

    def backward(self, grad: ArrayLike, input_grad: bool = True) -> NDArray | None:
        if self._cache is None:
            raise RuntimeError("Flatten.backward called before forward")
        (shape,) = self._cache
        grad = as_float_array(grad, "grad", "Flatten.backward")
        if grad.shape != (shape[0], int(np.prod(shape[1:]))):
            raise ValueError(f"Flatten.backward: grad has shape {grad.shape}, expected "
                             f"{(shape[0], int(np.prod(shape[1:])))}")
        return grad.reshape(shape) if input_grad else None

    def __repr__(self) -> str:
        return "Flatten()"
