"""A pytest hook (tests/conftest.py imports it; ``-p nbval_images`` loads it alone):
nbval compares the figures too.

nbval compares every text output of a re-executed notebook with the stored one but
skips PNG and JPEG images. The chapters execute in a fixed environment
(tools/determinism.py), so their figures reproduce byte for byte, and a figure that
changes is a stored output out of date: here it fails the cell like a changed number.
So one execution of each chapter checks all it shows, figures included.
"""

import pytest

IMAGES = ("image/png", "image/jpeg")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items) -> None:
    notebooks = {item.parent for item in items if type(item.parent).__name__ == "IPyNbFile"}
    for notebook in notebooks:
        notebook.skip_compare = tuple(k for k in notebook.skip_compare if k not in IMAGES)
