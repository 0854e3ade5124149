"""The zero-warnings gate does not depend on what _build holds: a warning fails every
build until it is fixed, whether the build starts from scratch or is incremental
(Sphinx's incremental builds read again only changed pages, and on their own would not
repeat the warning: _ext/warnings_gate.py and tools/build_book.py keep the gate exact;
a build that warned is followed by one from scratch). Small books (tests/small_books.py).
"""

from conftest import FULL
from small_books import DUPLICATE, assert_fails, assert_passes, build_book, make_book, two_pages


def test_a_warning_fails_every_build_until_fixed(tmp_path):
    """Warning from the first build on: every build fails, make book's and the tests'."""
    book = tmp_path / "book"
    two_pages(book, "# Intro\n\n" + DUPLICATE, "# Page\n\n" + DUPLICATE)  # a label twice
    assert_fails(make_book(book), "duplicate label", "from scratch")
    assert_fails(make_book(book), "duplicate label", "from scratch")
    assert_fails(build_book(book), "duplicate label", "from scratch")
    (book / "page.md").write_text("# Page\n\nNo label here.\n")  # fixed
    assert_passes(make_book(book))

@FULL  # several whole builds of a small book: make check (make test keeps under 5 minutes)
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

@FULL  # several whole builds of a small book: make check (make test keeps under 5 minutes)
def test_a_label_removed_from_one_page_fails_the_page_that_still_refers_to_it(tmp_path):
    """The page with the broken reference is not changed, so not read again: its
    references are resolved again all the same."""
    book = tmp_path / "book"
    two_pages(book, "# Intro\n\nSee {ref}`a-label`.\n", "# Page\n\n" + DUPLICATE)
    assert_passes(make_book(book))
    (book / "page.md").write_text("# Page\n\nThe label is gone.\n")
    assert_fails(make_book(book), "undefined label", "incremental")
    assert_fails(make_book(book), "undefined label", "from scratch")
