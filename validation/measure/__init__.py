"""Measurements on simulated networks, one per theory prediction (spec section 7)."""

from .autocorrelation import autocorrelation as autocorrelation
from .autocorrelation import variances as variances
from .count_fixed_points import FixedPointCount as FixedPointCount
from .count_fixed_points import count_fixed_points as count_fixed_points
from .fixed_points import FixedPointResult as FixedPointResult
from .fixed_points import find_fixed_point as find_fixed_point
from .settle import SettleResult as SettleResult, settled as settled
from .lyapunov import LyapunovResult as LyapunovResult
from .lyapunov import kaplan_yorke_dimension as kaplan_yorke_dimension
from .lyapunov import lyapunov_spectrum as lyapunov_spectrum
from .lyapunov import max_lyapunov_twin as max_lyapunov_twin
from .lyapunov import participation_ratio as participation_ratio
from .memory import decay_time as decay_time
from .memory import memory_trace as memory_trace
