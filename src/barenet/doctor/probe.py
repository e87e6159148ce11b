"""The doctor's dynamic checks: a short probe run on a copy of the model.

1. One forward and backward pass on up to EVAL_SAMPLES samples: NaN or inf in outputs and
   gradients, gradient norms per layer (vanishing, exploding), saturated sigmoid and tanh
   units, dead ReLUs.
2. ``steps`` mini-batch updates with the caller's optimizer (a copy): the update-to-weight
   ratio ||dW|| / ||W|| per layer, ideally about 1e-3, and whether the loss falls.
3. A learning-rate range test: LR_STEPS updates from the same starting weights, on a fresh
   copy for each rate in LR_GRID and for the caller's rate; the loss they reach shows where
   training is fastest and where it blows up.

Every run sees the same batches and the loss is always measured on the same samples, in
inference mode, so the numbers are comparable and a seed fixes them all.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..nn.errors import BarenetError
from ..nn.layers import Layer, ReLU, Sigmoid, Tanh
from ..nn.losses import Loss
from ..nn.checks import labels_of
from ..nn.model import Sequential

EVAL_SAMPLES = 256
LR_GRID = 10.0 ** np.arange(-6.0, 1.5)  # 1e-6, 1e-5, ..., 10
LR_STEPS = 10
VANISH = 1e-3  # a layer's relative gradient this far below the last layer's is vanishing
EXPLODE = 1e3  # gradient norms above this are exploding
SATURATED = 0.5  # flag a layer when more than this fraction of its units is saturated or dead
SLOW, FAST = 1e-5, 1e-1  # update-to-weight ratios 100x away from the ideal 1e-3


@dataclass
class Probe:
    """The probe's data, batches and loss; ``L0`` is the loss of the starting weights."""

    X_eval: np.ndarray
    t_eval: np.ndarray
    X: np.ndarray
    t: np.ndarray
    batches: list[np.ndarray]
    loss: Loss
    L0: float = float("nan")
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(cls, X: np.ndarray, t: np.ndarray, loss: Loss, steps: int, batch_size: int, seed: int) -> "Probe":
        rng = np.random.default_rng(seed)
        ev = rng.permutation(len(X))[:EVAL_SAMPLES]
        size = min(batch_size, len(X))
        batches = [rng.integers(0, len(X), size) for _ in range(max(steps, LR_STEPS))]
        return cls(X[ev], t[ev], X, t, batches, loss)

    def evaluate(self, model: Sequential) -> tuple[float, float]:
        """(loss, accuracy) on the evaluation samples, in inference mode."""
        out = model.forward(self.X_eval)
        value = self.loss.forward(out, self.t_eval)
        return value, float(np.mean(model.labels_from_output(out) == labels_of(self.t_eval)))

    def step(self, model: Sequential, optimizer: Any, idx: np.ndarray) -> float:
        """One training step on the batch ``idx``; returns the batch loss before the update."""
        value = self.loss.forward(model.forward(self.X[idx], training=True), self.t[idx])
        model.backward(self.loss.backward())
        optimizer.step(model.layers)
        return value

    def short_run(self, start: Sequential, optimizer: Any, lr: float) -> float:
        """The evaluation loss after LR_STEPS steps at ``lr`` from a copy of ``start``; inf if it blew up."""
        model, opt = copy.deepcopy(start), with_lr(optimizer, lr)
        for idx in self.batches[:LR_STEPS]:
            self.step(model, opt, idx)  # a run that goes NaN stays NaN: the final loss shows it
        value = self.evaluate(model)[0]
        return value if np.isfinite(value) else float("inf")


def with_lr(optimizer: Any, lr: float) -> Any:
    """A fresh copy of ``optimizer`` with learning rate ``lr``, no state and no schedule."""
    opt = copy.deepcopy(optimizer)
    opt.state, opt.schedule = {}, None
    opt.base_lr = opt.lr = float(lr)
    return opt


def param_layers(model: Sequential) -> list[Layer]:
    return [layer for layer in model.layers if layer.params]


def _norm(arrays: Any) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays)))


def _flat(layer: Layer) -> np.ndarray:
    return np.concatenate([p.ravel().astype(np.float64) for p in layer.params.values()])


