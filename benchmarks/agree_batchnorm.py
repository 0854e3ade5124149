"""Agreement of backprop's BatchNorm with torch.nn.BatchNorm1d, in float64.

``cases()`` returns (case name, max relative error) for the forward output, dL/dx,
dL/dgamma and dL/dbeta in training and inference mode, and for the running mean and
variance after two training steps (PyTorch keeps the *unbiased* batch variance in
its running average while normalising with the biased one; so does backprop).
Run alone: ``.venv/bin/python benchmarks/agree_batchnorm.py``. Target <= 1e-10.
"""

from __future__ import annotations

import numpy as np

from backprop.layers.batchnorm import BatchNorm

SHAPES = [(2, 1), (5, 3), (32, 16), (128, 64)]  # (N, n)
AGREEMENT = 1e-10


def _max_rel(a, b) -> float:
    """Largest entry-wise relative error, with entries near 0 judged on the scale of b."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3 * scale)))


def cases() -> list[tuple[str, float]]:
    """Forward output, input and parameter gradients, running statistics: ours vs torch."""
    import torch

    result = []
    for seed, (N, n) in enumerate(SHAPES):
        rng = np.random.default_rng(seed)
        x1, x2 = rng.normal(1.0, 3.0, (N, n)), rng.normal(-2.0, 0.5, (N, n))
        g = rng.normal(size=(N, n))
        ours = BatchNorm(n, momentum=0.1)
        ours.gamma[:], ours.beta[:] = rng.normal(size=n), rng.normal(size=n)
        ref = torch.nn.BatchNorm1d(n, eps=ours.eps, momentum=0.1, dtype=torch.float64)
        with torch.no_grad():
            ref.weight.copy_(torch.from_numpy(ours.gamma))
            ref.bias.copy_(torch.from_numpy(ours.beta))
        for mode, x in (("train", x1), ("train", x2), ("eval", x1)):
            ref.train(mode == "train")
            xt = torch.from_numpy(x.copy()).requires_grad_(True)
            ref.weight.grad = ref.bias.grad = None
            yt = ref(xt)
            yt.backward(torch.from_numpy(g))
            y = ours.forward(x, training=mode == "train")
            grad_x = ours.backward(g)
            name = f"{mode} N={N} n={n}"
            result += [
                (f"{name}: y", _max_rel(y, yt.detach().numpy())),
                (f"{name}: dL/dx", _max_rel(grad_x, xt.grad.numpy())),
                (f"{name}: dL/dgamma", _max_rel(ours.grad_gamma, ref.weight.grad.numpy())),
                (f"{name}: dL/dbeta", _max_rel(ours.grad_beta, ref.bias.grad.numpy())),
            ]
        result += [
            (f"N={N} n={n}: running mean", _max_rel(ours.running_mean, ref.running_mean.numpy())),
            (f"N={N} n={n}: running var (unbiased)", _max_rel(ours.running_var, ref.running_var.numpy())),
        ]
    return result


if __name__ == "__main__":
    rows = cases()
    for name, err in rows:
        print(f"{name:40s} {err:.1e}")
    worst = max(err for _, err in rows)
    print(f"worst: {worst:.1e} ({'ok' if worst <= AGREEMENT else 'FAILS'} at {AGREEMENT:.0e})")
    raise SystemExit(0 if worst <= AGREEMENT else 1)
