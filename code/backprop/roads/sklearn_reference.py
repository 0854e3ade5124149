"""Gradients computed by scikit-learn: a reference written by other hands.

scikit-learn's ``MLPRegressor`` and ``MLPClassifier`` train by backpropagation of
their own. Their gradient is not public, but one plain SGD step reveals it: with
learning rate 1, no momentum, no penalty and the whole batch as one minibatch,
every parameter moves by exactly minus its gradient. :func:`sklearn_gradients`
copies a network's weights into scikit-learn, takes that one step and reads the
move back, so the package's backward pass can be compared with code it shares
nothing with.

Chapters: :doc:`chapters/10_digits`, :doc:`chapters/11_graphs`,
:doc:`chapters/12_speed`, :doc:`chapters/13_deep_networks`.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_float_array
from ..core.network import MLP

# The package's activation names and scikit-learn's for the same functions.
_SKLEARN_ACTIVATION = {
    "identity": "identity",
    "sigmoid": "logistic",
    "tanh": "tanh",
    "relu": "relu",
}
_LOSSES = ("half_sse", "cross_entropy", "binary_cross_entropy")


def sklearn_gradients(net: MLP, X: ArrayLike, Y: ArrayLike, loss: str) -> list[NDArray]:
    """Return scikit-learn's gradients of ``loss`` for the weights of ``net``.

    The list is ordered like ``net.grads``: ``dL/dW^1, dL/db^1, ..., dL/db^L``.
    ``net`` is left unchanged. scikit-learn fixes what it can model:

    - one activation for every hidden layer (sigmoid, tanh, relu or identity)
      and an identity output layer, whose output is the logit for the two
      cross-entropies (scikit-learn applies the softmax or the sigmoid itself);
    - ``loss`` is ``"half_sse"`` (``MLPRegressor``), ``"cross_entropy"`` with
      one-hot targets over at least 3 classes (``MLPClassifier``, softmax), or
      ``"binary_cross_entropy"`` with one output and 0/1 targets
      (``MLPClassifier``, logistic).
    """
    where = "sklearn_gradients"
    if not isinstance(net, MLP):
        raise TypeError(f"{where}: net must be an MLP, got {type(net).__name__}")
    if loss not in _LOSSES:
        raise ValueError(f"{where}: loss must be one of {_LOSSES}, got {loss!r}")
    names = [getattr(getattr(layer, "g", None), "name", None) for layer in net.layers]
    if None in names:
        raise TypeError(f"{where}: net must hold Dense layers only, got {net.layers!r}")
    hidden = set(names[:-1])
    if len(hidden) > 1 or not hidden <= set(_SKLEARN_ACTIVATION):
        raise ValueError(
            f"{where}: scikit-learn needs one hidden activation out of "
            f"{sorted(_SKLEARN_ACTIVATION)}; the hidden layers use {names[:-1]}"
        )
    if names[-1] != "identity":
        raise ValueError(
            f"{where}: the output layer must be 'identity' (scikit-learn adds its "
            f"own output function), got {names[-1]!r}"
        )
    if net.params[0].dtype != np.float64:
        raise TypeError(f"{where}: net must be float64, got {net.params[0].dtype}")
    sizes = net.sizes
    X = as_float_array(X, "X", where, ndim=2, shape=f"(N, {sizes[0]})")
    Y = as_float_array(Y, "Y", where, ndim=2, shape=f"(N, {sizes[-1]})")
    if X.shape[1] != sizes[0] or Y.shape != (X.shape[0], sizes[-1]):
        raise ValueError(
            f"{where}: X must have shape (N, {sizes[0]}) and Y (N, {sizes[-1]}), "
            f"got X {X.shape} and Y {Y.shape}"
        )
    estimator, y = _estimator(loss, hidden.pop() if hidden else "identity", sizes, X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the first step, from sklearn's own start
        if loss == "half_sse":
            estimator.partial_fit(X, y)
        else:
            estimator.partial_fit(X, y, classes=np.arange(max(2, sizes[-1])))
    before = [p.copy() for p in net.params]
    # In place: scikit-learn's optimiser holds these very arrays.
    for arr, p in zip(_sklearn_params(estimator), before, strict=True):
        arr[...] = p.reshape(arr.shape)
    estimator.partial_fit(X, y)
    after = _sklearn_params(estimator)
    return [(p - a.reshape(p.shape)) for p, a in zip(before, after, strict=True)]


def _estimator(loss: str, activation: str, sizes: list[int], X: NDArray, Y: NDArray):
    # Imported here: scikit-learn is needed by these references only.
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    options = dict(
        hidden_layer_sizes=tuple(sizes[1:-1]),
        activation=_SKLEARN_ACTIVATION[activation],
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=1.0,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=X.shape[0],
        shuffle=False,
        max_iter=1,
        random_state=0,
    )
    if loss == "half_sse":
        y = Y[:, 0] if Y.shape[1] == 1 else Y
        return MLPRegressor(**options), y
    where = "sklearn_gradients"
    if loss == "binary_cross_entropy":
        if Y.shape[1] != 1 or not np.isin(Y, (0.0, 1.0)).all():
            raise ValueError(
                f"{where}: binary_cross_entropy needs Y of shape (N, 1) holding 0 "
                f"or 1, got shape {Y.shape}"
            )
        return MLPClassifier(**options), Y[:, 0].astype(int)
    k = Y.shape[1]
    one_hot = np.isin(Y, (0.0, 1.0)).all() and (Y.sum(axis=1) == 1).all()
    if k < 3 or not one_hot:
        raise ValueError(
            f"{where}: cross_entropy needs one-hot targets over at least 3 classes "
            f"(scikit-learn models 2 classes with one logistic output), got Y of "
            f"shape {Y.shape}{'' if one_hot else ', not one-hot'}"
        )
    return MLPClassifier(**options), Y.argmax(axis=1)


def _sklearn_params(estimator) -> list[NDArray]:
    """scikit-learn's parameters in the package's order: W1, b1, W2, b2, ..."""
    pairs = zip(estimator.coefs_, estimator.intercepts_, strict=True)
    return [arr for pair in pairs for arr in pair]
