"""Shared test settings: hypothesis profiles, and floating-point errors that raise."""

import fcntl
import json
import os
import shutil
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
BUILD = [JB, "build", str(ROOT), "--all", "-n", "-W", "--keep-going"]

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
    """Build the book as `make book` does; return the log.

    As `make book`: the notebooks missing from the execution cache are executed first,
    two at a time; then a full build (a fresh Sphinx environment, into an emptied
    _build/html), so every warning is reported on every run, not only on the run that
    first read the page. Under xdist every worker asks for the build: a lock makes the
    later ones wait, and they reuse the log of this test run's build (one build per run).
    """
    build = ROOT / "_build"
    build.mkdir(exist_ok=True)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    record = build / f".build-{run}.json"
    with open(build / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if run and record.is_file():
            result = json.loads(record.read_text())
        else:
            for old in build.glob(".build-*.json"):
                old.unlink()
            prime = subprocess.run([sys.executable, str(ROOT / "tools" / "prime_cache.py")],
                                   cwd=ROOT, capture_output=True, text=True)
            shutil.rmtree(HTML, ignore_errors=True)
            done = subprocess.run(BUILD, cwd=ROOT, capture_output=True, text=True)
            result = {"returncode": done.returncode or prime.returncode,
                      "log": prime.stdout + prime.stderr + done.stdout + done.stderr}
            if run:
                record.write_text(json.dumps(result))
        fcntl.flock(lock, fcntl.LOCK_UN)
    log = result["log"]
    (build / "build.log").write_text(log)
    assert result["returncode"] == 0, (
        "The book build failed (fix what the log below names; the whole log is in "
        f"_build/build.log):\n{log[-5000:]}")
    return log
