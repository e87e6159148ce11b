"""Test-wide settings.

scikit-learn's array-API estimator check runs only when SciPy's array-API mode is on,
which must be set before SciPy is first imported; turning it on here keeps that check
from being skipped.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    """A tiny trained model file with Adam state, a schedule, a Dropout stream and a record."""
    import barenet as bn
    from modelfile_helpers import data, tiny_model

    model = tiny_model()
    model.fit(*data(), loss=bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(0.01, schedule=bn.StepLR(1)),
              epochs=1, batch_size=4, seed=0)
    path = tmp_path / "model.bnm"
    bn.save(model, path, record={"data": "toy"})
    return path
