"""A derivation: named equations with the model they come from, shown as text or LaTeX."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Derivation", "Equation"]


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs`` with a one-line explanation."""

    lhs: sp.Expr
    rhs: sp.Expr
    note: str = ""


@dataclass(frozen=True)
class Derivation:
    """Named groups of equations derived from one model (returned by the ``derive_*`` functions).

    ``sections`` maps a heading to its equations, in order.
    """

    model_name: str
    title: str
    sections: tuple  # tuple of (heading, tuple of Equation)

    def equations(self) -> list[Equation]:
        return [e for _, eqs in self.sections for e in eqs]

    def to_text(self) -> str:
        out = [f"{self.title} (model {self.model_name})", "=" * 60]
        for heading, eqs in self.sections:
            out += ["", heading, "-" * len(heading)]
            for e in eqs:
                out.append(f"  {sp.sstr(e.lhs)} = {sp.sstr(e.rhs)}")
                if e.note:
                    out.append(f"      ({e.note})")
        return "\n".join(out)

    def to_latex(self) -> str:
        out = [f"% {self.title} (model {self.model_name})"]
        for heading, eqs in self.sections:
            out.append(f"% {heading}")
            out.append(r"\begin{aligned}")
            rows = [f"{_latex(e.lhs)} &= {_latex(e.rhs)}" for e in eqs]
            out.append(" \\\\\n".join(rows))
            out.append(r"\end{aligned}")
        return "\n".join(out)

    def __str__(self):
        return self.to_text()


def _latex(expr) -> str:
    names = {s: r"\lambda" for s in sp.sympify(expr).free_symbols if s.name == "lam"}
    return sp.latex(expr, symbol_names=names)
