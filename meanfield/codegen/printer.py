"""The one printer through which expressions become numpy code (style habit 2).

Settings are fixed explicitly so that the generated source does not drift
with SymPy's defaults; :data:`PRINTER_VERSION` enters every cache key and must
be bumped whenever this printer's output changes.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from ..derive.implicit import UnitRoot
from ..models.functions import sigmoid

__all__ = ["MeanfieldPrinter", "PRINTER_VERSION", "complex_sqrt", "print_expr",
           "with_complex_sqrt"]


class complex_sqrt(sp.Function):  # noqa: N801  (SymPy function classes are lower case)
    """The principal square root, complex for a negative argument (``np.emath.sqrt``).

    For the eigenvalues of a unit's local block: with an adaptation current they are a
    damped oscillator's pair, and ``np.sqrt`` of the negative discriminant gave NaN and
    a failed root search (a probe, 2026-11-28).
    """

    nargs = 1


def with_complex_sqrt(expr):
    """``expr`` with every square root printed as a complex one (see :class:`complex_sqrt`)."""
    return sp.sympify(expr).replace(lambda e: e.is_Pow and e.exp == sp.S.Half,
                                    lambda e: complex_sqrt(e.base))

PRINTER_VERSION = "6"  # 4: UnitRoot nodes (implicit unit fixed points); 5: boolean Piecewise;
# 6: AVERAGE_DIMENSION in the theory module, complex square roots in the local rates


class MeanfieldPrinter(NumPyPrinter):
    """NumPy printer with pinned settings and the package's own nodes.

    Generated modules import ``numpy as np`` and ``scipy.special as sc``;
    the printer refers to them by these short names so the source reads well.
    """

    _kf = {**NumPyPrinter._kf}
    printmethod = "_meanfield_code"

    def __init__(self):
        super().__init__(settings={
            "fully_qualified_modules": False,
            "inline": True,
            "allow_unknown_functions": False,
            "user_functions": {},
            "standard": "python3",
            "order": "none",
        })

    def _module_format(self, fqn, register=True):
        # numpy.tanh -> np.tanh ; scipy.special.erf -> sc.erf (the module header imports both).
        if fqn.startswith("numpy."):
            return "np." + fqn[len("numpy."):]
        if fqn.startswith("scipy.special."):
            return "sc." + fqn[len("scipy.special."):]
        return super()._module_format(fqn, register)

    def _print_sigmoid(self, expr: sigmoid) -> str:
        # 1/(1 + exp(-u)) with the exponent capped at 709 (exp(709) < the largest double):
        # no overflow for any argument (e.g. alpha = 1e3 times any state), a relative error
        # of a few ulp against scipy.special.expit, and where u < -709 the value
        # 1/(1 + e^709) ~ 1e-308 in place of a subnormal. NaN propagates (np.minimum, not
        # np.fmin). exp of -u < -708 signals underflow, harmless (the gate is 1 exactly).
        # Printed in place of ``sc.expit`` because numpy's exp is vectorised and expit is
        # a scalar loop: 1000 values in ~4 us against 5.8 us; the gated network's
        # elementwise work fell from 22.8 to 17.2 us at N = 1000 (docs/performance.md).
        # -u is printed from SymPy's own negation, so a gate ``alpha*x - beta`` costs no
        # extra operation (``beta - alpha*x``). Single precision: exp overflows above
        # 88.7, which the one float32 caller (the phase map's scan) allows for.
        # (parenthesised: the printer treats a function call as an atom, so ``c*sigmoid(u)``
        # must not read as ``c*1.0/(...)``; _print_Mul prints that product as ``c/(...)``)
        return f"(1.0/{self._sigmoid_denominator(expr)})"

    def _sigmoid_denominator(self, expr: sigmoid) -> str:
        return f"(1.0 + np.exp(np.minimum({self._print(-expr.args[0])}, 709.0)))"

    def _print_Mul(self, expr) -> str:
        # A product with logistic factors divides by their denominators: ``c/(1 + e)``
        # rather than ``c*(1/(1 + e))``, one array operation fewer per gate. Products with
        # a divisor of their own keep SymPy's form (``c/(x*(1 + e))`` would need a power).
        gates = [a for a in expr.args if isinstance(a, sigmoid)]
        rest = [a for a in expr.args if not isinstance(a, sigmoid)]
        if (not gates or not rest
                or any(a.is_Pow and a.exp.is_negative for a in rest)):
            return super()._print_Mul(expr)
        sign = ""
        factor = sp.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
        if not factor.is_Add and factor.as_coeff_Mul()[0].is_negative:
            sign, factor = "-", -factor
        if factor == 1:
            out = "1.0"
        else:
            out = self.parenthesize(factor, PRECEDENCE["Mul"], strict=True)
        return sign + out + "".join("/" + self._sigmoid_denominator(g) for g in gates)

    def _print_Piecewise(self, expr) -> str:
        # np.select evaluates every piece everywhere, also where its condition is false:
        # the derivative of g x / (1 + |x|) comes out of SymPy as
        # Piecewise((g, x = 0), (|x| g / (|x| + 2 x^2 + |x| x^2), True)), whose second piece
        # is 0/0 at x = 0, where the first is chosen. A piece that is not a bare number or
        # symbol is therefore evaluated with division, invalid-value and overflow warnings
        # off (its values where the condition is false are discarded); a NaN or inf where
        # its condition holds still comes through as a value.
        # A Piecewise of truth values (SymPy's form of ITE, met as the condition of another
        # Piecewise: the slope of min(max(u, 0), 1)) selects among booleans: its default
        # must be False, not NaN, or the result is a float array that np.select refuses as
        # a condition (a TypeError from every slope of such a model; found by a probe).
        boolean = all(isinstance(arg.expr, sp.logic.boolalg.Boolean) for arg in expr.args)
        conds, exprs = [], []
        for arg in expr.args:
            conds.append(self._print(arg.cond))
            e = self._print(arg.expr)
            if not (arg.expr.is_Number or arg.expr.is_Symbol):
                e = ('np.errstate(divide="ignore", invalid="ignore", over="ignore")'
                     f"(lambda: {e})()")
            exprs.append(e)
        default = "False" if boolean else "np.nan"
        return f"np.select([{', '.join(conds)}], [{', '.join(exprs)}], default={default})"

    def _print_Max(self, expr) -> str:
        return self._fold("np.maximum", expr.args)

    def _print_Min(self, expr) -> str:
        return self._fold("np.minimum", expr.args)

    def _fold(self, f, args):
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{f}({out}, {self._print(a)})"
        return out

    def _print_complex_sqrt(self, expr) -> str:
        return f"np.emath.sqrt({self._print(expr.args[0])})"

    def _print_erf(self, expr) -> str:
        return f"sc.erf({self._print(expr.args[0])})"

    def _print_Function(self, expr) -> str:
        # SymPy's dispatch skips renamed Function subclasses (``h_star`` is a UnitRoot
        # but not named so), so the root nodes are caught here
        if isinstance(expr, UnitRoot):
            return self._print_UnitRoot(expr)
        if isinstance(expr, complex_sqrt):
            return self._print_complex_sqrt(expr)
        return super()._print_Function(expr)

    def _print_UnitRoot(self, expr) -> str:
        # a unit fixed point without closed form: a call of the module's generated helper
        # (see :func:`meanfield.codegen.emit.root_helpers`)
        return f"{expr.helper_name()}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Float(self, expr) -> str:
        return repr(float(expr))


_PRINTER = MeanfieldPrinter()


def print_expr(expr: sp.Expr) -> str:
    """Print ``expr`` as a numpy expression with the pinned printer."""
    return _PRINTER.doprint(expr)
