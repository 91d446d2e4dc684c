"""Independent static mean-field theory of the gated family, written from the spec.

Gaussian averages by scipy.integrate.quad (adaptive, not the package's rules);
the equations are spec section 2 and the stability quantities spec section 3.
Nothing here imports meanfield.
"""

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq


def gauss_avg(f, v):
    """<f(x)> for x ~ N(0, v)."""
    if v == 0:
        return float(f(0.0))
    s = np.sqrt(v)
    val, _ = quad(lambda u: f(s * u) * np.exp(-u * u / 2) / np.sqrt(2 * np.pi), -12, 12,
                  epsabs=1e-14, epsrel=1e-13, limit=400)
    return val


def sig(x):
    return 0.5 * (1 + np.tanh(x / 2))


def additive_variance(g, beta=0.0):
    """Non-zero solution of q = <tanh(g x + beta)^2>, x ~ N(0, q) (SCS static theory)."""
    F = lambda q: gauss_avg(lambda x: np.tanh(g * x + beta) ** 2, q) - q  # noqa: E731
    return brentq(F, 1e-9, 1.0, xtol=1e-14)


def gated_variance_map(q_h, p):
    """(q_h, q_r) -> right-hand sides of spec section 2 for the gated model."""
    phi2 = gauss_avg(lambda x: np.tanh(p["g_h"] * x + p["beta_h"]) ** 2, q_h)
    sr2 = gauss_avg(lambda y: sig(p["alpha_r"] * y - p["beta_r"]) ** 2, phi2)
    return phi2 * sr2, phi2


def gated_spec_stability_terms(q_h, q_r, p):
    """a = <s_r^2 phi'^2>, b = <s_r'^2 phi^2>, c = <phi'^2> of spec section 3."""
    g, bh, ar, br = p["g_h"], p["beta_h"], p["alpha_r"], p["beta_r"]
    dphi2 = gauss_avg(lambda x: (g * (1 - np.tanh(g * x + bh) ** 2)) ** 2, q_h)
    phi2 = gauss_avg(lambda x: np.tanh(g * x + bh) ** 2, q_h)
    sr2 = gauss_avg(lambda y: sig(ar * y - br) ** 2, q_r)
    dsr2 = gauss_avg(lambda y: (ar * sig(ar * y - br) * (1 - sig(ar * y - br))) ** 2, q_r)
    return sr2 * dphi2, dsr2 * phi2, dphi2
