"""The environment in which the chapters are executed, so that a re-execution
reproduces the stored outputs byte for byte. tools/execute_notebooks.py and
tools/prime_cache.py set it; `make setup` installs the venv's kernel "python3" with
the same environment, for the book's build, nbval and JupyterLab. (Not for the book's
own process: Sphinx would put SOURCE_DATE_EPOCH's year into the copyright line.)

- PYTHONHASHSEED: one iteration order for sets and dicts of strings and symbols;
- SOURCE_DATE_EPOCH: Matplotlib writes this date, not today's, into SVG and PDF files;
- MATPLOTLIBRC: tools/matplotlibrc, whose fixed svg.hashsalt replaces the random salt
  Matplotlib otherwise draws for the ids inside every SVG figure;
- the same floating-point kernels on every x86-64 machine: NumPy and OpenBLAS pick, at
  run time, the widest vector instructions the processor has, and a machine with
  AVX-512 rounds some sums and exponentials differently from one without (a last digit
  of a printed relative error, or a diverging run, then differs). The chapters use the
  AVX2 kernels (any x86-64 processor since 2013): NPY_DISABLE_CPU_FEATURES turns off
  NumPy's AVX-512 loops, OPENBLAS_CORETYPE fixes OpenBLAS's kernels, and one OpenBLAS
  thread fixes how a matrix product splits its sums, whatever the number of cores.
"""

import os
import sys
from pathlib import Path

ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "SOURCE_DATE_EPOCH": "0",
    "MATPLOTLIBRC": str(Path(__file__).resolve().parent / "matplotlibrc"),
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    "OPENBLAS_CORETYPE": "Haswell",
    "OPENBLAS_NUM_THREADS": "1",
}


def apply() -> None:
    """Set these variables for the kernels this process starts (unless already set)."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def install_kernel() -> None:
    """Install this venv's kernel "python3" (the one the chapters name) with ENVIRONMENT."""
    from ipykernel.kernelspec import install

    install(kernel_name="python3", prefix=sys.prefix, env=dict(ENVIRONMENT))


if __name__ == "__main__":
    install_kernel()
