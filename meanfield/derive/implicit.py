r"""A unit's fixed point when it has no closed form: :math:`x^*(\eta)` as a SymPy node.

At a fixed point each unit solves :math:`F(x, \eta) = 0` for its state. When SymPy
cannot write the solution down (a self-coupling, :math:`h = \eta + w\tanh(h)`; a cubic
leak, :math:`h + h^3 = \eta`, whose explicit roots are complex radicals), the static
theory keeps the root as a function :math:`x^*(\eta, \theta)` of the fields and the
parameters, defined by one scalar equation :math:`R(x^*, \eta, \theta) = 0`:

- its derivatives follow from the implicit function theorem,
  :math:`\partial x^*/\partial a = -R_a / R_x` at :math:`x = x^*`, so the Jacobian
  spectrum and the Kac–Rice map are derived as for a closed form;
- the printer writes it as a call to a generated helper that finds the root numerically
  (:func:`meanfield.solve.unit_root.unit_root`: bracketing, then Newton steps kept inside
  the bracket), on whole arrays of quadrature nodes and parameters at once.

The theory needs *one* fixed point per unit. A non-monotone :math:`R` (bistable units,
:math:`w > 1` above) may have several, and the mean-field theory of such networks has to
choose among them; the helper refuses those parameters (see ``unit_root``).
"""

from __future__ import annotations

import sympy as sp

__all__ = ["UnitRoot", "unit_root_node"]


class UnitRoot(sp.Function):
    """Base class of the root nodes; one subclass per (equation, variable), made by
    :func:`unit_root_node`. Its arguments are the equation's other symbols (fields and
    parameters) in a fixed order; ``equation`` and ``variable`` are class attributes."""

    equation: sp.Expr
    variable: sp.Symbol

    def fdiff(self, argindex=1):
        a = self.args[argindex - 1]
        R, x = self.equation, self.variable
        return (-sp.diff(R, a) / sp.diff(R, x)).xreplace({x: self})

    def _eval_is_real(self):
        return True

    def _eval_is_finite(self):
        return True

    @classmethod
    def helper_name(cls) -> str:
        """Name of the generated numpy function that evaluates the root."""
        return f"_root_{cls.variable}"

    def _sympystr(self, printer):
        return f"{self.variable}*({', '.join(printer._print(a) for a in self.args)})"

    def _latex(self, printer, exp=None):
        tex = r"%s^{*}\left(%s\right)" % (printer._print(self.variable),
                                          ", ".join(printer._print(a) for a in self.args))
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def unit_root_node(equation: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """The root :math:`x^*` of ``equation = 0`` in ``variable``, as a function of the
    equation's other free symbols (sorted by name)."""
    others = sorted(equation.free_symbols - {variable}, key=str)
    cls = type(f"{variable}_star", (UnitRoot,),
               {"equation": equation, "variable": variable})
    return cls(*others)
