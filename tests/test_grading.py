"""The graded exercises: each checker accepts its hidden solution, rejects typical wrong
answers with the diagnosis a reader should see, and never shows the reference's values.

The wrong answers below are written here, independently of the mistakes registered in
``backprop.teaching.exercises``; each names the diagnosis it must receive. The last section
reads the chapters: it passes once tools/insert_graded.py has put the cells in.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
import types
from itertools import pairwise
from pathlib import Path

import nbformat
import numpy as np
import pytest

from backprop.roads.engine import Value
from backprop.teaching.exercises import CHAPTERS, EXERCISES, WORDS
from backprop.teaching.exercises._text import parse
from backprop.teaching.grading import DIAGNOSES, check_answer, grade

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("insert_graded", ROOT / "tools" / "insert_graded.py")
insert_graded = importlib.util.module_from_spec(_spec)
sys.modules["insert_graded"] = insert_graded  # dataclasses look their module up there
_spec.loader.exec_module(insert_graded)

DATA = {g.label: g for graded in WORDS.values() for g in graded}


def answer_in(code: str):
    """Run a cell's code with a bp whose check records the answer; return that answer."""
    answers = []
    bp = types.SimpleNamespace(check_answer=lambda label, answer: answers.append((label, answer)))
    exec(compile(code, "<cell>", "exec"), {"np": np, "bp": bp, "Value": Value})
    assert len(answers) == 1, "a graded cell calls bp.check_answer exactly once"
    return answers[0]


def sig(z):
    return np.exp(-np.logaddexp(0, -z))


