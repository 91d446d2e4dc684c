"""Test configuration: strict numerics, a deterministic hypothesis profile, and one BLAS
thread per worker when the suite runs in parallel.

Warnings are errors (pyproject ``filterwarnings``); hypothesis runs with a fixed
seed so a failing example reproduces; markers ``slow`` and ``validation`` keep the
default run short. ``make test`` runs the suite on two pytest-xdist workers (the
machines this project runs on have two cores): each worker then gets one BLAS thread,
as two workers with two threads each would contend for the same two cores.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("deterministic", derandomize=True, deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("deterministic")

_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    # Runs in the xdist controller before it starts its workers, which inherit this
    # environment; numpy in the controller is already loaded and runs no tests. A thread
    # count the user set is kept.
    workers = config.getoption("numprocesses", default=None)
    if workers and "PYTEST_XDIST_WORKER" not in os.environ:
        for name in _BLAS_THREADS:
            os.environ.setdefault(name, "1")
