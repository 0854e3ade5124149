"""The chapters are committed executed: nbval compares a re-execution with the stored
outputs, and would pass a cell whose stored outputs are simply missing. So: every code
cell ran, in one run from top to bottom, and a cell that prints, displays or ends in a
value has its output stored."""

import ast
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from IPython.core.inputtransformer2 import TransformerManager

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FIX = "re-execute it: make notebooks NB={path} (or python tools/execute_notebooks.py {path})"
SHOWING_CALLS = {"print", "display"}


def _run_when_defined(tree: ast.AST):
    """The nodes of ``tree`` outside function bodies (a function's body runs only when
    it is called, not when the cell defines it)."""
    for child in ast.iter_child_nodes(tree):
        yield child
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _run_when_defined(child)


def shows_something(source: str) -> bool:
    """Does this cell surely produce output: a print/display call, or a last line that
    is a value that is not a call (a call may return None and show nothing)?"""
    code = TransformerManager().transform_cell(source)  # %magics into Python
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in _run_when_defined(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name in SHOWING_CALLS:
                return True
    last = tree.body[-1] if tree.body else None
    return (isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call | ast.Constant)
            and not source.rstrip().endswith(";"))


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What shows that this notebook was not stored as one full run."""
    found = []
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for _, c in code]
    for i, cell in code:
        if cell.execution_count is None:
            found.append(f"cell {i} was never executed (no execution count)")
        elif shows_something(cell.source) and not cell.outputs:
            found.append(f"cell {i} prints or shows a value, but no output is stored")
    if None not in counts and counts != list(range(1, len(counts) + 1)):
        found.append(f"the execution counts {counts} are not 1, 2, 3, ...: the cells were not "
                     "run once each, from top to bottom, in a fresh kernel")
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_stored_executed_with_its_outputs(path: Path):
    found = problems(nbformat.read(path, as_version=4))
    rel = path.relative_to(ROOT)
    assert found == [], f"{rel} is not stored executed; {FIX.format(path=rel)}:\n" + "\n".join(found)


def test_a_chapter_stored_without_outputs_is_caught():
    """The check above can fail: chapter 1 with its outputs cleared, as Jupyter's
    'Clear All Outputs' leaves it, and with only the outputs deleted."""
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    assert problems(nb) == [], "chapter 1 itself must pass (see the test above)"
    cleared = nbformat.from_dict(nb)
    for cell in cleared.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assert len(problems(cleared)) >= 3
    stripped = nbformat.from_dict(nb)
    for cell in stripped.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    assert any("no output is stored" in p for p in problems(stripped))


def test_the_output_heuristic():
    assert shows_something("x = 2\nprint(x)")
    assert not shows_something("def f(x):\n    print(x)")
    assert shows_something("x = 2\nx")
    assert shows_something("for i in range(2):\n    display(i)")
    assert not shows_something("x = 2")
    assert not shows_something("x = 2\nx;")
    assert not shows_something("import numpy as np\nnp.set_printoptions(precision=6)")
