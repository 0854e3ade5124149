"""Re-execute notebooks in place, top to bottom, so their stored outputs are current.

Usage: python tools/execute_notebooks.py [chapters/01_derivatives.ipynb ...]
(no argument: every notebook in chapters/). Outputs are deterministic: the chapters
seed their generators, no timing metadata is recorded, stream chunks are merged, and
the kernels run in the environment of tools/determinism.py (hash seed, dates and SVG
ids in figures).
"""

from __future__ import annotations

import sys
from pathlib import Path

import determinism
import nbformat
from nbclient import NotebookClient

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
TIMEOUT = 600  # seconds per cell, as in _config.yml


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) outputs: how prints are split into chunks
    depends on timing, and would make the stored outputs change from run to run."""
    merged: list = []
    for out in outputs:
        previous = merged[-1] if merged else None
        if (out.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == out.name):
            previous.text += out.text
        else:
            merged.append(out)
    return merged


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(CHAPTERS.parent)}")


def main(paths: list[str]) -> None:
    determinism.apply()
    for path in [Path(p).resolve() for p in paths] or sorted(CHAPTERS.glob("*.ipynb")):
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
