"""The classical DMFT variance of the additive network (Sompolinsky, Crisanti & Sommers),
computed independently of the package (scipy quad and brentq)."""

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq


def classical_delta_0(g: float, scale: float = 1.0, lower: float = 1e-4) -> float:
    """Variance Delta_0 of the chaotic additive network, tau_h = 1, phi = scale tanh(g x).

    The correlation obeys C'' = C - <phi phi>: a particle in the potential
    V(C) = -C^2/2 + <Phi(x1) Phi(x2)> (Phi' = phi, Price's theorem), starting at rest
    at C(0) = Delta_0 and coming to rest at C = 0, so V(Delta_0) = V(0):
    -Delta_0^2/2 + <Phi^2> - <Phi>^2 = 0 with Phi(x) = scale log cosh(g x) / g.
    """
    Phi = lambda x: scale * np.log(np.cosh(g * x)) / g  # noqa: E731

    def avg(f, D):
        return quad(lambda z: f(np.sqrt(D) * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                    -12, 12, limit=200)[0]

    return brentq(lambda D: -D * D / 2 + avg(lambda x: Phi(x) ** 2, D) - avg(Phi, D) ** 2,
                  lower, 20.0)
