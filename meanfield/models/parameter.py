"""A named model parameter with its default, domain and meaning."""

from __future__ import annotations

from dataclasses import dataclass

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
        self.domain.check(self.name, self.default)

    def describe(self) -> str:
        """One line: name, default, domain and meaning."""
        return (f"{self.name:<10} default {self.default:<8g} "
                f"{self.domain.describe(self.name):<22} {self.meaning}")
