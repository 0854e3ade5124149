"""Lint settings the contributors rely on: `ruff check --fix` keeps a chapter's setup
cell whole, and the notebooks' code lines fit the book's code column (79)."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import ROOT

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"


def ruff_fix(source: str, name: str) -> subprocess.CompletedProcess:
    """`ruff check --fix` on a notebook holding `source`, as if it were at `name`."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source),
                                         nbformat.v4.new_code_cell("x")])
    nb.metadata["language_info"] = {"name": "python"}
    return subprocess.run([RUFF, "check", "--fix", "--stdin-filename", name],
                          input=nbformat.writes(nb), capture_output=True, text=True, cwd=ROOT)


def test_ruff_fix_keeps_the_setup_cells_import_of_backprop():
    setup = "import numpy as np\n\nimport backprop as bp\n\nx = 1\n"
    chapter = ruff_fix(setup, "chapters/99_probe.ipynb")
    assert "import backprop as bp" in chapter.stdout, (
        "ruff --fix removes `import backprop as bp` from a chapter's setup cell: keep F401 "
        f"in pyproject.toml's per-file-ignores for chapters/*.ipynb\n{chapter.stderr}")
    # the same cell elsewhere loses it: the setting above is what keeps it
    elsewhere = ruff_fix(setup, "scratch/99_probe.ipynb")
    assert "import backprop as bp" not in elsewhere.stdout


def test_notebook_lines_are_limited_to_79_characters():
    long_line = "x = " + " + ".join(["1"] * 30) + "\n"  # 90 characters
    assert len(long_line.rstrip()) > 79
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(long_line)])
    nb.metadata["language_info"] = {"name": "python"}
    done = subprocess.run([RUFF, "check", "--stdin-filename", "chapters/99_probe.ipynb"],
                          input=nbformat.writes(nb), capture_output=True, text=True, cwd=ROOT)
    assert "E501" in done.stdout, (
        "a 90-character code line in a chapter passes ruff: chapters/ruff.toml must set "
        f"line-length = 79\n{done.stdout}")
