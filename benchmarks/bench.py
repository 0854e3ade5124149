"""`make bench`: one training step of backprop's MLP against PyTorch CPU eager.

A step is forward, cross-entropy loss, backward and an SGD update, on the same
architecture (ReLU hidden layer, softmax cross-entropy), data and initial weights. Runs
are paired (ours, PyTorch, ours, PyTorch, ...) and medians reported. Before timing, the
two must compute the same gradients in float64 (relative error <= 1e-10), or the script
fails. Shows one progress line per case as it runs (on stderr), then writes
benchmarks/results.json and prints a table whose columns it explains. Never run as a test.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import backprop as bp
from backprop.roads.engine import Value  # noqa: F401  (the scalar engine, timed below)
from backprop.roads.scalar_network import ScalarMLP

HERE = Path(__file__).resolve().parent
ETA = 0.01
AGREEMENT = 1e-10
PAIRS = 9  # paired repetitions per case; each repetition times a block of steps
BLOCK_SECONDS = 0.02  # a timed block lasts at least this long
# NumPy's OpenBLAS threads and PyTorch's OpenMP threads spin for a while after their last
# job; without a pause each library's timed block would compete with the other's
# spinning threads (PyTorch was measured 2-70x slower that way).
SETTLE_SECONDS = 0.25
CASES = [
    ((64, 32, 10), 1),
    ((64, 32, 10), 32),
    ((64, 32, 10), 64),
    ((784, 256, 10), 64),
    ((784, 256, 10), 1024),
]
TARGETS = {"small_ratio": 0.25, "ratio": 1.0, "roof_fraction_f32_1024": 0.70, "scalar_speedup": 1000,
           "overhead": 1.15}
# the package's step against a lean hand-written NumPy step of the same network: what
# the layers, the container and the input checks cost
OVERHEAD_SIZES = (64, 32, 10)
OVERHEAD_BATCHES = (1, 8, 32, 64)


def make_case(sizes, batch, dtype, seed=0):
    rng = np.random.default_rng(seed)
    net = bp.MLP.init(list(sizes), rng, activation="relu", dtype=dtype)
    X = rng.normal(size=(batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], batch)
    return net, X, y


def torch_model(net, torch, dtype):
    """The same network in PyTorch; nn.Linear stores W transposed (the one transpose)."""
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    layers = []
    for i, layer in enumerate(net.layers):
        lin = torch.nn.Linear(*layer.W.shape, dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            lin.bias.copy_(torch.from_numpy(layer.b.copy()))
        layers.append(lin)
        if i < len(net.layers) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return model, torch.optim.SGD(model.parameters(), lr=ETA)


def ours_step(net, X, y):
    net.loss_and_grads(X, y, "cross_entropy")
    bp.sgd_step([net.flat_params], [net.flat_grads], ETA)  # all parameters, one array


def lean_step(params, X, y):
    """One step of the 64-32-10 ReLU network written out in NumPy, no checks, no layers:
    forward, the cross-entropy value (as the package's step computes it), backward, SGD."""
    W1, b1, W2, b2 = params
    N = X.shape[0]
    rows = np.arange(N)
    Z1 = X @ W1
    Z1 += b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2
    Z2 += b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.sum(np.log(total[:, 0]) - shifted[rows, y])) / N
    G2 = e / (total * N)
    G2[rows, y] -= 1 / N
    G1 = (G2 @ W2.T) * (Z1 > 0)
    W2 -= ETA * (A1.T @ G2)
    b2 -= ETA * G2.sum(axis=0)
    W1 -= ETA * (X.T @ G1)
    b1 -= ETA * G1.sum(axis=0)
    return loss


def check_lean_step() -> None:
    """The lean step is the same step: its loss and updated weights equal the package's."""
    for dtype in (np.float32, np.float64):
        net, X, y = make_case(OVERHEAD_SIZES, 8, dtype)
        params = [p.copy() for layer in net.layers for p in (layer.W, layer.b)]
        lean_loss = lean_step(params, X, y)
        loss = net.loss_and_grads(X, y, "cross_entropy")
        bp.sgd_step([net.flat_params], [net.flat_grads], ETA)
        ours = [p for layer in net.layers for p in (layer.W, layer.b)]
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        if not np.isclose(loss, lean_loss, rtol=rtol) or not all(
            np.allclose(a, b, rtol=rtol, atol=rtol * 1e-3) for a, b in zip(ours, params, strict=True)
        ):
            sys.exit(f"the lean step is not the package's step ({np.dtype(dtype).name})")


