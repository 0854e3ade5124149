"""The book's running example: Jaokar's 1-2-2 ReLU network, with one set of numbers.

One input, two hidden ReLU units, two ReLU outputs, the half squared error. Chapter 2
runs it backward by hand for one example, chapter 3 feeds it a batch of three,
chapter 6 checks the four equations on that batch, and chapter 7 names it beside
Mazur's network. The numbers are typed here once, so a value computed in one chapter
is the value the next chapter finds.

    >>> import backprop as bp
    >>> net = bp.running_example.network()
    >>> net.forward(bp.running_example.X_ONE).round(3).tolist()
    [[1.04, 0.33]]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..core.dense import Dense
from ..core.network import MLP

#: hidden layer: weights (1, 2) and biases (2,)
W_HIDDEN = ((0.6, 0.9),)
B_HIDDEN = (0.1, -0.2)
#: output layer: weights (2, 2) (square and not symmetric: a missing transpose shows)
W_OUTPUT = ((0.5, -0.4), (0.7, 0.3))
B_OUTPUT = (0.2, 0.4)

#: one example (chapter 2): x_1 = 1 with targets (0.5, 0.9)
X_ONE = np.array([[1.0]])
Y_ONE = np.array([[0.5, 0.9]])
#: a batch of three (chapters 3 and 6); the first row is the example above, the
#: second switches every hidden unit off
X_BATCH = np.array([[1.0], [-1.0], [2.0]])
Y_BATCH = np.array([[0.5, 0.9], [0.2, 0.1], [1.5, 1.0]])

for _array in (X_ONE, Y_ONE, X_BATCH, Y_BATCH):
    _array.flags.writeable = False


def network() -> MLP:
    """A new copy of the network (its arrays are the caller's to change)."""
    return MLP([Dense(np.array(W_HIDDEN), np.array(B_HIDDEN), "relu"),
                Dense(np.array(W_OUTPUT), np.array(B_OUTPUT), "relu")])


def batch() -> tuple[NDArray, NDArray]:
    """Copies of the batch of three: inputs (3, 1) and targets (3, 2)."""
    return X_BATCH.copy(), Y_BATCH.copy()
