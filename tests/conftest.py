"""Test-wide settings.

scikit-learn's array-API estimator check runs only when SciPy's array-API mode is on,
which must be set before SciPy is first imported; turning it on here keeps that check
from being skipped.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
