"""Graded exercises: run the reader's answer, compare it with a reference, name the mistake.

``check_answer("ex-label", answer)`` prints one verdict: *not answered yet* for the stub
(a function returning ``None`` or ``...``), *correct*, or *not right yet* with a
diagnosis by name (wrong shape, transposed, sign flipped, a factor N, 2 or 1/2, wrong
axis, g' missing, ...). It runs the answer and the reference on seeded inputs of
several shapes (batch sizes 1 and more, large entries) and never prints the
reference's values. The exercises are registered in :mod:`backprop.teaching.exercises`.
"""

from __future__ import annotations

import copy
import difflib
import dis
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .exercises import EXERCISES, Case, Exercise
from .exercises._base import WrongShape
from .exercises._diagnose import DIAGNOSES, Outputs, diagnose

__all__ = ["DIAGNOSES", "Verdict", "check_answer", "grade"]


@dataclass(frozen=True)
class Verdict:
    """The result of grading: ``status`` is "correct", "unanswered" or "wrong".

    ``diagnosis`` names the mistake (None unless wrong; for an exercise with parts, the
    first wrong part's); ``parts`` maps each part to "correct" or its diagnosis.
    """

    label: str
    status: str
    diagnosis: str | None
    text: str
    parts: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


class _Unanswered(Exception):
    """The answer is the stub: its body is ``...``, or every part it returns is ``...``."""


class _ReturnedNone(Exception):
    """The answer computes something but returns None (a ``return`` missing on some path)."""


class _Mutated(Exception):
    """The answer changed one of its inputs, which the task does not allow."""


_STUB_OPS = {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "CACHE"}


def _is_stub(fn: Any) -> bool:
    """Whether ``fn``'s body does nothing but return None (``...``, ``pass``, a docstring)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    ops = list(dis.get_instructions(code))
    return all(op.opname in _STUB_OPS for op in ops) and all(
        op.argval is None for op in ops if op.opname in ("LOAD_CONST", "RETURN_CONST"))


def _same(a: Any, b: Any) -> bool:
    """Whether an input still equals its original (arrays, numbers, lists, tuples, dicts)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, int | float | complex | np.number) and isinstance(b, int | float | complex | np.number):
        return a == b or (a != a and b != b)
    return True  # functions, generators and other objects: not compared


