"""The environment in which the chapters are executed, so that a re-execution
reproduces the stored outputs byte for byte. tools/execute_notebooks.py and
tools/prime_cache.py set it; `make setup` installs the venv's kernel "python3" with
the same environment, for the book's build, nbval and JupyterLab. (Not for the book's
own process: Sphinx would put SOURCE_DATE_EPOCH's year into the copyright line.)

- PYTHONHASHSEED: one iteration order for sets and dicts of strings and symbols;
- SOURCE_DATE_EPOCH: Matplotlib writes this date, not today's, into SVG and PDF files;
- MATPLOTLIBRC: tools/matplotlibrc, whose fixed svg.hashsalt replaces the random salt
  Matplotlib otherwise draws for the ids inside every SVG figure.
"""

import os
from pathlib import Path

ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "SOURCE_DATE_EPOCH": "0",
    "MATPLOTLIBRC": str(Path(__file__).resolve().parent / "matplotlibrc"),
}


def apply() -> None:
    """Set these variables for the kernels this process starts (unless already set)."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
