"""Parse a model written as text into a :class:`~meanfield.models.model.Model`.

The text has a header and five sections::

    name: gated
    description: one line
    parameters:
        g_h = 3.0 | g_h > 0 | gain of the nonlinearity phi
    functions:
        phi(x) = tanh(g_h*x + beta_h)
    couplings:
        Jh, Jz, Jr ~ normal(0, 1/N)
    inputs:
        I_h, I_z, I_r
    equations:
        dh/dt = s_z(z) * (-h + Jh @ (s_r(r) * phi(h)) + I_h)
        tau_z * dz/dt = -z + Jz @ phi(h) + I_z

Expressions are read with Python's own grammar (:mod:`ast`) and converted node by
node against an explicit symbol table, so no name is ever guessed: ``beta``,
``gamma``, ``lambda`` or ``N`` are whatever the model declares them to be, and an
unknown name is an error that cites its line and column. Nothing is evaluated.
"""

from __future__ import annotations

import ast
import keyword
import math
import os
import re
from pathlib import Path

import sympy as sp

from .._errors import ModelSyntaxError, ParameterError
from .domain import parse_domain
from .functions import Recurrent, sigmoid
from .model import _RESERVED, IDENTIFIER, Model, symbol
from .parameter import Parameter

__all__ = ["parse_model", "load_model_file", "BUILTIN_FUNCTIONS"]

#: Functions every model may use, by the name written in the model text.
BUILTIN_FUNCTIONS: dict[str, tuple[object, int]] = {
    "tanh": (sp.tanh, 1), "exp": (sp.exp, 1), "log": (sp.log, 1), "sqrt": (sp.sqrt, 1),
    "erf": (sp.erf, 1), "sigmoid": (sigmoid, 1), "abs": (sp.Abs, 1), "sin": (sp.sin, 1),
    "cos": (sp.cos, 1), "sinh": (sp.sinh, 1), "cosh": (sp.cosh, 1), "atan": (sp.atan, 1),
    "max": (sp.Max, 2), "min": (sp.Min, 2),
}
_CONSTANTS = {"pi": sp.pi}
_SECTIONS = ("parameters", "functions", "couplings", "inputs", "equations")
_HEADERS = ("name", "description", "reference")
_IDENT = IDENTIFIER  # one rule for the text and Model.build
_FUNC_DEF = re.compile(r"^(?P<name>\w+)\s*\((?P<args>[^)]*)\)\s*=\s*(?P<body>.+)$")
_EQUATION = re.compile(r"^(?:(?P<tau>.+?)\s*\*\s*)?d(?P<var>\w+)\s*/\s*dt\s*=(?P<rhs>.+)$")
_COUPLING = re.compile(r"^(?P<names>[\w\s,]+?)\s*~\s*(?P<dist>.+)$")


class _Line:
    """One meaningful line of the model text, with its 1-based number."""

    def __init__(self, number: int, text: str, indent: int = 0):
        self.number = number
        self.text = text
        self.indent = indent

    def error(self, message: str, source: str, col: int | None = None) -> ModelSyntaxError:
        col = None if col is None else col + self.indent
        return ModelSyntaxError(message, line=self.number, col=col, source=source,
                                text=self.text)


def load_model_file(path: str | Path) -> Model:
    """Parse the model in the text file ``path``."""
    if not isinstance(path, str | os.PathLike):
        raise ParameterError(f"path={path!r} must be a file path")
    p = Path(path)
    try:
        # (utf-8-sig: a byte-order mark, as some editors write, is dropped; it read as
        # an invisible character starting a "line outside any section"; a probe)
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ModelSyntaxError(f"cannot read model file: {exc.strerror}", source=str(p)) from None
    except UnicodeDecodeError as exc:  # a binary or non-UTF-8 file
        raise ModelSyntaxError(f"not a UTF-8 text file (byte {exc.start}: {exc.reason})",
                               source=str(p)) from None
    return parse_model(text, source=str(p))


