"""The validation studies as tests (``make validate`` runs them through ``meanfield validate``).

Marked ``validation``: excluded from the default test run (they take minutes).
Figures and the summary go to ``report/validation/``; ``meanfield validate --render-only``
then renders ``report/index.html`` from them.
"""

import time
from pathlib import Path

import pytest

from validation.report import record_study
from validation.studies import STUDIES

OUT = Path(__file__).resolve().parents[2] / "report" / "validation"


@pytest.mark.validation
@pytest.mark.parametrize("name", list(STUDIES))
def test_study(name):
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    result = STUDIES[name].run(OUT)
    record_study(result, OUT, quick=False, elapsed_s=time.perf_counter() - t0)
    print(result.summary())
    assert result.passed, result.summary()
