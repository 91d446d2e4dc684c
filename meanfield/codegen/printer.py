"""The one printer through which expressions become numpy code (style habit 2).

Settings are fixed explicitly so that the generated source does not drift
with SymPy's defaults; :data:`PRINTER_VERSION` enters every cache key and must
be bumped whenever this printer's output changes.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..models.functions import sigmoid

__all__ = ["MeanfieldPrinter", "PRINTER_VERSION", "print_expr"]

PRINTER_VERSION = "1"


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
        # expit never overflows, for any argument (e.g. alpha = 1e3 times any state).
        return f"sc.expit({self._print(expr.args[0])})"

    def _print_Max(self, expr) -> str:
        return self._fold("np.maximum", expr.args)

    def _print_Min(self, expr) -> str:
        return self._fold("np.minimum", expr.args)

    def _fold(self, f, args):
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{f}({out}, {self._print(a)})"
        return out

    def _print_erf(self, expr) -> str:
        return f"sc.erf({self._print(expr.args[0])})"

    def _print_Float(self, expr) -> str:
        return repr(float(expr))


_PRINTER = MeanfieldPrinter()


def print_expr(expr: sp.Expr) -> str:
    """Print ``expr`` as a numpy expression with the pinned printer."""
    return _PRINTER.doprint(expr)
