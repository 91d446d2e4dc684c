"""Sweepable quantities: name -> chunk kernel, its outputs (with meaning and units) and options.

A *kernel* computes one chunk of a sweep: given the model, the axis values of the chunk
(a block of the grid), the fixed parameters, the resolved options and, for simulation
quantities, the seeds, it returns a dict of arrays shaped like the block (grid axes in
order, then ``seed``). Kernels are pure functions of their arguments, so a chunk computed
twice gives the same numbers, and they travel to Dask workers by name
(:func:`compute_chunk`), never as closures.

Theory quantities: ``fixed-points`` (vectorised over the chunk,
:func:`~meanfield.solve.grid.stability_map`), ``dmft``
(:func:`~meanfield.solve.dmft.dmft` per point), ``complexity``
(:func:`~meanfield.solve.complexity.complexity` per point), ``dimension``
(:func:`~meanfield.solve.dimension.participation_ratio` per point). Simulation measurement:
``simulate`` (:func:`validation.simulation_summary.summarise_run` per point and seed, the
summary of ``meanfield simulate --json``). A point whose solver raises a
:class:`~meanfield.MeanfieldError` is stored with ``failed = True`` and fill values; any
other exception is a bug and stops the sweep.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._checks import check_fits_in_memory
from .._errors import MeanfieldError, ParameterError
from ..models import Model
from .errors import UnknownQuantityError

__all__ = ["Option", "Output", "Quantity", "QUANTITIES", "get_quantity", "compute_chunk"]


# ------------------------------------------------------------------ descriptions

@dataclass(frozen=True)
class Output:
    """One stored variable of a quantity.

    Parameters
    ----------
    name : str
        Variable name in the dataset.
    dtype : str
        numpy dtype (``float64``, ``bool``, ``int16`` ...), or ``"string"``: text of any
        length (numpy's ``StringDType``; Zarr's variable-length UTF-8).
    long_name : str
        What it is (stored as the ``long_name`` attribute).
    units : str
        Units (``"1"``: dimensionless; times are in units of the h time constant).
    """

    name: str
    dtype: str
    long_name: str
    units: str = "1"

    @property
    def np_dtype(self) -> np.dtype:
        """The numpy dtype of the values."""
        return np.dtypes.StringDType() if self.dtype == "string" else np.dtype(self.dtype)

    @property
    def fill(self):
        """Value of a point not (successfully) computed: NaN, False, -1 or ''."""
        if self.dtype == "string":
            return ""
        kind = np.dtype(self.dtype).kind
        return np.nan if kind == "f" else (False if kind == "b" else -1)


@dataclass(frozen=True)
class Option:
    """A keyword option of a quantity (CLI flag ``--NAME`` with ``_`` written ``-``).

    Parameters
    ----------
    name : str
    default : object
        Used when the option is not given (``None``: the solver's own default).
    check : callable
        ``check(name, value) -> value``: normalises or raises :class:`ParameterError`.
    help : str
    method : str, optional
        The solver method the option belongs to (``"sampling"``, ``"gaussian"``): given
        with the quantity's other ``method``, it is refused, as the solvers refuse it.
    """

    name: str
    default: object
    check: Callable
    help: str = ""
    method: str | None = None

    def resolve(self, value):
        """The checked value, or the default when ``value`` is None."""
        if value is None:
            return self.default
        return self.check(self.name, value)


@dataclass(frozen=True)
class Quantity:
    """A sweepable quantity.

    Attributes
    ----------
    name, description : str
    outputs : callable
        ``outputs(model) -> tuple of Output``.
    options : tuple of Option
    kernel : callable
        ``kernel(model, axes, params, options, seeds) -> dict of ndarray`` (module-level).
    cost : callable
        ``cost(model, options) -> float``: rough seconds per point, to size the chunks.
    per_seed : bool
        Has a ``seed`` dimension (simulation measurements).
    converged : str or None
        Boolean output whose False marks a non-converged point (counted in the summary).
    """

    name: str
    description: str
    outputs: Callable
    options: tuple
    kernel: Callable
    cost: Callable
    per_seed: bool = False
    converged: str | None = None

    def resolve_options(self, given: dict) -> dict:
        """Every option of this quantity: checked values of ``given``, defaults otherwise."""
        known = {o.name: o for o in self.options}
        for name in given:
            if name not in known:
                raise ParameterError(
                    f"option {name!r} does not apply to quantity {self.name!r} (its options: "
                    f"{', '.join(known) or 'none'})")
        # an option of the other method: refused as the solvers refuse it (the store
        # recorded --samples with method=gaussian as if used; found by a probe)
        method = given.get("method")
        for name in given:
            owner = known[name].method
            if owner is not None and method not in (None, "auto", owner):
                raise ParameterError(f"option {name} belongs to method={owner!r}, not "
                                     f"method={method!r}")
        return {n: o.resolve(given.get(n)) for n, o in known.items()}


# ------------------------------------------------------------------ option checks

def _number(name, value):
    if isinstance(value, bool):
        raise ParameterError(f"option {name}={value!r} is not a number")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"option {name}={value!r} is not a number") from None
    if not math.isfinite(v):
        raise ParameterError(f"option {name}={value!r} must be finite")
    return v


def positive(name, value):
    """A finite number > 0."""
    v = _number(name, value)
    if v <= 0:
        raise ParameterError(f"option {name}={value!r} must be > 0")
    return v


def nonnegative(name, value):
    """A finite number >= 0."""
    v = _number(name, value)
    if v < 0:
        raise ParameterError(f"option {name}={value!r} must be >= 0")
    return v


def fraction(name, value):
    """A number in (0, 1]."""
    v = _number(name, value)
    if not 0 < v <= 1:
        raise ParameterError(f"option {name}={value!r} must lie in (0, 1]")
    return v


def integer_at_least(minimum: int) -> Callable:
    """A check for an integer >= ``minimum``."""
    def check(name, value):
        v = _number(name, value)
        if v != int(v) or v < minimum:
            raise ParameterError(f"option {name}={value!r} must be an integer >= {minimum}")
        return int(v)
    return check


def one_of(*choices: str) -> Callable:
    """A check for one of ``choices``."""
    def check(name, value):
        if value not in choices:
            raise ParameterError(f"option {name}={value!r} must be one of {', '.join(choices)}")
        return value
    return check


def flag(name, value):
    """A boolean."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise ParameterError(f"option {name}={value!r} must be True or False")


# ------------------------------------------------------------------ kernels

def _block_shape(axes: dict, seeds) -> tuple:
    return tuple(len(v) for v in axes.values()) + (() if seeds is None else (len(seeds),))


def _per_point(point: Callable, outputs: tuple, model: Model, axes: dict, params: dict,
               options: dict, seeds) -> dict:
    """Call ``point(model, params, options, seed) -> dict`` at every point of the block.

    A :class:`~meanfield.MeanfieldError` at a point leaves its fill values, sets
    ``failed`` there and stores the error in ``message``; a point function returns its
    own ``message`` where the solver did not converge.
    """
    shape = _block_shape(axes, seeds)
    out = {o.name: np.full(shape, o.fill, dtype=o.np_dtype) for o in outputs}
    fills = {o.name: o.fill for o in outputs}
    names = list(axes)
    for idx in np.ndindex(*shape):
        p = dict(params)
        p.update({n: float(axes[n][i]) for n, i in zip(names, idx)})
        seed = None if seeds is None else int(seeds[idx[-1]])
        try:
            values = point(model, p, options, seed)
        except MeanfieldError as exc:
            out["failed"][idx] = True
            out["message"][idx] = f"{type(exc).__name__}: {exc}"
            continue
        for k, v in values.items():
            # None (undefined, or undecided): the output's fill, NaN or -1 (assigning NaN
            # to the bool "chaotic" stored an undecided point as True)
            out[k][idx] = fills[k] if v is None else v
    return out


def _given(options: dict, *names: str) -> dict:
    """The options ``names`` that were given (None: the solver's own default)."""
    return {k: options[k] for k in names if options[k] is not None}


_FAILED = Output("failed", "bool", "the solver raised an error at this point (values are fill)")
#: Why a point failed or did not converge, in the solver's words (a sweep kept only the
#: ``failed`` flag, and the summary sent the user to run the point again to learn why).
_MESSAGE = Output("message", "string",
                  "the solver's error where the point failed, its message where it did "
                  "not converge; empty otherwise")


# fixed points (vectorised) ----------------------------------------------------------

def _fixed_point_outputs(model: Model) -> tuple:
    first = model.variable_names[0]
    return (
        Output("zero_exists", "bool", "the zero fixed point exists"),
        Output("zero_stable", "bool", "the zero fixed point exists and is stable"),
        Output("n_nonzero", "int16", "number of non-zero fixed-point branches"),
        Output("n_stable_nonzero", "int16", "number of stable non-zero branches"),
        Output("max_variance", "float64",
               f"largest variance of {first} over the non-zero branches (0 if none)"),
        Output("region", "int8", "phase region code (see attribute regions)"),
        Output("truncated", "bool",
               "residual still positive at q_max: a branch may lie beyond the scan"),
        _FAILED, _MESSAGE,
    )


def _fixed_point_kernel(model, axes, params, options, seeds):
    from ..solve.grid import stability_map

    def block(ax):
        m = stability_map(model, axes=ax, params=params, nodes=options["nodes"],
                          n_q=options["n_q"], q_max=options["q_max"],
                          workers=1)  # the sweep spreads its tasks over the cores itself
        return {"zero_exists": m.zero_exists, "zero_stable": m.zero_stable,
                "n_nonzero": m.n_nonzero, "n_stable_nonzero": m.n_stable_nonzero,
                "max_variance": m.max_variance, "region": m.region,
                "truncated": m.truncated}

    try:
        out = block(axes)
    except MeanfieldError:
        # the vectorised map refuses the whole block when one point is refused (a unit
        # with several fixed points, meanfield.solve.unit_root): redo it point by point
        def point(model, p, options, seed):
            one = block({k: np.array([p[k]]) for k in axes})
            return {k: np.asarray(v).reshape(-1)[0] for k, v in one.items()}

        return _per_point(point, _fixed_point_outputs(model), model, axes, params,
                          options, seeds)
    out["failed"] = np.zeros(_block_shape(axes, seeds), dtype=bool)
    out["message"] = np.full(_block_shape(axes, seeds), "", dtype=_MESSAGE.np_dtype)
    return out


# DMFT ----------------------------------------------------------------------------------

def _dmft_outputs(model: Model) -> tuple:
    h = model.variable_names[0]
    return (
        Output("delta_0", "float64", f"C_{h}(0), total variance of {h}"),
        Output("delta_0_error", "float64", "statistical error of delta_0 (sampling; 0 Gaussian)"),
        Output("delta_inf", "float64", f"C_{h}(inf), static part of the variance of {h}"),
        Output("delta_inf_error", "float64",
               "statistical error of delta_inf (sampling; 0 Gaussian)"),
        Output("tau_corr", "float64", "correlation time of the fluctuations (NaN if static)",
               "tau_h"),
        Output("tau_corr_error", "float64",
               "statistical error of tau_corr (sampling; 0 Gaussian)", "tau_h"),
        Output("lyapunov_max", "float64", "maximal Lyapunov exponent (NaN if not computed)",
               "1/tau_h"),
        Output("lyapunov_max_error", "float64", "statistical error of lyapunov_max",
               "1/tau_h"),
        Output("chaotic", "int8", "the self-consistent solution is time dependent: 1, a "
                                  "fixed point: 0, undecided (not converged) or failed: -1"),
        Output("converged", "bool", "the DMFT iteration converged"),
        Output("residual", "float64", "largest change of any C in the last iteration"),
        Output("iterations", "int32", "iterations used"),
        _FAILED, _MESSAGE,
    )


def _dmft_point(model, p, options, seed):
    from ..solve.dmft import dmft

    # only the options given (None: dmft's own default): dmft notes a given option of the
    # other method as unused where "auto" takes one, and its defaults passed as if given
    # put "samples, seed not used" into every Gaussian point's message (a probe,
    # 2026-11-28); the other method's options are refused with method= (resolve_options)
    r = dmft(model, params=p, method=options["method"], tau_max=options["tau_max"],
             dtau=options["dtau"], damping=options["damping"],
             lyapunov=options["lyapunov"], **_given(options, "samples", "seed", "nodes"))
    d = r.to_dict()
    return {**{k: d[k] for k in ("delta_0", "delta_0_error", "delta_inf", "delta_inf_error",
                                 "tau_corr", "tau_corr_error", "lyapunov_max",
                                 "lyapunov_max_error", "chaotic", "converged", "residual",
                                 "iterations")},
            "message": "" if r.converged else r.message}


def _dmft_kernel(model, axes, params, options, seeds):
    return _per_point(_dmft_point, _dmft_outputs(model), model, axes, params, options, seeds)


def _dmft_cost(model, options) -> float:
    dtau = options["dtau"] or 0.05
    if options["method"] == "sampling":
        return 60.0
    return 0.2 + 1e-3 * options["tau_max"] / dtau


# complexity -----------------------------------------------------------------------------

def _complexity_outputs(model: Model) -> tuple:
    return (
        Output("sigma", "float64", "annealed topological complexity Sigma (E[#fixed points] "
                                   "~ exp(N Sigma))"),
        Output("converged", "bool", "the saddle-point equations converged"),
        Output("stability", "float64", "rho(M(0)) of the typical counted fixed point "
                                       "(> 1: unstable)"),
        Output("log_det", "float64", "(1/N) log|det(1 - W Gamma)| under the optimal law"),
        Output("residual", "float64", "residual of the saddle-point equations"),
        Output("quadrature_error", "float64", "|Sigma(K) - Sigma(2K - 1)| at the optimum"),
        _FAILED, _MESSAGE,
    )


def _complexity_point(model, p, options, seed):
    from ..solve.complexity import complexity

    r = complexity(model, params=p, nodes=options["nodes"], throw=False)
    return {"sigma": r.sigma, "converged": r.converged, "stability": r.stability,
            "log_det": r.log_det, "residual": r.residual,
            "quadrature_error": r.quadrature_error,
            "message": "" if r.converged else r.message}


def _complexity_kernel(model, axes, params, options, seeds):
    return _per_point(_complexity_point, _complexity_outputs(model), model, axes, params,
                      options, seeds)


# dimension ------------------------------------------------------------------------------

def _dimension_outputs(model: Model) -> tuple:
    return (
        Output("pr_per_unit", "float64", "participation ratio per unit PR/N of the rates "
                                         "(N -> infinity; 0 at a fixed point)"),
        Output("cross_covariance", "float64", "N <C_ij^2> / c0^2 = N / PR - 1"),
        Output("pr_error", "float64", "standard error of pr_per_unit (sampling method; 0 "
                                      "Gaussian)"),
        Output("variance", "float64", "temporal variance c0 of the rates"),
        Output("chaotic", "int8", "the DMFT solution is time dependent: 1, a fixed point: "
                                  "0, undecided (not converged) or failed: -1"),
        Output("success", "bool", "the DMFT converged and the theory applies (band, "
                                  "decay; sampling: no state frozen per unit)"),
        _FAILED, _MESSAGE,
    )


def _dimension_point(model, p, options, seed):
    from ..solve.dimension import participation_ratio

    # (only the options given, as for dmft: participation_ratio notes the sampling ones
    # as unused where the Gaussian method applies)
    r = participation_ratio(model, params=p, method=options["method"],
                            **_given(options, "tau_max", "dtau", "nodes", "samples", "seed",
                                     "T"))
    return {"pr_per_unit": r.pr_per_unit, "cross_covariance": r.cross_covariance,
            "pr_error": r.stat_error, "variance": r.variance, "chaotic": r.chaotic,
            "success": r.success, "message": "" if r.success else r.message}


def _dimension_cost(model, options) -> float:
    # (method auto at non-Gaussian points samples too, and costs this; the cost only
    # sizes the chunks, which the parameters do not reach)
    if options["method"] == "sampling":
        return 120.0
    return 0.5 + 1e-3 * (options["tau_max"] or 200.0) / (options["dtau"] or 0.05)


def _dimension_kernel(model, axes, params, options, seeds):
    return _per_point(_dimension_point, _dimension_outputs(model), model, axes, params,
                      options, seeds)


# simulation -----------------------------------------------------------------------------

def _simulate_outputs(model: Model) -> tuple:
    out = [Output("settled", "bool", "the network settled to a fixed point (rms speed < 1e-6)"),
           Output("rms_speed", "float64", "rms speed of the final state", "1/tau_h")]
    for v in model.variable_names:
        out += [Output(f"variance_{v}", "float64", f"variance of {v} over units and time"),
                Output(f"fluctuation_variance_{v}", "float64",
                       f"temporal (fluctuating) variance of {v}"),
                Output(f"static_variance_{v}", "float64", f"static variance of {v}")]
    return (*out, _FAILED, _MESSAGE)


def _simulate_point(model, p, options, seed):
    from validation.network import Network
    from validation.simulation_summary import summarise_run

    net = Network(model, options["N"], seed=seed, params=p)
    s = summarise_run(net, T=options["T"], dt=options["dt"], method=options["method"],
                      transient=options["transient"], seed=seed)
    out = {"settled": s["settled"], "rms_speed": s["rms_speed"]}
    for key in ("variance", "fluctuation_variance", "static_variance"):
        out.update({f"{key}_{v}": x for v, x in s[key].items()})
    return out


def _simulate_kernel(model, axes, params, options, seeds):
    return _per_point(_simulate_point, _simulate_outputs(model), model, axes, params, options,
                      seeds)


def _simulate_cost(model, options) -> float:
    steps = options["T"] / options["dt"]
    return 0.05 + 4 * steps * (2e-9 * len(model.couplings) * options["N"] ** 2
                               + 1e-6 * options["N"] / 100)


def _check_simulate(options: dict) -> None:
    t = options["transient"]
    if t is not None and t >= options["T"]:
        raise ParameterError(f"option transient={t:g} must be smaller than T={options['T']:g}")
    # what every point would fail on, refused before the sweep starts (N = 1e30 or
    # dt = 1e30 made a store of failed points, "done"; a probe, 2026-11-28)
    steps = options["T"] / options["dt"]
    if options["method"] != "dopri5" and not 1 <= round(steps) <= 10_000_000:
        raise ParameterError(f"options T={options['T']:g}, dt={options['dt']:g}: "
                             f"T/dt = {steps:.3g} steps; between 1 and 1e7")
    check_fits_in_memory(8.0 * float(options["N"]) ** 2,
                         f"option N={options['N']:.3g}: one N x N coupling matrix")


# ------------------------------------------------------------------ registry

QUANTITIES: dict[str, Quantity] = {q.name: q for q in (
    Quantity(
        "fixed-points",
        "fixed-point branches and their stability (vectorised stability map)",
        _fixed_point_outputs,
        (Option("nodes", None, integer_at_least(3), "quadrature nodes (default: chosen per "
                                                    "chunk to meet rtol 1e-6)"),
         Option("n_q", 32, integer_at_least(4), "points of the scan of the first variance"),
         Option("q_max", 1.0, positive, "largest first variance scanned")),
        _fixed_point_kernel, lambda model, options: 1e-3),
    Quantity(
        "dmft",
        "stationary DMFT: variance, static part, correlation time, Lyapunov exponent",
        _dmft_outputs,
        (Option("method", "auto", one_of("auto", "gaussian", "sampling"),
                "auto, gaussian or sampling"),
         Option("tau_max", 100.0, positive, "largest lag"),
         Option("dtau", None, positive, "lag spacing (default 0.05 Gaussian, 0.1 sampling)"),
         Option("nodes", None, integer_at_least(8), "quadrature nodes per dimension to "
                                                   "start with (Gaussian; doubled as "
                                                   "needed; default 80)",
                method="gaussian"),
         Option("damping", None, fraction, "mixing fraction of each iterate, in (0, 1]"),
         Option("samples", None, integer_at_least(64), "single-site trajectories (sampling; "
                                                      "default 4000)", method="sampling"),
         Option("seed", None, integer_at_least(0), "random seed of the sampling method "
                                                   "(default 0)", method="sampling"),
         Option("lyapunov", True, flag, "also compute lyapunov_max")),
        _dmft_kernel, _dmft_cost, converged="converged"),
    Quantity(
        "complexity",
        "annealed Kac-Rice topological complexity Sigma",
        _complexity_outputs,
        (Option("nodes", 81, integer_at_least(21), "trapezoid nodes per active field"),),
        _complexity_kernel, lambda model, options: 1.0, converged="converged"),
    Quantity(
        "dimension",
        "participation ratio PR/N of chaotic activity (DMFT; sampled where not Gaussian)",
        _dimension_outputs,
        (Option("method", "auto", one_of("auto", "gaussian", "sampling"),
                "auto, gaussian or sampling (the update gate, alpha_z > 0)"),
         Option("tau_max", None, positive, "largest lag of the DMFT (default 200 Gaussian, "
                                           "100 sampling)"),
         Option("dtau", None, positive, "lag spacing (default 0.05 Gaussian, 0.1 sampling)"),
         Option("nodes", None, integer_at_least(8), "quadrature nodes per dimension "
                                                   "(default 80)"),
         Option("samples", None, integer_at_least(64), "sampled trajectories (sampling; "
                                                      "default 8000)"),
         Option("seed", None, integer_at_least(0), "random seed of the sampling method "
                                                   "(default 0)"),
         Option("T", None, positive, "length of the sampled DMFT's trajectories (sampling; "
                                     "default 4 tau_max; 1600 halves the error for units "
                                     "that differ)")),
        _dimension_kernel, _dimension_cost, converged="success"),
    Quantity(
        "simulate",
        "finite-network simulation summary (as `meanfield simulate --json`), per seed",
        _simulate_outputs,
        (Option("N", 1000, integer_at_least(1), "number of units"),
         Option("seeds", 1, integer_at_least(1), "seeds 0..seeds-1 (a dimension)"),
         Option("T", 300.0, positive, "duration"),
         Option("dt", 0.05, positive, "RK4 step"),
         Option("method", "rk4", one_of("rk4", "adams", "dopri5"), "rk4, adams or dopri5"),
         Option("transient", None, nonnegative, "time discarded before measuring "
                                                "(default T/2)")),
        _simulate_kernel, _simulate_cost, per_seed=True),
)}

#: Cross-option checks run after the options are resolved.
_OPTION_CHECKS = {"simulate": _check_simulate}


def get_quantity(name: str) -> Quantity:
    """The quantity called ``name``; :class:`UnknownQuantityError` naming the choices."""
    try:
        return QUANTITIES[name]
    except (KeyError, TypeError):
        raise UnknownQuantityError(f"unknown quantity {name!r}; choose one of "
                                   f"{', '.join(QUANTITIES)}") from None


def check_options(quantity: Quantity, given: dict) -> dict:
    """Resolve ``given`` against ``quantity``'s options and run its cross-option checks."""
    options = quantity.resolve_options(given)
    check = _OPTION_CHECKS.get(quantity.name)
    if check is not None:
        check(options)
    return options


def compute_chunk(name: str, model: Model, axes: dict, params: dict, options: dict,
                  seeds) -> dict:
    """Compute one chunk of quantity ``name`` (the task run on a worker).

    Parameters
    ----------
    name : str
        Quantity name (looked up on the worker).
    model : Model
    axes : dict of str to ndarray
        Axis values of this chunk (a block of the grid).
    params : dict
        The fixed parameters.
    options : dict
        Resolved options of the quantity.
    seeds : ndarray or None
        This chunk's seeds (simulation quantities).

    Returns
    -------
    dict of str to ndarray
        Every output, shaped like the block, in the output's dtype.
    """
    q = get_quantity(name)
    values = q.kernel(model, axes, params, options, seeds)
    shape = _block_shape(axes, seeds)
    return {o.name: np.broadcast_to(np.asarray(values[o.name]), shape).astype(o.np_dtype)
            for o in q.outputs(model)}
