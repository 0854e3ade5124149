"""The mutation tests' machinery (tests/test_mutants*.py run it).

Each mutant plants one wrong formula in a copy of the package; the chapter that states
the formula is run, cell by cell, against the copy, up to the check of the named
equation, and that check must fail. A control run of each chapter on the unchanged
package first requires every named check to pass, so a failure is the mutant's doing.
The mutants and controls are dealt into three test files, so that pytest-xdist (which
hands out whole files) keeps both workers busy.
"""


from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code" / "backprop"
CHAPTERS = ROOT / "chapters"


@dataclass(frozen=True)
class Mutant:
    """Replace ``old`` by ``new`` in ``module``; the checks ``labels`` of ``chapter`` must fail."""

    name: str
    module: str
    old: str
    new: str
    chapter: str
    labels: tuple[str, ...]


MUTANTS = [
    Mutant("sigmoid' = s(1+s)", "core/activations.py",
           "return sigmoid(z) * sigmoid(-z)", "return sigmoid(z) * (1 + sigmoid(z))",
           "01_derivatives", ("eq-sigmoid-derivative",)),
    Mutant("tanh' = 1 - tanh", "core/activations.py",
           "return 1 - t * t", "return 1 - t",
           "01_derivatives", ("eq-tanh-derivative",)),
    Mutant("relu' = [z < 0]", "core/activations.py",
           "return (z > 0).astype(", "return (z < 0).astype(",
           "01_derivatives", ("eq-relu-derivative",)),
    Mutant("half-SSE gradient without 1/N", "core/losses.py",
           "return (a - y) / a.shape[0]", "return a - y",
           "01_derivatives", ("eq-half-sse-derivative",)),
    Mutant("BCE gradient with the sign flipped", "core/losses.py",
           "return (sigmoid(z) - y) / z.shape[0]", "return (y - sigmoid(z)) / z.shape[0]",
           "01_derivatives", ("eq-bce-derivative",)),
    Mutant("SGD climbs: w + eta g", "core/optim.py",
           "p -= eta * g", "p += eta * g",
           "01_derivatives", ("eq-update-rule",)),
    Mutant("softmax Jacobian without the coupling term", "core/activations.py",
           "np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]",
           "np.eye(s.shape[-1], dtype=s.dtype)",
           "04_softmax", ("eq-softmax-jacobian",)),
    Mutant("softmax VJP without the coupling term", "core/activations.py",
           "return s * (s_bar - (s_bar * s).sum(axis=-1, keepdims=True))", "return s * s_bar",
           "04_softmax", ("eq-softmax-vjp",)),
    Mutant("softmax without the max shift", "core/activations.py",
           "e = np.exp(z - z.max(axis=-1, keepdims=True))", "e = np.exp(z)",
           "04_softmax", ("eq-softmax-shift",)),
    Mutant("fused cross-entropy gradient without 1/N", "core/losses.py",
           "grad = np.divide(e, total * N, out=e)", "grad = np.divide(e, total, out=e)",
           "05_cross_entropy", ("eq-ce-softmax-grad",)),
    Mutant("cross-entropy gradient without 1/N", "core/losses.py",
           "return (softmax(z) - y) / z.shape[0]", "return softmax(z) - y",
           "05_cross_entropy", ("eq-ce-softmax-grad",)),
    Mutant("BP2 without g'", "core/activations.py",
           '"sigmoid": Activation("sigmoid", sigmoid, lambda z, a, a_bar: a_bar * a * (1 - a))',
           '"sigmoid": Activation("sigmoid", sigmoid, lambda z, a, a_bar: a_bar)',
           "06_three_equations", ("eq-bp-output", "eq-bp-hidden", "eq-bp-weights", "eq-bp-bias")),
    Mutant("BP4 transposed: delta^T x", "core/dense.py",
           "np.matmul(x.T, delta, out=self.grad_W)",
           "self.grad_W[...] = (delta.T @ x).reshape(self.grad_W.shape)",
           "06_three_equations", ("eq-bp-weights", "eq-minibatch")),
    Mutant("BP3 averages where it should sum", "core/dense.py",
           "np.add.reduce(delta, axis=0, out=self.grad_b)",
           "np.mean(delta, axis=0, out=self.grad_b)",
           "06_three_equations", ("eq-bp-bias", "eq-minibatch")),
    Mutant("centred difference divided by h, not 2h", "roads/gradient_checks.py",
           "grad[i] = (f_plus - f_minus) / (2 * h)", "grad[i] = (f_plus - f_minus) / h",
           "09_gradient_checking", ("eq-relative-error",)),
    Mutant("engine: multiply does not swap", "roads/engine.py",
           "self.grad += other.data * out.grad", "self.grad += self.data * out.grad",
           "11_graphs", ("eq-gates",)),
    Mutant("engine: a fork keeps the last path only", "roads/engine.py",
           "self.grad += out.grad\n            other.grad += out.grad",
           "self.grad = out.grad\n            other.grad = out.grad",
           "11_graphs", ("eq-fork",)),
    Mutant("relu'(0) = 1: a max gate splits a tie (gate patterns)", "core/activations.py",
           "return (z > 0).astype(", "return (z >= 0).astype(",
           "02_chain_rule", ("eq-gate-patterns",)),
    Mutant("dense layer without its bias", "core/dense.py",
           "z += self.b", "z = z + 0 * self.b",
           "03_forward", ("eq-forward-layer",)),
    Mutant("backward computes the first layer's input gradient", "core/network.py",
           "input_grad=l > 0 or input_grad", "input_grad=True",
           "12_speed", ("eq-backward-cost",)),
    Mutant("Xavier initialisation with half the variance", "core/initialisation.py",
           "np.sqrt(2.0 / (n_in + n_out))", "np.sqrt(1.0 / (n_in + n_out))",
           "13_deep_networks", ("eq-xavier-init",)),
    Mutant("batch norm backward without the mean path", "layers/batchnorm.py",
           "n_batch * y_bar - grad_beta - x_hat * grad_gamma)", "n_batch * y_bar - x_hat * grad_gamma)",
           "14_batchnorm", ("eq-bn-backward",)),
    Mutant("convolution input gradient without the kernel flip", "layers/convolution.py",
           "flipped = np.flip(K, axis=spatial).swapaxes(0, 1)", "flipped = K.swapaxes(0, 1)",
           "18_convolution", ("eq-conv-grad-input", "eq-conv-dilated-grads")),
    Mutant("BPTT with tanh' = 1 - h", "layers/recurrent.py",
           "slope = 1.0 - H**2", "slope = 1.0 - H",
           "19_recurrent", ("eq-rnn-delta", "eq-rnn-grads")),
    Mutant("He initialisation with variance 1/n", "core/initialisation.py",
           "return float(np.sqrt(2.0 / n_in))", "return float(np.sqrt(1.0 / n_in))",
           "13_deep_networks", ("eq-he-init",)),
    Mutant("residual backward without the skip path", "layers/residual.py",
           "return grad_y + g if input_grad else None  # (eq-residual-vjp)",
           "return g if input_grad else None  # (eq-residual-vjp)",
           "15_residual", ("eq-residual-vjp",)),
    Mutant("checkpointing forgets nothing", "roads/checkpointing.py",
           "layers[l]._cache = None  # forgotten", "pass  # forgotten",
           "16_memory", ("eq-checkpoint-memory",)),
    Mutant("R-operator without the g'' term", "roads/second_order.py",
           "r_delta = d2 * RZ[l] * G + d1 * RG", "r_delta = d1 * RG",
           "17_second_derivatives", ("eq-rop-backward",)),
    Mutant("batch norm inference gradient without 1/s", "layers/batchnorm.py",
           "grad_x = self.gamma / std * y_bar", "grad_x = self.gamma * y_bar",
           "14_batchnorm", ("eq-bn-inference-grad",)),
    Mutant("batch norm inference without eps", "layers/batchnorm.py",
           "std = np.sqrt(self.running_var + self.eps)", "std = np.sqrt(self.running_var)",
           "14_batchnorm", ("eq-bn-inference-grad",)),
    Mutant("batch norm grad_gamma without x_hat", "layers/batchnorm.py",
           "grad_gamma = np.sum(y_bar * x_hat, axis=0)", "grad_gamma = np.sum(y_bar, axis=0)",
           "14_batchnorm", ("eq-bn-grad-gamma",)),
    Mutant("batch norm grad_beta as a mean", "layers/batchnorm.py",
           "grad_beta = y_bar.sum(axis=0)", "grad_beta = y_bar.mean(axis=0)",
           "14_batchnorm", ("eq-bn-grad-beta",)),
    Mutant("fused cross-entropy gradient without 1/N (batch average)", "core/losses.py",
           "grad = np.divide(e, total * N, out=e)", "grad = np.divide(e, total, out=e)",
           "08_training_loop", ("eq-batch-average",)),
    Mutant("engine: tanh' = 1 - t", "roads/engine.py",
           'return self._unary(t, 1 - t * t, "tanh")', 'return self._unary(t, 1 - t, "tanh")',
           "11_graphs", ("eq-fork",)),
    Mutant("a layer caches a copy of its input", "core/dense.py",
           "self._cache = (x, z, a)", "self._cache = (x.copy(), z, a)",
           "16_memory", ("eq-cache-floats",)),
    Mutant("identity returns a copy", "core/activations.py",
           '"identity": Activation("identity", lambda z: z,',
           '"identity": Activation("identity", lambda z: z.copy(),',
           "16_memory", ("eq-cache-floats",)),
    Mutant("numerical gradient evaluates f three times per parameter", "roads/gradient_checks.py",
           "f_plus = f()", "f_plus = (f(), f())[0]",
           "12_speed", ("eq-fd-cost",)),
    Mutant("numerical gradient makes an extra baseline call", "roads/gradient_checks.py",
           "grad = np.zeros(x.shape, dtype=np.float64)",
           "grad = np.zeros(x.shape, dtype=np.float64) + 0 * f()",
           "12_speed", ("eq-fd-cost",)),
    Mutant("convolution kernel gradient with the taps flipped", "layers/convolution.py",
           "grad_K = (rows.T @ cols.reshape(len(rows), -1)).reshape(K.shape)",
           "grad_K = np.flip((rows.T @ cols.reshape(len(rows), -1)).reshape(K.shape), axis=-1)",
           "18_convolution", ("eq-conv-dilated-grads",)),
    Mutant("batch norm of feature maps without the mean path", "layers/batchnorm.py",
           "n_batch * y_bar - grad_beta - x_hat * grad_gamma)", "n_batch * y_bar - x_hat * grad_gamma)",
           "18_convolution", ("eq-conv-bn-backward",)),
    Mutant("batch norm with the unbiased batch variance", "layers/batchnorm.py",
           "var = np.mean(centred * centred, axis=0)",
           "var = np.sum(centred * centred, axis=0) / (len(x) - 1)",
           "18_convolution", ("eq-conv-bn-forward", "eq-conv-bn-backward")),
]

