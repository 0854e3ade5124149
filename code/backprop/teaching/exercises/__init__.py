"""The registry of graded exercises: label -> :class:`Exercise`, one module per chapter.

Each module is its chapter's exercises' one source: the graders (``EXERCISES``: the
references, seeded test inputs and the typical mistakes they recognise, graded by
:func:`backprop.teaching.grading.check_answer`) and their words (``TEXT``: statement,
stub, note, solution; :mod:`._text`), from which the notebook's cells are written.
"""

from __future__ import annotations

from . import (
    ch01_derivatives,
    ch02_chain_rule,
    ch03_forward,
    ch04_softmax,
    ch05_cross_entropy,
    ch06_three_equations,
    ch07_worked_example,
    ch08_training_loop,
    ch09_gradient_checking,
    ch10_digits,
    ch11_graphs,
    ch12_speed,
    ch13_deep_networks,
    ch14_batchnorm,
    ch15_residual,
    ch16_memory,
    ch17_second_derivatives,
    ch18_convolution,
    ch19_recurrent,
)
from ._base import Case, Exercise, Mistake
from ._text import Graded, parse

CHAPTERS = {
    "01_derivatives": ch01_derivatives.EXERCISES,
    "02_chain_rule": ch02_chain_rule.EXERCISES,
    "03_forward": ch03_forward.EXERCISES,
    "04_softmax": ch04_softmax.EXERCISES,
    "05_cross_entropy": ch05_cross_entropy.EXERCISES,
    "06_three_equations": ch06_three_equations.EXERCISES,
    "07_worked_example": ch07_worked_example.EXERCISES,
    "08_training_loop": ch08_training_loop.EXERCISES,
    "09_gradient_checking": ch09_gradient_checking.EXERCISES,
    "10_digits": ch10_digits.EXERCISES,
    "11_graphs": ch11_graphs.EXERCISES,
    "12_speed": ch12_speed.EXERCISES,
    "13_deep_networks": ch13_deep_networks.EXERCISES,
    "14_batchnorm": ch14_batchnorm.EXERCISES,
    "15_residual": ch15_residual.EXERCISES,
    "16_memory": ch16_memory.EXERCISES,
    "17_second_derivatives": ch17_second_derivatives.EXERCISES,
    "18_convolution": ch18_convolution.EXERCISES,
    "19_recurrent": ch19_recurrent.EXERCISES,
}

EXERCISES: dict[str, Exercise] = {ex.label: ex for exs in CHAPTERS.values() for ex in exs}

_MODULES = {stem: globals()[f"ch{stem}"] for stem in CHAPTERS}
# chapter stem -> the words of its exercises, in the order of the chapter
WORDS: dict[str, list[Graded]] = {stem: parse(module.TEXT, module.__name__)
                                  for stem, module in _MODULES.items()}

__all__ = ["CHAPTERS", "EXERCISES", "WORDS", "Case", "Exercise", "Graded", "Mistake"]
