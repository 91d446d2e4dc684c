"""validation: finite-network simulation of meanfield models and theory-vs-simulation studies.

The network's right-hand side and Jacobian are generated from the same symbolic
model as the theory, so the two can never disagree about what the model is.
"""

from .integrate import Trajectory as Trajectory, simulate as simulate
from .measure import autocorrelation as autocorrelation
from .measure import find_fixed_point as find_fixed_point
from .measure import settled as settled
from .measure import variances as variances
from .network import Linearisation as Linearisation, Network as Network

__all__ = ["Network", "Linearisation", "Trajectory", "simulate", "autocorrelation",
           "variances", "settled", "find_fixed_point"]
