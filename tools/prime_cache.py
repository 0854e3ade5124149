"""Execute the chapters the book's execution cache lacks, two at a time.

Usage: python tools/prime_cache.py [CACHE] [--jobs N] [--stored]
(CACHE defaults to _build/.jupyter_cache, where jupyter-book keeps it; --stored, for
tools/build_book.py and `make pdf`, see below.)

jupyter-book executes the notebooks one after the other; on a cold cache (a fresh
clone, or after a change to code/ emptied it) that is most of a build. This runs them
in parallel (one kernel per core, two by default) and stores each executed notebook in
the cache exactly as jupyter-book would (myst-nb's cache mode: same hash, same working
directory, same timeout), so the build that follows only reads the cache. A notebook
that fails here is left out: the build then executes it itself and reports the error.
The longest notebooks (as timed by earlier runs, in _build/.execution-seconds.json)
start first, so that the two workers finish together.

--stored: a chapter committed exactly as it is on disk, with the package and the
execution environment committed too, goes into the cache with the outputs stored in
it, unexecuted. Those outputs are what `make test` checks: nbval re-executes every
chapter and requires each output to be reproduced, figures included
(tests/nbval_images.py). So a fresh clone builds in seconds the site an execution
would give, and a chapter or package edited since the last commit is executed as
before. Without --stored, a chapter cached from its stored outputs is executed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import determinism
import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution

ROOT = Path(__file__).resolve().parent.parent


def toc_notebooks() -> list[Path]:
    """The notebooks of the table of contents, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    paths = [ROOT / (f if f.endswith(".ipynb") else f"{f}.ipynb") for f in files]
    return [p for p in paths if p.is_file()]


def timeout() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return int(config.get("execute", {}).get("timeout", 30))


STARTS = 3  # tries to start a kernel


def execute(path: Path, seconds: int) -> tuple[Path, str | None, str | None, float]:
    """Run one notebook in its own directory, as myst-nb does; return it as JSON.

    A kernel picks free TCP ports, then binds them; when kernels start side by side
    (two here, nbval's beside them in the tests) another process can take a port in
    between, and the kernel dies before it answers. That is retried; any other failure
    is returned, and the build then executes the notebook itself and reports it."""
    for attempt in range(1, STARTS + 1):
        nb = nbformat.read(path, as_version=4)
        try:
            result = single_nb_execution(nb, cwd=str(path.parent), allow_errors=False,
                                         timeout=seconds, meta_override=True)
            break
        except RuntimeError as exc:
            if "Kernel died before replying" not in str(exc) or attempt == STARTS:
                return path, None, f"{type(exc).__name__}: {exc}", 0.0
    if result.err is not None:
        lines = [line for line in str(result.err).splitlines() if line.strip()]
        return path, None, lines[-1] if lines else type(result.err).__name__, result.time
    return path, nbformat.writes(nb), None, result.time


def committed(*paths: Path) -> bool:
    """Whether git holds every one of ``paths`` exactly as it is on disk."""
    names = [str(path.relative_to(ROOT)) for path in paths]
    try:
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", *names], cwd=ROOT,
                                 capture_output=True).returncode == 0
        clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *names], cwd=ROOT,
                               capture_output=True).returncode == 0
    except OSError:  # no git: a downloaded copy
        return False
    return tracked and clean


def cache_notebook(cache, path: Path, nb: nbformat.NotebookNode, data: dict) -> None:
    """Store ``nb`` (the notebook at ``path`` with its outputs) in the cache, as myst-nb
    would after executing it."""
    record = cache.add_nb_to_project(str(path))
    cache.cache_notebook_bundle(CacheBundleIn(nb, record.uri, data=data),
                                check_validity=False, overwrite=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", nargs="?", default=str(ROOT / "_build" / ".jupyter_cache"))
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--stored", action="store_true",
                        help="use the outputs of committed chapters instead of executing them")
    args = parser.parse_args()
    determinism.apply()
    cache = get_cache(args.cache)
    missing = []
    notebooks = toc_notebooks()
    for path in notebooks:
        try:
            record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            missing.append(path)
            continue
        if not args.stored and (record.data or {}).get("stored_outputs"):
            missing.append(path)  # the tests compare executions with the stored outputs
    if args.stored and missing and committed(ROOT / "code", ROOT / "tools" / "determinism.py"):
        stored = [path for path in missing if committed(path)]
        for path in stored:
            cache_notebook(cache, path, nbformat.read(path, as_version=4),
                           {"execution_seconds": 0.0, "stored_outputs": True})
        if stored:
            print(f"{len(stored)} committed notebook(s) cached with their stored outputs "
                  "(make test re-executes them)", flush=True)
        missing = [path for path in missing if path not in stored]
    if not missing:
        return
    history_file = Path(args.cache).parent / ".execution-seconds.json"
    history = json.loads(history_file.read_text()) if history_file.is_file() else {}
    key = lambda path: str(path.relative_to(ROOT))
    missing.sort(key=lambda path: -history.get(key(path), float("inf")))  # unknown first
    print(f"executing {len(missing)} notebook(s), {args.jobs} at a time", flush=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = [pool.submit(execute, path, timeout()) for path in missing]
        for run in runs:
            path, text, error, seconds = run.result()
            name = path.relative_to(ROOT)
            if error is not None:
                print(f"  {name} failed ({error[:200]}); the build will report it")
                continue
            cache_notebook(cache, path, nbformat.reads(text, as_version=4),
                           {"execution_seconds": seconds})
            print(f"  {name}: {seconds:.1f} s", flush=True)
            history[key(path)] = round(seconds, 1)
    history_file.write_text(json.dumps(history, indent=1, sort_keys=True))
    print(f"executed in {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
