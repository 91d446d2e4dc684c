"""The symbolic model: an immutable, hashable description of one unit of a network.

A model of the family is written for one unit ``i``. Each state variable
``x`` obeys ``tau_x dx/dt = F_x(x_i, eta_i, I_i)`` where the fields ``eta_f``
are the recurrent inputs ``sum_j J^f_ij g_f(x_j)`` of independent coupling
matrices ``J^f`` with i.i.d. N(0, 1/N) entries. The model keeps the unit-level
expressions with the fields as plain symbols; code generation vectorises them
over units and applies the couplings as matrix products. Nothing downstream
re-reads text (style habit 1).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from .._errors import ModelSyntaxError, ParameterDomainError, ParameterError
from .functions import Recurrent, rewrite_sigmoids
from .parameter import Parameter

__all__ = ["Model", "StateVariable", "Field", "symbol"]


def symbol(name: str) -> sp.Symbol:
    """The SymPy symbol the package uses for ``name`` (every model symbol is real)."""
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class StateVariable:
    """One state variable of a unit: ``time_constant * d(symbol)/dt = rhs``.

    ``rhs`` is written at the level of one unit with the fields as symbols and the
    model's functions unexpanded (``phi(h)``); ``time_constant`` depends on
    parameters only.
    """

    name: str
    time_constant: sp.Expr
    rhs: sp.Expr

    @property
    def symbol(self) -> sp.Symbol:
        return symbol(self.name)


@dataclass(frozen=True)
class Field:
    r"""A recurrent field :math:`\eta_i = \sum_j J_{ij} g(x_j)` of one coupling matrix.

    ``presynaptic`` is ``g`` written in the presynaptic unit's variables.
    """

    name: str
    coupling: str
    presynaptic: sp.Expr

    @property
    def symbol(self) -> sp.Symbol:
        return symbol(self.name)


class Model:
    """An immutable symbolic model of a random recurrent network.

    Build one with :func:`meanfield.parse_model` (text) or :meth:`Model.build`
    (SymPy expressions); get a shipped one with :func:`meanfield.get_model`.

    Attributes
    ----------
    name, description : str
    parameters : tuple of Parameter
    functions : dict of str to sympy.Lambda
        Named functions of the model (``phi``, ``s_z`` ...), bodies fully expanded.
    couplings : tuple of str
        Names of the coupling matrices, each i.i.d. N(0, 1/N) and independent.
    inputs : tuple of str
        Names of external inputs (``I_h`` ...); zero unless given.
    variables : tuple of StateVariable
    fields : tuple of Field
    """

    __slots__ = ("name", "description", "parameters", "functions", "couplings", "inputs",
                 "variables", "fields", "__dict__")

    def __init__(self, *, name, description, parameters, functions, couplings, inputs,
                 variables, fields):
        self.name = name
        self.description = description
        self.parameters = tuple(parameters)
        self.functions = dict(functions)
        self.couplings = tuple(couplings)
        self.inputs = tuple(inputs)
        self.variables = tuple(variables)
        self.fields = tuple(fields)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, *, name: str, parameters, equations, functions=None, couplings=None,
              inputs=(), description: str = "", source: str | None = None) -> Model:
        r"""Build a model from SymPy expressions.

        Parameters
        ----------
        name : str
        parameters : sequence of Parameter
        equations : sequence of (str, Expr, Expr)
            ``(variable, time_constant, rhs)``: ``time_constant * d variable/dt = rhs``.
            Recurrent inputs are written ``Recurrent(Symbol('Jh'), g)`` for
            :math:`\sum_j J^h_{ij} g(x_j)`.
        functions : mapping of str to sympy.Lambda, optional
            Named functions, applied in ``rhs`` as ``sympy.Function(name)(...)``.
        couplings : sequence of str, optional
            Names of the coupling matrices; by default those used in ``equations``.
        inputs : sequence of str
            Names of external inputs.
        """
        src = source or name
        if not (isinstance(name, str) and IDENTIFIER.match(name.replace("-", "_"))):
            raise ModelSyntaxError(f"model name {name!r} must be an identifier (a letter, "
                                   "then letters, digits, _ or -)", source=src)
        functions = dict(functions or {})
        params = tuple(parameters)
        pnames = [p.name for p in params]
        _no_duplicates(pnames, "parameter", src)
        var_names = [e[0] for e in equations]
        _no_duplicates(var_names, "state variable", src)
        inputs = tuple(inputs)
        all_names = pnames + var_names + list(inputs) + list(functions)
        _no_duplicates(all_names, "name", src)
        for kind, names in (("parameter", pnames), ("state variable", var_names),
                            ("input", inputs), ("function", list(functions))):
            for n in names:
                if not (isinstance(n, str) and IDENTIFIER.match(n)):
                    raise ModelSyntaxError(f"{kind} name {n!r} is not an identifier (a "
                                           "letter, then letters, digits or _)", source=src)
                if n in _RESERVED:
                    raise ModelSyntaxError(f"{kind} name {n!r} is reserved: {_RESERVED[n]}; "
                                           f"choose another (e.g. {n}0)", source=src)
        table = {n: symbol(n) for n in pnames + var_names + list(inputs)}

        fields: dict[tuple, Field] = {}
        used_couplings: list[str] = []
        variables = []
        for vname, tau, rhs in equations:
            tau = _normalise(sp.sympify(tau), table)
            rhs = _normalise(sp.sympify(rhs), table)
            bad = tau.free_symbols - {table[n] for n in pnames}
            if bad:
                raise ModelSyntaxError(
                    f"time constant of d{vname}/dt may depend on parameters only, "
                    f"not on {sorted(map(str, bad))}", source=src)

            def to_field(node):
                J, g = node.args
                J = str(J)
                if couplings is not None and J not in couplings:
                    raise ModelSyntaxError(f"coupling {J!r} is not declared", source=src)
                if g.has(Recurrent):
                    raise ModelSyntaxError(f"nested recurrent input inside {J} @ (...)",
                                           source=src)
                allowed = {table[n] for n in pnames + var_names}
                extra = g.free_symbols - allowed
                if extra:
                    raise ModelSyntaxError(
                        f"the presynaptic expression of {J} @ (...) may use state variables "
                        f"and parameters only, not {sorted(map(str, extra))}", source=src)
                key = (J, sp.srepr(g))
                if key not in fields:
                    base = J[1:] if J.startswith("J") and len(J) > 1 else J
                    fname = f"eta_{base.lstrip('_')}"
                    taken = {f.name for f in fields.values()} | set(table)
                    k = 2
                    candidate = fname
                    while candidate in taken:
                        candidate = f"{fname}_{k}"
                        k += 1
                    fields[key] = Field(candidate, J, g)
                    if J not in used_couplings:
                        used_couplings.append(J)
                return fields[key].symbol

            rhs = rhs.replace(lambda e: isinstance(e, Recurrent), to_field)
            variables.append(StateVariable(vname, tau, rhs))

        # names the derivations give to each field's variance and to per-state quantities:
        # a model symbol of the same name would be the same SymPy symbol (silently wrong
        # algebra) or a duplicate argument of a generated function
        derived = {}
        for f in fields.values():
            suffix = f.name.removeprefix("eta_")
            derived[f"q_{suffix}"] = f"the variance of the field {f.name}"
            derived[f"xi_{f.name}"] = f"the tangent field of {f.name}"
        for v in variables:
            for pre, what in (("u_", "a tangent variable"), ("v_", "a Kac-Rice variable"),
                              ("mu_", "a Kac-Rice variable")):
                derived[f"{pre}{v.name}"] = f"{what} of {v.name}"
        for n in used_couplings:
            if not IDENTIFIER.match(n) or n in _RESERVED or n in all_names:
                raise ModelSyntaxError(f"coupling name {n!r} is not an identifier, is "
                                       "reserved or names something else too; choose "
                                       "another", source=src)
        for n in all_names:
            if n in derived:
                raise ModelSyntaxError(f"name {n!r} is reserved in this model: "
                                       f"{derived[n]}; choose another (e.g. {n}0)",
                                       source=src)
        parts = [(f"the right-hand side of d{v.name}/dt", v.rhs) for v in variables]
        parts += [(f"the time constant of d{v.name}/dt", v.time_constant) for v in variables]
        parts += [(f"the presynaptic expression of {f.coupling} @ (...)", f.presynaptic)
                  for f in fields.values()]
        parts += [(f"the function {k}", sp.sympify(v)) for k, v in functions.items()]
        for what, e in parts:
            if e.has(sp.I) or any(not a.is_extended_real for a in e.atoms(sp.Number)):
                raise ModelSyntaxError(f"{what} has an imaginary part; a model is real",
                                       source=src)
        declared = tuple(couplings) if couplings is not None else tuple(used_couplings)
        unused = [c for c in declared if c not in used_couplings]
        if unused:
            raise ModelSyntaxError(f"coupling(s) {unused} declared but not used in any "
                                   "equation", source=src)
        field_syms = {f.symbol for f in fields.values()}
        known = set(table.values()) | field_syms
        for v in variables:
            extra = v.rhs.free_symbols - known
            if extra:
                raise ModelSyntaxError(f"unknown symbol(s) {sorted(map(str, extra))} in "
                                       f"d{v.name}/dt", source=src)
            undefined = {f.func.__name__ for f in v.rhs.atoms(sp.core.function.AppliedUndef)}
            undefined -= set(functions)
            if undefined:
                raise ModelSyntaxError(f"unknown function(s) {sorted(undefined)} in "
                                       f"d{v.name}/dt", source=src)
        return cls(name=name, description=description, parameters=params,
                   functions={k: _normalise_lambda(v, table) for k, v in functions.items()},
                   couplings=declared, inputs=inputs, variables=tuple(variables),
                   fields=tuple(fields.values()))

    # ------------------------------------------------------------ symbols
    @cached_property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Symbol table: every parameter, state variable, input and field by name."""
        names = ([p.name for p in self.parameters] + [v.name for v in self.variables]
                 + list(self.inputs) + [f.name for f in self.fields])
        return {n: symbol(n) for n in names}

    def require_fields(self) -> None:
        """Refuse a model without a recurrent input: it has no mean-field theory.

        Such a model is still a valid model and simulates (independent units: the
        integrators' solvable test systems); only the theory refuses it.
        """
        if not self.fields:
            raise ModelSyntaxError(f"model {self.name!r} has no recurrent input (J @ g(x)) "
                                   "in any equation: its units are independent and there is "
                                   "no mean-field theory to derive; write at least one "
                                   "J @ (...)")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; :class:`ParameterError` if there is none."""
        for p in self.parameters:
            if p.name == name:
                return p
        hint = (f" ({name} is an input of the model: give it to the simulator, "
                "validation.Network(..., inputs={" + repr(name) + ": value or function of "
                "t}), or write it into the model as a parameter)"
                if name in self.inputs else "")
        raise ParameterError(f"model {self.name!r} has no parameter {name!r}; "
                             f"its parameters are {', '.join(self.parameter_names)}{hint}")

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, params: Mapping[str, float] | None = None, /, **kwargs) -> dict[str, float]:
        """Return all parameter values: defaults updated by ``params`` and ``kwargs``.

        Every name is checked against the model and every value against its
        domain; raises :class:`ParameterError` / :class:`ParameterDomainError`.
        """
        if params is not None and not isinstance(params, Mapping):
            # (a string or a set gave dict()'s ValueError; a probe, 2026-11-28)
            raise ParameterError(f"params={params!r} must be a dict of parameter name to "
                                 "value, e.g. {'g_h': 3.0}")
        given = dict(params or {})
        for k, v in kwargs.items():
            if k in given and given[k] != v:
                raise ParameterError(f"parameter {k} given twice: {given[k]!r} in params and "
                                     f"{v!r} as a keyword; give it once")
            given[k] = v
        values = self.defaults
        for k, v in given.items():
            p = self.parameter(k)
            # a bool or a string is not a value here, though float() takes them (True was
            # 1.0 and ' 2 ' was 2.0; a probe, 2026-11-28)
            if isinstance(v, bool | np.bool_ | str | bytes):
                raise ParameterError(f"parameter {k}={v!r} is not a number")
            try:
                fv = float(v)
            except (TypeError, ValueError):
                raise ParameterError(f"parameter {k}={v!r} is not a number") from None
            except OverflowError:  # an integer beyond double range
                raise ParameterDomainError(f"parameter {k}={v!r} is beyond double "
                                           f"precision; allowed: {p.domain.describe(k)}"
                                           ) from None
            if math.isnan(fv):
                raise ParameterDomainError(f"parameter {k} is NaN; allowed: "
                                           f"{p.domain.describe(k)}")
            values[k] = p.domain.check(k, fv)
        for v, tau in zip(self.variables, self.time_constants(values).values()):
            if not (math.isfinite(tau) and tau > 0):
                raise ParameterDomainError(
                    f"time constant of {v.name} ({v.time_constant} = {tau:g}) must be "
                    "positive and finite")
        return values

    def time_constants(self, values: dict) -> dict[str, float]:
        """Each state variable's time constant at parameter ``values`` (name -> value)."""
        subs = {symbol(k): x for k, x in values.items()}
        return {v.name: float(v.time_constant.subs(subs)) for v in self.variables}

    # ------------------------------------------------------------ expressions
    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Replace the model's named functions in ``expr`` by their definitions."""
        for fname, lam in self.functions.items():
            expr = expr.replace(sp.Function(fname, real=True), lam)
            expr = expr.replace(sp.Function(fname), lam)
        return expr.doit() if expr.has(sp.Derivative, sp.Subs) else expr

    @property
    def unused_parameters(self) -> tuple[str, ...]:
        """Parameters that no equation uses (through its functions and fields included):
        harmless, but often a misspelling in the equations or a forgotten term."""
        used = set()
        for v in self.variables:
            used |= self.expand(v.rhs).free_symbols | v.time_constant.free_symbols
        for f in self.fields:
            used |= self.expand(f.presynaptic).free_symbols
        names = {str(s) for s in used}
        return tuple(p.name for p in self.parameters if p.name not in names)

    def velocity(self, variable: str, *, expand: bool = True) -> sp.Expr:
        """``d variable / dt`` of one unit, fields as symbols."""
        v = self._variable(variable)
        expr = v.rhs / v.time_constant
        return self.expand(expr) if expand else expr

    def _variable(self, name: str) -> StateVariable:
        for v in self.variables:
            if v.name == name:
                return v
        raise ParameterError(f"model {self.name!r} has no state variable {name!r}")

    # ------------------------------------------------------------ identity
    @cached_property
    def canonical(self) -> str:
        """A canonical text of everything that defines the model (used for the hash)."""
        parts = [f"name={self.name}"]
        for p in self.parameters:
            d = p.domain
            parts.append(f"param {p.name} {p.default!r} {d.lower!r} {d.upper!r} "
                         f"{d.lower_closed} {d.upper_closed}")
        for k in sorted(self.functions):
            parts.append(f"function {k} {sp.srepr(self.functions[k])}")
        parts.append(f"couplings {self.couplings}")
        parts.append(f"inputs {self.inputs}")
        for v in self.variables:
            parts.append(f"var {v.name} {sp.srepr(v.time_constant)} {sp.srepr(v.rhs)}")
        for f in self.fields:
            parts.append(f"field {f.name} {f.coupling} {sp.srepr(f.presynaptic)}")
        return "\n".join(parts)

    @cached_property
    def hash(self) -> str:
        """SHA-256 of :attr:`canonical` (hex): changes whenever the model does."""
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    def __hash__(self):
        return hash(self.hash)

    def __eq__(self, other):
        return isinstance(other, Model) and self.hash == other.hash

    def __setattr__(self, key, value):
        if key in Model.__slots__ and hasattr(self, key):
            raise AttributeError("Model is immutable")
        object.__setattr__(self, key, value)

    # ------------------------------------------------------------ display
    def equations_text(self) -> list[str]:
        """The equations as readable lines, with recurrent inputs written out."""
        lines = []
        for v in self.variables:
            rhs = self._with_sums(v.rhs)
            lhs = f"d{v.name}/dt" if v.time_constant == 1 else f"{v.time_constant} * d{v.name}/dt"
            lines.append(f"{lhs} = {rhs}")
        return lines

    def _with_sums(self, expr):
        return expr.xreplace({f.symbol: Recurrent(sp.Symbol(f.coupling), f.presynaptic)
                              for f in self.fields})

    def __str__(self) -> str:
        out = [f"model {self.name}: {self.description}".rstrip(": "), "parameters:"]
        out += ["  " + p.describe() for p in self.parameters]
        if self.functions:
            out.append("functions:")
            for k, lam in self.functions.items():
                args = ", ".join(map(str, lam.variables))
                out.append(f"  {k}({args}) = {lam.expr}")
        out.append("couplings: " + ", ".join(self.couplings) + " ~ normal(0, 1/N), independent")
        if self.inputs:
            out.append("inputs: " + ", ".join(self.inputs))
        out.append("equations:")
        out += ["  " + line for line in self.equations_text()]
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<Model {self.name!r}: {', '.join(self.variable_names)}; hash {self.hash[:12]}>"

    def to_latex(self) -> str:
        """The equations as a LaTeX ``aligned`` block."""
        rows = []
        for v in self.variables:
            tau = "" if v.time_constant == 1 else sp.latex(v.time_constant) + " "
            rows.append(rf"{tau}\frac{{d{sp.latex(v.symbol)}_i}}{{dt}} &= "
                        + sp.latex(self._with_sums(v.rhs)))
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return "$" + self.to_latex() + "$"


