"""Turn SymPy expressions into the source of a numpy function.

Expressions reach the source only through :func:`~meanfield.codegen.printer.print_expr`;
this module writes the scaffolding (signature, docstring, assignments, the
matrix products of recurrent fields and the return). Common subexpressions are
eliminated across all outputs of one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..derive.gaussian import GaussianExpectation
from ..derive.implicit import UnitRoot
from .printer import print_expr

__all__ = ["FieldProduct", "emit_function", "root_helpers", "QUADRATURE_ARGS"]

#: Arguments every function with Gaussian averages takes: probabilists' Gauss–Hermite
#: nodes and weights normalised to sum 1 (see :mod:`meanfield.codegen.quadrature`).
QUADRATURE_ARGS = ("gh_nodes", "gh_weights")


@dataclass(frozen=True)
class FieldProduct:
    """Fields computed by one matrix product: ``targets = split(matrix @ presynaptic)``.

    ``matrix`` is the name of the argument holding the (vertically stacked)
    coupling matrices, ``targets`` the field symbols it yields in order.
    """

    matrix: str
    presynaptic: sp.Expr
    targets: tuple = field(default_factory=tuple)


def emit_function(name: str, args: Sequence[str], outputs: Sequence[tuple[str, sp.Expr]], *,
                  products: Sequence[FieldProduct] = (), doc: str = "",
                  returns: str = "tuple") -> str:
    """Source of ``def name(*args)`` computing ``outputs``.

    Parameters
    ----------
    name : str
        Function name.
    args : sequence of str
        Argument names (arrays or scalars; everything broadcasts).
    outputs : sequence of (str, Expr)
        Named outputs, returned in order as a tuple.
    products : sequence of FieldProduct
        Matrix products computing field symbols used by the outputs. Subexpressions
        that do not depend on a field are evaluated before the products.
    doc : str
        Docstring body.
    """
    pre_exprs = [p.presynaptic for p in products]
    exprs = pre_exprs + [e for _, e in outputs]
    quad_lines, exprs = _expectations(exprs)
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"), order="canonical")
    pre_reduced, out_reduced = reduced[: len(pre_exprs)], reduced[len(pre_exprs):]

    field_syms = {t for p in products for t in p.targets}
    late = set(field_syms)
    before, after = [], []
    for sym, e in replacements:
        if e.free_symbols & late:
            late.add(sym)
            after.append((sym, e))
        else:
            before.append((sym, e))

    lines = [f"def {name}({', '.join(args)}):"]
    if doc:
        lines.append('    """' + doc.strip().replace("\n", "\n    ") + '\n    """')
    lines += quad_lines
    for sym, e in before:
        lines.append(f"    {sym} = {print_expr(e)}")
    for i, (p, pe) in enumerate(zip(products, pre_reduced)):
        if pe.free_symbols & late:
            raise ValueError("a presynaptic expression depends on a field")
        pre = f"_pre{i}"
        lines.append(f"    {pre} = {print_expr(pe)}")
        targets = [str(t) for t in p.targets]
        if len(targets) == 1:
            lines.append(f"    {targets[0]} = {p.matrix} @ {pre}")
        else:
            # row blocks of the stacked product, by slicing (views: cheaper than np.split)
            lines.append(f"    _prod{i} = {p.matrix} @ {pre}")
            lines.append(f"    _n{i} = _prod{i}.shape[0] // {len(targets)}")
            for k, t in enumerate(targets):
                lines.append(f"    {t} = _prod{i}[{k}*_n{i}:{k + 1}*_n{i}]")
    for sym, e in after:
        lines.append(f"    {sym} = {print_expr(e)}")
    outs = [print_expr(e) for e in out_reduced]
    if returns == "tuple":
        body = ", ".join(outs) + ("," if len(outs) == 1 else "")
        lines.append(f"    return ({body})")
    else:
        raise ValueError(returns)
    return "\n".join(lines) + "\n"


def _expectations(exprs):
    """Replace each Gaussian average by a symbol computed by quadrature.

    A k-dimensional average evaluates its integrand on a tensor grid of nodes held
    in k trailing axes; every other symbol of the integrand (parameters, lambda,
    variances) gets k trailing axes of length one, so the average broadcasts over
    any grid of arguments. Averages over the same variances share one node grid, and
    common subexpressions of their integrands (the same gate in <s^2> and
    <s^2 (1-s)^2>) are evaluated once on it: the node grid is the largest array the
    generated code computes, so this is where its time goes.
    """
    nodes = sorted({n for e in exprs for n in sp.sympify(e).atoms(GaussianExpectation)},
                   key=sp.default_sort_key)
    groups: dict[tuple, list] = {}
    for node in nodes:
        groups.setdefault(tuple(node.variances), []).append(node)
    lines, subs = [], {}
    for gi, (variances, members) in enumerate(groups.items()):
        k = len(variances)
        tag = f"_G{gi}"
        us = [sp.Symbol(f"{tag}_u{d}", real=True) for d in range(k)]
        for d, (u, v) in enumerate(zip(us, variances)):
            shape = ", ".join(":" if j == d else "None" for j in range(k))
            lines.append(f"    {u} = np.sqrt(np.expand_dims({print_expr(v)}, "
                         f"{tuple(range(-k, 0))})) * {QUADRATURE_ARGS[0]}[{shape}]")
        others = set().union(*(n.integrand.free_symbols - set(n.variables) for n in members))
        repl_others = {}
        for s in sorted(others, key=str):
            b = sp.Symbol(f"{tag}_{s}", **s.assumptions0)
            repl_others[s] = b
            lines.append(f"    {b} = np.expand_dims({s}, {tuple(range(-k, 0))})")
        integrands = [n.integrand.xreplace({**repl_others, **dict(zip(n.variables, us))})
                      for n in members]
        reps, reduced = sp.cse(integrands, symbols=sp.numbered_symbols(f"{tag}_c"),
                               optimizations=None)
        for sym, e in reps:
            lines.append(f"    {sym} = {print_expr(e)}")
        w = " * ".join(f"{QUADRATURE_ARGS[1]}[{', '.join(':' if j == d else 'None' for j in range(k))}]"
                       for d in range(k))
        for node, body_expr in zip(members, reduced):
            name = f"_E{len(subs)}"
            body = print_expr(body_expr)
            if k == 1 and node.variables[0] in node.integrand.free_symbols:
                # the weighted sum over the node axis as a matrix-vector product: no
                # temporary for the product with the weights; BLAS does the reduction
                lines.append(f"    {name} = ({body}) @ {QUADRATURE_ARGS[1]}")
            else:
                lines.append(f"    {name} = np.sum(({body}) * ({w}), "
                             f"axis={tuple(range(-k, 0))})")
            subs[node] = sp.Symbol(name, real=True)
    return lines, [sp.sympify(e).xreplace(subs) for e in exprs]


def root_helpers(exprs) -> str:
    """Source of the helpers behind the :class:`UnitRoot` nodes in ``exprs`` ('' if none).

    For each node class: ``_R_<x>`` and ``_dR_<x>`` (its equation and the equation's
    derivative in x, printed like any expression) and ``_root_<x>``, which solves the
    equation with :func:`meanfield.solve.unit_root.unit_root` on broadcast arrays. The
    helpers come first in a module; the import is added only where a node occurs.
    """
    classes = {}
    for e in exprs:
        for node in sp.sympify(e).atoms(UnitRoot):
            classes.setdefault(node.helper_name(), node)
    if not classes:
        return ""
    parts = ["from meanfield.solve.unit_root import unit_root\n"]
    for name, node in sorted(classes.items()):
        x, R = node.variable, node.equation
        args = [str(a) for a in node.args]
        sig = [str(x)] + args
        dR = sp.diff(R, x)
        slope_args = tuple(i for i, a in enumerate(node.args) if a in dR.free_symbols)
        parts.append(emit_function(f"_R_{x}", sig, [("R", R)],
                                   doc=f"Left-hand side of {x}*'s equation R = 0."))
        parts.append(emit_function(f"_dR_{x}", sig, [("dR", dR)],
                                   doc=f"Its derivative in {x}."))
        parts.append(
            f"def {name}({', '.join(args)}):\n"
            f'    """{x}*: the root of {sp.sstr(R)} = 0 in {x} (no closed form)."""\n'
            f"    return unit_root(lambda *a: _R_{x}(*a)[0], lambda *a: _dR_{x}(*a)[0], "
            f"({', '.join(args)}{',' if len(args) == 1 else ''}), {str(x)!r}, "
            f"{sp.sstr(R)!r}, {tuple(args)!r}, {slope_args!r})\n")
    return "\n\n".join(parts) + "\n\n"
