"""The shipped models and the registry that finds a model by name or file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .._errors import UnknownModelError
from .model import Model
from .parse import load_model_file

__all__ = ["get_model", "available_models", "DEFAULT_MODEL"]

_SPECS = Path(__file__).parent / "specs"
#: Name of the default model (the gated network of spec section 1).
DEFAULT_MODEL = "gated"


def available_models() -> tuple[str, ...]:
    """Names of the shipped models, the default first."""
    names = sorted(p.stem for p in _SPECS.glob("*.model"))
    names.remove(DEFAULT_MODEL)
    return (DEFAULT_MODEL, *names)


@lru_cache(maxsize=None)
def _load_shipped(name: str) -> Model:
    return load_model_file(_SPECS / f"{name}.model")


def get_model(model: str | Path | Model = DEFAULT_MODEL) -> Model:
    """Return a model: a :class:`Model` as is, a shipped model by name, or a model file.

    Raises
    ------
    UnknownModelError
        If ``model`` is neither a shipped name nor an existing file.
    """
    if isinstance(model, Model):
        return model
    text = str(model)
    if text in available_models():
        return _load_shipped(text)
    path = Path(text)
    try:
        is_file = path.is_file()
    except OSError:  # e.g. a name too long for the file system: not a model file either
        is_file = False
    if is_file:
        return load_model_file(path)
    raise UnknownModelError(f"unknown model {text!r}: not a shipped model "
                            f"({', '.join(available_models())}) nor a model file")