RUNNER = textwrap.dedent(
    r"""
    import json, sys, traceback
    import matplotlib
    matplotlib.use("Agg")
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    notebook, labels, out = sys.argv[1], set(json.loads(sys.argv[2])), sys.argv[3]
    import backprop as bp
    import backprop.teaching.equations as eqs

    verdicts, errors = {}, []

    def recording(check):
        def wrapped(label, *args, **kwargs):
            try:
                result = check(label, *args, **kwargs)
            except AssertionError as exc:
                verdicts[label] = "failed: " + str(exc)[:200]
                return None
            except Exception as exc:
                verdicts[label] = f"failed: {type(exc).__name__}: {exc}"[:200]
                return None
            verdicts.setdefault(label, "passed")
            return result
        return wrapped

    for name in ("check_equation", "check_equations"):
        patched = recording(getattr(eqs, name))
        setattr(eqs, name, patched)
        setattr(bp, name, patched)

    class Shell:
        def run_line_magic(self, *args, **kwargs):
            return None
        def run_cell_magic(self, *args, **kwargs):
            return None
        def system(self, *args, **kwargs):
            return None

    shell = Shell()
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell,
                 "display": lambda *a, **k: None}
    nb = nbformat.read(notebook, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    last = max((i for i, src in enumerate(cells) if any(l in src for l in labels)),
               default=-1)
    transform = TransformerManager().transform_cell
    for i, source in enumerate(cells[: last + 1]):
        try:
            exec(compile(transform(source), f"cell {i}", "exec"), namespace)
        except Exception as exc:
            errors.append(f"cell {i}: {type(exc).__name__}: {str(exc)[:160]}")
        matplotlib.pyplot.close("all")
    json.dump({"verdicts": verdicts, "errors": errors, "package": bp.__file__},
              open(out, "w"))
    """
)


