"""Issue #10: the places where the package once returned a wrong number without a word.

One test (or a few) per fault; each failed before its fix. The references are
computed independently: centred differences, a C-ordered copy, the definition.
"""

import math
import re

import numpy as np
import pytest

import backprop as bp
from backprop.core.losses import cross_entropy_value_and_grad
from backprop.roads.engine import Value
from backprop.roads.explicit_loops import loop_gradients
from backprop.roads.scalar_network import ScalarMLP

FD_RTOL = 1e-7
rng = np.random.default_rng(10)


# 1. The fused softmax cross-entropy wrote the labels' -1/N into a copy.
@pytest.mark.parametrize("layout", ["fortran", "transposed", "strided"])
def test_1_fused_cross_entropy_gradient_in_any_layout(layout):
    z = rng.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    if layout == "fortran":
        other = np.asfortranarray(z)
    elif layout == "transposed":
        other = np.ascontiguousarray(z.T).T
    else:
        big = np.zeros((10, 6))
        big[::2, ::2] = z
        other = big[::2, ::2]
    assert not other.flags.c_contiguous
    value, grad = cross_entropy_value_and_grad(other, labels)
    reference = bp.numerical_gradient(lambda: bp.cross_entropy(z, labels), z)
    assert bp.relative_error(grad, reference) <= FD_RTOL
    assert value == pytest.approx(bp.cross_entropy(z, labels), rel=1e-14)


# 2. cross_entropy_grad was not the gradient of cross_entropy when a row of y does
#    not sum to 1; it now is: (softmax(z) * sum_i y_i - y) / N.
@pytest.mark.parametrize("y", [
    np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),  # multi-hot, all-zero
    np.array([[0.5, 0.2, 0.1], [2.0, 0.0, 1.0]]),  # rows summing to 0.8 and 3
])
def test_2_cross_entropy_grad_is_the_gradient_of_cross_entropy(y):
    z = rng.normal(size=y.shape)
    numeric = bp.numerical_gradient(lambda: bp.cross_entropy(z, y), z)
    assert bp.relative_error(bp.cross_entropy_grad(z, y), numeric) <= FD_RTOL
    _, fused = cross_entropy_value_and_grad(z, y)
    assert bp.relative_error(fused, numeric) <= FD_RTOL


# 3. Aliasing: a Dense used twice, or one list of layers given to two MLPs.
def test_3_the_same_dense_twice_in_one_mlp_is_refused():
    layer = bp.Dense.init(3, 3, rng, "tanh")
    with pytest.raises(ValueError, match=r"MLP: layer 3 is the same Dense object as layer 1"):
        bp.MLP([layer, bp.Dense.init(3, 3, rng, "tanh"), layer])


def test_3_layers_of_one_mlp_cannot_join_a_second():
    layers = [bp.Dense.init(2, 4, rng, "tanh"), bp.Dense.init(4, 1, rng)]
    first = bp.MLP(layers)
    with pytest.raises(ValueError, match=r"MLP: layer 1 already belongs to another network"):
        bp.MLP(layers)
    # the first network is untouched and still learns: its layers still view its buffer
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    assert all(np.shares_memory(p, first.flat_params) for p in first.params)
    before = bp.half_sse(first.forward(X), Y)
    bp.train(first, X, Y, "half_sse", eta=0.1, epochs=20, rng=np.random.default_rng(0))
    assert bp.half_sse(first.forward(X), Y) < before


def test_3_a_layer_is_free_again_once_its_network_is_gone():
    layers = [bp.Dense.init(2, 1, rng)]
    first = bp.MLP(layers)
    del first
    bp.MLP(layers)  # no error: nothing else uses these layers any more


# 4. accuracy broadcast (N, 1) labels, one label, or one-hot rows.
def test_4_accuracy_refuses_labels_it_would_broadcast():
    net = bp.MLP.init([2, 3], rng)
    X = rng.normal(size=(3, 2))
    labels = np.argmax(net.forward(X), axis=1)
    assert bp.accuracy(net, X, labels) == 1.0
    for bad, match in [
        (labels[:, None], r"accuracy: labels has shape \(3, 1\), expected \(3,\)"),
        (labels[0], r"accuracy: labels has shape \(\), expected \(3,\)"),
        (np.eye(3)[labels], r"accuracy: labels has shape \(3, 3\), expected \(3,\)"),
    ]:
        with pytest.raises(ValueError, match=match):
            bp.accuracy(net, X, bad)
    with pytest.raises(TypeError, match="accuracy: labels must be integers"):
        bp.accuracy(net, X, labels.astype(float))


