"""The progress lines of barenet train: one warning line, once, when the model overfits."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from barenet.job.progress import EpochPrinter


def printed(val_losses: list[float]) -> list[str]:
    out = io.StringIO()
    printer = EpochPrinter(len(val_losses), stream=out)
    for epoch, v in enumerate(val_losses):
        printer.on_epoch_end(None, epoch, {"loss": 0.1, "accuracy": 1.0, "val_loss": v, "val_accuracy": 1.0})
    return [line for line in out.getvalue().splitlines() if line.startswith("Warning")]


def test_a_rising_validation_loss_warns_once_naming_the_best_epoch():
    warnings = printed([0.30, 0.05, 0.010, 0.008, 0.012, 0.016, 0.020, 0.030])
    expected = ("Warning: overfitting: val_loss 0.016 at epoch 6 is 2.0x its best, 0.008 at epoch 4; "
                "train fewer epochs (--epochs 4)")
    assert warnings == [expected]


def test_falling_or_noisy_losses_do_not_warn():
    assert printed([0.5, 0.4, 0.3, 0.2, 0.1]) == []
    assert printed([0.30, 0.31, 0.29, 0.32, 0.30]) == []          # noise, far below twice the best
    assert printed([0.001, 0.0005, 0.002, 0.003, 0.004]) == []    # 8x, but by less than 0.005
    out = io.StringIO()
    EpochPrinter(2, stream=out).on_epoch_end(None, 0, {"loss": 0.1, "accuracy": 1.0})  # no validation
    assert "Warning" not in out.getvalue()


def test_barenet_train_seed_1out_says_it_overfits(tmp_path):
    done = subprocess.run([sys.executable, "-m", "barenet", "train", "--arch", "seed-1out"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "BARENET_DEBUG": ""})
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stdout.splitlines() if line.startswith("Warning: overfitting")]
    assert len(warnings) == 1 and "train fewer epochs" in warnings[0]
