"""The site knows where it lives: one setting, the repository address of _config.yml,
which BOOK_REPOSITORY (as the workflow sets it) replaces. Every link to the repository
follows it: the repository, issues and edit buttons, Binder and Colab, and a chapter's
install line, in its page and in the notebook offered for download.

A one-chapter book with the book's own configuration and extensions (tests/small_books.py).
"""

import shutil

import nbformat
import yaml
from conftest import FULL, ROOT
from small_books import assert_passes, copy_build_setup, make_book

STORED = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
FORK = "https://github.com/a-teacher/backprop-fork"


def one_chapter(book):
    copy_build_setup(book)
    for name in ("_config.yml", "references.bib"):
        shutil.copy2(ROOT / name, book / name)
    for folder in ("_ext", "_static", "_extra"):
        shutil.copytree(ROOT / folder, book / folder, dirs_exist_ok=True)
    (book / "chapters").mkdir()
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01_one\n")
    (book / "intro.md").write_text("# Intro\n\nOne chapter.\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# One chapter"),
        nbformat.v4.new_code_cell(f'REPOSITORY = "{STORED}"\nprint(len(REPOSITORY) > 0)')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "chapters" / "01_one.ipynb")


def build(book, **env) -> str:
    assert_passes(make_book(book, **env))
    html = book / "_build" / "html"
    return (html / "chapters" / "01_one.html").read_text() + (
        html / "_sources" / "chapters" / "01_one.ipynb").read_text()


@FULL  # a whole build of a small book: make check (make test keeps under 5 minutes)
def test_a_fork_builds_a_site_that_points_at_the_fork(tmp_path):
    book = tmp_path / "book"
    one_chapter(book)
    stored = build(book)
    assert STORED in stored, "without BOOK_REPOSITORY the site names _config.yml's address"
    forked = build(book, BOOK_REPOSITORY=FORK, BOOK_BRANCH="trunk")
    assert STORED not in forked, "the fork's site still names the stored repository address"
    fork_path = FORK.removeprefix("https://github.com/")
    for link in [f'href="{FORK}"', f"{FORK}/edit/trunk/chapters/01_one.ipynb",
                 f"{FORK}/issues/new", f"mybinder.org/v2/gh/{fork_path}/trunk",
                 f"colab.research.google.com/github/{fork_path}/blob/trunk",
                 f'REPOSITORY = \\"{FORK}\\"', f"REPOSITORY</span> <span class=\"o\">=</span> "
                 f"<span class=\"s2\">\"{FORK}\"</span>"]:
        assert link in forked, f"the fork's site lacks {link}"