# 5. relative_error and the checks built on it passed on NaN; lost tiny and huge scales.
@pytest.mark.parametrize("a, n, side, what", [
    (np.nan, 0.0, "a", "NaN"),
    (0.0, np.nan, "n", "NaN"),
    (np.inf, np.inf, "a", "inf"),
    ([1.0, -np.inf], [1.0, 2.0], "a", "inf"),
])
def test_5_relative_error_refuses_nan_and_inf(a, n, side, what):
    with pytest.raises(ValueError, match=f"relative_error: {side} contains {what}"):
        bp.relative_error(a, n)


@pytest.mark.parametrize("scale", [1e-200, 1e-300, 1.0, 1e200, 1e300])
def test_5_relative_error_is_scale_free(scale):
    assert bp.relative_error(scale, 2 * scale) == pytest.approx(0.5, rel=1e-12)
    v = np.array([3.0, 4.0]) * scale
    assert bp.relative_error(v, -v) == pytest.approx(2.0, rel=1e-12)


def test_5_checks_never_pass_on_nan_or_inf():
    with pytest.raises(AssertionError, match="x: a contains NaN"):
        bp.assert_close("x", np.nan, 0.0)
    with pytest.raises(AssertionError, match="x: b contains inf"):
        bp.assert_close("x", 1.0, np.inf)
    for lhs, rhs, side, what in [(np.inf, np.inf, "lhs", "inf"), (0.0, np.nan, "rhs", "NaN")]:
        with pytest.raises(AssertionError, match=f"eq-x does not hold: {side} contains {what}"):
            bp.check_equation("eq-x", lhs, rhs)


def test_5_gradcheck_names_a_nan_gradient():
    net = bp.MLP.init([2, 2], rng)
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))

    def nan_value(a, y):
        return float("nan")

    broken = bp.Loss("broken", nan_value, bp.half_sse_grad)
    with pytest.raises(ValueError, match=r"gradcheck: W1: the numerical gradient contains NaN"):
        bp.gradcheck(net, X, Y, broken)


# 6. numerical_gradient on an integer array truncated the perturbation.
def test_6_numerical_gradient_refuses_integer_arrays():
    x = np.array([1, 2, 3])
    with pytest.raises(TypeError, match=r"numerical_gradient: x has dtype int64.*astype"):
        bp.numerical_gradient(lambda: float(np.sum(x**2)), x)


def test_6_numerical_gradient_in_float32_uses_the_step_actually_taken():
    x = np.array([1.0, 3.0, 100.0], dtype=np.float32)
    grad = bp.numerical_gradient(lambda: float(np.sum(x.astype(np.float64) ** 2)), x, h=1e-3)
    np.testing.assert_allclose(grad, 2 * x.astype(np.float64), rtol=1e-6)


def test_6_numerical_gradient_refuses_read_only_arrays():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="numerical_gradient: x is read-only"):
        bp.numerical_gradient(lambda: float(np.sum(x)), x)


# 7. loop_gradients with softmax returned zeros; bad widths raised IndexError.
def test_7_loop_gradients_with_a_softmax_layer():
    net = bp.MLP.init([3, 4, 3], rng, activation="tanh", output="softmax")
    X, Y = rng.normal(size=(4, 3)), np.eye(3)[rng.integers(0, 3, 4)]
    loss, grads = loop_gradients(net, X, Y)
    assert loss == pytest.approx(net.loss_and_grads(X, Y, "half_sse"), rel=1e-12)
    for ours, matrix in zip(grads, net.grads, strict=True):
        assert bp.relative_error(ours, matrix) <= 1e-12
    assert any(np.abs(g).max() > 1e-3 for g in grads)


