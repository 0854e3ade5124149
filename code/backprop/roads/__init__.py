"""Other roads to the same derivatives: each computes what backpropagation computes,
another way, or builds on it.

Finite differences and gradient checks, the scalar autograd engine and its network,
the explicit loops, checkpointing, second derivatives, and scikit-learn's gradient as
an outside reference. Imports the core and the layers, never the teaching helpers.
"""