def parse_model(text: str, *, source: str = "<model>") -> Model:
    """Parse model ``text`` (format in the module docstring) into a :class:`Model`.

    Raises
    ------
    ModelSyntaxError
        With the line and column of the first problem.
    """
    # (a non-string was an AttributeError from removeprefix; a probe, 2026-11-28)
    if not isinstance(source, str):
        raise ParameterError(f"source={source!r} must be a string (a name for messages)")
    if not isinstance(text, str):
        raise ParameterError(f"parse_model takes the model's text as a string, not "
                             f"{type(text).__name__} (a file: load_model_file(path))")
    header, sections = _split(text.removeprefix("\ufeff"), source)
    name = header.get("name", "user-model")
    if not _IDENT.match(name.replace("-", "_")):
        raise ModelSyntaxError(f"model name {name!r} must be an identifier", source=source)
    for sec in ("parameters", "equations"):
        if not sections.get(sec):
            raise ModelSyntaxError(f"section '{sec}:' is missing or empty", source=source)

    params = [_parse_parameter(ln, source) for ln in sections["parameters"]]
    pnames = {p.name for p in params}
    inputs = []
    for ln in sections.get("inputs", []):
        for item in ln.text.split(","):
            n = item.strip()
            _check_identifier(ln, n, "input", source)
            inputs.append(n)
    couplings = []
    for ln in sections.get("couplings", []):
        m = _COUPLING.match(ln.text)
        if not m:
            raise ln.error("write couplings as 'Jh, Jz ~ normal(0, 1/N)'", source)
        if re.sub(r"\s", "", m["dist"]) != "normal(0,1/N)":
            raise ln.error(f"unsupported coupling distribution {m['dist'].strip()!r}: only "
                           "i.i.d. normal(0, 1/N) is supported (put gains in the equations)",
                           source)
        for item in m["names"].split(","):
            n = item.strip()
            _check_identifier(ln, n, "coupling", source)
            couplings.append(n)

    implicit_couplings = "couplings" not in sections

    # First pass over equations: which variables exist.
    eq_matches = []
    for ln in sections["equations"]:
        m = _EQUATION.match(ln.text)
        if not m:
            raise ln.error("write an equation as 'dx/dt = ...' or 'tau * dx/dt = ...'", source)
        eq_matches.append((ln, m))
    var_names = [m["var"] for _, m in eq_matches]
    for ln, m in eq_matches:
        _check_identifier(ln, m["var"], "state variable", source)

    taken: dict[str, str] = {}
    for kind, names in (("parameter", [p.name for p in params]), ("state variable", var_names),
                        ("input", inputs), ("coupling", couplings)):
        for n in names:
            if n in taken:
                raise ModelSyntaxError(f"{kind} {n!r} clashes with the {taken[n]} of that name",
                                       source=source)
            if n in BUILTIN_FUNCTIONS or n in _CONSTANTS:
                raise ModelSyntaxError(f"{kind} {n!r} shadows the built-in {n!r}", source=source)
            taken[n] = kind

    functions: dict[str, tuple[sp.Lambda, int]] = {}
    for ln in sections.get("functions", []):
        m = _FUNC_DEF.match(ln.text)
        if not m:
            raise ln.error("write a function as 'name(x) = expression'", source)
        fname = m["name"]
        if fname in taken or fname in BUILTIN_FUNCTIONS or fname in functions:
            raise ln.error(f"function name {fname!r} is already used", source)
        _check_identifier(ln, fname, "function", source)
        args = [a.strip() for a in m["args"].split(",")]
        for a in args:
            _check_identifier(ln, a, f"argument of {fname}", source)
        if len(set(args)) != len(args):  # SymPy's Lambda would raise a bare TypeError
            raise ln.error(f"function {fname} names an argument twice", source)
        for a in args:
            # a parameter x and phi(x) = tanh(x*x) read x as the argument both times,
            # silently (a probe, 2026-11-28): the body could not reach the parameter
            if a in pnames:
                raise ln.error(f"argument {a!r} of {fname} has the name of a parameter: the "
                               f"parameter could not be used in {fname}'s body; rename the "
                               "argument", source)
        scope = {p: symbol(p) for p in pnames}
        scope.update({a: symbol(a) for a in args})
        body = _Converter(ln, m.start("body"), source, scope, functions, couplings=(),
                          expand=True).convert(m["body"])
        functions[fname] = (sp.Lambda(tuple(symbol(a) for a in args), body), len(args))

    scope = {n: symbol(n) for n in list(pnames) + var_names + inputs}
    equations = []
    for ln, m in eq_matches:
        tau_text = m["tau"]
        if tau_text is None:
            tau = sp.Integer(1)
        else:
            tau = _Converter(ln, m.start("tau"), source, {p: symbol(p) for p in pnames},
                             {}, couplings=()).convert(tau_text)
        conv = _Converter(ln, m.start("rhs"), source, scope, functions,
                          couplings=tuple(couplings), implicit=implicit_couplings,
                          reserved=set(taken) | set(functions))
        rhs = conv.convert(m["rhs"])
        couplings.extend(c for c in conv.couplings if c not in couplings)
        equations.append((m["var"], tau, rhs))

    return Model.build(name=name, description=header.get("description", ""),
                       parameters=params, equations=equations,
                       functions={k: v[0] for k, v in functions.items()},
                       couplings=couplings or None, inputs=inputs, source=source)


