"""Symbolic derivations from a model's own equations."""

from .dmft import derive_dmft as derive_dmft, dmft_theory as dmft_theory
from .unit import UnitDynamics as UnitDynamics, unit_dynamics as unit_dynamics
