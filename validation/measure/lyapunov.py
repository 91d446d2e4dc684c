r"""Lyapunov exponents of a finite network by the QR (Benettin) method.

The state and ``k`` tangent vectors are integrated together by RK4: the tangent
vectors obey :math:`\dot Q = \mathcal J(y(t))\,Q`, evaluated as Jacobian-vector
products from the network's factored linearisation, together with the velocity
(:meth:`~validation.network.Network.velocity_and_tangent`: one N x (k+1) matrix product
per coupling matrix for the state and the tangent vectors, never a dense 3N x 3N
Jacobian). Every ``renorm_every`` time units ``Q`` is re-orthonormalised by a QR
decomposition; ``log |R_ii| / renorm_every`` are the local exponents of that interval.
Their time average estimates the exponents; its error is the standard error of the mean
of block averages (blocks of 10 % of the run, long compared with the correlation time of
the local exponents).

Seeds are separate: the couplings (the network's own seed), the initial state
(``state_seed``) and the initial tangent basis (``basis_seed``). A transient is
discarded for both the state and the tangent basis (which must align with the
leading Lyapunov vectors first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from meanfield._repr import short_repr
from meanfield._checks import is_integer
from meanfield._errors import ConvergenceError, ParameterError

from ..checkpoint import SimulationInterrupted, interrupts
from ..checkpoint import of_run as checkpoint_of_run
from ..integrate import _check_positive, check_rk4_step, divergence_cause, simulate
from ..network import Network

__all__ = ["LyapunovResult", "lyapunov_spectrum", "max_lyapunov_twin", "kaplan_yorke_dimension",
           "participation_ratio"]


@dataclass(frozen=True)
class LyapunovResult:
    """Leading Lyapunov exponents and their errors.

    Attributes
    ----------
    exponents : ndarray, shape (k,)
        Time-averaged exponents, in decreasing order (per unit time).
    stderr : ndarray, shape (k,)
        Standard error of each exponent (block averages).
    local : ndarray, shape (n_intervals, k)
        Local exponents of every renormalisation interval after the transient.
    n_positive : int
        Exponents significantly above zero: more than 2 standard errors, and more than
        a millionth of an e-fold over the run (``T * lambda > 1e-6``).
    kaplan_yorke : float
        Kaplan–Yorke dimension of the leading ``k`` exponents (``nan`` when their sum
        is still positive: more exponents are needed).
    T, transient, renorm_every, dt : float
    """

    __repr__ = short_repr

    exponents: np.ndarray
    stderr: np.ndarray
    local: np.ndarray
    n_positive: int
    kaplan_yorke: float
    T: float
    transient: float
    renorm_every: float
    dt: float

    def to_dict(self) -> dict:
        return {"exponents": self.exponents.tolist(), "stderr": self.stderr.tolist(),
                "lyapunov_max": float(self.exponents[0]),
                "lyapunov_max_stderr": float(self.stderr[0]),
                "n_positive": self.n_positive,
                "kaplan_yorke": None if math.isnan(self.kaplan_yorke) else self.kaplan_yorke,
                # why a null is null (JSON has no NaN)
                "kaplan_yorke_note": ("needs more exponents: the sum of all "
                                      f"{len(self.exponents)} computed is still >= 0"
                                      if math.isnan(self.kaplan_yorke) else
                                      # (a dimension of 3.7 beside n_positive 0 read as
                                      # chaos; found by a probe)
                                      "no exponent is significantly positive: the "
                                      "dimension rests on exponents within their errors "
                                      "of 0 (longer T)"
                                      if self.n_positive == 0 and self.kaplan_yorke > 0
                                      else ""),
                "T": self.T, "transient": self.transient, "renorm_every": self.renorm_every,
                "dt": self.dt}


#: Most RK4 steps of one run (as :func:`~validation.integrate.simulate`'s ``max_steps``).
MAX_STEPS = 10_000_000


def _check_run(network, T, transient, dt, renorm_every, y0, **seeds):
    """The arguments both methods share, checked by name; returns them and the start."""
    T, dt = _check_positive("T", T), _check_positive("dt", dt)
    renorm_every = _check_positive("renorm_every", renorm_every)
    if renorm_every > T / 2:
        raise ParameterError(f"renorm_every={renorm_every:g} must be at most T/2 = {T / 2:g} "
                             "(at least two intervals are averaged)")
    try:
        transient = float(transient)
    except (TypeError, ValueError):
        transient = float("nan")
    if not (math.isfinite(transient) and transient >= 0):
        raise ParameterError(f"transient={transient!r} must be a finite number >= 0")
    for name, v in seeds.items():
        if not is_integer(v) or v < 0:
            raise ParameterError(f"{name}={v!r} must be a non-negative integer")
    _check_steps(T + transient, dt)
    if y0 is None:
        y = network.check_state(network.initial_state(seeds.get("state_seed", 0)))
    else:
        y = network.check_state(y0).copy()
        if y.ndim != 2:
            raise ParameterError(f"y0 has shape {y.shape}: one trial's state "
                                 f"({network.n_vars}, {network.N}) is needed")
        if not np.all(np.isfinite(y)):
            raise ParameterError("y0 contains NaN or inf")
    return T, dt, transient, renorm_every, y


def _check_steps(duration: float, dt: float) -> None:
    """Refuse a run of more than MAX_STEPS steps (T = 1e308 would overflow, 1e300 steps
    would never end)."""
    if not duration / dt <= MAX_STEPS:
        raise ParameterError(f"(T + transient)/dt = {duration / dt:.3g} steps exceed "
                             f"{MAX_STEPS}")


def kaplan_yorke_dimension(exponents) -> float:
    r"""Kaplan–Yorke dimension :math:`j + \sum_{i\le j}\lambda_i / |\lambda_{j+1}|`.

    ``j`` is the largest number of leading exponents with a non-negative sum. Returns
    0 when the largest exponent is negative and ``nan`` when the sum of all the given
    exponents is still non-negative (the dimension needs more of them).
    """
    try:
        lam = np.sort(np.asarray(exponents, dtype=float).ravel())[::-1]
    except (TypeError, ValueError):
        raise ParameterError("kaplan_yorke_dimension takes numbers") from None
    if lam.size == 0:  # (returned 0.0; found by a probe)
        raise ParameterError("kaplan_yorke_dimension: no exponents given")
    if not np.all(np.isfinite(lam)):
        raise ParameterError("kaplan_yorke_dimension: the exponents contain NaN or inf")
    c = np.cumsum(lam)
    if lam[0] < 0:
        return 0.0
    if c[-1] >= 0:
        return float("nan")
    j = int(np.max(np.nonzero(c >= 0)[0])) + 1
    return float(j + c[j - 1] / abs(lam[j]))


def participation_ratio(x: np.ndarray) -> float:
    r"""Participation ratio :math:`(\sum\mu_i)^2/\sum\mu_i^2` of the covariance of ``x``.

    ``x`` has shape ``(n_times, N)``: one variable of a recorded trajectory. The
    eigenvalues :math:`\mu_i` of the N x N covariance across time are those of the
    smaller Gram matrix, so this costs ``min(n_times, N)^3``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ParameterError("participation_ratio needs x of shape (n_times >= 2, N >= 1)")
    if not np.all(np.isfinite(x)):
        raise ParameterError("participation_ratio: x contains NaN or inf")
    xc = x - x.mean(0)
    gram = xc @ xc.T if x.shape[0] <= x.shape[1] else xc.T @ xc
    norm2 = float(np.sum(gram * gram))
    if not norm2 > 0:
        raise ParameterError("participation_ratio: x does not vary in time (zero "
                             "covariance): the ratio is undefined")
    # trace(C)^2 / trace(C^2) without the eigenvalues
    return float(np.trace(gram) ** 2 / norm2)


