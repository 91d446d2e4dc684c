"""Time integration of a :class:`~validation.network.Network`.

Three named methods (style habit 4):

``rk4``
    Classical fixed-step fourth-order Runge–Kutta; the workhorse and the default (four
    evaluations of the right-hand side per step, a large stability region).
``adams``
    Fixed-step Adams–Bashforth–Moulton of order 8 in PECE mode (predict with
    Adams–Bashforth 8, evaluate, correct with Adams–Moulton 9, evaluate): two
    evaluations per step, each three large matrix-vector products, and far more
    accurate than ``rk4`` at the same step on these smooth flows (at N = 500, T = 10 on
    the chaotic attractor: 3e-11 at dt = 0.1 against 5e-8 for ``rk4``). The cheapest
    method per unit of accuracy here, but its stability interval is 6 times shorter
    (``dt <= 0.44 tau``) and, like every multistep method, it assumes a smooth flow:
    an input that jumps between grid points costs it its order near the jump.
``dopri5``
    Dormand–Prince 5(4) with embedded error control (Hairer, Nørsett & Wanner,
    *Solving ODEs I*, II.4), for runs where the step must adapt, e.g. very fast
    gates (small tau) or strong pulses.

Both work on one trial ``(n_vars, N)`` or a batch ``(n_vars, N, B)`` (matrix-matrix
products), record every ``record_every`` time units after ``transient``, and show
a progress bar when asked.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from meanfield._repr import short_repr
from meanfield._checks import check_float, is_integer, is_real
from meanfield._errors import ConvergenceError, ParameterError

from .checkpoint import SimulationInterrupted, interrupts
from .checkpoint import of_run as checkpoint_of_run
from ._adams import adams_bashforth, adams_moulton, pece_stability_limit, start_weights
from .network import Network, check_fits_in_memory

__all__ = ["Trajectory", "simulate", "METHODS", "check_rk4_step", "check_step",
           "ADAMS_ORDER"]

#: RK4 is stable on a linear decay dx/dt = -x/tau only for dt/tau <= 2.785 (the end of its
#: stability region on the negative real axis). Beyond it a gate with tau_z = 1e-3 at
#: dt = 0.05 is amplified ~1e5-fold per step: the state is garbage long before it overflows.
RK4_STABILITY_LIMIT = 2.785

#: Steps of the Adams–Bashforth predictor (and so the order of the ``adams`` method's
#: predictor; its corrector has order ``ADAMS_ORDER + 1``).
ADAMS_ORDER = 8


@dataclass(frozen=True)
class Trajectory:
    """A recorded simulation.

    Attributes
    ----------
    t : ndarray, shape (n_rec,)
        Recording times.
    y : ndarray, shape (n_rec, n_vars, N) or (n_rec, n_vars, N, B)
        Recorded states.
    final : ndarray
        State at the end of the run (``t = T``).
    variables : tuple of str
    method : str
    steps : int
        Number of integration steps taken.
    rejected : int
        Rejected steps (adaptive method only).
    """

    __repr__ = short_repr

    t: np.ndarray
    y: np.ndarray
    final: np.ndarray
    variables: tuple
    method: str
    steps: int
    rejected: int = 0
    options: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        """Recorded values of one variable, shape (n_rec, N[, B])."""
        try:
            return self.y[:, self.variables.index(name)]
        except ValueError:
            raise KeyError(f"no variable {name!r}; variables are {self.variables}") from None


def divergence_cause(largest: float, advice: str) -> str:
    """Why a state became non-finite: ``largest`` is its largest magnitude at the check
    before. Already huge (> 1e6), it is the network's own divergence (an unbounded
    nonlinearity with gain above one), which no step size cures; else ``advice``."""
    if largest > 1e6:
        return (f"the largest |state| was {largest:.3g} at the check before: the network "
                f"itself diverges at these parameters? (else {advice})")
    return advice

def _check_positive(name, value):
    # a bool or a string is not a time (True and '2' were taken; a probe, 2026-11-28)
    if not is_real(value):
        raise ParameterError(f"{name}={value!r} is not a number")
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ParameterError(f"{name}={value!r} must be positive and finite")
    return v


def check_step(network: Network, dt: float, method: str = "rk4") -> None:
    """Refuse a fixed step beyond the method's stability limit for the fastest time constant.

    The limit is where the method's stability region ends on the negative real axis
    (``rk4``: 2.785; ``adams``: derived from its coefficients,
    :func:`validation._adams.pece_stability_limit`). A step beyond the fastest time
    constant itself is refused too: still stable for RK4 up to 2.785 tau, but wrong by
    order one. A necessary condition only: rates set by the couplings or the
    nonlinearity (not by a time constant) are not checked.
    """
    limit = RK4_STABILITY_LIMIT if method == "rk4" else pece_stability_limit(ADAMS_ORDER)
    name, tau = min(network.time_constants.items(), key=lambda kv: kv[1])
    if dt > limit * tau:
        label = "RK4" if method == "rk4" else method
        raise ParameterError(f"dt={dt:g} is beyond the {label} stability limit "
                             f"{limit:.4g} * tau = {limit * tau:.3g} of variable {name} "
                             f"(time constant {tau:g}): reduce dt or use the adaptive "
                             f"method dopri5")
    if dt > tau:
        # stable but wrong by order one: over a step of 2.7 tau RK4 decays a unit by 0.88
        # where the flow decays it by 0.07 (a probe found the variance of z at 17 instead
        # of 0.3); at dt = tau the per-step factor is 2 % off (0.375 against 0.368)
        x = dt / tau
        rk4 = 1 - x + x ** 2 / 2 - x ** 3 / 6 + x ** 4 / 24
        raise ParameterError(f"dt={dt:g} exceeds the time constant {tau:g} of variable "
                             f"{name}: the step is stable but not accurate (a unit decays "
                             f"by {rk4:.2g} per RK4 step instead of {math.exp(-x):.2g}); "
                             f"use dt <= {tau:g} (default 0.05) or the adaptive method "
                             f"dopri5")


def check_rk4_step(network: Network, dt: float) -> None:
    """:func:`check_step` for ``rk4``."""
    check_step(network, dt, "rk4")


def simulate(network: Network, T: float, *, y0: np.ndarray | None = None, dt: float = 0.05,
             method: str = "rk4", record_every: float | None = None, transient: float = 0.0,
             rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0, batch: int | None = None,
             progress: bool = False, max_steps: int = 10_000_000,
             checkpoint: str | os.PathLike | None = None,
             checkpoint_every: float = 60.0) -> Trajectory:
    """Integrate ``network`` from ``y0`` for a time ``T``.

    Parameters
    ----------
    network : Network
    T : float
        Duration (> 0), in units of the h time constant.
    y0 : ndarray, optional
        Initial state ``(n_vars, N)`` or ``(n_vars, N, B)``; by default
        ``network.initial_state(seed, batch=batch)``.
    dt : float
        Step of ``rk4`` and ``adams``; initial step of ``dopri5``.
    method : {'rk4', 'adams', 'dopri5'}
    record_every : float, optional
        Interval between recorded states; default ``dt``. The fixed steps record every
        ``round(record_every / dt)`` steps, so ``record_every >= dt`` (the interval used is
        in the result's ``options``).
    transient : float
        Time before the first recorded state (0 <= transient <= T).
    rtol, atol : float
        Tolerances of ``dopri5``.
    seed : int
        Seed of the default initial state.
    batch : int, optional
        Number of independent trials for the default initial state.
    progress : bool
        Show a progress bar on stderr.
    max_steps : int
        ``rk4`` and ``adams`` refuse more than this many steps (``ParameterError``, before
        starting);
        ``dopri5`` gives up (``ConvergenceError``) after this many.
    checkpoint : path, optional
        A file (``.npz``) where the run's state is saved every ``checkpoint_every`` seconds
        of wall time, on Ctrl-C (then :class:`~validation.checkpoint.SimulationInterrupted`
        is raised) and at the end. If it exists, the run continues from it; the result is
        bit-identical to an uninterrupted run. A checkpoint of another run (other network,
        initial state or settings) is refused naming the difference; inputs that are
        functions of time cannot be checked and are refused. See
        :mod:`validation.checkpoint`.
    checkpoint_every : float
        Seconds of wall time between saves (default 60; 0 saves before every step).
    """
    if not isinstance(network, Network):
        # (simulate('gated', 2.0) was an AttributeError; a probe, 2026-11-28)
        raise ParameterError(f"network={network!r} must be a validation.Network, e.g. "
                             "simulate(Network('gated', N=1000), T)")
    if checkpoint is not None and not isinstance(checkpoint, str | os.PathLike):
        raise ParameterError(f"checkpoint={checkpoint!r} must be a file path or None")
    T = _check_positive("T", T)
    dt = _check_positive("dt", dt)
    if not (isinstance(method, str) and method in METHODS):
        raise ParameterError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    record_every = dt if record_every is None else _check_positive("record_every", record_every)
    if not is_real(transient):
        raise ParameterError(f"transient={transient!r} is not a number")
    transient = float(transient)
    if y0 is not None and batch is not None:
        # (batch was ignored without a word where y0 was given; a probe)
        raise ParameterError("batch sets the number of trials of the default initial state; "
                             "with y0 given, its shape does (n_vars, N, B)")
    if batch is not None and not (is_integer(batch) and batch >= 1):
        raise ParameterError(f"batch={batch!r} must be None or a positive integer")
    checkpoint_every = check_float("checkpoint_every", checkpoint_every, lo=0.0)
    if method == "dopri5":
        rtol, atol = _check_positive("rtol", rtol), float(atol)
        if not (math.isfinite(atol) and atol >= 0) or rtol < 1e-14:
            # rtol = atol = 0 divided by zero, then blamed the flow for a step underflow
            raise ParameterError(f"dopri5 tolerances rtol={rtol!r} (at least 1e-14, "
                                 f"double precision's limit) and atol={atol!r} (>= 0)")
    if not (is_integer(max_steps) and max_steps >= 1):
        raise ParameterError(f"max_steps={max_steps!r} must be a positive integer")
    if not (0 <= transient <= T):
        raise ParameterError(f"transient={transient!r} must lie in [0, T={T:g}]")
    fixed = method in ("rk4", "adams")
    if fixed:
        # T/dt steps are taken one by one: 1e300 of them never end (and T = 1e308 overflows)
        if not T / dt <= max_steps:
            raise ParameterError(f"T/dt = {T / dt:.3g} {method} steps exceed "
                                 f"max_steps={max_steps}")
        check_step(network, dt, method)
        # the step taken is T / round(T / dt): up to 1.5 dt where T is short (T = 0.149 at
        # dt = 0.1 took one step of 0.149, past tau_r = 0.1, after dt passed; a probe)
        taken = T / max(1, int(round(T / dt)))
        if taken > dt:
            try:
                check_step(network, taken, method)
            except ParameterError as exc:
                raise ParameterError(f"T={T:g} at dt={dt:g} takes steps of T / round(T / dt) "
                                     f"= {taken:.4g}: {exc}") from None
    if fixed and record_every < dt * (1 - 1e-9):
        raise ParameterError(f"record_every={record_every:g} is shorter than the step "
                             f"dt={dt:g}: {method} records at most once per step; choose "
                             f"dt <= record_every")
    y = network.check_state(network.initial_state(seed, batch=batch) if y0 is None
                            else np.array(y0, dtype=float))
    if y0 is not None and not np.all(np.isfinite(y)):
        raise ParameterError("y0 contains NaN or inf; the initial state must be finite")
    n_records = (T - transient) / max(record_every, dt if fixed else 0.0) + 1
    if not n_records <= max_steps:
        raise ParameterError(f"{n_records:.3g} recorded states exceed max_steps={max_steps}; "
                             "raise record_every")
    check_fits_in_memory(8.0 * n_records * y.size, f"recording {n_records:.3g} states")
    ck = None
    if checkpoint is not None:
        settings = {"method": method, "T": T, "dt": dt, "record_every": record_every,
                    "transient": transient}
        if method == "dopri5":
            settings.update(rtol=rtol, atol=atol)
        ck = checkpoint_of_run(checkpoint, network, y, settings, checkpoint_every)
    return METHODS[method](network, y, T, dt, record_every, transient, rtol, atol, progress,
                           max_steps, ck)


def _record_times(T, transient, record_every):
    n = int(math.floor((T - transient) / record_every + 1e-9)) + 1
    return transient + record_every * np.arange(n)


def _fixed_step(net, y, T, dt, record_every, transient, progress, name, make_stepper,
                ck=None):
    """The fixed-step driver shared by ``rk4`` and ``adams``: grid, recording, progress,
    non-finite check, checkpoints. ``make_stepper(dt)`` returns ``advance(step)``, which
    takes ``y`` from step ``step`` to ``step + 1`` in place (and, for a checkpoint, may
    carry ``advance.state()``, the arrays it keeps between steps, and
    ``advance.restore(saved)``)."""
    n_steps = max(1, int(round(T / dt)))
    dt = T / n_steps
    stride = max(1, int(round(record_every / dt)))
    first = int(math.ceil(transient / dt - 1e-9))
    rec_steps = range(first, n_steps + 1, stride)
    out = np.empty((len(rec_steps), *y.shape))
    times = np.empty(len(rec_steps))
    r, step0 = 0, 0
    saved = ck.load() if ck is not None else None

    def restore_records(d):
        nonlocal step0, r
        step0, r = int(d["step"]), int(d["r"])
        if not (0 <= step0 <= n_steps and 0 <= r <= len(times)) or d["y"].shape != y.shape:
            raise ValueError(f"step {step0}, record {r} or a state of shape {d['y'].shape} "
                             "do not fit this run")
        out[:r], times[:r] = d["records"], d["times"]

    if saved is not None:
        ck.restore(restore_records, saved)
    options = {"dt": dt, "record_every": stride * dt}
    if step0 == n_steps and r == len(times):  # a finished run: its result, no integration
        return Trajectory(times, out, ck.restore(lambda d: np.array(d["y"]), saved),
                          net.variables, name, n_steps, options=options)
    advance = make_stepper(dt)  # (from the initial state: the adams start)

    def restore_state(d):
        y[...] = d["y"]
        if hasattr(advance, "restore"):
            advance.restore(d)

    if saved is not None:
        ck.restore(restore_state, saved)

    def save(step):
        extra = advance.state() if hasattr(advance, "state") else {}
        ck.save(step=step, y=y, r=r, records=out[:r], times=times[:r], **extra)

    advice = f"reduce dt={dt:g}" + (" or use rk4 (a larger stability region)"
                                     if name == "adams" else "")
    bar = tqdm(total=n_steps, initial=step0, disable=not progress, unit="step",
               mininterval=0.5,
               desc=f"simulate N={net.N}" + ("" if name == "rk4" else f" ({name})"))
    largest = float(np.max(np.abs(y))) if y.size else 0.0

    def blew_up(when, t_end):
        # an input that is not finite is the cause, not the step ("reduce dt" for an input
        # returning NaN after t = 0.5; found by a probe, 2026-11-28)
        bad = net.nonfinite_input(t_end - 256 * dt, t_end)
        cause = (f"input {bad[0]} is not finite at t={bad[1]:g}" if bad
                 else divergence_cause(largest, advice))
        return ConvergenceError(f"state became non-finite {when}; {cause}")

    # overflow on the way to inf is checked every 256 steps and reported in one line
    with np.errstate(over="ignore", invalid="ignore"), interrupts(ck) as flag, bar:
        for step in range(step0, n_steps + 1):
            if r < len(times) and step == rec_steps[r]:
                out[r] = y
                times[r] = step * dt
                r += 1
            # saved after the step's record: a save at the last step holds every record
            # (saved before it, a run stopped in its last step resumed as finished with
            # its last record uninitialised; found by a probe, 2026-11-28)
            if ck is not None and (flag.raised or ck.due()) and step > step0:
                save(step)
                if flag.raised:
                    bar.close()
                    raise SimulationInterrupted(ck.path, step * dt, T)
            if step == n_steps:
                break
            advance(step)
            if step % 256 == 255:
                bar.update(step + 1 - bar.n)
                if not np.all(np.isfinite(y)):
                    raise blew_up(f"at t={(step + 1) * dt:g}", (step + 1) * dt)
                largest = float(np.max(np.abs(y)))
    bar.update(n_steps - bar.n)
    bar.close()
    if not np.all(np.isfinite(y)):
        raise blew_up(f"before t={T:g}", T)
    if ck is not None:
        save(n_steps)  # the finished run: called again, it returns without integrating
    return Trajectory(times, out, y.copy(), net.variables, name, n_steps, options=options)


def _evaluator(net):
    """``evaluate(state, t, into)``: the velocity written into an existing array."""
    f = net.velocity_raw

    def evaluate(state, t, into):
        for i, v in enumerate(f(state, t)):
            into[i] = v

    return evaluate


def _rk4_stepper(net, y):
    """``make_stepper`` of RK4, also the first guess of the adams start."""
    evaluate = _evaluator(net)
    k1, k2, k3, k4, tmp = (np.empty_like(y) for _ in range(5))

    def make(dt):
        h2, h6 = dt / 2, dt / 6

        def advance(step, k1_given=None):
            t = step * dt
            if k1_given is None:
                evaluate(y, t, k1)
                d1 = k1
            else:
                d1 = k1_given
            # in place through ufuncs (``a += b`` would make ``a`` local to this function)
            np.multiply(d1, h2, out=tmp)
            np.add(tmp, y, out=tmp)
            evaluate(tmp, t + h2, k2)
            np.multiply(k2, h2, out=tmp)
            np.add(tmp, y, out=tmp)
            evaluate(tmp, t + h2, k3)
            np.multiply(k3, dt, out=tmp)
            np.add(tmp, y, out=tmp)
            evaluate(tmp, t + dt, k4)
            np.add(k2, k3, out=k2)
            np.multiply(k2, 2, out=k2)
            np.add(k2, d1, out=k2)
            np.add(k2, k4, out=k2)
            np.multiply(k2, h6, out=k2)
            np.add(y, k2, out=y)

        return advance

    return make


def _rk4(net, y, T, dt, record_every, transient, rtol, atol, progress, max_steps, ck=None):
    return _fixed_step(net, y, T, dt, record_every, transient, progress, "rk4",
                       _rk4_stepper(net, y), ck)


def _adams(net, y, T, dt, record_every, transient, rtol, atol, progress, max_steps,
           ck=None):
    k = ADAMS_ORDER
    evaluate = _evaluator(net)

    def make(dt):
        # F[n % k] holds f(y_n, t_n): a ring of the last k derivatives. The weighted sums
        # over it are one (k,) @ (k, size) product, the weights rolled to the ring's phase.
        F = np.empty((k, *y.shape))
        flat = F.reshape(k, -1)
        acc = np.empty(y.size)

        def rolled(w):
            return [np.array([w[(r - s) % k] for s in range(k)]) for r in range(k)]

        ab, am = adams_bashforth(k), adams_moulton(k)
        wb, wa, a0 = rolled(ab * dt), rolled(am[1:] * dt), am[0] * dt
        start = _adams_start(net, y, dt, k, F, evaluate)
        pred = np.empty_like(y)
        fp = np.empty_like(y)

        def advance(step):
            if step + 1 < k:  # the start's values
                y[...] = start[step + 1]
                return
            t_next = (step + 1) * dt
            phase = step % k
            np.dot(wb[phase], flat, out=acc)  # predict (Adams–Bashforth)
            np.add(y, acc.reshape(y.shape), out=pred)
            evaluate(pred, t_next, fp)  # evaluate
            np.dot(wa[phase], flat, out=acc)  # correct (Adams–Moulton)
            np.multiply(fp, a0, out=pred)  # pred is spent: reuse it, no temporary
            np.add(acc, pred.reshape(-1), out=acc)
            np.add(y, acc.reshape(y.shape), out=y)
            evaluate(y, t_next, F[(step + 1) % k])  # evaluate

        # a checkpoint keeps the ring of derivatives (the start is recomputed from y0)
        advance.state = lambda: {"ring": F}
        advance.restore = lambda saved: F.__setitem__(Ellipsis, saved["ring"])
        return advance

    tr = _fixed_step(net, y, T, dt, record_every, transient, progress, "adams", make, ck)
    tr.options["order"] = k
    return tr


#: The start's fixed-point iteration stops when no value moves by more than the rounding
#: scale of its update, ``_START_ULPS`` ulps of ``|y0| + dt sum_i |W_ji| |f_i|`` (at least
#: 1e-13 max(1, |y0|)): below any truncation error the method makes. It gives up when the
#: sweeps stop contracting (three in a row that do not shrink the change) or after
#: ``_START_MAX_ITERATIONS``.
_START_ULPS = 256
_START_MAX_ITERATIONS = 100


def _adams_start(net, y0, dt, k, F, evaluate):
    """``y_0 .. y_{k-1}`` by the collocation start (``validation._adams``); fills ``F[0:k]``.

    First guess: one RK4 step per value; then Gauss–Seidel sweeps of
    ``y_j = y_0 + dt sum_i W_ji f(y_i)``, which contract by about ``dt`` times the flow's
    Lipschitz constant per sweep (8 sweeps at dt = 0.1 on the default chaotic network).
    """
    W = start_weights(k) * dt
    Y = np.empty((k, *y0.shape))
    Y[0] = y0
    evaluate(y0, 0.0, F[0])
    guess = np.array(y0)
    rk4_step = _rk4_stepper(net, guess)(dt)
    for j in range(1, k):  # RK4 guesses (k1 is the derivative already in F)
        rk4_step(j - 1, k1_given=F[j - 1])
        Y[j] = guess
        evaluate(Y[j], j * dt, F[j])
    flat = F.reshape(k, -1)
    y_scale = float(np.max(np.abs(y0)))
    floor = 1e-13 * max(1.0, y_scale)
    w_sum = float(np.max(np.abs(W).sum(axis=1)))
    change, previous, stalled = math.inf, math.inf, 0
    for sweep in range(1, _START_MAX_ITERATIONS + 1):
        change = 0.0
        for j in range(1, k):
            new = y0 + (W[j - 1] @ flat).reshape(y0.shape)
            change = max(change, float(np.max(np.abs(new - Y[j]))))
            Y[j] = new
            evaluate(new, j * dt, F[j])
        if not math.isfinite(change):
            break
        f_scale = w_sum * float(np.max(np.abs(flat)))
        if change <= max(floor, _START_ULPS * np.finfo(float).eps * (y_scale + f_scale)):
            return Y
        stalled = stalled + 1 if change >= previous else 0
        if stalled == 3:
            break
        previous = change
    raise ConvergenceError(f"the adams start (collocation over {k - 1} steps of dt={dt:g}) did "
                           f"not converge: last change {change:.3g} after {sweep} sweeps "
                           f"(the iteration contracts only when dt times the flow's rate is "
                           f"small); reduce dt or use rk4")


# Dormand–Prince 5(4) coefficients (Dormand & Prince 1980; Hairer–Nørsett–Wanner Table II.5.2).
_C = (0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1)
_A = ((),
      (1 / 5,),
      (3 / 40, 9 / 40),
      (44 / 45, -56 / 15, 32 / 9),
      (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
      (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
      (35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84))
_B = (35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0)
_B_LOW = (5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
_E = tuple(b - bl for b, bl in zip(_B, _B_LOW))


def _dopri5(net, y, T, dt, record_every, transient, rtol, atol, progress, max_steps,
            ck=None):
    times = _record_times(T, transient, record_every)
    out = np.empty((len(times), *y.shape))
    f = net.velocity
    t, h = 0.0, dt
    k = [None] * 7
    saved = ck.load() if ck is not None else None
    k[0] = f(y, t) if saved is None else None
    steps = rejected = 0
    r = 0
    if times[0] == 0.0:
        out[0] = y
        r = 1
    # overflow of a blowing-up flow: its steps are rejected and the step size underflow
    # the record times, then T itself: the run ended at the last record, and `final` was
    # that state, not the one at T (record_every = 20 in a run of 10.3: y0 itself; found
    # by a probe, 2026-11-28)
    stops = list(times) + ([T] if times[-1] < T else [])
    i = r
    def restore(d):  # the accepted steps so far, and the step size to try next
        nonlocal t, h, i, r, steps, rejected, y
        t, h, i, r = float(d["t"]), float(d["h"]), int(d["i"]), int(d["r"])
        steps, rejected = int(d["steps"]), int(d["rejected"])
        if not (0 <= i <= len(stops) and 0 <= r <= len(times)) or d["y"].shape != y.shape:
            raise ValueError("its step, records or state do not fit this run")
        y, k[0] = np.array(d["y"]), np.array(d["k0"])
        out[:r] = d["records"]

    if saved is not None:
        ck.restore(restore, saved)
    first = (t, i)

    def save():
        ck.save(t=t, h=h, i=i, r=r, steps=steps, rejected=rejected, y=y, k0=k[0],
                records=out[:r])

    bar = tqdm(total=T, initial=t, disable=not progress, unit="time",
               mininterval=0.5, desc=f"simulate N={net.N} (dopri5)")
    with np.errstate(over="ignore", invalid="ignore"), interrupts(ck) as flag, bar:
        while i < len(stops):
            if ck is not None and (flag.raised or ck.due()) and (t, i) != first:
                save()
                if flag.raised:
                    bar.close()
                    raise SimulationInterrupted(ck.path, t, T)
            target = stops[i]
            h_try = h
            h = min(h_try, target - t)
            clipped = h < h_try
            for s in range(1, 7):
                ys = y + h * sum(a * k[j] for j, a in enumerate(_A[s]) if a)
                k[s] = f(ys, t + _C[s] * h)
            y_new = ys  # stage 7 is evaluated at the 5th-order solution (FSAL)
            err = h * sum(e * k[j] for j, e in enumerate(_E) if e)
            scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
            # each trial of a batch meets the tolerance on its own (the worst trial's rms
            # error): one norm over the batch let an active trial among resting ones err
            # 12 times more than alone (found by a probe, 2026-11-28)
            err_norm = float(np.max(np.sqrt(np.mean((err / scale) ** 2, axis=(0, 1)))))
            steps += 1
            if steps > max_steps:
                raise ConvergenceError(f"dopri5 took more than max_steps={max_steps} steps "
                                       f"(reached t={t:g} of {T:g}, last step {h:.3g})")
            if err_norm <= 1.0 and np.all(np.isfinite(y_new)):
                t_new = t + h
                bar.update(h)
                y, t = y_new, t_new
                k[0] = k[6]
                if math.isclose(t, target, rel_tol=0, abs_tol=1e-12 * max(1.0, T)):
                    t = target
                    if r < len(times):
                        out[r] = y
                        r += 1
                    i += 1
                factor = 5.0 if err_norm == 0 else min(5.0, 0.9 * err_norm ** -0.2)
                if clipped:  # a step shortened to hit a record time says nothing about the next
                    h, factor = max(h_try, h * factor), 1.0
            else:
                rejected += 1
                factor = max(0.2, 0.9 * err_norm ** -0.2) if np.isfinite(err_norm) else 0.2
            h = h * factor
            if h < 1e-12 * max(1.0, T):
                raise ConvergenceError(f"dopri5 step size underflow at t={t:g} (error norm "
                                       f"{err_norm:.3g}); the flow may be stiff or blow up")
    bar.close()
    if ck is not None and (t, i) != first:
        save()  # the finished run: called again, it returns without integrating
    return Trajectory(times, out, y.copy(), net.variables, "dopri5", steps, rejected,
                      options={"rtol": rtol, "atol": atol})


METHODS = {"rk4": _rk4, "adams": _adams, "dopri5": _dopri5}
