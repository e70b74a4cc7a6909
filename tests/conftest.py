"""Test-wide settings: reproducible Hypothesis runs and a headless matplotlib."""

import os

# scikit-learn's array-API estimator checks run only when SciPy's array-API mode is on, and SciPy
# reads this once, when it is first imported: set it before anything imports SciPy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import matplotlib  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

matplotlib.use("Agg")  # never open a window in tests

# "ci" is derandomized: every run draws the same examples, so a failure in CI
# is a failure on every machine, and it is the default everywhere.
# HYPOTHESIS_PROFILE=dev opts into exploring new random examples on each run.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
