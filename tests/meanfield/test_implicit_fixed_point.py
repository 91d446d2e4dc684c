"""Unit fixed points without a closed form: x*(eta) as a root (meanfield.derive.implicit).

Each result is checked against an independent computation: the root kernel against
Cardano's formula and scipy's brentq; the static theory against scipy's adaptive
quadrature of the self-consistency with brentq roots; the classical limit against the
shipped additive model (closed form); Gamma against finite differences of ghat; and the
variance and the spectral edge against finite networks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

import meanfield as mf
from meanfield.solve.unit_root import unit_root
from tests.reference import user_models as um


def _cardano(eta, c=1.0):
    """The real root of x + c x^3 = eta (c > 0): Cardano's formula."""
    p, q = 1.0 / c, -eta / c
    d = np.sqrt(q ** 2 / 4 + p ** 3 / 27)
    return np.cbrt(-q / 2 + d) + np.cbrt(-q / 2 - d)


def test_the_root_kernel_against_closed_forms_and_brentq():
    eta = np.concatenate([np.linspace(-50, 50, 201), [1e-12, -3e-9, 0.0]])
    x = unit_root(lambda x, e: e - x - x ** 3, lambda x, e: -1 - 3 * x ** 2, (eta,))
    ref = _cardano(eta)
    assert np.allclose(x, ref, rtol=1e-13, atol=1e-15)
    # broadcast over (eta, w), w < 1: one root each
    e = np.linspace(-8, 8, 33)[:, None]
    w = np.array([-2.0, 0.0, 0.5, 0.99])
    x = unit_root(lambda x, e, w: e - x + w * np.tanh(x),
                  lambda x, e, w: -1 + w / np.cosh(x) ** 2, (e, w))
    assert x.shape == (33, 4)
    for i in range(33):
        for j in range(4):
            r = brentq(lambda v: e[i, 0] - v + w[j] * np.tanh(v), -20, 20, xtol=1e-15)
            assert x[i, j] == pytest.approx(r, rel=1e-13, abs=1e-14)
    # a root far out: the bracket doubles up to it
    assert unit_root(lambda x, e: e - x, lambda x, e: -np.ones_like(x), (1e300,)) == 1e300


@pytest.mark.parametrize("R, dR, args, words", [
    # bistable unit: x = eta + 1.5 tanh(x) has three roots near eta = 0
    (lambda x, e: e - x + 1.5 * np.tanh(x), lambda x, e: -1 + 1.5 / np.cosh(x) ** 2,
     (np.linspace(-1, 1, 5),), "not unique"),
    # a narrow non-monotone stretch near 0 (w = 1.01: three roots for |eta| < 7e-5)
    (lambda x, e: e - x + 1.01 * np.tanh(x), lambda x, e: -1 + 1.01 / np.cosh(x) ** 2,
     (np.array([3.0]),), "not unique"),
    (lambda x, e: 1 + x ** 2 + 0 * e, lambda x, e: 2 * x + 0 * e, (np.zeros(3),), "no root"),
    (lambda x, e: e - x, lambda x, e: -np.ones_like(x), (np.array([1.0, np.nan]),),
     "non-finite"),
])
def test_the_root_kernel_refuses_with_a_reason(R, dR, args, words):
    with pytest.raises(mf.ParameterError, match=words):
        unit_root(R, dR, args, "h", "R(h)", ("eta",))


def _independent_variance(root, g, q0=0.75):
    """q = <tanh(g x*)^2> by scipy.quad and fixed-point iteration; then <x*^2>."""
    def mean(f, q):
        s = np.sqrt(q)
        return quad(lambda z: f(root(s * z)) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                    -40, 40, limit=400, epsabs=1e-14, epsrel=1e-13, points=[0])[0]
    return lambda q: mean(lambda x: np.tanh(g * x) ** 2, q), lambda q: mean(lambda x: x * x, q)


