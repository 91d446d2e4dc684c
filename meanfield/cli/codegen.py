"""``meanfield codegen``: show the generated numpy source of a model."""

from __future__ import annotations

from ._common import add_model_options


def register(sub):
    p = sub.add_parser("codegen", help="generate (and show) the numpy code of a model",
                       description="Generate the model's numpy modules: 'theory' (static and "
                                   "spectral mean-field theory, cached on disk) and 'network' "
                                   "(the finite network's right-hand side and Jacobian).")
    add_model_options(p)
    p.add_argument("--kind", choices=["theory", "network"], default="theory")
    p.add_argument("--show", action="store_true", help="print the generated source")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..codegen.network import network_kernels
    from ..codegen.theory import theory_module
    from ..models import get_model

    model = get_model(args.model)
    if args.kind == "theory":
        mod = theory_module(model)
        where = f"cached at {mod.__cache_path__}"
    else:
        mod = network_kernels(model).module
        where = "in memory"
    if args.show:
        print(mod.__source__, end="")
    else:
        print(f"{args.kind} module of model {model.name!r} ({where}); --show prints it")
    return 0