def lyapunov_spectrum(network: Network, k: int | None = None, *, T: float = 500.0,
                      transient: float = 100.0, dt: float = 0.05, renorm_every: float = 1.0,
                      state_seed: int = 0, basis_seed: int = 1, y0: np.ndarray | None = None,
                      progress: bool = False, checkpoint=None,
                      checkpoint_every: float = 60.0) -> LyapunovResult:
    """The ``k`` leading Lyapunov exponents of ``network`` (all ``n_vars*N`` by default).

    Parameters
    ----------
    network : Network
    k : int, optional
        Number of exponents, 1 <= k <= n_vars*N.
    T : float
        Averaging time after the transient.
    transient : float
        Time discarded first (state and tangent basis evolve, nothing is recorded).
    dt : float
        RK4 step; ``renorm_every`` is rounded to a whole number of steps.
    renorm_every : float
        Time between QR re-orthonormalisations.
    state_seed, basis_seed : int
        Seeds of the random initial state (unless ``y0`` is given) and tangent basis.
    checkpoint : path, optional
        A file (``.npz``) where the state, the tangent basis and the local exponents so
        far are saved every ``checkpoint_every`` seconds, on Ctrl-C (then
        :class:`~validation.checkpoint.SimulationInterrupted`) and at the end; if it
        exists, the run continues from it, bit-identically. See
        :mod:`validation.checkpoint`.
    checkpoint_every : float
        Seconds of wall time between saves (default 60; 0: after every interval).
    """
    n = network.n_vars * network.N
    if k is None:
        k = n
    elif not (is_integer(k) and 1 <= k <= n):
        raise ParameterError(f"k={k!r} must be an integer in [1, n_vars*N = {n}]")
    k = int(k)
    T, dt, transient, renorm_every, y = _check_run(network, T, transient, dt, renorm_every,
                                                   y0, state_seed=state_seed,
                                                   basis_seed=basis_seed)
    check_rk4_step(network, dt)  # its own RK4 below: same stability limit as simulate's
    steps_per = max(1, int(round(renorm_every / dt)))
    tau = steps_per * dt
    n_trans = int(math.ceil(transient / tau))
    n_int = max(2, int(math.ceil(T / tau)))
    rng = np.random.default_rng([basis_seed, 0x1A9])
    Q, _ = np.linalg.qr(rng.standard_normal((n, k)))
    shape = (network.n_vars, network.N, k)
    Q = Q.reshape(shape)

    # velocity and J·Q together: one product per coupling matrix with the state's and
    # the k tangent vectors' presynaptic values side by side (not three sets of products)
    f = network.velocity_and_tangent

    local = np.empty((n_int, k))
    ck, it0 = None, 0
    if checkpoint is not None:
        settings = {"measure": "lyapunov_spectrum", "k": k, "T": T, "transient": transient,
                    "dt": dt, "renorm_every": renorm_every, "basis_seed": int(basis_seed)}
        ck = checkpoint_of_run(checkpoint, network, y, settings, checkpoint_every)
        saved = ck.load()

        def restore(d):  # the intervals done: state, basis, their local exponents
            nonlocal it0, y, Q
            if d["y"].shape != y.shape or d["Q"].shape != Q.shape:
                raise ValueError("its state or basis has another shape")
            it0, y, Q = int(d["interval"]), np.array(d["y"]), np.array(d["Q"])
            local[:max(0, it0 - n_trans)] = d["local"]

        if saved is not None:
            ck.restore(restore, saved)

    def save(it):
        ck.save(interval=it, y=y, Q=Q, local=local[:max(0, it - n_trans)])

    largest = float(np.max(np.abs(y)))
    bar = tqdm(total=n_trans + n_int, initial=it0, disable=not progress,
               unit="interval", desc=f"lyapunov N={network.N} k={k}", mininterval=0.5)
    # a diverging state overflows on its way to inf: checked at every renormalisation
    with np.errstate(over="ignore", invalid="ignore"), interrupts(ck) as flag, bar:
        for it in range(it0, n_trans + n_int):
            if ck is not None and (flag.raised or ck.due()) and it > it0:
                save(it)
                if flag.raised:
                    bar.close()
                    # (the time from the start, transient included: "t = -6" before)
                    raise SimulationInterrupted(ck.path, it * tau, (n_trans + n_int) * tau)
            for j in range(steps_per):
                # the time of the step: inputs may depend on it (found by a probe: with
                # t fixed at 0 an input switched on at t = 5 was never seen)
                t = (it * steps_per + j) * dt
                k1y, k1q = f(y, Q, t)
                k2y, k2q = f(y + 0.5 * dt * k1y, Q + 0.5 * dt * k1q, t + 0.5 * dt)
                k3y, k3q = f(y + 0.5 * dt * k2y, Q + 0.5 * dt * k2q, t + 0.5 * dt)
                k4y, k4q = f(y + dt * k3y, Q + dt * k3q, t + dt)
                y = y + dt / 6 * (k1y + 2 * k2y + 2 * k3y + k4y)
                Q = Q + dt / 6 * (k1q + 2 * k2q + 2 * k3q + k4q)
            q, r = np.linalg.qr(Q.reshape(n, k))
            d = np.diag(r)
            if not (np.all(np.isfinite(d)) and np.all(np.isfinite(y))):
                cause = divergence_cause(largest, f"reduce dt={dt:g} or "
                                                  f"renorm_every={renorm_every:g}")
                raise ConvergenceError(
                    f"non-finite state or tangent vectors at t={(it + 1) * tau:g}; {cause}")
            largest = float(np.max(np.abs(y)))
            Q = (q * np.sign(d)).reshape(shape)
            if it >= n_trans:
                with np.errstate(divide="ignore"):
                    local[it - n_trans] = np.log(np.abs(d)) / tau
            bar.update(1)
    bar.close()
    if ck is not None and it0 < n_trans + n_int:
        save(n_trans + n_int)  # finished: called again, it returns without integrating
    exps = local.mean(0)
    n_blocks = min(10, n_int)
    blocks = np.array([b.mean(0) for b in np.array_split(local, n_blocks)])
    err = blocks.std(0, ddof=1) / math.sqrt(n_blocks)
    order = np.argsort(-exps)
    exps, err, local = exps[order], err[order], local[:, order]
    # significantly positive: beyond 2 standard errors, and beyond a millionth of an
    # e-fold over the whole run (T lambda > 1e-6): a frozen network's exponents are
    # rounding noise of 1e-17 whose block spread can be smaller still (n_positive was 1-4
    # at g_h = 1e-3, alpha_z = 1000, beta_z = 50; found by a probe, 2026-11-28)
    n_pos = int(np.sum(exps > 2 * err + 1e-6 / (n_int * tau)))
    return LyapunovResult(exps, err, local, n_pos, kaplan_yorke_dimension(exps),
                          n_int * tau, n_trans * tau, tau, dt)


