r"""Dynamical mean-field theory and its variational equations, derived from a model (spec 4, 5).

For :math:`N\to\infty` each unit obeys the *single-site process*
:math:`\dot x_k = F_k(x, \eta)` driven by fields :math:`\eta_f` that are centred
Gaussian processes, independent across coupling matrices, with the self-consistent
correlations :math:`C_{\eta_f}(t,t') = \langle g_f(x(t))\, g_f(x(t'))\rangle`.

Which state variables are Gaussian follows from the velocity alone: :math:`x_k` is
a *linear filter* of its fields when

.. math:: F_k = -a_k x_k + \sum_f b_{k,f}\, \eta_f + c_k

with :math:`a_k, b_{k,f}, c_k` free of the state and the fields. Then, in the
stationary state,

.. math:: (a_k^2 - \partial_\tau^2)\, C_k(\tau) = \sum_f b_{k,f}^2 C_{\eta_f}(\tau) + c_k^2 .

Otherwise the derivation looks for the model parameters whose vanishing (one, else
two, among those whose domain contains 0) turns :math:`F_k` into a linear filter
(the gated network: :math:`\alpha_z = 0`). Each :math:`g_f` is split into factors
of *independent* state variables: variables driven, directly or through other state
variables, by disjoint sets of coupling matrices; the field correlation is then the
product of one average per factor.

A small perturbation :math:`\delta x` obeys the tangent equations, driven by Gaussian
tangent fields :math:`\delta\eta_f` of covariance
:math:`\langle\delta g_f(t)\,\delta g_f(t')\rangle`. With the ansatz
:math:`K_k(t,t') = \langle \delta x_k(t)\delta x_k(t')\rangle = e^{\lambda(t+t')} k_k(t-t')`,
a Gaussian variable gives

.. math:: [(a_k+\lambda)^2 - \partial_\tau^2]\, k_k(\tau)
          = \sum_f b_{k,f}^2 \sum_j Q_{f,j}(\tau)\, k_j(\tau),
          \quad Q_{f,j} = \langle g'_{f,j} g'_{f,j}\rangle \prod_{i\ne j}
                          \langle g_{f,i} g_{f,i}\rangle ,

and the largest :math:`\lambda` with a bounded solution is the maximal Lyapunov
exponent. When only :math:`k_k` itself remains on the right this is a Schrödinger
problem, :math:`[-\partial_\tau^2 + a_k^2 - b_k^2 Q(\tau)]\,k = E\,k` with
:math:`\lambda = -a_k + \sqrt{a_k^2 - E_0}` (the classical :math:`-1 + \sqrt{1 - E_0}`).
Nothing here is special to the gated model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import sympy as sp
from sympy.core.function import AppliedUndef

from ..models.library import get_model
from ..models.model import Model
from .derivation import Derivation, Equation
from .unit import unit_dynamics

__all__ = ["Average", "FilterForm", "DMFTTheory", "dmft_theory", "derive_dmft",
           "T", "T_PRIME", "TAU", "LAM"]

#: Times, lag and growth rate.
T = sp.Symbol("t", real=True)
T_PRIME = sp.Symbol("t'", real=True)
TAU = sp.Symbol("tau", real=True)
LAM = sp.Symbol("lam", real=True)


class Average(sp.Function):
    r"""``Average(f)``: :math:`\langle f\rangle` over the single-site process.

    Factors that do not depend on the process (no applied ``x(t)``) are pulled out; the
    average of a constant is the constant.
    """

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if not arg.atoms(AppliedUndef):
            return arg
        if isinstance(arg, sp.Mul):
            const = [f for f in arg.args if not f.atoms(AppliedUndef)]
            if const:
                rest = [f for f in arg.args if f.atoms(AppliedUndef)]
                return sp.Mul(*const) * cls(sp.Mul(*rest))
        return None

    def _sympystr(self, printer):
        return f"<{printer._print(self.args[0])}>"

    def _latex(self, printer, exp=None):
        tex = r"\left\langle %s \right\rangle" % printer._print(self.args[0])
        return tex if exp is None else f"{tex}^{{{exp}}}"


@dataclass(frozen=True)
class FilterForm:
    r"""How one state variable responds to its fields.

    Attributes
    ----------
    state : Symbol
    gaussian : bool
        A linear filter of its fields at every parameter value (so a Gaussian process).
    rate, gains, drive : Expr, dict of int to Expr, Expr
        :math:`a_k`, :math:`b_{k,f}` (by field index) and :math:`c_k` of the linear-filter
        form; for a non-Gaussian variable these hold under ``condition`` (``None`` when no
        condition was found).
    condition : tuple of Symbol
        Parameters whose vanishing makes the variable a linear filter (empty when it is one).
    state_rate, state_gains : Expr, dict of int to Expr
        :math:`-\partial F_k/\partial x_k` and :math:`\partial F_k/\partial\eta_f` at any state.
    remainder : Expr
        :math:`F_k + a_k x_k - \sum_f b_{k,f}\eta_f` at any state (0 or a constant for a
        linear filter).
    """

    state: sp.Symbol
    gaussian: bool
    rate: sp.Expr | None
    gains: dict | None
    drive: sp.Expr | None
    condition: tuple
    state_rate: sp.Expr
    state_gains: dict
    remainder: sp.Expr

    @property
    def conditionally_gaussian(self) -> bool:
        return self.gaussian or self.rate is not None


@dataclass(frozen=True)
class DMFTTheory:
    """Symbolic single-site theory of a model (inputs set to zero).

    Attributes
    ----------
    states, fields : tuple of Symbol
    velocity : tuple of Expr
        :math:`F_k` with inputs set to zero.
    presynaptic : tuple of Expr
    filters : tuple of FilterForm
        One per state variable.
    sources : tuple of frozenset of str
        Coupling matrices that drive each state variable (directly or through others);
        variables with disjoint sources are independent processes.
    factors : tuple of (Expr, tuple of (tuple of int, Expr))
        Per field: the constant factor of :math:`g_f` and its factors over blocks of
        mutually dependent state variables (independent across blocks).
    """

    model: Model
    states: tuple
    fields: tuple
    velocity: tuple
    presynaptic: tuple
    filters: tuple
    sources: tuple
    factors: tuple

    def gaussian(self) -> tuple[str, ...]:
        """Names of the state variables that are Gaussian at every parameter value."""
        return tuple(str(f.state) for f in self.filters if f.gaussian)

    def condition(self, state: str) -> tuple[str, ...]:
        """Parameters whose vanishing makes ``state`` Gaussian (empty if it always is)."""
        for f in self.filters:
            if str(f.state) == state:
                return tuple(str(p) for p in f.condition)
        raise KeyError(state)


# ----------------------------------------------------------------- analysis
def _dynamic(u):
    return set(u.states) | set(u.fields)


def _linear_filter(F, x, u):
    """``(a, {f: b}, c)`` when ``F = -a x + sum_f b_f eta_f + c`` with constants, else None."""
    dyn = _dynamic(u)
    a = sp.simplify(-sp.diff(F, x))
    if a.free_symbols & dyn or a.has(sp.zoo, sp.nan, sp.oo):
        return None
    gains = {}
    for f, eta in enumerate(u.fields):
        b = sp.simplify(sp.diff(F, eta))
        if b.free_symbols & dyn or b.has(sp.zoo, sp.nan, sp.oo):
            return None
        if b != 0:
            gains[f] = b
    c = sp.simplify(sp.expand(F + a * x - sum(b * u.fields[f] for f, b in gains.items())))
    if c.free_symbols & dyn:
        return None
    return a, gains, c


def _zero_parameters(model, symbols):
    """Parameters among ``symbols`` whose domain contains 0, in the model's order."""
    S = model.symbols
    return [S[p.name] for p in model.parameters
            if S[p.name] in symbols and 0.0 in p.domain]


