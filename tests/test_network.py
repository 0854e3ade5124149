"""Dense layers and MLPs: back-propagation against centred differences, and bad input."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import backprop as bp

FD_RTOL = 1e-7
TINY_GRAD = 1e-3  # below this norm, centred differences lose relative accuracy to round-off
HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
# (output activation, loss, how targets are drawn)
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


@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    batch=st.integers(1, 6),
    hidden=st.sampled_from(HIDDEN),
    head=st.sampled_from(HEADS),
)
def test_backprop_matches_centred_differences(seed, sizes, batch, hidden, head):
    output, loss, kind = head
    if output == "softmax" and sizes[-1] < 2:
        sizes = [*sizes[:-1], 2]
    rng = np.random.default_rng(seed)
    net = bp.MLP.init(sizes, rng, activation=hidden, output=output)
    X = rng.normal(size=(batch, sizes[0]))
    if hidden == "relu":  # keep every pre-activation off the kink, where no derivative exists
        for layer in net.layers:
            layer.b += 0.05
    Y = targets(kind, rng, batch, sizes[-1])
    net.forward(X)
    # Centred differences are meaningless within h of ReLU's kink: such draws are not valid.
    assume(hidden != "relu" or min(np.abs(layer._cache[1]).min() for layer in net.layers) > 1e-3)
    checks = bp.gradcheck(net, X, Y, loss)
    for (name, err), grad in zip(checks, net.grads, strict=True):
        # Round-off in a centred difference is about eps |L| / h ~ 1e-11 in absolute terms;
        # for a gradient smaller than TINY_GRAD that alone exceeds FD_RTOL relative, so the
        # bound relaxes in proportion there (a vanishing gradient through a 1-unit layer).
        bound = FD_RTOL * max(1.0, TINY_GRAD / max(np.linalg.norm(grad), 1e-300))
        assert err <= bound, f"{name}: relative error {err:.1e} ({sizes}, {hidden}, {head})"


def test_three_layer_network_gradients_for_every_activation():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(8, 4))
    Y = np.eye(3)[rng.integers(0, 3, 8)]
    for hidden in ("sigmoid", "tanh", "relu"):
        net = bp.MLP.init([4, 6, 5, 3], rng, activation=hidden)
        for layer in net.layers:  # no pre-activation exactly at ReLU's kink
            layer.b += 0.1
        errors = dict(bp.gradcheck(net, X, Y, "cross_entropy"))
        assert max(errors.values()) <= FD_RTOL, (hidden, errors)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(0, 1000))
def test_backward_is_the_adjoint_of_forward(N, n_in, n_out, seed):
    """For a linear layer, <g, J v> = <J^T g, v>: backward is the transpose of forward."""
    rng = np.random.default_rng(seed)
    layer = bp.Dense(rng.normal(size=(n_in, n_out)), np.zeros(n_out))
    v = rng.normal(size=(N, n_in))
    g = rng.normal(size=(N, n_out))
    Jv = layer.forward(v)
    JTg = layer.backward(g)
    np.testing.assert_allclose(np.sum(g * Jv), np.sum(JTg * v), rtol=1e-10, atol=1e-12)


def test_backward_before_forward_raises():
    layer = bp.Dense.init(3, 2, np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 2)))


def test_wrong_input_width_names_the_shapes():
    net = bp.MLP.init([4, 3, 2], np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"MLP.forward: X, the input of layer 1: "
                                         r"Dense.forward: x has shape \(3, 5\), expected \(N, 4\)"):
        net.forward(np.zeros((3, 5)))


def test_wrong_gradient_shape_names_the_shapes():
    layer = bp.Dense.init(3, 2, np.random.default_rng(0))
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"grad_a has shape \(4, 1\), expected \(4, 2\)"):
        layer.backward(np.zeros((4, 1)))


def test_dtype_mismatch_is_refused():
    layer = bp.Dense.init(3, 2, np.random.default_rng(0), dtype=np.float32)
    with pytest.raises(TypeError, match="float64.*float32"):
        layer.forward(np.zeros((1, 3)))


@pytest.mark.parametrize("bad, error, message", [
    (np.zeros((0, 3)), ValueError, "empty batch"),
    (np.full((2, 3), np.nan), ValueError,
     "MLP.forward: X, the input of layer 1: Dense.forward: x contains NaN"),
    (np.zeros(3), ValueError,
     r"MLP.forward: X, the input of layer 1: Dense.forward: x has shape \(3,\), expected \(N, 3\)"),
    (np.array([["x"] * 3]), TypeError, "dtype"),
])
def test_bad_batches_get_clear_errors(bad, error, message):
    with pytest.raises(error, match=message):
        bp.MLP.init([3, 2], np.random.default_rng(0)).forward(bad)


def test_layer_sizes_must_chain():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError,
                       match=r"layer 1 outputs examples of shape \(3,\) but layer 2 expects \(4,\)"):
        bp.MLP([bp.Dense.init(2, 3, rng), bp.Dense.init(4, 1, rng)])


def test_bias_shape_is_checked():
    with pytest.raises(ValueError, match=r"b has shape \(3,\), expected \(2,\)"):
        bp.Dense(np.zeros((4, 2)), np.zeros(3))


def test_float32_network_stays_float32():
    rng = np.random.default_rng(1)
    net = bp.MLP.init([5, 4, 3], rng, dtype=np.float32)
    X = rng.normal(size=(6, 5)).astype(np.float32)
    net.loss_and_grads(X, np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]], "cross_entropy")
    assert all(g.dtype == np.float32 for g in net.grads)


def test_sgd_step_applies_the_update_rule_in_place():
    rng = np.random.default_rng(3)
    W, G = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    expected = W - 0.1 * G
    same = W
    bp.sgd_step([W], [G], 0.1)
    assert same is W
    np.testing.assert_allclose(W, expected, rtol=1e-15)
    with pytest.raises(ValueError, match="learning rate"):
        bp.sgd_step([W], [G], -1.0)
    with pytest.raises(ValueError, match=r"params\[0\] has shape \(3, 2\) but grads\[0\] has \(2, 3\)"):
        bp.sgd_step([W], [G.T], 0.1)


def test_training_lowers_the_loss():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(32, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)  # XOR of the signs
    net = bp.MLP.init([2, 8, 1], rng, activation="tanh")
    first = net.loss_and_grads(X, Y, "binary_cross_entropy")
    for _ in range(300):
        net.loss_and_grads(X, Y, "binary_cross_entropy")
        bp.sgd_step(net.params, net.grads, 0.5)
    assert net.loss_and_grads(X, Y, "binary_cross_entropy") < 0.5 * first


def test_init_is_seeded_and_scaled():
    a = bp.init_weights(100, 50, np.random.default_rng(1), "he")[0]
    b = bp.init_weights(100, 50, np.random.default_rng(1), "he")[0]
    np.testing.assert_array_equal(a, b)
    assert abs(a.std() - np.sqrt(2 / 100)) < 0.01
    seeded = bp.init_weights(3, 2, 7)[0]  # an int seed means np.random.default_rng(seed)
    np.testing.assert_array_equal(seeded, bp.init_weights(3, 2, np.random.default_rng(7))[0])
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator.*np.random.default_rng"):
        bp.init_weights(2, 2, "0")
    with pytest.raises(ValueError, match="unknown scheme"):
        bp.init_std(2, 2, "lecun-ish")


def test_reprs_have_no_addresses():
    net = bp.MLP.init([2, 3, 1], np.random.default_rng(0), output="sigmoid")
    assert repr(net) == "MLP(sizes=[2, 3, 1], activations=[sigmoid, sigmoid])"
    assert repr(net.layers[0]) == "Dense(2 -> 3, sigmoid, float64)"
    assert "0x" not in repr(bp.get_loss("mse")) + repr(bp.get_activation("tanh"))
