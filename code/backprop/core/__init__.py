"""The core: what every network of the course is made of.

Activations, losses, initialisation, the optimiser and clipping, the layer protocol
and the dense layer, the one container (:class:`~backprop.core.network.Network`),
batching and the one training loop. Imports only ``backprop._validate``.
"""
