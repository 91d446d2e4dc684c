r"""Whether a network has settled to a fixed point.

Criterion (stated once, used everywhere): a state :math:`y` has settled when
the root-mean-square speed of the flow there,

.. math:: v(y) = \Big(\frac{1}{n N} \sum_{k,i} \dot y_{k,i}^2\Big)^{1/2},

is below ``tol`` (default :math:`10^{-6}`, in state units per unit time).
Chaotic activity of these networks has rms speeds of order 0.1–1; a slowly
decaying approach to a fixed point passes the test only once it is within
about ``tol`` divided by the slowest decay rate of the fixed point.
A frozen unit of an integrating network (:math:`s_z \approx 0`) has
:math:`\dot h \approx 0` without being at a fixed point of :math:`\xi`, so for large
``alpha_z`` confirm with :func:`~validation.measure.find_fixed_point`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network import Network

__all__ = ["SettleResult", "settled", "rms_speed"]


@dataclass(frozen=True)
class SettleResult:
    """Outcome of the settling test: ``settled`` per trial, the rms speed, the tolerance."""

    settled: bool | np.ndarray
    speed: float | np.ndarray
    tol: float

    def __bool__(self):
        return bool(np.all(self.settled))


def rms_speed(network: Network, y: np.ndarray, t: float = 0.0) -> float | np.ndarray:
    """Root-mean-square of dy/dt over variables and units (one value per trial)."""
    v = network.velocity(network.check_state(y), t)
    return np.sqrt(np.mean(v ** 2, axis=(0, 1)))


def settled(network: Network, y: np.ndarray, *, tol: float = 1e-6, t: float = 0.0
            ) -> SettleResult:
    """Test whether state ``y`` (one trial or a batch) is at a fixed point (module doc)."""
    speed = rms_speed(network, y, t)
    s = speed < tol
    if np.ndim(speed) == 0:
        return SettleResult(bool(s), float(speed), tol)
    return SettleResult(s, speed, tol)
