"""The zero-warnings gate does not depend on what _build holds: a warning fails every
build until it is fixed, not only the build that first read the page (Sphinx's
incremental builds re-read only changed pages, and so would not repeat the warning).

The test builds a two-page book in a temporary copy of the build setup (the Makefile,
the tools it runs), with this checkout's venv, never in the checkout itself."""

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import BUILD, ROOT

VENV = Path(sys.executable).parent.parent
DUPLICATE = "(a-label)=\n## A section\n\nText.\n"


def copy_build_setup(book: Path) -> None:
    """The Makefile and the tools it runs (not the site's npm tools)."""
    (book / "tools").mkdir(parents=True)
    shutil.copy2(ROOT / "Makefile", book / "Makefile")
    for tool in [*(ROOT / "tools").glob("*.py"), ROOT / "tools" / "matplotlibrc"]:
        shutil.copy2(tool, book / "tools" / tool.name)


def make_book(book: Path) -> subprocess.CompletedProcess:
    """`make book` in the copy, with this venv (-o: never reinstall it)."""
    return subprocess.run(
        ["make", "-C", str(book), "book", f"VENV={VENV}", "-o", f"{VENV}/.installed"],
        capture_output=True, text=True, timeout=600,
    )


def fixture_build(book: Path) -> subprocess.CompletedProcess:
    """The build command of the tests' build_log fixture, on the copy."""
    command = [str(book) if part == str(ROOT) else part for part in BUILD]
    return subprocess.run(command, cwd=book, capture_output=True, text=True, timeout=600)


def test_a_warning_fails_every_build_until_fixed(tmp_path):
    book = tmp_path / "book"
    copy_build_setup(book)
    (book / "_config.yml").write_text(
        "title: gate\nonly_build_toc_files: true\nexclude_patterns: [_build, tools]\n"
        "execute:\n  execute_notebooks: cache\n"
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (book / "intro.md").write_text("# Intro\n\n" + DUPLICATE)
    (book / "page.md").write_text("# Page\n\n" + DUPLICATE)  # the same label twice

    runs = [make_book(book), make_book(book), fixture_build(book)]
    for number, run in enumerate(runs, 1):
        log = run.stdout + run.stderr
        assert run.returncode != 0, (
            f"build {number} of a book with a duplicate label passed; every build must start "
            f"from a fresh Sphinx environment (jupyter-book build --all):\n{log[-3000:]}")
        assert "duplicate label" in log, log[-3000:]
        assert "build succeeded" not in log, log[-3000:]

    (book / "page.md").write_text("# Page\n\nNo label here.\n")  # fixed
    fixed = make_book(book)
    assert fixed.returncode == 0, (fixed.stdout + fixed.stderr)[-3000:]


def test_a_page_removed_from_the_toc_leaves_the_site(tmp_path):
    book = tmp_path / "book"
    copy_build_setup(book)
    (book / "_config.yml").write_text(
        "title: stale\nonly_build_toc_files: true\nexclude_patterns: [_build, tools]\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: old\n")
    (book / "intro.md").write_text("# Intro\n")
    (book / "old.md").write_text("# A chapter since removed\n")
    first = make_book(book)
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    assert (book / "_build" / "html" / "old.html").is_file()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (book / "old.md").unlink()
    second = make_book(book)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert not (book / "_build" / "html" / "old.html").exists(), (
        "a removed chapter's page stayed in _build/html: make book must empty it first")
