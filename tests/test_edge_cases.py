"""Edge cases a careful user found (issue 24, point 3): each ends with the right value or
a clear error naming the function, the argument, what was expected and what was given.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop.layers.batchnorm import BatchNorm
from backprop.layers.convolution import Conv2D, Flatten
from backprop.layers.recurrent import RNN, Readout

ROOT = Path(__file__).resolve().parents[1]


# 1. numerical_gradient: x +- h rounds back to x (float32 at |x| >= 256, float64 near 1e12).
@pytest.mark.parametrize("dtype, big", [(np.float32, 300.0), (np.float64, 1e12)])
def test_numerical_gradient_refuses_a_step_below_the_resolution(dtype, big):
    x = np.array([1.0, big, 2.0], dtype=dtype)

    def f() -> float:
        return float(np.sum(x.astype(np.float64) ** 2))

    pattern = (rf"numerical_gradient: x\[1\] = {re.escape(f'{big:g}')} \({np.dtype(dtype).name}\): "
               r"the step h = 1e-05 is below the float's resolution there")
    with pytest.raises(ValueError, match=pattern):
        bp.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, np.array([1.0, big, 2.0], dtype=dtype))  # restored
    x[1] = 100.0  # float32 at 100: x +- h is rounded, not lost; the step taken is used
    np.testing.assert_allclose(bp.numerical_gradient(f, x), [2.0, 200.0, 4.0], rtol=1e-6)


# 2. gradcheck runs 2P + 1 forward passes: batch norm's running statistics must move
#    as after one plain training step, not 2P + 1 of them.
def _bn_net() -> bp.MLP:
    rng = np.random.default_rng(5)
    return bp.MLP([bp.Dense.init(3, 4, rng), BatchNorm(4, "tanh"), bp.Dense.init(4, 2, rng)])


def test_gradcheck_leaves_running_statistics_as_one_training_step():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    checked, plain = _bn_net(), _bn_net()
    errors = bp.gradcheck(checked, X, y, "cross_entropy")
    plain.loss_and_grads(X, y, "cross_entropy")
    for name in ("running_mean", "running_var"):
        np.testing.assert_array_equal(getattr(checked.layers[1], name),
                                      getattr(plain.layers[1], name), err_msg=name)
    # b1 is cancelled by the batch norm after it (its gradient is round-off): not judged
    assert max(err for name, err in errors if name != "b1") < 1e-6
    for ours, theirs in zip(checked.grads, plain.grads, strict=True):  # analytic grads kept
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(checked.flat_params, plain.flat_params)  # params restored
    G = rng.normal(size=(8, 2))  # a backward now runs on the step's forward, not a perturbed one
    checked.backward(G)
    plain.backward(G)
    np.testing.assert_array_equal(checked.flat_grads, plain.flat_grads)


# 3. ConvNet.accuracy broadcast (N, 1) labels against (N,) predictions; the one
#    accuracy, for any network, refuses them.
def test_convolutional_accuracy_refuses_labels_it_would_broadcast():
    rng = np.random.default_rng(0)
    net = bp.Network([Conv2D.init(1, 2, 3, rng, activation="relu"), Flatten(),
                      bp.Dense.init(18, 3, rng)])
    X = rng.normal(size=(8, 1, 5, 5))
    labels = np.argmax(net.forward(X), axis=1)
    assert bp.accuracy(net, X, labels) == 1.0
    for bad, error, match in [
        (labels[:, None], ValueError, r"accuracy: labels has shape \(8, 1\), expected \(8,\)"),
        (labels[0], ValueError, r"accuracy: labels has shape \(\), expected \(8,\)"),
        (np.where(labels == 0, 3, labels), ValueError, r"accuracy: labels must lie in 0\.\.2"),
        (labels.astype(float), TypeError, r"accuracy: labels must be integers"),
    ]:
        with pytest.raises(error, match=match):
            bp.accuracy(net, X, bad)


def test_labels_of_shape_n_1_are_told_to_ravel():
    net = bp.MLP.init([2, 3], np.random.default_rng(0))
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"accuracy: labels has shape \(4, 1\), expected \(4,\).*ravel"):
        bp.accuracy(net, X, np.zeros((4, 1), dtype=int))


# 4. train_clipped turned every ValueError into ([nan], [nan]), as if it had diverged;
#    the one training loop, clipping or not, raises on bad input.
def _clip_net() -> bp.MLP:
    return bp.MLP.init([8, 8, 3], np.random.default_rng(0))


@pytest.mark.parametrize("X, y, error, match", [
    (np.ones((20, 7)), np.zeros(20, dtype=int), ValueError,
     r"train: X has shape \(20, 7\), expected \(N, 8\)"),
    (np.ones((20, 8)), np.full(20, 3), ValueError, r"labels must lie in 0\.\.2"),
    (np.ones((20, 8)), np.zeros((20, 2)), ValueError, r"y has shape \(10, 2\)"),
    (np.full((20, 8), np.nan), np.zeros(20, dtype=int), ValueError, r"train: X contains NaN"),
    (np.ones((20, 8)), np.zeros(19, dtype=int), ValueError, r"train: Y has shape \(19,\), expected 20 rows"),
])
def test_clipped_training_raises_on_bad_input(X, y, error, match):
    with pytest.raises(error, match=match):
        bp.train(_clip_net(), X, y, "cross_entropy", 0.1, 1, np.random.default_rng(1), 10,
                 max_norm=1.0)


def test_clipped_training_checks_eta_and_max_norm():
    X, y = np.ones((20, 8)), np.zeros(20, dtype=int)
    for kwargs, error, match in [
        ({"eta": -0.1}, ValueError, r"train: eta must be positive and finite, got -0\.1"),
        ({"eta": "0.1"}, TypeError, r"train: eta must be a number, got str"),
        ({"max_norm": 0.0}, ValueError, r"train: max_norm must be positive and finite, got 0\.0"),
        ({"max_norm": 0}, ValueError, r"train: max_norm must be positive and finite, got 0"),
        ({"max_norm": "1"}, TypeError, r"train: max_norm must be a number or None, got str"),
    ]:
        args = {"eta": 0.1, "max_norm": None, **kwargs}
        with pytest.raises(error, match=match):
            bp.train(_clip_net(), X, y, "cross_entropy", args["eta"], 1,
                     np.random.default_rng(1), 10, max_norm=args["max_norm"])


def test_divergence_stops_the_run_and_is_reported_as_non_finite():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 8)), rng.normal(size=(40, 1))
    for loss in ("half_sse", "mse"):
        net = bp.MLP.init([8, 8, 1], np.random.default_rng(0))
        h = bp.train(net, X, y, loss, 10.0, 1000, np.random.default_rng(1), 10, norms=True)
        assert h.diverged and len(h.step_loss) < 4000
        assert not (np.isfinite(h.step_loss[-1]) and np.isfinite(h.step_norm[-1]))
        assert np.all(np.isfinite(h.step_loss[:-1]))
        assert len(h.step_norm) == len(h.step_loss)


# 5. train_sequence_regression: eta, max_norm and rng; now a Network of an RNN and a
#    Readout, trained by the one loop with the sequence loss.
def _sines():
    rng = np.random.default_rng(0)
    s = np.sin(rng.uniform(0.3, 1.0, size=(16, 1)) * np.arange(7) + rng.uniform(0, 6, size=(16, 1)))
    return s[:, :-1, None], s[:, 1:, None]


def _regress(**kwargs):
    X, Y = _sines()
    rnn = RNN.init(1, 4, np.random.default_rng(1))
    V, c = np.random.default_rng(2).normal(0, 0.25, size=(4, 1)), np.zeros(1)
    net = bp.Network([rnn, Readout(V, c)])
    args = {"eta": 0.1, "steps": 3, "batch_size": 4, "rng": np.random.default_rng(3),
            "max_norm": None, **kwargs}
    h = bp.train(net, X, Y, "sequence_half_sse", args["eta"], None, args["rng"],
                 args["batch_size"], steps=args["steps"], max_norm=args["max_norm"],
                 norms=True)
    return np.array(h.step_loss), np.array(h.step_norm)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"eta": -0.1}, ValueError, r"train: eta must be positive and finite, got -0\.1"),
    ({"eta": 0.0}, ValueError, r"train: eta must be positive and finite, got 0\.0"),
    ({"eta": np.inf}, ValueError, r"train: eta must be positive and finite, got inf"),
    ({"eta": "0.1"}, TypeError, r"train: eta must be a number, got str"),
    ({"max_norm": 0}, ValueError, r"train: max_norm must be positive and finite, got 0"),
    ({"max_norm": -1.0}, ValueError, r"train: max_norm must be positive and finite"),
    ({"rng": "seed"}, TypeError, r"train: rng must be a numpy.random.Generator"),
    ({"batch_size": 17}, ValueError, r"train: batch_size 17 is larger than the 16 rows"),
])
def test_sequence_training_refuses_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        _regress(**kwargs)


def test_sequence_training_takes_an_int_seed():
    by_seed = _regress(rng=3, max_norm=0.5)
    by_generator = _regress(rng=np.random.default_rng(3), max_norm=0.5)
    for a, b in zip(by_seed, by_generator, strict=True):
        np.testing.assert_array_equal(a, b)


# 6. RNN.backward rebound its gradient arrays: a grads list taken earlier went stale.
def test_rnn_backward_updates_gradients_in_place():
    rng = np.random.default_rng(4)
    rnn = RNN.init(3, 5, rng)
    grads = rnn.grads  # taken before backward
    H = rnn.forward(rng.normal(size=(2, 4, 3)))
    rnn.backward(rng.normal(size=H.shape))
    for before, after in zip(grads, rnn.grads, strict=True):
        assert before is after
        assert np.any(before != 0)


# Second set (issue 24, point 3). The rule for stateful layers: a tool that re-runs a
# forward pass leaves them exactly as one plain training step (forward + backward in
# training mode) leaves them.
from backprop.core.optim import clip_by_global_norm  # noqa: E402
from backprop.layers.residual import Residual  # noqa: E402
from backprop.roads import checkpointing, gradient_checks  # noqa: E402


def _bn_data():
    rng = np.random.default_rng(6)
    return rng.normal(size=(8, 3)), rng.integers(0, 2, 8)


def _assert_as_one_step(checked: bp.MLP, X, y) -> None:
    plain = _bn_net()
    plain.loss_and_grads(X, y, "cross_entropy")
    for name in ("running_mean", "running_var"):
        np.testing.assert_array_equal(getattr(checked.layers[1], name),
                                      getattr(plain.layers[1], name), err_msg=name)
    np.testing.assert_array_equal(checked.flat_params, plain.flat_params)


# 8. sampled_gradcheck and covering_gradcheck moved the running statistics once per
#    forward pass (2 per entry checked).
@pytest.mark.parametrize("check", [gradient_checks.sampled_gradcheck, gradient_checks.covering_gradcheck])
def test_sampled_checks_leave_running_statistics_as_one_training_step(check):
    X, y = _bn_data()
    net = _bn_net()
    rows = check(net, X, y, "cross_entropy", 12, np.random.default_rng(0))
    _assert_as_one_step(net, X, y)
    assert len(rows) == 12
    assert max(r["rel_error"] for r in rows if r["param"] != "b1") < 1e-5  # b1: cancelled by BN
    G = np.random.default_rng(1).normal(size=(8, 2))  # the caches are the step's, too
    plain = _bn_net()
    plain.loss_and_grads(X, y, "cross_entropy")
    net.backward(G)
    plain.backward(G)
    np.testing.assert_array_equal(net.flat_grads, plain.flat_grads)


def test_kinks_are_judged_on_batch_norms_pre_activation():
    rng = np.random.default_rng(3)
    net = bp.MLP([bp.Dense.init(3, 4, rng), BatchNorm(4, "relu"), bp.Dense.init(4, 2, rng)])
    net.layers[1].beta[:] = 5.0  # z = x_hat + 5 > 0 everywhere, x_hat is not
    net.forward(rng.normal(size=(8, 3)))
    pattern = gradient_checks.active_pattern(net)
    np.testing.assert_array_equal(pattern[32:64], np.ones(32, dtype=bool))


# 9. Checkpointing an MLP holding BatchNorm.
def test_checkpointing_updates_running_statistics_once():
    X, y = _bn_data()
    net = _bn_net()
    value = checkpointing.checkpointed_loss_and_grads(net, X, y, "cross_entropy", every=1)
    _assert_as_one_step(net, X, y)
    plain = _bn_net()
    assert value == plain.loss_and_grads(X, y, "cross_entropy")
    np.testing.assert_array_equal(net.flat_grads, plain.flat_grads)


def test_checkpointing_takes_batch_norm_first_and_counts_its_cache():
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)

    def make():
        r = np.random.default_rng(8)
        return bp.MLP([BatchNorm(3, "tanh"), bp.Dense.init(3, 4, r, "tanh"),
                       BatchNorm(4), bp.Dense.init(4, 2, r)])

    net, plain, held = make(), make(), []
    value = checkpointing.checkpointed_loss_and_grads(net, X, y, "cross_entropy", 2, held=held)
    assert value == plain.loss_and_grads(X, y, "cross_entropy")
    np.testing.assert_array_equal(net.flat_grads, plain.flat_grads)
    for a, b in zip(net.layers[::2], plain.layers[::2], strict=True):
        np.testing.assert_array_equal(a.running_mean, b.running_mean)
    # what BatchNorm caches: x_hat (N, n), std (n,), z and a (N, n), not its mode flag
    # (an identity activation's a is its z: counted once)
    bn = plain.layers[2]
    assert bn._cache[4] is bn._cache[3]
    assert checkpointing.cache_nbytes(plain) == checkpointing.distinct_nbytes(
        [c for layer in plain.layers for c in layer._cache if isinstance(c, np.ndarray)])
    assert checkpointing.cache_nbytes(plain) > 0
    assert held and max(held) <= checkpointing.cache_nbytes(plain) + X.nbytes
    assert checkpointing.backward_reads(make(), X, rng.normal(size=(8, 2))) == ["hsa", "xa", "hs", "x"]


# 10. BatchNorm's eps: any positive finite real number, NumPy scalars included.
def test_batch_norm_takes_numpy_scalar_eps_and_refuses_bad_ones():
    for good in (np.float32(1e-3), np.float64(1e-3), 1e-3, 1, np.int64(1)):
        bn = BatchNorm(2, eps=good)
        assert bn.eps == float(good) and type(bn.eps) is float
    for bad, error, match in [
        (True, TypeError, r"BatchNorm: eps must be a number, got bool"),
        ("1e-3", TypeError, r"BatchNorm: eps must be a number, got str"),
        (np.nan, ValueError, r"BatchNorm: eps must be positive and finite, got nan"),
        (np.inf, ValueError, r"BatchNorm: eps must be positive and finite, got inf"),
        (0.0, ValueError, r"BatchNorm: eps must be positive and finite, got 0\.0"),
        (-1e-5, ValueError, r"BatchNorm: eps must be positive and finite, got -1e-05"),
    ]:
        with pytest.raises(error, match=match):
            BatchNorm(2, eps=bad)
    assert BatchNorm(2, momentum=np.float32(0.25)).momentum == 0.25
    with pytest.raises(TypeError, match=r"BatchNorm: momentum must be a number, got bool"):
        BatchNorm(2, momentum=True)


# 11. clip_by_global_norm scaled the float arrays, then failed on an integer one.
def test_clip_by_global_norm_checks_every_array_before_scaling_any():
    frozen = np.ones(2)
    frozen.flags.writeable = False
    for bad, match in [
        (np.ones(3, dtype=int), r"clip_by_global_norm: grads\[1\] has dtype int64, expected "
                                r"a floating-point array"),
        (np.ones(3, dtype=bool), r"clip_by_global_norm: grads\[1\] has dtype bool"),
        (frozen, r"clip_by_global_norm: grads\[1\] must be a writable NumPy array"),
        ([1.0, 2.0], r"clip_by_global_norm: grads\[1\] must be a writable NumPy array.*got list"),
    ]:
        grads = [np.full(3, 10.0), bad, np.full(2, 10.0)]
        with pytest.raises(TypeError, match=match):
            clip_by_global_norm(grads, 0.1)
        np.testing.assert_array_equal(grads[0], np.full(3, 10.0))  # nothing scaled
        np.testing.assert_array_equal(grads[2], np.full(2, 10.0))
    grads = [np.full(3, 10.0), np.full(2, 10.0, dtype=np.float32)]
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(np.sqrt(500))
    assert np.sqrt(sum(float(np.sum(g.astype(float) ** 2)) for g in grads)) == pytest.approx(1.0)


# 12. The same Dense twice in a residual network gave wrong gradients silently; one
#     sharing rule for every container (held layers included).
def test_containers_refuse_a_layer_used_twice():
    rng = np.random.default_rng(9)
    d, e = bp.Dense.init(3, 3, rng, "tanh"), bp.Dense.init(3, 3, rng)
    bn = BatchNorm(3)
    for make, match in [
        (lambda: bp.Network([Residual([d]), Residual([d])]),
         r"Network: layer 2 \(sublayer 1\) is the same Dense object as layer 1 "
         r"\(sublayer 1\); weight sharing \(one layer used twice\) is not supported"),
        (lambda: bp.Network([d, Residual([e, d])]),
         r"Network: layer 2 \(sublayer 2\) is the same Dense object as layer 1;"),
        (lambda: bp.Network([Residual([bn, e]), bn]),
         r"Network: layer 2 is the same BatchNorm object as layer 1 \(sublayer 1\);"),
        (lambda: bp.MLP([d, e, d]),
         r"MLP: layer 3 is the same Dense object as layer 1; weight sharing"),
        (lambda: Residual([d, e, d]),
         r"Residual: .*3.* is the same Dense object as .*1.*; weight sharing"),
    ]:
        with pytest.raises(ValueError, match=match):
            make()
    block = Residual([d])
    with pytest.raises(ValueError, match=r"Network: layer 2 is the same Residual object as layer 1"):
        bp.Network([block, block])
    bp.Network([Residual([d]), Residual([e])])  # distinct layers: fine


def test_a_layer_of_one_network_is_refused_by_another():
    rng = np.random.default_rng(9)
    d = bp.Dense.init(3, 3, rng)
    first = bp.Network([Residual([d])])
    with pytest.raises(ValueError, match=r"Network: layer 1 already belongs to another network"):
        bp.Network([d])
    del first  # the first network gone, its layers may be used again
    import gc
    gc.collect()
    bp.Network([d])


# 13. Stack and ResidualNet passed training=True and overrode a BatchNorm's own mode;
#     the one container honours each layer's own mode unless told.
def test_the_container_honours_each_batch_norms_mode():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(6, 3))
    for make in (lambda bn: bp.Network([bp.Dense.init(3, 3, rng), bn]),
                 lambda bn: bp.Network([Residual([bn, bp.Dense.init(3, 3, rng)])])):
        bn = BatchNorm(3)
        bn.running_mean[:], bn.running_var[:] = 0.5, 2.0
        bn.training = False
        net = make(bn)
        net.forward(X)
        assert bn._cache[0] is False  # inference: its own mode
        np.testing.assert_array_equal(bn.running_mean, np.full(3, 0.5))
        net.forward(X[:1])  # one row is fine in inference
        net.forward(X, training=True)  # told explicitly: training
        assert bn._cache[0] is True
        assert bn.training is False  # and its own mode restored
        bn.training = True
        net.forward(X)
        assert bn._cache[0] is True
        net.forward(X, training=False)
        assert bn._cache[0] is False


# 14. hvp on an MLP holding BatchNorm failed with "'BatchNorm' object has no attribute 'W'".
def test_hvp_names_a_layer_it_cannot_differentiate_twice():
    from backprop.roads.second_order import hessian, hvp, r_pass

    rng = np.random.default_rng(11)
    net = bp.MLP([bp.Dense.init(3, 4, rng), BatchNorm(4, "tanh"), bp.Dense.init(4, 2, rng)])
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    v = np.ones(net.flat_params.size)
    for call in (lambda: hvp(net, X, Y, "half_sse", v), lambda: hessian(net, X, Y, "half_sse"),
                 lambda: r_pass(net, X, Y, "half_sse", v)):
        with pytest.raises(TypeError, match=r"hvp: layer 2 is a BatchNorm; the R-operator here "
                                            r"is written for dense layers only"):
            call()
