"""How much of each chapter a reader sees without a click is checking, and how much is prose.

    python tools/reading_share.py [chapters/NN_name.ipynb ...] [--rev GIT_REVISION]

Counts characters a reader sees on the page without opening anything:

- markdown cells are prose, except what sits in a dropdown solution (between
  ``{solution-start}`` with ``:class: dropdown`` and ``{solution-end}``), which is hidden;
- a code cell's source is shown unless tagged ``hide-input``/``hide-cell``/``remove-*``,
  its outputs unless tagged ``hide-output``/``hide-cell``/``remove-*``; an output counts
  its text (Markdown where a verdict has it, else plain text); images and HTML count 0;
- a code cell is *checking* when it calls ``check_equation(s)``, ``assert``,
  ``assert_close``, ``gradcheck``, ``relative_error``, ``np.allclose``/``isclose`` or
  ``np.testing``; a graded exercise's cell (``bp.check_answer(...)``) is the reader's, not checking.

Prints, per chapter: the visible checking share (source and outputs of checking cells),
the prose share, and the visible lines that start with ✓. ``--rev`` reads the notebooks
as they were at a git revision, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKING = re.compile(r"\bcheck_equations?\(|\bassert\b|assert_close\(|gradcheck\(|relative_error\("
                      r"|np\.allclose\(|np\.isclose\(|np\.testing\.")
GRADED = re.compile(r"\bbp\.check_answer\(")
HIDE_INPUT = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
HIDE_OUTPUT = {"hide-output", "hide-cell", "remove-output", "remove-cell"}


def _text(cell_source) -> str:
    return "".join(cell_source) if isinstance(cell_source, list) else cell_source


def output_text(output: dict) -> str:
    if "text" in output:
        return _text(output["text"])
    data = output.get("data", {})
    if "text/html" in data or any(k.startswith("image/") for k in data):
        return ""
    return _text(data.get("text/markdown") or data.get("text/plain") or "")


def measure(notebook: dict) -> dict:
    prose = checking = other = ticks = 0
    in_solution = False
    for cell in notebook["cells"]:
        source = _text(cell["source"])
        if cell["cell_type"] == "markdown":
            shown = []
            for block in re.split(r"(```\{solution-(?:start|end)\}[^`]*```)", source):
                if block.startswith("```{solution-start}"):
                    in_solution = ":class: dropdown" in block
                elif block.startswith("```{solution-end}"):
                    in_solution = False
                elif not in_solution:
                    shown.append(block)
            prose += len("".join(shown).strip())
            continue
        if cell["cell_type"] != "code" or in_solution:
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        visible = 0 if tags & HIDE_INPUT else len(source)
        outputs = "" if tags & HIDE_OUTPUT else "".join(output_text(o) for o in cell.get("outputs", []))
        visible += len(outputs)
        ticks += sum(line.strip().startswith("✓") for line in outputs.splitlines())
        if CHECKING.search(source) and not GRADED.search(source):
            checking += visible
        else:
            other += visible
    total = prose + checking + other
    return {"checking": checking / total, "prose": prose / total, "ticks": ticks, "chars": total}


def load(path: Path, rev: str | None) -> dict:
    if rev is None:
        return json.loads(path.read_text(encoding="utf-8"))
    shown = subprocess.run(["git", "show", f"{rev}:{path.relative_to(ROOT).as_posix()}"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    return json.loads(shown.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--rev", default=None)
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "chapters").glob("*.ipynb"))
    print(f"{'chapter':28s} {'checking':>9s} {'prose':>6s} {'✓ lines':>8s} {'visible chars':>14s}")
    for path in paths:
        m = measure(load(path, args.rev))
        print(f"{path.stem:28s} {m['checking']:9.0%} {m['prose']:6.0%} {m['ticks']:8d} {m['chars']:14,d}")


if __name__ == "__main__":
    main()
