"""Solvable models written in the model language (see README.md)."""

import meanfield as mf

ROTATION = mf.parse_model("""
name: rotation
parameters:
    w = 1.3 | w > 0 | angular frequency
equations:
    dx/dt = -w*y
    dy/dt = w*x
""")

DECAY = mf.parse_model("""
name: decay
parameters:
    a = 0.5 | a > 0 | decay rate
equations:
    dx/dt = -a*x
""")
