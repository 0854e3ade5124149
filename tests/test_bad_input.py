"""Bad input to every public entry point: an error naming the function, the argument,
what was expected and what was given (never an IndexError, AttributeError or a broadcast).
"""

import re

import numpy as np
import pytest

import backprop as bp
from backprop.roads.engine import Value
from backprop.roads.explicit_loops import loop_gradients
from backprop.roads.scalar_network import ScalarMLP


def net32() -> bp.MLP:
    return bp.MLP.init([3, 2], np.random.default_rng(0))


def after_forward(net: bp.MLP) -> bp.MLP:
    net.forward(np.ones((2, 3)))
    return net


def read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


ONES = np.ones
CASES = [
    # (id, call, error, message: function, argument, expected and actual)
    ("sigmoid-dtype", lambda: bp.sigmoid(["a"]), TypeError, "sigmoid: z has dtype <U1, expected real"),
    ("relu-bool", lambda: bp.relu(np.array([True])), TypeError, "relu: z has dtype bool, expected real"),
    ("softmax-scalar", lambda: bp.softmax(3.0), ValueError,
     r"softmax: z has shape \(\), expected \(k,\) or \(N, k\)"),
    ("jacobian-empty", lambda: bp.softmax_jacobian(np.zeros((2, 0))), ValueError,
     r"softmax_jacobian: z has shape \(2, 0\), expected"),
    ("vjp-shape", lambda: bp.softmax_vjp(ONES((2, 3)) / 3, ONES((3, 2))), ValueError,
     r"softmax_vjp: s_bar has shape \(3, 2\), expected \(2, 3\)"),
    ("log_softmax-complex", lambda: bp.log_softmax(ONES(3) * 1j), TypeError,
     "log_softmax: z has dtype complex128"),
    ("activation-name", lambda: bp.get_activation("swish"), ValueError,
     "get_activation: unknown activation 'swish'; choose one of"),
    ("activation-type", lambda: bp.Dense(ONES((3, 2)), ONES(2), 3), TypeError,
     "get_activation: activation must be a name .* got int"),
    ("half_sse-1d", lambda: bp.half_sse(ONES(3), ONES(3)), ValueError,
     r"half_sse: a has shape \(3,\), expected \(N, k\)"),
    ("mse-shapes", lambda: bp.mse(ONES((2, 3)), ONES((2, 4))), ValueError,
     r"mse: a has shape \(2, 3\) but y has shape \(2, 4\)"),
    ("ce-float-labels", lambda: bp.cross_entropy(ONES((3, 2)), np.array([0.0, 1, 1])), TypeError,
     "cross_entropy: labels must be integers .* y has dtype float64"),
    ("ce-label-count", lambda: bp.cross_entropy(ONES((3, 2)), np.array([0, 1])), ValueError,
     r"cross_entropy: y has shape \(2,\), expected \(3,\)"),
    ("ce-label-range", lambda: bp.cross_entropy_grad(ONES((2, 3)), np.array([0, 3])), ValueError,
     r"cross_entropy_grad: labels must lie in 0..2, got 0..3"),
    ("ce-3d", lambda: bp.cross_entropy(ONES((3, 2)), ONES((3, 2, 1))), ValueError,
     r"cross_entropy: y has shape \(3, 2, 1\), expected \(3,\) labels or \(3, 2\) rows"),
    ("loss-name", lambda: bp.get_loss("hinge"), ValueError, "get_loss: unknown loss 'hinge'"),
    ("loss-type", lambda: bp.get_loss(3), TypeError, "get_loss: loss must be a name .* got int"),
    ("dense-W", lambda: bp.Dense(ONES(3), ONES(3)), ValueError,
     r"Dense: W has shape \(3,\), expected \(n_in, n_out\)"),
    ("dense-b", lambda: bp.Dense(ONES((3, 2)), ONES(3)), ValueError,
     r"Dense: b has shape \(3,\), expected \(2,\)"),
    ("dense-forward", lambda: bp.Dense(ONES((3, 2)), ONES(2)).forward(ONES((4, 2))), ValueError,
     r"Dense.forward: x has shape \(4, 2\), expected \(N, 3\)"),
    ("dense-backward", lambda: after_forward(net32()).layers[0].backward(ONES((2, 3))), ValueError,
     r"Dense.backward: grad_a has shape \(2, 3\), expected \(2, 2\)"),
    ("dense-backward-nan", lambda: after_forward(net32()).layers[0].backward(np.full((2, 2), np.nan)),
     ValueError, "Dense.backward: grad_a contains NaN"),
    ("mlp-sizes", lambda: bp.MLP([2, 4, 1]), TypeError,
     re.escape("MLP: layer 1 is 2 (int), expected a layer (backprop.core.layer.Layer); "
               "to build a network from layer sizes "
               "use MLP.init([2, 4, 1], rng)")),
    ("mlp-empty", lambda: bp.MLP([]), ValueError, "MLP: needs at least one layer"),
    ("mlp-init-sizes", lambda: bp.MLP.init([2, 0], 0), ValueError,
     r"MLP.init: each entry of sizes must be an int >= 1, got \[2, 0\]"),
    ("mlp-forward", lambda: net32().forward(ONES((2, 4))), ValueError,
     r"MLP.forward: X, the input of layer 1: Dense.forward: x has shape \(2, 4\), expected \(N, 3\)"),
    ("mlp-forward-dtype", lambda: net32().forward(ONES((2, 3), dtype=np.float32)), TypeError,
     "MLP.forward: X, the input of layer 1: Dense.forward: x has dtype float32 but W has dtype float64"),
    ("mlp-backward", lambda: after_forward(net32()).backward(ONES((2, 3))), ValueError,
     r"MLP.backward: grad_out has shape \(2, 3\), expected \(2, 2\)"),
    ("mlp-backward-first", lambda: net32().backward(ONES((2, 2))), RuntimeError,
     "MLP.backward called before forward"),
    ("train-net", lambda: bp.train([1], ONES((2, 3)), ONES((2, 2)), "mse", 0.1, 1, 0), TypeError,
     "train: net must be a Network, got list"),
    ("train-X", lambda: bp.train(net32(), ONES((2, 4)), ONES((2, 2)), "mse", 0.1, 1, 0), ValueError,
     r"train: X has shape \(2, 4\), expected \(N, 3\)"),
    ("train-Y", lambda: bp.train(net32(), ONES((2, 3)), 1.0, "mse", 0.1, 1, 0), ValueError,
     r"train: Y has shape \(\), expected 2 rows of targets, or integer labels, one per row of X"),
    ("train-eta", lambda: bp.train(net32(), ONES((2, 3)), ONES((2, 2)), "mse", -0.1, 1, 0), ValueError,
     "train: eta must be positive and finite, got -0.1"),
    ("train-epochs", lambda: bp.train(net32(), ONES((2, 3)), ONES((2, 2)), "mse", 0.1, 1.5, 0),
     ValueError, "train: epochs must be an int >= 0, got 1.5"),
    ("train-rng", lambda: bp.train(net32(), ONES((2, 3)), ONES((2, 2)), "mse", 0.1, 1, "0"), TypeError,
     r"train: rng must be a numpy.random.Generator or an int seed, got str; make one with "
     r"rng = np.random.default_rng\(seed\)"),
    ("train-float-labels",
     lambda: bp.train(net32(), ONES((2, 3)), np.array([0.0, 1.0]), "cross_entropy", 0.1, 1, 0),
     TypeError, "cross_entropy: labels must be integers"),
    ("accuracy-float", lambda: bp.accuracy(net32(), ONES((2, 3)), np.array([0.0, 1.0])), TypeError,
     "accuracy: labels must be integers .* labels has dtype float64"),
    ("minibatches", lambda: bp.minibatches(5, 0, 0), ValueError,
     "minibatches: batch_size must be an int >= 1, got 0"),
    ("sgd-shape", lambda: bp.sgd_step([ONES(3)], [ONES(2)], 0.1), ValueError,
     r"sgd_step: params\[0\] has shape \(3,\) but grads\[0\] has \(2,\)"),
    ("sgd-eta", lambda: bp.sgd_step([ONES(3)], [ONES(3)], np.inf), ValueError,
     "sgd_step: learning rate eta must be positive and finite, got inf"),
    ("sgd-list", lambda: bp.sgd_step([[1.0]], [[1.0]], 0.1), TypeError,
     r"sgd_step: params\[0\] must be a writable NumPy array"),
    ("sgd-read-only", lambda: bp.sgd_step([read_only(ONES(3))], [ONES(3)], 0.1), TypeError,
     r"sgd_step: params\[0\] must be a writable NumPy array"),
    ("gd-steps", lambda: bp.gradient_descent(lambda w: w, 1.0, 0.1, -1), ValueError,
     "gradient_descent: steps must be an int >= 0, got -1"),
    ("gradcheck-net", lambda: bp.gradcheck("net", ONES((2, 3)), ONES((2, 2)), "mse"), TypeError,
     "gradcheck: net must be a Network, got str"),
    ("numgrad-list", lambda: bp.numerical_gradient(lambda: 0.0, [1.0]), TypeError,
     "numerical_gradient: x must be the NumPy array that f reads"),
    ("numgrad-h", lambda: bp.numerical_gradient(lambda: 0.0, ONES(2), h=0), ValueError,
     "numerical_gradient: h must be a positive finite step, got 0"),
    ("relerr-shape", lambda: bp.relative_error(ONES(2), ONES(3)), ValueError,
     r"relative_error: a has shape \(2,\) but n has shape \(3,\)"),
    ("relerr-dtype", lambda: bp.relative_error("a", 1.0), TypeError, "relative_error: a has dtype <U1"),
    ("assert_close-shape", lambda: bp.assert_close("x", ONES(2), ONES(3)), AssertionError,
     r"x: a has shape \(2,\) but b has shape \(3,\)"),
    ("check-label", lambda: bp.check_equation("x", 1.0, 1.0), ValueError,
     "check_equation: label 'x' must start with 'eq-'"),
    ("check-empty", lambda: bp.check_equations("eq-x", []), ValueError,
     r"check_equations: eq-x: no \(lhs, rhs\) pairs given"),
    ("init-scheme", lambda: bp.init_std(2, 2, "lecun"), ValueError, "init_std: unknown scheme 'lecun'"),
    ("init-n", lambda: bp.init_weights(2.5, 2, 0), TypeError, "init_weights: n_in must be an int, got float"),
    ("init-dtype", lambda: bp.MLP.init([2, 2], 0, dtype=np.int32), TypeError,
     "init_weights: dtype must be a floating-point type, got int32"),
    ("init-std", lambda: bp.init_std(0, 2), ValueError, "init_std: n_in must be a positive int, got 0"),
    ("accuracy-range", lambda: bp.accuracy(net32(), ONES((2, 3)), np.array([0, 2])), ValueError,
     r"accuracy: labels must lie in 0..1, got 0..2"),
    ("value-data", lambda: Value("a"), TypeError, "Value: data must be a real number, got str"),
    ("value-pow", lambda: Value(2.0) ** Value(2.0), TypeError,
     "Value.__pow__: only int or float exponents are supported, got Value"),
    ("value-root", lambda: Value(-2.0) ** 0.5, ValueError, r"Value.__pow__: \(-2.0\) \*\* 0.5 is not a real"),
    ("value-log", lambda: Value(-1.0).log(), ValueError, "Value.log: argument must be positive, got -1.0"),
    ("loops-X", lambda: loop_gradients(net32(), ONES(3), ONES(2)), ValueError,
     r"loop_gradients: X has shape \(3,\), expected \(N, 3\)"),
    ("scalar-forward", lambda: ScalarMLP(net32()).forward(ONES(4)), ValueError,
     r"ScalarMLP.forward: x has shape \(4,\), expected \(3,\)"),
    ("scalar-loss", lambda: ScalarMLP(net32()).loss(ONES((2, 3)), ONES((2, 3))), ValueError,
     r"ScalarMLP.loss: Y has shape \(2, 3\), expected \(2, 2\)"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# Issue #17, item 10: what a student met.
def test_train_accepts_an_int_seed():
    X = np.random.default_rng(1).normal(size=(6, 3))
    Y = np.random.default_rng(2).normal(size=(6, 2))
    runs = []
    for rng in (0, np.random.default_rng(0)):
        net = net32()
        runs.append((bp.train(net, X, Y, "mse", 0.1, 3, rng=rng, batch_size=2).epoch_loss, net.flat_params))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_gradcheck_says_what_a_good_relative_error_is():
    doc = " ".join(bp.gradcheck.__doc__.split())
    for phrase in ("float64", "centred differences", "1e-7 or better: good",
                   "Above ~1e-4 there is almost surely a bug", "look closer", "kink"):
        assert phrase in doc, phrase
