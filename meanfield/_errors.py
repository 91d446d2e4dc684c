"""Exceptions and warnings raised by :mod:`meanfield` and :mod:`validation`.

Every error a user can provoke with bad input derives from :class:`MeanfieldError`,
so the CLI can print it as one line and exit non-zero instead of showing a
traceback.
"""

from __future__ import annotations


class MeanfieldError(Exception):
    """Base class of every error that reports bad input or a failed computation."""


class ModelSyntaxError(MeanfieldError):
    """A model's text (or SymPy form) is malformed.

    Parameters
    ----------
    message : str
        What is wrong.
    line, col : int, optional
        1-based position of the offending token in the model text.
    source : str, optional
        Name of the model or file, used in the message.
    text : str, optional
        The offending line, shown after the message.
    """

    def __init__(self, message: str, *, line: int | None = None, col: int | None = None,
                 source: str | None = None, text: str | None = None):
        self.reason = message
        self.line = line
        self.col = col
        self.source = source
        self.text = text
        where = []
        if source:
            where.append(source)
        if line is not None:
            where.append(f"line {line}" + (f", col {col}" if col is not None else ""))
        prefix = (", ".join(where) + ": ") if where else ""
        suffix = f"  [{text.strip()}]" if text else ""
        super().__init__(prefix + message + suffix)


class UnknownModelError(MeanfieldError):
    """No model of that name is registered."""


class ParameterError(MeanfieldError):
    """A parameter name is unknown or its value cannot be read."""


class ParameterDomainError(ParameterError):
    """A parameter value lies outside the parameter's domain."""


class ConvergenceError(MeanfieldError):
    """A solver did not converge; the message carries the residual."""


class ConvergenceWarning(UserWarning):
    """A solver returned a result that did not meet its tolerance."""
