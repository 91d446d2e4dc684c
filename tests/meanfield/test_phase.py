"""Stability maps and transition lines against pointwise solves and exact lines."""

import numpy as np
import pytest

import meanfield as mf
from meanfield import ParameterError
from meanfield.solve.continuation import continue_curve, transition_line
from meanfield.solve.grid import stability_map
from meanfield.solve.phase import phase_diagram


def test_map_agrees_with_pointwise_branches():
    # g_h avoids 2.0, where the zero fixed point is exactly marginal (rho = 1)
    axes = {"g_h": np.linspace(1.25, 2.65, 15), "alpha_r": np.linspace(0, 20, 11)}
    m = stability_map("gated", axes=axes)
    for i in range(0, 15, 2):
        for j in range(0, 11, 2):
            r = mf.fixed_point_branches("gated", g_h=axes["g_h"][i], alpha_r=axes["alpha_r"][j])
            nz = [b for b in r if not b.zero]
            assert m.n_nonzero[i, j] == len(nz)
            assert m.n_stable_nonzero[i, j] == sum(b.stable for b in nz)
            assert m.zero_stable[i, j] == any(b.zero and b.stable for b in r)
            if nz:
                # the map's quadrature targets rtol 1e-6 (pointwise solves 1e-10); near a
                # saddle-node the root error is that divided by |dR/dq| ~ 0.01-0.1
                assert m.max_variance[i, j] == pytest.approx(
                    max(b.field_variance["q_h"] for b in nz), rel=1e-4)


def test_vectorised_map_equals_pointwise_loop_of_itself():
    axes = {"g_h": np.array([1.5, 2.2, 2.9]), "beta_h": np.array([0.0, 0.4])}
    full = stability_map("gated", axes=axes, nodes=321)
    for i, g in enumerate(axes["g_h"]):
        for j, b in enumerate(axes["beta_h"]):
            one = stability_map("gated", axes={"g_h": [g], "beta_h": [b]}, nodes=321)
            assert one.region[0, 0] == full.region[i, j]
            assert one.max_variance[0, 0] == pytest.approx(full.max_variance[i, j], rel=1e-9)


def test_tiles_with_their_own_quadrature_agree_with_one_fine_rule():
    # a small chunk forces many tiles, each sized by the quadrature its corners need
    axes = {"g_h": np.linspace(1.3, 2.6, 9), "alpha_r": np.linspace(0, 25, 9)}
    tiled = stability_map("gated", axes=axes, chunk_bytes=2e5)
    fine = stability_map("gated", axes=axes, nodes=641)
    assert np.array_equal(tiled.region, fine.region)
    assert np.array_equal(tiled.n_nonzero, fine.n_nonzero)
    # both target rtol 1e-6 on the variance map; roots near a fold amplify it (as above)
    np.testing.assert_allclose(tiled.max_variance, fine.max_variance, rtol=1e-4)


def test_threads_and_single_precision_scan_change_nothing(monkeypatch):
    """Tiles on two threads equal one thread bit for bit; the single-precision scan
    finds the same brackets as a double-precision one (the roots are polished in double
    precision, so only the brackets could differ)."""
    from meanfield.solve import grid

    axes = {"g_h": np.linspace(1.3, 2.6, 12), "alpha_r": np.linspace(0, 25, 12)}
    one = stability_map("gated", axes=axes, chunk_bytes=2e5, workers=1)
    two = stability_map("gated", axes=axes, chunk_bytes=2e5, workers=2)
    for f in ("region", "n_nonzero", "max_variance", "zero_stable"):
        assert np.array_equal(getattr(one, f), getattr(two, f))
    orig = grid._rest_variances
    monkeypatch.setattr(grid, "_rest_variances",
                        lambda *a, dtype=None, **k: orig(*a, dtype=np.float64, **k))
    ref = stability_map("gated", axes=axes, chunk_bytes=2e5, workers=1)
    assert np.array_equal(ref.region, one.region)
    assert np.array_equal(ref.n_nonzero, one.n_nonzero)
    np.testing.assert_allclose(ref.max_variance, one.max_variance, rtol=1e-6)


