"""Measurements on simulated networks, one per theory prediction (spec section 7)."""

from .autocorrelation import autocorrelation as autocorrelation
from .autocorrelation import variances as variances
from .fixed_points import FixedPointResult as FixedPointResult
from .fixed_points import find_fixed_point as find_fixed_point
from .settle import SettleResult as SettleResult, settled as settled
