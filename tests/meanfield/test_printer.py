"""The code printer's logistic gate: ``1/(1 + exp(min(-u, 709)))`` in place of scipy's expit.

Checked against independent references: ``scipy.special.expit`` for the value, and the
printed expressions against SymPy evaluated in 50-digit mpmath arithmetic.
"""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from meanfield.codegen.printer import print_expr
from meanfield.models.functions import sigmoid

u = sp.Symbol("u")
GATE = print_expr(sigmoid(u))
FP_ERRORS = dict(over="raise", divide="raise", invalid="raise")  # underflow is harmless


def _gate(values):
    return eval(GATE, {"np": np}, {"u": values})  # the printed source, as generated code runs it


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False))
def test_gate_matches_expit_to_a_few_ulp_without_overflow(x):
    with np.errstate(**FP_ERRORS):
        got = float(_gate(np.float64(x)))
    want = float(expit(x))
    if x < -709.0:
        # exponent capped: 1/(1 + e^709) ~ 1.2e-308 stands in for a subnormal or zero
        assert 0.0 <= got <= 1.3e-308 and want <= 1.3e-308
    else:
        # exp, one addition and one division: three roundings; expit itself is within an
        # ulp or two, so 8 ulp of the larger bounds any honest difference
        assert abs(got - want) <= 8 * math.ulp(max(got, want))


def test_gate_on_arrays_propagates_nan_and_saturates():
    x = np.array([np.nan, -np.inf, -1e308, -710.0, 0.0, 40.0, 1e308, np.inf])
    with np.errstate(**FP_ERRORS):
        got = _gate(x)
    assert np.isnan(got[0])
    assert np.all(got[1:4] <= 1.3e-308) and np.all(got[1:4] >= 0)
    assert got[4] == 0.5 and np.all(got[5:] == 1.0)


a, b, c, x, y = sp.symbols("a b c x y")
PRODUCTS = [
    c * sigmoid(a * x - b), (x - y) * sigmoid(x), -a * x * sigmoid(y), -sigmoid(y),
    sigmoid(x) * sigmoid(y), 2 * sigmoid(x) * sigmoid(y) * (x + y), a - c * sigmoid(x),
    x ** 2 * sigmoid(x), sigmoid(x) ** 2, (1 - sigmoid(x)) * sigmoid(x),
    x / y * sigmoid(x), sigmoid(x) / (x + y), y - (-a * x * sigmoid(y)),
    -2 * (x - y) * sigmoid(x), (-x) ** 3 * sigmoid(y), a * sigmoid(x) * (1 - sigmoid(y)),
]
VALUES = st.fixed_dictionaries({k: st.floats(-30, 30).filter(lambda v: abs(v) > 1e-3)
                                for k in "abcxy"})


@pytest.mark.parametrize("expr", PRODUCTS, ids=str)
@settings(max_examples=25, deadline=None)
@given(vals=VALUES)
def test_products_with_gates_print_to_the_same_value(expr, vals):
    """Products print as ``c/(1 + e)`` (one array operation fewer than ``c*(1/(1 + e))``);
    whatever the form, the value is the expression's, to rounding."""
    src = print_expr(expr)
    got = float(eval(src, {"np": np}, {k: np.float64(v) for k, v in vals.items()}))
    subs = {sp.Symbol(k): sp.Float(v, 50) for k, v in vals.items()}
    want = float(sp.N(_logistic(expr).subs(subs), 30))
    # a few roundings per operation, relative to the terms' magnitudes (terms can cancel)
    scale = float(sp.N(_magnitude(expr).subs(subs), 30))
    assert abs(got - want) <= 64 * np.finfo(float).eps * scale, src


def _logistic(e):
    return e.replace(sigmoid, lambda w: 1 / (1 + sp.exp(-w)))


def _magnitude(e):
    """``e`` with every sum replaced by the sum of its terms' magnitudes and every gate
    s(u) by s(u) (1 + |u|'s magnitude): the scale of the rounding errors of evaluating
    ``e`` as written (SciPy's expit has the same dependence on the argument's rounding)."""
    if e.is_Add:
        return sp.Add(*[_magnitude(t) for t in e.args])
    if e.is_Mul:
        return sp.Mul(*[_magnitude(f) for f in e.args])
    if e.is_Pow and e.exp.is_positive:
        return _magnitude(e.base) ** e.exp
    if isinstance(e, sigmoid):
        # the argument's own rounding, eps * |terms of u|, moves log s by up to that much
        return _logistic(e) * (1 + _magnitude(e.args[0]))
    return sp.Abs(_logistic(e))


