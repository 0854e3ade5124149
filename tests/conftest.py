"""Shared test settings: hypothesis profiles, and floating-point errors that raise."""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import settings
from nbval_images import pytest_collection_modifyitems  # noqa: F401  (nbval compares figures)

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
JB = str(Path(sys.executable).parent / "jupyter-book")
BUILD = [sys.executable, str(ROOT / "tools" / "build_book.py")]  # what make book runs
FULL = pytest.mark.full  # the full tier: make check runs it, make test does not

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=30)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """An overflow, division by zero or invalid operation inside a test is an error."""
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


def toc_pages() -> list[str]:
    """Every page of the table of contents, as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def representative_pages() -> list[str]:
    """The pages make test opens in the browser: the landing page, the longest chapter of
    each numbered part (the most content that could overflow), and the reference pages
    (the unnumbered part). make check opens every page."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        files = [chapter["file"] for chapter in part["chapters"]]
        if part.get("numbered"):
            sizes = {f: (ROOT / f"{f}.ipynb").stat().st_size if (ROOT / f"{f}.ipynb").is_file()
                     else 0 for f in files}
            files = [max(files, key=sizes.get)]
        pages += files
    return pages


def tiered(docs: list[str]) -> list:
    """``docs`` as pytest parameters: the representative pages in the fast tier, the
    others in the full tier."""
    fast = set(representative_pages())
    return [doc if doc in fast else pytest.param(doc, marks=FULL) for doc in docs]


def once_per_run(name: str, action) -> dict:
    """Run `action` (returning a JSON-able dict) once per test run, however many xdist
    workers ask: a lock makes the later ones wait, and they get the first one's result."""
    build = ROOT / "_build"
    build.mkdir(exist_ok=True)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    record = build / f".{name}-{run}.json"
    with open(build / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if run and record.is_file():
                return json.loads(record.read_text())
            for old in build.glob(f".{name}-*.json"):
                old.unlink()
            result = action()
            if run:
                record.write_text(json.dumps(result))
            return result
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def build_log() -> str:
    """Build the book as `make book` does (tools/build_book.py: the execution cache from
    the stored outputs of committed chapters, the others executed; an incremental build
    whose zero-warnings gate is as exact as a build from scratch); return the log. Once
    per test run: nbval executes each chapter, the site is not built from a second
    execution."""
    def build() -> dict:
        done = subprocess.run(BUILD, cwd=ROOT, capture_output=True, text=True)
        return {"returncode": done.returncode, "log": done.stdout + done.stderr}

    result = once_per_run("build", build)
    log = result["log"]
    (ROOT / "_build" / "build.log").write_text(log)
    assert result["returncode"] == 0, (
        "The book build failed (fix what the log below names; the whole log is in "
        f"_build/build.log):\n{log[-5000:]}")
    return log


# The browser tests' fixtures (the built site served on 127.0.0.1, Chromium, axe-core),
# shared by tests/test_browser_*.py; imported last, as tests/browsing.py imports this.
from browsing import axe_source, browser, html_dir, shots, site  # noqa: E402, F401
