"""A corpus of wrong answers a student would plausibly write, with the diagnosis each deserves.

Written from the exercises' task texts (each chapter module's TEXT), not from the mistakes the
checkers register: typical slips such as Z where A belongs, g where g' belongs, tanh'
written as 1 - tanh, the wrong norm, a missing transpose, a sum for a mean, a missing
term or factor, an off-by-one, the wrong axis, the wrong layer's values. Each answer
must be rejected, and its diagnosis must be the expected one or, at worst, the generic
"wrong values": never a wrong claim. At least 80 % must get their specific diagnosis.
"""

from __future__ import annotations

import math
import types
from itertools import pairwise

import numpy as np
import pytest

from backprop.roads.engine import Value
from backprop.teaching.exercises import EXERCISES
from backprop.teaching.grading import DIAGNOSES, grade


def sig(z):
    return np.exp(-np.logaddexp(0, -z))


def soft(Z, axis=1):
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def onehot(y, k):
    return np.eye(k)[y]


def logsoft(Z):
    s = Z - Z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


# ---- helpers that write an answer with one step changed --------------------------------

def _capstone(**slip):
    def answer(X, y, W1, b1, W2, b2):
        v = types.SimpleNamespace(X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2, N=len(X), k=W2.shape[1])
        v.Z1 = X @ W1 + b1
        v.A1 = np.tanh(v.Z1)
        v.Z2 = v.A1 @ W2 + b2
        v.Y = onehot(y, v.k)
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


def _sgd(delta=lambda X, W, b, Y: (X @ W + b - Y) / len(X), gW=lambda X, d: X.T @ d,
         gb=lambda d: d.sum(axis=0), sign=-1.0, factor=1.0):
    def answer(W, b, X, Y, eta):
        d = delta(X, W, b, Y)
        return W + sign * factor * eta * gW(X, d), b + sign * factor * eta * gb(d)
    return answer


def _fd(mode):
    def answer(f, x, h):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            if mode == "whole":
                g[i] = (f(x + h) - f(x - h)) / (2 * h)
                continue
            x[i] = old + h
            up = f(x)
            if mode == "restored-early":
                x[i] = old
                down = f(x)
            elif mode == "one-sided":
                x[i] = old
                g[i] = (up - f(x)) / h
                continue
            else:
                x[i] = old - h
                down = f(x)
            if mode != "no-restore":
                x[i] = old
            g[i] = (up - down) / (h if mode == "no-2" else 2 * h)
        return g
    return answer


def _scaled(a, n):
    s = max(np.abs(a).max(), np.abs(n).max())
    return a / s, n / s


def _relerr(norm, combine=max, power=1):
    def answer(a, n):
        a, n = _scaled(a, n)
        return (norm(a - n) / combine(norm(a), norm(n))) ** power
    return answer


def _gate(rule, value=math.sin):
    def vsin(x):
        out = Value(value(x.data), (x,), "sin")

        def _backward():
            rule(x, out)

        out._backward = _backward
        return out
    return vsin


def _assign(x, out):
    x.grad = math.cos(x.data) * out.grad


def _no_upstream(x, out):
    x.grad += math.cos(x.data)


def _cos_of_output(x, out):
    x.grad += math.cos(out.data) * out.grad


def _reversed_direction(x, out):  # the chain rule run the wrong way: x.grad never changes
    out.grad += math.cos(x.data) * x.grad


def _minus(x, out):
    x.grad -= math.cos(x.data) * out.grad


def _topo(mode):
    def order(root):
        result, seen = [], set()

        def visit(v):
            if mode != "no-visited":
                if id(v) in seen:
                    return
                seen.add(id(v))
            if mode == "pre-order":
                result.append(v)
            for c in v._children:
                visit(c)
            if mode != "pre-order":
                result.append(v)

        if mode == "children-only":
            for c in root._children:
                visit(c)
            return result
        visit(root)
        return result[::-1] if mode == "reversed" else result
    return order


def _batches(make_order, cut):
    def answer(n, size, rng):
        return cut(make_order(n, rng), n, size)
    return answer


def _slices(order, n, size):
    return [order[i:i + size] for i in range(0, n, size)]


def _pairs(sizes):
    return list(pairwise(sizes))


def _F(sizes, N):
    return N * sum(a * b for a, b in _pairs(sizes))


def _norms(what):
    def answer(net, X, y):
        net.loss_and_grads(X, y, "cross_entropy")
        return np.array([what(layer) for layer in net.layers])
    return answer


