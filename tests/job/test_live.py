"""Notebook helpers of the training job: LivePlot redraws one picture per run, the progress bar comes from
tqdm.auto, and the figures show what they claim (the real notebooks run in tests/test_notebooks.py)."""

from __future__ import annotations

import numpy as np
import pytest

import barenet as bn
from barenet.job.live import Curves, LivePlot
from barenet.job.plots import draw_feature_maps, draw_filters
from barenet.job.progress import ProgressBar, in_notebook

rng = np.random.default_rng(0)
X = rng.random((60, 1, 6, 6), dtype=np.float32)
Y = (X[:, 0, :, :3].sum(axis=(1, 2)) > X[:, 0, :, 3:].sum(axis=(1, 2))).astype(np.int64)


class FakeNotebook:
    """Records what a LivePlot shows: display(obj, display_id=True) -> handle, handle.update(obj)."""

    def __init__(self):
        self.calls = []

    def display(self, obj, display_id=None):
        assert display_id is True
        self.calls.append(("display", obj))
        return self

    def update(self, obj):
        self.calls.append(("update", obj))


def net():
    return bn.Sequential([bn.Conv2D(1, 3, 3), bn.ReLU(), bn.Flatten(), bn.Dense(48, 2)], seed=0)


def fit(model, live, epochs):
    return model.fit(X, Y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(0.01), epochs=epochs, batch_size=16,
                     validation_split=0.25, seed=0, callbacks=[live])


def test_one_display_then_one_update_per_epoch_with_the_runs_numbers():
    notebook = FakeNotebook()
    live = LivePlot(display=notebook.display)
    history = fit(net(), live, epochs=4)
    assert [kind for kind, _ in notebook.calls] == ["display", "update", "update", "update"]
    last = notebook.calls[-1][1]
    assert last.epochs == [1, 2, 3, 4]
    assert last.history == {k: history[k] for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    fig = last.figure()
    loss_ax, acc_ax = fig.axes[:2]
    assert [ax.get_title() for ax in (loss_ax, acc_ax)] == ["loss", "accuracy"]
    lines = {line.get_label(): line for line in loss_ax.get_lines()}
    assert list(lines["val_loss"].get_xdata()) == [1, 2, 3, 4]
    assert np.allclose(lines["loss"].get_ydata(), history["loss"])
    assert last._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    assert repr(last).startswith(f"LivePlot: epoch 4: loss {history['loss'][-1]:.4f}")


def test_every_n_epochs_and_the_last_epoch_is_always_drawn():
    notebook = FakeNotebook()
    fit(net(), LivePlot(every=3, display=notebook.display), epochs=4)
    assert [(kind, obj.epochs[-1]) for kind, obj in notebook.calls] == [("display", 3), ("update", 4)]


def test_a_second_fit_continues_the_curves_in_the_same_picture():
    notebook = FakeNotebook()
    model, live = net(), LivePlot(metrics=("loss",), display=notebook.display)
    fit(model, live, epochs=2)
    fit(model, live, epochs=2)
    assert [kind for kind, _ in notebook.calls] == ["display"] + ["update"] * 3
    assert live.epochs == [1, 2, 3, 4] and set(live.history) == {"loss", "val_loss"}
    assert len(live.curves().figure().axes) == 1


@pytest.mark.parametrize("kwargs", [{"every": 0}, {"every": 1.5}, {"metrics": ()}, {"metrics": (1,)}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match="LivePlot"):
        LivePlot(**kwargs)


def test_outside_a_notebook_each_update_is_a_line_of_text():
    assert repr(Curves({}, [], ("loss",))) == "LivePlot: no epoch yet"


def test_the_progress_bar_comes_from_tqdm_auto():
    import tqdm.auto
    import tqdm.notebook

    bar = ProgressBar(total_batches=8)
    fit(net(), bar, epochs=2)
    assert isinstance(bar.bar, tqdm.auto.tqdm) and bar.bar.total == 8
    assert bar.bar.disable  # pytest captures stderr: not a terminal, so no bar in logs
    assert not in_notebook(tqdm.auto.tqdm) and in_notebook(tqdm.notebook.tqdm)


def test_filters_and_feature_maps_show_the_layers_own_numbers():
    model = net()
    W = model.layers[0].params["W"]  # (3, 1, 3, 3)
    fig = draw_filters(W)
    shown = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    assert len(shown) == 3 and all(np.array_equal(s, W[f, 0]) for f, s in enumerate(shown))
    fig = draw_feature_maps(model, X[0])
    maps = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    conv_out = model.layers[0].forward(X[:1])[0]
    assert len(maps) == 3 and all(np.allclose(m, conv_out[c]) for c, m in enumerate(maps))
