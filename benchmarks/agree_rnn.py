"""Agreement of backprop's RNN (tanh, BPTT) with torch.nn.RNN, float64.

``cases()`` returns (case name, max relative error) for the states H, and
for dL/dX, dL/dh0, dL/dW_x, dL/dW_h and dL/db with L = sum(G * H), on
seeded shapes. torch.nn.RNN stores the transposes, weight_ih = W_x^T and
weight_hh = W_h^T, and two biases; we give it b and zeros. Truncated BPTT
has no torch counterpart and is not compared here.
Run alone: ``.venv/bin/python benchmarks/agree_rnn.py``. Target <= 1e-10.
"""

from __future__ import annotations

import numpy as np

from backprop.layers.recurrent import RNN

AGREEMENT = 1e-10
CASES = [(1, 1, 1, 1), (2, 5, 3, 4), (4, 12, 2, 8), (8, 30, 5, 16)]  # N, T, n, m


def _max_rel(a, b) -> float:
    """Largest entry-wise relative error, entries near 0 judged on b's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3 * scale)))


def cases() -> list[tuple[str, float]]:
    """States and all gradients: ours vs torch.nn.RNN(nonlinearity='tanh')."""
    import torch

    result = []
    for seed, (N, T, n, m) in enumerate(CASES):
        rng = np.random.default_rng(seed)
        ours = RNN.init(n, m, rng, rho=1.2)
        ours.b[:] = rng.normal(0, 0.5, size=m)
        X, h0 = rng.normal(size=(N, T, n)), rng.normal(0, 0.5, size=(N, m))
        H = ours.forward(X, h0)
        G = rng.normal(size=H.shape)
        grad_X = ours.backward(G)
        net = torch.nn.RNN(n, m, nonlinearity="tanh", batch_first=True,
                           dtype=torch.float64)
        with torch.no_grad():                   # the one transpose
            net.weight_ih_l0.copy_(torch.from_numpy(ours.W_x.T.copy()))
            net.weight_hh_l0.copy_(torch.from_numpy(ours.W_h.T.copy()))
            net.bias_ih_l0.copy_(torch.from_numpy(ours.b))
            net.bias_hh_l0.zero_()
        Xt = torch.from_numpy(X).requires_grad_(True)
        h0t = torch.from_numpy(h0[None]).requires_grad_(True)
        Ht, _ = net(Xt, h0t)
        (Ht * torch.from_numpy(G)).sum().backward()
        name = f"rnn N={N} T={T} n={n} m={m}"
        result += [
            (f"{name}: H", _max_rel(H, Ht.detach().numpy())),
            (f"{name}: dL/dX", _max_rel(grad_X, Xt.grad.numpy())),
            (f"{name}: dL/dh0", _max_rel(ours.grad_h0, h0t.grad.numpy()[0])),
            (f"{name}: dL/dW_x",
             _max_rel(ours.grad_W_x, net.weight_ih_l0.grad.numpy().T)),
            (f"{name}: dL/dW_h",
             _max_rel(ours.grad_W_h, net.weight_hh_l0.grad.numpy().T)),
            (f"{name}: dL/db", _max_rel(ours.grad_b, net.bias_ih_l0.grad.numpy())),
        ]
    return result


if __name__ == "__main__":
    rows = cases()
    for name, err in rows:
        print(f"{name:40s} {err:.1e}")
    worst = max(err for _, err in rows)
    verdict = "ok" if worst <= AGREEMENT else "FAILS"
    print(f"worst: {worst:.1e} ({verdict} at {AGREEMENT:.0e})")
    raise SystemExit(0 if worst <= AGREEMENT else 1)
