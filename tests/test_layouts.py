"""Every public function gives the same answer whatever the memory layout of its input.

The same numbers are passed C-ordered, Fortran-ordered, as a strided view, as a
transposed view, with negative strides and read-only (issue #10: the fused softmax
cross-entropy once lost the labels' -1/N for Fortran-ordered logits).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import backprop as bp
from backprop.core.losses import cross_entropy_value_and_grad
from backprop.roads.explicit_loops import loop_gradients
from backprop.roads.scalar_network import ScalarMLP

RTOL = 1e-12  # another layout may sum in another order: last bits only
LAYOUTS = ["C", "fortran", "strided", "transposed", "reversed", "read-only"]


def layout(a: np.ndarray, kind: str) -> np.ndarray:
    """The numbers of ``a`` in memory laid out as ``kind`` (a view where possible)."""
    a = np.array(a)
    if kind == "C":
        out = np.ascontiguousarray(a)
    elif kind == "fortran":
        out = np.asfortranarray(a)
    elif kind == "strided":
        big = np.zeros(tuple(3 * n for n in a.shape), dtype=a.dtype)
        big[tuple(slice(None, None, 3) for _ in a.shape)] = a
        out = big[tuple(slice(None, None, 3) for _ in a.shape)]
    elif kind == "transposed":
        out = np.ascontiguousarray(a.T).T
    elif kind == "reversed":
        rev = tuple(slice(None, None, -1) for _ in a.shape)
        out = np.ascontiguousarray(a[rev])[rev]
    else:
        out = a.copy()
        out.flags.writeable = False
    np.testing.assert_array_equal(out, a)
    return out


def same_everywhere(f, *arrays_in, rtol=RTOL, atol=1e-300):
    """Call ``f`` on the inputs in every layout; assert every result equals the C one."""
    reference = f(*(layout(a, "C") for a in arrays_in))
    for kind in LAYOUTS[1:]:
        result = f(*(layout(a, kind) for a in arrays_in))
        for ours, ref in zip(_flat(result), _flat(reference), strict=True):
            np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol, err_msg=kind)
    return reference


def _flat(result):
    if isinstance(result, tuple | list):
        return [x for r in result for x in _flat(r)]
    return [np.asarray(result, dtype=float)]


matrices = st.integers(1, 5).flatmap(
    lambda n: st.integers(2, 5).flatmap(
        lambda k: arrays(np.float64, (n, k), elements=st.floats(-5, 5))
    )
)

ELEMENTWISE = [bp.identity, bp.identity_prime, bp.sigmoid, bp.sigmoid_prime, bp.tanh,
               bp.tanh_prime, bp.relu, bp.relu_prime, bp.softmax, bp.log_softmax,
               bp.softmax_jacobian]


@pytest.mark.parametrize("f", ELEMENTWISE, ids=lambda f: f.__name__)
@given(z=matrices)
def test_activations(f, z):
    same_everywhere(f, z)
    same_everywhere(f, z[0])  # one row, 1-D


@given(z=matrices, data=st.data())
def test_softmax_vjp(z, data):
    g = data.draw(arrays(np.float64, z.shape, elements=st.floats(-5, 5)))
    same_everywhere(bp.softmax_vjp, bp.softmax(z), g)


@pytest.mark.parametrize("name", sorted(bp.LOSSES))
@given(z=matrices, data=st.data())
def test_losses_value_grad_and_fused(name, z, data):
    loss = bp.get_loss(name)
    if name == "sequence_half_sse":  # (N, T, p): each row of z one step of a sequence
        z = z[:, None, :]
    if name == "cross_entropy":
        labels = arrays(np.int64, z.shape[0], elements=st.integers(0, z.shape[1] - 1))
        y = np.eye(z.shape[1])[data.draw(labels)]
    else:
        y = data.draw(arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    same_everywhere(lambda a, t: (loss.value(a, t), loss.grad(a, t), loss.value_and_grad(a, t)), z, y)


@given(z=matrices, data=st.data())
def test_cross_entropy_with_integer_labels(z, data):
    labels = data.draw(arrays(np.int64, z.shape[0], elements=st.integers(0, z.shape[1] - 1)))
    fused = same_everywhere(cross_entropy_value_and_grad, z, labels)
    # entries (p - 1)/N near p = 1 cancel: both ways are exact to a few eps/N absolute
    np.testing.assert_allclose(fused[1], bp.cross_entropy_grad(z, labels), rtol=RTOL,
                               atol=4 * np.finfo(float).eps / z.shape[0])
    same_everywhere(bp.cross_entropy, z, labels)
    same_everywhere(bp.cross_entropy_grad, z, labels)


def network(seed: int, sizes, output="identity") -> bp.MLP:
    return bp.MLP.init(sizes, np.random.default_rng(seed), activation="tanh", output=output)


@given(seed=st.integers(0, 2**16), N=st.integers(1, 4))
def test_dense_and_mlp_forward_backward(seed, N):
    rng = np.random.default_rng(seed)
    X, G = rng.normal(size=(N, 3)), rng.normal(size=(N, 2))
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)

    def dense(W, b, X, G):  # parameters, input and upstream gradient in the layout
        layer = bp.Dense(W, b, "sigmoid")
        return layer.forward(X), layer.backward(G), layer.grad_W.copy(), layer.grad_b.copy()

    same_everywhere(dense, W, b, X, G)

    def mlp(X, G):
        net = network(seed, [3, 4, 2])
        return net.forward(X), net.backward(G, input_grad=True), [g.copy() for g in net.grads]

    same_everywhere(mlp, X, G)


@pytest.mark.parametrize("loss", ["half_sse", "cross_entropy"])
@given(seed=st.integers(0, 2**16), N=st.integers(1, 4))
def test_loss_and_grads_train_accuracy_gradcheck(loss, seed, N):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3))
    Y = np.eye(2)[rng.integers(0, 2, N)]

    def run(X, Y):
        net = network(seed, [3, 4, 2])
        value = net.loss_and_grads(X, Y, loss)
        grads = [g.copy() for g in net.grads]
        errors = [err for _, err in bp.gradcheck(net, X, Y, loss)]
        history = bp.train(net, X, Y, loss, 0.1, 2, np.random.default_rng(0), batch_size=2)
        return value, grads, np.array(errors) < 1e-5, history.epoch_loss, net.forward(X)

    same_everywhere(run, X, Y)
    labels = np.argmax(Y, axis=1)
    same_everywhere(lambda X, y: bp.accuracy(network(seed, [3, 4, 2]), X, y), X, labels)


@given(seed=st.integers(0, 2**16), N=st.integers(1, 3))
def test_loops_and_scalar_engine(seed, N):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(N, 2)), rng.normal(size=(N, 2))
    net = network(seed, [2, 3, 2], output="softmax")
    same_everywhere(lambda X, Y: loop_gradients(net, X, Y), X, Y)
    scalar = ScalarMLP(network(seed, [2, 3, 2]))
    same_everywhere(lambda x: [v.data for v in scalar.forward(x)], X[0])


@given(a=matrices, data=st.data())
def test_checks(a, data):
    b = a * (1 + data.draw(arrays(np.float64, a.shape, elements=st.floats(-1e-9, 1e-9))))
    same_everywhere(bp.relative_error, a, b)
    same_everywhere(lambda a, b: bp.check_equation("eq-layout", a, a.copy()), a, b)
    same_everywhere(lambda a, b: bp.assert_close("layout", a, b, rtol=1e-8), a, b)


@given(a=matrices)
def test_numerical_gradient_and_sgd_step(a):
    def numeric(x):
        if not x.flags.writeable:  # x is perturbed in place: read-only must be refused
            with pytest.raises(ValueError, match="numerical_gradient: x is read-only"):
                bp.numerical_gradient(lambda: 0.0, x)
            x = x.copy()
        return bp.numerical_gradient(lambda: float(np.sum(np.sin(x))), x)

    # f's sum runs in memory order, so its last bits depend on the layout: a sum of n
    # terms rounds by at most (n - 1) eps sum|terms| per evaluation, and the centred
    # difference divides two of them by 2h. Beyond that bound the layouts must agree
    # (an entry read from the wrong place would differ by O(1)).
    bound = a.size * np.finfo(float).eps * float(np.sum(np.abs(np.sin(a)))) / bp.FD_STEP
    same_everywhere(numeric, a, rtol=1e-8, atol=bound)

    def step(g):  # parameters C-ordered and writable, gradients in the layout
        p = np.ones_like(np.asarray(g))
        bp.sgd_step([p], [g], 0.5)
        return p

    same_everywhere(step, a)
