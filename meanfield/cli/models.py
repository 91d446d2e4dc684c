"""``meanfield models``: list the shipped models with their parameters."""

from __future__ import annotations

from ._common import emit_json, note_unused_parameters


def register(sub):
    p = sub.add_parser("models", help="list models with parameters, defaults and domains",
                       description="List the shipped models (or show one model file) with "
                                   "their parameters, defaults, domains and equations.")
    p.add_argument("names", nargs="*", metavar="NAME|FILE",
                   help="models to show (default: all shipped models)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..models import available_models, get_model

    models = [get_model(n) for n in (args.names or available_models())]
    for m in models:
        # (every other command notes a parameter in no equation; this one did not, though
        # models.md says commands do: a probe, 2026-11-28)
        note_unused_parameters(m)
    if args.json:
        emit_json({"models": [{
            "name": m.name, "description": m.description, "hash": m.hash,
            "variables": list(m.variable_names), "inputs": list(m.inputs),
            "equations": m.equations_text(),
            "parameters": [{"name": p.name, "default": p.default,
                            "domain": p.domain.describe(p.name), "meaning": p.meaning}
                           for p in m.parameters]} for m in models]})
        return 0
    print("\n\n".join(str(m) for m in models))
    return 0
