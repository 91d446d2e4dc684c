"""An independent, hand-written numpy implementation of the gated network of spec section 1.

Written from the equations in shared/spec/theory.md, without using meanfield, to
check the generated right-hand side and Jacobian. Plain and slow on purpose.
"""

import numpy as np


def sigmoid(x):
    # numerically safe logistic for the reference too: split by sign
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def gated_rhs(h, z, r, Jh, Jz, Jr, p, I_h=0.0, I_z=0.0, I_r=0.0):
    phi = np.tanh(p["g_h"] * h + p["beta_h"])
    s_z = sigmoid(p["alpha_z"] * z - p["beta_z"])
    s_r = sigmoid(p["alpha_r"] * r - p["beta_r"])
    dh = s_z * (-h + Jh @ (s_r * phi) + I_h)
    dz = (-z + Jz @ phi + I_z) / p["tau_z"]
    dr = (-r + Jr @ phi + I_r) / p["tau_r"]
    return dh, dz, dr