def _vanishing(model, exprs, test, fixed=()):
    """Smallest set (one, else two) of parameters whose vanishing makes ``test`` true."""
    used = set().union(*(sp.sympify(e).free_symbols for e in exprs)) - set(fixed)
    candidates = _zero_parameters(model, used)
    for size in (1, 2):
        for ps in combinations(candidates, size):
            if test(dict.fromkeys(ps, sp.Integer(0))):
                return ps
    return None


def _substitute(expr, zero):
    out = sp.sympify(expr).xreplace(zero).doit()
    return None if out.has(sp.zoo, sp.nan, sp.oo) else out


def _filter_form(model, u, k, F):
    x = u.states[k]
    state_rate = sp.simplify(-sp.diff(F, x))
    state_gains = {f: sp.simplify(sp.diff(F, eta)) for f, eta in enumerate(u.fields)}
    state_gains = {f: b for f, b in state_gains.items() if b != 0}
    remainder = sp.simplify(sp.expand(F + state_rate * x - sum(
        b * u.fields[f] for f, b in state_gains.items())))
    lf = _linear_filter(F, x, u)
    if lf is not None:
        return FilterForm(x, True, *lf, (), state_rate, state_gains, remainder)

    def becomes_filter(zero):
        G = _substitute(F, zero)
        return G is not None and _linear_filter(G, x, u) is not None

    cond = _vanishing(model, [F], becomes_filter)
    if cond is None:
        return FilterForm(x, False, None, None, None, (), state_rate, state_gains, remainder)
    zero = dict.fromkeys(cond, sp.Integer(0))
    a, gains, c = _linear_filter(_substitute(F, zero), x, u)
    return FilterForm(x, False, a, gains, c, cond, state_rate, state_gains, remainder)


