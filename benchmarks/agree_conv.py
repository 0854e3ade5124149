"""Agreement of backprop's Conv1D and Conv2D with torch.nn.functional.conv1d/conv2d.

``cases()`` returns (case name, max relative error) for the forward output z, dL/dx,
dL/dK and dL/db, in float64, on seeded shapes with strides and zero padding. The
kernel layout is PyTorch's, (C_out, C_in, *k), so nothing is transposed.
Run alone: ``.venv/bin/python benchmarks/agree_conv.py``. Target <= 1e-10.
"""

from __future__ import annotations

import numpy as np

from backprop.layers.convolution import Conv1D, Conv2D

AGREEMENT = 1e-10
# (N, C_in, C_out, spatial size, kernel, stride, padding)
CASES_1D = [(2, 1, 1, (9,), (3,), (1,), (0,)), (3, 2, 4, (11,), (4,), (2,), (1,)),
            (8, 3, 5, (32,), (5,), (3,), (2,))]
CASES_2D = [(2, 1, 8, (8, 8), (3, 3), (1, 1), (0, 0)), (3, 2, 4, (7, 9), (3, 2), (2, 3), (1, 2)),
            (4, 3, 6, (16, 12), (5, 3), (2, 1), (2, 0)), (1, 4, 2, (5, 5), (5, 5), (1, 1), (0, 0))]


def _max_rel(a, b) -> float:
    """Largest entry-wise relative error, with entries near 0 judged on the scale of b."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3 * scale)))


def cases() -> list[tuple[str, float]]:
    """Forward output and the input, kernel and bias gradients: ours vs torch."""
    import torch
    import torch.nn.functional as F

    result = []
    for seed, (N, C, O, size, k, s, p) in enumerate(CASES_1D + CASES_2D):
        rng = np.random.default_rng(seed)
        x, K, b = rng.normal(size=(N, C, *size)), rng.normal(size=(O, C, *k)), rng.normal(size=O)
        layer = (Conv1D if len(size) == 1 else Conv2D)(K, b, s, p)
        z = layer.forward(x)
        g = rng.normal(size=z.shape)
        grad_x = layer.backward(g)
        xt, Kt, bt = (torch.from_numpy(v.copy()).requires_grad_(True) for v in (x, K, b))
        conv = F.conv1d if len(size) == 1 else F.conv2d
        zt = conv(xt, Kt, bt, stride=s, padding=p)
        zt.backward(torch.from_numpy(g))
        name = f"conv{len(size)}d N={N} C={C}->{O} n={size} k={k} s={s} p={p}"
        result += [
            (f"{name}: z", _max_rel(z, zt.detach().numpy())),
            (f"{name}: dL/dx", _max_rel(grad_x, xt.grad.numpy())),
            (f"{name}: dL/dK", _max_rel(layer.grad_K, Kt.grad.numpy())),
            (f"{name}: dL/db", _max_rel(layer.grad_b, bt.grad.numpy())),
        ]
    return result


if __name__ == "__main__":
    rows = cases()
    for name, err in rows:
        print(f"{name:60s} {err:.1e}")
    worst = max(err for _, err in rows)
    print(f"worst: {worst:.1e} ({'ok' if worst <= AGREEMENT else 'FAILS'} at {AGREEMENT:.0e})")
    raise SystemExit(0 if worst <= AGREEMENT else 1)
