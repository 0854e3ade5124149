"""backprop: the NumPy package of the course *The mathematics of backpropagation*.

Rows are examples: X (N, n_in), W (n_in, n_out), Z = X W + b. float64 by default.
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
from .core.dense import Dense
from .core.initialisation import init_std, init_weights
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
from .core.network import MLP
from .core.optim import gradient_descent, sgd_step
from .core.training import History, accuracy, minibatches, train
from .roads.gradient_checks import FD_STEP, gradcheck, numerical_gradient, relative_error
from .teaching import running_example
from .teaching.equations import assert_close, check_equation, check_equations
from .teaching.grading import check

__all__ = [
    "ACTIVATIONS",
    "FD_STEP",
    "LOSSES",
    "MLP",
    "Activation",
    "Dense",
    "History",
    "Loss",
    "accuracy",
    "assert_close",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "check",
    "check_equation",
    "check_equations",
    "cross_entropy",
    "cross_entropy_grad",
    "get_activation",
    "get_loss",
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
