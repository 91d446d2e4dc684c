"""Solvers of the derived mean-field equations."""

from .fixed_points import fixed_point_branches as fixed_point_branches
from .result import Branch as Branch, FixedPointBranches as FixedPointBranches
from .spectrum import slow_fraction as slow_fraction, spectral_support as spectral_support
