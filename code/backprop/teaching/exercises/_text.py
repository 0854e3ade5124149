"""The words of a graded exercise: its statement, stub, note and solution.

Each chapter's module (``chNN_*.py``) holds its exercises twice over in one place: the
graders (``EXERCISES``) and their words (``TEXT``), in sections
``=== exercise <label> | <title>`` (the statement, Markdown), ``=== stub`` (the code
cell the reader fills in), ``=== note`` (optional, shown above the solution) and
``=== solution`` (the solution's code, ending with the stub's ``bp.check_answer`` call).
The chapter's notebook cells are written from ``TEXT`` (``tools/insert_graded.py``), the
graders read ``EXERCISES``, and the tests read both, so each exercise has one source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Graded:
    """One graded exercise's words."""

    label: str
    title: str
    text: str
    stub: str
    note: str
    solution: str


def parse(text: str, name: str) -> list[Graded]:
    """The exercises of one chapter's ``TEXT``, in order; ``name`` names it in errors."""
    exercises: list[dict[str, str]] = []
    section = None
    for line in text.splitlines():
        head = re.fullmatch(r"=== (exercise|stub|note|solution)(?: (.*))?", line)
        if head:
            section = head.group(1)
            if section == "exercise":
                label, _, title = (head.group(2) or "").partition(" | ")
                exercises.append({"label": label.strip(), "title": title.strip()})
            elif not exercises:
                raise ValueError(f"{name}: `=== {section}` before the first `=== exercise`")
            exercises[-1][section] = ""
            continue
        if section is None:
            continue
        exercises[-1][section] += line + "\n"
    result = []
    for ex in exercises:
        missing = [s for s in ("exercise", "stub", "solution") if s not in ex]
        if missing or not ex["label"].startswith("ex-"):
            raise ValueError(f"{name}: exercise {ex['label']!r} lacks {missing or 'an ex- label'}")
        result.append(Graded(ex["label"], ex["title"], ex["exercise"].strip(), ex["stub"].strip(),
                             ex.get("note", "").strip(), ex["solution"].strip()))
    return result
