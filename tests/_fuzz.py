"""Hypothesis settings shared by the property tests (``tests/test_fuzz_*.py``).

Two profiles: ``scaleuq-default`` (what CI runs: a fixed, derandomised set of examples, a few
seconds per reader) and ``long`` for a manual search (``HYPOTHESIS_PROFILE=long pytest
tests/test_fuzz_*.py``), which draws fresh random examples on every run. Neither writes an
example database into the checkout.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: Examples per property test in the default profile (the reports quote these numbers).
DEFAULT_EXAMPLES = 40

settings.register_profile(
    "scaleuq-default",
    max_examples=DEFAULT_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "scaleuq-default"))


def examples(factor: float = 1.0) -> settings:
    """Settings of one test: ``factor`` times the profile's example count (cheap readers get
    more, slow ones fewer)."""
    return settings(max_examples=max(1, int(settings.default.max_examples * factor)))
