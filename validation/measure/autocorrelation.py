r"""Population autocorrelations and variances of recorded activity.

For a variable :math:`x` recorded at equally spaced times :math:`t_0..t_{T-1}`,

.. math::
    C_x(\tau_k) = \frac1N \sum_i \frac{1}{T-k} \sum_{s=0}^{T-1-k} x_i(t_s)\, x_i(t_{s+k}),

the time- and population-averaged correlation that the DMFT predicts
(spec section 4): it keeps the static part :math:`C_x(\infty)` (each unit's
time mean squared) instead of subtracting it. Computed with zero-padded FFTs
in :math:`O(N T \log T)`.
"""

from __future__ import annotations

import numpy as np

from meanfield._checks import is_integer
from meanfield._errors import ParameterError

__all__ = ["autocorrelation", "variances"]


def _as_series(x):
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim == 3:  # (T, N, B): trials are more units
        x = x.reshape(x.shape[0], -1)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ParameterError(f"need a recording of shape (T >= 2, N >= 1); got {np.shape(x)}")
    if not np.all(np.isfinite(x)):
        raise ParameterError("the recording contains NaN or inf")
    return x


def autocorrelation(x: np.ndarray, max_lag: int | None = None, *,
                    subtract_mean: bool = False) -> np.ndarray:
    """Population-averaged autocorrelation of ``x`` at lags ``0..max_lag`` (in samples).

    Parameters
    ----------
    x : ndarray, shape (T, N) or (T, N, B)
        Recorded values (time first); trials count as more units.
    max_lag : int, optional
        Largest lag in samples; default ``T // 2``.
    subtract_mean : bool
        Subtract each unit's time mean first (gives the fluctuating part
        :math:`C(\\tau) - C(\\infty)` up to finite-T bias).

    Returns
    -------
    ndarray, shape (max_lag + 1,)
    """
    x = _as_series(x)
    T = x.shape[0]
    if max_lag is None:
        max_lag = T // 2
    elif not (is_integer(max_lag) and 0 <= max_lag < T):
        raise ParameterError(f"max_lag={max_lag!r} must be an integer in [0, {T - 1}]")
    max_lag = int(max_lag)
    if subtract_mean:
        x = x - x.mean(axis=0)
    n = 1 << int(np.ceil(np.log2(2 * T - 1)))
    F = np.fft.rfft(x, n=n, axis=0)
    power = (F.real ** 2 + F.imag ** 2).mean(axis=1)
    acf = np.fft.irfft(power, n=n)[: max_lag + 1]
    return acf / (T - np.arange(max_lag + 1))


def variances(x: np.ndarray) -> dict[str, float]:
    """Total, static and fluctuating variance of a recording ``x`` (T, N[, B]).

    ``total = mean_i mean_t x^2``; ``static = mean_i (mean_t x_i)^2`` (the DMFT's
    :math:`C(\\infty)` for a long record); ``fluctuation = mean_i var_t x_i``
    (its :math:`C(0) - C(\\infty)`). ``total = static + fluctuation``.
    """
    x = _as_series(x)
    mean = x.mean(axis=0)
    static = float(np.mean(mean ** 2))
    fluct = float(np.mean(x.var(axis=0)))
    return {"total": static + fluct, "static": static, "fluctuation": fluct}