def max_lyapunov_twin(network: Network, *, T: float = 500.0, transient: float = 100.0,
                      dt: float = 0.05, d0: float = 1e-8, renorm_every: float = 1.0,
                      state_seed: int = 0, perturbation_seed: int = 2,
                      y0: np.ndarray | None = None) -> tuple[float, float]:
    """Largest exponent from a twin trajectory started ``d0`` away (Benettin's method).

    The twin is pulled back to distance ``d0`` along the current separation every
    ``renorm_every``; returns ``(exponent, standard error)`` (block averages). An
    independent check of :func:`lyapunov_spectrum`'s leading exponent: it uses the
    flow only, not the Jacobian.
    """
    d0 = _check_positive("d0", d0)
    T, dt, transient, renorm_every, y = _check_run(network, T, transient, dt, renorm_every,
                                                   y0, state_seed=state_seed,
                                                   perturbation_seed=perturbation_seed)
    if network.time_dependent:
        raise ParameterError("max_lyapunov_twin restarts simulate at t = 0 each interval, so "
                             "it cannot follow an input that depends on time; use "
                             "lyapunov_spectrum, which does")
    steps_per = max(1, int(round(renorm_every / dt)))
    tau = steps_per * dt
    # The twin starts with the state, so the transient aligns the separation with the
    # leading direction too, as lyapunov_spectrum does its basis. Started after the
    # transient, the alignment fell inside the average and biased the exponent low by
    # about log|c_1| / T (linear flow: -0.165 +- 0.005 over 6 seeds against the exact
    # -0.141; found by a probe, 2026-11-28).
    rng = np.random.default_rng([perturbation_seed, 0x7F1])
    v = rng.standard_normal(y.shape)
    x = y + d0 * v / np.linalg.norm(v)
    n_trans = int(math.ceil(transient / tau))  # as lyapunov_spectrum
    n_int = max(2, int(math.ceil(T / tau)))
    local = np.empty(n_int)
    for it in range(n_trans + n_int):
        y = simulate(network, tau, dt=dt, y0=y, record_every=tau).final
        x = simulate(network, tau, dt=dt, y0=x, record_every=tau).final
        d = np.linalg.norm(x - y)
        if not np.isfinite(d) or d == 0:
            raise ConvergenceError(f"twin separation became {d} at t={(it + 1) * tau:g}")
        if it >= n_trans:
            local[it - n_trans] = math.log(d / d0) / tau
        x = y + (x - y) * (d0 / d)
    n_blocks = min(10, n_int)
    blocks = np.array([b.mean() for b in np.array_split(local, n_blocks)])
    return float(local.mean()), float(blocks.std(ddof=1) / math.sqrt(n_blocks))
