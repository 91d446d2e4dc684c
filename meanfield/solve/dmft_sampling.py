r"""Stationary DMFT by sampling the single-site process (the non-Gaussian case).

When a state variable is not a linear filter of a Gaussian field (the gated model's h
at alpha_z > 0, where :math:`\dot h = s_z(z)(-h + \eta_h)`), its statistics are not
Gaussian and the correlation equations do not close. The single-site process is then
solved as the spec prescribes (section 4), by iterating

1. sample the Gaussian fields :math:`\eta_f` with the current correlations
   :math:`C_{\eta_f}(\tau)` (a static part :math:`C_{\eta_f}(\infty)`, one normal
   number per sample, plus a stationary fluctuating part drawn exactly by circulant
   embedding on a period longer than the trajectory);
2. integrate the single-site equations of the model for many samples at once
   (Heun's method with the fields at the grid points, step ``dtau``);
3. re-estimate :math:`C_{\eta_f}(\tau) = \langle g_f(x(t))\, g_f(x(t+\tau))\rangle`
   from the trajectories (FFT, averaged over time and samples);
4. damp, and repeat until the change is at the level of the sampling noise; the
   iterates after that are averaged.

Everything model-specific (the velocity of each state and the presynaptic functions)
is generated from the model's own unit equations: nothing here knows the gated model.
The statistical error of :math:`C_h(0)` is the standard error over independent batches of
samples; the discretisation error is that of Heun's method, second order in ``dtau``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft as sfft
import sympy as sp

from .._errors import ParameterError
from ..codegen.emit import emit_function
from ..codegen.load import load_source
from ..derive.unit import unit_dynamics
from ..models import Model
from .dmft import _CHAOS_FLOOR, _threads

__all__ = ["SiteKernels", "site_kernels", "sample_stationary", "sampled_correlations"]


@dataclass(frozen=True)
class SiteKernels:
    """Generated single-site functions of a model (inputs set to zero).

    ``velocity(*states, *fields, *params)`` returns the time derivative of every state;
    ``presynaptic(*states, *params)`` returns one array per distinct presynaptic function
    (``groups[i]`` lists the fields that share function ``i``); ``rates(*states, *fields,
    *params)`` returns each state's local relaxation rate ``-d(dx_k/dt)/dx_k`` (the
    update gate for the gated model's h).
    """

    states: tuple
    fields: tuple
    params: tuple
    groups: tuple
    module: object


def unit_names(ud) -> tuple[dict, list, list, list]:
    """Inputs set to zero, and the names of the states, fields and parameters of a unit."""
    return ({s: 0 for s in ud.inputs}, [str(s) for s in ud.states],
            [str(f) for f in ud.fields], [str(p) for p in ud.parameters])


@lru_cache(maxsize=16)
def site_kernels(model: Model) -> SiteKernels:
    ud = unit_dynamics(model)
    zero, states, fields, params = unit_names(ud)
    vel = emit_function("velocity", states + fields + params,
                        [(f"d{s}", sp.sympify(e).xreplace(zero))
                         for s, e in zip(states, ud.velocity)],
                        doc="Single-site velocity of every state, given the fields.")
    pre = emit_function("presynaptic", states + params,
                        [(f"g{i}", g.xreplace(zero)) for i, (g, _) in enumerate(ud.groups)],
                        doc="Distinct presynaptic functions g_f(x).")
    rates = emit_function("rates", states + fields + params,
                          [(f"a_{s}", -sp.diff(sp.sympify(e).xreplace(zero), x))
                           for s, x, e in zip(states, ud.states, ud.velocity)],
                          doc="Local relaxation rate -d(dx_k/dt)/dx_k of every state.")
    source = (f'"""Single-site kernels of model {model.name!r} (hash {model.hash})."""\n'
              "import numpy as np\nimport scipy.special as sc\n\n\n" + vel + "\n\n" + pre
              + "\n\n" + rates)
    module = load_source(source, f"site_{model.name}_{model.hash[:12]}")
    return SiteKernels(tuple(states), tuple(fields), tuple(params),
                       tuple(m for _, m in ud.groups), module)


def sample_stationary(corr: np.ndarray, length: int, batch: int, rng: np.random.Generator,
                      noise: dict | None = None) -> tuple[np.ndarray, float]:
    """Samples of a stationary Gaussian process with autocovariance ``corr`` (lags 0..n-1).

    The static part ``c_inf = max(corr[-1], 0)`` (the covariance left at the last lag) is a
    constant per sample; the rest is drawn by circulant embedding on a period ``m >=
    max(length, 2(n-1))`` in which the covariance is ``corr - c_inf`` up to lag n-1 and
    zero beyond, so the variance is ``corr[0]`` whatever the sign of an estimated tail.
    Returns an array of shape ``(length, batch)`` and the fraction of the spectrum that
    was negative and set to zero (a measure of how far the estimated covariance is from
    positive definite; zero for an exact covariance that has decayed by lag n-1).
    ``noise``: a dict in which the white noise is kept on the first call and reused on
    later ones (common random numbers for the same ``corr`` length, ``length`` and
    ``batch``; ``rng`` is then not used again).
    """
    n = len(corr)
    c_inf = max(float(corr[-1]), 0.0)
    # (subtracting an estimated tail that came out negative, instead of c_inf, would
    # inflate the variance by |corr[-1]|: the sampled DMFT's fields were too strong by
    # the noise of the last lag)
    d = np.asarray(corr, dtype=float) - c_inf
    # the fluctuating part must have decayed by the last lag; a cosine taper over the last
    # tenth removes the step an estimated (noisy) tail would leave there
    k = max(n // 10, 1)
    d[n - k:] *= 0.5 * (1 + np.cos(np.pi * np.arange(1, k + 1) / k))
    # a power of two (not scipy's next fast length): the period fixes the shape of the
    # white noise drawn, so it is kept as it was when the studies' seeds were chosen.
    # A window longer than m - n + 1 sees the wrapped covariance d(m - k) at lags
    # k > m - n + 1 instead of zero; a period of at least length + n - 1 removes it but
    # changed nothing measurable (g_h = 4, alpha_z = alpha_r = 5, T = 300, where the
    # window is 3501 and m = 4096: delta_0 over seeds 0-3 0.2053 against 0.2057)
    m = 1 << int(math.ceil(math.log2(max(length, 2 * (n - 1), 2))))
    circ = np.zeros(m)
    circ[:n] = d
    circ[m - n + 1:] = d[1:][::-1]
    lam = np.fft.fft(circ).real
    neg = float(-lam[lam < 0].sum() / max(np.abs(lam).sum(), 1e-300))
    lam = np.sqrt(np.clip(lam, 0.0, None) / m)
    half = (batch + 1) // 2
    if noise is not None and "z" in noise:
        z, static = noise["z"], noise["static"]
    else:
        z = rng.standard_normal((m, half)) + 1j * rng.standard_normal((m, half))
        static = rng.standard_normal(batch)
        if noise is not None:
            noise.update(z=z, static=static)
    y = sfft.fft(lam[:, None] * z, axis=0, workers=_threads())[:length]
    out = np.concatenate([y.real, y.imag], axis=1)[:, :batch]
    out += math.sqrt(c_inf) * static[None, :]
    return out, neg


def _acf_sum(y: np.ndarray, n: int) -> np.ndarray:
    """Sum over samples of sum_t y(t) y(t + lag) for lags 0..n-1 (y: (L, B))."""
    L = y.shape[0]
    m = sfft.next_fast_len(L + n, real=True)
    Y = sfft.rfft(y, m, axis=0, workers=_threads())
    power = (Y.real ** 2 + Y.imag ** 2).sum(axis=1)
    return sfft.irfft(power, m)[:n]


def sampled_correlations(kernels: SiteKernels, params: dict, field_corr: list, *,
                         n_lags: int, dtau: float, steps: int, burn: int, samples: int,
                         batches: int, rng: np.random.Generator, x0: np.ndarray | None,
                         noise: dict | None = None) -> dict:
    """One pass of steps 1-3: sample the fields, integrate, estimate correlations.

    ``field_corr[i]`` is the autocovariance of the fields of group ``i``. Returns
    ``state`` (a function returning the per-state autocorrelations, shape
    (n_states, batches, n_lags): one estimate per batch of samples; computed on demand
    since the iteration does not need them), ``group`` (the same for the presynaptic
    functions, computed), ``final`` (the
    states at the end, to warm-start the next pass) and ``negative`` (largest negative
    spectral fraction met while sampling).
    ``noise``: a dict that keeps the white noise (and initial states) of the first call and
    reuses it on later calls with the same sizes (common random numbers without drawing
    them again).
    """
    mod = kernels.module
    pvals = [params[p] for p in kernels.params]
    n_states, n_fields, n_groups = len(kernels.states), len(kernels.fields), len(kernels.groups)
    total = burn + steps
    eta, neg = [None] * n_fields, 0.0
    for gi, members in enumerate(kernels.groups):
        for f in members:
            eta[f], ng = sample_stationary(field_corr[gi], total + 1, samples, rng,
                                           noise=None if noise is None
                                           else noise.setdefault(f, {}))
            # the negative weight of a field that vanishes to double precision is that of
            # its rounding noise (50 %) and says nothing: at the zero fixed point (g_h =
            # 0.5, alpha_z = 2, the defaults: C_h(0) 5e-21) it made the solve "not a
            # solution" (found 2026-11-28)
            if float(field_corr[gi][0]) > _CHAOS_FLOOR:
                neg = max(neg, ng)
    if x0 is not None and x0.shape[1] == samples:
        x = [np.array(x0[k]) for k in range(n_states)]
    else:
        if noise is not None and "x0" in noise:
            x = [np.array(v) for v in noise["x0"]]
        else:
            x = [rng.standard_normal(samples) for _ in range(n_states)]
            if noise is not None:
                noise["x0"] = [np.array(v) for v in x]
    rec = np.empty((n_states + n_groups, steps, samples))
    # a diverging process overflows on its way to inf: checked after the loop, reported
    # there in one line, so numpy's warnings are not shown
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(total):
            e0 = [eta[f][t] for f in range(n_fields)]
            e1 = [eta[f][t + 1] for f in range(n_fields)]
            k1 = mod.velocity(*x, *e0, *pvals)
            xp = [xi + dtau * ki for xi, ki in zip(x, k1)]
            k2 = mod.velocity(*xp, *e1, *pvals)
            x = [xi + 0.5 * dtau * (a + c) for xi, a, c in zip(x, k1, k2)]
            if t >= burn:
                i = t - burn
                for k in range(n_states):
                    rec[k, i] = x[k]
                for gi, g in enumerate(mod.presynaptic(*x, *pvals)):
                    rec[n_states + gi, i] = g
    del eta
    if not all(np.all(np.isfinite(v)) for v in x):
        raise ParameterError("the single-site process diverged (non-finite state): its "
                             "dynamics are unstable at these parameters (a negative rate, "
                             "an unbounded nonlinearity), or dtau is too large: reduce dtau")
    edges = np.linspace(0, samples, batches + 1).astype(int)
    lags = np.arange(n_lags)

    def acf(rows):
        acc = np.empty((len(rows), batches, n_lags))
        # records of a run-away (finite but huge) process overflow here: the caller checks
        # the correlations and reports it in one line
        with np.errstate(over="ignore", invalid="ignore"):
            for a, j in enumerate(rows):
                for b in range(batches):
                    sl = rec[j, :, edges[b]:edges[b + 1]]
                    acc[a, b] = _acf_sum(sl, n_lags) / ((steps - lags) * sl.shape[1])
        return acc

    # the iteration needs only the presynaptic correlations; those of the states are
    # wanted once, after convergence: ``state()`` computes them from the kept records
    out = {"group": acf(range(n_states, n_states + n_groups)), "final": np.array(x),
           "negative": neg}
    out["state"] = lambda: acf(range(n_states))
    return out
