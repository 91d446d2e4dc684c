"""``meanfield derive``: show the mean-field equations derived from a model."""

from __future__ import annotations

import sys

from .._errors import ModelSyntaxError
from ._common import add_model_options

PARTS = ("fixed-point", "spectrum", "dmft", "complexity", "dimension")


def register(sub):
    p = sub.add_parser("derive", help="print the derived mean-field equations",
                       description="Derive, with SymPy and from the model's own equations, the "
                                   "static mean-field theory (Gaussian fields, variance "
                                   "equations), the Jacobian's spectral theory (G(lambda), "
                                   "variance profile M(lambda), poles) and the dynamical "
                                   "mean-field theory (single-site process, Gaussian "
                                   "variables, stationary correlations, tangent equations "
                                   "for the maximal Lyapunov exponent), the annealed "
                                   "Kac-Rice complexity of the fixed points and the "
                                   "participation ratio of chaotic activity (mean linear "
                                   "responses, the equivalent linear network's planar "
                                   "average). The derivation is symbolic: --set values "
                                   "are checked against their domains, not substituted.")
    add_model_options(p)
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.add_argument("--part", choices=["all", *PARTS], default="all")
    p.add_argument("--dmft", dest="part", action="store_const", const="dmft",
                   help="the dynamical mean-field theory only (same as --part dmft)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..derive.complexity import derive_complexity
    from ..derive.dimension import derive_dimension
    from ..derive.dmft import derive_dmft
    from ..derive.fixed_point import derive_fixed_point
    from ..derive.jacobian import derive_spectrum
    from ._common import resolve_model

    # the equations do not depend on the values, but --set is checked as everywhere else
    # (a misspelt or out-of-domain parameter is an error, not silently ignored)
    model, _ = resolve_model(args)
    derive = {"fixed-point": derive_fixed_point, "spectrum": derive_spectrum,
              "dmft": derive_dmft, "complexity": derive_complexity,
              "dimension": derive_dimension}
    if args.part != "all":
        d = derive[args.part](model)
        print(d.to_latex() if args.latex else d.to_text())
        return 0
    # all parts: a part that does not apply to this model (the static theory of a unit
    # whose fixed point is neither in closed form nor one scalar equation in one state,
    # and the spectrum and complexity built on it) is named on stderr, and the others
    # are shown
    parts = []
    for name in PARTS:
        try:
            parts.append(derive[name](model))
        except ModelSyntaxError as exc:
            print(f"note: part {name!r} not derived: {exc}", file=sys.stderr)
    if not parts:
        raise ModelSyntaxError(f"no part of the theory applies to model {model.name!r}")
    print("\n\n".join(d.to_latex() if args.latex else d.to_text() for d in parts))
    return 0