# -- the entry point -----------------------------------------------------------------------
def run_probe(report: Any, model: Sequential, X: np.ndarray, t: np.ndarray, loss: Loss, optimizer: Any, *,
              steps: int, batch_size: int, seed: int, lr_test: bool = True) -> None:
    """Run the dynamic checks on ``model``, which must be a copy: it is trained."""
    probe = Probe.make(X, t, loss, steps, batch_size, seed)
    report.context["probe"] = (f"{steps} steps of {type(optimizer).__name__} (lr={getattr(optimizer, 'lr', '?')}) "
                               f"on batches of {len(probe.batches[0])}; loss measured on {len(probe.X_eval)} samples")
    if lr_test:
        report.context["probe"] += f"; lr test: {len(LR_GRID)} rates x {LR_STEPS} steps, each on a fresh copy"
    try:
        with np.errstate(all="ignore"):
            start = copy.deepcopy(model)  # the lr test starts every run from these weights
            if inspect_start(report, model, probe) and train_probe(report, model, probe, optimizer, steps) \
                    and lr_test:
                lr_range(report, start, probe, optimizer)
    except (ValueError, ArithmeticError, BarenetError) as exc:
        report.add("warning", "probe-failed", "The probe run stopped with an error",
                   f"The dynamic checks could not finish: {' '.join(str(exc).split())}.",
                   "Fix the errors above; if there are none, this is worth a bug report.", message=str(exc))
    report.context.update(probe.notes)


# -- 1. the starting point -------------------------------------------------------------------
def inspect_start(report: Any, model: Sequential, probe: Probe) -> bool:
    """Forward and backward once; False (after a finding) when something is already NaN or inf."""
    probe.L0, _ = probe.evaluate(model)
    # A training forward on the same samples: it keeps the outputs and caches that the checks
    # and the backward below read (an inference forward keeps none). Without Dropout it
    # computes the same outputs as the evaluation.
    probe.loss.forward(model.forward(probe.X_eval, training=True), probe.t_eval)
    for layer, out in zip(model.layers, model.outputs):
        if not np.isfinite(out).all():
            _nonfinite(report, "nonfinite-output", f"{layer.label} outputs NaN or inf on finite inputs", layer)
            return False
    if not np.isfinite(probe.L0):
        _nonfinite(report, "nonfinite-output", f"The loss is {probe.L0} although every output is finite", None)
        return False
    model.backward(probe.loss.backward())
    for layer in reversed(model.layers):
        if not all(np.isfinite(g).all() for g in layer.grads.values()):
            _nonfinite(report, "nonfinite-gradient", f"{layer.label} gets a NaN or inf gradient", layer)
            return False
    check_gradients(report, model, probe)
    check_units(report, model, probe)
    return True


def _nonfinite(report: Any, code: str, title: str, layer: Layer | None) -> None:
    report.add("error", code, title,
               "The starting weights already produce NaN or inf, before any update: some weights are huge, or "
               "the values overflow float32. Every later step would only spread them.",
               "Redraw the weights (model.initialize(seed), with the layers' default initializers), scale the "
               "inputs to about [0, 1], and lower the learning rate if these weights came from training.",
               layer=None if layer is None else layer.where)


def check_gradients(report: Any, model: Sequential, probe: Probe) -> None:
    """Per-layer gradient norms: ||dW|| and ||dW|| / ||W||, compared with the last layer's."""
    rows = []
    for layer in param_layers(model):
        g, w = _norm(layer.grads.values()), _norm(layer.params.values())
        rows.append((layer, g, g / w if w > 0 else g))
    if not rows:
        return
    probe.notes["gradients"] = ", ".join(f"{layer.where} {r:.1e}" for layer, _, r in rows) + " (||dW||/||W||)"
    data = {layer.where: {"grad_norm": g, "relative": r} for layer, g, r in rows}
    last = rows[-1][2]
    weak = [layer.where for layer, _, r in rows[:-1] if r < VANISH * last or (last == 0 and r == 0)]
    if all(g == 0 for _, g, _ in rows):
        weak = [layer.where for layer, _, _ in rows]
    if weak:
        report.add("warning", "vanishing-gradients", f"Almost no gradient reaches {', '.join(weak)}",
                   f"Relative to their weights, the gradients of {', '.join(weak)} are over {1 / VANISH:.0f} times "
                   "smaller than the last layer's (or zero), so those layers barely learn. Each sigmoid or tanh "
                   "multiplies the backward signal by its slope (at most 0.25 for sigmoid), saturated units pass "
                   "almost nothing, and a dead ReLU passes exactly nothing.",
                   "Use ReLU or LeakyReLU in hidden layers (with init='he_uniform'), fewer stacked squashing "
                   "layers, and inputs scaled to about [0, 1]; see the saturation and dead-unit findings.", layers=data)
    big = [layer.where for layer, g, _ in rows if g > EXPLODE]
    if big:
        report.add("warning", "exploding-gradients", f"Huge gradients in {', '.join(big)}",
                   f"The gradient norm exceeds {EXPLODE:g} in {', '.join(big)}: one step moves those weights far "
                   "past any minimum, and the loss jumps or turns into NaN. Products of large weights across "
                   "layers, or large inputs or targets, make gradients grow layer by layer.",
                   "Lower the learning rate, scale the inputs (and regression targets), and use an initializer "
                   "matched to the activation: glorot_uniform for sigmoid/tanh, he_uniform for ReLU.", layers=data)