def test_7_bad_widths_get_a_clear_error():
    net = bp.MLP.init([3, 2], rng)
    with pytest.raises(ValueError, match=r"loop_gradients: X has shape \(4, 2\), expected \(N, 3\)"):
        loop_gradients(net, np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"loop_gradients: Y has shape \(4, 3\), expected \(4, 2\)"):
        loop_gradients(net, np.zeros((4, 3)), np.zeros((4, 3)))
    scalar = ScalarMLP(net)
    for x in (np.zeros(4), np.zeros(2), np.zeros((1, 3))):
        with pytest.raises(ValueError, match=rf"ScalarMLP.forward: x has shape \({x.shape[0]},"):
            scalar.forward(x)


# 8. The engine: x**0 at 0, the sigmoid's negative tail, numpy scalars.
def test_8_power_zero_at_zero_has_gradient_zero():
    x = Value(0.0)
    y = x**0 + x**1 + x**2
    y.backward()
    assert (y.data, x.grad) == (1.0, 1.0)


def test_8_a_power_with_an_infinite_derivative_says_so():
    x = Value(0.0)
    y = x**0.5
    with pytest.raises(ZeroDivisionError, match=r"Value.__pow__: the derivative of x\*\*0.5 at x = 0"):
        y.backward()


def test_8_sigmoid_keeps_its_accuracy_in_the_negative_tail():
    for z in (-40.0, -700.0, -20.0, 0.0, 20.0, 40.0):
        x = Value(z)
        s = x.sigmoid()
        exact = math.exp(z) / (1 + math.exp(z)) if z < 0 else 1 / (1 + math.exp(-z))
        assert s.data == pytest.approx(exact, rel=1e-15)
        s.backward()
        rest = 1 / (1 + math.exp(z)) if z < 0 else math.exp(-z) / (1 + math.exp(-z))  # 1 - sigma
        assert x.grad == pytest.approx(exact * rest, rel=1e-14)
    y = Value(-40.0).sigmoid().log()
    assert y.data == pytest.approx(-40.0, rel=1e-15)


def test_8_numpy_scalars_are_numbers():
    for v in (np.float32(1.5), np.int64(3), np.float64(2.0), np.int8(-2)):
        assert Value(v).data == float(v)
        assert (Value(1.0) + v).data == 1.0 + float(v)
        assert (v * Value(2.0)).data == 2.0 * float(v)
        assert isinstance(v * Value(2.0), Value)
    assert (Value(2.0) ** np.int64(3)).data == 8.0
    for bad in (True, np.bool_(True), "1", 1j):
        with pytest.raises(TypeError, match="Value: data must be a real number"):
            Value(bad)


# 9. Lists crashed with AttributeError; a wrong upstream shape was broadcast; a scalar
#    Y raised IndexError; float labels got a message about dimensions.
@pytest.mark.parametrize("f", [bp.softmax, bp.log_softmax, bp.softmax_jacobian])
def test_9_softmax_family_accepts_lists(f):
    z = [[0.5, -1.0, 2.0], [0.0, 0.0, 1.0]]
    np.testing.assert_array_equal(f(z), f(np.array(z)))


def test_9_softmax_vjp_refuses_a_wrong_upstream_shape():
    s = bp.softmax(rng.normal(size=(4, 3)))
    for g in (np.ones(3), np.ones((1, 3)), np.ones((4, 1))):
        with pytest.raises(ValueError, match=rf"softmax_vjp: s_bar has shape {re.escape(str(g.shape))}"):
            bp.softmax_vjp(s, g)


def test_9_train_refuses_a_scalar_y():
    net = bp.MLP.init([2, 1], rng)
    with pytest.raises(ValueError, match=r"train: Y has shape \(\), expected 4 rows of targets"):
        bp.train(net, np.zeros((4, 2)), 1.0, "half_sse", 0.1, 1, np.random.default_rng(0))


@pytest.mark.parametrize("f", [bp.cross_entropy, bp.cross_entropy_grad, cross_entropy_value_and_grad])
def test_9_float_labels_are_told_to_be_integers(f):
    with pytest.raises(TypeError, match=r"labels must be integers.*float64"):
        f(np.zeros((3, 4)), np.array([0.0, 1.0, 3.0]))
