"""A scalar reverse-mode autodiff engine: values that remember how they were computed.

After micrograd (Karpathy): each :class:`Value` stores its number, its gradient, its
children (a tuple, so the order of every sum is fixed) and a closure that applies the
chain rule locally: ``child.grad += local derivative * out.grad``.
Chapter: :doc:`chapters/11_graphs`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable


def _is_real(x: object) -> bool:
    """True for Python and NumPy real numbers (np.float32, np.int64, ...), not for bools."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and type(x).__name__ != "bool"


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` = dL/d(this) after ``backward``."""

    __slots__ = ("_backward", "_children", "data", "grad", "label", "op")
    __array_ufunc__ = None  # np.float64(2) * v defers to Value.__rmul__, giving a Value

    def __init__(self, data: float, children: tuple[Value, ...] = (), op: str = "", label: str = ""):
        if not _is_real(data):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self._children = children
        self._backward: Callable[[], None] = lambda: None
        self.op = op
        self.label = label

    @staticmethod
    def _lift(other: Value | float) -> Value:
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other: Value | float) -> Value:
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:  # add distributes the gradient unchanged
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:  # multiply swaps the inputs
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: int | float) -> Value:
        if not _is_real(k):
            raise TypeError(
                f"Value.__pow__: only int or float exponents are supported, got {type(k).__name__}"
            )
        k = int(k) if isinstance(k, numbers.Integral) else float(k)
        if self.data < 0 and not float(k).is_integer():
            raise ValueError(f"Value.__pow__: ({self.data}) ** {k} is not a real number")
        if self.data == 0 and k < 0:
            raise ZeroDivisionError(f"Value.__pow__: 0 ** {k} is not defined")
        out = Value(float(self.data) ** k, (self,), f"**{k}")

        def _backward() -> None:  # d/dx x^k = k x^(k-1); 0 for k = 0, even at x = 0
            if k == 0:
                return
            if self.data == 0 and k < 1:
                raise ZeroDivisionError(
                    f"Value.__pow__: the derivative of x**{k} at x = 0 is infinite"
                )
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def _unary(self, value: float, derivative: float, op: str) -> Value:
        out = Value(value, (self,), op)

        def _backward() -> None:
            self.grad += derivative * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"Value.log: argument must be positive, got {self.data}")
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self._unary(t, 1 - t * t, "tanh")

    def sigmoid(self) -> Value:
        # exp of a non-positive number only: no overflow, and full relative accuracy in
        # both tails (sigma(-40) = 4.2e-18, not 0); 1 - sigma is formed the same way.
        e = math.exp(-abs(self.data))
        s, rest = (1 / (1 + e), e / (1 + e)) if self.data >= 0 else (e / (1 + e), 1 / (1 + e))
        return self._unary(s, s * rest, "sigmoid")

    def relu(self) -> Value:
        return self._unary(max(self.data, 0.0), float(self.data > 0), "relu")

    def max(self, other: Value | float) -> Value:
        """max(self, other); the gradient goes to the larger input, to ``other`` on a tie.

        So ``x.max(0)`` agrees with ``x.relu()`` at x = 0: gradient 0 (relu'(0) = 0).
        """
        other = self._lift(other)
        out = Value(max(self.data, other.data), (self, other), "max")

        def _backward() -> None:  # max routes the gradient to the winner
            if self.data > other.data:
                self.grad += out.grad
            else:
                other.grad += out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | float) -> Value:
        return self + (-self._lift(other))

    def __truediv__(self, other: Value | float) -> Value:
        return self * self._lift(other) ** -1

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rsub__(self, other: float) -> Value:
        return self._lift(other) - self

    def __rtruediv__(self, other: float) -> Value:
        return self._lift(other) / self

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, each after all of its children (depth first)."""
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # iterative, so deep graphs do not hit the recursion limit
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node._children))
        return order

    def backward(self) -> None:
        """Set every node's ``grad`` = d(self)/d(node): seed 1, then reverse
        topological order."""
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
