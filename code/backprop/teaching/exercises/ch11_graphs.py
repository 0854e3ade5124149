"""Graded exercises of chapter 11: a new gate for the scalar engine; a topological order."""

from __future__ import annotations

import math

import numpy as np

from ...roads.engine import Value
from ._base import Case, Exercise, Mistake


def _gate(local):
    """A sin gate whose backward adds ``local(x, out_grad)`` to x.grad (or sets it)."""
    def vsin(x):
        out = Value(math.sin(x.data), (x,), "sin")

        def _backward():
            x.grad += local(x.data, out.grad)

        out._backward = _backward
        return out
    return vsin


vsin = _gate(lambda x, g: math.cos(x) * g)  # reference: d sin(x)/dx = cos x, times upstream


def _overwriting_vsin(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad = math.cos(x.data) * out.grad  # = instead of +=

    out._backward = _backward
    return out


def _run_gate(answer, args):
    """Build L = sin(x) sin(xy) + sin(x) with the answer's gate; return L and the leaves' grads."""
    if answer(Value(0.5)) in (None, Ellipsis):
        return None
    x, y = Value(args[0]), Value(args[1])
    L = answer(x) * answer(x * y) + answer(x)
    L.backward()
    return {"value": L.data, "grads": [x.grad, y.grad]}


def _gate_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((float(a), float(b)), f"x = {a:.2f}, y = {b:.2f}") for a, b in rng.uniform(-2, 2, (3, 2))]


def _graph(kind):
    """A small graph: a chain, a diamond (a value used twice), or a neuron; returns its root."""
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    if kind == "chain":
        return ((x * 2.0).tanh() + 1.0).exp()
    if kind == "diamond":
        u = x * y
        return (u + u.tanh()) * (u + x)
    w, b = Value(0.8, label="w"), Value(0.1, label="b")
    return ((w * x + b).sigmoid() - y) ** 2


def _nodes(root):
    seen, stack = {}, [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen[id(v)] = v
            stack.extend(v._children)
    return seen


def topological_order(root: Value) -> list[Value]:
    """Reference: every node reachable from ``root``, each after all of its children."""
    return root.topological_order()


def _run_order(answer, args):
    root = _graph(args[0])
    out = answer(root)
    return None if out is None or out is Ellipsis else (out, root)


def _judge_order(output: tuple, case: Case) -> tuple[str, str] | None:
    order, root = output
    try:
        order = list(order)
    except TypeError:
        return "not_a_list", f"returned a {type(order).__name__}; expected a list of Value nodes"
    nodes = _nodes(root)
    ids = [id(v) for v in order]
    if len(set(ids)) < len(ids):
        return "duplicates", "a node appears more than once: remember the nodes already visited"
    if set(ids) - set(nodes):
        return "not_a_list", "the list holds things that are not nodes of this graph"
    if set(nodes) - set(ids):
        return "missing_nodes", f"{len(set(nodes) - set(ids))} of the {len(nodes)} nodes are missing"
    if _ordered(order):
        return None
    if _ordered(order[::-1]):
        return "reversed_order", "the root comes first; each node must come after its children"
    return "order_violated", "some node comes before one of its children"


def _ordered(order):
    where = {id(v): i for i, v in enumerate(order)}
    return all(where[id(c)] < where[id(v)] for v in order for c in v._children)


EXERCISES = [
    Exercise(
        label="ex-graphs-sin-gate",
        task="vsin(x)",
        reference=vsin,
        cases=_gate_cases,
        harness=_run_gate,
        parts=("value", "grads"),
        mistakes={
            "not_accumulated": Mistake(_overwriting_vsin, "x.grad = ... overwrites what other uses of x "
                                       "contributed: add with +=, since gradients add at a fork."),
            "upstream_missing": Mistake(_gate(lambda x, g: math.cos(x)), "you added the local derivative "
                                        "cos(x) alone: multiply it by out.grad, the gradient from above."),
            "wrong_local": Mistake(_gate(lambda x, g: math.sin(x) * g),
                                   "the local derivative of sin is cos, not sin."),
            "output_not_input": Mistake(_gate(lambda x, g: math.cos(math.sin(x)) * g),
                                        "the local derivative is cos(x), at the input x.data; you "
                                        "took the cosine of the output, sin(x)."),
            "grad_not_propagated": Mistake(
                _gate(lambda x, g: 0.0),
                "x.grad never changes: _backward must add cos(x.data) * out.grad to x.grad, the "
                "child's gradient (not to out.grad), and be stored in out._backward.",
            ),
        },
    ),
    Exercise(
        label="ex-graphs-topo-order",
        task="topological_order(root)",
        reference=topological_order,
        cases=lambda rng: [Case((k,), f"the {k} graph") for k in ("chain", "diamond", "neuron")],
        harness=_run_order,
        judge=_judge_order,
    ),
]


# The exercises' words (see _text.py): the chapter's graded cells are written from them.
TEXT = r'''
=== exercise ex-graphs-sin-gate | Your turn: a new gate for the engine
Give the engine a sine: write `vsin(x)`, which takes a `Value` and returns a new
`Value` holding $\sin x$, with `x` as its only child and a `_backward` that applies
the chain rule, as `Value.__mul__` does. The check builds
$\sin(x)\,\sin(xy) + \sin(x)$, in which $x$ is used three times, calls `backward`, and
compares the value and the gradients of $x$ and $y$.
=== stub
def vsin(x):
    """Return a Value holding sin(x.data) whose backward updates x.grad."""
    ...  # your code here


bp.check_answer("ex-graphs-sin-gate", vsin)
=== note
The local derivative is $\cos x$; multiply it by the gradient arriving at the output,
and add (`+=`), since $x$ may be used elsewhere too.
=== solution
def vsin(x):
    """Return a Value holding sin(x.data) whose backward updates x.grad."""
    out = Value(np.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += np.cos(x.data) * out.grad

    out._backward = _backward
    return out


bp.check_answer("ex-graphs-sin-gate", vsin)
=== exercise ex-graphs-topo-order | Your turn: a topological order
Write `topological_order(root)`, which returns a list of every `Value` that `root`
depends on, `root` included, each node exactly once and after all of its children (a
node's children are in `node._children`). Do not call `root.topological_order()`.
=== stub
def topological_order(root):
    """Return every node of root's graph, each after its children."""
    ...  # your code here


bp.check_answer("ex-graphs-topo-order", topological_order)
=== note
Depth first: visit a node's children, then append the node; a set of visited nodes
keeps a value used twice from appearing twice.
=== solution
def topological_order(root):
    """Return every node of root's graph, each after its children."""
    order, visited = [], set()

    def visit(node):
        if id(node) not in visited:
            visited.add(id(node))
            for child in node._children:
                visit(child)
            order.append(node)

    visit(root)
    return order


bp.check_answer("ex-graphs-topo-order", topological_order)
'''
