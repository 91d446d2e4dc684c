"""meanfield: mean-field theory of gated recurrent neural networks.

Derive the mean-field equations of a model written as equations, solve them
with generated numpy code, and compare with finite-network simulations
(:mod:`validation`).
"""

from ._errors import ConvergenceError as ConvergenceError
from ._errors import ConvergenceWarning as ConvergenceWarning
from ._errors import MeanfieldError as MeanfieldError
from ._errors import ModelSyntaxError as ModelSyntaxError
from ._errors import ParameterDomainError as ParameterDomainError
from ._errors import ParameterError as ParameterError
from ._errors import UnknownModelError as UnknownModelError
from ._version import __version__ as __version__
# The rest is imported on first use (PEP 562): ``import meanfield`` stays light, so the
# command line's Ctrl-C handler is in place before SymPy and SciPy load (a Ctrl-C in the
# first half second printed their import traceback; found by a probe, 2026-11-28).
_LAZY = {
    "Domain": ".models", "Model": ".models", "Parameter": ".models", "Recurrent": ".models",
    "available_models": ".models", "get_model": ".models", "load_model_file": ".models",
    "parse_model": ".models", "sigmoid": ".models",
    "derive_fixed_point": ".derive.fixed_point", "fixed_point_theory": ".derive.fixed_point",
    "derive_spectrum": ".derive.jacobian", "spectral_theory": ".derive.jacobian",
    "fixed_point_branches": ".solve", "slow_fraction": ".solve",
    "spectral_support": ".solve",
}
_SUBMODULES = ("models", "derive", "codegen", "solve", "sweep", "cli", "gallery", "docsgen")


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


__all__ = [
    "ConvergenceError", "ConvergenceWarning", "MeanfieldError", "ModelSyntaxError",
    "ParameterDomainError", "ParameterError", "UnknownModelError", "__version__",
    "Domain", "Model", "Parameter", "Recurrent", "available_models", "get_model",
    "load_model_file", "parse_model", "sigmoid",
    "derive_fixed_point", "fixed_point_theory", "derive_spectrum", "spectral_theory",
    "fixed_point_branches", "slow_fraction", "spectral_support",
]
