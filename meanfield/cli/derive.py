"""``meanfield derive``: show the mean-field equations derived from a model."""

from __future__ import annotations

from ._common import add_model_options


def register(sub):
    p = sub.add_parser("derive", help="print the derived mean-field equations",
                       description="Derive, with SymPy and from the model's own equations, the "
                                   "static mean-field theory (Gaussian fields, variance "
                                   "equations) and the Jacobian's spectral theory (G(lambda), "
                                   "variance profile M(lambda), poles).")
    add_model_options(p)
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.add_argument("--part", choices=["all", "fixed-point", "spectrum"], default="all")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..derive.fixed_point import derive_fixed_point
    from ..derive.jacobian import derive_spectrum
    from ..models import get_model

    model = get_model(args.model)
    parts = []
    if args.part in ("all", "fixed-point"):
        parts.append(derive_fixed_point(model))
    if args.part in ("all", "spectrum"):
        parts.append(derive_spectrum(model))
    print("\n\n".join(d.to_latex() if args.latex else d.to_text() for d in parts))
    return 0
