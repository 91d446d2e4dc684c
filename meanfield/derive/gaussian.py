r"""Gaussian expectations as SymPy nodes, factorised over independent variables.

At a fixed point the recurrent fields :math:`\eta_f` of independent coupling
matrices are independent centred Gaussians (spec section 2). An average of a
product of functions of different fields is the product of one-dimensional
averages; :func:`expectation` performs that factorisation symbolically and
leaves :class:`GaussianExpectation` nodes for what remains, evaluating in
closed form what is polynomial in the variable. The code printer turns each node
into Gauss–Hermite quadrature.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["GaussianExpectation", "expectation", "split_abs"]


class GaussianExpectation(sp.Function):
    r"""``GaussianExpectation(f, (x1..xk), (v1..vk))``: :math:`\langle f \rangle` over
    independent :math:`x_i \sim \mathcal N(0, v_i)`."""

    nargs = 3

    @property
    def integrand(self):
        return self.args[0]

    @property
    def variables(self):
        return tuple(self.args[1])

    @property
    def variances(self):
        return tuple(self.args[2])

    @property
    def free_symbols(self):
        inner = self.integrand.free_symbols - set(self.variables)
        return inner | set().union(*(v.free_symbols for v in self.variances))

    def _sympystr(self, printer):
        dist = ", ".join(f"{printer._print(x)}~N(0,{printer._print(v)})"
                         for x, v in zip(self.variables, self.variances))
        return f"<{printer._print(self.integrand)}>[{dist}]"

    def _latex(self, printer, exp=None):
        sub = ", ".join(printer._print(x) for x in self.variables)
        tex = r"\left\langle %s \right\rangle_{%s}" % (printer._print(self.integrand), sub)
        return tex if exp is None else f"{tex}^{{{exp}}}"


def expectation(expr: sp.Expr, variances: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """The average of ``expr`` over independent ``x ~ N(0, variances[x])``, factorised.

    Sums are averaged term by term, products split into averages over disjoint
    groups of variables, constants pulled out, polynomials integrated exactly.
    """
    expr = sp.expand_power_base(split_abs(sp.sympify(expr)), force=True)
    rv = set(variances)
    if not (expr.free_symbols & rv):
        return expr
    if isinstance(expr, sp.Add):
        return sp.Add(*(expectation(t, variances) for t in expr.args))
    factors = list(expr.args) if isinstance(expr, sp.Mul) else [expr]
    const, groups = [], []  # groups: [set of variables, [factors]]
    for f in factors:
        vs = f.free_symbols & rv
        if not vs:
            const.append(f)
            continue
        merged = [g for g in groups if g[0] & vs]
        new = [set(vs), [f]]
        for g in merged:
            new[0] |= g[0]
            new[1] += g[1]
            groups.remove(g)
        groups.append(new)
    out = sp.Mul(*const)
    for vs, fs in groups:
        out *= _single(sp.Mul(*fs), sorted(vs, key=str), variances)
    return out


def split_abs(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``|a b|`` as ``|a| |b|`` and ``|a^n|`` as ``|a|^n`` (integer n), recursively."""
    def rule(e):
        arg = e.args[0]
        if isinstance(arg, sp.Mul):
            return sp.Mul(*(split_abs(sp.Abs(f)) for f in arg.args))
        if isinstance(arg, sp.Pow) and arg.exp.is_integer:
            return split_abs(sp.Abs(arg.base)) ** arg.exp
        return e
    return expr.replace(lambda e: isinstance(e, sp.Abs), rule)


def _linear_combination(integrand, vs):
    """A sum ``L = sum_i c_i x_i`` of all of ``vs`` through which alone ``integrand``
    depends on them (coefficients free of ``vs``), and the integrand with ``L`` replaced
    by a new symbol; None if there is no such sum."""
    y = sp.Symbol("_".join(["lin"] + [str(v) for v in vs]), real=True)
    seen = set()
    for sub in sp.preorder_traversal(integrand):
        if not isinstance(sub, sp.Add) or sub in seen or not set(vs) <= sub.free_symbols:
            continue
        seen.add(sub)
        try:
            poly = sp.Poly(sub, *vs)
        except sp.PolynomialError:
            continue
        if poly.total_degree() != 1 or poly.coeff_monomial(1) != 0:
            continue
        coeffs = [poly.coeff_monomial(v) for v in vs]
        if any(c == 0 or c.free_symbols & set(vs) for c in coeffs):
            continue
        # replace x_1 = (y - sum_{i>1} c_i x_i) / c_1: the result must be free of every x_i
        x1 = vs[0]
        e = sp.simplify(integrand.subs(x1, (y - sum(c * v for c, v in zip(coeffs[1:], vs[1:])))
                                       / coeffs[0]))
        if not e.free_symbols & set(vs):
            return y, coeffs, e
    return None


def _single(integrand, vs, variances):
    if len(vs) > 1:
        # a function of one linear combination of independent centred Gaussians is a
        # function of one Gaussian, of variance sum_i c_i^2 v_i: a one-dimensional
        # average in place of a len(vs)-dimensional one (h = eta_1 + k eta_2 when two
        # coupling matrices drive one variable: the branches in 4.5 s from the command line
        # in place of 243 s)
        found = _linear_combination(integrand, vs)
        if found is not None:
            y, coeffs, e = found
            var = sp.Add(*(c ** 2 * variances[v] for c, v in zip(coeffs, vs)))
            return _single(e, [y], {y: var})
    if len(vs) == 1:
        x = vs[0]
        poly = sp.Poly(integrand, x) if integrand.is_polynomial(x) else None
        if poly is not None:  # E[x^n] = v^(n/2) (n-1)!! for even n, 0 for odd n
            v = variances[x]
            total = sp.Integer(0)
            for (n,), c in poly.terms():
                if n % 2 == 0:
                    total += c * v ** (n // 2) * sp.factorial2(n - 1)
            return total
    return GaussianExpectation(integrand, sp.Tuple(*vs), sp.Tuple(*(variances[x] for x in vs)))
