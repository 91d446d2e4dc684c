"""Large gated networks on a GPU: the finite-size tail of C_h(tau) (``dmft_correlations``).

The full ``dmft_correlations`` study fails one row: at g_h = 4, alpha_z = 5, alpha_r = 5
the networks' C_h(tau) decays more slowly than the DMFT's, by an excess
C_sim / C_DMFT - 1 at tau = 30 that shrank from 0.19 (N = 500) to 0.075 (N = 8000) on
this project's CPUs (the study's docstring). Whether it goes on shrinking, and how
fast, needs larger networks than two cores can simulate: N = 32000 holds 24.6 GB of
couplings and costs about 6 ms per right-hand side even on a GPU.

This module is a second, hand-written simulator of the gated model (spec section 1;
the package's simulator runs code generated from the model file) written once against
an array namespace, so the same lines run on numpy and on PyTorch:

* :func:`simulate_acf` integrates B trajectories of one network with classical RK4 and
  returns each trajectory's population autocorrelation of h, as
  :func:`validation.measure.autocorrelation` defines it (FFT, no mean subtracted,
  unbiased normalisation by T - lag), on lags 0..max_lag;
* with ``xp = numpy`` it is checked against :func:`validation.simulate` with the same
  couplings and start (``tests/validation/test_large_n.py``); on the GPU the script's
  first step checks the PyTorch path against the numpy path on the same small network.

Run where PyTorch sees a CUDA device (float64 throughout, as the package); the script
needs only numpy and PyTorch, not the package, when run by its path:

    python validation/large_n.py --sizes 2000:4 8000:3 16000:2 32000:1 --out DIR

Other cases of the study: ``--set alpha_z=2`` (repeatable; the gated model's parameters,
the rest at the study's values). Each network is written to ``DIR/large_n.json`` as
soon as it is done, so a run cut off keeps what it finished. The comparison with the
DMFT is made where the package is installed:

    python -m validation.large_n --report DIR/large_n.json

The settings are the study's: g_h = 4, alpha_z = 5, alpha_r = 5, RK4 dt = 0.1, a
transient of 200, then T = 800 recorded every 0.5, a random start N(0, 1) per variable.
The couplings are drawn by PyTorch's generator (other realisations than the package's
seeds give; the study's seeds are not the point here, the size is).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

#: The gated model's parameters as the study sets them (the others at their defaults).
STUDY = dict(g_h=4.0, beta_h=0.0, alpha_z=5.0, beta_z=0.0, alpha_r=5.0, beta_r=0.0,
             tau_z=1.0, tau_r=1.0)
DT, TRANSIENT, T_REC, REC, MAX_LAG = 0.1, 200.0, 800.0, 0.5, 100.0


def _sigmoid(xp, a):
    # 1 / (1 + exp(-a)) written through tanh: no overflow for any a, in both namespaces
    return 0.5 * (1.0 + xp.tanh(0.5 * a))


def velocity(xp, y, Jh, Jzr, p):
    """dy/dt of the gated model, y = (h, z, r) of shape (3, N, B); Jzr = [Jz; Jr] (2N, N)."""
    h, z, r = y[0], y[1], y[2]
    n = h.shape[0]
    ph = xp.tanh(p["g_h"] * h + p["beta_h"])
    sz = _sigmoid(xp, p["alpha_z"] * z - p["beta_z"])
    sr = _sigmoid(xp, p["alpha_r"] * r - p["beta_r"])
    eta_h = Jh @ (sr * ph)
    eta_zr = Jzr @ ph
    return xp.stack([sz * (eta_h - h), (eta_zr[:n] - z) / p["tau_z"],
                     (eta_zr[n:] - r) / p["tau_r"]])


def rk4_step(xp, y, dt, Jh, Jzr, p):
    """One classical Runge-Kutta step of :func:`velocity`."""
    k1 = velocity(xp, y, Jh, Jzr, p)
    k2 = velocity(xp, y + (0.5 * dt) * k1, Jh, Jzr, p)
    k3 = velocity(xp, y + (0.5 * dt) * k2, Jh, Jzr, p)
    k4 = velocity(xp, y + dt * k3, Jh, Jzr, p)
    return y + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


def _fft(xp):
    """(rfft, irfft) of the namespace, each as f(x, n) along the first axis."""
    if xp is np:
        return (lambda x, n: np.fft.rfft(x, n=n, axis=0),
                lambda x, n: np.fft.irfft(x, n=n, axis=0))
    return (lambda x, n: xp.fft.rfft(x, n=n, dim=0),
            lambda x, n: xp.fft.irfft(x, n=n, dim=0))


def acf_per_trial(xp, rec, max_lag: int, chunk: int = 8192):
    """Population autocorrelation of each trial of ``rec`` (T, N, B): array (B, max_lag + 1).

    The definition of :func:`validation.measure.autocorrelation` for each trial alone:
    mean over units of the zero-padded FFT estimate, divided by T - lag.
    """
    T, n, B = rec.shape
    if not 0 <= max_lag < T:
        raise ValueError(f"max_lag={max_lag} must lie in [0, {T - 1}]")
    nfft = 1 << int(math.ceil(math.log2(2 * T - 1)))
    rfft, irfft = _fft(xp)
    out = []
    for b in range(B):
        power = 0.0
        for i in range(0, n, chunk):
            F = rfft(rec[:, i:i + chunk, b], nfft)
            power = power + (F.real ** 2 + F.imag ** 2).sum(1)
        acf = irfft(power / n, nfft)[: max_lag + 1]
        out.append(_to_numpy(acf))
    return np.array(out) / (T - np.arange(max_lag + 1))


def _to_numpy(a):
    return a if isinstance(a, np.ndarray) else a.detach().cpu().numpy()


def simulate_acf(xp, Jh, Jzr, y0, p=None, *, dt=DT, transient=TRANSIENT, T=T_REC, rec=REC,
                 max_lag=MAX_LAG, progress=None):
    """Integrate from ``y0`` (3, N, B) and return (acf (B, L), final state, record).

    ``xp`` is the array namespace (``numpy`` or ``torch``; the arrays must be of it);
    ``Jh`` (N, N) and ``Jzr`` = [Jz; Jr] (2N, N) are the couplings, ``p`` the gated
    model's parameters (default :data:`STUDY`). RK4 at ``dt``; states after ``transient``
    recorded every ``rec`` (the first at t = transient), ``T`` long; each trial's
    population autocorrelation of h on lags 0..max_lag (time units, step ``rec``).
    ``progress(j, n)`` is called every 200 records.
    """
    p = STUDY if p is None else p
    every = int(round(rec / dt))
    n_skip = int(round(transient / dt))
    n_rec = int(round(T / rec)) + 1
    if not (abs(every * dt - rec) < 1e-9 * rec and abs(n_skip * dt - transient) < 1e-9):
        raise ValueError("rec and transient must be multiples of dt")
    y = y0
    _, n, B = y0.shape
    record = (np.empty((n_rec, n, B)) if xp is np
              else xp.empty((n_rec, n, B), dtype=y0.dtype, device=y0.device))
    for k in range(n_skip):
        y = rk4_step(xp, y, dt, Jh, Jzr, p)
    for j in range(n_rec):
        if j:
            for k in range(every):
                y = rk4_step(xp, y, dt, Jh, Jzr, p)
        record[j] = y[0]
        if progress is not None and j % 200 == 0:
            progress(j, n_rec)
    acf = acf_per_trial(xp, record, int(round(max_lag / rec)))
    return acf, y, record


# ------------------------------------------------------------------ the GPU run
def _self_check(torch, dev, p):
    """The PyTorch path against the numpy path on one small network (float64)."""
    rng = np.random.default_rng(1)
    n, B = 200, 2
    Jh = rng.standard_normal((n, n)) / math.sqrt(n)
    Jzr = rng.standard_normal((2 * n, n)) / math.sqrt(n)
    y0 = rng.standard_normal((3, n, B))
    kw = dict(transient=2.0, T=5.0, max_lag=2.0)
    a_np, y_np, _ = simulate_acf(np, Jh, Jzr, y0, p, **kw)
    t = [torch.as_tensor(a, device=dev) for a in (Jh, Jzr, y0)]
    a_t, y_t, _ = simulate_acf(torch, *t, p, **kw)
    dy = float(np.abs(_to_numpy(y_t) - y_np).max())
    da = float(np.abs(a_t - a_np).max())
    print(f"self-check (N = {n}, T = 7): max |y_torch - y_numpy| = {dy:.2e}, "
          f"max |acf difference| = {da:.2e}", flush=True)
    if not (dy < 1e-9 and da < 1e-9):
        raise SystemExit("self-check failed: the PyTorch path differs from the numpy path")
    return dy, da


def run_gpu(sizes, out: Path, trials: int, deadline: float | None = None,
            device: str = "cuda", params: dict | None = None) -> None:
    """Simulate ``sizes`` [(N, seeds)...] in order; skip what would end after ``deadline`` s.

    A network's time is predicted from the last one's as N^2 (the products dominate).
    """
    try:
        import torch
    except ImportError:
        raise SystemExit("validation/large_n.py needs PyTorch (pip install torch); "
                         "--report needs only this package") from None
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this script runs where PyTorch sees a GPU "
                         "(--device cpu for a dry run)")
    dev = torch.device(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    torch.backends.cuda.matmul.allow_tf32 = False
    out.mkdir(parents=True, exist_ok=True)
    path = out / "large_n.json"
    params = dict(STUDY if params is None else params)
    start = time.perf_counter()
    dy, da = _self_check(torch, dev, params)
    name = torch.cuda.get_device_name(0) if device == "cuda" else device
    doc = {"device": name, "torch": torch.__version__,
           "params": params, "dt": DT, "transient": TRANSIENT, "T": T_REC, "rec": REC,
           "max_lag": MAX_LAG, "trials": trials, "dtype": "float64",
           "self_check": {"max_state_diff": dy, "max_acf_diff": da}, "networks": []}
    last = None
    for n, n_seeds in sizes:
        for seed in range(n_seeds):
            t0 = time.perf_counter()
            if deadline is not None and last is not None:
                guess = last[1] * (n / last[0]) ** 2
                if t0 - start + guess > deadline:
                    print(f"N = {n} seed {seed} skipped: about {guess:.0f} s would pass the "
                          f"deadline of {deadline:g} s", flush=True)
                    continue
            g = torch.Generator(device=dev).manual_seed(1000 * n + seed)
            kw = dict(generator=g, dtype=torch.float64, device=dev)
            Jh = torch.randn(n, n, **kw) / math.sqrt(n)
            Jzr = torch.randn(2 * n, n, **kw) / math.sqrt(n)
            y0 = torch.randn(3, n, trials, **kw)
            acf, y, record = simulate_acf(torch, Jh, Jzr, y0, params)
            sync()
            secs = time.perf_counter() - t0
            last = (n, secs)
            finite = bool(torch.isfinite(y).all())
            del Jh, Jzr, y0, y, record
            if device == "cuda":
                torch.cuda.empty_cache()
            doc["networks"].append({"N": n, "seed": seed, "seconds": secs, "finite": finite,
                                    "acf": acf.tolist()})
            path.write_text(json.dumps(doc))
            print(f"N = {n:6d} seed {seed}: C_h(0) = {acf[:, 0].mean():.4f}, "
                  f"C_h(30)/C_h(0) = {acf[:, 60].mean() / acf[:, 0].mean():.4f}, "
                  f"{secs:.1f} s", flush=True)


# ------------------------------------------------------------------ the report
def report(path: Path) -> dict:
    """Compare the measured curves with the DMFT as the study solves it; print a table.

    Per N: Delta_0, C_sim / C_DMFT at tau = 15 and 30, the relative L2 error on
    tau <= 30 of the mean curve, and tau_corr (the study's definition), each as mean
    +- standard error over networks (over trials where there is one network).
    """
    # absolute imports: the script also runs by its path, where relative ones fail
    try:
        from validation.compare import params_text, sem
        from validation.studies.dmft_correlations import _tau_corr, theory
    except ImportError as e:
        raise SystemExit(f"--report needs the meanfield package and its validation suite "
                         f"(install the repository: make install) ({e})") from None

    def mean_sem(v):
        return float(np.mean(v)), sem(v)

    try:
        doc = json.loads(Path(path).read_text())
        p, rec, nets = doc["params"], doc["rec"], doc["networks"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"{path}: not a result of validation/large_n.py ({e})") from None
    if not nets:
        raise SystemExit(f"{path}: holds no network")
    by_n: dict[int, list] = {}
    for net in nets:
        acf = np.asarray(net["acf"], dtype=float)
        if not (net.get("finite", True) and np.all(np.isfinite(acf))):
            raise SystemExit(f"{path}: network N = {net['N']}, seed {net['seed']} did not "
                             "stay finite")
        by_n.setdefault(net["N"], []).append(acf)
    # the DMFT as the study solves it (Gaussian at alpha_z = 0, else sampled)
    print("solving the DMFT as the study does (sampled: about a minute) ...", file=sys.stderr,
          flush=True)
    th = theory(p)
    lags = np.arange(0.0, MAX_LAG + 1e-9, rec)
    C_th = np.interp(lags, th.tau, th.C["h"])
    i15, i30 = int(round(15 / rec)), int(round(30 / rec))
    win = slice(0, i30 + 1)
    rows = {}
    for n, group in sorted(by_n.items()):
        # one curve per network (its trials averaged); with one network, its trials
        curves = (np.array([a.mean(0) for a in group]) if len(group) > 1 else group[0])
        mean_curve = curves.mean(0)
        rows[n] = {
            "networks": len(group), "curves": len(curves),
            "delta_0": mean_sem(curves[:, 0]),
            "ratio_15": mean_sem(curves[:, i15] / C_th[i15]),
            "ratio_30": mean_sem(curves[:, i30] / C_th[i30]),
            "l2": float(np.linalg.norm(mean_curve[win] - C_th[win])
                        / np.linalg.norm(C_th[win])),
            "tau_corr": mean_sem([_tau_corr(c, rec) for c in curves]),
        }
    print(f"DMFT ({params_text(p)}): Delta_0 = {th.delta_0:.4f} +- {th.stat_error:.4f}, "
          f"tau_corr = {th.tau_corr:.2f} +- {th.tau_corr_error:.2f}, C_h(30) = "
          f"{C_th[i30]:.5f}"
          + (f" (sampling error {np.interp(30.0, th.tau, th.C_error['h']) / C_th[i30]:.1%})"
             if th.C_error else " (Gaussian: deterministic)"))
    print("N       nets  Delta_0            C/C_DMFT(15)     C/C_DMFT(30)     L2      tau_corr")
    for n, r in rows.items():
        print(f"{n:<7d} {r['networks']:4d}  {r['delta_0'][0]:.4f} +- {r['delta_0'][1]:.4f}  "
              f"{r['ratio_15'][0]:.3f} +- {r['ratio_15'][1]:.3f}  "
              f"{r['ratio_30'][0]:.3f} +- {r['ratio_30'][1]:.3f}  {r['l2']:.3f}  "
              f"{r['tau_corr'][0]:.2f} +- {r['tau_corr'][1]:.2f}")
    return {"dmft": {"delta_0": th.delta_0, "delta_0_error": th.stat_error,
                     "tau_corr": th.tau_corr, "tau_corr_error": th.tau_corr_error,
                     "C": lambda t: float(np.interp(t, th.tau, th.C["h"])),
                     "C_error": lambda t: (float(np.interp(t, th.tau, th.C_error["h"]))
                                           if th.C_error else 0.0)},
            "sizes": rows}


#: Allowed range of each parameter (the model file's domains).
_DOMAINS = {"g_h": (0.0, False), "alpha_z": (0.0, True), "alpha_r": (0.0, True),
            "tau_z": (0.0, False), "tau_r": (0.0, False)}


def _setting(text: str):
    name, _, value = text.partition("=")
    name = name.strip()
    if name not in STUDY:
        raise argparse.ArgumentTypeError(f"{text!r}: the parameter must be one of "
                                         f"{', '.join(STUDY)}")
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=NUMBER") from None
    lo = _DOMAINS.get(name)
    if not math.isfinite(v) or (lo and not (v >= lo[0] if lo[1] else v > lo[0])):
        rng = ("a finite number" if lo is None else
               f"{'>=' if lo[1] else '>'} {lo[0]:g}")
        raise argparse.ArgumentTypeError(f"{text!r}: {name} must be {rng}")
    return name, v


def _sizes(text: str):
    try:
        n, s = text.split(":")
        n, s = int(n), int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected N:SEEDS, e.g. 8000:3") from None
    if n < 2 or s < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: N must be >= 2 and SEEDS >= 1")
    return n, s


def _parser_class():
    """The package's one-line-error parser; argparse's own where the package is absent
    (the script run by its path on a machine with only numpy and PyTorch)."""
    try:
        from meanfield.cli._common import OneLineParser
    except ImportError:
        return argparse.ArgumentParser
    return OneLineParser


def main(argv=None) -> int:
    ap = _parser_class()(prog="python -m validation.large_n",
                         description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", type=_sizes, default=[(2000, 4), (8000, 3)],
                    help="networks as N:SEEDS (default 2000:4 8000:3)")
    ap.add_argument("--set", dest="settings", action="append", type=_setting, default=[],
                    metavar="NAME=VALUE", help="a parameter of the gated model (default: "
                    "the study's g_h=4, alpha_z=5, alpha_r=5; repeatable)")
    ap.add_argument("--trials", type=int, default=16, help="trajectories per network")
    ap.add_argument("--out", type=Path, default=Path("report/large_n"))
    ap.add_argument("--deadline", type=float, help="skip networks that would end later "
                    "than this many seconds after the start")
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                    help="PyTorch device (cpu: a dry run of the script)")
    ap.add_argument("--report", type=Path, help="compare a finished run's JSON with the DMFT")
    args = ap.parse_args(argv)
    if args.report is not None:
        report(args.report)
        return 0
    if args.trials < 1:
        ap.error(f"--trials={args.trials} must be >= 1")
    if args.deadline is not None and not (math.isfinite(args.deadline) and args.deadline > 0):
        ap.error(f"--deadline={args.deadline} must be a positive number of seconds")
    run_gpu(args.sizes, args.out, args.trials, args.deadline, args.device,
            {**STUDY, **dict(args.settings)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
