"""Agreement of backprop's Residual block and gradient clipping with torch.

``cases()`` returns (case name, max relative error) for the output of
y = x + f(x) with a branch of two Dense layers, for dL/dx and every
parameter gradient, and for the gradients after
``torch.nn.utils.clip_grad_norm_`` (and the norm it returns), in float64.
PyTorch scales by c / (||g|| + 1e-6), not c / ||g||: its clipped gradients
are rescaled by (||g|| + 1e-6) / ||g|| before the comparison.
Run alone: ``.venv/bin/python benchmarks/agree_residual.py``. Target <= 1e-10.
"""

from __future__ import annotations

import numpy as np

import backprop as bp
from backprop.core.optim import clip_by_global_norm
from backprop.layers.residual import Residual

SHAPES = [(1, 1), (5, 3), (32, 16), (128, 64)]  # (N, n)
ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid"}
AGREEMENT = 1e-10
TORCH_CLIP_EPS = 1e-6  # added to the norm in clip_grad_norm_'s divisor


def _max_rel(a, b) -> float:
    """Largest entry-wise relative error, entries near 0 judged on b's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3 * scale)))


def cases() -> list[tuple[str, float]]:
    """Output, input and parameter gradients, clipped gradients: ours vs torch."""
    import torch

    result = []
    for seed, (N, n) in enumerate(SHAPES):
        for name in ACTIVATIONS:
            rng = np.random.default_rng(seed)
            first = bp.Dense.init(n, n, rng, name, scheme="normal")
            second = bp.Dense.init(n, n, rng, "identity", scheme="normal")
            first.b[:], second.b[:] = rng.normal(size=n), rng.normal(size=n)
            block = Residual([first, second])
            x, g = rng.normal(size=(N, n)), rng.normal(size=(N, n))
            y = block.forward(x)
            grad_x = block.backward(g)
            leaves = [torch.tensor(p, requires_grad=True)
                      for p in (x, *block.params)]
            xt, W1, b1, W2, b2 = leaves
            act = getattr(torch, name)
            yt = xt + act(xt @ W1 + b1) @ W2 + b2  # (W as ours: (n_in, n_out))
            yt.backward(torch.from_numpy(g))
            case = f"{name} N={N} n={n}"
            result += [(f"{case}: y", _max_rel(y, yt.detach().numpy())),
                       (f"{case}: dL/dx", _max_rel(grad_x, xt.grad.numpy()))]
            for label, ours, leaf in zip(("W1", "b1", "W2", "b2"),
                                         block.grads, leaves[1:],
                                         strict=True):
                result.append((f"{case}: dL/d{label}",
                               _max_rel(ours, leaf.grad.numpy())))
            max_norm = 0.5 * float(np.sqrt(sum(np.sum(p.grad.numpy() ** 2)
                                               for p in leaves[1:])))
            ours = [gr.copy() for gr in block.grads]
            norm = clip_by_global_norm(ours, max_norm)
            ref = float(torch.nn.utils.clip_grad_norm_(leaves[1:], max_norm))
            undo = (ref + TORCH_CLIP_EPS) / ref if ref > 0 else 1.0
            result.append((f"{case}: global norm", _max_rel(norm, ref)))
            for label, a, leaf in zip(("W1", "b1", "W2", "b2"), ours,
                                      leaves[1:], strict=True):
                result.append((f"{case}: clipped dL/d{label}",
                               _max_rel(a, undo * leaf.grad.numpy())))
    return result


if __name__ == "__main__":
    rows = cases()
    for name, err in rows:
        print(f"{name:40s} {err:.1e}")
    worst = max(err for _, err in rows)
    verdict = "ok" if worst <= AGREEMENT else "FAILS"
    print(f"worst: {worst:.1e} ({verdict} at {AGREEMENT:.0e})")
    raise SystemExit(0 if worst <= AGREEMENT else 1)