def _sources(model, u, velocity):
    """Coupling matrices driving each state variable, through the states it depends on."""
    coupling = {fld.symbol: fld.coupling for fld in model.fields}
    direct = [F.free_symbols for F in velocity]
    out = []
    for k in range(len(u.states)):
        seen, todo = {k}, [k]
        while todo:
            j = todo.pop()
            for l, x in enumerate(u.states):
                if x in direct[j] and l not in seen:
                    seen.add(l)
                    todo.append(l)
        out.append(frozenset(coupling[eta] for j in seen for eta in u.fields
                             if eta in direct[j]))
    return tuple(out)


def _factorise(g, u, sources):
    """``(const, ((block, expr), ...))``: ``g`` over blocks of dependent state variables."""
    parts: list[list] = []  # [set of state indices, expr]
    const = sp.Integer(1)
    for term in sp.Mul.make_args(sp.factor_terms(g)):
        used = {k for k, x in enumerate(u.states) if term.has(x)}
        if not used:
            const *= term
            continue
        parts.append([used, term])
    merged = True
    while merged:  # merge factors sharing a variable or a driving coupling matrix
        merged = False
        for i, j in combinations(range(len(parts)), 2):
            si, sj = parts[i][0], parts[j][0]
            src_i = frozenset().union(*(sources[k] for k in si))
            src_j = frozenset().union(*(sources[k] for k in sj))
            if si & sj or src_i & src_j:
                parts[i] = [si | sj, parts[i][1] * parts[j][1]]
                del parts[j]
                merged = True
                break
    blocks = tuple((tuple(sorted(s)), e) for s, e in sorted(parts, key=lambda p: min(p[0])))
    return const, blocks


@lru_cache(maxsize=32)
def dmft_theory(model: Model) -> DMFTTheory:
    """Derive the single-site structure of ``model``: linear filters, independence, factors."""
    model.require_fields()
    u = unit_dynamics(model)
    zero_inputs = {s: 0 for s in u.inputs}
    velocity = tuple(sp.sympify(F).xreplace(zero_inputs).doit() for F in u.velocity)
    filters = tuple(_filter_form(model, u, k, F) for k, F in enumerate(velocity))
    sources = _sources(model, u, velocity)
    factors = tuple(_factorise(g, u, sources) for g in u.presynaptic)
    return DMFTTheory(model=model, states=u.states, fields=u.fields, velocity=velocity,
                      presynaptic=u.presynaptic, filters=filters, sources=sources,
                      factors=factors)


# ----------------------------------------------------------------- display helpers
def _fn(name):
    return sp.Function(name, real=True)


def _at(expr, u, time):
    """``expr`` with every state and field a function of ``time``."""
    rep = {x: _fn(str(x))(time) for x in (*u.states, *u.fields)}
    return sp.sympify(expr).xreplace(rep)


def _cross(u, f, f2):
    return _fn(f"C_{u.fields[f]}_{u.fields[f2]}")


def _delta(x):
    return _fn(f"delta_{x}")


def _sub(eta):
    return str(eta).removeprefix("eta_")


def _names(symbols):
    return ", ".join(str(s) for s in symbols)


def _cond_text(cond):
    return " = ".join(str(p) for p in cond) + " = 0"


def _pair(expr, u, t1, t2):
    return Average(_at(expr, u, t1) * _at(expr, u, t2))


def _field_correlation(th, u, f, t1, t2):
    const, blocks = th.factors[f]
    out = const ** 2
    for _, e in blocks:
        out *= _pair(e, u, t1, t2)
    return out