@pytest.mark.parametrize("beta_r", [0.0, 1.0])
def test_zero_instability_line_is_g_h_s_r0_equal_one(beta_r):
    """Independent: at h = 0 the edge crosses 0 when g_h s_r(0) = 1 (spec section 3)."""
    line = transition_line("gated", "zero_instability", x=("g_h", 1, 6), y=("alpha_r", 0, 20),
                           start={"g_h": 2.5, "alpha_r": 3.0}, params={"beta_r": beta_r})
    expected = 1 + np.exp(beta_r)
    np.testing.assert_allclose(line.xy[:, 0], expected, rtol=1e-8)
    assert line.xy[:, 1].min() < 0.5 and line.xy[:, 1].max() > 19.5


def test_saddle_node_line_is_a_double_root():
    # q1 not given: the documented default (the two non-zero branches at the start) was
    # a TypeError from numpy's log until a probe found it (2026-11-28); phase_diagram
    # passes q1 and is tested below
    line = transition_line("gated", "saddle_node", x=("g_h", 1, 3), y=("alpha_r", 0, 30),
                           start={"g_h": 1.8, "alpha_r": 10.0})
    # at every point the two non-zero branches merge: just inside there are two, outside none
    checked = 0
    # keep clear of the line g_h = 2 (where the small branch meets zero) and of the box
    pts = [p for p in line.points if p[0] > 1e-4 and p[2] < 29 and p[1] < 1.95]
    for q1, g, a in pts[:: max(1, len(pts) // 5)]:
        inside = mf.fixed_point_branches("gated", g_h=g + 1e-3, alpha_r=a)
        outside = mf.fixed_point_branches("gated", g_h=g - 1e-3, alpha_r=a)
        assert sum(not b.zero for b in inside) == 2
        assert sum(not b.zero for b in outside) == 0
        checked += 1
    assert checked >= 3


def test_additive_model_lines_coincide_at_unit_gain():
    m = stability_map("additive", axes={"g_h": np.linspace(0.5, 1.5, 21),
                                        "beta_h": np.array([0.0])})
    g = m.axes["g_h"]
    assert np.all(m.zero_stable[g < 1, 0]) and not np.any(m.zero_stable[g > 1, 0])
    assert np.all(m.n_nonzero[g < 1, 0] == 0) and np.all(m.n_nonzero[g > 1, 0] == 1)


@pytest.mark.slow
def test_chaos_line_meets_the_zero_instability_without_a_gate_and_leaves_it_with_one():
    # alpha_r = 0: s_r = 1/2, the chaotic solution branches off the zero fixed point at
    # g_h = 2 (continuous): the continuation must not find chaos below it, and the line
    # is drawn at the instability (the note says so).
    # alpha_r = 10: a steep output gate keeps chaos alive below g_h = 2 while the zero
    # fixed point is stable (spec section 6): a bistable interval.

    pd = phase_diagram("gated", x=("g_h", np.linspace(1.5, 2.6, 12)),
                       y=("alpha_r", np.linspace(0.0, 10.0, 3)), params={"alpha_z": 0.0},
                       chaos=2)
    chaos = [ln for ln in pd.lines if ln.kind == "chaos_onset"]
    assert chaos, pd.messages
    pts = {round(float(y), 6): float(x) for x, y in chaos[0].xy}
    assert abs(pts[0.0] - 2.0) < 0.02
    assert any("continuous" in m and "alpha_r=0" in m for m in pd.messages)
    assert pts[10.0] < 1.95
    bist = [ln for ln in pd.lines if ln.kind == "bistable"]
    assert bist and np.all(bist[0].points[:, 0] > bist[0].points[:, 1])


def test_continuation_follows_a_closed_curve_through_its_folds():
    """The unit circle, H(u) = |u|^2 - 1, has a fold in each coordinate at every quarter
    turn: continuation from (1, 0) must go round through all four, stay on the curve and
    report the closed loop (a plain sweep in either coordinate loses it at the first)."""
    pts, msg = continue_curve(lambda u: np.array([u @ u - 1.0]), np.array([1.0, 0.0]),
                              step=0.1, max_steps=200, direction=np.array([0.0, 1.0]))
    assert msg == "closed loop", msg
    assert np.abs(np.hypot(pts[:, 0], pts[:, 1]) - 1.0).max() < 1e-9
    angle = np.unwrap(np.arctan2(pts[:, 1], pts[:, 0]))
    assert np.all(np.diff(angle) > 0), "the tangent's orientation flipped at a fold"
    assert angle[-1] > 2 * np.pi - 0.1


def test_phase_diagram_params_are_the_fixed_ones():
    # the varied parameters' defaults were listed in params (and so in the CLI's JSON) as
    # if they had been used; found by a probe

    pd = phase_diagram("gated", x=("g_h", np.linspace(1.5, 2.5, 5)),
                       y=("alpha_r", np.linspace(0.0, 10.0, 3)), params={"alpha_z": 0.5})
    d = pd.to_dict()
    assert "g_h" not in d["params"] and "alpha_r" not in d["params"]
    assert d["params"]["alpha_z"] == 0.5 and d["params"]["beta_h"] == 0.0
    assert d["x_values"] == [1.5, 1.75, 2.0, 2.25, 2.5] and d["y_values"] == [0.0, 5.0, 10.0]


def test_lines_into_overflowing_regions_stop_without_warnings(capfd):
    # beta_h = +-50: the lines' Newton iterates reached log q where exp overflows; numpy's
    # warnings, then LAPACK's "On entry to DLASCL parameter number 4 had an illegal value"
    # from an SVD of NaN (found by a probe). Warnings are errors here; LAPACK writes to
    # the C stdout, captured by capfd.

    pd = phase_diagram("gated", x=("g_h", np.linspace(1.9, 2.1, 5)),
                       y=("beta_h", np.array([-50.0, 0.0, 50.0])))
    out, err = capfd.readouterr()
    assert "DLASCL" not in out + err and "illegal value" not in out + err
    assert pd.messages and all("not finite" in m or "no crossing" in m or "no point" in m
                               for m in pd.messages), pd.messages


def test_a_grid_too_large_for_memory_is_refused_in_one_line():
    """Two axes of 10 000 points ended in a MemoryError traceback (a probe, 2026-11-28)."""
    from meanfield import ParameterError

    with pytest.raises(ParameterError, match="10000 x 10000 = 1e\\+08 points; at most"):
        phase_diagram("gated", x=("g_h", np.linspace(1, 3, 10_000)),
                      y=("alpha_r", np.linspace(0, 30, 10_000)))


def test_no_chaos_line_where_the_range_holds_no_onset():
    """Chaotic over the whole range g_h = 2.5..3 (the onsets are 2 and 1.76): the
    continuation's last point, the range's edge, was drawn as the chaos line (a probe,
    2026-11-28)."""

    pd = phase_diagram("gated", x=("g_h", np.linspace(2.5, 3.0, 6)),
                       y=("alpha_r", np.linspace(0.0, 20.0, 5)), params=dict(alpha_z=0.0),
                       chaos=2)
    assert not any(line.kind == "chaos_onset" for line in pd.lines)
    assert any("no onset in this range" in m for m in pd.messages)


BOX = dict(x=("g_h", 0.5, 4.0), y=("beta_h", -1.0, 1.0), start={"g_h": 2.0, "beta_h": 0.5})


@pytest.mark.parametrize("change, match", [
    (dict(kind="foo"), "kind='foo' must be one of"),
    (dict(step=0), r"step=0 must be a finite number in \(0, 0.5\]"),
    (dict(step=float("nan")), "step=nan"),
    (dict(x=("g_h", 1)), r"x=\('g_h', 1\) must be a tuple \(name, lo, hi\)"),
    (dict(x=("zz", 1, 2)), "x: 'zz' is not a parameter of model 'gated'"),
    (dict(x=("g_h", 4, 1)), r"x\[2\]=1 must be a finite number > 4"),
    (dict(y=("g_h", 0.5, 4.0)), "x and y are both 'g_h'"),
    (dict(nodes=0), r"nodes=0 must be an integer in \[3, 100000\]"),
    (dict(max_steps=2.5), "max_steps=2.5 must be an integer"),
    (dict(start={"g_h": 2.0}), "start=.* must be a dict giving 'g_h' and 'beta_h'"),
    (dict(start={"g_h": 9.0, "beta_h": 0.0}), r"start\['g_h'\]=9.0 must be a finite number in"),
    (dict(q1="x"), "q1='x' must be a finite number > 0"),
])
def test_transition_line_refuses_bad_options_naming_them(change, match):
    args = {"kind": "saddle_node", **BOX, **change}
    kind = args.pop("kind")
    with pytest.raises(ParameterError, match=match):
        transition_line("gated", kind, **args)


@pytest.mark.parametrize("change, match", [
    (dict(n_q=2.5), r"n_q=2.5 must be an integer in \[4, 100000\]"),
    (dict(nodes=0), "nodes=0 must be an integer"),
    (dict(rtol="x"), "rtol='x' must be a finite number"),
    (dict(rtol=float("nan")), "rtol=nan"),
    (dict(polish=10**30), r"polish=.* must be an integer in \[0, 100\]"),
    (dict(workers=float("nan")), "workers=nan must be an integer"),
    (dict(q_max=0), "q_max=0 must be a finite number > 0"),
    (dict(axes=3), "axes=3 must be a dict of parameter name to values"),
    (dict(axes={"g_h": [[1, 2]]}), "axis 'g_h' must be a 1-d array of finite numbers"),
    (dict(axes={"g_h": [1, float("nan")]}), "axis 'g_h' must be a 1-d array of finite"),
    (dict(axes={"zz": [1, 2]}), "axis: 'zz' is not a parameter of model 'gated'"),
    (dict(axes={"g_h": np.linspace(1, 3, 10**6), "alpha_r": np.linspace(0, 1, 10**6)}),
     "a grid of 1000000 x 1000000 points would need"),
])
def test_stability_map_refuses_bad_options_naming_them(change, match):
    with pytest.raises(ParameterError, match=match):
        stability_map("gated", **{"axes": {"g_h": np.linspace(1, 3, 5)}, **change})


def test_stability_map_takes_numpy_integers():
    a = stability_map("gated", axes={"g_h": np.linspace(1, 3, 5)}, n_q=np.int64(32),
                      nodes=np.int64(81))
    b = stability_map("gated", axes={"g_h": np.linspace(1, 3, 5)}, n_q=32, nodes=81)
    np.testing.assert_array_equal(a.n_nonzero, b.n_nonzero)


@pytest.mark.parametrize("change, match", [
    (dict(chaos=float("nan")), "chaos=nan must be an integer"),
    (dict(chaos=-1), r"chaos=-1 must be an integer in \[0, 10000\]"),
    (dict(chaos="2"), "chaos='2' must be an integer"),
    (dict(complexity=2.5), "complexity=2.5 must be an integer"),
    (dict(complexity=[1]), r"complexity=\[1\] must be an integer"),
    (dict(x=None), "x=None must be a pair"),
    (dict(x=("g_h", 1, 2)), r"x=\('g_h', 1, 2\) must be a pair"),
    (dict(x=("zz", [1, 2])), "x: 'zz' is not a parameter of model 'gated'"),
    (dict(x=("g_h", 2.0)), "x: the values of 'g_h' must be a 1-d array of at least two"),
    (dict(progress=3), "progress=3 must be callable"),
])
def test_phase_diagram_refuses_bad_options_naming_them(change, match):
    args = {"x": ("g_h", np.linspace(1, 3, 5)), "y": ("alpha_r", np.linspace(0, 5, 4)),
            **change}
    with pytest.raises(ParameterError, match=match):
        phase_diagram("gated", **args)
