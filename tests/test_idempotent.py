"""Re-executing a chapter reproduces what is stored, figures included, so that
`make notebooks` rewrites nothing and contributors commit no noise.

nbval compares the text of every output but skips PNG images. Here every output of
every chapter, images by their hash, is compared with an independent re-execution: the
one made for the book's build (the execution_cache fixture fills the book's execution
cache with tools/prime_cache.py, running each chapter in the environment of
tools/determinism.py, as tools/execute_notebooks.py does). No chapter is executed a
third time for this test.
"""

import configparser
import hashlib
import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from jupyter_cache import get_cache

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CACHE = ROOT / "_build" / ".jupyter_cache"


def sanitizers() -> list[tuple[re.Pattern, str]]:
    """The patterns nbval may ignore (tests/nbval_sanitize.cfg): machine paths."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def normalized(outputs: list, patterns) -> list:
    """What a reader sees of a cell's outputs: stream text merged per stream (its
    split into chunks is timing), images as hashes, no metadata or counters."""
    def clean(text: str) -> str:
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return text

    seen: list = []
    for out in outputs:
        if out.output_type == "stream":
            if seen and seen[-1][0] == "stream" and seen[-1][1] == out.name:
                seen[-1] = ("stream", out.name, seen[-1][2] + clean(out.text))
            else:
                seen.append(("stream", out.name, clean(out.text)))
        elif out.output_type == "error":
            seen.append(("error", out.ename, clean(out.evalue)))
        else:
            data = {}
            for mime, value in sorted(out.get("data", {}).items()):
                text = value if isinstance(value, str) else "".join(value)
                if mime.startswith("image/"):
                    data[mime] = hashlib.sha256(text.encode()).hexdigest()[:16]
                else:
                    data[mime] = clean(text)
            seen.append((out.output_type, tuple(data.items())))
    return seen


def summary(outputs: list) -> str:
    return repr(outputs)[:300]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_re_execution_reproduces_the_stored_outputs(execution_cache, path: Path):
    stored = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT)
    try:
        _, executed = get_cache(str(CACHE)).merge_match_into_notebook(stored)
    except KeyError:
        pytest.fail(f"{rel} is not in the book's execution cache: its execution failed "
                    f"(tools/prime_cache.py said:\n{execution_cache[-3000:]})")
    patterns = sanitizers()
    changed = []
    for i, (old, new) in enumerate(zip(stored.cells, executed.cells, strict=True)):
        if old.cell_type != "code":
            continue
        before, after = normalized(old.outputs, patterns), normalized(new.outputs, patterns)
        if before != after:
            changed.append(f"cell {i} {old.source[:50]!r}:\n  stored       {summary(before)}"
                           f"\n  re-executed  {summary(after)}")
    assert changed == [], (
        f"{rel}: re-executing it changes these outputs (or the stored ones are out of date). "
        "Make them deterministic (seed every generator, print at a stated precision, no "
        "timings or addresses in outputs or figures), then re-execute it with "
        f"make notebooks NB={rel} and commit it:\n" + "\n".join(changed))


def test_a_changed_figure_is_caught():
    """The comparison can fail: one byte of one image changed."""
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if any(m.startswith("image/") for m in o.get("data", {}))]
    assert images, "chapter 1 has a figure"
    before = normalized(images, [])
    mime = next(m for m in images[0].data if m.startswith("image/"))
    images[0].data[mime] = "A" + images[0].data[mime][1:]
    assert normalized(images, []) != before