def _q_functions(th, u):
    """``{(f, j): Q_{f,j}(tau) expression}`` for fields whose factors are single variables."""
    Q = {}
    for f in range(len(u.fields)):
        const, blocks = th.factors[f]
        if any(len(b) > 1 for b, _ in blocks):
            continue
        for i, ((j,), e) in enumerate(blocks):
            slope = sp.diff(e, u.states[j])
            q = const ** 2 * _pair(slope, u, T, T + TAU)
            for i2, (_, e2) in enumerate(blocks):
                if i2 != i:
                    q *= _pair(e2, u, T, T + TAU)
            Q[(f, j)] = q
    return Q


def _q_symbol(u, f, j):
    return _fn(f"Q_{{{_sub(u.fields[f])},{u.states[j]}}}")(TAU)


def _k(x):
    return _fn(f"k_{x}")(TAU)


def _tangent_rhs(u, th, gains, Q, zero=None):
    """Coefficients ``{j: sum_f b_f^2 Q_{f,j}}`` of the k-equation's right-hand side
    ``sum_j coefficient_j k_j``, or None when a field does not factorise.

    With ``zero`` the explicit Q expressions at those parameter values replace the symbols,
    so that vanishing terms drop out.
    """
    coef: dict[int, sp.Expr] = {}
    for f, b in gains.items():
        blocks = th.factors[f][1]
        if any(len(bl) > 1 for bl, _ in blocks):
            return None
        for (j,), _ in blocks:
            if zero is None:
                q = _q_symbol(u, f, j)
            else:
                q = _substitute(Q[(f, j)], zero)
                if q is None:
                    return None
            coef[j] = coef.get(j, sp.Integer(0)) + b ** 2 * q
    return {j: c for j, c in coef.items() if c != 0}


def _as_sum(u, coef):
    return sp.Add(*(c * _k(u.states[j]) for j, c in coef.items()))


