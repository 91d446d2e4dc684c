"""Symbolic derivations from a model's own equations."""

from .unit import UnitDynamics as UnitDynamics, unit_dynamics as unit_dynamics
