"""SymPy nodes the model language adds: the logistic ``sigmoid`` and the
recurrent input ``J @ f`` of a coupling matrix.

``sigmoid`` is a named node (rather than ``1/(1+exp(-x))``) so the code printer
can emit an overflow-free evaluation (the exponent capped, see the printer) for any gate
sensitivity, and its derivative stays in the safe form ``s (1 - s)``.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["sigmoid", "Recurrent", "rewrite_sigmoids"]


class sigmoid(sp.Function):  # noqa: N801  (SymPy function classes are lower case)
    r"""Logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Rational(1, 2)
        return None

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None):
        tex = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else f"{tex}^{{{exp}}}"


class Recurrent(sp.Function):
    r"""The recurrent input :math:`\sum_j J_{ij} f(x_j)` written ``J @ f``.

    ``Recurrent(J, f)`` holds the coupling matrix's symbol ``J`` and the
    presynaptic expression ``f`` of one unit's variables. It appears only in a
    model's input form; the :class:`~meanfield.models.model.Model` replaces it by
    a field symbol at the level of one unit.
    """

    nargs = 2

    def _sympystr(self, printer):
        return f"{printer._print(self.args[0])} @ ({printer._print(self.args[1])})"

    def _latex(self, printer, exp=None):
        J, f = self.args
        return r"\sum_j %s_{ij} \left[%s\right]_j" % (printer._print(J), printer._print(f))


_w = sp.Wild("w")


def rewrite_sigmoids(expr: sp.Expr) -> sp.Expr:
    """Replace every ``1/(1 + exp(u))`` in ``expr`` by ``sigmoid(-u)``."""
    return expr.replace(lambda e: _is_logistic(e), lambda e: sigmoid(-_exp_arg(e)))


def _is_logistic(e) -> bool:
    if not (isinstance(e, sp.Pow) and e.exp == -1 and isinstance(e.base, sp.Add)):
        return False
    terms = e.base.args
    return (len(terms) == 2 and sp.S.One in terms
            and any(isinstance(t, sp.exp) for t in terms))


def _exp_arg(e):
    return next(t for t in e.base.args if isinstance(t, sp.exp)).args[0]