# ----------------------------------------------------------------- derivation
def derive_dmft(model: str | Model) -> Derivation:
    """The single-site process, its Gaussian variables, the stationary correlation
    equations and the variational (Lyapunov) equations of ``model``."""
    model = get_model(model)  # a shipped name, a model file or a Model
    th = dmft_theory(model)
    u = unit_dynamics(model)
    x_t = {x: _fn(str(x))(T) for x in u.states}
    coupling = [fld.coupling for fld in model.fields]

    # 1. single-site process
    process = []
    for x, F in zip(u.states, th.velocity):
        process.append(Equation(sp.Derivative(x_t[x], T), _at(F, u, T),
                                "single-site process"))
    gp = _fn("GaussianProcess")
    for f, eta in enumerate(u.fields):
        C = _fn(f"C_{eta}")
        process.append(Equation(_fn(str(eta))(T), gp(0, C(T, T_PRIME)),
                                f"centred Gaussian; independent of fields of other coupling "
                                f"matrices (this one: {coupling[f]})"))
        process.append(Equation(C(T, T_PRIME), _pair(th.presynaptic[f], u, T, T_PRIME),
                                "self-consistent correlation"))
    for f, f2 in combinations(range(len(u.fields)), 2):
        if coupling[f] == coupling[f2]:
            cross = Average(_at(th.presynaptic[f], u, T) * _at(th.presynaptic[f2], u, T_PRIME))
            process.append(Equation(_cross(u, f, f2)(T, T_PRIME), cross,
                                    f"<{u.fields[f]}(t) {u.fields[f2]}(t')>: same coupling "
                                    f"matrix {coupling[f]}, correlated fields"))

    # 2. Gaussian variables
    gauss = []
    for ff in th.filters:
        x = ff.state
        if ff.gaussian:
            form = -ff.rate * x_t[x] + sum(b * _fn(str(u.fields[f]))(T)
                                           for f, b in ff.gains.items()) + ff.drive
            drivers = _names(u.fields[f] for f in ff.gains) or "no field"
            gauss.append(Equation(sp.Derivative(x_t[x], T), form,
                                  f"linear filter of {drivers}: {x} is Gaussian"))
            gauss += _rate_gain_rows(u, ff, ff.rate, ff.gains, "constant")
            continue
        gauss += _rate_gain_rows(u, ff, ff.state_rate, ff.state_gains, None)
        if ff.remainder != 0:
            gauss.append(Equation(sp.Symbol(f"r_{x}"), ff.remainder,
                                  f"F_{x} + a_{x} {x} - b_{x} eta: "
                                  + _dependence(u, ff.remainder, x, "not a linear filter")))
        if ff.rate is None:
            gauss.append(Equation(sp.Symbol(f"Gaussian_{x}"), sp.false,
                                  "no parameter set to 0 makes it a linear filter"))
            continue
        for p in ff.condition:
            gauss.append(Equation(p, sp.Integer(0),
                                  f"condition: {x} is a linear filter (Gaussian) when "
                                  f"{_cond_text(ff.condition)}"))
        form = -ff.rate * x_t[x] + sum(b * _fn(str(u.fields[f]))(T)
                                       for f, b in ff.gains.items()) + ff.drive
        gauss.append(Equation(sp.Derivative(x_t[x], T), form,
                              f"at {_cond_text(ff.condition)}"))
        gauss += _rate_gain_rows(u, ff, ff.rate, ff.gains, f"at {_cond_text(ff.condition)}")

    # 3. stationary equations in the lag
    stationary = []
    for ff in th.filters:
        x = ff.state
        C = _fn(f"C_{x}")(TAU)
        if not ff.gaussian:
            stationary.append(Equation(C, Average(_fn(str(x))(T) * _fn(str(x))(T + TAU)),
                                       f"{x} not Gaussian: average over the single-site "
                                       f"process (sampled)"))
        if not ff.conditionally_gaussian:
            continue
        rhs = sum(b ** 2 * _fn(f"C_{u.fields[f]}")(TAU) for f, b in ff.gains.items())
        for (f, b), (f2, b2) in combinations(ff.gains.items(), 2):
            if coupling[f] == coupling[f2]:  # correlated fields: cross-correlations
                rhs += b * b2 * (_cross(u, f, f2)(TAU) + _cross(u, f2, f)(TAU))
        rhs += ff.drive ** 2
        note = f"C_{x}(tau) = <{x}(t) {x}(t+tau)>, {x} Gaussian"
        if not ff.gaussian:
            note += f" at {_cond_text(ff.condition)}"
        stationary.append(Equation(ff.rate ** 2 * C - sp.Derivative(C, (TAU, 2)), rhs, note))
    for f, eta in enumerate(u.fields):
        const, blocks = th.factors[f]
        gaussian = [str(u.states[b[0]]) for b, _ in blocks
                    if len(b) == 1 and th.filters[b[0]].gaussian]
        groups = "; ".join(_names(u.states[k] for k in b) for b, _ in blocks)
        note = (f"factorises over independent {groups}" if len(blocks) > 1
                else f"one factor ({groups or 'constant'})")
        if gaussian:
            note += (f"; Gaussian pair averages for {', '.join(gaussian)} "
                     f"(variance C(0), covariance C(tau))")
        stationary.append(Equation(_fn(f"C_{eta}")(TAU),
                                   _field_correlation(th, u, f, T, T + TAU), note))

    # 4. variational equations
    tangent = []
    for f, eta in enumerate(u.fields):
        g = th.presynaptic[f]
        dg = sum(sp.diff(g, x) * _delta(x)(T) for x in u.states)
        dg2 = sum(sp.diff(g, x) * _delta(x)(T_PRIME) for x in u.states)
        lhs = Average(_delta(eta)(T) * _delta(eta)(T_PRIME))
        tangent.append(Equation(lhs, Average(_at(dg, u, T) * _at(dg2, u, T_PRIME)),
                                f"tangent field: Gaussian, independent across coupling "
                                f"matrices (this one: {coupling[f]})"))
    for x in u.states:
        tangent.append(Equation(_fn(f"K_{x}")(T, T_PRIME),
                                sp.exp(LAM * (T + T_PRIME)) * _fn(f"k_{x}")(T - T_PRIME),
                                f"K_{x} = <delta_{x}(t) delta_{x}(t')>; lam: growth rate, "
                                f"the largest is lambda_max"))
    Q = _q_functions(th, u)
    for f, eta in enumerate(u.fields):
        blocks = th.factors[f][1]
        if any(len(b) > 1 for b, _ in blocks):
            continue
        rhs = sum(_q_symbol(u, f, j).subs(TAU, T - T_PRIME) * _fn(f"K_{u.states[j]}")(
            T, T_PRIME) for (j,), _ in blocks)
        tangent.append(Equation(Average(_delta(eta)(T) * _delta(eta)(T_PRIME)), rhs,
                                "cross terms vanish: tangent variables of different coupling "
                                "matrices are uncorrelated"))
    for (f, j), q in Q.items():
        tangent.append(Equation(_q_symbol(u, f, j), q,
                                f"slope of the {u.states[j]} factor of g_{_sub(u.fields[f])}"))
    for k, ff in enumerate(th.filters):
        x = ff.state
        coef = _tangent_rhs(u, th, ff.gains, Q) if ff.conditionally_gaussian else None
        if not ff.gaussian or coef is None:
            F = th.velocity[k]
            rhs = (sum(sp.diff(F, xl) * _delta(xl)(T) for xl in u.states)
                   + sum(sp.diff(F, e) * _delta(e)(T) for e in u.fields))
            why = (f"{x} not Gaussian" if not ff.gaussian else
                   "a field of it does not factorise over independent variables")
            tangent.append(Equation(sp.Derivative(_delta(x)(T), T), _at(rhs, u, T),
                                    f"general tangent equation ({why})"))
        if coef is None:
            continue
        rhs = _as_sum(u, coef)
        at = "" if ff.gaussian else f" at {_cond_text(ff.condition)}"
        kk = _k(x)
        tangent.append(Equation((ff.rate + LAM) ** 2 * kk - sp.Derivative(kk, (TAU, 2)), rhs,
                                f"{x} Gaussian{at}"))
        tangent += _schrodinger(model, u, th, k, Q)

    return Derivation(model.name, "Dynamical mean-field theory and Lyapunov exponent", (
        ("Single-site process (inputs I = 0)", tuple(process)),
        ("Gaussian state variables: linear filters dx/dt = -a x + b eta", tuple(gauss)),
        ("Stationary correlations in the lag tau", tuple(stationary)),
        ("Tangent (variational) equations: growth rate lam = lambda_max", tuple(tangent)),
    ))