def run_chapter(chapter: str, labels: tuple[str, ...], package: Path, tmp: Path) -> dict:
    """Run ``chapter`` up to the checks of ``labels`` with ``package`` as ``backprop``."""
    out = tmp / f"verdicts-{chapter}.json"
    env = {**os.environ, "PYTHONPATH": str(package.parent), "MPLBACKEND": "Agg"}
    subprocess.run(
        [sys.executable, "-c", RUNNER, str(CHAPTERS / f"{chapter}.ipynb"),
         json.dumps(list(labels)), str(out)],
        cwd=CHAPTERS, env=env, check=True, timeout=600, capture_output=True,
    )
    result = json.loads(out.read_text())
    assert Path(result["package"]).resolve().parent == package.resolve(), (
        f"the run imported {result['package']}, not the copy in {package}"
    )
    return result


def mutated_copy(mutant: Mutant, tmp: Path) -> Path:
    package = tmp / "mutant" / "backprop"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    path = package / mutant.module
    source = path.read_text()
    count = source.count(mutant.old)
    assert count == 1, (
        f"mutant {mutant.name!r}: the text to replace occurs {count} times in "
        f"{mutant.module}; the package changed, so update this mutant in tests/mutation.py"
    )
    path.write_text(source.replace(mutant.old, mutant.new))
    return package


