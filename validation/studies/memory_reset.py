r"""Study 7: an integrating network holds a pulse; an input to the update gate erases it.

Setting (spec section 5, "memory reset"): g_h = 1.6, beta_h = 0.3, alpha_z = 20,
beta_z = 1 (alpha_r = 1, beta_r = 0, tau_z = tau_r = 1). The static theory gives one
stable non-zero fixed point (stability 0.53 < 1) with Delta_z = 0.143: the update gate
s_z(z) = sigmoid(20 z - 1), z ~ N(0, 0.143), spreads the units' rates over many decades
(a third of them below 1e-2): the network integrates.

Protocol, from the fixed point (found with the update gate held open, alpha_z = 0 and
beta_z = -5, where every unit relaxes at rate ~1: fixed points do not depend on the
update gate; then checked to be a fixed point of the alpha_z = 20 network, rms flow
< 1e-9, a drift far below the pulse over the run):

- write: I_h = A u (A = 0.02, u ~ N(0, 1) per unit) on [0, 10), and I_z = 2 to every
  unit on [0, 5). The input reaches h only through s_z (dh/dt = s_z(-h + ... + I_h)):
  a unit with rate s takes in a fraction 1 - exp(-s T) of a pulse of length T and
  forgets it at the same rate, so a pulse to h alone is held by the open units only
  (theory: decay time 1.5, 0.7 % left after 100; grey curve of the figure). Hence
  I_z opens every gate while I_h is on, and I_h stays on 5 more time units while the
  gates close again (z relaxes with tau_z): the pulse is latched, as in a GRU;
- hold: nothing; the memory trace is m(t) = u.(h(t) - h*) / u.(h(t_ref) - h*), t_ref = 10
  (``validation.measure.memory_trace``), recorded every 0.5 to t_ref + 100;
- reset (second run, same network and directions): I_z = 2 on [t_ref + 10, t_ref + 15).

Prediction (linear response at the fixed point, local rates). At a fixed point
xi = 0, so a perturbation of z does not move h to first order, and an input to z only
changes each unit's rate s_z(z_i* + c(t)), c(t) the input filtered by tau_z: (h*, r*)
stays a fixed point. The pulse response is dh = int P(t, t') S_z(t') u A dt' with
P the propagator of the Jacobian's h block. The overlap u.dh/N is its normalised trace:
each term of the expansion of P in the couplings that contains a coupling matrix has a
normalised trace of order N^-1/2 (i.i.d. entries, independent of the fixed point to
leading order; for an open gate this is the statement that the trace of
exp((-1 + J X) t) is N exp(-t) whatever the bulk of the spectrum), so only the
diagonal local block survives, and

    m(t) = E_z[w(z) exp(-(S(z, t) - S(z, t_ref)))] / E_z[w(z)],  w = 1 - exp(-S(z, t_ref))
    S(z, t) = int_0^t s_z(z + c(t')) dt',    z ~ N(0, Delta_z),

with s_z the local rate of h derived by the package (``local_rates_state``, the rate
that depends on z) and Delta_z from ``fixed_point_branches``: the theory's timescales
are the local rates 1/s_z, whose pile-up near 0 is the slow-mode density of study 3.
Without reset m is a mixture of exponentials with rates spread over decades (no
single time constant: it falls fast, then holds a slowly sinking plateau); with the
reset every rate becomes s_z(z + 2) ~ 1 after the lag of z, and m collapses.

Measurement: N = 800, 8 coupling seeds, 8 random directions per seed (quick: N = 400,
3 seeds, 4 directions), RK4 dt = 0.1; each seed's trace is the mean over its
directions. Decay time = the first time at which m has fallen to 1/e of its value at
the start (``decay_time``): from t_ref without reset, from the reset onset with it.

Rows: the relative L2 distance of the measured trace without reset from the theory;
the decay times without and with reset, and their ratio; the memory held at the end
without reset, m(t_ref + 100). Tolerance: 3 standard errors over seeds (their spread
contains the O((N n_dirs)^-1/2) overlap noise of the directions and the finite-size
fluctuation of the fixed point's distribution of z: Delta_z varies by ~7 % between
seeds at N = 400-1000, unbiased) plus the theory's own numerical error (quadrature in
z and time, estimated from a second evaluation with half the nodes and 2.5 times the
step). The theory has no free parameter and no fit; its neglected terms (linear
response: odd orders only survive the projection, O(A^2) relative; traces: O(N^-1/2)
per direction) are inside the seed spread. The decay time without reset is where a
slowly sinking plateau crosses 1/e, so its seed-to-seed error is large (~40 % per seed,
~15 % for the mean): the rows say so by their error.

The decay time after the reset comes out slightly short at small N (by ~8 % at
N = 200, 1.5 +- 1 % at N = 800 in development runs): a finite-size effect, inside the
tolerance at the sizes used here.

What survives the reset, m_reset(t_ref + 100) / m(t_ref + 100), is recorded in the
extra fields of the reset row but is not a row: the theory gives 0.24 %; the networks
agree at N = 800 (0.18 +- 0.11 %, 8 seeds) but keep a residual of ~1 % at N = 400
(0.8 +- 0.2 %, 8 seeds in development; the quick run's size), a finite-size effect
that the local theory does not contain and that is not derived here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from meanfield import fixed_point_branches, get_model
from meanfield.solve._theory import Theory

from ..compare import Comparison, StudyResult, sem
from ..integrate import simulate
from ..measure.memory import decay_time, memory_trace
from ..measure.settle import rms_speed
from ..network import Network
from ._common import plt, save_figure, settle_to_fixed_point

PARAMS = dict(g_h=1.6, beta_h=0.3, alpha_z=20.0, beta_z=1.0)


@dataclass(frozen=True)
class Protocol:
    """Times (from the start at the fixed point) and amplitudes of the pulses."""

    amplitude: float = 0.02     # I_h = amplitude * u during the write
    gate_input: float = 2.0     # I_z of the write and of the reset
    t_write: float = 5.0        # I_z on during [0, t_write)
    t_latch: float = 5.0        # I_h on until t_ref = t_write + t_latch
    delay: float = 10.0         # reset starts at t_ref + delay
    t_reset: float = 5.0        # and lasts t_reset
    hold: float = 100.0         # recorded until t_ref + hold

    @property
    def t_ref(self) -> float:
        return self.t_write + self.t_latch

    @property
    def reset_start(self) -> float:
        return self.t_ref + self.delay

    def gate(self, t, reset) -> np.ndarray:
        """I_z at time(s) ``t`` for runs with (``reset`` True) or without the reset."""
        t = np.asarray(t, dtype=float)
        eps = 1e-9
        on = (t < self.t_write - eps) | (np.asarray(reset) & (t >= self.reset_start - eps)
                                         & (t < self.reset_start + self.t_reset - eps))
        return np.where(on, self.gate_input, 0.0)


PROTOCOL = Protocol()


def _h_rate(model, params):
    """The local rate of h as a function of z (positive), from the derived theory.

    It is the one local rate (``local_rates_state``) that depends on z; which one is
    found with a steep gate (alpha_z = 1), since at alpha_z = 0 none does.
    """
    mod = Theory(model).module
    n_s, n_f, n_i = len(mod.STATES), len(mod.FIELDS), len(mod.INPUTS)
    iz = mod.STATES.index("z")

    def rates(z, prm):
        args = [np.zeros_like(z) for _ in range(n_s + n_f + n_i)]
        args[iz] = z
        p = [prm[n] for n in mod.PARAMETERS]
        return [np.broadcast_to(np.real(r), np.shape(z)) for r in
                mod.local_rates_state(*args, *p)]

    probe = rates(np.array([-1.0, 0.0, 1.0]), {**params, "alpha_z": 1.0})
    varying = [k for k, r in enumerate(probe) if np.ptp(r) > 0]
    if len(varying) != 1:
        raise RuntimeError(f"expected one local rate depending on z, found {len(varying)}")
    k = varying[0]
    return lambda z: -rates(z, params)[k]


def theory_traces(params=PARAMS, protocol: Protocol = PROTOCOL, *, times=None,
                  nodes: int = 2001, dt: float = 0.02) -> dict:
    """The local-rate prediction of m(t) without and with the reset (module doc).

    ``times`` are measured from t_ref (default every 0.5 to the end of the hold).
    Returns ``{"t", "hold", "reset", "delta_z", "stability"}``.
    """
    model = get_model("gated")
    p = model.resolve(params)
    fp = fixed_point_branches(model, params=p)
    stable = [b for b in fp if b.stable and not b.zero]
    if not stable:
        raise RuntimeError(f"no stable non-zero fixed-point branch at {params}")
    b = stable[-1]
    delta_z = b.variance["z"]
    rate = _h_rate(model, p)
    z = math.sqrt(delta_z) * ndtri((np.arange(nodes) + 0.5) / nodes)
    times = (np.arange(0.0, protocol.hold + 1e-9, 0.5) if times is None
             else np.asarray(times, dtype=float))
    n_steps = int(round((protocol.t_ref + times[-1]) / dt))
    rec = np.rint((protocol.t_ref + times) / dt).astype(int)
    if times[0] != 0 or np.any(np.abs(rec * dt - protocol.t_ref - times) > 1e-9):
        raise ValueError("times must start at 0 (t_ref) and lie on the integration grid")
    decay = math.exp(-dt / p["tau_z"])
    out = {"t": times, "delta_z": delta_z, "stability": b.stability}
    for reset in (False, True):
        c = 0.0
        s_prev = rate(z)
        S = np.zeros_like(z)
        S_rec = np.empty((len(times), nodes))
        r = 0
        for k in range(n_steps + 1):
            while r < len(rec) and rec[r] == k:
                S_rec[r] = S
                r += 1
            if k == n_steps:
                break
            drive = float(protocol.gate(k * dt, reset))  # constant over the step
            c = drive + (c - drive) * decay
            s_new = rate(z + c)
            S += 0.5 * dt * (s_prev + s_new)
            s_prev = s_new
        S_ref = S_rec[0]  # times[0] == 0: t_ref
        w = -np.expm1(-S_ref)
        out["reset" if reset else "hold"] = (np.exp(-(S_rec - S_ref)) @ w) / w.sum()
    return out


def measure_seed(seed: int, N: int, n_dirs: int, params=PARAMS,
                 protocol: Protocol = PROTOCOL, dt: float = 0.1, record: float = 0.5):
    """Traces m(t) (mean over ``n_dirs`` directions) without and with reset, one network.

    Returns ``(t, hold, reset, delta_z)``: t from t_ref, the two traces, and the variance
    of z at the network's fixed point.
    """
    # fixed points do not depend on the update gate: find it with the gate open
    # (s_z = sigmoid(5) ~ 1), where every unit relaxes at rate ~1
    fast = Network("gated", N, seed=seed, **{**params, "alpha_z": 0.0, "beta_z": -5.0})
    y = settle_to_fixed_point(fast, seed=seed, T=100.0)
    net = Network("gated", N, seed=seed, **params)
    # a residual flow v moves h by v * 110 over the run: keep it far below the pulse
    if y is None or rms_speed(net, y) > 1e-9:
        raise RuntimeError(f"no fixed point found at {params}, N={N}, seed {seed}")
    U = np.random.default_rng([seed, 0x4D454D]).standard_normal((N, n_dirs))
    U2 = np.concatenate([U, U], axis=1)
    reset = np.array([False] * n_dirs + [True] * n_dirs)
    t_ref = protocol.t_ref
    pulse = protocol.amplitude * U2
    inputs = {"I_h": lambda t: pulse if t < t_ref - 1e-9 else 0.0,
              "I_z": lambda t: protocol.gate(t, reset)[None, :]}
    net = Network("gated", N, seed=seed, params=params, inputs=inputs)
    y0 = np.repeat(y[:, :, None], 2 * n_dirs, axis=2)
    tr = simulate(net, t_ref + protocol.hold, y0=y0, dt=dt, record_every=record,
                  transient=t_ref)
    m = memory_trace(tr["h"], y[0], U2, tr.t, t_ref)
    return (tr.t - t_ref, m[:, :n_dirs].mean(1), m[:, n_dirs:].mean(1),
            float(np.mean(y[1] ** 2)))


def summarise(t, hold, reset, protocol: Protocol = PROTOCOL) -> dict:
    """Decay times, held memory and what survives the reset, from one pair of traces."""
    tau_hold = decay_time(t, hold, 0.0)
    tau_reset = decay_time(t, reset, protocol.delay)
    return {"tau_hold": tau_hold, "tau_reset": tau_reset, "ratio": tau_hold / tau_reset,
            "held": float(hold[-1]), "survives": float(reset[-1] / hold[-1])}


def run(out: Path, *, quick: bool = False) -> StudyResult:
    N, seeds, n_dirs = (400, 3, 4) if quick else (800, 8, 8)
    proto = PROTOCOL
    th = theory_traces(PARAMS, proto)
    coarse = theory_traces(PARAMS, proto, nodes=1001, dt=0.05)
    th_err = {k: float(np.max(np.abs(th[k] - coarse[k]))) for k in ("hold", "reset")}
    th_sum = summarise(th["t"], th["hold"], th["reset"], proto)
    co_sum = summarise(coarse["t"], coarse["hold"], coarse["reset"], proto)
    th_sum_err = {k: abs(th_sum[k] - co_sum[k]) for k in th_sum}
    # for the figure: the same I_h pulse without opening the gates (not latched)
    unlatched = theory_traces(PARAMS, replace(proto, gate_input=0.0))["hold"]

    sims = [measure_seed(seed, N, n_dirs, PARAMS, proto) for seed in range(seeds)]
    t = sims[0][0]
    if not np.allclose(t, th["t"]):
        raise RuntimeError("recording times differ from the theory's")
    hold = np.array([s[1] for s in sims])
    reset = np.array([s[2] for s in sims])
    dz = [s[3] for s in sims]
    per_seed = [summarise(t, h, r, proto) for h, r in zip(hold, reset)]

    p = {**PARAMS, "N": N, "seeds": seeds, "directions": n_dirs}
    rows = []
    norm = float(np.linalg.norm(th["hold"]))
    l2 = float(np.linalg.norm(hold.mean(0) - th["hold"]) / norm)
    spread = float(np.linalg.norm(hold.std(0, ddof=1) / math.sqrt(seeds)) / norm)
    rows.append(Comparison("memory_reset", "relative L2 error of m(t) without reset, "
                           f"0<=t<={proto.hold:g}", p, 0.0, l2, spread,
                           3 * spread + th_err["hold"],
                           "3 x seed-to-seed error of the mean trace + theory quadrature",
                           extra={"per_seed": [float(np.linalg.norm(h - th["hold"]) / norm)
                                               for h in hold]}))
    labels = {"tau_hold": "decay time to 1/e without reset (from t_ref)",
              "tau_reset": "decay time to 1/e after the reset onset",
              "ratio": "ratio of decay times without / with reset",
              "held": f"memory held without reset, m(t_ref + {proto.hold:g})"}
    survives = [s["survives"] for s in per_seed]
    extras = {"tau_hold": {"delta_z_theory": th["delta_z"], "delta_z_seeds": dz},
              "tau_reset": {"survives_theory": th_sum["survives"],
                            "survives_mean": float(np.mean(survives)),
                            "survives_sem": sem(survives)}}
    for key, label in labels.items():
        vals = np.array([s[key] for s in per_seed])
        e = sem(vals)
        rows.append(Comparison("memory_reset", label, p, th_sum[key], float(vals.mean()), e,
                               3 * e + th_sum_err[key],
                               "3 SEM over seeds + theory quadrature",
                               extra={"per_seed": vals.tolist(), **extras.get(key, {})}))

    pl = plt()
    fig, axes = pl.subplots(1, 2, figsize=(9.5, 3.8))
    for ax, log in zip(axes, (False, True)):
        for i, (curve, th_curve, lab) in enumerate(((hold, th["hold"], "no reset"),
                                                    (reset, th["reset"], "reset"))):
            mean, err = curve.mean(0), curve.std(0, ddof=1) / math.sqrt(seeds)
            tt = t + 1.0 if log else t
            ax.fill_between(tt, mean - err, mean + err, color=f"C{i}", alpha=0.3, lw=0)
            ax.plot(tt, mean, color=f"C{i}", lw=1.2, label=f"network N={N}, {lab}")
            ax.plot(tt, th_curve, "k--" if i == 0 else "k:", lw=1,
                    label=f"theory (local rates), {lab}")
        ax.plot(t + 1.0 if log else t, unlatched, color="0.5", ls="-.", lw=1,
                label="theory, I_h pulse alone (gates at rest)")
        ax.axvspan((proto.delay + (1 if log else 0)),
                   (proto.delay + proto.t_reset + (1 if log else 0)), color="0.9", zorder=0)
        ax.axhline(math.exp(-1), color="0.6", lw=0.5)
        ax.set_xlabel(r"$1 + t - t_\mathrm{ref}$" if log else r"$t - t_\mathrm{ref}$")
        ax.set_ylabel(r"memory $m(t)$")
        if log:
            ax.set_xscale("log")
        else:
            ax.set_xlim(0, 40)
            ax.legend(fontsize=7)
    axes[0].set_title(f"alpha_z={PARAMS['alpha_z']:g}, beta_z={PARAMS['beta_z']:g}: "
                      f"I_z pulse (shaded) erases the memory ({seeds} seeds)", fontsize=8)
    name = "memory_reset.png"
    save_figure(fig, out, name)
    return StudyResult("memory_reset",
                       "memory trace of a latched pulse from the local update-gate rates "
                       "s_z(z), z ~ N(0, Delta_z), with and without an I_z reset "
                       "(spec section 5)",
                       f"overlap of h - h* with the pulse direction, N={N}, {seeds} seeds, "
                       f"{n_dirs} directions each",
                       tuple(rows), (name,))

