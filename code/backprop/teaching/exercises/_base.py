"""The parts of a graded exercise: its test inputs, its reference, the mistakes it knows.

An :class:`Exercise` is data: :mod:`backprop.teaching.grading` runs the reader's answer and the
reference on the same seeded :class:`Case` inputs and, when they differ, tries the
exercise's known :class:`Mistake` implementations before its generic diagnoses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


class WrongShape(Exception):
    """Raised by a harness: the answer's result is not made of the expected parts."""


@dataclass(frozen=True)
class Case:
    """One test input: the arguments, a description, its batch size, whether it is large."""

    args: tuple[Any, ...]
    about: str  # e.g. "a batch of 7 rows of 4 logits": what the verdict may say
    n: int | None = None  # the batch size, when the input is a batch
    large: bool = False  # entries large enough to overflow a naive formula


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, and what to tell a reader who made it.

    Either ``answer``, the mistake written out (the reader's output must equal its
    output on every case), or ``test(output, args)``, a property of the reader's output
    that reveals it (checked on every case where that output is finite).
    ``diagnosis`` names it when several mistakes share a name (default: its key);
    ``part`` restricts it to one part of an exercise with parts.
    """

    answer: Callable[..., Any] | None
    message: str
    test: Callable[[NDArray, tuple[Any, ...]], bool] | None = None
    diagnosis: str | None = None
    part: str | None = None  # for an exercise with parts: the one part it concerns


@dataclass(frozen=True)
class Exercise:
    """A graded exercise: what to write, the reference, the inputs, the known mistakes.

    ``reference`` has the signature the reader's function must have (or, with
    ``value=True``, takes no argument and returns the expected value). ``parts``
    names the entries of a result graded one by one (a tuple or dict); ``upstream``
    recomputes, from a case's arguments and the reader's own parts, what each part
    should be given the reader's earlier parts. ``judge(output, case)`` replaces the
    comparison with a property check (for answers with no unique right value); it
    returns None or ``(diagnosis, message)``. ``harness(answer, args)`` says how to call
    an answer when that is not ``answer(*args)``. An answer that changes one of its
    inputs is wrong unless ``mutates`` says the task does so on purpose.
    """

    label: str
    task: str  # "sigmoid_prime(z)": named in verdicts
    reference: Callable[..., Any]
    cases: Callable[[np.random.Generator], list[Case]]
    mistakes: dict[str, Mistake] = field(default_factory=dict)
    parts: tuple[str, ...] = ()
    upstream: Callable[[tuple[Any, ...], dict[str, NDArray]], dict[str, NDArray]] | None = None
    depends: dict[str, str] = field(default_factory=dict)  # part -> the part it is computed from
    judge: Callable[[Any, Case], tuple[str, str] | None] | None = None
    harness: Callable[[Callable[..., Any], tuple[Any, ...]], Any] | None = None
    value: bool = False
    # the task changes an input on purpose (and its own checks judge how): inputs that
    # change are not reported as a mistake
    mutates: bool = False
    rtol: float = 1e-6
    atol: float = 1e-9
    hints: dict[str, str] = field(default_factory=dict)  # diagnosis -> hint


def softmax_rows(z: NDArray) -> NDArray:
    """Softmax along the last axis, with the row maximum subtracted (never overflows)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def one_hot(y: NDArray, k: int) -> NDArray:
    """Rows of the k x k identity picked by the integer labels y: shape (N, k)."""
    return np.eye(k)[y]


def batch_about(n: int, what: str) -> str:
    """'a batch of 1 row of ...' / 'a batch of 5 rows of ...'."""
    return f"a batch of {n} row{'s' if n != 1 else ''} of {what}"
