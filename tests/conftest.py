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
def execution_cache() -> str:
    """Execute the chapters missing from the book's execution cache (two at a time, as
    `make book` does: tools/prime_cache.py; also those the table of contents does not
    list yet, which nbval and the idempotence test check too); return what it printed."""
    def prime() -> dict:
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "prime_cache.py"),
                               "--every-chapter"], cwd=ROOT, capture_output=True, text=True)
        return {"returncode": done.returncode, "log": done.stdout + done.stderr}

    result = once_per_run("prime", prime)
    assert result["returncode"] == 0, f"tools/prime_cache.py failed:\n{result['log'][-5000:]}"
    return result["log"]


@pytest.fixture(scope="session")
def build_log(execution_cache) -> str:
    """Build the book as `make book` does; return the log.

    As `make book`: after the execution cache is filled, a full build (a fresh Sphinx
    environment, into an emptied _build/html), so every warning is reported on every
    run, not only on the run that first read the page. Once per test run.
    """
    def build() -> dict:
        shutil.rmtree(HTML, ignore_errors=True)
        done = subprocess.run(BUILD, cwd=ROOT, capture_output=True, text=True)
        return {"returncode": done.returncode, "log": done.stdout + done.stderr}

    result = once_per_run("build", build)
    log = execution_cache + result["log"]
    (ROOT / "_build" / "build.log").write_text(log)
    assert result["returncode"] == 0, (
        "The book build failed (fix what the log below names; the whole log is in "
        f"_build/build.log):\n{log[-5000:]}")
    return log
