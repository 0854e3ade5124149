"""Every labelled equation in a chapter is checked by code, and a wrong check fails.

In a notebook a verdict is displayed as Markdown holding the MyST role {eq}`eq-label`,
which the book renders as the equation's number linked to it; the stored outputs must
hold one such verdict per label.
"""

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


VERDICT = re.compile(r"✓ Equation \{eq\}`(eq-[\w-]+)` holds \((symbolic|numeric)[^)]")
REEXECUTE = ("run `make notebooks` (or `.venv/bin/python tools/execute_notebooks.py "
             "chapters/{name}`) and commit the outputs")


def labels_and_checks(path: Path) -> tuple[set[str], set[str], str]:
    """Labels the text defines, labels the code checks, and the stored Markdown verdicts."""
    nb = nbformat.read(path, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = [c for c in nb.cells if c.cell_type == "code"]
    labels = {a or b for a, b in LABEL.findall(md)}
    checks = {m for c in code for m in CHECK.findall(c.source)}
    verdicts = "\n".join(
        o["data"]["text/markdown"]
        for c in code
        for o in c.get("outputs", [])
        if o.get("output_type") in ("display_data", "execute_result") and "text/markdown" in o.get("data", {})
    )
    return labels, checks, verdicts


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_labelled_equation_is_checked(path):
    labels, checks, verdicts = labels_and_checks(path)
    assert labels, (
        f"{path.name} labels no equation: label at least one display equation, "
        "$$ ... $$ (eq-name), and check it with bp.check_equation (README, Contributing)")
    assert labels - checks == set(), (
        f"{path.name}: labelled but never checked: {sorted(labels - checks)}; add "
        "bp.check_equation(label, lhs, rhs) with two independently computed sides"
    )
    assert checks - labels == set(), (
        f"{path.name}: checks of labels the text does not define: {sorted(checks - labels)}"
    )
    # the stored outputs show each check passing, as the reader sees it: a Markdown
    # verdict whose {eq} role the book renders as the equation's linked number
    shown = set(VERDICT.findall(verdicts))
    for label in sorted(labels):
        assert any(found == label for found, _ in shown), (
            f"{path.name}: no stored verdict for {label} (expected a displayed "
            f"'✓ Equation {{eq}}`{label}` holds (...)'): " + REEXECUTE.format(name=path.name)
        )


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


def test_symbolic_sides_with_nan_or_infinity_never_pass():
    z = sp.Symbol("z")
    for lhs, rhs, side, what in [
        (sp.oo, sp.oo, "lhs", "inf"),
        (z, z + sp.nan, "rhs", "NaN"),
        (sp.Matrix([[z, sp.zoo]]), sp.Matrix([[z, sp.zoo]]), "lhs", "inf"),
    ]:
        with pytest.raises(AssertionError, match=f"eq-x does not hold: {side} contains {what}"):
            bp.check_equation("eq-x", lhs, rhs)


def test_numeric_sides_with_nan_or_inf_never_pass():
    for lhs, rhs, side, what in [
        (np.inf, np.inf, "lhs", "inf"),
        ([1.0, 2.0], [1.0, np.nan], "rhs", "NaN"),
        (np.array([-np.inf]), np.array([-np.inf]), "lhs", "inf"),
    ]:
        with pytest.raises(AssertionError, match=f"eq-x does not hold: {side} contains {what}"):
            bp.check_equation("eq-x", lhs, rhs)
        with pytest.raises(AssertionError, match=f"eq-x does not hold: {side} contains {what}"):
            bp.check_equations("eq-x", [(1.0, 1.0), (lhs, rhs)])


def test_a_script_gets_a_plain_verdict_saying_how(capsys):
    z = sp.Symbol("z")
    bp.check_equation("eq-plain", sp.sin(z) ** 2 + sp.cos(z) ** 2, 1)
    bp.check_equation("eq-plain", np.array([1.0, 2.0]), np.array([1.0, 2.0]), atol=1e-12)
    bp.check_equations("eq-plain", [(z + z, 2 * z), (z * z, z**2)])
    assert capsys.readouterr().out.splitlines() == [
        "✓ eq-plain (symbolic)",
        "✓ eq-plain (numeric, rtol=1e-07, atol=1e-12)",
        "✓ eq-plain (symbolic, 2 cases)",
    ]


def test_a_notebook_gets_a_markdown_verdict_linking_the_equation(monkeypatch):
    """Under a kernel the verdict is a MIME bundle: Markdown with {eq}, plain-text fallback."""
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    z = sp.Symbol("z")
    bp.check_equation("eq-bp-output", sp.diff(z**2, z), 2 * z)
    bp.check_equation("eq-num", np.ones(3), np.ones(3))
    bp.check_equations("eq-many", [(1.0, 1.0), (2.0, 2.0)])
    assert shown == [
        ({"text/markdown": "✓ Equation {eq}`eq-bp-output` holds (symbolic: SymPy simplifies "
                           "lhs − rhs to 0)",
          "text/plain": "✓ eq-bp-output (symbolic)"}, True),
        ({"text/markdown": "✓ Equation {eq}`eq-num` holds (numeric: all 3 entries agree to "
                           "relative tolerance 1e-07)",
          "text/plain": "✓ eq-num (numeric, rtol=1e-07)"}, True),
        ({"text/markdown": "✓ Equation {eq}`eq-many` holds (numeric: the two sides agree to "
                           "relative tolerance 1e-07, in each of 2 cases)",
          "text/plain": "✓ eq-many (numeric, rtol=1e-07, 2 cases)"}, True),
    ]
    assert all(VERDICT.search(bundle["text/markdown"]) for bundle, _ in shown)