@pytest.mark.parametrize("text, params, root", [
    (um.IMPLICIT, dict(g=2.0, w=0.5),
     lambda e: brentq(lambda x: e - x + 0.5 * np.tanh(x), -abs(e) - 10, abs(e) + 10,
                      xtol=1e-15)),
    (um.CUBIC_LEAK, dict(g=2.0, c=1.0), lambda e: float(_cardano(e))),
    # self-terms whose denominators, cleared, spoil the equation: the numerator of
    # -h + w h/(1 + |h|) + eta is not monotone in h (refused as "not unique"), that of
    # -h + w exp(-h^2) + eta is exp(h^2) (eta - h) + w, which overflows ("has no root")
    (um.IMPLICIT.replace("w*tanh(h)", "w*h/(1 + abs(h))"), dict(g=2.0, w=0.5),
     lambda e: brentq(lambda x: e - x + 0.5 * x / (1 + abs(x)), -abs(e) - 10, abs(e) + 10,
                      xtol=1e-15)),
    (um.IMPLICIT.replace("w*tanh(h)", "w*exp(-h**2)"), dict(g=2.0, w=0.5),
     lambda e: brentq(lambda x: e - x + 0.5 * np.exp(-x * x), -abs(e) - 10, abs(e) + 10,
                      xtol=1e-15)),
])
def test_static_theory_against_independent_quadrature(text, params, root):
    model = mf.parse_model(text)
    res = mf.fixed_point_branches(model, **params)
    assert res.success, res.message
    nonzero = [b for b in res if not b.zero]
    assert len(nonzero) == 1
    b = nonzero[0]
    q = next(iter(b.field_variance.values()))
    F, D = _independent_variance(root, params["g"])
    # the package's q solves the independently computed self-consistency
    assert F(q) == pytest.approx(q, rel=1e-9)
    assert D(q) == pytest.approx(b.variance["h"], rel=1e-9)


@pytest.mark.parametrize("text, limit", [(um.IMPLICIT, dict(w=0.0)),
                                         (um.CUBIC_LEAK, dict(c=0.0))])
@pytest.mark.parametrize("g", [1.5, 2.5])
def test_classical_limit_equals_the_additive_model(text, limit, g):
    # w = 0 (no self-coupling) and c = 0 (no cubic leak) are the additive network, whose
    # fixed point h* = eta is in closed form; the implicit path must reproduce it
    model = mf.parse_model(text)
    ours = mf.fixed_point_branches(model, g=g, **limit)
    ref = mf.fixed_point_branches("additive", g_h=g)
    v = sorted(b.variance["h"] for b in ours)
    v_ref = sorted(b.variance["h"] for b in ref)
    assert len(v) == len(v_ref) == 2
    assert v == pytest.approx(v_ref, rel=1e-10, abs=1e-14)
    edge = sorted(b.edge for b in ours)
    assert edge == pytest.approx(sorted(b.edge for b in ref), rel=1e-9)

    # and the Kac-Rice complexity (through Gamma = d ghat / d eta of the root)
    from meanfield.solve.complexity import complexity

    assert complexity(model, g=g, **limit).sigma == pytest.approx(
        complexity("additive", g_h=g).sigma, rel=1e-9)


def test_gated_model_with_a_self_coupling_reduces_to_the_gated_model_at_w0():
    # three states: z and r are solved in closed form, h is the root; at w = 0 every
    # branch (the saddle-node pair at alpha_r = 10 included) equals the shipped gated
    # model's closed-form theory
    import meanfield.models as models

    spec = Path(models.__file__).parent / "specs" / "gated.model"
    text = spec.read_text().replace("name: gated", "name: gated-self").replace(
        "(-h + Jh @", "(-h + w*tanh(h) + Jh @").replace(
        "parameters:\n", "parameters:\n    w = 0.0 | real | self coupling\n", 1)
    assert "w*tanh(h)" in text
    p = dict(g_h=1.8, alpha_r=10.0, alpha_z=5.0)
    ours = mf.fixed_point_branches(mf.parse_model(text), **p)
    ref = mf.fixed_point_branches("gated", **p)
    assert len(ours) == len(ref) == 3
    for a, b in zip(ours, ref):
        for k in ("h", "z", "r"):
            assert a.variance[k] == pytest.approx(b.variance[k], rel=1e-9, abs=1e-15)
        assert a.edge == pytest.approx(b.edge, rel=1e-9, abs=1e-12)
        assert a.stable == b.stable


