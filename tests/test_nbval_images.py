"""nbval, as make test runs it (tests/nbval_images.py), fails on a changed figure.

Each chapter is executed once, by nbval, and its outputs compared with the stored ones:
the text, and the figures byte for byte. Here a one-cell notebook shows an image; its
stored copy is then changed by one character, as a figure out of date would be.
"""

import os
import subprocess
import sys

import nbformat
from conftest import ROOT

SHOW = ('from IPython.display import display\n'
        'display({"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4"'
        '"//8/AwAI/AL+XJ/PQAAAAABJRU5ErkJggg==", "text/plain": "<a figure>"}, raw=True)')


def nbval(notebook, *plugins) -> subprocess.CompletedProcess:
    options = [arg for plugin in plugins for arg in ("-p", plugin)]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, "--nbval",
         str(notebook)], cwd=notebook.parent, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")})


def test_a_changed_figure_fails_the_cell(tmp_path):
    import nbclient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SHOW)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    notebook = tmp_path / "figure.ipynb"
    nbformat.write(nb, notebook)
    same = nbval(notebook, "nbval_images")
    assert same.returncode == 0, same.stdout + same.stderr

    output = nb.cells[0].outputs[0]
    output.data["image/png"] = "A" + output.data["image/png"][1:]
    nbformat.write(nb, notebook)
    changed = nbval(notebook, "nbval_images")
    assert changed.returncode != 0, "nbval with tests/nbval_images.py passed a changed figure"
    assert "image/png" in changed.stdout, changed.stdout[-2000:]
    stock = nbval(notebook)
    assert stock.returncode == 0, (
        "stock nbval now compares images itself: tests/nbval_images.py may go\n"
        + stock.stdout[-2000:])
