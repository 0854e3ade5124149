"""The layers built on the core, each following the core's layer protocol.

Batch normalisation, residual blocks, convolution, recurrence. Imports the core,
never the other roads or the teaching helpers.
"""
