"""Scale out: a GridSearchCV over BareNetClassifier on a local Dask cluster, through joblib's
Dask backend, finds the same best parameters and the same scores as the serial run.

The cluster is real (two worker processes, one thread each) and starts and stops inside
the test. docs/scaling.md shows the same search on a remote Dask cluster and on Ray.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
joblib = pytest.importorskip("joblib")
distributed = pytest.importorskip("distributed")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from barenet.sklearn import BareNetClassifier  # noqa: E402

GRID = {"hidden_layer_sizes": [(16,), (32,)], "learning_rate": [1e-3, 1e-2]}


def _search() -> GridSearchCV:
    """2 x 2 candidates x 3 folds = 12 small fits, each fixed by random_state."""
    return GridSearchCV(BareNetClassifier(epochs=5, random_state=0), GRID, cv=3, n_jobs=-1)


@pytest.fixture(scope="module")
def digits_subset() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def test_grid_search_on_dask_matches_serial(digits_subset):
    X, y = digits_subset
    with joblib.parallel_backend("sequential"):
        serial = _search().fit(X, y)
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            on_dask = _search().fit(X, y)
    assert {task["worker"] for task in stream.data}, "no task ran on the Dask workers"
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_allclose(on_dask.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"],
                               rtol=0, atol=1e-12)
    np.testing.assert_array_equal(on_dask.predict_proba(X), serial.predict_proba(X))  # refit is local
