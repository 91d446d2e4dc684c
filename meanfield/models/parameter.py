"""A named model parameter with its default, domain and meaning."""

from __future__ import annotations

from dataclasses import dataclass

from .._checks import is_real
from .._errors import ParameterError
from .domain import Domain

__all__ = ["Parameter"]


@dataclass(frozen=True)
class Parameter:
    """A model parameter.

    Parameters
    ----------
    name : str
        Identifier used in the equations, e.g. ``'g_h'``.
    default : float
        Value used when the user does not set one; must lie in ``domain``.
    domain : Domain
        Allowed values.
    meaning : str
        One line saying what the parameter does.
    units : str
        Units, empty for dimensionless (times are in units of the h time constant).
    """

    name: str
    default: float
    domain: Domain
    meaning: str = ""
    units: str = ""

    def __post_init__(self):
        # (a domain of None was an AttributeError from here; a probe, 2026-11-28; the name
        # is checked where the model is built)
        if not isinstance(self.domain, Domain):
            raise ParameterError(f"Parameter {self.name!r}: domain={self.domain!r} must be a "
                                 "Domain, e.g. meanfield.Domain(lower=0.0) (open at 0)")
        if not is_real(self.default):
            raise ParameterError(f"Parameter {self.name!r}: default={self.default!r} must be a "
                                 "number")
        self.domain.check(self.name, self.default)

    def describe(self) -> str:
        """One line: name, default, domain and meaning."""
        return (f"{self.name:<10} default {self.default:<8g} "
                f"{self.domain.describe(self.name):<22} {self.meaning}")
