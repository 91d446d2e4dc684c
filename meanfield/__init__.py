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
from .models import Domain as Domain
from .models import Model as Model
from .models import Parameter as Parameter
from .models import Recurrent as Recurrent
from .models import available_models as available_models
from .models import get_model as get_model
from .models import load_model_file as load_model_file
from .models import parse_model as parse_model
from .models import sigmoid as sigmoid
from .derive.fixed_point import derive_fixed_point as derive_fixed_point
from .derive.fixed_point import fixed_point_theory as fixed_point_theory
from .derive.jacobian import derive_spectrum as derive_spectrum
from .derive.jacobian import spectral_theory as spectral_theory
from .solve import fixed_point_branches as fixed_point_branches
from .solve import slow_fraction as slow_fraction
from .solve import spectral_support as spectral_support

__all__ = [
    "ConvergenceError", "ConvergenceWarning", "MeanfieldError", "ModelSyntaxError",
    "ParameterDomainError", "ParameterError", "UnknownModelError", "__version__",
    "Domain", "Model", "Parameter", "Recurrent", "available_models", "get_model",
    "load_model_file", "parse_model", "sigmoid",
    "derive_fixed_point", "fixed_point_theory", "derive_spectrum", "spectral_theory",
    "fixed_point_branches", "slow_fraction", "spectral_support",
]
