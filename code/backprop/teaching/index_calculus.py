r"""Sums over Kronecker deltas: derivatives of index expressions for symbolic sizes.

SymPy differentiates an indexed expression such as
:math:`Z_{mi} = \sum_{k=1}^{n} A_{mk} W_{ki} + b_i` with respect to a generic entry
:math:`W_{kj}` by the rule :math:`\partial W_{ri}/\partial W_{kj} = \delta_{rk}\delta_{ij}`
(a ``KroneckerDelta``), and leaves the sums unevaluated, because it does not know that
:math:`k` lies in :math:`1..n`. :func:`collapse_deltas` evaluates them, assuming that
every free index lies in the range of each sum it meets: exactly the situation of a
generic entry :math:`W_{kj}` of a matrix whose indices run over those ranges. Then
:math:`\sum_{r=1}^{n} \delta_{rk} f(r) = f(k)`.

Chapter: :doc:`chapters/06_three_equations` (the four backpropagation equations for
any size); chapters 4 and 5, which come before it, sum out their deltas by hand.
"""

from __future__ import annotations

import sympy as sp
from sympy.concrete.delta import deltasummation

__all__ = ["collapse_deltas", "with_prime"]


def _has_delta_in(term: sp.Expr, index: sp.Symbol) -> bool:
    return any(index in d.free_symbols for d in term.atoms(sp.KroneckerDelta))


def _sum_term(term: sp.Expr, limits: tuple) -> sp.Expr:
    """Sum one product ``term`` over ``limits``, summing out every Kronecker delta."""
    left = list(limits)
    found = True
    while found:  # each delta fixes one summation index: sum it out
        found = False
        for limit in left:
            if _has_delta_in(term, limit[0]):
                term = deltasummation(term, limit, no_piecewise=True)
                left.remove(limit)
                found = True
                break
    kept = []
    for limit in left:
        if limit[0] in term.free_symbols:
            kept.append(limit)
        else:  # a sum of a constant: (number of terms) times the constant
            term = term * (limit[2] - limit[1] + 1)
    return sp.Sum(term, *kept) if kept else term


def collapse_deltas(expr: sp.Expr) -> sp.Expr:
    r"""Return ``expr`` with every sum over a Kronecker delta evaluated.

    :math:`\sum_{r=a}^{b} \delta_{rk}\, f(r)` becomes :math:`f(k)`: each free index is
    assumed to lie in the range of the sums it meets (a generic entry of a matrix).
    Sums are expanded into products first; sums without a delta stay as ``Sum``, and a
    sum whose summand does not involve its index becomes (number of terms) times it.
    ``expr`` is any SymPy expression; raises ``TypeError`` otherwise.
    """
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"collapse_deltas: expected a SymPy expression, got {type(expr).__name__}")
    if isinstance(expr, sp.Sum):
        inner = sp.expand(collapse_deltas(expr.function))
        return sp.Add(*[_sum_term(t, expr.limits) for t in sp.Add.make_args(inner)])
    if expr.args and not isinstance(expr, sp.Indexed | sp.IndexedBase | sp.Idx):
        return expr.func(*[collapse_deltas(a) for a in expr.args])
    return expr


def with_prime(expr: sp.Expr, g: sp.FunctionClass, name: str | None = None) -> sp.Expr:
    r"""Return ``expr`` with each :math:`\frac{d}{du} g(u)` written :math:`g'(u)`.

    Also where SymPy writes the derivative at a compound argument as
    ``Subs(Derivative(g(xi), xi), xi, u)``.

    ``g`` is an undefined SymPy function (``sp.Function("g")``); ``name`` is the name of
    the derivative (default ``g'``). Only a display change: :math:`g'` stays generic.
    """
    if not isinstance(g, sp.FunctionClass):
        raise TypeError(f"with_prime: g must be a SymPy function class, got {type(g).__name__}")
    g_prime = sp.Function(name or f"{g.__name__}'")

    def is_derivative_of_g(e: sp.Basic) -> bool:  # d/du g(u)
        return (isinstance(e, sp.Derivative) and isinstance(e.expr, g)
                and len(e.variables) == 1 and e.expr.args == (e.variables[0],))

    def is_derivative_of_g_at(e: sp.Basic) -> bool:  # d/dxi g(xi) at xi = u (u compound)
        return (isinstance(e, sp.Subs) and is_derivative_of_g(e.expr)
                and e.variables == e.expr.variables)

    expr = expr.replace(is_derivative_of_g_at, lambda e: g_prime(e.point[0]))
    return expr.replace(is_derivative_of_g, lambda e: g_prime(e.variables[0]))