def check_units(report: Any, model: Sequential, probe: Probe) -> None:
    """Fractions of saturated sigmoid/tanh outputs and of ReLU units never active on the probe samples."""
    saturated, dead, notes = {}, {}, []
    for layer, out in zip(model.layers, model.outputs):
        if isinstance(layer, Sigmoid):
            frac = float(np.mean((out < 0.02) | (out > 0.98)))
        elif isinstance(layer, Tanh):
            frac = float(np.mean(np.abs(out) > 0.96))
        elif isinstance(layer, ReLU):
            frac = 1.0 - float(np.mean((out > 0).any(axis=0)))
        else:
            continue
        kind = "dead" if isinstance(layer, ReLU) else "saturated"
        notes.append(f"{type(layer).__name__} {layer.where} {frac:.0%} {kind}")
        if frac > SATURATED:
            (dead if kind == "dead" else saturated)[layer.where] = frac
    if notes:
        probe.notes["units"] = ", ".join(notes)
    if saturated:
        report.add("warning", "saturated-units", f"Saturated units in {', '.join(saturated)} "
                   f"(up to {max(saturated.values()):.0%})",
                   "Most outputs of these activations sit on the flat ends of the curve: sigmoid within 0.02 of 0 "
                   "or 1, tanh within 0.04 of -1 or 1, where the slope is under a tenth of its peak. A saturated "
                   "unit passes almost no gradient back, so it and the layers below it stop learning.",
                   "Scale inputs to about [0, 1], keep the default initializers (glorot_uniform) rather than large "
                   "weights, lower the learning rate, or use ReLU in hidden layers.", layers=saturated)
    if dead:
        report.add("warning", "dead-relu", f"Dead ReLUs in {', '.join(dead)} (up to {max(dead.values()):.0%})",
                   "These units output 0 for every probe sample. A ReLU that is never positive has zero slope, so "
                   "no gradient ever reaches its weights and it cannot come back to life.",
                   "Use init='he_uniform' with zero biases, a lower learning rate, and centered, scaled inputs; "
                   "or LeakyReLU, whose negative side keeps a small slope.", layers=dead)


# -- 2. the probe run -----------------------------------------------------------------------
def train_probe(report: Any, model: Sequential, probe: Probe, optimizer: Any, steps: int) -> bool:
    """Train ``steps`` batches, measuring update ratios; False if the loss blew up."""
    layers = param_layers(model)
    ratios = np.zeros((steps, len(layers)))
    for k, idx in enumerate(probe.batches[:steps]):
        before = [_flat(layer) for layer in layers]
        value = probe.step(model, optimizer, idx)
        after = [_flat(layer) for layer in layers]
        if not (np.isfinite(value) and all(np.isfinite(a).all() for a in after)):
            _diverged(report, k + 1, steps, optimizer)
            return False
        ratios[k] = [np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12) for a, b in zip(after, before)]
    L1, acc = probe.evaluate(model)
    check_updates(report, layers, ratios.mean(axis=0), probe)
    check_curve(report, probe, L1, acc, steps)
    return True


def _diverged(report: Any, step: int, steps: int, optimizer: Any) -> None:
    report.add("error", "loss-diverged", f"Training blew up: NaN or inf at step {step} of {steps}",
               f"With {type(optimizer).__name__} at lr={getattr(optimizer, 'lr', '?')}, the loss or the weights "
               "became NaN or inf: each step overshot and made the next gradient larger.",
               "Lower the learning rate by 10x or more (see lr-too-high), and check the inputs for huge values.",
               step=step)


def check_updates(report: Any, layers: list[Layer], ratios: np.ndarray, probe: Probe) -> None:
    probe.notes["updates"] = ", ".join(f"{layer.where} {r:.1e}" for layer, r in zip(layers, ratios)) + \
        " (||step||/||W||, ideal about 1e-3)"
    data = {layer.where: float(r) for layer, r in zip(layers, ratios)}
    slow = [layer.where for layer, r in zip(layers, ratios) if r < SLOW]
    fast = [layer.where for layer, r in zip(layers, ratios) if r > FAST]
    if slow:
        report.add("warning", "slow-updates", f"Tiny updates in {', '.join(slow)}",
                   f"Each step changes these weights by less than {SLOW:g} of their size; about 1e-3 is healthy. "
                   "At this pace training needs hundreds of times more steps than it should.",
                   "Raise the learning rate (see the lr findings), or remove what shrinks the gradients: "
                   "squashing layers stacked on each other, MSE on softmax outputs, saturated units.", ratios=data)
    if fast:
        report.add("warning", "large-updates", f"Huge updates in {', '.join(fast)}",
                   f"Each step changes these weights by more than {FAST:g} of their size; about 1e-3 is healthy. "
                   "Steps that large jump across the valley instead of descending into it.",
                   "Lower the learning rate until these ratios are near 1e-3 to 1e-2.", ratios=data)


