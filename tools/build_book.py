"""Build the site into _build/html, as `make book` and the tests do.

Usage: python tools/build_book.py [--all]

1. tools/prime_cache.py --stored fills the execution cache (committed chapters with
   their stored outputs, the others executed two at a time).
2. jupyter-book builds with -n -W --keep-going: a warning fails the build.
3. The build is incremental: Sphinx reads again only the pages that changed. The
   zero-warnings gate stays exact all the same (_ext/warnings_gate.py: cross-references
   are resolved again on every page). The build starts from scratch (a fresh Sphinx
   environment, an emptied _build/html) when asked (--all), when no complete build
   came before it, when the last build warned (so a warning is repeated by every build
   until it is fixed), or when something every page
   depends on changed: the configuration, the table of contents, the bibliography, the
   extensions, the static files, the package (its code is executed and included), the
   chapters' execution environment, the lock, the site's address (BOOK_REPOSITORY).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
RECORD = BUILD / ".warnings.json"  # written by _ext/warnings_gate.py
INPUTS = BUILD / ".site-inputs"
JB_FLAGS = ["-n", "-W", "--keep-going"]
# what every page depends on: a change to any of these rebuilds the site from scratch
GLOBAL = ["_config.yml", "_toc.yml", "references.bib", "requirements.txt", "pyproject.toml",
          "_ext", "_static", "_extra", "code/backprop", "tools/determinism.py",
          "tools/matplotlibrc", "tools/prime_cache.py", "tools/build_book.py"]


def global_inputs() -> str:
    """One hash of every file that every page depends on (names and contents)."""
    digest = hashlib.sha256()
    for name in ("BOOK_REPOSITORY", "BOOK_BRANCH"):  # the site's address (_ext/repository.py)
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    for name in GLOBAL:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or not file.exists():
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def why_from_scratch(inputs: str) -> str | None:
    """The reason this build must start from scratch, or None for an incremental one."""
    if not (BUILD / ".doctrees" / "environment.pickle").is_file() or not HTML.is_dir():
        return "no earlier build"
    if not RECORD.is_file():
        return "the last build did not complete"
    if json.loads(RECORD.read_text()).get("count", 1):
        return "the last build warned: every warning is repeated until it is fixed"
    if not INPUTS.is_file() or INPUTS.read_text() != inputs:
        return "the configuration, extensions, static files or package changed"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="build from scratch")
    args = parser.parse_args()
    python = sys.executable
    primed = subprocess.run([python, str(ROOT / "tools" / "prime_cache.py"), "--stored",
                             str(BUILD / ".jupyter_cache")], cwd=ROOT)
    if primed.returncode != 0:
        return primed.returncode
    inputs = global_inputs()
    reason = "asked for (--all)" if args.all else why_from_scratch(inputs)
    command = [str(Path(python).parent / "jupyter-book"), "build", str(ROOT), *JB_FLAGS]
    if reason is not None:
        print(f"build_book: from scratch ({reason})", flush=True)
        shutil.rmtree(HTML, ignore_errors=True)
        command.insert(3, "--all")
    else:
        print("build_book: incremental (the pages that changed)", flush=True)
    INPUTS.unlink(missing_ok=True)
    done = subprocess.run(command, cwd=ROOT)
    if RECORD.is_file():
        INPUTS.write_text(inputs)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
