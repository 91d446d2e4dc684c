"""Stationary DMFT (Gaussian case) against the classical additive results."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from meanfield import ParameterError
from meanfield.solve.dmft import dmft

GRID = dict(tau_max=40.0, nodes=32, damping=0.9)


def classical_delta_0(g):
    """Variance of the chaotic additive network, tau_h = 1, phi = tanh(g x), beta = 0.

    The correlation obeys C'' = C - <phi phi>: a particle in the potential
    V(C) = -C^2/2 + <Phi(x1) Phi(x2)> (Phi' = phi, Price's theorem), starting at rest
    at C(0) = Delta_0 and coming to rest at C = 0, so V(Delta_0) = V(0):
    -Delta_0^2/2 + <Phi^2> - <Phi>^2 = 0 with Phi(x) = log cosh(g x) / g.
    Computed here by scipy quad and brentq, independently of the package.
    """
    Phi = lambda x: np.log(np.cosh(g * x)) / g  # noqa: E731

    def avg(f, D):
        return quad(lambda z: f(np.sqrt(D) * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                    -12, 12, limit=200)[0]

    return brentq(lambda D: -D * D / 2 + avg(lambda x: Phi(x) ** 2, D) - avg(Phi, D) ** 2,
                  1e-3, 20.0)


def test_additive_variance_matches_the_classical_potential_and_converges_as_dtau2():
    exact = classical_delta_0(2.0)
    coarse = dmft("additive", g_h=2.0, dtau=0.1, **GRID)
    fine = dmft("additive", g_h=2.0, dtau=0.05, **GRID)
    assert coarse.converged and fine.converged and coarse.chaotic
    err_c, err_f = abs(coarse.delta_0 - exact), abs(fine.delta_0 - exact)
    # measured: 1.3e-3 relative at dtau = 0.1, four times smaller at 0.05 (second order)
    assert err_c / exact < 3e-3
    assert err_f < err_c / 3
    # beta_h = 0: no static part; what remains is the correlation left at tau_max = 40
    # (about 4e-4 of Delta_0 here), which a longer grid removes
    assert coarse.delta_inf < 1e-3 * coarse.delta_0


def test_below_unit_gain_the_solution_is_the_zero_fixed_point():
    r = dmft("additive", g_h=0.8, dtau=0.1, **GRID)
    assert r.converged and not r.chaotic
    assert r.delta_0 < 1e-6 and np.isnan(r.tau_corr)


def test_gated_without_gates_is_a_rescaled_additive_network():
    # alpha_z = alpha_r = 0: s_z = s_r = 1/2, so h = y/2 with y the additive network of
    # gain g_h/2 and time constant 2: Delta_0 is a quarter, tau_corr twice the additive.
    # On grids scaled the same way the discrete equations are identical.
    gated = dmft("gated", g_h=3.0, alpha_z=0.0, alpha_r=0.0, dtau=0.2, tau_max=80.0,
                 nodes=32, damping=0.9)
    add = dmft("additive", g_h=1.5, dtau=0.1, tau_max=40.0, nodes=32, damping=0.9)
    assert gated.delta_0 == pytest.approx(add.delta_0 / 4, rel=1e-7)
    assert gated.tau_corr == pytest.approx(2 * add.tau_corr, rel=1e-6)
    assert add.delta_0 == pytest.approx(classical_delta_0(1.5), rel=3e-3)


def test_non_gaussian_case_is_refused_with_the_reason():
    with pytest.raises(ParameterError, match="alpha_z = 0 is required"):
        dmft("gated", g_h=3.0, alpha_z=2.0)
    with pytest.raises(ParameterError, match="damping"):
        dmft("additive", damping=0.0)