def _bn(xh_for_sum=None, ddof=0, axis=0, gamma_used=True, one_pass=False, eps_used=True):
    """Batch-norm backward, step by step, with one ingredient changed."""
    def answer(g, x, gamma, eps):
        N = len(x)
        mu = x.mean(axis=0)
        var = (x**2).mean(axis=0) - mu**2 if one_pass else ((x - mu) ** 2).sum(axis=0) / (N - ddof)
        s = np.sqrt(var + (eps if eps_used else 0.0))
        xh = (x - mu) / s
        other = xh if xh_for_sum is None else xh_for_sum(x, mu, s)
        gm = gamma if gamma_used else 1.0
        return gm / (N * s) * (N * g - g.sum(axis=axis, keepdims=True)
                               - other * (g * other).sum(axis=axis, keepdims=True))
    return answer


def _xhat(x, eps, ddof=0):
    c = x - x.mean(axis=0)
    return c / np.sqrt((c**2).sum(axis=0) / (len(x) - ddof) + eps)


def _res(dY, X, W, b, gp=lambda Z: 1 - np.tanh(Z) ** 2, skip=True, WT=True, bias=True, after=False):
    Z = X @ W + (b if bias else 0)
    Wb = W.T if WT else W
    branch = (dY @ Wb) * gp(Z) if after else (dY * gp(Z)) @ Wb
    return (dY if skip else 0) + branch


def _gnorm(grads, kind="l2"):
    if kind == "l1":
        return sum(np.abs(g).sum() for g in grads)
    if kind == "max":
        return max(np.abs(g).max() for g in grads)
    if kind == "naive":
        return np.sqrt(sum(np.sum(g**2) for g in grads))
    s = max(np.abs(g).max() for g in grads)
    return s * np.sqrt(sum(np.sum((g / s) ** 2) for g in grads))


def _clip(kind="l2", factor=lambda c, norm: min(1.0, c / norm)):
    def answer(grads, c):
        norm = _gnorm(grads, kind)
        return [g * factor(c, norm) for g in grads]
    return answer


def _cache(first=lambda s: s[0], per_layer=lambda prev, n, g: n if g == "identity" else 2 * n, N_used=True):
    def answer(sizes, activations, N):
        total = first(sizes)
        for prev, n, g in zip(sizes[:-1], sizes[1:], activations, strict=True):
            total += per_layer(prev, n, g)
        return total * (N if N_used else 1)
    return answer