def _dependence(u, expr, x, otherwise):
    dep = sorted(str(s) for s in sp.sympify(expr).free_symbols & _dynamic(u))
    return f"depends on {', '.join(dep)}: {x} is not Gaussian" if dep else otherwise


def _rate_gain_rows(u, ff, rate, gains, note):
    """``a_k = ...``, ``b_k = ...``; ``note=None``: say which depend on the state."""
    x = ff.state
    rows = [Equation(sp.Symbol(f"a_{x}"), rate,
                     note or _dependence(u, rate, x, "constant"))]
    for f, b in gains.items():
        name = f"b_{x}" if len(gains) == 1 else f"b_{{{x},{_sub(u.fields[f])}}}"
        rows.append(Equation(sp.Symbol(name), b, note or _dependence(u, b, x, "constant")))
    return rows


def _schrodinger(model, u, th, k, Q):
    """The k-equation as a Schrödinger problem where only k_k itself remains on the right."""
    ff = th.filters[k]
    x = ff.state
    kk = _k(x)

    def closed(zero):
        if ff.gaussian:
            a, gains = ff.rate, ff.gains
        else:
            a, gains = _substitute(ff.rate, zero), {f: _substitute(b, zero)
                                                   for f, b in ff.gains.items()}
            if a is None or any(b is None for b in gains.values()):
                return None
        coef = _tangent_rhs(u, th, gains, Q, zero)
        if coef is None or set(coef) != {k}:
            return None
        return a, coef[k]

    base = {p: sp.Integer(0) for p in ff.condition}
    result = closed(base)
    extra = ()
    if result is None:
        used = set().union(*(q.free_symbols for q in Q.values()))
        extra = _vanishing(model, [sp.Add(*used)] if used else [],
                           lambda zero: closed({**base, **zero}) is not None,
                           fixed=ff.condition)
        if extra is None:
            return []
        result = closed({**base, **dict.fromkeys(extra, sp.Integer(0))})
    a, bq = result  # bq = b^2 Q(tau)
    cond = (*ff.condition, *extra)
    at = f" at {_cond_text(cond)}" if cond else ""
    E, E0 = sp.Symbol(f"E_{x}"), sp.Symbol(f"E0_{x}")
    V = _fn(f"V_{x}")(TAU)
    return [
        Equation(-sp.Derivative(kk, (TAU, 2)) + V * kk, E * kk,
                 f"only k_{x} remains{at}: a Schrodinger problem"),
        Equation(V, sp.factor_terms(a ** 2 - bq), f"potential{at}"),
        Equation(E, a ** 2 - (a + LAM) ** 2, "energy of the growth rate lam"),
        Equation(sp.Symbol("lambda_max"), -a + sp.sqrt(a ** 2 - E0),
                 f"E0_{x}: ground-state energy{at}"),
    ]