def check_curve(report: Any, probe: Probe, L1: float, acc: float, steps: int) -> None:
    L0 = probe.L0
    change = (L1 - L0) / max(abs(L0), 1e-12)
    probe.notes["loss curve"] = f"{L0:.4g} -> {L1:.4g} after {steps} steps ({change:+.1%}), accuracy {acc:.0%}"
    if _rose(L0, L1):
        report.add("warning", "loss-rising", f"The loss rose from {L0:.4g} to {L1:.4g} in {steps} steps",
                   "Training made the model worse: the steps are too large for this loss surface, so each one "
                   "overshoots.", "Lower the learning rate (see the lr findings).", before=L0, after=L1)
    elif -change < 0.01 and acc < 0.99:
        report.add("warning", "loss-plateau", f"The loss barely moved: {L0:.4g} -> {L1:.4g} in {steps} steps",
                   f"It changed by {change:+.2%} while accuracy is {acc:.0%}: training is stalled, not finished. "
                   "The usual causes are a learning rate far too small, gradients that vanish on the way back, "
                   "or a loss that does not suit the outputs; the other findings say which.",
                   "Fix the errors and warnings above first; then use the learning rate the range test suggests.",
                   before=L0, after=L1, accuracy=acc)


def _g(lr: float) -> str:
    return f"{lr:.2g}"


def _rose(L0: float, L: float) -> bool:
    return not np.isfinite(L) or L > L0 + max(0.1 * abs(L0), 1e-3)


# -- 3. the learning-rate range test --------------------------------------------------------
def lr_range(report: Any, start: Sequential, probe: Probe, optimizer: Any) -> None:
    """Compare the caller's lr with LR_GRID, each run for LR_STEPS from the same start."""
    given = float(getattr(optimizer, "lr", np.nan))
    results = {float(lr): probe.short_run(start, optimizer, lr) for lr in LR_GRID}
    finite = {lr: L for lr, L in results.items() if np.isfinite(L)}
    L0 = probe.L0
    if not finite or L0 - min(finite.values()) <= 0.01 * abs(L0):
        report.add("info", "lr-range", "No learning rate lowers the loss much",
                   f"From lr={LR_GRID[0]:g} to {LR_GRID[-1]:g}, none lowered the loss by even 1% in {LR_STEPS} "
                   "steps. Unless the model is already at a minimum, the obstacle is not the learning rate but "
                   "the model, the loss or the data.", "See the other findings; fix the errors and warnings first.",
                   losses=results)
        return
    best = min(finite, key=finite.get)
    rises = [lr for lr, L in results.items() if lr > best and _rose(L0, L)]
    top = min(rises) if rises else None
    suggest = float(f"{best / 3:.1g}")
    given_L = next((L for lr, L in results.items() if np.isclose(lr, given, rtol=1e-9)), None)
    if given_L is None:
        given_L = probe.short_run(start, optimizer, given) if np.isfinite(given) and given > 0 else np.nan
    data = dict(losses=results, best_lr=best, diverges_from=top, suggested_lr=suggest, given_lr=given,
                given_loss=given_L)
    where = f"the loss fell most at lr={_g(best)}, by {L0 - finite[best]:.2g} ({L0:.4g} -> {finite[best]:.4g})" + \
        (f", and rose from lr={_g(top)} on" if top else "")
    if np.isfinite(given) and _rose(L0, given_L):
        report.add("warning", "lr-too-high", f"Learning rate {given:g} is too high",
                   f"In {LR_STEPS} steps from the same start, lr={given:g} made the loss "
                   + ("NaN or inf" if not np.isfinite(given_L) else f"rise from {L0:.4g} to {given_L:.4g}")
                   + f", while {where}.", f"Lower the learning rate to about {suggest:g}.", **data)
    elif np.isfinite(given_L) and given < best / 100 and L0 - given_L < 0.1 * (L0 - finite[best]):
        report.add("warning", "lr-too-low", f"Learning rate {given:g} is too low",
                   f"In {LR_STEPS} steps from the same start, lr={given:g} lowered the loss by only "
                   f"{L0 - given_L:.2g}, while {where}.", f"Raise the learning rate to about {suggest:g}.", **data)
    report.add("info", "lr-range", f"Learning-rate range test: fastest at lr={_g(best)}, try about {suggest:g}",
               f"Each of {len(LR_GRID)} rates from {LR_GRID[0]:g} to {LR_GRID[-1]:g} trained a fresh copy for "
               f"{LR_STEPS} steps: {where}. Training for longer usually wants a rate a few times below the "
               "fastest one.", f"Start near lr={suggest:g} for {type(optimizer).__name__}; your rate is {given:g}.",
               **data)
