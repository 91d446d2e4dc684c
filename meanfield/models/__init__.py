"""Models as data: parameters with domains, equations parsed into SymPy."""

from .domain import NONNEGATIVE as NONNEGATIVE, POSITIVE as POSITIVE, REAL as REAL
from .domain import Domain as Domain
from .functions import Recurrent as Recurrent, sigmoid as sigmoid
from .library import available_models as available_models, get_model as get_model
from .model import Field as Field, Model as Model, StateVariable as StateVariable
from .parameter import Parameter as Parameter
from .parse import load_model_file as load_model_file, parse_model as parse_model
