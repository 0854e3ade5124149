"""collapse_deltas: sums over Kronecker deltas, checked against explicit small sizes."""

import pytest
import sympy as sp

from backprop.teaching.index_calculus import collapse_deltas, with_prime

i, j, k, m, n, r = sp.symbols("i j k m n r", integer=True)
N, P, Q = sp.symbols("N P Q", integer=True, positive=True)
A, W, b, D, x = (sp.IndexedBase(s) for s in ("A", "W", "b", "D", "x"))


def layer_loss(sizes: tuple) -> sp.Expr:
    """sum_{m, i} D[m, i] Z[m, i] with Z = A W + b, for sizes (N, P, Q)."""
    n_rows, n_in, n_out = sizes
    Z = sp.Sum(A[m, r] * W[r, i], (r, 1, n_in)) + b[i]
    return sp.Sum(D[m, i] * Z, (m, 1, n_rows), (i, 1, n_out))


def test_single_delta_picks_the_term():
    assert collapse_deltas(sp.Sum(sp.KroneckerDelta(r, k) * x[r], (r, 1, N))) == x[k]


def test_constant_summand_counts_terms():
    assert collapse_deltas(sp.Sum(x[k], (r, 1, N))) == N * x[k]


def test_sum_without_delta_is_kept():
    s = sp.Sum(x[r], (r, 1, N))
    assert collapse_deltas(s) == s


@pytest.mark.parametrize(
    ("wrt", "board"),
    [
        (W[k, j], sp.Sum(A[m, k] * D[m, j], (m, 1, N))),
        (b[j], sp.Sum(D[m, j], (m, 1, N))),
        (A[n, k], sp.Sum(D[n, i] * W[k, i], (i, 1, Q))),
    ],
)
def test_layer_derivatives_for_symbolic_sizes(wrt, board):
    derived = collapse_deltas(sp.diff(layer_loss((N, P, Q)), wrt))
    assert sp.simplify(derived - board) == 0


@pytest.mark.parametrize("wrt", ["W", "b", "A"])
def test_symbolic_result_matches_explicit_small_sizes(wrt):
    """The symbolic-size result, evaluated at N, P, Q = 2, 3, 2, equals explicit diff."""
    sizes = {N: 2, P: 3, Q: 2}
    entry = {"W": (W[2, 1], {k: 2, j: 1}), "b": (b[2], {j: 2}), "A": (A[1, 3], {n: 1, k: 3})}
    var, at = entry[wrt]
    general = collapse_deltas(sp.diff(layer_loss((N, P, Q)), {"W": W[k, j], "b": b[j], "A": A[n, k]}[wrt]))
    explicit = sp.diff(layer_loss((2, 3, 2)).doit(), var)
    assert sp.expand(general.subs(sizes).subs(at).doit() - explicit) == 0


def test_a_wrong_board_is_told_apart():
    derived = collapse_deltas(sp.diff(layer_loss((N, P, Q)), W[k, j]))
    transposed = sp.Sum(A[m, j] * D[m, k], (m, 1, N))
    assert sp.simplify(derived - transposed) != 0


def test_with_prime_names_the_derivative():
    g, u = sp.Function("g"), sp.Symbol("u")
    out = with_prime(sp.diff(g(u) ** 2, u), g)
    assert out == 2 * g(u) * sp.Function("g'")(u)


def test_bad_input_raises():
    with pytest.raises(TypeError, match="collapse_deltas"):
        collapse_deltas(3.0)
    with pytest.raises(TypeError, match="with_prime"):
        with_prime(sp.Symbol("u"), "g")


def test_with_prime_at_a_compound_argument():
    g, u, v = sp.Function("g"), sp.Symbol("u"), sp.Symbol("v")
    out = with_prime(sp.diff(g(u * v), u), g)
    assert out == v * sp.Function("g'")(u * v)