OVERHEAD_ROUNDS = 5  # rounds over all cases; a case's ratio is its median over them


def measure_overhead() -> list[dict]:
    """Paired runs of the package's step and the lean step, 64-32-10, both dtypes.

    On a shared (virtual) machine one round's ratios scatter from about 0.85 to 1.4
    while their medians over rounds hold within a few per cent, so every case is
    measured in OVERHEAD_ROUNDS rounds, spread over the run, and its median ratio kept.
    """
    cases = [(dtype, batch) for dtype in (np.float32, np.float64) for batch in OVERHEAD_BATCHES]
    ratios: dict[tuple, list[tuple[float, float]]] = {case: [] for case in cases}
    for round_ in range(1, OVERHEAD_ROUNDS + 1):
        progress(f"overhead, 64-32-10, round {round_} of {OVERHEAD_ROUNDS} ...")
        for dtype, batch in cases:
            net, X, y = make_case(OVERHEAD_SIZES, batch, dtype)
            params = [p.copy() for layer in net.layers for p in (layer.W, layer.b)]
            ratios[(dtype, batch)].append(
                paired(lambda: ours_step(net, X, y), lambda: lean_step(params, X, y), pairs=3))
    records = []
    for (dtype, batch), runs in ratios.items():
        k = int(np.argsort([o / lean for o, lean in runs])[len(runs) // 2])  # the median round
        ours_s, lean_s = runs[k]
        records.append({"net": "64-32-10", "batch": batch, "dtype": np.dtype(dtype).name,
                        "ours_s": ours_s, "lean_s": lean_s, "overhead": ours_s / lean_s})
    return records


def torch_step(model, opt, loss_fn, X, y):
    opt.zero_grad(set_to_none=True)
    loss_fn(model(X), y).backward()
    opt.step()


def check_agreement(torch) -> None:
    """Same gradients in float64 on every architecture, or stop."""
    for sizes, batch in CASES:
        net, X, y = make_case(sizes, min(batch, 64), np.float64)
        model, _ = torch_model(net, torch, np.float64)
        net.loss_and_grads(X, y, "cross_entropy")
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
        loss.backward()
        linears = [m for m in model if isinstance(m, torch.nn.Linear)]
        for layer, lin in zip(net.layers, linears, strict=True):
            for ours, theirs in (
                (layer.grad_W, lin.weight.grad.numpy().T),
                (layer.grad_b, lin.bias.grad.numpy()),
            ):
                err = bp.relative_error(ours, theirs)
                if not err <= AGREEMENT:
                    sys.exit(f"gradients disagree with PyTorch on {sizes}: relative error {err:.1e}")
    print(f"agreement: backprop and PyTorch gradients match to <= {AGREEMENT:.0e} (float64) on every case")


def check_layer_agreement() -> None:
    """The layers beyond the dense one (benchmarks/agree_*.py): each against PyTorch."""
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("agree_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        progress(f"checking {path.name} against PyTorch ...")
        cases = module.cases()
        worst = max(err for _, err in cases)
        for name, err in cases:
            if not err <= AGREEMENT:
                sys.exit(f"{path.name}: {name} disagrees with PyTorch: relative error {err:.1e}")
        print(f"agreement: {path.stem[len('agree_'):]}: {len(cases)} cases, worst {worst:.1e}")


def check_agree_script_can_fail() -> None:
    """benchmarks/agree_rnn.py run on its own judges its target: with a planted 1 % error
    in RNN.backward's dL/dW_h it must exit non-zero and say FAILS."""
    import subprocess

    script = Path(__file__).resolve().parent / "agree_rnn.py"
    broken = (
        "import runpy, backprop.layers.recurrent as r\n"
        "backward = r.RNN.backward\n"
        "def wrong(self, *a, **k):\n"
        "    out = backward(self, *a, **k)\n"
        "    self.grad_W_h *= 1.01\n"
        "    return out\n"
        "r.RNN.backward = wrong\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    run = subprocess.run([sys.executable, "-c", broken], capture_output=True, text=True, timeout=300)
    if run.returncode == 0 or "FAILS" not in run.stdout:
        sys.exit(f"{script.name} run alone did not fail on a planted error:\n{run.stdout}")
    good = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    if good.returncode != 0:
        sys.exit(f"{script.name} run alone failed:\n{good.stdout}{good.stderr}")
    print(f"agreement: {script.name} run alone passes, and fails on a planted 1 % error")


def time_block(step, min_seconds=BLOCK_SECONDS) -> float:
    """Seconds per call of ``step``, over a block of calls lasting at least ``min_seconds``."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            step()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n
        n *= 2


def settled(step) -> float:
    """Let the other library's threads go idle, warm up, then time a block."""
    time.sleep(SETTLE_SECONDS)
    step()
    return time_block(step)


def paired(step_a, step_b, pairs=PAIRS) -> tuple[float, float]:
    a, b = [], []
    for _ in range(pairs):
        a.append(settled(step_a))
        b.append(settled(step_b))
    return statistics.median(a), statistics.median(b)


def matmul_roof(dtype, n=2048) -> float:
    """FLOP/s of this machine's NumPy matmul on large square matrices (the best of 5)."""
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(n, n)).astype(dtype), rng.normal(size=(n, n)).astype(dtype)
    A @ B
    best = min(time_block(lambda: A @ B, 0.2) for _ in range(5))
    return 2 * n**3 / best


def step_flops(sizes, batch) -> int:
    """Multiply-adds x 2 of one step: forward X W, backward x^T delta and delta W^T (not for layer 1)."""
    layers = list(itertools.pairwise(sizes))
    forward = sum(2 * batch * a * b for a, b in layers)
    weight_grads = forward
    input_grads = sum(2 * batch * a * b for a, b in layers[1:])
    return forward + weight_grads + input_grads


def progress(message: str) -> None:
    """One line on stderr as the run goes (the table goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    import torch

    torch.set_num_threads(2)
    progress("checking that backprop and PyTorch compute the same gradients ...")
    check_agreement(torch)
    check_layer_agreement()
    check_agree_script_can_fail()
    loss_fn = torch.nn.CrossEntropyLoss()
    progress("measuring NumPy's matmul peak (2048 x 2048), float32 and float64 ...")
    roof = {np.float32: matmul_roof(np.float32), np.float64: matmul_roof(np.float64)}
    print(
        f"matmul roof: float32 {roof[np.float32] / 1e9:.1f} GFLOP/s, "
        f"float64 {roof[np.float64] / 1e9:.1f} GFLOP/s"
    )
    records = []
    total = 2 * len(CASES)
    for sizes, batch in CASES:
        for dtype in (np.float32, np.float64):
            case = f"[{len(records) + 1}/{total}] {'-'.join(map(str, sizes))}, batch {batch}, " + (
                np.dtype(dtype).name
            )
            progress(f"{case}: timing {PAIRS} paired runs ...")
            net, X, y = make_case(sizes, batch, dtype)
            model, opt = torch_model(net, torch, dtype)
            Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
            ours_s, torch_s = paired(
                lambda: ours_step(net, X, y), lambda: torch_step(model, opt, loss_fn, Xt, yt)
            )
            flops = step_flops(sizes, batch)
            records.append(
                {
                    "net": "-".join(map(str, sizes)),
                    "batch": batch,
                    "dtype": np.dtype(dtype).name,
                    "ours_s": ours_s,
                    "torch_s": torch_s,
                    "ratio": ours_s / torch_s,
                    "ours_roof_fraction": flops / ours_s / roof[dtype],
                }
            )
            progress(
                f"{case}: ours {ours_s * 1e6:.1f} us, torch {torch_s * 1e6:.1f} us per step, "
                f"ratio {ours_s / torch_s:.2f}"
            )
    # the scalar engine on the small network, one example
    net, X, y = make_case((64, 32, 10), 1, np.float64)
    scalar = ScalarMLP(net)
    Y = np.eye(10)[y]

    def scalar_step():
        L = scalar.loss(X, Y, "cross_entropy")
        L.backward()

    progress("the scalar engine (one Value per number), 64-32-10, batch 1 ...")
    engine_s = time_block(scalar_step, 0.5)
    matrix_s = next(
        r["ours_s"] for r in records if r["net"] == "64-32-10" and r["batch"] == 1 and r["dtype"] == "float64"
    )
    records.append(
        {
            "net": "64-32-10",
            "batch": 1,
            "dtype": "float64",
            "ours_s": engine_s,
            "torch_s": None,
            "ratio": None,
            "engine": "scalar",
            "matrix_speedup": engine_s / matrix_s,
        }
    )
    check_lean_step()
    overhead = measure_overhead()
    (HERE / "results.json").write_text(json.dumps({"steps": records, "overhead": overhead}, indent=2))
    report(records, roof, overhead)


COLUMNS = """\
Each row times one training step (forward, cross-entropy loss, backward, SGD update),
the median of paired runs.
  ours, torch  microseconds per step: backprop (NumPy) and PyTorch CPU eager
  ratio        ours / torch time: below 1, backprop is faster; above 1, slower
  roof         the step's floating-point operations per second as a share of NumPy's
               measured matmul peak on this machine (same dtype): how close the step
               comes to the fastest this machine multiplies matrices"""


def report(records, roof, overhead) -> None:
    print()
    print(COLUMNS)
    print(
        f"\n{'net':>10} {'batch':>5} {'dtype':>7} {'ours (us)':>10} {'torch (us)':>10} "
        f"{'ratio':>6} {'roof':>6}"
    )
    for r in records:
        if r["torch_s"] is None:
            continue
        print(
            f"{r['net']:>10} {r['batch']:>5} {r['dtype']:>7} "
            f"{r['ours_s'] * 1e6:>10.1f} {r['torch_s'] * 1e6:>10.1f} "
            f"{r['ratio']:>6.2f} {100 * r['ours_roof_fraction']:>5.1f}%"
        )
    engine = records[-1]
    print(
        f"\nscalar engine, 64-32-10 batch 1: {engine['ours_s'] * 1e3:.1f} ms per step; "
        f"the matrix code is {engine['matrix_speedup']:,.0f}x faster"
    )
    timed = [r for r in records if r["torch_s"] is not None]
    small = [r for r in timed if r["net"] == "64-32-10"]
    big32 = next(r for r in timed if r["batch"] == 1024 and r["dtype"] == "float32")
    verdicts = {
        f"64-32-10 ratio <= {TARGETS['small_ratio']}": all(
            r["ratio"] <= TARGETS["small_ratio"] for r in small
        ),
        f"every ratio <= {TARGETS['ratio']}": all(r["ratio"] <= TARGETS["ratio"] for r in timed),
        f">= {TARGETS['roof_fraction_f32_1024']:.0%} of the float32 roof at batch 1024": big32[
            "ours_roof_fraction"
        ]
        >= TARGETS["roof_fraction_f32_1024"],
        f"matrix >= {TARGETS['scalar_speedup']}x the scalar engine": engine["matrix_speedup"]
        >= TARGETS["scalar_speedup"],
    }
    print("\nthe package's step against a lean NumPy step of the same network (no layers, no checks),"
          f" the median of {OVERHEAD_ROUNDS} rounds:")
    print(f"{'net':>10} {'batch':>5} {'dtype':>7} {'ours (us)':>10} {'lean (us)':>10} {'ratio':>6}")
    for r in overhead:
        print(f"{r['net']:>10} {r['batch']:>5} {r['dtype']:>7} {r['ours_s'] * 1e6:>10.1f} "
              f"{r['lean_s'] * 1e6:>10.1f} {r['overhead']:>6.2f}")
    verdicts[f"the package's step <= {TARGETS['overhead']}x the lean step"] = all(
        r["overhead"] <= TARGETS["overhead"] for r in overhead)
    print(f"\nmachine: {platform.machine()}, numpy {np.__version__}")
    for name, ok in verdicts.items():
        print(f"target {'met' if ok else 'MISSED'}: {name}")


if __name__ == "__main__":
    main()
