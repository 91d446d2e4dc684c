"""Models a user might write, each of which once exposed a defect (2026-11-27).

Texts only (parse with ``meanfield.parse_model``); the tests that use them say what
went wrong and what the right answer is.
"""

#: self-coupled units with a bias, ``dh/dt = -h + w tanh(h) + J @ tanh(g h + b)``: a stable
#: fixed point whose unit state has no closed form (the fixed_point_variances study
#: compares it with networks; one text for both)
from validation.studies.fixed_point_variances import SELF_COUPLED  # noqa: F401 (re-export)

#: a unit fixed point without closed form: h = eta + w tanh(h) (also counted by the
#: fixed_point_counts study against its Kac-Rice complexity; one text for both)
from validation.studies.fixed_point_counts import SELF_COUPLED_TEXT as IMPLICIT  # noqa: F401

#: a kinked nonlinearity (its slope is a Piecewise; thousands of quadrature nodes)
KINKED = """name: kinked
parameters:
    g = 3.0 | g > 0 | gain
    a = 3.0 | a >= 0 | gate sensitivity
functions:
    phi(x) = g*x/(1 + abs(x))
    s(x) = sigmoid(a*x)
couplings:
    Jh, Jz ~ normal(0, 1/N)
equations:
    dh/dt = s(z) * (-h + Jh @ phi(h))
    dz/dt = -z + Jz @ phi(h)
"""

#: the additive network with the same kinked nonlinearity
KINKED_ADDITIVE = """name: kinked-additive
parameters:
    g = 1.5 | g > 0 | gain
functions:
    phi(x) = g*x/(1 + abs(x))
equations:
    dh/dt = -h + J @ phi(h)
"""

#: two coupling matrices drive one variable: h* = eta_1 + k eta_2
TWO_COUPLINGS = """name: twocoup
parameters:
    g = 2.0 | g > 0 | gain
    k = 0.5 | k >= 0 | second pathway
functions:
    phi(x) = tanh(g*x)
    psi(x) = x**2/(1 + x**2)
equations:
    dh/dt = -h + J1 @ phi(h) + k * (J2 @ psi(h))
"""

#: linear adaptation: C_h(tau) - C_h(inf) changes sign
ADAPTATION = """name: adapt
parameters:
    g = 3.0 | g > 0 | gain
    b = 0.5 | b >= 0 | adaptation strength
    tau_a = 5.0 | tau_a > 0 | adaptation time constant
functions:
    phi(x) = tanh(g*x)
equations:
    dh/dt = -h - b*a + J @ phi(h)
    tau_a * da/dt = -a + h
"""

#: a cubic leak: SymPy's solve gives three roots in radicals, one of them real
CUBIC_LEAK = """name: cubic-leak
parameters:
    g = 2.0 | g > 0 | gain
    c = 1.0 | c >= 0 | cubic leak
functions:
    phi(x) = tanh(g*x)
equations:
    dh/dt = -h - c*h**3 + J @ phi(h)
"""

#: an unbounded nonlinearity with gain above one: the variance grows without limit
RUNAWAY = """name: runaway
parameters:
    g = 2.89 | g > 0 | gain
functions:
    phi(x) = sqrt(1 + (g*x)**2) - 1
equations:
    dh/dt = -h + J @ phi(h)
"""

#: a "gate" that changes sign: a negative rate makes the single-site process unstable
SIGNED_GATE = """name: signed-gate
parameters:
    g = 1.8 | g > 0 | gain
    a = 1.97 | a >= 0 | gate
functions:
    phi(x) = erf(g*x)
    s(x) = (a*x)**3
equations:
    dh/dt = s(z) * (-h + J @ phi(h))
    dz/dt = -z + K @ phi(h)
"""

#: a bounded nonlinearity but a "gate" that changes sign: the fields settle, h runs away
SIGNED_GATE_BOUNDED = """name: signed-gate-bounded
parameters:
    g = 2.72 | g > 0 | gain
    a = 1.74 | a >= 0 | gate
functions:
    phi(x) = exp(-(g*x)**2)
    s(x) = (a*x)**3
equations:
    dh/dt = s(z) * (-h + J @ phi(h))
    dz/dt = -z + K @ phi(h)
"""

#: a gate multiplying the recurrent input: the variance map averages over two fields at
#: once (a two-dimensional Gaussian average)
POST_GATE = """name: post-gate
parameters:
    g = 3.0 | g > 0 | gain
    a = 2.0 | a >= 0 | gate slope
functions:
    phi(x) = tanh(g*x)
equations:
    dh/dt = -h + sigmoid(a*z) * (J @ phi(h))
    dz/dt = -z + K @ phi(h)
"""

#: each unit a damped oscillator (rates -a +- i w) driven through its x
OSCILLATOR = """name: oscillator
parameters:
    g = 2.0 | g > 0 | gain
    w = 1.0 | w >= 0 | frequency
    a = 1.0 | a > 0 | damping
functions:
    phi(x) = tanh(g*x)
equations:
    dx/dt = -a*x - w*y + J @ phi(x)
    dy/dt = -a*y + w*x
"""