def test_gamma_is_the_derivative_of_the_unit_map():
    # Gamma = d ghat / d eta comes from the implicit function theorem (UnitRoot.fdiff)
    from meanfield.codegen.complexity import complexity_module

    model = mf.parse_model(um.SELF_COUPLED)
    mod = complexity_module(model)
    p = model.resolve()
    vals = [p[k] for k in mod.PARAMETERS]
    eta = np.linspace(-4, 4, 17)
    ghat, gamma = mod.unit_map(eta, *vals)
    step = 1e-6
    fd = (mod.unit_map(eta + step, *vals)[0] - mod.unit_map(eta - step, *vals)[0]) / (2 * step)
    assert np.allclose(gamma, fd, rtol=1e-7, atol=1e-9)
    # and ghat is phi at the root
    x = [brentq(lambda v: e - v + 0.5 * np.tanh(v), -20, 20, xtol=1e-15) for e in eta]
    assert np.allclose(ghat, np.tanh(0.8 * np.array(x) + 0.8), rtol=1e-13)


def test_variance_and_spectral_edge_against_networks():
    """Simulation check: self-coupled units with a bias settle to a stable fixed point.

    Tolerances as in the fixed_point_variances and jacobian_spectrum studies: the
    variance within 4 SEM over seeds + 2q/N (seed spread at N = 1000: 0.045, 10 seeds),
    the rightmost Jacobian eigenvalue, and every eigenvalue's distance outside the
    predicted support, within 3R/sqrt(N) (circular-law edge fluctuations, R the bulk's
    half width).
    """
    from validation import Network
    from validation.studies._common import settle_to_fixed_point
    from validation.studies.jacobian_spectrum import near_support, support_half_width

    model = mf.parse_model(um.SELF_COUPLED)
    res = mf.fixed_point_branches(model)
    stable = [b for b in res if b.stable]
    assert len(stable) == 1
    b = stable[0]
    support = mf.spectral_support(model)
    N, seeds = 1000, 6
    margin = 3 * support_half_width(support) / np.sqrt(N)
    var, right = [], []
    for seed in range(seeds):
        net = Network(model, N, seed=seed)
        y = settle_to_fixed_point(net, seed=seed)
        assert y is not None, f"seed {seed} did not settle"
        var.append(float(np.mean(y[0] ** 2)))
        ev = np.linalg.eigvals(net.jacobian(y))
        right.append(float(ev.real.max()))
        # the whole spectrum lies in the predicted support, up to the same margin (seed 0:
        # 99 % strictly inside, the rest within 0.022 of the boundary)
        # (the bulk alone: the local-rate segment is not counted as support here)
        far = ev[~near_support(ev, support, margin, segment=False)]
        assert not len(far), (seed, far[:5])
    sem = np.std(var, ddof=1) / np.sqrt(seeds)
    assert abs(np.mean(var) - b.variance["h"]) <= 4 * sem + 2 * b.variance["h"] / N, var
    assert abs(np.mean(right) - b.edge) <= margin, (right, b.edge, margin)


def test_derivation_shows_the_defining_equation():
    text = mf.derive_fixed_point(mf.parse_model(um.IMPLICIT)).to_text()
    assert "h = h*(eta_J, w)" in text
    assert "eta_J + w*tanh(h*(eta_J, w)) - h*(eta_J, w) = 0" in text
    assert "q_J = <tanh(g*h*(eta_J, w))**2>" in text
