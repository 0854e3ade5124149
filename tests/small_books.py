"""Small books built in a temporary copy of the build setup (the Makefile, the tools it
runs, the gate extension), with this checkout's venv, never in the checkout itself:
the tests of the build (tests/test_warnings_gate.py, tests/test_incremental_build.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

VENV = Path(sys.executable).parent.parent
DUPLICATE = "(a-label)=\n## A section\n\nText.\n"
GATE_CONFIG = ("title: gate\nonly_build_toc_files: true\nexclude_patterns: [_build, tools, _ext]\n"
               "execute:\n  execute_notebooks: cache\n"
               "sphinx:\n  local_extensions:\n    warnings_gate: _ext\n")


def copy_build_setup(book: Path) -> None:
    """The Makefile, the tools it runs (not the site's npm tools), the gate."""
    (book / "tools").mkdir(parents=True)
    (book / "_ext").mkdir()
    shutil.copy2(ROOT / "Makefile", book / "Makefile")
    for tool in [*(ROOT / "tools").glob("*.py"), ROOT / "tools" / "matplotlibrc"]:
        shutil.copy2(tool, book / "tools" / tool.name)
    shutil.copy2(ROOT / "_ext" / "warnings_gate.py", book / "_ext" / "warnings_gate.py")


def two_pages(book: Path, intro: str, page: str) -> None:
    copy_build_setup(book)
    (book / "_config.yml").write_text(GATE_CONFIG)
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (book / "intro.md").write_text(intro)
    (book / "page.md").write_text(page)


def make_book(book: Path, **env: str) -> subprocess.CompletedProcess:
    """`make book` in the copy, with this venv (-o: never reinstall it), and ``env``."""
    return subprocess.run(
        ["make", "-C", str(book), "book", f"VENV={VENV}", "-o", f"{VENV}/.installed"],
        capture_output=True, text=True, timeout=600, env={**os.environ, **env},
    )


def build_book(book: Path) -> subprocess.CompletedProcess:
    """The build command of the tests' build_log fixture (tools/build_book.py), on the copy."""
    return subprocess.run([sys.executable, str(book / "tools" / "build_book.py")], cwd=book,
                          capture_output=True, text=True, timeout=600)


def assert_fails(run: subprocess.CompletedProcess, warning: str, how: str) -> None:
    log = run.stdout + run.stderr
    assert run.returncode != 0, f"a {how} build of a book that warns passed:\n{log[-3000:]}"
    assert warning in log, log[-3000:]
    assert "build succeeded" not in log, log[-3000:]
    assert f"build_book: {how}" in log, f"the build was not {how}:\n{log[-3000:]}"


def assert_passes(run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
