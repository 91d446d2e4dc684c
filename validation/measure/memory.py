r"""Memory traces of a pulse and their decay times.

A pulse along a direction :math:`u` moves the state away from a fixed point
:math:`h^*`; what the network still holds of it at time :math:`t` is the overlap

.. math:: m(t) = \frac{u \cdot (h(t) - h^*)}{u \cdot (h(t_\mathrm{ref}) - h^*)},

normalised to 1 at a reference time :math:`t_\mathrm{ref}` (the end of the pulse).
For a random :math:`u` the components of :math:`h - h^*` that the recurrent couplings
spread over the other units are uncorrelated with :math:`u`: they add an error of order
:math:`N^{-1/2}` (average over several directions to reduce it) and no bias.

The decay time from :math:`t_0` is the first time after :math:`t_0` at which
:math:`m` has fallen to :math:`m(t_0)/e`, ``inf`` if it never does within the
record; between records the crossing (and :math:`m(t_0)`) is interpolated geometrically,
exact for an exponential (the decays measured here), where a trace that is not one, such
as an oscillation, would be better served by a linear rule. For a mixture of exponentials (units with
different rates) it is not the inverse of any one rate: say which it is.
"""

from __future__ import annotations

import math

import numpy as np

from meanfield._errors import ParameterError

__all__ = ["memory_trace", "decay_time"]


def memory_trace(h: np.ndarray, h_star: np.ndarray, directions: np.ndarray,
                 t: np.ndarray, t_ref: float) -> np.ndarray:
    """Normalised overlap of ``h(t) - h_star`` with each pulse direction.

    Parameters
    ----------
    h : ndarray, shape (n_rec, N) or (n_rec, N, B)
        Recorded states (one trial, or a batch of B trials).
    h_star : ndarray, shape (N,)
        The fixed point the pulse displaced.
    directions : ndarray, shape (N,) or (N, B)
        Pulse direction of each trial.
    t : ndarray, shape (n_rec,)
        Recording times.
    t_ref : float
        Time at which the trace is normalised to 1 (must be a recording time).

    Returns
    -------
    ndarray, shape (n_rec,) or (n_rec, B)
    """
    try:
        h = np.asarray(h, dtype=float)
        u = np.asarray(directions, dtype=float)
        t = np.asarray(t, dtype=float)
        h_star = np.asarray(h_star, dtype=float)
        t_ref = float(t_ref)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"memory_trace takes numbers ({exc})") from None
    for name, a in (("h", h), ("h_star", h_star), ("directions", u), ("t", t)):
        if not np.all(np.isfinite(a)):  # (NaN traces came back silently; a probe)
            raise ParameterError(f"memory_trace: {name} contains NaN or inf")
    single = h.ndim == 2
    if single:
        h = h[..., None]
    if u.ndim == 1:
        u = u[:, None]
    if h.ndim != 3 or t.ndim != 1 or h.shape[0] != t.shape[0] or u.shape[0] != h.shape[1] \
            or u.shape[1] not in (1, h.shape[2]) or h_star.shape != (h.shape[1],):
        raise ParameterError(f"shapes do not match: h {np.shape(h)}, directions {np.shape(u)}, "
                             f"t {np.shape(t)}, h_star {h_star.shape} (expected h (n_rec, N"
                             "[, B]), directions (N[, B]), t (n_rec,), h_star (N,))")
    k = int(np.argmin(np.abs(t - t_ref)))
    if not math.isclose(t[k], t_ref, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(t_ref))):
        raise ParameterError(f"t_ref={t_ref:g} is not a recording time")
    dh = h - h_star[None, :, None]
    overlap = np.einsum("tib,ib->tb", dh, np.broadcast_to(u, dh.shape[1:]))
    if np.any(overlap[k] == 0):
        raise ParameterError("the state at t_ref has no overlap with a pulse direction")
    m = overlap / overlap[k]
    return m[:, 0] if single else m


def decay_time(t: np.ndarray, m: np.ndarray, t0: float, *, factor: float = math.e) -> float:
    """Time after ``t0`` for ``m`` to fall to ``m(t0) / factor`` (``inf`` if it does not).

    ``m(t0)`` and the crossing are interpolated geometrically between the records around
    them (linearly where one of those is not positive): exact for an exponential. (m(t0)
    was linear, 1 % off for an exponential with t0 between records; found by a probe.)
    """
    try:
        t = np.asarray(t, dtype=float)
        m = np.asarray(m, dtype=float)
        t0, factor = float(t0), float(factor)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"decay_time takes numbers ({exc})") from None
    if t.ndim != 1 or m.shape != t.shape or len(t) < 2:
        raise ParameterError(f"t and m must be 1-d arrays of the same length >= 2; got "
                             f"{t.shape} and {m.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(m))):
        raise ParameterError("t and m must be finite (a NaN gave a NaN time)")
    if not (t[0] <= t0 < t[-1]):
        raise ParameterError(f"t0={t0:g} outside the record [{t[0]:g}, {t[-1]:g})")
    if not factor > 1:
        raise ParameterError(f"factor={factor!r} must exceed 1")
    i = int(np.searchsorted(t, t0, side="right")) - 1
    ma, mb = float(m[i]), float(m[i + 1])
    w = (t0 - t[i]) / (t[i + 1] - t[i])
    start = ma * (mb / ma) ** w if ma > 0 and mb > 0 else ma + (mb - ma) * w
    if not start > 0:
        raise ParameterError(f"m(t0)={start:g} must be positive")
    level = start / factor
    after = t > t0
    ts = np.concatenate([[t0], t[after]])
    ms = np.concatenate([[start], m[after]])
    below = np.nonzero(ms <= level)[0]
    if len(below) == 0:
        return math.inf
    j = below[0]
    t1, t2, m1, m2 = ts[j - 1], ts[j], ms[j - 1], ms[j]
    if m2 > 0:  # geometric interpolation: exact for an exponential between the records
        frac = math.log(m1 / level) / math.log(m1 / m2)
    else:
        frac = (m1 - level) / (m1 - m2)
    return float(t1 + (t2 - t1) * frac - t0)
