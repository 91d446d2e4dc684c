"""Test configuration: strict numerics and a deterministic hypothesis profile.

Warnings are errors (pyproject ``filterwarnings``); hypothesis runs with a fixed
seed so a failing example reproduces; markers ``slow`` and ``validation`` keep the
default run short.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("deterministic", derandomize=True, deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("deterministic")
