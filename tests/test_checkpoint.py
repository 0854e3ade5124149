"""Gradient checkpointing and the forward caches: gradients equal to the plain
backward pass and to centred differences, for random widths, depths, segment
lengths, activations and losses; the bytes stored against closed forms written
here from the widths (not from backprop.roads.checkpointing); what backward reads; bad input.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop as bp
from backprop.roads.checkpointing import (
    backward_reads,
    cache_nbytes,
    checkpointed_loss_and_grads,
    distinct_nbytes,
    segments,
)
from backprop.teaching.counting import MatmulLog

EQUAL_RTOL = 1e-12  # recomputation repeats the same operations: equal gradients
FD_RTOL = 1e-6
HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
HEADS = [
    ("identity", "half_sse", "real"),
    ("identity", "mse", "real"),
    ("sigmoid", "half_sse", "unit"),
    ("identity", "cross_entropy", "onehot"),
    ("identity", "binary_cross_entropy", "unit"),
    ("softmax", "mse", "onehot"),
]


def targets(kind: str, rng: np.random.Generator, N: int, k: int) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(N, k))
    if kind == "unit":
        return rng.uniform(size=(N, k))
    return np.eye(k)[rng.integers(0, k, N)]


def problem(seed, widths, hidden, head):
    rng = np.random.default_rng(seed)
    output, loss, kind = head
    net = bp.MLP.init(widths, rng, activation=hidden, output=output)
    for layer in net.layers:            # no ReLU exactly at its kink z = 0
        layer.b[...] = rng.normal(scale=0.5, size=layer.b.shape)
    N = int(rng.integers(1, 6))
    X = rng.normal(size=(N, widths[0]))
    return net, X, targets(kind, rng, N, widths[-1]), loss


def floats_per_layer(net: bp.MLP) -> list[int]:
    """c_l: z and a, one array when g is the identity (a is z)."""
    return [1 if layer.g.name == "identity" else 2 for layer in net.layers]


def peak_by_formula(widths, c, N, k):
    """max over segments j of (inputs of segments 1..j) + (caches of j)."""
    L = len(widths) - 1
    ends = list(range(L, 0, -k))[::-1]        # segment j: layers end-k+1..end
    peak, inputs = 0, 0
    for end in ends:
        start = max(end - k, 0)                # input a^start, width n_start
        inputs += widths[start]
        caches = sum(c[l - 1] * widths[l] for l in range(start + 1, end + 1))
        peak = max(peak, inputs + caches)
    return N * peak


widths_st = st.lists(st.integers(1, 5), min_size=2, max_size=8)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), widths=widths_st,
       hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS),
       every=st.integers(1, 9))
def test_gradients_equal_the_plain_backward(seed, widths, hidden, head, every):
    if head[2] == "onehot" and widths[-1] < 2:
        widths = [*widths[:-1], 2]
    net, X, Y, loss = problem(seed, widths, hidden, head)
    plain = net.loss_and_grads(X, Y, loss)
    grads = net.flat_grads.copy()
    net.flat_grads[...] = np.nan                # must all be overwritten
    value = checkpointed_loss_and_grads(net, X, Y, loss, every)
    assert value == plain
    np.testing.assert_allclose(net.flat_grads, grads, rtol=EQUAL_RTOL,
                               atol=1e-15)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS)
def test_gradients_equal_centred_differences(hidden, head):
    net, X, Y, loss = problem(3, [3, 4, 3, 4, 3], hidden, head)
    checkpointed_loss_and_grads(net, X, Y, loss, every=2)
    f = bp.get_loss(loss)
    for P, G in zip(net.params, net.grads, strict=True):
        numeric = bp.numerical_gradient(lambda: f.value(net.forward(X), Y), P)
        np.testing.assert_allclose(G, numeric, rtol=FD_RTOL, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), widths=widths_st,
       hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS[:3]),
       every=st.integers(1, 9))
def test_peak_storage_matches_the_closed_form(seed, widths, hidden, head,
                                              every):
    net, X, Y, loss = problem(seed, widths, hidden, head)
    held: list[int] = []
    checkpointed_loss_and_grads(net, X, Y, loss, every, held=held)
    c = floats_per_layer(net)
    assert max(held) == 8 * peak_by_formula(widths, c, len(X), every)
    assert held[-1] == 0                        # nothing kept afterwards
    assert all(layer._cache is None and layer.delta is None
               for layer in net.layers)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), widths=widths_st,
       hidden=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS))
def test_plain_cache_matches_the_closed_form(seed, widths, hidden, head):
    net, X, _, _ = problem(seed, widths, hidden, head)
    net.forward(X)
    c = floats_per_layer(net)
    floats = widths[0] + sum(cl * n for cl, n in zip(c, widths[1:],
                                                     strict=True))
    assert cache_nbytes(net) == 8 * len(X) * floats
    # and the same bytes as the plain pass, for one segment of all layers
    held: list[int] = []
    net.loss_and_grads(X, np.zeros((len(X), widths[-1])), "half_sse")
    checkpointed_loss_and_grads(net, X, np.zeros((len(X), widths[-1])),
                                "half_sse", every=len(widths), held=held)
    assert max(held) == 8 * len(X) * floats


def test_recomputation_counted_in_products():
    rng = np.random.default_rng(0)
    L, n, N = 12, 4, 3
    net = bp.MLP.init([n] * (L + 1), rng, activation="tanh", output="tanh")
    X, Y = rng.normal(size=(N, n)), rng.normal(size=(N, n))
    log = MatmulLog()
    for layer in net.layers:
        layer.W = log.watch(layer.W)
        layer.grad_W = log.watch(layer.grad_W)
    net.loss_and_grads(X, Y, "half_sse")
    plain = log.multiply_adds
    for k in range(1, L + 2):
        log.clear()
        checkpointed_loss_and_grads(net, X, Y, "half_sse", every=k)
        assert log.multiply_adds - plain == N * n * n * max(L - k, 0)


@pytest.mark.parametrize("hidden, output, expected", [
    ("sigmoid", "identity", ["xa", "xa", "x"]),
    ("tanh", "softmax", ["xa", "xa", "xa"]),
    ("relu", "sigmoid", ["xz", "xz", "xa"]),
    ("identity", "relu", ["x", "x", "xz"]),
])
def test_backward_reads(hidden, output, expected):
    rng = np.random.default_rng(1)
    net = bp.MLP.init([3, 4, 5, 2], rng, activation=hidden, output=output)
    X = rng.normal(size=(4, 3))
    assert backward_reads(net, X, rng.normal(size=(4, 2))) == expected
    grads = [g.copy() for g in net.grads]       # caches restored: plain
    net.backward(np.ones((4, 2)))               # arrays, backward works
    assert not all(np.array_equal(a, b)
                   for a, b in zip(grads, net.grads, strict=True))


def test_segments_partition_from_the_output():
    assert segments(10, 4) == [range(0, 2), range(2, 6), range(6, 10)]
    assert segments(3, 5) == [range(0, 3)]
    for L in range(1, 20):
        for k in range(1, 22):
            flat = [i for s in segments(L, k) for i in s]
            assert flat == list(range(L))
            assert all(len(s) == k for s in segments(L, k)[1:])


def test_distinct_nbytes_counts_shared_memory_once():
    a = np.zeros((3, 4))
    assert distinct_nbytes([a, a, None, a.view(), np.zeros(2)]) == 96 + 16


def test_bad_input():
    rng = np.random.default_rng(2)
    net = bp.MLP.init([3, 4, 2], rng)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    with pytest.raises(ValueError, match="every must be >= 1, got 0"):
        checkpointed_loss_and_grads(net, X, Y, "half_sse", every=0)
    with pytest.raises(TypeError, match="every must be an int"):
        checkpointed_loss_and_grads(net, X, Y, "half_sse", every=1.5)
    with pytest.raises(TypeError, match="every must be an int"):
        checkpointed_loss_and_grads(net, X, Y, "half_sse", every=True)
    with pytest.raises(ValueError, match=r"X has shape \(5, 2\)"):
        checkpointed_loss_and_grads(net, Y, Y, "half_sse", every=1)
    with pytest.raises(TypeError, match="net must be an MLP"):
        checkpointed_loss_and_grads(net.layers[0], X, Y, "half_sse", 1)
    with pytest.raises(ValueError, match="shape"):
        checkpointed_loss_and_grads(net, X, Y[:, :1], "half_sse", every=1)
