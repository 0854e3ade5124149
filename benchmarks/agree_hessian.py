"""Agreement of backprop.roads.second_order's Hessian-vector products with PyTorch.

In float64.

``cases()`` returns (case name, max relative error) for H v of an MLP's loss,
ours (forward-over-reverse) against ``torch.autograd.functional.hvp`` (reverse
over reverse), for several activations, losses and shapes, and for the full
Hessian against ``torch.autograd.functional.hessian`` on a small network.
Run alone: ``.venv/bin/python benchmarks/agree_hessian.py``. Target <= 1e-10.
"""

from __future__ import annotations

import numpy as np

import backprop as bp
from backprop.roads.second_order import hessian, hvp

AGREEMENT = 1e-10
CASES = [  # (sizes, hidden, output, loss, N)
    ([3, 4, 2], "tanh", "identity", "half_sse", 5),
    ([4, 8, 8, 3], "sigmoid", "identity", "cross_entropy", 16),
    ([5, 16, 4], "relu", "identity", "half_sse", 32),
    ([3, 6, 2], "tanh", "sigmoid", "half_sse", 8),
    ([6, 10, 10, 2], "identity", "identity", "binary_cross_entropy", 12),
    ([8, 32, 32, 10], "tanh", "identity", "cross_entropy", 64),
    ([3, 5, 3], "tanh", "tanh", "cross_entropy", 8),  # non-identity heads
    ([3, 4, 2], "relu", "sigmoid", "binary_cross_entropy", 10),
    ([3, 4, 3], "tanh", "softmax", "half_sse", 6),
]
# every output activation with every loss hvp takes (issue 24: H v was silently
# wrong for non-identity heads under cross-entropy until g' and g'' were included)
CASES += [([3, 4, 3], "tanh", output, loss, 7)
          for output in ("identity", "sigmoid", "tanh", "relu", "softmax")
          for loss in ("half_sse", "mse", "cross_entropy", "binary_cross_entropy")]


def _max_rel(a, b) -> float:
    """Largest entry-wise relative error, near-0 entries on b's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3 * scale)))


def _torch_loss(net, X, Y, loss):
    """The loss as a function of one flat float64 tensor, in PyTorch."""
    import torch

    acts = {"identity": lambda z: z, "sigmoid": torch.sigmoid,
            "tanh": torch.tanh, "relu": torch.relu,
            "softmax": lambda z: torch.softmax(z, dim=1)}
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(np.asarray(Y, float))
    shapes = [p.shape for p in net.params]
    names = [layer.g.name for layer in net.layers]

    def f(theta):
        a, offset = Xt, 0
        params = []
        for shape in shapes:
            size = int(np.prod(shape))
            params.append(theta[offset:offset + size].reshape(shape))
            offset += size
        for l, name in enumerate(names):
            a = acts[name](a @ params[2 * l] + params[2 * l + 1])
        n = a.shape[0]
        if loss == "half_sse":
            return 0.5 * ((a - Yt) ** 2).sum() / n
        if loss == "mse":
            return ((a - Yt) ** 2).mean()
        if loss == "cross_entropy":
            return -(Yt * torch.log_softmax(a, dim=1)).sum() / n
        return torch.nn.functional.binary_cross_entropy_with_logits(
            a, Yt, reduction="sum") / n

    return f


def cases() -> list[tuple[str, float]]:
    """H v, ours vs torch.autograd.functional.hvp; one full Hessian."""
    import torch

    result = []
    for seed, (sizes, hidden, output, loss, N) in enumerate(CASES):
        rng = np.random.default_rng(seed)
        net = bp.MLP.init(sizes, rng, hidden, output)
        for layer in net.layers:
            layer.b[:] = rng.normal(size=layer.b.shape) * 0.1
        X = rng.normal(size=(N, sizes[0]))
        k = sizes[-1]
        if loss == "cross_entropy":
            Y = np.eye(k)[rng.integers(0, k, N)]
        elif loss == "binary_cross_entropy" or output in ("sigmoid",
                                                            "softmax"):
            Y = rng.uniform(size=(N, k))
        else:
            Y = rng.normal(size=(N, k))
        v = rng.normal(size=net.flat_params.size)
        f = _torch_loss(net, X, Y, loss)
        theta = torch.from_numpy(net.flat_params.copy())
        _, ref = torch.autograd.functional.hvp(f, theta, torch.from_numpy(v))
        name = f"{sizes} {hidden}/{output} {loss} N={N}"
        result.append((f"{name}: Hv", _max_rel(hvp(net, X, Y, loss, v),
                                               ref.numpy())))
        if net.flat_params.size <= 40:
            H_ref = torch.autograd.functional.hessian(f, theta)
            result.append((f"{name}: H", _max_rel(hessian(net, X, Y, loss),
                                                  H_ref.numpy())))
    return result


if __name__ == "__main__":
    rows = cases()
    for name, err in rows:
        print(f"{name:58s} {err:.1e}")
    worst = max(err for _, err in rows)
    verdict = "ok" if worst <= AGREEMENT else "FAILS"
    print(f"worst: {worst:.1e} ({verdict} at {AGREEMENT:.0e})")
    raise SystemExit(0 if worst <= AGREEMENT else 1)