def _exercise(label: str) -> Exercise:
    if not isinstance(label, str):
        raise TypeError(f"check: the label must be a str such as 'ex-...', got {type(label).__name__}")
    if label not in EXERCISES:
        near = difflib.get_close_matches(label, list(EXERCISES), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise ValueError(f"check: no graded exercise is called {label!r}.{hint}")
    return EXERCISES[label]


def _call(ex: Exercise, answer: Callable[..., Any], case: Case) -> Any:
    """The answer's output on one case (on copies of the inputs), warnings silenced.

    Raises :class:`_Mutated` if the answer changed an input, :class:`_ReturnedNone` if
    it returned None, :class:`_Unanswered` if every part it returned is ``...``.
    """
    args = copy.deepcopy(case.args)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ex.harness(answer, args) if ex.harness else answer(*args)
    for i, (now, before) in enumerate(zip(args, case.args, strict=True)):
        if not ex.mutates and not _same(now, before):
            raise _Mutated(i)
    if out is None:
        raise _ReturnedNone
    if out is Ellipsis or (isinstance(out, tuple | list | dict) and out and all(
            _blank(v) for v in (out.values() if isinstance(out, dict) else out))):
        raise _Unanswered
    return out


def _blank(x: Any) -> bool:
    return x is None or x is Ellipsis


def _as_array(out: Any) -> NDArray | None:
    """``out`` as a float array, or None when it is not a number or an array of numbers."""
    if isinstance(out, str | bytes | dict) or out is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = np.asarray(out)
        if a.dtype.kind not in "biuf":
            return None
        return a.astype(np.float64)
    except (TypeError, ValueError):
        return None


def _parts(ex: Exercise, out: Any) -> dict[str, Any]:
    """Split a result into its named parts (a dict with those keys, or a tuple in order)."""
    if not ex.parts:
        return {"": out}
    if isinstance(out, dict):
        missing = [p for p in ex.parts if p not in out]
        if missing:
            raise _Shape(f"the returned dict has no key {missing[0]!r}; expected keys {list(ex.parts)}")
        return {p: out[p] for p in ex.parts}
    if isinstance(out, tuple | list) and len(out) == len(ex.parts):
        return dict(zip(ex.parts, out, strict=True))
    raise _Shape(f"expected a tuple of {len(ex.parts)} results ({', '.join(ex.parts)}) or a dict")


_Shape = WrongShape  # the result is not made of the expected parts


def _outputs(ex: Exercise, fn: Callable[..., Any], cases: list[Case]) -> dict[str, list[Any]]:
    """Run ``fn`` on every case; per part, the list of its outputs (raw)."""
    runs = [_parts(ex, _call(ex, fn, case)) for case in cases]
    return {p: [run[p] for run in runs] for p in (ex.parts or ("",))}


def _mistake_outputs(ex: Exercise, cases: list[Case]) -> dict[str, dict[str, list[NDArray]]]:
    """Each known mistake's outputs, per part (mistakes that fail to run are left out)."""
    result = {}
    for name, mistake in ex.mistakes.items():
        if mistake.answer is None:
            continue
        try:
            raw = _outputs(ex, mistake.answer, cases)
        except Exception:
            continue
        arrays = {p: [_as_array(o) for o in outs] for p, outs in raw.items()}
        if all(a is not None for outs in arrays.values() for a in outs):
            result[name] = arrays
    return result


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= 160 else line[:157] + "..."


def _summary(cases: list[Case]) -> str:
    sizes = sorted({c.n for c in cases if c.n is not None})
    bits = [f"{len(cases)} test input{'s' if len(cases) != 1 else ''}"]
    if sizes:
        bits.append("batch sizes " + ", ".join(map(str, sizes)))
    if any(c.large for c in cases):
        bits.append("large entries")
    return "; ".join(bits)


def grade(label: str, answer: Any) -> Verdict:
    """Grade ``answer`` for exercise ``label`` and return the :class:`Verdict` (prints nothing)."""
    ex = _exercise(label)
    name = ex.task if not ex.value else "your answer"
    if answer is None or answer is Ellipsis:
        return _unanswered(label)
    if ex.value:
        value = answer
        answer = lambda: value
    elif not callable(answer):
        return _wrong(label, "not_a_function", f"expected a function {name}, got {type(answer).__name__}.")
    elif _is_stub(answer):
        return _unanswered(label)
    cases = ex.cases(np.random.default_rng(_seed(label)))
    try:
        raw = _outputs(ex, answer, cases)
    except _Unanswered:
        return _unanswered(label)
    except _ReturnedNone:
        where = next((c.about for c in cases if _returns_none(ex, answer, c)), cases[0].about)
        return _wrong(label, "returned_none", f"{name} returned None (on {where}): a `return` "
                      "is missing, at least on the path that input takes.")
    except _Mutated as error:
        where = next((c for c in cases if _mutates(ex, answer, c) is not None), cases[0])
        arg = _argument_name(answer, _mutates(ex, answer, where) or error.args[0])
        return _wrong(label, "mutated_input", f"{name} changed its argument {arg} in place "
                      f"(on {where.about}); the task asks for new arrays and leaves its "
                      "inputs as they were: write `W - eta * grad`, not `W -= eta * grad`.")
    except _Shape as error:
        return _wrong(label, "wrong_shape", f"{name}: {error}.")
    except Exception as error:
        where = next((c.about for c in cases if _raises(ex, answer, c)), cases[0].about)
        return _wrong(
            label, "raised", f"{name} raised {type(error).__name__}: {_first_line(error)}\n(on {where})."
        )
    if ex.judge is not None:
        return _judged(ex, raw[""], cases)
    refs = _outputs(ex, ex.reference, cases)
    mistakes = _mistake_outputs(ex, cases)
    results: dict[str, tuple[str, str] | None] = {}
    answers: dict[str, list[NDArray]] = {}
    for part, outs in raw.items():
        arrays = [_as_array(o) for o in outs]
        what = part or name
        if any(_blank(o) for o in outs):
            results[part] = ("unanswered", "write this part in place of its `...`.")
            continue
        if any(a is None for a in arrays):
            bad = next(o for o in outs if _as_array(o) is None)
            got = type(bad).__name__
            verb = "is" if ex.value else "returned"
            results[part] = ("not_an_array", f"{what} {verb} a {got}, not a number or array.")
            continue
        answers[part] = arrays
        ref = [np.asarray(r, dtype=np.float64) for r in refs[part]]
        ups = _upstream(ex, part, cases, raw)
        per_mistake = {m: outs_[part] for m, outs_ in mistakes.items() if part in outs_}
        known = {m: k for m, k in ex.mistakes.items() if k.part in (None, part)}
        outputs = Outputs(what, arrays, ref, cases, per_mistake, ups, ex.depends.get(part, "earlier part"))
        results[part] = diagnose(outputs, known, ex.rtol, ex.atol)
    return _verdict(ex, cases, results)


def _returns_none(ex: Exercise, answer: Callable[..., Any], case: Case) -> bool:
    try:
        _call(ex, answer, case)
    except _ReturnedNone:
        return True
    except Exception:
        return False
    return False


def _mutates(ex: Exercise, answer: Callable[..., Any], case: Case) -> int | None:
    try:
        _call(ex, answer, case)
    except _Mutated as error:
        return error.args[0]
    except Exception:
        return None
    return None


def _argument_name(answer: Callable[..., Any], i: int) -> str:
    try:
        names = list(inspect.signature(answer).parameters)
    except (TypeError, ValueError):
        names = []
    return f"`{names[i]}`" if i < len(names) else f"number {i + 1}"


def _raises(ex: Exercise, answer: Callable[..., Any], case: Case) -> bool:
    try:
        _parts(ex, _call(ex, answer, case))
    except Exception:
        return True
    return False


def _upstream(ex: Exercise, part: str, cases: list[Case], raw: dict[str, list[Any]]) -> list[NDArray] | None:
    """What ``part`` should be given the reader's own earlier parts (None if unknown)."""
    if ex.upstream is None:
        return None
    result = []
    for i, case in enumerate(cases):
        try:
            with np.errstate(all="ignore"):
                mine = {p: np.asarray(raw[p][i], dtype=np.float64) for p in ex.parts}
                expected = ex.upstream(copy.deepcopy(case.args), mine)
        except Exception:
            return None
        if part not in expected:
            return None
        result.append(np.asarray(expected[part], dtype=np.float64))
    return result


def _judged(ex: Exercise, outs: list[Any], cases: list[Case]) -> Verdict:
    for out, case in zip(outs, cases, strict=True):
        try:
            found = ex.judge(out, case)
        except Exception as error:
            why = f"{type(error).__name__}: {_first_line(error)}"
            found = ("not_a_list", f"the result could not be read ({why})")
        if found is not None:
            return _wrong(ex.label, found[0], f"{ex.task}: {found[1]}\n(on {case.about}).", ex.hints)
    text = f"{ex.label}: correct. {ex.task} passes every check on {_summary(cases)}."
    return Verdict(ex.label, "correct", None, text)


def _verdict(ex: Exercise, cases: list[Case], results: dict[str, tuple[str, str] | None]) -> Verdict:
    if all(r is None for r in results.values()):
        text = f"{ex.label}: correct. {ex.task} agrees with the reference on {_summary(cases)}."
        return Verdict(ex.label, "correct", None, text, {p: "correct" for p in results if p})
    if not ex.parts:
        diagnosis, message = results[""]
        return _wrong(ex.label, diagnosis, message, ex.hints)
    lines, first = [], None
    right = sum(r is None for r in results.values())
    for part, r in results.items():
        if r is None:
            lines.append(f"  {part}: correct")
            continue
        if r[0] == "unanswered":
            lines.append(f"  {part}: not answered yet")
            continue
        first = first or r[0]  # the first wrong part's diagnosis
        hint = ex.hints.get(f"{part}:{r[0]}") or ex.hints.get(r[0])
        lines.append(f"  {part}: {_title(r[0])}. {_sentence(r[1])}" + (f" Hint: {hint}" if hint else ""))
    parts = {p: ("correct" if r is None else r[0]) for p, r in results.items()}
    if first is None:  # no part wrong: some right, the others not written yet
        head = (f"{ex.label}: so far so good ({right} of {len(results)} parts right, "
                "the others not answered yet).")
        return Verdict(ex.label, "unanswered", None, "\n".join([head, *lines]), parts)
    head = f"{ex.label}: not right yet ({right} of {len(results)} parts right)."
    return Verdict(ex.label, "wrong", first, "\n".join([head, *lines]), parts)


def _unanswered(label: str) -> Verdict:
    # two short lines: each fits the page's column (and 79 characters)
    text = f"{label}: not answered yet.\nWrite your code in place of `...` and run the cell again."
    return Verdict(label, "unanswered", None, text)


def _wrong(label: str, diagnosis: str, message: str, hints: dict[str, str] | None = None) -> Verdict:
    hint = (hints or {}).get(diagnosis)
    text = f"{label}: not right yet.\nDiagnosis: {_title(diagnosis)}. {_sentence(message)}"
    return Verdict(label, "wrong", diagnosis, text + (f"\nHint: {hint}" if hint else ""))


def _title(diagnosis: str) -> str:
    return DIAGNOSES.get(diagnosis, diagnosis.replace("_", " "))


def _sentence(message: str) -> str:
    """Capitalise a message, unless it starts with a name from code such as ``softmax(Z)``."""
    first = message.split(" ", 1)[0]
    return message if any(ch in first for ch in "(_.") else message[:1].upper() + message[1:]


def _seed(label: str) -> int:
    """A seed fixed by the label, the same on every machine and in every session."""
    return sum((i + 1) * ord(ch) for i, ch in enumerate(label))


def check_answer(label: str, answer: Any) -> None:
    """Grade ``answer`` (a function, or a value where the exercise asks for one) and print the verdict.

    An unanswered stub (a function whose body is ``...``) prints a neutral verdict;
    an answer that raises prints the exception's name and first line, never a traceback.
    The verdict never shows the reference's values.
    """
    print(grade(label, answer).text)

