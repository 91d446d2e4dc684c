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

import math
from dataclasses import dataclass

import numpy as np

from meanfield._checks import check_float, is_real
from meanfield._errors import ParameterError

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


def time_of_flow(network: Network, t, where: str) -> float:
    """``t`` checked: required (a one-line error) where an input is a function of time,
    0.0 by default otherwise (a constant flow)."""
    if t is None:
        if network.time_dependent:
            raise ParameterError(f"{where}: an input of this network depends on time, so the "
                                 "flow does too: give t, the time at which to take it (e.g. "
                                 "the end of the run, traj.t[-1])")
        return 0.0
    if not (is_real(t) and math.isfinite(t)):
        raise ParameterError(f"{where}: t={t!r} must be a finite number")
    return float(t)


def rms_speed(network: Network, y: np.ndarray, t: float = 0.0) -> float | np.ndarray:
    """Root-mean-square of dy/dt over variables and units (one value per trial)."""
    v = network.velocity(network.check_state(y), t)
    return np.sqrt(np.mean(v ** 2, axis=(0, 1)))


def settled(network: Network, y: np.ndarray, *, tol: float = 1e-6, t: float | None = None
            ) -> SettleResult:
    """Test whether state ``y`` (one trial or a batch) is at a fixed point (module doc).

    ``t``: the time at which the flow is taken; needed where an input depends on time (it
    was taken at t = 0 silently: a state settled under an input switched on at t = 5 read
    "not settled"; a probe, 2026-11-28), e.g. ``t=traj.t[-1]`` for ``traj.final``.
    """
    # (tol=inf read "settled", nan "not", None a TypeError; a probe, 2026-11-28)
    tol = check_float("tol", tol, lo=0.0, lo_open=True)
    t = time_of_flow(network, t, "settled")
    speed = rms_speed(network, y, t)
    s = speed < tol
    if np.ndim(speed) == 0:
        return SettleResult(bool(s), float(speed), tol)
    return SettleResult(s, speed, tol)
