"""Write the graded "your turn" exercises into the chapters, from their one source.

Usage (from the repository's root):

    .venv/bin/python tools/insert_graded.py                   # every chapter, in place
    .venv/bin/python tools/insert_graded.py chapters/01_derivatives.ipynb
    .venv/bin/python tools/insert_graded.py --out /tmp/copies # write copies instead

A chapter's exercises live in its module of ``backprop.teaching.exercises``
(``chNN_name.py``): the graders and, in ``TEXT``, their words. For each exercise three
cells go at the end of the chapter's `## Exercises` section (before the next `## `
heading): the exercise, the code cell with the stub and `bp.check_answer(...)`, and the
hidden solution. All three are tagged "graded"; a rerun removes every graded cell
first, so nothing is duplicated and every other cell is left as it was (except that a
`## ` heading sharing a cell with the text before it is moved to a cell of its own,
once, to make room). The stub cell's output is the neutral verdict it prints and the
execution counts continue those of the chapter, so the notebook is ready for nbval;
re-executing it gives the same.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "code"))

from backprop.teaching.exercises import WORDS, Graded  # noqa: E402

TAG = "graded"
SENTENCE = ("Write your answer in the next cell, in place of `...`, and run it:\nthe check "
            "says whether it is right and, if not, what kind of mistake it found.")


def words() -> dict[str, list[Graded]]:
    """Chapter stem (e.g. '01_derivatives') -> its exercises' words, in order."""
    return WORDS


def stub_output(g: Graded) -> str:
    """What the stub cell prints: run it with the real checker."""
    from backprop.roads.engine import Value
    from backprop.teaching.grading import grade

    printed: list[str] = []
    bp = types.SimpleNamespace(check_answer=lambda label, answer: printed.append(grade(label, answer).text))
    import numpy as np

    exec(compile(g.stub, f"<stub {g.label}>", "exec"), {"np": np, "bp": bp, "Value": Value})
    return "".join(text + "\n" for text in printed)


def cells_for(g: Graded) -> list[nbformat.NotebookNode]:
    """The three cells of one exercise, tagged "graded", with ids derived from the label."""
    meta = {"tags": [TAG]}
    title = f" {g.title}" if g.title else ""
    exercise = nbformat.v4.new_markdown_cell(
        f":::{{exercise}}{title}\n:label: {g.label}\n\n{g.text}\n\n{SENTENCE}\n:::", metadata=meta
    )
    stub = nbformat.v4.new_code_cell(g.stub, metadata={"tags": [TAG]})
    stub.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stub_output(g))]
    note = f"{g.note}\n\n" if g.note else ""
    solution = nbformat.v4.new_markdown_cell(
        f":::{{solution}} {g.label}\n:class: dropdown\n\n{note}```python\n{g.solution}\n```\n:::",
        metadata={"tags": [TAG]},
    )
    for cell, part in ((exercise, "text"), (stub, "stub"), (solution, "solution")):
        cell.id = f"{g.label}-{part}"[:64]
    return [exercise, stub, solution]


def _is_graded(cell: nbformat.NotebookNode) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def _headings(source: str) -> list[tuple[int, str]]:
    """(line number, line) of each Markdown heading outside code fences."""
    found, fenced = [], False
    for i, line in enumerate(source.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.append((i, line))
    return found


def insert(nb: nbformat.NotebookNode, graded: list[Graded], name: str) -> nbformat.NotebookNode:
    """Remove the old graded cells of ``nb`` and insert ``graded`` at the end of ## Exercises."""
    labels = {g.label for g in graded}
    nb.cells = [c for c in nb.cells if not _is_graded(c)]
    for cell in nb.cells:
        clash = [lab for lab in labels if re.search(rf":label: {re.escape(lab)}\s*$", cell.source, re.M)]
        if clash:
            raise ValueError(f"{name}: label {clash[0]} is already used by a cell that is not graded")
    start = next(((i, n) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                  for n, line in _headings(c.source) if line.strip() == "## Exercises"), None)
    if start is None:
        raise ValueError(f"{name}: no cell has the heading '## Exercises'")
    at = len(nb.cells)
    for i in range(start[0], len(nb.cells)):
        cell = nb.cells[i]
        if cell.cell_type != "markdown":
            continue
        after = [(n, line) for n, line in _headings(cell.source)
                 if line.startswith("## ") and (i > start[0] or n > start[1])]
        if after:
            n = after[0][0]
            lines = cell.source.splitlines(keepends=True)
            if "".join(lines[:n]).strip():  # text before the heading: split it off
                cell.source = "".join(lines[:n]).rstrip("\n")
                tail = nbformat.v4.new_markdown_cell("".join(lines[n:]))
                tail.id = f"{cell.get('id', 'cell')}-next"[:64]
                nb.cells.insert(i + 1, tail)
                i += 1
            at = i
            break
    nb.cells[at:at] = [c for g in graded for c in cells_for(g)]
    _renumber(nb)
    return nb


def _renumber(nb: nbformat.NotebookNode) -> None:
    """Execution counts 1, 2, 3, ... as one run from the top gives (if the chapter was run)."""
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    if all(c.execution_count is not None for c in code if not _is_graded(c)):
        for count, cell in enumerate(code, start=1):
            cell.execution_count = count


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="chapters to update (default: every one with data)")
    parser.add_argument("--out", type=Path, help="write the updated notebooks into this directory")
    args = parser.parse_args(argv)
    chapters = words()
    paths = [Path(p) for p in args.notebooks] or [ROOT / "chapters" / f"{stem}.ipynb" for stem in chapters]
    for path in paths:
        if path.stem not in chapters:
            raise SystemExit(f"no exercises for {path} in backprop.teaching.exercises")
        graded = chapters[path.stem]
        nb = insert(nbformat.read(path, as_version=4), graded, path.name)
        target = args.out / path.name if args.out else path
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        print(f"{target}: {len(graded)} graded exercises ({', '.join(g.label for g in graded)})")


if __name__ == "__main__":
    main(sys.argv[1:])