def _split(text: str, source: str):
    header: dict[str, str] = {}
    sections: dict[str, list[_Line]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        stripped = line.strip()
        indented = line[0].isspace()
        key, sep, rest = stripped.partition(":")
        if not indented and sep and key in _SECTIONS:
            if key in sections:
                raise ModelSyntaxError(f"section '{key}:' appears twice", line=number,
                                       source=source, text=raw)
            current = key
            sections[key] = []
            if rest.strip():
                sections[key].append(_Line(number, rest.strip(),
                                           len(line) - len(rest.lstrip())))
            continue
        if not indented and sep and key in _HEADERS:
            header[key] = rest.strip()
            current = None
            continue
        if current is None or not indented:
            raise ModelSyntaxError(
                f"line outside any section (indent the items of a section); expected one of "
                f"{', '.join(h + ':' for h in _HEADERS + _SECTIONS)}",
                line=number, source=source, text=raw)
        sections[current].append(_Line(number, stripped, len(line) - len(line.lstrip())))
    return header, sections


def _parse_parameter(ln: _Line, source: str) -> Parameter:
    parts = [p.strip() for p in ln.text.split("|")]
    if len(parts) not in (2, 3) or "=" not in parts[0]:
        raise ln.error("write a parameter as 'name = default | domain | meaning'", source)
    name, _, default = (s.strip() for s in parts[0].partition("="))
    _check_identifier(ln, name, "parameter", source)
    try:
        value = float(default)
    except ValueError:
        raise ln.error(f"default of {name} ({default!r}) is not a number", source) from None
    domain = parse_domain(parts[1], name, line=ln.number, source=source)
    if value not in domain:
        raise ln.error(f"default {name}={value:g} lies outside its domain "
                       f"{domain.describe(name)}", source)
    return Parameter(name, value, domain, parts[2] if len(parts) == 3 else "")


def _check_identifier(ln: _Line, name: str, what: str, source: str) -> None:
    if not _IDENT.match(name):
        raise ln.error(f"{what} name {name!r} is not an identifier", source)
    if keyword.iskeyword(name):
        raise ln.error(f"{what} name {name!r} is a reserved word; choose another "
                       f"(e.g. {name}_)", source)
    # the package's own reserved names, here where the line is known (the model's check
    # named no line: 'tau' gave none, 'lambda' line 3; a probe, 2026-11-28)
    if name in _RESERVED and not what.startswith("argument"):
        raise ln.error(f"{what} name {name!r} is reserved: {_RESERVED[name]}; choose another "
                       f"(e.g. {name}0)", source)


#: Largest exact constant power evaluated, in bits (SymPy would otherwise compute
#: 9**9**9 exactly, for minutes; a double holds at most 1024 bits of exponent anyway).
_MAX_POWER_BITS = 1 << 14


def _check_power(base, exponent, conv) -> None:
    """Refuse ``base ** exponent`` of two numbers whose exact value would be enormous."""
    if not (base.is_Rational and exponent.is_Integer) or abs(base) in (0, 1):
        return
    bits = abs(int(exponent)) * max(int(base.p).bit_length(), int(base.q).bit_length())
    if bits > _MAX_POWER_BITS:
        raise conv.line.error(f"constant power {base}**{exponent} is too large",
                              conv.source, col=conv.offset + 1)


def _check_constants(expr: sp.Expr, line: _Line, source: str, col: int) -> None:
    """Refuse an expression with an infinite or undefined constant (``1/0``, ``0*(1/0)``)
    or a number beyond the double range: it would become a silent inf or NaN in the
    generated code."""
    if expr.has(sp.zoo, sp.oo, sp.nan, -sp.oo):
        raise line.error(f"expression has an infinite or undefined value ({expr}); "
                         "a division by zero?", source, col=col)
    for n in expr.atoms(sp.Number):
        try:
            ok = math.isfinite(float(n))
        except OverflowError:
            ok = False
        if not ok:
            raise line.error(f"constant {sp.sstr(n.evalf(3))} is outside the range of a double",
                             source, col=col)


class _Converter:
    """Convert one expression's Python AST into SymPy against an explicit scope."""

    def __init__(self, line: _Line, offset: int, source: str, scope: dict, functions: dict,
                 couplings: tuple[str, ...], expand: bool = False, implicit: bool = False,
                 reserved: set | None = None):
        self.expand = expand
        self.implicit = implicit
        self.reserved = reserved or set()
        self.line = line
        self.offset = offset
        self.source = source
        self.scope = scope
        self.functions = functions
        self.couplings = couplings

    def convert(self, text: str) -> sp.Expr:
        lead = len(text) - len(text.lstrip())
        self.offset += lead
        try:
            tree = ast.parse(text.strip(), mode="eval")
            expr = self.visit(tree.body)
        except SyntaxError as exc:
            raise self.line.error(f"syntax error: {exc.msg}", self.source,
                                  col=self.offset + (exc.offset or 1)) from None
        except RecursionError:  # e.g. thousands of nested unary minus signs
            raise self.line.error("expression nested too deeply", self.source,
                                  col=self.offset + 1) from None
        _check_constants(expr, self.line, self.source, self.offset + 1)
        return expr

    def fail(self, node, message):
        return self.line.error(message, self.source, col=self.offset + node.col_offset + 1)

    def visit(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"unsupported syntax ({type(node).__name__})")
        return method(node)

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self.fail(node, f"unsupported constant {node.value!r}")
        if isinstance(node.value, int):
            return sp.Integer(node.value)
        return sp.nsimplify(node.value) if float(node.value).is_integer() else sp.Float(
            repr(node.value))

    def visit_Name(self, node):
        if node.id in self.scope:
            return self.scope[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in self.couplings:
            raise self.fail(node, f"coupling {node.id} must be applied as '{node.id} @ (...)'")
        if node.id in self.functions or node.id in BUILTIN_FUNCTIONS:
            raise self.fail(node, f"function {node.id} used without arguments")
        known = ", ".join(sorted(self.scope)) or "none"
        raise self.fail(node, f"unknown symbol {node.id!r} (known here: {known})")

    def visit_UnaryOp(self, node):
        x = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -x
        if isinstance(node.op, ast.UAdd):
            return x
        raise self.fail(node, f"unsupported operator {type(node.op).__name__}")

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.MatMult):
            return self._recurrent(node)
        if isinstance(node.op, ast.BitXor):
            raise self.fail(node, "'^' is not a power here; write '**'")
        a, b = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            _check_power(a, b, self)
        ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
               ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}
        for op, f in ops.items():
            if isinstance(node.op, op):
                return f()
        raise self.fail(node, f"unsupported operator {type(node.op).__name__}")

    def _recurrent(self, node):
        if (self.implicit and isinstance(node.left, ast.Name) and node.left.id not in self.scope
                and node.left.id not in self.reserved and node.left.id not in BUILTIN_FUNCTIONS):
            self.couplings = (*self.couplings, node.left.id)  # no couplings: section, declare
        if (isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Mult | ast.Div)
                and isinstance(node.left.right, ast.Name)):
            # * and @ bind alike, left to right: 2 * J @ x is (2 * J) @ x
            a, J = ast.unparse(node.left.left), node.left.right.id
            op = "*" if isinstance(node.left.op, ast.Mult) else "/"
            raise self.fail(node, f"'{a} {op} {J} @ ...' reads as ({a} {op} {J}) @ ...: "
                                  f"write {a} {op} ({J} @ ...)")
        if not (isinstance(node.left, ast.Name) and node.left.id in self.couplings):
            what = ast.unparse(node.left)
            hint = (f"; declared couplings: {', '.join(self.couplings)}" if self.couplings
                    else "; no couplings can appear here")
            raise self.fail(node, f"'{what} @ ...' needs a declared coupling matrix on the "
                                  f"left{hint}")
        inner = self.visit(node.right)
        if inner.has(Recurrent):
            raise self.fail(node.right, "nested recurrent input")
        return Recurrent(sp.Symbol(node.left.id), inner)

    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only plain function names can be called")
        if node.keywords:
            raise self.fail(node, "keyword arguments are not supported")
        name = node.func.id
        args = [self.visit(a) for a in node.args]
        if name in self.functions:
            lam, n = self.functions[name]
            if len(args) != n:
                raise self.fail(node, f"{name} takes {n} argument(s), got {len(args)}")
            return lam(*args) if self.expand else sp.Function(name)(*args)
        if name in BUILTIN_FUNCTIONS:
            f, n = BUILTIN_FUNCTIONS[name]
            if len(args) != n:
                raise self.fail(node, f"{name} takes {n} argument(s), got {len(args)}")
            return f(*args)
        avail = ", ".join(sorted(set(BUILTIN_FUNCTIONS) | set(self.functions)))
        raise self.fail(node, f"unknown function {name!r} (available: {avail})")