def _best(peak=lambda L, k, c: -(-L // k) + c * k, ties_large=True):
    def answer(L, c):
        best = 1
        for k in range(1, L + 1):
            p, q = peak(L, k, c), peak(L, best, c)
            if p < q or (ties_large and p == q):
                best = k
        return best
    return answer


def _counts(rows, cols, k, add=True):
    C = np.zeros((k, k), dtype=int)
    for i, j in zip(rows, cols, strict=True):
        C[i, j] = C[i, j] + 1 if add else 1
    return C


def _argmin_index(L, c):
    costs = [-(-L // k) + c * k for k in range(1, L + 1)]
    return int(np.argmin(costs))


def _rop(RZ=lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW + Vb,
         RA=lambda Z, RZ: (1 - np.tanh(Z) ** 2) * RZ):
    def answer(X, RX, W, b, VW, Vb):
        rz = RZ(X, RX, W, b, VW, Vb)
        return rz, RA(X @ W + b, rz)
    return answer


def _conv(kernel=True, position=lambda s, j, u: s * j + u, flip=False, batch=None, assign=False,
          axes="oc", mean=False):
    """A 1-D convolution's kernel or input gradient by loops, with one thing changed."""
    def grads(a, b, k_or_n, stride):
        if kernel:
            x, delta, k = a, b, k_or_n
            N, O, n_out = delta.shape
            C = x.shape[1]
            g = np.zeros((O, C, k))
        else:
            delta, K, n = a, b, k_or_n
            N, O, n_out = delta.shape
            C, k = K.shape[1], K.shape[2]
            g = np.zeros((N, C, n))
        for m in range(N if batch is None else batch):
            for o in range(O):
                for c in range(C):
                    for j in range(n_out):
                        for u in range(k):
                            p = position(stride, j, u)
                            if kernel:
                                tap = k - 1 - u if flip else u
                                g[o, c, tap] += delta[m, o, j] * x[m, c, p]
                            elif assign:
                                g[m, c, p] = delta[m, o, j] * K[o, c, u]
                            else:
                                g[m, c, p] += delta[m, o, j] * K[o, c, k - 1 - u if flip else u]
        if kernel and axes == "co":
            g = g.transpose(1, 0, 2)
        return g / N if mean else g
    return grads


def _bptt(combine=lambda d, G, h, W: (d @ W.T + G) * (1 - h**2)):
    return lambda d, G, h, W: combine(d, G, h, W)


def _wh(prev=lambda H, h0, t: h0 if t == 0 else H[:, t - 1], steps=lambda T: range(T), order="hd", div=1):
    def answer(H, h0, delta):
        m = H.shape[2]
        g = np.zeros((m, m))
        for t in steps(H.shape[1]):
            p = prev(H, h0, t)
            g += p.T @ delta[:, t] if order == "hd" else delta[:, t].T @ p
        return g / (len(H) if div == "N" else 1)
    return answer


# ---- the corpus: label -> [(expected diagnosis, answer)] ---------------------------------
# An expected dict names the diagnosis of each part it lists (the other parts are not
# checked); an entry counts as specific when every part it lists gets its diagnosis.

CORPUS: dict[str, list[tuple[object, object]]] = {
    "ex-derivatives-sigmoid-prime": [
        ("plus_not_minus", lambda z: sig(z) * (1 + sig(z))),
        ("wrong_derivative", lambda z: 1 - sig(z) ** 2),
        ("pre_activation", lambda z: z * (1 - z)),
        ("pre_activation", lambda z: sig(z) * (1 - z)),
        ("nan_or_overflow", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    ],
    "ex-derivatives-half-sse-grad": [
        ("summed_not_averaged", lambda a, y: a - y),
        ("factor_2", lambda a, y: 2 * (a - y) / len(a)),
        ("loss_not_gradient", lambda a, y: (a - y) ** 2 / (2 * len(a))),
        ("divided_by_size", lambda a, y: (a - y) / a.size),
        ("wrong_axis", lambda a, y: (a - y) / a.shape[1]),
    ],
    "ex-chain-neuron-grad": [
        ("input_missing", lambda w, b, x, y: (sig(w * x + b) - y) * sig(w * x + b) * (1 - sig(w * x + b))),
        ("g_prime_missing", lambda w, b, x, y: (sig(w * x + b) - y) * x),
        ("pre_activation", lambda w, b, x, y: ((w * x + b) - y) * sig(w * x + b) * (1 - sig(w * x + b)) * x),
        ("bias_missing", lambda w, b, x, y: (sig(w * x) - y) * sig(w * x) * (1 - sig(w * x)) * x),
        ("w_not_x", lambda w, b, x, y: (sig(w * x + b) - y) * sig(w * x + b) * (1 - sig(w * x + b)) * w),
    ],
    "ex-chain-layer-vjp": [
        ("tanh_prime_wrong", lambda x, W, g: (g * (1 - np.tanh(x @ W))) @ W.T),
        ("wrong_derivative", lambda x, W, g: (g * np.tanh(x @ W) * (1 - np.tanh(x @ W))) @ W.T),
        ("pre_activation", lambda x, W, g: (g * (1 - (x @ W) ** 2)) @ W.T),
        ("g_prime_missing", lambda x, W, g: g @ W.T),
        ("g_not_g_prime", lambda x, W, g: (g * np.tanh(x @ W)) @ W.T),
    ],
    "ex-forward-layer-batch": [
        ("activation_missing", lambda X, W, b: X @ W + b),
        ("bias_after_activation", lambda X, W, b: np.tanh(X @ W) + b),
        ("wrong_activation", lambda X, W, b: sig(X @ W + b)),
        ("wrong_activation", lambda X, W, b: np.maximum(X @ W + b, 0)),
        ("bias_missing", lambda X, W, b: np.tanh(X @ W)),
    ],
    "ex-forward-two-layers": [
        ("output_activation_missing", lambda X, W1, b1, W2, b2: np.maximum(X @ W1 + b1, 0) @ W2 + b2),
        ("hidden_activation_missing", lambda X, W1, b1, W2, b2: np.maximum((X @ W1 + b1) @ W2 + b2, 0)),
        ("bias_after_activation",
         lambda X, W1, b1, W2, b2: np.maximum((np.maximum(X @ W1, 0) + b1) @ W2, 0) + b2),
        ("bias_missing", lambda X, W1, b1, W2, b2: np.maximum(np.maximum(X @ W1 + b1, 0) @ W2, 0)),
        ("max_not_maximum", lambda X, W1, b1, W2, b2: np.max(np.max(X @ W1 + b1, 0) @ W2 + b2, 0)),
    ],
    "ex-softmax-stable": [
        ("nan_or_overflow", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        ("wrong_axis", lambda Z: np.exp(Z - Z.max(axis=0))
         / np.exp(Z - Z.max(axis=0)).sum(axis=1, keepdims=True)),
        ("batch1_only", lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))
         / np.exp(Z - Z.max(axis=1, keepdims=True)).sum()),
        ("wrong_axis", lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))
         / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=0)),
        ("log_softmax", logsoft),
    ],
    "ex-softmax-vjp-code": [
        ("coupling_missing", lambda s, g: s * g),
        ("coupling_missing", lambda s, g: s * g - s * s * g),
        ("wrong_axis", lambda s, g: s * (g - (g * s).sum(axis=0, keepdims=True))),
        ("wrong_dot_product", lambda s, g: s * (g - g.sum(axis=1, keepdims=True))),
        ("factor_s_missing", lambda s, g: g - (g * s).sum(axis=1, keepdims=True)),
    ],
    "ex-ce-logit-grad": [
        ("summed_not_averaged", lambda Z, y: soft(Z) - onehot(y, Z.shape[1])),
        ("logits_not_probabilities", lambda Z, y: (Z - onehot(y, Z.shape[1])) / len(Z)),
        ("labels_not_one_hot", lambda Z, y: (soft(Z) - y[:, None]) / len(Z)),
        ("nan_or_overflow", lambda Z, y: (np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
                                          - onehot(y, Z.shape[1])) / len(Z)),
        ("wrong_axis", lambda Z, y: (soft(Z, axis=0) - onehot(y, Z.shape[1])) / len(Z)),
    ],
    "ex-ce-loss-logits": [
        ("summed_not_averaged", lambda Z, y: -logsoft(Z)[np.arange(len(y)), y].sum()),
        ("sign_flipped", lambda Z, y: logsoft(Z)[np.arange(len(y)), y].mean()),
        ("wrong_shape", lambda Z, y: -logsoft(Z)[np.arange(len(y)), y]),
        ("label_not_picked", lambda Z, y: -logsoft(Z).mean()),
        ("nan_or_overflow", lambda Z, y: -np.log(soft(Z)[np.arange(len(y)), y]).mean()),
    ],
    "ex-bp-hidden-error": [
        ("g_prime_missing", lambda d, W, Z: d @ W.T),
        ("pre_activation", lambda d, W, Z: (d @ W.T) * Z * (1 - Z)),
        ("wrong_derivative", lambda d, W, Z: (d @ W.T) * (1 - sig(Z) ** 2)),
        ("plus_not_minus", lambda d, W, Z: (d @ W.T) * sig(Z) * (1 + sig(Z))),
        ("g_not_g_prime", lambda d, W, Z: (d @ W.T) * sig(Z)),
    ],
    "ex-bp-capstone": [
        ({"delta2": "summed_not_averaged"}, _capstone(delta2=lambda v: soft(v.Z2) - v.Y)),
        ({"grad_W2": "wrong_layer"}, _capstone(grad_W2=lambda v: v.X.T @ v.delta2)),
        ({"delta1": "pre_activation"}, _capstone(delta1=lambda v: (v.delta2 @ v.W2.T) * (1 - v.Z1**2))),
        ({"delta1": "tanh_prime_wrong"}, _capstone(delta1=lambda v: (v.delta2 @ v.W2.T) * (1 - v.A1))),
        ({"grad_b1": "averaged_not_summed"}, _capstone(grad_b1=lambda v: v.delta1.mean(axis=0))),
    ],
    "ex-worked-output-weight": [
        ("g_prime_missing", lambda h, o, t: (o - t) * h),
        ("input_missing", lambda h, o, t: (o - t) * o * (1 - o)),
        ("sign_flipped", lambda h, o, t: (t - o) * o * (1 - o) * h),
        ("wrong_layer", lambda h, o, t: (o - t) * h * (1 - h) * h),
        ("wrong_layer", lambda h, o, t: (o - t) * o * (1 - o) * o),
    ],
    "ex-worked-hidden-weights": [
        ("transposed", lambda x, h, o, t, W2: np.outer((W2 @ ((o - t) * o * (1 - o))) * h * (1 - h), x)),
        ("g_prime_missing", lambda x, h, o, t, W2: np.outer(x, (W2 @ (o - t)) * h * (1 - h))),
        ("g_prime_missing", lambda x, h, o, t, W2: np.outer(x, W2 @ ((o - t) * o * (1 - o)))),
        ("wrong_layer", lambda x, h, o, t, W2: np.outer(h, (W2 @ ((o - t) * o * (1 - o))) * h * (1 - h))),
        ("sign_flipped", lambda x, h, o, t, W2: np.outer(x, (W2 @ ((t - o) * o * (1 - o))) * h * (1 - h))),
    ],
    "ex-loop-minibatches": [
        ("with_replacement", _batches(lambda n, rng: rng.choice(n, n), _slices)),
        ("ignores_rng", _batches(lambda n, rng: np.random.permutation(n), _slices)),  # noqa: NPY002
        ("last_batch_dropped", _batches(lambda n, rng: rng.permutation(n),
                                        lambda o, n, b: [o[i * b:(i + 1) * b] for i in range(n // b)])),
        ("wrong_batch_sizes", _batches(lambda n, rng: rng.permutation(n),
                                       lambda o, n, b: np.array_split(o, max(1, n // b)))),
        ("not_shuffled", _batches(lambda n, rng: np.arange(n), _slices)),
    ],
    "ex-loop-sgd-step": [
        ({"W": "summed_not_averaged"}, _sgd(delta=lambda X, W, b, Y: X @ W + b - Y)),
        ({"W": "ascent"}, _sgd(sign=1.0)),
        ({"b": "averaged_not_summed"}, _sgd(gb=lambda d: d.mean(axis=0))),
        ({"W": "bias_missing"}, _sgd(delta=lambda X, W, b, Y: (X @ W - Y) / len(X))),
        ({"W": "factor_2"}, _sgd(factor=2.0)),
    ],
    "ex-gradcheck-centred": [
        ("one_sided", _fd("one-sided")),
        ("factor_2", _fd("no-2")),
        ("not_restored", _fd("no-restore")),
        ("all_entries_perturbed", _fd("whole")),
        ("one_sided", _fd("restored-early")),
    ],
    "ex-gradcheck-relerr": [
        ("nan_or_overflow", lambda a, n: np.sqrt(np.sum((a - n) ** 2))
         / max(np.sqrt(np.sum(a**2)), np.sqrt(np.sum(n**2)))),
        ("wrong_norm", _relerr(lambda v: np.abs(v).sum())),
        ("wrong_norm", _relerr(lambda v: np.abs(v).max())),
        ("wrong_norm", _relerr(np.linalg.norm, power=2)),
        ("min_not_max", _relerr(np.linalg.norm, combine=min)),
    ],
    "ex-digits-accuracy": [
        ("summed_not_averaged", lambda Z, y: np.sum(np.argmax(Z, axis=1) == y)),
        ("constant_factor", lambda Z, y: 100 * np.mean(np.argmax(Z, axis=1) == y)),
        ("max_not_argmax", lambda Z, y: np.mean(np.max(Z, axis=1) == y)),
        ("error_rate", lambda Z, y: np.mean(np.argmax(Z, axis=1) != y)),
        ("wrong_axis", lambda Z, y: np.mean(np.argmax(Z) == y)),
    ],
    "ex-digits-confusion": [
        ("transposed", lambda y, p, k: _counts(p, y, k)),
        ("not_accumulated", lambda y, p, k: _counts(y, p, k, add=False)),
        ("normalised",
         lambda y, p, k: _counts(y, p, k) / np.maximum(_counts(y, p, k).sum(axis=1, keepdims=True), 1)),
        ("averaged_not_summed", lambda y, p, k: _counts(y, p, k) / len(y)),
        ("off_by_one", lambda y, p, k: _counts(y - 1, p - 1, k)),
    ],
    "ex-graphs-sin-gate": [
        ({"grads": "not_accumulated"}, _gate(_assign)),
        ({"grads": "upstream_missing"}, _gate(_no_upstream)),
        ({"grads": "output_not_input"}, _gate(_cos_of_output)),
        ({"grads": "grad_not_propagated"}, _gate(_reversed_direction)),
        ({"grads": "sign_flipped"}, _gate(_minus)),
    ],
    "ex-graphs-topo-order": [
        ("duplicates", _topo("no-visited")),
        ("reversed_order", _topo("pre-order")),
        ("reversed_order", _topo("reversed")),
        ("missing_nodes", _topo("children-only")),
        ("missing_nodes", lambda root: [*root._children, root]),
    ],
    "ex-speed-backward-count": [
        ("first_layer_input_grad", lambda s, N: 2 * _F(s, N)),
        ("one_product", lambda s, N: _F(s, N) - N * s[0] * s[1]),
        ("averaged_not_summed", lambda s, N: 2 * _F(s, 1) - s[0] * s[1]),
        ("wrong_layer", lambda s, N: 2 * _F(s, N) - N * s[-2] * s[-1]),
        ("forward_counted", lambda s, N: 3 * _F(s, N) - N * s[0] * s[1]),
    ],
    "ex-speed-fd-passes": [
        ("biases_missing", 2 * (64 * 32 + 32 * 10)),
        ("factor_half", 64 * 32 + 32 + 32 * 10 + 10),
        ("one_sided", 64 * 32 + 32 + 32 * 10 + 10 + 1),
        ("wrong_bias_count", 2 * (64 * 32 + 64 + 32 * 10 + 32)),
        ("base_pass_counted", 2 * (64 * 32 + 32 + 32 * 10 + 10) + 1),
    ],
    "ex-deep-init-std": [
        ("variance_not_std", lambda a, b, s: 2 / (a + b) if s == "xavier" else 2 / a),
        ("he_fan_out", lambda a, b, s: np.sqrt(2 / (a + b)) if s == "xavier" else np.sqrt(2 / b)),
        ("xavier_fan_in", lambda a, b, s: np.sqrt(1 / a) if s == "xavier" else np.sqrt(2 / a)),
        ("he_half_variance", lambda a, b, s: np.sqrt(2 / (a + b)) if s == "xavier" else np.sqrt(1 / a)),
        ("schemes_swapped", lambda a, b, s: np.sqrt(2 / a) if s == "xavier" else np.sqrt(2 / (a + b))),
    ],
    "ex-deep-grad-norms": [
        ("weights_not_gradients", _norms(lambda layer: np.linalg.norm(layer.W))),
        ("bias_gradients", _norms(lambda layer: np.linalg.norm(layer.grad_b))),
        ("wrong_norm", _norms(lambda layer: np.abs(layer.grad_W).sum())),
        ("wrong_norm", _norms(lambda layer: np.linalg.norm(layer.grad_W, 2))),
        ("reversed_layers",
         lambda net, X, y: _norms(lambda layer: np.linalg.norm(layer.grad_W))(net, X, y)[::-1]),
    ],
    "ex-bn-backward-by-hand": [
        ("gamma_missing", _bn(gamma_used=False)),
        ("unbiased_variance", _bn(ddof=1)),
        ("wrong_axis", _bn(axis=1)),
        ("x_not_x_hat", _bn(xh_for_sum=lambda x, mu, s: x - mu)),
        ("large_inputs", _bn(one_pass=True)),
    ],
    "ex-bn-param-grads": [
        ({"grad_gamma": "x_not_x_hat"}, lambda g, x, eps: ((g * x).sum(axis=0), g.sum(axis=0))),
        ({"grad_gamma": "averaged_not_summed", "grad_beta": "averaged_not_summed"},
         lambda g, x, eps: ((g * _xhat(x, eps)).mean(axis=0), g.mean(axis=0))),
        ({"grad_gamma": "swapped", "grad_beta": "swapped"},
         lambda g, x, eps: (g.sum(axis=0), (g * _xhat(x, eps)).sum(axis=0))),
        ({"grad_gamma": "wrong_axis", "grad_beta": "wrong_axis"},
         lambda g, x, eps: ((g * _xhat(x, eps)).sum(axis=1), g.sum(axis=1))),
        ({"grad_gamma": "unbiased_variance"},
         lambda g, x, eps: ((g * _xhat(x, eps, 1)).sum(axis=0), g.sum(axis=0))),
    ],
    "ex-residual-backward": [
        ("skip_missing", lambda dY, X, W, b: _res(dY, X, W, b, skip=False)),
        ("transposed", lambda dY, X, W, b: _res(dY, X, W, b, WT=False)),
        ("pre_activation", lambda dY, X, W, b: _res(dY, X, W, b, gp=lambda Z: 1 - Z**2)),
        ("tanh_prime_wrong", lambda dY, X, W, b: _res(dY, X, W, b, gp=lambda Z: 1 - np.tanh(Z))),
        ("g_prime_misplaced", lambda dY, X, W, b: _res(dY, X, W, b, after=True)),
    ],
    "ex-residual-clip": [
        ("per_array", lambda grads, c: [g * min(1.0, c / _gnorm([g])) for g in grads]),
        ("large_inputs", _clip("naive")),
        ("wrong_norm", _clip("l1")),
        ("clipped_by_value", lambda grads, c: [np.clip(g, -c, c) for g in grads]),
        ("inverted_ratio", _clip(factor=lambda c, norm: min(1.0, norm / c))),
    ],
    "ex-memory-cache-floats": [
        ("sharing_missed", _cache(first=lambda s: 0, per_layer=lambda prev, n, g: prev + 2 * n)),
        ("input_missing", _cache(first=lambda s: 0)),
        ("averaged_not_summed", _cache(N_used=False)),
        ("identity_reversed", _cache(per_layer=lambda prev, n, g: 2 * n if g == "identity" else n)),
        ("activations_missing", _cache(per_layer=lambda prev, n, g: n)),
    ],
    "ex-memory-checkpoint-peak": [
        ("floor_not_ceiling", lambda L, k, N, n, c: N * n * (L // k + c * k)),
        ("averaged_not_summed", lambda L, k, N, n, c: n * (-(-L // k) + c * k)),
        ("whole_network_cached", lambda L, k, N, n, c: N * n * (-(-L // k) + c * L)),
        ("n_missing", lambda L, k, N, n, c: N * (-(-L // k) + c * k)),
        ("floor_plus_one", lambda L, k, N, n, c: N * n * (L // k + 1 + c * k)),
    ],
    "ex-memory-best-k": [
        ("continuous_optimum", lambda L, c: max(1, round(math.sqrt(L / c)))),
        ("c_missing", _best(peak=lambda L, k, c: -(-L // k) + k)),
        ("ties_to_more_work", _best(ties_large=False)),
        ("floor_not_ceiling", _best(peak=lambda L, k, c: L // k + c * k)),
        ("off_by_one", _argmin_index),
    ],
    "ex-hessian-hvp-fd": [
        ("one_sided", lambda grad, t, v, eps: (grad(t + eps * v) - grad(t)) / eps),
        ("factor_2", lambda grad, t, v, eps: (grad(t + eps * v) - grad(t - eps * v)) / eps),
        ("v_missing", lambda grad, t, v, eps: (grad(t + eps) - grad(t - eps)) / (2 * eps)),
        ("dotted_with_v", lambda grad, t, v, eps: v @ (grad(t + eps * v) - grad(t - eps * v)) / (2 * eps)),
        ("times_v", lambda grad, t, v, eps: v * (grad(t + eps * v) - grad(t - eps * v)) / (2 * eps)),
    ],
    "ex-hessian-r-dense": [
        ({"RZ": "input_term_missing"}, _rop(RZ=lambda X, RX, W, b, VW, Vb: X @ VW + Vb)),
        ({"RZ": "correct", "RA": "tanh_prime_wrong"}, _rop(RA=lambda Z, RZ: (1 - np.tanh(Z)) * RZ)),
        ({"RZ": "correct", "RA": "pre_activation"}, _rop(RA=lambda Z, RZ: (1 - Z**2) * RZ)),
        ({"RZ": "b_not_Vb"}, _rop(RZ=lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW + b)),
        ({"RZ": "second_order_term"}, _rop(RZ=lambda X, RX, W, b, VW, Vb: RX @ W + X @ VW + RX @ VW + Vb)),
    ],
    "ex-conv-kernel-grad": [
        ("stride_ignored", _conv(position=lambda s, j, u: j + u)),
        ("kernel_flipped", _conv(flip=True)),
        ("averaged_not_summed", _conv(mean=True)),
        ("stride_on_tap", _conv(position=lambda s, j, u: s * u + j)),
        ("axes_swapped", _conv(axes="co")),
    ],
    "ex-conv-input-grad": [
        ("stride_ignored", _conv(kernel=False, position=lambda s, j, u: j + u)),
        ("kernel_not_flipped", _conv(kernel=False, flip=True)),
        ("not_accumulated", _conv(kernel=False, assign=True)),
        ("stride_on_tap", _conv(kernel=False, position=lambda s, j, u: s * u + j)),
        ("batch1_only", _conv(kernel=False, batch=1)),
    ],
    "ex-rnn-delta-step": [
        ("g_prime_missing", _bptt(lambda d, G, h, W: d @ W.T + G)),
        ("tanh_prime_wrong", _bptt(lambda d, G, h, W: (d @ W.T + G) * (1 - h))),
        ("wrong_derivative", _bptt(lambda d, G, h, W: (d @ W.T + G) * h * (1 - h))),
        ("transposed", _bptt(lambda d, G, h, W: (d @ W + G) * (1 - h**2))),
        ("g_prime_misplaced", _bptt(lambda d, G, h, W: (d @ W.T) * (1 - h**2) + G)),
    ],
    "ex-rnn-grad-wh": [
        ("current_state", _wh(prev=lambda H, h0, t: H[:, t])),
        ("h0_missing", _wh(steps=lambda T: range(1, T))),
        ("transposed", _wh(order="dh")),
        ("averaged_not_summed", _wh(div="N")),
        ("last_step_only", _wh(steps=lambda T: [T - 1])),
    ],
}

# right answers written another way: each must still be accepted
CORRECT: dict[str, list[object]] = {
    "ex-derivatives-sigmoid-prime": [lambda z: sig(z) - sig(z) ** 2, lambda z: sig(z) * sig(-z)],
    "ex-chain-layer-vjp": [lambda x, W, g: (g / np.cosh(x @ W) ** 2) @ W.T],
    "ex-softmax-vjp-code": [lambda s, g: np.stack([g_ @ (np.diag(s_) - np.outer(s_, s_))
                                                    for s_, g_ in zip(s, g, strict=True)])],
    "ex-gradcheck-relerr": [_relerr(np.linalg.norm)],
    "ex-digits-accuracy": [lambda Z, y: np.mean(np.argmax(soft(Z), axis=1) == y)],
    "ex-residual-clip": [_clip()],
    "ex-memory-best-k": [_best()],
    "ex-rnn-grad-wh": [_wh()],
    "ex-conv-kernel-grad": [_conv()],
    "ex-conv-input-grad": [_conv(kernel=False)],
    "ex-bn-backward-by-hand": [_bn()],
}

ENTRIES = [(label, expected, answer) for label, wrongs in CORPUS.items() for expected, answer in wrongs]


def _first(expected):
    """The (part, diagnosis) an entry is about: its first part expected to be wrong."""
    if not isinstance(expected, dict):
        return None, expected
    return next((p, d) for p, d in expected.items() if d != "correct")


def _specific(label, expected, answer) -> bool:
    """Whether the verdict is "wrong" with the expected (specific) diagnosis of every part listed."""
    verdict = grade(label, answer)
    if verdict.status != "wrong":
        return False
    if isinstance(expected, dict):
        return all(verdict.parts.get(p) == d for p, d in expected.items())
    return verdict.diagnosis == expected


def test_every_exercise_has_three_to_five_wrong_answers():
    assert set(CORPUS) == set(EXERCISES)
    assert all(3 <= len(wrongs) <= 5 for wrongs in CORPUS.values())
    assert all(_first(e)[1] != "wrong_values" for _, e, _ in ENTRIES)


@pytest.mark.parametrize(("label", "expected", "answer"), ENTRIES,
                         ids=[f"{label}-{i}" for i, (label, _, _) in enumerate(ENTRIES)])
def test_a_corpus_answer_is_rejected_and_never_misdiagnosed(label, expected, answer):
    verdict = grade(label, answer)
    assert verdict.status == "wrong", verdict.text
    assert "Traceback" not in verdict.text
    items = expected.items() if isinstance(expected, dict) else [(None, expected)]
    for part, diagnosis in items:
        got = verdict.diagnosis if part is None else verdict.parts[part]
        # the expected diagnosis, or at worst the generic one (never a false claim)
        assert got in (diagnosis, "wrong_values"), verdict.text
        if got == diagnosis and diagnosis in DIAGNOSES and diagnosis != "correct":
            assert DIAGNOSES[diagnosis] in verdict.text


RIGHT = [(label, a) for label, answers in CORRECT.items() for a in answers]


@pytest.mark.parametrize(("label", "answer"), RIGHT)
def test_a_right_answer_written_another_way_is_accepted(label, answer):
    verdict = grade(label, answer)
    assert verdict.status == "correct", verdict.text


def test_most_corpus_answers_get_their_specific_diagnosis():
    hits = [_specific(label, expected, answer) for label, expected, answer in ENTRIES]
    share = sum(hits) / len(hits)
    missed = [f"{label}: {_first(expected)[1]} -> {grade(label, answer).diagnosis}"
              for (label, expected, answer), hit in zip(ENTRIES, hits, strict=True) if not hit]
    print(f"\nspecific diagnoses: {sum(hits)} of {len(hits)} corpus answers ({share:.0%})")
    print("\n".join(missed))
    assert share >= 0.8, "\n".join(missed)
