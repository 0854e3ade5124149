"""scikit-learn's gradients, read back from one plain SGD step."""

import numpy as np
import pytest

import backprop as bp
from backprop.roads.sklearn_reference import sklearn_gradients


def _net(act, k, rng):
    return bp.MLP([bp.Dense.init(5, 7, rng, act), bp.Dense.init(7, 6, rng, act),
                   bp.Dense.init(6, k, rng, "identity")])


def _targets(loss, k, rng, n=9):
    if loss == "half_sse":
        return rng.normal(size=(n, k))
    if loss == "cross_entropy":
        return np.eye(k)[np.arange(n) % k]
    return (np.arange(n) % 2).astype(float)[:, None]


CASES = [("half_sse", 1), ("half_sse", 3), ("cross_entropy", 4),
         ("binary_cross_entropy", 1)]


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "identity"])
@pytest.mark.parametrize(("loss", "k"), CASES)
def test_sklearn_gradients_are_the_centred_differences_of_the_loss(act, loss, k):
    # The reference is judged against finite differences of the loss written out
    # here, not against the package's backward pass.
    rng = np.random.default_rng(1)
    net, X = _net(act, k, rng), rng.normal(size=(9, 5))
    Y = _targets(loss, k, rng)
    before = [p.copy() for p in net.params]
    ref = sklearn_gradients(net, X, Y, loss)
    for p, b in zip(net.params, before, strict=True):
        np.testing.assert_array_equal(p, b)  # the caller's network is untouched

    def plain_loss():
        a = X
        for layer in net.layers:
            a = layer.g.f(a @ layer.W + layer.b)
        if loss == "half_sse":
            return 0.5 * ((a - Y) ** 2).sum() / len(X)
        if loss == "cross_entropy":
            z = a - a.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            return -(Y * logp).sum() / len(X)
        p = 1 / (1 + np.exp(-a))
        return -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).sum() / len(X)

    for p, r in zip(net.params, ref, strict=True):
        assert r.shape == p.shape
        fd = bp.numerical_gradient(plain_loss, p)
        np.testing.assert_allclose(r, fd, rtol=1e-6, atol=1e-9)


def test_the_package_agrees_with_sklearn_to_rounding():
    rng = np.random.default_rng(2)
    net, X = _net("sigmoid", 4, rng), rng.normal(size=(9, 5))
    Y = _targets("cross_entropy", 4, rng)
    ref = sklearn_gradients(net, X, Y, "cross_entropy")
    net.loss_and_grads(X, Y, "cross_entropy")
    for g, r in zip(net.grads, ref, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-14)


def test_sklearn_gradients_refuse_what_sklearn_cannot_model():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 5))
    mixed = bp.MLP([bp.Dense.init(5, 7, rng, "tanh"), bp.Dense.init(7, 6, rng, "relu"),
                    bp.Dense.init(6, 3, rng, "identity")])
    with pytest.raises(ValueError, match="one hidden activation"):
        sklearn_gradients(mixed, X, np.eye(3)[[0, 1, 2, 0]], "cross_entropy")
    net = _net("tanh", 3, rng)
    with pytest.raises(ValueError, match="loss must be one of"):
        sklearn_gradients(net, X, np.zeros((4, 3)), "mse")
    with pytest.raises(ValueError, match="not one-hot"):
        sklearn_gradients(net, X, np.full((4, 3), 1 / 3), "cross_entropy")
    with pytest.raises(ValueError, match="X must have shape"):
        sklearn_gradients(net, X[:, :4], np.eye(3)[[0, 1, 2, 0]], "cross_entropy")
    two = _net("tanh", 2, rng)
    with pytest.raises(ValueError, match="at least 3 classes"):
        sklearn_gradients(two, X, np.eye(2)[[0, 1, 1, 0]], "cross_entropy")
    squashed = bp.MLP([bp.Dense.init(5, 3, rng, "sigmoid")])
    with pytest.raises(ValueError, match="output layer must be 'identity'"):
        sklearn_gradients(squashed, X, np.eye(3)[[0, 1, 2, 0]], "cross_entropy")
    with pytest.raises(TypeError, match="net must be an MLP"):
        sklearn_gradients("net", X, X, "half_sse")