CONTROLS = sorted({m.chapter for m in MUTANTS})
SHARES = 3


def share(items: list, k: int) -> list:
    """The k-th of SHARES interleaved shares of ``items`` (k = 0, 1, 2)."""
    return items[k::SHARES]


def check_control(chapter: str, tmp_path: Path) -> None:
    """The named checks of ``chapter`` pass on the real package."""
    labels = tuple(sorted({lab for m in MUTANTS if m.chapter == chapter for lab in m.labels}))
    package = tmp_path / "real" / "backprop"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    result = run_chapter(chapter, labels, package, tmp_path)
    assert not result["errors"], f"{chapter} raised on the real package: {result['errors']}"
    for label in labels:
        assert result["verdicts"].get(label) == "passed", (
            f"{chapter}: check of {label} did not pass on the real package: "
            f"{result['verdicts'].get(label, 'never reached')}"
        )


def check_mutant(mutant: Mutant, tmp_path: Path) -> None:
    """The check of every equation ``mutant`` names fails on the mutated package."""
    package = mutated_copy(mutant, tmp_path)
    result = run_chapter(mutant.chapter, mutant.labels, package, tmp_path)
    for label in mutant.labels:
        verdict = result["verdicts"].get(label, "never reached")
        assert verdict.startswith("failed"), (
            f"mutant {mutant.name!r} ({mutant.module}) survived: the check of {label} in "
            f"{mutant.chapter} {verdict}"
            + (f"; errors on the way: {result['errors']}" if result["errors"] else "")
        )
