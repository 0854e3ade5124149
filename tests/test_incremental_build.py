"""The incremental build (tools/build_book.py): with nothing changed make book does
nothing; a page removed from the book leaves the site; an incremental build writes the
same site as a build from scratch. Small books (tests/small_books.py).
"""

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FULL, ROOT
from small_books import assert_passes, copy_build_setup, make_book, two_pages


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

@FULL  # several whole builds of a small book: make check (make test keeps under 5 minutes)
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
