"""Shared test settings: hypothesis profiles, and floating-point errors that raise."""

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
JB = str(Path(sys.executable).parent / "jupyter-book")
BUILD = [JB, "build", str(ROOT), "-n", "-W", "--keep-going"]

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


@pytest.fixture(scope="session")
def build_log() -> str:
    """Build the book (jupyter-cache re-executes only changed notebooks); return the log.

    Under xdist several workers may ask at once: a lock makes the later ones wait and
    then rebuild from the cache, which is quick.
    """
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run(BUILD, cwd=ROOT, capture_output=True, text=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
    log = done.stdout + done.stderr
    (ROOT / "_build" / "build.log").write_text(log)
    assert done.returncode == 0, log[-5000:]
    return log
