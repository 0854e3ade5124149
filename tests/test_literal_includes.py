"""The package's code that the chapters include ({literalinclude} with :pyobject:) fits
the page's column: every line at most 79 characters, as the chapters' own code cells
(ruff checks those). The package itself may use 110, so this is the guard for the
functions a reader sees."""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = re.compile(r"```\{literalinclude\} \.\./(\S+)\n:pyobject: (\S+)")


def includes():
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for path, obj in INCLUDE.findall("".join(cell["source"])):
                yield pytest.param(path, obj, id=f"{nb.stem}:{obj}")


def source_lines(path: str, obj: str) -> list[str]:
    text = (ROOT / path).read_text()
    node = ast.parse(text)
    for name in obj.split("."):
        node = next(n for n in ast.walk(node)
                    if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return text.splitlines()[start - 1:node.end_lineno]


def test_the_chapters_include_package_code():
    assert len(list(includes())) >= 10


@pytest.mark.parametrize(("path", "obj"), list(includes()))
def test_included_code_fits_the_column(path, obj):
    long = [f"{len(line)}: {line}" for line in source_lines(path, obj) if len(line) > 79]
    assert not long, f"{path}:{obj} has lines over 79 characters:\n" + "\n".join(long)
