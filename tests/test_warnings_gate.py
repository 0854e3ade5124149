"""The zero-warnings gate does not depend on what _build holds: a warning fails every
build until it is fixed, whether the build starts from scratch or is incremental
(Sphinx's incremental builds read again only changed pages, and on their own would not
repeat the warning: _ext/warnings_gate.py and tools/build_book.py keep the gate exact;
a build that warned is followed by one from scratch).
An incremental build also writes the same site as a build from scratch.

The tests build small books in a temporary copy of the build setup (the Makefile, the
tools it runs, the extensions), with this checkout's venv, never in the checkout itself.
"""

import filecmp
import re
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


def make_book(book: Path) -> subprocess.CompletedProcess:
    """`make book` in the copy, with this venv (-o: never reinstall it)."""
    return subprocess.run(
        ["make", "-C", str(book), "book", f"VENV={VENV}", "-o", f"{VENV}/.installed"],
        capture_output=True, text=True, timeout=600,
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


def test_a_warning_fails_every_build_until_fixed(tmp_path):
    """Warning from the first build on: every build fails, make book's and the tests'."""
    book = tmp_path / "book"
    two_pages(book, "# Intro\n\n" + DUPLICATE, "# Page\n\n" + DUPLICATE)  # a label twice
    assert_fails(make_book(book), "duplicate label", "from scratch")
    assert_fails(make_book(book), "duplicate label", "from scratch")
    assert_fails(build_book(book), "duplicate label", "from scratch")
    (book / "page.md").write_text("# Page\n\nNo label here.\n")  # fixed
    assert_passes(make_book(book))


def test_a_warning_planted_after_a_clean_build_fails_every_incremental_build(tmp_path):
    book = tmp_path / "book"
    two_pages(book, "# Intro\n\n" + DUPLICATE, "# Page\n\nText.\n")
    assert_passes(make_book(book))
    (book / "page.md").write_text("# Page\n\n" + DUPLICATE)  # planted
    assert_fails(make_book(book), "duplicate label", "incremental")
    # page.md unchanged: Sphinx alone would read nothing again, and warn no more
    assert_fails(make_book(book), "duplicate label", "from scratch")
    (book / "page.md").write_text("# Page\n\nText again.\n")
    assert_passes(make_book(book))


def test_a_label_removed_from_one_page_fails_the_page_that_still_refers_to_it(tmp_path):
    """The page with the broken reference is not changed, so not read again: its
    references are resolved again all the same."""
    book = tmp_path / "book"
    two_pages(book, "# Intro\n\nSee {ref}`a-label`.\n", "# Page\n\n" + DUPLICATE)
    assert_passes(make_book(book))
    (book / "page.md").write_text("# Page\n\nThe label is gone.\n")
    assert_fails(make_book(book), "undefined label", "incremental")
    assert_fails(make_book(book), "undefined label", "from scratch")


def test_make_book_with_nothing_changed_does_nothing(tmp_path):
    book = tmp_path / "book"
    two_pages(book, "# Intro\n", "# Page\n")
    assert_passes(make_book(book))
    again = make_book(book)
    assert_passes(again)
    assert "build_book" not in again.stdout + again.stderr, (
        "make book ran the build with nothing changed:\n" + again.stdout[-2000:])


def test_a_page_removed_from_the_toc_leaves_the_site(tmp_path):
    book = tmp_path / "book"
    two_pages(book, "# Intro\n", "# A chapter since removed\n")
    assert_passes(make_book(book))
    assert (book / "_build" / "html" / "page.html").is_file()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (book / "page.md").unlink()
    assert_passes(make_book(book))
    assert not (book / "_build" / "html" / "page.html").exists(), (
        "a removed chapter's page stayed in _build/html: make book must remove it")


def test_an_incremental_build_writes_the_site_a_build_from_scratch_writes(tmp_path):
    """The book's own configuration and extensions (math typeset at build time, icons,
    404 page), two pages with math: one page edited, new math on it, built
    incrementally, gives the same files as the same sources built from scratch."""
    book = tmp_path / "book"
    copy_build_setup(book)
    for name in ("_config.yml", "references.bib"):
        shutil.copy2(ROOT / name, book / name)
    for folder in ("_ext", "_static", "_extra"):
        shutil.copytree(ROOT / folder, book / folder, dirs_exist_ok=True)
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (book / "intro.md").write_text("# Intro\n\nThe loss $L = \\tfrac12 (a - y)^2$.\n")
    (book / "page.md").write_text("# Page\n\n$$\n\\delta = \\nabla_a L \\odot g'(z)\n$$\n")
    assert_passes(make_book(book))
    (book / "page.md").write_text("# Page\n\nNew prose, and new math: $W \\leftarrow W - "
                                  "\\eta \\nabla_W L$.\n\n$$\n\\delta = \\nabla_a L \\odot g'(z)\n$$\n")
    incremental = make_book(book)
    assert_passes(incremental)
    assert "build_book: incremental" in incremental.stdout
    shutil.copytree(book / "_build" / "html", tmp_path / "incremental")
    assert_passes(subprocess.run([sys.executable, str(book / "tools" / "build_book.py"), "--all"],
                                 cwd=book, capture_output=True, text=True, timeout=600))

    def differ(a: Path, b: Path) -> list[str]:
        cmp = filecmp.dircmp(a, b)
        found = [str(a / n) for n in cmp.left_only + cmp.right_only]
        found += [str(a / n) for n in cmp.diff_files if not same_page(a / n, b / n)]
        return found + [d for sub in cmp.common_dirs for d in differ(a / sub, b / sub)]

    def same_page(a: Path, b: Path) -> bool:
        """Sphinx adds ?v=checksum to a stylesheet's link when the file is already in
        the output as the page is written: in every build but the first from scratch."""
        if a.suffix != ".html":
            return False
        text = [re.sub(r"\?v=[0-9a-f]{8}", "", p.read_text()) for p in (a, b)]
        return text[0] == text[1]

    assert differ(tmp_path / "incremental", book / "_build" / "html") == []
