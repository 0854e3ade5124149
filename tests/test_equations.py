"""Every labelled equation in a chapter is checked by code, and a wrong check fails."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp

import backprop as bp

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# `$$ ... $$ (eq-label)` and `:label: eq-label` (math directive) define labels.
LABEL = re.compile(r"\$\$\s*\((eq-[\w-]+)\)|:label:\s*(eq-[\w-]+)")
CHECK = re.compile(r"check_equations?\(\s*[\"'](eq-[\w-]+)[\"']")


def labels_and_checks(path: Path) -> tuple[set[str], set[str], str]:
    nb = nbformat.read(path, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c for c in nb.cells if c.cell_type == "code"]
    labels = {a or b for a, b in LABEL.findall(md)}
    checks = {m for c in code for m in CHECK.findall(c.source)}
    outputs = "".join(o.get("text", "") for c in code for o in c.get("outputs", []))
    return labels, checks, outputs


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_labelled_equation_is_checked(path):
    labels, checks, outputs = labels_and_checks(path)
    assert labels, f"{path.name} labels no equation"
    assert labels - checks == set(), f"{path.name}: labelled but never checked"
    assert checks - labels == set(), f"{path.name}: checks of labels the text does not define"
    # the stored outputs show each check passing (nbval re-executes and compares them)
    for label in labels:
        assert f"✓ {label} (" in outputs, f"{path.name}: no stored verdict for {label}"


def test_labels_are_unique_across_the_book():
    seen: dict[str, str] = {}
    for path in CHAPTERS:
        for label in labels_and_checks(path)[0]:
            assert label not in seen, f"{label} defined in {seen[label]} and {path.name}"
            seen[label] = path.name


def test_labels_cited_by_the_package_exist():
    defined = {label for p in CHAPTERS for label in labels_and_checks(p)[0]}
    cited = set()
    for py in (ROOT / "code" / "backprop").glob("*.py"):
        cited |= set(re.findall(r"\((eq-[\w-]+)\)", py.read_text()))
    assert cited <= defined, f"package cites undefined labels: {sorted(cited - defined)}"


def test_a_wrong_symbolic_equation_fails():
    z = sp.Symbol("z")
    s = 1 / (1 + sp.exp(-z))
    bp.check_equation("eq-right", sp.diff(s, z), s * (1 - s))
    with pytest.raises(AssertionError, match="eq-wrong does not hold"):
        bp.check_equation("eq-wrong", sp.diff(s, z), s * (1 + s))


def test_a_wrong_numeric_equation_fails():
    with pytest.raises(AssertionError, match="eq-num does not hold"):
        bp.check_equation("eq-num", np.array([1.0, 2.0]), np.array([1.0, 2.001]))
    with pytest.raises(AssertionError, match="shapes differ"):
        bp.check_equation("eq-num", np.zeros((2, 3)), np.zeros((3, 2)))


def test_matrix_equations_and_labels():
    a, b = sp.symbols("a b")
    bp.check_equation("eq-matrix", sp.Matrix([[a + b, a * b]]), sp.Matrix([[b + a, b * a]]))
    with pytest.raises(AssertionError, match="eq-matrix"):
        bp.check_equation("eq-matrix", sp.Matrix([[a]]), sp.Matrix([[b]]))
    with pytest.raises(ValueError, match="must start with 'eq-'"):
        bp.check_equation("sigmoid", a, a)