def _normalise(expr: sp.Expr, table: dict[str, sp.Symbol]) -> sp.Expr:
    """Map symbols by name onto the package's real symbols; rewrite logistic terms."""
    repl = {s: table[s.name] for s in expr.free_symbols
            if isinstance(s, sp.Symbol) and s.name in table}
    return rewrite_sigmoids(expr.xreplace(repl))


def _normalise_lambda(lam: sp.Lambda, table) -> sp.Lambda:
    args = tuple(symbol(str(a)) for a in lam.variables)
    body = lam.expr.xreplace(dict(zip(lam.variables, args)))
    return sp.Lambda(args, _normalise(body, table))


#: A name in a model: a letter, then letters, digits or _ (the parser uses it too).
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

#: Names the derivations and the generated code use for their own symbols and modules
#: (a model symbol of the same name would be the same SymPy symbol, or shadow a module
#: in the generated code), with the reason given in the error.
_RESERVED = {
    "np": "the numpy module in generated code", "sc": "a module in generated code",
    "unit_root": "a helper in generated code",
    "gh_nodes": "the quadrature nodes in generated code",
    "gh_weights": "the quadrature weights in generated code",
    "lam": "the spectral variable lambda of the derivations",
    "tau": "the time lag of the DMFT", "t": "time in the DMFT",
    "omega": "the frequency of the dimension theory",
    "nu": "the second frequency of the dimension theory",
    "x_": "the integration variable of the derivations",
    "I": "the imaginary unit in the derivations",
}


def _no_duplicates(names, what, src):
    seen = set()
    for n in names:
        if n in seen:
            raise ModelSyntaxError(f"{what} {n!r} defined twice", source=src)
        seen.add(n)
