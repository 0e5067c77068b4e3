"""hyosan's ssa and tau against GillesPy2's C++ SSA, in distribution (reduced: 2,000 runs each).

Skipped when GillesPy2 is not installed (it is an optional 'bench' dependency).
"""

import pytest

pytest.importorskip("gillespy2")

from hyosan.validation import case
from hyosan.validation.core import Settings


@pytest.mark.parametrize("name", ["gillespy2-sir", "gillespy2-szr"])
def test_hyosan_and_gillespy2_agree_in_distribution(name):
    result = case(name).run(Settings())
    failures = "\n".join(c.describe() for c in result.checks if not c.passed)
    assert result.status == "pass", failures
    assert len(result.checks) >= 4
    assert "2000 runs each" in result.notes[-1]
