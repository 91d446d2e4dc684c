"""Domains of model parameters: the set of allowed values and its description.

A domain is an interval of the real line, open or closed at each end. It
checks values at the boundary of the package (``Model.resolve``, the CLI) and
produces the error text that names the allowed range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .._errors import ModelSyntaxError, ParameterDomainError

__all__ = ["Domain", "REAL", "POSITIVE", "NONNEGATIVE", "parse_domain"]


@dataclass(frozen=True)
class Domain:
    """An interval ``(lower, upper)`` of allowed real values.

    Parameters
    ----------
    lower, upper : float
        Ends of the interval; ``-inf`` / ``inf`` for unbounded.
    lower_closed, upper_closed : bool
        Whether the ends belong to the interval.
    """

    lower: float = -math.inf
    upper: float = math.inf
    lower_closed: bool = False
    upper_closed: bool = False

    def __contains__(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        lo_ok = value >= self.lower if self.lower_closed else value > self.lower
        hi_ok = value <= self.upper if self.upper_closed else value < self.upper
        return lo_ok and hi_ok

    def describe(self, name: str = "x") -> str:
        """Return the domain as a condition on ``name``, e.g. ``'g_h > 0'``."""
        lo = math.isfinite(self.lower)
        hi = math.isfinite(self.upper)
        lop = ">=" if self.lower_closed else ">"
        hip = "<=" if self.upper_closed else "<"
        if lo and hi:
            lsym = "<=" if self.lower_closed else "<"
            return f"{_fmt(self.lower)} {lsym} {name} {hip} {_fmt(self.upper)}"
        if lo:
            return f"{name} {lop} {_fmt(self.lower)}"
        if hi:
            return f"{name} {hip} {_fmt(self.upper)}"
        return f"{name} real (finite)"

    def check(self, name: str, value: float) -> float:
        """Return ``float(value)`` or raise :class:`ParameterDomainError` naming the range."""
        v = float(value)
        if v not in self:
            raise ParameterDomainError(
                f"parameter {name}={value!r} is outside its domain: {self.describe(name)}")
        return v


def _fmt(x: float) -> str:
    return repr(float(x)).removesuffix(".0") if float(x).is_integer() else repr(float(x))


REAL = Domain()
POSITIVE = Domain(lower=0.0)
NONNEGATIVE = Domain(lower=0.0, lower_closed=True)

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf"
_ONE_SIDED = re.compile(rf"^\s*(?P<name>\w+)\s*(?P<op><=|>=|<|>)\s*(?P<num>{_NUM})\s*$")
_TWO_SIDED = re.compile(
    rf"^\s*(?P<lo>{_NUM})\s*(?P<lop><=|<)\s*(?P<name>\w+)\s*(?P<hop><=|<)\s*(?P<hi>{_NUM})\s*$")


def parse_domain(text: str, name: str, *, line: int | None = None,
                 source: str | None = None) -> Domain:
    """Parse a domain condition such as ``'g_h > 0'``, ``'0 <= p < 1'`` or ``'real'``.

    The variable in the condition must be the parameter's own name.
    """
    t = text.strip()
    if t in ("", "real"):
        return REAL
    m = _ONE_SIDED.match(t)
    if m:
        _check_name(m["name"], name, text, line, source)
        num = float(m["num"])
        op = m["op"]
        if num == (math.inf if op in (">", ">=") else -math.inf):  # e.g. 'g > 1e400'
            raise ModelSyntaxError(f"empty domain {text!r} for parameter {name}",
                                   line=line, source=source)
        if op in (">", ">="):
            return Domain(lower=num, lower_closed=op == ">=")
        return Domain(upper=num, upper_closed=op == "<=")
    m = _TWO_SIDED.match(t)
    if m:
        _check_name(m["name"], name, text, line, source)
        lo, hi = float(m["lo"]), float(m["hi"])
        if not lo < hi:
            raise ModelSyntaxError(f"empty domain {text!r} for parameter {name}",
                                   line=line, source=source)
        return Domain(lo, hi, m["lop"] == "<=", m["hop"] == "<=")
    raise ModelSyntaxError(
        f"cannot read domain {text!r} of parameter {name}; write e.g. "
        f"'{name} > 0', '{name} >= 0', '0 < {name} <= 1' or 'real'",
        line=line, source=source)


def _check_name(found: str, name: str, text: str, line, source) -> None:
    if found != name:
        raise ModelSyntaxError(
            f"domain {text!r} constrains {found!r} but belongs to parameter {name!r}",
            line=line, source=source)
