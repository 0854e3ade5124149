"""backprop: the NumPy package of the course *The mathematics of backpropagation*.

Rows are examples: X (N, n_in), W (n_in, n_out), Z = X W + b.

Four subpackages, imports running one way (each imports only those above it):

- ``core``: activations, losses, initialisation, the optimiser and clipping, the
  layer protocol (:mod:`backprop.core.layer`), the dense layer, the one container
  (:class:`Network`, and :class:`MLP` built from sizes), batching, the one training
  loop (:func:`train`);
- ``layers``: batch norm, residual blocks, convolution (and flatten), recurrence,
  each a layer of the protocol;
- ``roads``: other roads to the same derivatives (finite differences and gradient
  checks, the scalar engine, the explicit loops, checkpointing, second derivatives,
  scikit-learn as an outside reference);
- ``teaching``: checked equations, the graded exercises, counting, index calculus,
  figures, Mazur's example and the running example.

The dtype rule, for every layer: a layer computes in its parameters' dtype (float64
unless built in float32). Integer inputs are cast to it; a floating-point input of
another precision raises ``TypeError`` instead of being silently cast; a gradient
passed to ``backward`` is cast to it (a float64 loss gradient into a float32 layer).
A network's layers share one dtype.
"""

from .core.activations import (
    ACTIVATIONS,
    Activation,
    get_activation,
    identity,
    identity_prime,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    softmax,
    softmax_jacobian,
    softmax_vjp,
    tanh,
    tanh_prime,
)
from .core.batching import epoch_rows, minibatches
from .core.dense import Dense
from .core.initialisation import init_std, init_weights
from .core.layer import Layer
from .core.losses import (
    LOSSES,
    Loss,
    binary_cross_entropy,
    binary_cross_entropy_grad,
    cross_entropy,
    cross_entropy_grad,
    get_loss,
    half_sse,
    half_sse_grad,
    log_softmax,
    mse,
    mse_grad,
)
from .core.network import MLP, Network
from .core.optim import clip_by_global_norm, global_norm, gradient_descent, sgd_step
from .core.training import History, accuracy, train
from .layers.batchnorm import BatchNorm
from .layers.convolution import Conv1D, Conv2D, Flatten
from .layers.recurrent import RNN, Readout
from .layers.residual import Residual
from .roads.gradient_checks import FD_STEP, gradcheck, numerical_gradient, relative_error
from .teaching import running_example
from .teaching.equations import assert_close, check_equation, check_equations
from .teaching.grading import check_answer

__all__ = [
    "ACTIVATIONS",
    "FD_STEP",
    "LOSSES",
    "MLP",
    "RNN",
    "Activation",
    "BatchNorm",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Flatten",
    "History",
    "Layer",
    "Loss",
    "Network",
    "Readout",
    "Residual",
    "accuracy",
    "assert_close",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "check_answer",
    "check_equation",
    "check_equations",
    "clip_by_global_norm",
    "cross_entropy",
    "cross_entropy_grad",
    "epoch_rows",
    "get_activation",
    "get_loss",
    "global_norm",
    "gradcheck",
    "gradient_descent",
    "half_sse",
    "half_sse_grad",
    "identity",
    "identity_prime",
    "init_std",
    "init_weights",
    "log_softmax",
    "minibatches",
    "mse",
    "mse_grad",
    "numerical_gradient",
    "relative_error",
    "relu",
    "relu_prime",
    "running_example",
    "sgd_step",
    "sigmoid",
    "sigmoid_prime",
    "softmax",
    "softmax_jacobian",
    "softmax_vjp",
    "tanh",
    "tanh_prime",
    "train",
]
