"""Frozen result objects that tell the truth: success, message, residual (style habit 6)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Branch", "FixedPointBranches", "SpectrumResult"]


@dataclass(frozen=True)
class Branch:
    """One solution of the static mean-field equations.

    Attributes
    ----------
    variance : dict of str to float
        Variance of each state variable across units (``Delta_h`` ...).
    field_variance : dict of str to float
        Variance ``q_f`` of each Gaussian field.
    stability : float
        Largest eigenvalue of the variance profile M(0): the fixed point is stable
        when it is below 1 (spec section 3).
    edge : float
        Real part of the rightmost point of the Jacobian's spectral support.
    bulk_edge : float or None
        Rightmost real point where rho(M(lambda)) = 1 (None if the bulk does not reach
        the real axis to the right of the local rates).
    local_edge : float
        Supremum of the local rates (poles of G): eigenvalues pile up below it.
    stable : bool
        ``stability < 1``.
    residual : float
        max |q - variance_map(q)| at the solution.
    zero : bool
        Whether this is the exact zero solution.
    resolved : bool
        Whether ``stability`` and ``edge`` agree with a rule of twice the quadrature nodes
        to 1e-6 (False: the quadrature misses a narrow slope; the message gives both
        values).
    stability_change : float
        Their relative difference where not resolved (0 otherwise): a kink's 4e-5 is an
        edge good to about that; a steep gate's 0.1 is no edge at all.
    """

    variance: dict
    field_variance: dict
    stability: float
    edge: float
    bulk_edge: float | None
    local_edge: float
    stable: bool
    residual: float
    zero: bool = False
    resolved: bool = True
    stability_change: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FixedPointBranches:
    """Every fixed-point branch of a model at one parameter point, ordered by variance of h.

    ``success`` is False (with the reason in ``message``) if a root could not be
    refined below ``tol``; ``quadrature_error`` is the estimated error of the Gaussian
    averages, ``quadrature_nodes`` the rule used.
    """

    model: str
    params: dict
    branches: tuple
    success: bool
    message: str
    quadrature_nodes: int
    quadrature_error: float
    quadrature_rule: str
    options: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.branches)

    def __iter__(self):
        return iter(self.branches)

    def __getitem__(self, i) -> Branch:
        return self.branches[i]

    def to_dict(self) -> dict:
        """The CLI's JSON form: ``{model, params, branches: [{variance, stability, edge,
        stable, resolved, ...}], success, message, quadrature_*}``."""
        return {"model": self.model, "params": dict(self.params),
                "branches": [{"variance": b.variance, "field_variance": b.field_variance,
                              "stability": b.stability, "edge": b.edge,
                              "bulk_edge": b.bulk_edge, "local_edge": b.local_edge,
                              "stable": b.stable, "zero": b.zero, "residual": b.residual,
                              "resolved": b.resolved,
                              "stability_change": b.stability_change}
                             for b in self.branches],
                "success": self.success, "message": self.message,
                "quadrature_nodes": self.quadrature_nodes,
                "quadrature_error": self.quadrature_error,
                "quadrature_rule": self.quadrature_rule}

    def __repr__(self):
        rows = "\n".join(f"  [{i}] Delta_h={b.variance.get('h', np.nan):.6g} "
                         f"stability={b.stability:.6g} edge={b.edge:.4g} stable={b.stable}"
                         for i, b in enumerate(self.branches))
        return (f"FixedPointBranches(model={self.model!r}, success={self.success}, "
                f"message={self.message!r})\n{rows}")


@dataclass(frozen=True)
class SpectrumResult:
    """The predicted spectral support of the Jacobian at one fixed point.

    ``boundary`` is a list of closed curves (complex arrays) where rho(M(lambda)) = 1; the
    support is inside them plus the real intervals ``local_intervals`` swept by the local
    rates (``local_segment`` is their hull, (inf, sup)). ``success`` and ``message`` are
    those of the fixed-point solve the support rests on; ``success`` is also False where
    the quadrature leaves the branch's stability uncertain by more than 1e-3 (relative:
    ``Branch.stability_change``; a kinked nonlinearity's 4e-5 passes).
    """

    boundary: list
    edge: float
    bulk_edge: float | None
    local_segment: tuple
    branch: Branch
    extent: tuple
    local_intervals: tuple = ()
    success: bool = True
    message: str = ""
    #: (least, largest) |Im| of the local rates where they are complex (a damped
    #: oscillator's pair; the intervals hold their real parts), (0, 0) where all are real
    local_heights: tuple = (0.0, 0.0)

    def __repr__(self):
        # the boundary curves are hundreds of complex points: counted, not printed
        sizes = [len(c) for c in self.boundary]
        return (f"SpectrumResult(edge={self.edge!r}, bulk_edge={self.bulk_edge!r}, "
                f"local_intervals={self.local_intervals!r}, boundary=<{len(sizes)} "
                f"curve(s) of {sizes} points>, success={self.success}, "
                f"message={self.message!r})")
