"""Name what is wrong with an answer, from its outputs and the reference's, never showing them.

:func:`diagnose` tries, in order: NaN or inf; the answer is right given the reader's
own earlier parts (``inherited``); the exercise's known mistakes; a transposed or
wrongly shaped result; a flipped sign; a constant factor (N, 1/N, 2, 1/2, other);
right only for batch size 1; right except for large inputs; and last, wrong values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._base import Case, Mistake

DIAGNOSES: dict[str, str] = {
    "unanswered": "not answered yet",
    "returned_none": "returned None",
    "mutated_input": "changed its input in place",
    "raised": "raised an exception",
    "not_a_function": "not a function",
    "not_an_array": "not a number or array",
    "wrong_shape": "wrong shape",
    "transposed": "transposed",
    "sign_flipped": "sign flipped",
    "summed_not_averaged": "off by a factor N: summed where it should average",
    "averaged_not_summed": "off by a factor 1/N: averaged where it should sum",
    "factor_2": "off by a factor 2",
    "factor_half": "off by a factor 1/2",
    "constant_factor": "off by a constant factor",
    "wrong_axis": "wrong axis",
    "g_prime_missing": "g' missing",
    "coupling_missing": "the softmax coupling term is missing",
    "batch1_only": "right only for batch size 1",
    "nan_or_overflow": "NaN or overflow for large inputs",
    "not_finite": "NaN or inf",
    "large_inputs": "wrong for large inputs",
    "inherited": "right step, wrong input",
    "g_not_g_prime": "g where g' belongs",
    "plus_not_minus": "a sign inside the formula",
    "he_fan_out": "He's variance with n_out",
    "xavier_half_variance": "half of Xavier's variance",
    "variance_not_std": "the variance, not the standard deviation",
    "first_layer_input_grad": "one product too many",
    "one_product": "one product per layer missing",
    "deltas": "the errors' norms, not the gradients'",
    "pre_activation": "pre-activation where the activation belongs",
    "logits_not_probabilities": "logits where probabilities belong",
    "wrong_values": "wrong values",
    "not_a_list": "not a list",
    "out_of_range": "indices out of range",
    "with_replacement": "drawn with replacement",
    "rows_missing": "rows missing",
    "last_batch_dropped": "last batch dropped",
    "wrong_batch_sizes": "wrong batch sizes",
    "not_shuffled": "not shuffled",
    "ignores_rng": "the rng given is not used",
    "duplicates": "nodes repeated",
    "missing_nodes": "nodes missing",
    "reversed_order": "reversed order",
    "order_violated": "not a topological order",
    # named by the exercises' own mistakes
    "wrong_derivative": "the derivative of another activation",
    "tanh_prime_wrong": "tanh' written as 1 - tanh, not 1 - tanh^2",
    "loss_not_gradient": "the loss, not its gradient",
    "w_not_x": "dz/dx where dz/dw belongs",
    "bias_after_activation": "the bias added after the activation",
    "wrong_activation": "the wrong activation",
    "max_not_maximum": "np.max where np.maximum belongs",
    "log_softmax": "log softmax, not softmax",
    "wrong_dot_product": "the wrong dot product",
    "factor_s_missing": "the factor s missing",
    "labels_not_one_hot": "labels not one-hot",
    "label_not_picked": "every class's log-probability, not the label's",
    "wrong_layer": "another layer's values",
    "all_entries_perturbed": "every entry perturbed at once",
    "wrong_norm": "the wrong norm",
    "min_not_max": "min where max belongs",
    "max_not_argmax": "the largest logit, not its index",
    "error_rate": "the error rate, not the accuracy",
    "off_by_one": "off by one",
    "output_not_input": "the output where the input belongs",
    "grad_not_propagated": "no gradient reaches x",
    "forward_counted": "the forward pass counted too",
    "wrong_bias_count": "the wrong number of biases",
    "base_pass_counted": "one forward pass too many",
    "xavier_fan_in": "Xavier's variance with n_in alone",
    "he_half_variance": "half of He's variance",
    "schemes_swapped": "the two schemes swapped",
    "bias_gradients": "the biases' gradients, not the weights'",
    "x_not_x_hat": "x where x_hat belongs",
    "swapped": "the two parts swapped",
    "g_prime_misplaced": "g' applied to the wrong term",
    "clipped_by_value": "clipped entry by entry, not by the norm",
    "inverted_ratio": "the ratio inverted",
    "identity_reversed": "c_l reversed",
    "activations_missing": "the activations not counted",
    "n_missing": "the width n missing",
    "floor_plus_one": "ceil(L/k) written as L // k + 1",
    "dotted_with_v": "v^T H v, not H v",
    "times_v": "H v times v",
    "b_not_Vb": "b where V_b belongs",
    "second_order_term": "a second-order term too many",
    "stride_on_tap": "the stride on the tap, not on the output",
    "axes_swapped": "the O and C axes swapped",
}


@dataclass(frozen=True)
class Outputs:
    """Everything known about one graded result, per case (all float64 arrays)."""

    what: str  # how the verdict names the result, e.g. "softmax(Z)" or "f (delta2)"
    answers: list[NDArray]
    refs: list[NDArray]
    cases: list[Case]
    mistakes: dict[str, list[NDArray]]  # the known mistakes' outputs
    upstream: list[NDArray] | None  # right given the reader's own earlier parts
    source: str = "earlier part"  # the part that ``upstream`` is computed from


def close(a: NDArray, b: NDArray, rtol: float, atol: float, equal_nan: bool = False) -> bool:
    """Same shape and equal up to ``rtol`` relative to the largest entry of ``b`` (plus ``atol``)."""
    if a.shape != b.shape:
        return False
    scale = float(np.max(np.abs(b), initial=0.0)) if np.isfinite(b).all() else 0.0
    return bool(np.allclose(a, b, rtol=rtol, atol=atol + rtol * scale, equal_nan=equal_nan))


def _ratio(a: NDArray, r: NDArray) -> float | None:
    """The c minimising |a - c r| (None if r is zero or the arrays do not match)."""
    rr = float(np.vdot(r, r))
    if a.shape != r.shape or rr == 0 or not np.isfinite(a).all():
        return None
    return float(np.vdot(a, r)) / rr


def diagnose(o: Outputs, mistakes: dict[str, Mistake], rtol: float, atol: float) -> tuple[str, str] | None:
    """Return None if every answer matches its reference, else ``(diagnosis, message)``."""
    ok = [close(a, r, rtol, atol) for a, r in zip(o.answers, o.refs, strict=True)]
    if all(ok):
        return None
    bad = [i for i, good in enumerate(ok) if not good]
    first = o.cases[bad[0]]
    nonfinite = [i for i in bad if not np.isfinite(o.answers[i]).all() and np.isfinite(o.refs[i]).all()]
    if nonfinite and all(o.cases[i].large for i in bad):
        return "nan_or_overflow", (
            f"{o.what} gives NaN or inf on {o.cases[nonfinite[0]].about}, though it is right on "
            "moderate inputs: some intermediate value overflows."
        )
    moderate = [i for i, c in enumerate(o.cases) if not c.large]
    if nonfinite and all(o.cases[i].large for i in nonfinite) and len(moderate) < len(o.cases):
        found = diagnose(_only(o, moderate), mistakes, rtol, atol)  # first the mistake on moderate inputs
        if found is not None:
            return found[0], f"{found[1]} (Besides, it gives NaN or inf on {o.cases[nonfinite[0]].about}.)"
    if o.upstream is not None and all(
        close(a, u, rtol, atol) for a, u in zip(o.answers, o.upstream, strict=True)
    ):
        return "inherited", f"right for the {o.source} you computed: wrong only because {o.source} is."
    for name, mistake in mistakes.items():
        if _made(o, mistake, o.mistakes.get(name), rtol, atol):
            return mistake.diagnosis or name, mistake.message
    if nonfinite:
        return "not_finite", f"{o.what} contains NaN or inf on {o.cases[nonfinite[0]].about}."
    return _generic(o, ok, bad, first, rtol, atol)


def _only(o: Outputs, keep: list[int]) -> Outputs:
    """``o`` restricted to the cases ``keep``."""
    pick = lambda xs: [xs[i] for i in keep]
    return Outputs(o.what, pick(o.answers), pick(o.refs), pick(o.cases),
                   {m: pick(outs) for m, outs in o.mistakes.items()},
                   None if o.upstream is None else pick(o.upstream), o.source)


def _made(o: Outputs, mistake: Mistake, outs: list[NDArray] | None, rtol: float, atol: float) -> bool:
    """Whether the answers show ``mistake``: equal to its outputs, or passing its test."""
    if mistake.test is not None:
        finite = [i for i, a in enumerate(o.answers) if np.isfinite(a).all()]
        return bool(finite) and all(bool(mistake.test(o.answers[i], o.cases[i].args)) for i in finite)
    if outs is None:
        return False
    differs = any(not close(m, r, rtol, atol) for m, r in zip(outs, o.refs, strict=True))
    return differs and all(close(a, m, rtol, atol, True) for a, m in zip(o.answers, outs, strict=True))


def _generic(o: Outputs, ok: list[bool], bad: list[int], first: Case, rtol: float, atol: float):
    shape_bad = [i for i in bad if o.answers[i].shape != o.refs[i].shape]
    if shape_bad:
        i = shape_bad[0]
        a, r, about = o.answers[i], o.refs[i], o.cases[i].about
        if all(o.answers[j].ndim == 2 and close(o.answers[j].T, o.refs[j], rtol, atol) for j in bad):
            return "transposed", (
                f"{o.what} has shape {a.shape}, expected {r.shape} (on {about}), and it is "
                "the transpose of the right answer."
            )
        return "wrong_shape", f"{o.what} has shape {a.shape}, expected {r.shape} (on {about})."
    pairs = [(o.answers[i], o.refs[i], o.cases[i]) for i in bad]
    if all(x.ndim == 2 and x.shape[0] == x.shape[1] > 1 and close(x.T, y, rtol, atol) for x, y, _ in pairs):
        return "transposed", f"{o.what} is the transpose of the right answer (on {first.about})."
    if all(close(x, -y, rtol, atol) for x, y, _ in pairs):
        return "sign_flipped", f"{o.what} has the right size but the opposite sign (on {first.about})."
    factor = _factor(pairs, rtol, atol)
    if factor is not None:
        return factor[0], f"{o.what} is {factor[1]} (on {first.about})."
    if all(o.cases[i].large for i in bad):
        return "large_inputs", f"{o.what} is right on moderate inputs but wrong on {first.about}."
    good_sizes = {o.cases[i].n for i, good in enumerate(ok) if good}
    # claimed only when every larger batch is wrong: right on some larger batch, the
    # mistake is something else
    if good_sizes - {None} == {1} and all((o.cases[i].n or 1) > 1 for i in bad):
        return "batch1_only", (
            f"{o.what} is right for a batch of 1 row but wrong for {first.about}: something "
            "mixes the rows (a sum or maximum over the whole batch?) or uses only the first row."
        )
    return "wrong_values", (
        f"{o.what} has the right shape but wrong values on {len(bad)} of {len(ok)} test inputs "
        f"(the first: {first.about})."
    )


def _factor(pairs: list[tuple[NDArray, NDArray, Case]], rtol: float, atol: float) -> tuple[str, str] | None:
    """A constant factor c with answer = c * reference on every failing case, named."""
    ratios = []
    for a, r, _ in pairs:
        c = _ratio(a, r)
        if c is None or c == 0 or not close(a, c * r, rtol, atol):
            return None
        ratios.append(c)
    ns = [case.n for _, _, case in pairs]
    if all(n is not None and n > 1 for n in ns):
        if all(np.isclose(c, n, rtol=1e-6) for c, n in zip(ratios, ns, strict=True)):
            return "summed_not_averaged", (
                "N times the right answer (N, the batch size): the 1/N of the mean is missing")
        if all(np.isclose(c * n, 1, rtol=1e-6) for c, n in zip(ratios, ns, strict=True)):
            return "averaged_not_summed", (
                "1/N times the right answer (N, the batch size): an extra 1/N, a mean where a sum belongs")
    if all(np.isclose(c, 2, rtol=1e-6) for c in ratios):
        return "factor_2", "twice the right answer"
    if all(np.isclose(c, 0.5, rtol=1e-6) for c in ratios):
        return "factor_half", "half the right answer"
    values = np.array(ratios)
    if (len(ratios) > 1 or pairs[0][0].size > 1) and np.allclose(values, values[0], rtol=1e-6):
        return "constant_factor", f"{values[0]:.3g} times the right answer"
    return None