def test_products_divide_by_the_gate_denominator():
    """The saving the printer exists for: no ``1.0/(...)`` inside a product with a gate."""
    src = print_expr((x - y) * sigmoid(a * x - b))
    assert src == "(x - y)/(1.0 + np.exp(np.minimum(b - a*x, 709.0)))"
    assert print_expr(-c * sigmoid(x)) == "-c/(1.0 + np.exp(np.minimum(-x, 709.0)))"


def test_piecewise_pieces_do_not_warn_where_they_are_not_chosen():
    """np.select evaluates every piece everywhere; a piece's 0/0 or overflow where another
    piece is chosen must not surface as a warning (pytest turns warnings into errors), and
    the values are each piece's where its condition holds, NaN where none does."""
    x = sp.Symbol("x", real=True)
    g = sp.Symbol("g", positive=True)
    # d/dx of g x / (1 + |x|), as SymPy writes it for the complexity kernel
    slope = sp.diff(g * x / (1 + sp.Abs(x)), x)
    src = print_expr(sp.Piecewise((g, sp.Eq(x, 0)), (sp.simplify(slope), True)))
    xs = np.array([0.0, 0.5, -2.0])
    # one namespace, as in a generated function (a lambda does not see eval's locals)
    got = eval(src, {"np": np, "x": xs, "g": 3.0})
    np.testing.assert_allclose(got, 3.0 / (1 + np.abs(xs)) ** 2, rtol=1e-14)
    pw = sp.Piecewise((sp.exp(x), x < 0), (1 / x, x > 1))  # exp overflows, 1/0 unused
    got = eval(print_expr(pw), {"np": np, "x": np.array([-1.0, 800.0, 0.0, 0.5])})
    np.testing.assert_array_equal(got[[0, 1]], [math.exp(-1.0), 1 / 800.0])
    assert np.isnan(got[2]) and np.isnan(got[3])


def test_clipped_linear_slope_prints_to_the_step_function():
    """The slope of min(max(u, 0), 1) holds a Piecewise of truth values (SymPy's ITE) as a
    condition; it printed with default NaN, a float array np.select refused (TypeError
    in every slope of such a model; found by a probe). Against the step function itself."""
    x = sp.Symbol("x", real=True)
    g = sp.Symbol("g", positive=True)
    for clip in (sp.Min(sp.Max(g * x + 0.2, 0), 1), sp.Max(sp.Min(g * x + 0.2, 1), 0)):
        slope = sp.simplify(sp.diff(clip, x))
        xs = np.array([-1.0, -0.01, 0.1, 0.19, 0.5, 2.0])
        got = eval(print_expr(slope), {"np": np, "x": xs, "g": 4.0})
        u = 4.0 * xs + 0.2
        np.testing.assert_array_equal(got, np.where((u > 0) & (u < 1), 4.0, 0.0))


def test_clipped_linear_model_gets_its_fixed_point_from_the_theory():
    """End to end: the static variance of h = J clip(g h + b, 0, 1) against an independent
    quadrature of Delta = <clip(g sqrt(Delta) x + b, 0, 1)^2> (kinks split out)."""
    from scipy import integrate, optimize, stats

    import meanfield as mf

    model = mf.parse_model("""
name: clip-linear
parameters:
    g = 1.5 | g > 0 | gain
    b = 0.2 | real | offset
functions:
    phi(x) = min(max(g*x + b, 0), 1)
couplings:
    J ~ normal(0, 1/N)
equations:
    dh/dt = -h + J @ phi(h)
""")
    (br,) = [b for b in mf.fixed_point_branches(model, g=4.0) if not b.zero]

    def gap(D):
        s = math.sqrt(D)
        f = lambda z: np.clip(4 * s * z + 0.2, 0, 1) ** 2 * stats.norm.pdf(z)  # noqa: E731
        return integrate.quad(f, -12, 12, points=[-0.05 / s, 0.2 / s], limit=200,
                              epsabs=1e-13)[0] - D
    want = optimize.brentq(gap, 0.01, 2.0, xtol=1e-14)
    # the package's trapezoid rule on the kinked integrand reports an error ~7e-5
    assert br.field_variance["q_J"] == pytest.approx(want, rel=1e-4)