def soft(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _xhat(x, eps, ddof=0, one_pass=False, with_s=False):
    mu = x.mean(axis=0)
    var = (x**2).mean(axis=0) - mu**2 if one_pass else ((x - mu) ** 2).sum(axis=0) / (len(x) - ddof)
    s = np.sqrt(var + eps)
    return ((x - mu) / s, s) if with_s else (x - mu) / s


def _bn_backward(mean_path=True, var_path=True, ddof=0, eps_used=True, axis=0, one_pass=False):
    """A batch-norm backward written step by step, with one path or ingredient changed."""
    def answer(g, x, gamma, eps):
        N = len(x)
        e = eps if eps_used else 0.0
        xh, s = _xhat(x, e, ddof, one_pass, with_s=True)
        dxhat = gamma * g
        out = dxhat / s
        if mean_path:
            out = out - dxhat.sum(axis=axis, keepdims=True) / (N * s)
        if var_path:
            out = out - xh * (dxhat * xh).sum(axis=axis, keepdims=True) / ((N - ddof) * s)
        return out
    return answer


# ---- the wrong answers, per exercise: (expected diagnosis, answer) ----------------------

def _capstone(**slip):
    """A capstone answer with one or more steps replaced; slip(step) gets the locals."""
    def answer(X, y, W1, b1, W2, b2):
        v = types.SimpleNamespace(X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2, N=len(X), k=W2.shape[1])
        v.Z1 = X @ W1 + b1
        v.A1 = np.tanh(v.Z1)
        v.Z2 = v.A1 @ W2 + b2
        v.Y = np.eye(v.k)[y]
        steps = {
            "delta2": lambda v: (soft(v.Z2) - v.Y) / v.N,
            "grad_W2": lambda v: v.A1.T @ v.delta2,
            "grad_b2": lambda v: v.delta2.sum(axis=0),
            "delta1": lambda v: (v.delta2 @ v.W2.T) * (1 - v.A1**2),
            "grad_W1": lambda v: v.X.T @ v.delta1,
            "grad_b1": lambda v: v.delta1.sum(axis=0),
        }
        for name, step in steps.items():
            setattr(v, name, slip.get(name, step)(v))
        return tuple(getattr(v, name) for name in steps)
    return answer


def _sgd(mean=True, sign=-1.0, eta_used=True):
    def answer(W, b, X, Y, eta):
        d = (X @ W + b - Y) / (len(X) if mean else 1)
        e = eta if eta_used else 1.0
        return W + sign * e * X.T @ d, b + sign * e * d.sum(axis=0)
    return answer


def _mean_shifted(Z):
    e = np.exp(Z - Z.mean(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sgd_in_place(W, b, X, Y, eta):
    d = (X @ W + b - Y) / len(X)
    W -= eta * X.T @ d
    b -= eta * d.sum(axis=0)
    return W, b


def _hvp_in_place(grad, t, v, eps):
    t += eps * v
    up = grad(t)
    t -= 2 * eps * v
    down = grad(t)
    t += eps * v  # back, up to rounding
    return (up - down) / (2 * eps)


def _fd(kind):
    def answer(f, x, h):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            up = f(x)
            if kind == "one-sided":
                x[i] = old
                g[i] = (up - f(x)) / h
                continue
            x[i] = old - h
            down = f(x)
            if kind != "no-restore":
                x[i] = old
            g[i] = (up - down) / (h if kind == "no-2" else 2 * h)
        return g
    return answer


def _gate(mode):
    def vsin(x):
        out = Value(math.sin(x.data), (x,), "sin")

        def _backward():
            if mode == "assign":
                x.grad = math.cos(x.data) * out.grad
            elif mode == "no-upstream":
                x.grad += math.cos(x.data)
            elif mode == "sin":
                x.grad += math.sin(x.data) * out.grad
            else:
                x.grad -= math.cos(x.data) * out.grad

        out._backward = _backward
        return out
    return vsin


def _topo(mode):
    def order(root):
        result, seen = [], set()

        def visit(v):
            if mode != "no-visited" and id(v) in seen:
                return
            seen.add(id(v))
            for c in v._children:
                visit(c)
            result.append(v)

        if mode == "shallow":
            return [*root._children, root]
        visit(root)
        return result[::-1] if mode == "reversed" else result
    return order


def _norms(what):
    def answer(net, X, y):
        net.loss_and_grads(X, y, "cross_entropy")
        values = [what(layer) for layer in net.layers]
        return np.array(values)
    return answer


def _batches(mode):
    def answer(n, size, rng):
        order = {"replace": lambda: rng.integers(0, n, n), "sorted": lambda: np.arange(n)}.get(
            mode, lambda: rng.permutation(n))()
        if mode == "drop-last":
            return [order[i:i + size] for i in range(0, n - size + 1, size)]
        if mode == "array-split":
            return np.array_split(order, size)
        if mode == "flat":
            return order
        return [order[i:i + size] for i in range(0, n, size)]
    return answer


def _count(F_factor=2, skip_first=True, per_example=False):
    def answer(sizes, N):
        n = 1 if per_example else N
        F = n * sum(a * b for a, b in pairwise(sizes))
        return F_factor * F - (n * sizes[0] * sizes[1] if skip_first else 0)
    return answer


def _res(dY, X, W, b, gp=lambda Z: 1 - np.tanh(Z) ** 2, skip=1.0, WT=True):
    Z = X @ W + b
    return skip * dY + (dY * gp(Z)) @ (W.T if WT else W)


def _clip(per_array=False, always=False, naive=False, power=1):
    def norm(gs):
        if naive:
            return np.sqrt(sum(np.sum(g**2) for g in gs))
        s = max(np.max(np.abs(g)) for g in gs)
        return s * np.sqrt(sum(np.sum((g / s) ** 2) for g in gs))

    def answer(grads, c):
        out = []
        for g in grads:
            n = norm([g] if per_array else grads) ** power
            out.append(g * (c / n if always else min(1.0, c / n)))
        return out
    return answer


def _cached(shared=True, identity=True, with_input=True, per_example=False):
    def answer(sizes, activations, N):
        total = sizes[0] if with_input else 0
        for prev, n, g in zip(sizes[:-1], sizes[1:], activations, strict=True):
            total += (0 if shared else prev) + (n if identity and g == "identity" else 2 * n)
        return total * (1 if per_example else N)
    return answer


def _rop(input_term=True, weight_term=True, bias_term=True, gp=lambda Z: 1 - np.tanh(Z) ** 2):
    def answer(X, RX, W, b, VW, Vb):
        RZ = (RX @ W if input_term else 0) + (X @ VW if weight_term else 0) + (Vb if bias_term else 0)
        return RZ, gp(X @ W + b) * RZ
    return answer


def _conv_loops(stride_used=True, flip=False, batch=None, kernel=True):
    """Kernel or input gradient of a 1-D convolution, by loops over m, o, c, j, u."""
    def grads(a, b, k_or_n, stride):
        s = stride if stride_used else 1
        if kernel:
            x, delta, k = a, b, k_or_n
            N, O, n_out = delta.shape
            g = np.zeros((O, x.shape[1], k))
        else:
            delta, K, n = a, b, k_or_n
            N, O, n_out = delta.shape
            k = K.shape[2]
            g = np.zeros((N, K.shape[1], n))
        for m in range(N if batch is None else batch):
            for o in range(O):
                for c in range(g.shape[1]):
                    for j in range(n_out):
                        for u in range(k):
                            if kernel:
                                g[o, c, u] += delta[m, o, j] * x[m, c, s * j + u]
                            else:
                                g[m, c, s * j + u] += delta[m, o, j] * K[o, c, k - 1 - u if flip else u]
        return g[:, :, ::-1] if kernel and flip else g
    return grads


def _bptt(recurrent=True, local=True, gp=lambda h: 1 - h**2, WT=True):
    def answer(d, G, h, W):
        back = (d @ (W.T if WT else W)) if recurrent else 0.0
        return (back + (G if local else 0.0)) * gp(h)
    return answer


def _wh(shift=1, steps=None, with_h0=True, divide=False):
    def answer(H, h0, delta):
        T = H.shape[1]
        g = np.zeros((H.shape[2], H.shape[2]))
        for t in range(T) if steps is None else steps(T):
            prev = (h0 if with_h0 else 0 * h0) if t - shift < 0 else H[:, t - shift]
            g += prev.T @ delta[:, t]
        return g / T if divide else g
    return answer


def _best_k(peak=lambda L, k, c: math.ceil(L / k) + c * k, larger=True):
    def answer(L, c):
        best = None
        for k in range(1, L + 1):
            if best is None or peak(L, k, c) < peak(L, best, c) or (
                    larger and peak(L, k, c) == peak(L, best, c)):
                best = k
        return best
    return answer


WRONG: dict[str, list[tuple[object, object]]] = {
    "ex-derivatives-sigmoid-prime": [
        ("returned_sigma", lambda z: 1 / (1 + np.exp(-z))),
        ("sign_flipped", lambda z: -sig(z) * (1 - sig(z))),
        ("nan_or_overflow", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
        ("factor_2", lambda z: 2 * sig(z) * (1 - sig(z))),
        ("plus_not_minus", lambda z: sig(z) * (1 + sig(z))),
        ("raised", lambda z: z.no_such_attribute),
        ("wrong_values", lambda z: np.cos(z)),
    ],
    "ex-derivatives-half-sse-grad": [
        ("summed_not_averaged", lambda a, y: a - y),
        ("sign_flipped", lambda a, y: (y - a) / len(a)),
        ("divided_by_size", lambda a, y: (a - y) / a.size),
        ("transposed", lambda a, y: ((a - y) / len(a)).T),
        ("wrong_shape", lambda a, y: ((a - y) / len(a)).mean(axis=1)),
        ("not_finite", lambda a, y: (a - y) / 0),
    ],
    "ex-chain-neuron-grad": [
        ("g_prime_missing", lambda w, b, x, y: (sig(w * x + b) - y) * x),
        ("input_missing", lambda w, b, x, y: (sig(w * x + b) - y) * sig(w * x + b) * sig(-w * x - b)),
        ("sign_flipped", lambda w, b, x, y: (y - sig(w * x + b)) * sig(w * x + b) * sig(-w * x - b) * x),
        ("factor_2", lambda w, b, x, y: 2 * (sig(w * x + b) - y) * sig(w * x + b) * sig(-w * x - b) * x),
    ],
    "ex-chain-layer-vjp": [
        ("g_prime_missing", lambda x, W, g: g @ W.T),
        ("g_not_g_prime", lambda x, W, g: (g * np.tanh(x @ W)) @ W.T),
        ("raised", lambda x, W, g: (g * (1 - np.tanh(x @ W) ** 2)) @ W),
        ("wrong_shape", lambda x, W, g: g * (1 - np.tanh(x @ W) ** 2)),
        ("sign_flipped", lambda x, W, g: -(g * (1 - np.tanh(x @ W) ** 2)) @ W.T),
    ],
    "ex-forward-layer-batch": [
        ("bias_missing", lambda X, W, b: np.tanh(X @ W)),
        ("activation_missing", lambda X, W, b: X @ W + b),
        ("transposed", lambda X, W, b: np.tanh(X @ W + b).T),
        ("raised", lambda X, W, b: np.tanh(X @ W.T + b)),
    ],
    "ex-forward-two-layers": [
        ("bias_missing", lambda X, W1, b1, W2, b2: np.maximum(np.maximum(X @ W1, 0) @ W2, 0)),
        ("output_activation_missing", lambda X, W1, b1, W2, b2: np.maximum(X @ W1 + b1, 0) @ W2 + b2),
        ("hidden_activation_missing", lambda X, W1, b1, W2, b2: np.maximum((X @ W1 + b1) @ W2 + b2, 0)),
        ("raised", lambda X, W1, b1, W2, b2: np.maximum(X @ W1.T + b1, 0)),
    ],
    "ex-softmax-stable": [
        ("nan_or_overflow", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        ("nan_or_overflow", lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True)),
        ("wrong_axis", lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)),
        ("batch1_only", lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))
         / np.exp(Z - Z.max(axis=1, keepdims=True)).sum()),
        ("raised", lambda Z: np.exp(Z - Z.max(axis=1)) / np.exp(Z - Z.max(axis=1)).sum(axis=1)),
        ("large_inputs", lambda Z: soft(np.clip(Z, -50, 50))),
        # shifted by the row's mean: right in exact arithmetic, overflows when the
        # maximum sits more than 709 above the mean
        ("nan_or_overflow", lambda Z: np.exp(Z - Z.mean(axis=1, keepdims=True))
         / np.exp(Z - Z.mean(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
        # a path that forgets its return
        ("returned_none", lambda Z: soft(Z) if len(Z) > 1 else None),
        # right on a batch of 1 and on larger batches, wrong on the 6-logit one: no
        # "right only for batch size 1" claim
        ("wrong_values", lambda Z: soft(Z) if Z.shape[1] != 6 else soft(Z)[::-1]),
    ],
    "ex-softmax-vjp-code": [
        ("coupling_missing", lambda s, g: s * g),
        ("coupling_missing", lambda s, g: s * (1 - s) * g),
        ("wrong_axis", lambda s, g: s * (g - (g * s).sum(axis=0, keepdims=True))),
        ("batch1_only", lambda s, g: s * (g - (g * s).sum())),
        ("sign_flipped", lambda s, g: s * ((g * s).sum(axis=1, keepdims=True) - g)),
    ],
    "ex-ce-logit-grad": [
        ("summed_not_averaged", lambda Z, y: soft(Z) - np.eye(Z.shape[1])[y]),
        ("sign_flipped", lambda Z, y: (np.eye(Z.shape[1])[y] - soft(Z)) / len(Z)),
        ("logits_not_probabilities", lambda Z, y: (Z - np.eye(Z.shape[1])[y]) / len(Z)),
        ("nan_or_overflow", lambda Z, y: (np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
                                          - np.eye(Z.shape[1])[y]) / len(Z)),
        ("wrong_axis", lambda Z, y: (np.exp(Z) / np.exp(Z).sum(axis=0) - np.eye(Z.shape[1])[y]) / len(Z)),
        ("nan_or_overflow", lambda Z, y: (_mean_shifted(Z) - np.eye(Z.shape[1])[y]) / len(Z)),
        ("nan_or_overflow", lambda Z, y: (np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True)
                                          - np.eye(Z.shape[1])[y]) / len(Z)),
    ],
    "ex-ce-loss-logits": [
        ("summed_not_averaged", lambda Z, y: -np.log(soft(Z))[np.arange(len(y)), y].sum()),
        ("sign_flipped", lambda Z, y: np.log(soft(Z))[np.arange(len(y)), y].mean()),
        ("nan_or_overflow", lambda Z, y: -np.log(soft(Z))[np.arange(len(y)), y].mean()),
        ("mean_over_entries", lambda Z, y: -(np.eye(Z.shape[1])[y] * np.log(soft(Z))).mean()),
    ],
    "ex-bp-hidden-error": [
        ("g_prime_missing", lambda d, W, Z: d @ W.T),
        ("g_not_g_prime", lambda d, W, Z: (d @ W.T) * sig(Z)),
        ("raised", lambda d, W, Z: (d @ W) * sig(Z) * (1 - sig(Z))),
        ("sign_flipped", lambda d, W, Z: -(d @ W.T) * sig(Z) * (1 - sig(Z))),
    ],
    "ex-bp-capstone": [
        ({"delta2": "summed_not_averaged", "grad_W2": "inherited", "delta1": "inherited",
          "grad_b1": "inherited"}, _capstone(delta2=lambda v: soft(v.Z2) - v.Y)),
        ({"delta2": "logits_not_probabilities", "grad_W1": "inherited"},
         _capstone(delta2=lambda v: (v.Z2 - v.Y) / v.N)),
        ({"delta2": "sign_flipped", "grad_b2": "inherited"},
         _capstone(delta2=lambda v: (v.Y - soft(v.Z2)) / v.N)),
        ({"grad_W2": "transposed", "delta1": "correct"}, _capstone(grad_W2=lambda v: v.delta2.T @ v.A1)),
        ({"grad_W2": "pre_activation", "grad_W1": "correct"}, _capstone(grad_W2=lambda v: v.Z1.T @ v.delta2)),
        ({"grad_b2": "averaged_not_summed"}, _capstone(grad_b2=lambda v: v.delta2.mean(axis=0))),
        ({"grad_b2": "wrong_axis"}, _capstone(grad_b2=lambda v: v.delta2.sum(axis=1))),
        ({"delta1": "g_prime_missing", "grad_W1": "inherited", "grad_b1": "inherited", "delta2": "correct"},
         _capstone(delta1=lambda v: v.delta2 @ v.W2.T)),
        ({"delta1": "g_not_g_prime"}, _capstone(delta1=lambda v: (v.delta2 @ v.W2.T) * v.A1)),
        ({"grad_W1": "transposed"}, _capstone(grad_W1=lambda v: v.delta1.T @ v.X)),
        ({"grad_b1": "wrong_shape"}, _capstone(grad_b1=lambda v: v.delta1.sum(axis=0, keepdims=True))),
        ("raised", _capstone(delta1=lambda v: (v.delta2 @ v.W2) * (1 - v.A1**2))),
    ],
    "ex-worked-output-weight": [
        ("g_prime_missing", lambda h, o, t: (o - t) * h),
        ("input_missing", lambda h, o, t: (o - t) * o * (1 - o)),
        ("sign_flipped", lambda h, o, t: (t - o) * o * (1 - o) * h),
        ("factor_2", lambda h, o, t: 2 * (o - t) * o * (1 - o) * h),
    ],
    "ex-worked-hidden-weights": [
        ("one_path", lambda x, h, o, t, W2: np.outer(x, W2[:, 0] * (o[0] - t[0]) * o[0] * (1 - o[0])
                                                     * h * (1 - h))),
        ("g_prime_missing", lambda x, h, o, t, W2: np.outer(x, W2 @ ((o - t) * o * (1 - o)))),
        ("g_prime_missing", lambda x, h, o, t, W2: np.outer(x, (W2 @ (o - t)) * h * (1 - h))),
        ("transposed", lambda x, h, o, t, W2: np.outer((W2 @ ((o - t) * o * (1 - o))) * h * (1 - h), x)),
        ("raised", lambda x, h, o, t, W2: np.outer(x, (W2.T @ ((o - t) * o * (1 - o))) * h * (1 - h))),
    ],
    "ex-loop-minibatches": [
        ("with_replacement", _batches("replace")),
        ("not_shuffled", _batches("sorted")),
        ("last_batch_dropped", _batches("drop-last")),
        ("wrong_batch_sizes", _batches("array-split")),
        ("not_a_list", _batches("flat")),
        ("out_of_range", lambda n, size, rng: [b + 1 for b in _batches("")(n, size, rng)]),
        ("rows_missing", lambda n, size, rng: [b[1:] for b in _batches("")(n, size, rng)]),
        ("ignores_rng", lambda n, size, rng: _batches("")(n, size, np.random.default_rng())),
        ("ignores_rng", lambda n, size, rng: _batches("")(n, size, np.random.default_rng(0))),
    ],
    "ex-loop-sgd-step": [
        ({"W": "ascent", "b": "ascent"}, _sgd(sign=1.0)),
        ({"W": "summed_not_averaged", "b": "summed_not_averaged"}, _sgd(mean=False)),
        ({"W": "eta_missing", "b": "eta_missing"}, _sgd(eta_used=False)),
        ("raised", lambda W, b, X, Y, eta: (W - eta * ((X @ W + b - Y) / len(X)).T @ X, b)),
        ("mutated_input", _sgd_in_place),
    ],
    "ex-gradcheck-centred": [
        ("one_sided", _fd("one-sided")),
        ("factor_2", _fd("no-2")),
        ("not_restored", _fd("no-restore")),
        ("raised", lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h) + f()),
    ],
    "ex-gradcheck-relerr": [
        ("absolute_error", lambda a, n: np.linalg.norm(a - n)),
        ("one_norm_denominator", lambda a, n: np.linalg.norm(a - n) / np.linalg.norm(n)),
        ("sum_of_norms", lambda a, n: np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))),
        ("nan_or_overflow", lambda a, n: np.sqrt(np.sum((a - n) ** 2))
         / max(np.sqrt(np.sum(a**2)), np.sqrt(np.sum(n**2)))),
    ],
    "ex-digits-accuracy": [
        ("argmin", lambda Z, y: np.mean(np.argmin(Z, axis=1) == y)),
        ("summed_not_averaged", lambda Z, y: np.sum(np.argmax(Z, axis=1) == y)),
        ("constant_factor", lambda Z, y: 100 * np.mean(np.argmax(Z, axis=1) == y)),
        ("raised", lambda Z, y: np.mean(np.argmax(Z, axis=0) == y)),
    ],
    "ex-digits-confusion": [
        ("transposed", lambda y, p, k: _confusion(p, y, k)),
        ("not_accumulated", lambda y, p, k: _set_once(y, p, k)),
        ("normalised", lambda y, p, k: _confusion(y, p, k)
         / _confusion(y, p, k).sum(1, keepdims=True).clip(1)),
        ("raised", lambda y, p, k: np.zeros(k, k)),
    ],
    "ex-graphs-sin-gate": [
        ({"grads": "not_accumulated", "value": "correct"}, _gate("assign")),
        ({"grads": "upstream_missing"}, _gate("no-upstream")),
        ({"grads": "wrong_local"}, _gate("sin")),
        ({"grads": "sign_flipped", "value": "correct"}, _gate("minus")),
        ("raised", lambda x: Value(math.sin(x), (x,), "sin")),
    ],
    "ex-graphs-topo-order": [
        ("duplicates", _topo("no-visited")),
        ("reversed_order", _topo("reversed")),
        ("missing_nodes", _topo("shallow")),
        ("not_a_list", lambda root: root),
        ("order_violated", lambda root: [root, *_topo("")(root)[:-1]]),
    ],
    "ex-speed-backward-count": [
        ("first_layer_input_grad", _count(skip_first=False)),
        ("one_product", _count(F_factor=1)),
        ("averaged_not_summed", _count(per_example=True)),
        ("factor_2", lambda s, N: 2 * _count()(s, N)),
    ],
    "ex-speed-fd-passes": [
        ("biases_missing", 2 * (64 * 32 + 32 * 10)),
        ("factor_half", 64 * 32 + 32 + 32 * 10 + 10),
        ("one_sided", 64 * 32 + 32 + 32 * 10 + 10 + 1),
        ("not_an_array", "4820"),
    ],
    "ex-deep-init-std": [
        ("variance_not_std", lambda a, b, s: 2 / a if s == "he" else 2 / (a + b)),
        ("he_fan_out", lambda a, b, s: np.sqrt(2 / b) if s == "he" else np.sqrt(2 / (a + b))),
        ("xavier_half_variance", lambda a, b, s: np.sqrt(2 / a) if s == "he" else np.sqrt(1 / (a + b))),
        ("raised", lambda a, b, s: {"he": np.sqrt(2 / a)}[s]),
    ],
    "ex-deep-grad-norms": [
        ("weights_not_gradients", _norms(lambda layer: np.linalg.norm(layer.W))),
        ("deltas", _norms(lambda layer: np.linalg.norm(layer.delta))),
        ("squared_norms", _norms(lambda layer: np.sum(layer.grad_W**2))),
        ("not_an_array", lambda net, X, y: [net.loss_and_grads(X, y, "cross_entropy")] and net.grads),
        ("reversed_layers", lambda net, X, y: _norms(lambda l: np.linalg.norm(l.grad_W))(net, X, y)[::-1]),
    ],
    "ex-bn-backward-by-hand": [
        ("inference_gradient", lambda g, x, gamma, eps: gamma * g / np.sqrt(x.var(axis=0) + eps)),
        ("mean_path_missing", _bn_backward(mean_path=False)),
        ("variance_path_missing", _bn_backward(var_path=False)),
        ("unbiased_variance", _bn_backward(ddof=1)),
        ("eps_dropped", _bn_backward(eps_used=False)),
        ("gamma_missing", lambda g, x, gamma, eps: _bn_backward()(g, x, np.ones_like(gamma), eps)),
        ("wrong_axis", _bn_backward(axis=1)),
        ("sign_flipped", lambda g, x, gamma, eps: -_bn_backward()(g, x, gamma, eps)),
        ("large_inputs", _bn_backward(one_pass=True)),
    ],
    "ex-bn-param-grads": [
        ({"grad_gamma": "x_not_x_hat", "grad_beta": "correct"},
         lambda g, x, eps: ((g * x).sum(axis=0), g.sum(axis=0))),
        ({"grad_gamma": "correct", "grad_beta": "averaged_not_summed"},
         lambda g, x, eps: ((g * _xhat(x, eps)).sum(axis=0), g.mean(axis=0))),
        ({"grad_gamma": "wrong_axis", "grad_beta": "wrong_axis"},
         lambda g, x, eps: ((g * _xhat(x, eps)).sum(axis=1), g.sum(axis=1))),
        ({"grad_gamma": "sign_flipped", "grad_beta": "correct"},
         lambda g, x, eps: (-(g * _xhat(x, eps)).sum(axis=0), g.sum(axis=0))),
    ],
    "ex-residual-backward": [
        ("skip_missing", lambda dY, X, W, b: _res(dY, X, W, b, skip=0.0)),
        ("g_prime_missing", lambda dY, X, W, b: _res(dY, X, W, b, gp=lambda Z: 1.0)),
        ("g_not_g_prime", lambda dY, X, W, b: _res(dY, X, W, b, gp=np.tanh)),
        ("transposed", lambda dY, X, W, b: _res(dY, X, W, b, WT=False)),
        ("sign_flipped", lambda dY, X, W, b: -_res(dY, X, W, b)),
        ("wrong_shape", lambda dY, X, W, b: _res(dY, X, W, b).sum(axis=0)),
    ],
    "ex-residual-clip": [
        ("per_array", _clip(per_array=True)),
        ("always_rescaled", _clip(always=True)),
        ("squared_norm", _clip(power=2)),
        ("large_inputs", _clip(naive=True)),
        ("wrong_shape", lambda grads, c: _clip()(grads, c)[:1]),
        ("raised", lambda grads, c: grads * min(1.0, c / np.linalg.norm(grads))),
        ("wrong_shape", lambda grads, c: np.concatenate([g.ravel() for g in _clip()(grads, c)])),
        ("wrong_shape", lambda grads, c: [g.ravel() for g in _clip()(grads, c)]),
    ],
    "ex-memory-cache-floats": [
        ("sharing_missed", _cached(shared=False, identity=False, with_input=False)),
        ("identity_missed", _cached(identity=False)),
        ("input_missing", _cached(with_input=False)),
        ("averaged_not_summed", _cached(per_example=True)),
        ("raised", lambda sizes, activations, N: N * sizes[0] + activations[len(sizes)]),
    ],
    "ex-memory-checkpoint-peak": [
        ("floor_not_ceiling", lambda L, k, N, n, c: N * n * (L // k + c * k)),
        ("not_rounded", lambda L, k, N, n, c: N * n * (L / k + c * k)),
        ("c_missing", lambda L, k, N, n, c: N * n * (math.ceil(L / k) + k)),
        ("whole_network_cached", lambda L, k, N, n, c: N * n * (math.ceil(L / k) + c * L)),
        ("averaged_not_summed", lambda L, k, N, n, c: n * (math.ceil(L / k) + c * k)),
    ],
    "ex-hessian-hvp-fd": [
        ("one_sided", lambda grad, t, v, eps: (grad(t + eps * v) - grad(t)) / eps),
        ("v_missing", lambda grad, t, v, eps: (grad(t + eps) - grad(t - eps)) / (2 * eps)),
        ("factor_2", lambda grad, t, v, eps: (grad(t + eps * v) - grad(t - eps * v)) / eps),
        ("sign_flipped", lambda grad, t, v, eps: (grad(t - eps * v) - grad(t + eps * v)) / (2 * eps)),
        ("raised", lambda grad, t, v, eps: (grad(t + eps * v) - grad(t - eps * v)) @ np.eye(2) / eps),
        ("mutated_input", _hvp_in_place),
    ],
    "ex-hessian-r-dense": [
        ({"RZ": "input_term_missing", "RA": "inherited"}, _rop(input_term=False)),
        ({"RZ": "weight_term_missing", "RA": "inherited"}, _rop(weight_term=False)),
        ({"RZ": "bias_term_missing", "RA": "inherited"}, _rop(bias_term=False)),
        ({"RZ": "correct", "RA": "g_prime_missing"}, _rop(gp=lambda Z: 1.0)),
        ({"RZ": "correct", "RA": "g_not_g_prime"}, _rop(gp=np.tanh)),
        ({"RZ": "transposed", "RA": "correct"}, lambda *a: (_rop()(*a)[0].T, _rop()(*a)[1])),
    ],
    "ex-conv-kernel-grad": [
        ("stride_ignored", _conv_loops(stride_used=False)),
        ("kernel_flipped", _conv_loops(flip=True)),
        ("averaged_not_summed", lambda x, d, k, s: _conv_loops()(x, d, k, s) / len(x)),
        ("batch1_only", _conv_loops(batch=1)),
        ("axes_swapped", lambda x, d, k, s: _conv_loops()(x, d, k, s).transpose(1, 0, 2)),
        ("sign_flipped", lambda x, d, k, s: -_conv_loops()(x, d, k, s)),
    ],
    "ex-conv-input-grad": [
        ("stride_ignored", _conv_loops(stride_used=False, kernel=False)),
        ("kernel_not_flipped", _conv_loops(flip=True, kernel=False)),
        ("sign_flipped", lambda d, K, n, s: -_conv_loops(kernel=False)(d, K, n, s)),
        ("wrong_shape", lambda d, K, n, s: _conv_loops(kernel=False)(d, K, n, s).sum(axis=1)),
        ("raised", lambda d, K, n, s: np.einsum("moj,ocu->mcj", d, K).reshape(len(d), -1, n)),
    ],
    "ex-rnn-delta-step": [
        ("g_prime_missing", _bptt(gp=lambda h: 1.0)),
        ("g_not_g_prime", _bptt(gp=lambda h: h)),
        ("tanh_prime_wrong", _bptt(gp=lambda h: 1 - h)),
        ("local_gradient_missing", _bptt(local=False)),
        ("recurrent_path_missing", _bptt(recurrent=False)),
        ("transposed", _bptt(WT=False)),
        ("sign_flipped", lambda d, G, h, W: -_bptt()(d, G, h, W)),
    ],
    "ex-rnn-grad-wh": [
        ("current_state", _wh(shift=0)),
        ("last_step_only", _wh(steps=lambda T: [T - 1])),
        ("h0_missing", _wh(with_h0=False)),
        ("averaged_over_time", _wh(divide=True)),
        ("transposed", lambda H, h0, d: _wh()(H, h0, d).T),
        ("averaged_not_summed", lambda H, h0, d: _wh()(H, h0, d) / len(H)),
        ("wrong_shape", lambda H, h0, d: np.einsum("ntj,ntk->tjk", H, d)),
    ],
    "ex-memory-best-k": [
        ("continuous_optimum", lambda L, c: max(1, round(math.sqrt(L / c)))),
        ("ties_to_more_work", _best_k(larger=False)),
        ("floor_not_ceiling", _best_k(peak=lambda L, k, c: L // k + c * k)),
        ("wrong_values", _best_k(peak=lambda L, k, c: L / k + c * k)),
        ("raised", lambda L, c: min(range(1, L), key=lambda k: -(-L // k) + c * k)),
    ],
}


def _confusion(y, p, k):
    C = np.zeros((k, k))
    for i, j in zip(y, p, strict=True):
        C[i, j] += 1
    return C


def _set_once(y, p, k):
    C = np.zeros((k, k))
    C[y, p] += 1
    return C


CASES = [(label, expected, answer) for label, wrongs in WRONG.items() for expected, answer in wrongs]


# ---- every exercise: registered, written out, accepts its solution ----------------------

def test_every_registered_exercise_has_its_cells_and_two_per_chapter():
    assert set(DATA) == set(EXERCISES)
    for stem, exercises in CHAPTERS.items():
        assert len(exercises) >= 2, stem
        assert (ROOT / "chapters" / f"{stem}.ipynb").exists(), stem
        assert [g.label for g in WORDS[stem]] == [ex.label for ex in exercises]


def test_the_words_parser_refuses_a_malformed_text():
    with pytest.raises(ValueError, match="before the first"):
        parse("=== stub\nx = 1\n", "m")
    with pytest.raises(ValueError, match=r"lacks \['solution'\]"):
        parse("=== exercise ex-a | A\nText.\n=== stub\n...\n", "m")
    with pytest.raises(ValueError, match="an ex- label"):
        parse("=== exercise a | A\nT\n=== stub\n...\n=== solution\n1\n", "m")
    (g,) = parse("=== exercise ex-a | A title\nText.\n=== stub\nS\n=== solution\nR\n", "m")
    assert (g.label, g.title, g.text, g.stub, g.note, g.solution) == (
        "ex-a", "A title", "Text.", "S", "", "R")


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_the_hidden_solution_is_accepted(label):
    called, answer = answer_in(DATA[label].solution)
    assert called == label
    verdict = grade(label, answer)
    assert verdict.status == "correct", verdict.text
    assert verdict.text.startswith(f"{label}: correct.")


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_the_stub_gets_a_neutral_verdict(label, capsys):
    called, answer = answer_in(DATA[label].stub)
    assert called == label
    assert check_answer(label, answer) is None
    printed = capsys.readouterr().out
    neutral = "not answered yet.\nWrite your code in place of `...` and run the cell again."
    assert printed == f"{label}: {neutral}\n"
    assert max(len(line) for line in printed.splitlines()) <= 79, "wider than a notebook's column"


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_cells_fit_the_page(label):
    g = DATA[label]
    for code in (g.stub, g.solution):
        assert max(len(line) for line in code.splitlines()) <= 79
        compile(code, label, "exec")
    assert "..." in g.stub
    ex = EXERCISES[label]
    if not ex.value:  # the stub defines the function the verdicts name
        assert f"def {ex.task}:" in g.stub


def test_at_least_three_wrong_answers_per_exercise():
    assert set(WRONG) == set(EXERCISES)
    assert all(len(wrongs) >= 3 for wrongs in WRONG.values())


# ---- wrong answers: rejected, with the diagnosis ----------------------------------------

@pytest.mark.parametrize(("label", "expected", "answer"), CASES,
                         ids=[f"{label}-{i}" for i, (label, _, _) in enumerate(CASES)])
def test_a_wrong_answer_is_rejected_with_its_diagnosis(label, expected, answer):
    verdict = grade(label, answer)
    assert verdict.status == "wrong", verdict.text
    if isinstance(expected, dict):
        for part, diagnosis in expected.items():
            assert verdict.parts[part] == diagnosis, verdict.text
    else:
        assert verdict.diagnosis == expected, verdict.text
        if expected in DIAGNOSES:
            assert DIAGNOSES[expected] in verdict.text
    assert "Traceback" not in verdict.text


def _significant(text: str) -> int:
    return len(text.lstrip("-+").replace(".", "").lstrip("0").split("e")[0])


def _reference_numbers(label: str) -> set[str]:
    """The reference's outputs on the checker's inputs, formatted as a verdict might."""
    from backprop.teaching import grading

    ex = EXERCISES[label]
    cases = ex.cases(np.random.default_rng(grading._seed(label)))
    if ex.judge is not None:
        return set()
    outs = grading._outputs(ex, ex.reference, cases)
    found = set()
    for values in outs.values():
        for v in np.concatenate([np.ravel(np.asarray(o, dtype=float)) for o in values]):
            if not np.isfinite(v) or v == 0:
                continue
            for fmt in (".3f", ".4f", ".6f", ".3g", ".4g", ".6g", "r"):
                text = repr(float(v)) if fmt == "r" else format(v, fmt)
                if _significant(text) >= 3:
                    found.add(text)
    return found


def test_a_verdict_never_shows_the_reference_values():
    numbers = {label: _reference_numbers(label) for label in EXERCISES}
    assert sum(map(len, numbers.values())) > 1000  # the test looks at real numbers
    def leaked(label: str, text: str) -> set[str]:
        return {t.rstrip(".") for t in re.findall(r"-?\d[\d.e+-]*", text)} & numbers[label]

    some = sorted(numbers["ex-ce-logit-grad"])[0]
    assert leaked("ex-ce-logit-grad", f"Diagnosis: expected {some}.")  # a leak would be seen
    for label, expected, answer in CASES:
        text = grade(label, answer).text
        assert not leaked(label, text), (label, expected, leaked(label, text), text)


# ---- the verdicts themselves -------------------------------------------------------------

def test_an_answer_that_raises_is_named_without_a_traceback():
    verdict = grade("ex-derivatives-sigmoid-prime", lambda z: 1 / 0)
    assert verdict.diagnosis == "raised"
    assert "ZeroDivisionError: division by zero" in verdict.text
    assert "Traceback" not in verdict.text and "File " not in verdict.text


def test_a_naive_softmax_is_diagnosed_as_overflow_with_a_hint():
    verdict = grade("ex-softmax-stable", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    assert verdict.diagnosis == "nan_or_overflow"
    assert "NaN or overflow for large inputs" in verdict.text and "maximum" in verdict.text


def test_unanswered_in_every_form_is_neutral():
    for answer in (None, ..., lambda *args: None, lambda *args: ...):
        verdict = grade("ex-ce-logit-grad", answer)
        assert verdict.status == "unanswered" and verdict.diagnosis is None


def test_a_partly_written_capstone_grades_what_is_written():
    solution = answer_in(DATA["ex-bp-capstone"].solution)[1]
    verdict = grade("ex-bp-capstone", lambda *args: (solution(*args)[0], ..., ..., ..., ..., ...))
    assert verdict.status == "unanswered"
    rest = EXERCISES["ex-bp-capstone"].parts[1:]
    assert verdict.parts == {"delta2": "correct", **dict.fromkeys(rest, "unanswered")}


def test_a_wrong_shape_names_the_expected_one():
    verdict = grade("ex-derivatives-half-sse-grad", lambda a, y: ((a - y) / len(a)).mean(axis=1))
    assert verdict.diagnosis == "wrong_shape"
    assert re.search(r"has shape \(\d+,\), expected \(\d+, \d+\)", verdict.text)


def test_a_value_that_is_not_a_function_and_a_missing_label():
    assert grade("ex-digits-accuracy", np.ones(3)).diagnosis == "not_a_function"
    with pytest.raises(ValueError, match=r"is called 'ex-softmax-stabel'.*ex-softmax-stable"):
        grade("ex-softmax-stabel", None)
    with pytest.raises(TypeError, match="label must be a str"):
        grade(3, None)


def test_verdicts_are_deterministic():
    answer = WRONG["ex-bp-capstone"][0][1]
    assert grade("ex-bp-capstone", answer).text == grade("ex-bp-capstone", answer).text


# ---- tools/insert_graded.py on a small notebook --------------------------------------------

def _small_chapter():
    import nbformat

    cells = [
        nbformat.v4.new_markdown_cell("# Title\n\n## Summary\n\n- a point\n\n## Exercises\n\n:::{exercise}\n"
                                      ":label: ex-old\n\nOld.\n:::"),
        nbformat.v4.new_code_cell("print(1)", execution_count=1,
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n## References\n\n"
                                      "```{footbibliography}\n```"),
    ]
    for i, cell in enumerate(cells):
        cell.id = f"c{i}"
    return nbformat.v4.new_notebook(cells=cells)


def test_insertion_goes_at_the_end_of_the_exercises_and_is_idempotent():
    graded = WORDS["01_derivatives"]
    once = insert_graded.insert(_small_chapter(), graded, "small")
    sources = [c.source for c in once.cells]
    assert sources[2] == "```{solution-end}\n```"  # the heading moved to a cell of its own
    assert sources[-1].startswith("## References")
    assert [c.id for c in once.cells[3:-1]] == [
        f"{g.label}-{part}" for g in graded for part in ("text", "stub", "solution")
    ]
    assert once.cells[4].execution_count == 2 and "not answered yet" in once.cells[4].outputs[0].text
    twice = insert_graded.insert(once, graded, "small")
    assert [c.source for c in twice.cells] == sources
    assert [c.id for c in twice.cells] == [c.id for c in once.cells]
    assert [c.source for c in twice.cells[:2]] == [c.source for c in _small_chapter().cells[:2]]


DATA_01 = WORDS["01_derivatives"]


def test_insertion_refuses_a_chapter_without_exercises_or_with_a_clashing_label():
    nb = _small_chapter()
    nb.cells[0].source = "# Title"
    with pytest.raises(ValueError, match="## Exercises"):
        insert_graded.insert(nb, DATA_01, "x")
    nb = _small_chapter()
    nb.cells[0].source += "\n\n:::{exercise}\n:label: ex-derivatives-sigmoid-prime\n:::"
    with pytest.raises(ValueError, match="already used"):
        insert_graded.insert(nb, DATA_01, "x")


# ---- after insertion: the chapters hold every graded exercise ----------------------------
# These tests read chapters/*.ipynb. They fail until `tools/insert_graded.py` has inserted
# the cells (the lead runs it); then they check that every registered exercise is in its
# chapter exactly once, that the notebook's hidden solution passes and its stub is neutral.

def _graded_cells() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if "graded" not in cell.get("metadata", {}).get("tags", []):
                continue
            source = "".join(cell["source"])
            solution = re.search(r":::\{solution\} (ex-[\w-]+)\n.*?```python\n(.*?)```", source, re.S)
            label = re.search(r':label: (ex-[\w-]+)|bp\.check_answer\("(ex-[\w-]+)"', source)
            if solution:
                found.setdefault(solution.group(1), {})["solution"] = solution.group(2)
            elif cell["cell_type"] == "code" and label:
                found.setdefault(label.group(2), {})["stub"] = source
                found[label.group(2)]["chapter"] = path.stem
    return found


def test_after_insertion_every_exercise_is_in_its_chapter_and_its_solution_passes():
    cells = _graded_cells()
    missing = sorted(set(EXERCISES) - set(cells))
    assert not missing, f"not in any notebook yet (run tools/insert_graded.py): {missing}"
    for stem, exercises in CHAPTERS.items():
        for ex in exercises:
            assert cells[ex.label].get("chapter") == stem, ex.label
            assert grade(ex.label, answer_in(cells[ex.label]["solution"])[1]).status == "correct", ex.label
            assert grade(ex.label, answer_in(cells[ex.label]["stub"])[1]).status == "unanswered", ex.label


@pytest.mark.parametrize("stem", sorted(CHAPTERS))
def test_the_notebooks_graded_cells_are_written_from_the_one_source(stem):
    """A graded cell edited in the notebook, not in its exercise module, fails here:
    rewriting the chapter from the module must leave its cells as they are stored."""
    path = ROOT / "chapters" / f"{stem}.ipynb"
    stored = nbformat.read(path, as_version=4)
    rewritten = insert_graded.insert(nbformat.read(path, as_version=4), WORDS[stem], path.name)
    assert [(c.cell_type, c.source) for c in rewritten.cells] == [
        (c.cell_type, c.source) for c in stored.cells]
