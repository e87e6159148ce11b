"""The divergence guard: every runaway learning rate stops with a message naming the epoch, batch and layer."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import barenet as bn
from barenet import data
from barenet.zoo import get_arch

WHERE = re.compile(r"at epoch \d+, batch \d+: .*at layer \d+")


@pytest.fixture(scope="module")
def ox():
    return data.load("ox", "train", seed=0)


def question_net(ox):
    return get_arch("seed-softmax").build(ox.input_shape, 2, seed=0)


@pytest.mark.parametrize("lr", [1e3, 1e6, 1e10, 1e30, 1e100, 1e300])
@pytest.mark.parametrize("make_opt", [bn.Adam, bn.SGD, bn.RMSProp], ids=["adam", "sgd", "rmsprop"])
def test_every_runaway_learning_rate_stops_with_epoch_batch_and_layer(ox, lr, make_opt):
    model = question_net(ox)
    with np.errstate(all="ignore"), pytest.raises(bn.NonFiniteError) as err:
        model.fit(ox.X, ox.y, loss=bn.SoftmaxCrossEntropy(), optimizer=make_opt(lr), epochs=5, batch_size=8)
    assert WHERE.search(str(err.value)), str(err.value)


def test_an_inf_hidden_by_a_saturating_sigmoid_is_caught_where_it_appears():
    # Dense 0's output overflows float32 to inf; the Sigmoid after it squashes that to 1.0, so the
    # loss and every gradient stay finite. Only the layer outputs show it.
    model = bn.Sequential([bn.Dense(2, 2, seed=0), bn.Sigmoid(), bn.Dense(2, 2, seed=1)])
    model.layers[0].params["W"][...] = 3e38
    X, y = np.full((4, 2), 10.0, np.float32), np.array([0, 1, 0, 1])
    with np.errstate(all="ignore"), pytest.raises(bn.NonFiniteError,
                                                 match=r"epoch 1, batch 1: Dense\(2, 2\) at layer 0 produced"):
        model.fit(X, y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), epochs=1, batch_size=4)


def test_a_gradient_that_overflows_in_backward_is_caught_in_the_next_batch():
    # Finite outputs and loss, but the gradient passed back through Dense 2 overflows float32,
    # so the step makes Dense 0's weights non-finite; batch 2 names that layer.
    model = bn.Sequential([bn.Dense(2, 2, seed=0), bn.Tanh(), bn.Dense(2, 2, seed=1)])
    model.layers[2].params["W"][...] = 3e38  # tanh bounds h, so z = h W is finite for small h
    model.layers[0].params["W"][...] = 1e-40
    X, y = np.ones((8, 2), np.float32), np.full((8, 2), 100.0, np.float32)  # dL/dz ~ -25: dh = dz W^T overflows
    with pytest.raises(bn.NonFiniteError, match=r"epoch 1, batch 2: Dense\(2, 2\) at layer 0 produced a "
                                                r"non-finite output because its weights 'W' are non-finite"):
        model.fit(X, y, loss=bn.MSE(), optimizer=bn.SGD(1e-3), epochs=1, batch_size=4, shuffle=False)


def test_numpy_warnings_do_not_repeat_the_error(recwarn, ox):
    with pytest.raises(bn.NonFiniteError):
        question_net(ox).fit(ox.X, ox.y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(1e300), epochs=2)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_normal_training_is_never_stopped(ox):
    model = question_net(ox)
    history = model.fit(ox.X, ox.y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(0.05), epochs=20, batch_size=8)
    assert history["accuracy"][-1] == 1.0


def test_the_growth_check_can_be_turned_off_and_is_checked(ox):
    model = question_net(ox)
    with np.errstate(all="ignore"):
        model.fit(ox.X, ox.y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(1e3), epochs=1, batch_size=8,
                  callbacks=[bn.NonFiniteGuard(max_loss_growth=None)])
    with pytest.raises(ValueError, match="max_loss_growth"):
        bn.NonFiniteGuard(max_loss_growth=0.5)


def test_the_cli_exits_non_zero_and_keeps_the_good_model(tmp_path):
    good = tmp_path / "ox.barenet"
    first = subprocess.run([sys.executable, "-m", "barenet", "train", "--epochs", "2", "--out", str(good),
                            "--quiet"], capture_output=True, text=True, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = good.read_bytes()
    done = subprocess.run([sys.executable, "-m", "barenet", "train", "--lr", "1e30", "--out", str(good)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert "diverged at epoch 1, batch" in done.stderr and "at layer" in done.stderr
    assert good.read_bytes() == before


def test_complex_data_is_refused_not_silently_made_real():
    model = bn.Sequential([bn.Dense(2, 2, seed=0)])
    X = np.ones((4, 2)) + 1j
    for call in (lambda: model.fit(X, [0, 1, 0, 1], loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1)),
                 lambda: model.predict(X)):
        with pytest.raises(bn.InputError, match="complex dtype complex128"):
            call()
