"""The validation studies (``make validate``): each must pass with its stated tolerance.

Marked ``validation``: excluded from the default test run (they take minutes).
Figures and the summary go to ``report/validation/``.
"""

from pathlib import Path

import pytest

from validation.compare import write_report
from validation.studies import STUDIES

OUT = Path(__file__).resolve().parents[2] / "report" / "validation"


@pytest.mark.validation
@pytest.mark.parametrize("name", list(STUDIES))
def test_study(name):
    OUT.mkdir(parents=True, exist_ok=True)
    result = STUDIES[name].run(OUT)
    write_report([result], OUT)
    print(result.summary())
    assert result.passed, result.summary()
