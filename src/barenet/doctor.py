"""``barenet doctor``: find what will stop a network from training, and say how to fix it.

``doctor(model, X, y, loss, optimizer=...)`` returns a Report: a list of Findings, each
with a severity ("error", "warning" or "info"), a short code such as ``double-squash``,
a plain explanation and the fix. It looks in three places:

1. the data: NaN or inf, sample counts, unscaled inputs;
2. the architecture and the loss, before any training (``doctor_static``): a softmax on
   top of a sigmoid, MSE on softmax outputs, probabilities given as logits, labels where
   one-hot rows are needed, target widths that do not match the outputs, ...;
3. a short probe run (``doctor_probe``): gradient norms per layer, saturated and dead
   units, update-to-weight ratios, whether the loss falls, and a learning-rate range test.

The caller's model, loss and optimizer are never touched: every pass runs on deep copies.
A check that cannot run (the model does not accept X, the loss rejects the targets) is
skipped, and the report says so instead of raising.
"""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .doctor_probe import run_probe
from .doctor_static import check_data, check_structure, check_targets, forward_sample
from .errors import InputError
from .layers import Conv2D, Dense, Flatten, MaxPool2D, Sigmoid, Softmax
from .losses import MSE, Loss
from .model import Sequential
from .optim import SGD, Adam, Optimizer

SEVERITIES = ("error", "warning", "info")
WIDTH = 88  # text width of the printed report


@dataclass
class Finding:
    """One problem (or note): what it is, why it matters, and what to do."""

    severity: str
    code: str
    title: str
    explanation: str
    fix: str
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Finding: severity must be one of {SEVERITIES}, received {self.severity!r}")

    def __str__(self) -> str:
        lines = [f"[{self.severity}] {self.code}: {self.title}"]
        for label, text in (("Why: ", self.explanation), ("Fix: ", self.fix)):
            lines.append(textwrap.fill(text, WIDTH, initial_indent="    " + label,
                                       subsequent_indent=" " * (4 + len(label))))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "title": self.title,
                "explanation": self.explanation, "fix": self.fix, "data": _plain(self.data)}


@dataclass
class Report:
    """The doctor's findings, errors first; ``str(report)`` is the text a person reads."""

    findings: list[Finding] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)  # what was examined, e.g. {"loss": "MSE()"}

    def add(self, severity: str, code: str, title: str, explanation: str, fix: str, **data: Any) -> Finding:
        finding = Finding(severity, code, title, explanation, fix, data)
        self.findings.append(finding)
        return finding

    @property
    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: SEVERITIES.index(f.severity))

    @property
    def codes(self) -> list[str]:
        """The finding codes, errors first: ``"double-squash" in report.codes``."""
        return [f.code for f in self.sorted]

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.sorted if f.severity == severity]

    @property
    def ok(self) -> bool:
        """True when there is no error and no warning (notes are allowed)."""
        return not any(f.severity in ("error", "warning") for f in self.findings)

    def get(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "context": dict(self.context), "findings": [f.to_dict() for f in self.sorted]}

    def __str__(self) -> str:
        counts = [_plural(len(self.of(s)), name) for s, name in zip(SEVERITIES, ("error", "warning", "note"))]
        head = f"barenet doctor: {', '.join(counts)}" + (" - nothing stands in the way of training" if self.ok else "")
        pad = max((len(k) for k in self.context), default=0) + 2
        lines = [head] + [textwrap.fill(v, WIDTH, initial_indent=f"  {k + ':':<{pad}}",
                                        subsequent_indent=" " * (2 + pad)) for k, v in self.context.items()]
        return "\n\n".join(["\n".join(lines)] + [str(f) for f in self.sorted])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _plain(value: Any) -> Any:
    """JSON-friendly copy of finding data: NumPy scalars and arrays become Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


# -- the entry point -------------------------------------------------------------------
def doctor(model: Sequential, X: Any, y: Any, loss: Loss, *, optimizer: Optimizer | None = None,
           probe_steps: int = 50, batch_size: int = 32, lr_test: bool = True, seed: int = 0) -> Report:
    """Examine a model, its data and its loss; return a Report of findings with fixes.

    Shape: X (N, ...) as the model's first layer takes it; y integer labels (N,), one-hot
    rows (N, K) or targets shaped like the output. ``optimizer`` is the one you train
    with (default: the model's own, else Adam(lr=1e-3)); the probe trains copies of the
    model with it for ``probe_steps`` mini-batches of ``batch_size``, then runs a
    learning-rate range test (``lr_test=False`` skips it: it trains 8 more copies for
    10 steps each). ``probe_steps=0`` runs only the data and static checks. ``seed`` fixes
    the probe's samples and batches, so the same call gives the same report.
    """
    _check_args(model, loss, probe_steps, batch_size)
    X, y = _as_arrays(X, y)
    optimizer, assumed = _pick_optimizer(model, optimizer)
    work, loss = copy.deepcopy(model), copy.deepcopy(loss)  # every pass runs on copies
    report = Report(context=_context(work, X, y, loss, optimizer, assumed))
    targets, blockers = _static_checks(report, work, X, y, loss)
    if probe_steps == 0:
        report.context["probe"] = "off (probe_steps=0): static checks only"
    elif blockers:
        report.context["probe"] = "skipped"
        report.add("info", "probe-skipped", "Dynamic checks skipped",
                   "The probe run (gradients, saturation, dead units, loss curve, learning-rate test) "
                   f"could not run: {'; '.join(blockers)}.",
                   "Fix the errors above and run the doctor again to get the dynamic checks.", reasons=blockers)
    else:
        run_probe(report, work, X, targets, loss, copy.deepcopy(optimizer), steps=probe_steps,
                  batch_size=batch_size, seed=seed, lr_test=lr_test)
    return report


def _static_checks(report: Report, model: Sequential, X: np.ndarray, y: np.ndarray,
                   loss: Loss) -> tuple[np.ndarray | None, list[str]]:
    """Data, structure and target checks. Returns (targets for the probe, reasons it cannot run)."""
    blockers = check_data(report, X, y)
    check_structure(report, model, loss)
    out, why = forward_sample(report, model, X)
    targets = None
    if out is not None:
        targets, why = check_targets(report, model, out, y, loss)
    return targets, blockers + ([why] if why else [])


def _check_args(model: Any, loss: Any, probe_steps: Any, batch_size: Any) -> None:
    if not isinstance(model, Sequential):
        raise TypeError(f"doctor: model must be a barenet Sequential, received {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"doctor: loss must be a barenet loss such as SoftmaxCrossEntropy(), "
                        f"received {type(loss).__name__}")
    if not isinstance(probe_steps, int) or probe_steps < 0 or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"doctor: need probe_steps >= 0 and batch_size >= 1, "
                         f"received {probe_steps!r} and {batch_size!r}")


def _as_arrays(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X and y as arrays; a usage error (not numeric, no batch axis) raises InputError."""
    X, y = np.asarray(X), np.asarray(y)
    for name, a in (("X", X), ("y", y)):
        if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise InputError(f"doctor: {name} must be numeric, received dtype {a.dtype}")
        if a.ndim < 1 or a.shape[0] == 0:
            raise InputError(f"doctor: {name} must have a non-empty batch axis (N, ...), received {a.shape}")
    if X.ndim < 2:
        raise InputError(f"doctor: X must have a batch axis, shape (N, ...), received {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float32)
    return X, y


def _pick_optimizer(model: Sequential, optimizer: Any) -> tuple[Any, bool]:
    if optimizer is not None:
        if not hasattr(optimizer, "step"):
            raise TypeError(f"doctor: optimizer must be a barenet optimizer such as Adam(), "
                            f"received {type(optimizer).__name__}")
        return optimizer, False
    if getattr(model, "optimizer", None) is not None:
        return model.optimizer, False
    return Adam(lr=1e-3), True


def _context(model: Sequential, X: np.ndarray, y: np.ndarray, loss: Loss, optimizer: Any,
             assumed: bool) -> dict[str, str]:
    names = [layer.label.removesuffix(f" at {layer.where}") for layer in model.layers]
    return {"model": f"{' > '.join(names)} ({model.n_params} parameters)",
            "loss": repr(loss),
            "optimizer": repr(optimizer) + (" (assumed: none given and the model has none)" if assumed else ""),
            "data": f"X {X.shape} {X.dtype}, y {y.shape} {y.dtype}"}


# -- the question's own setup, for demonstration -----------------------------------------
@dataclass
class Setup:
    """Everything ``doctor`` needs: a model, data, a loss and an optimizer."""

    model: Sequential
    X: np.ndarray
    y: np.ndarray
    loss: Loss
    optimizer: Optimizer
    summary: str

    def diagnose(self, **kwargs: Any) -> Report:
        return doctor(self.model, self.X, self.y, self.loss, optimizer=self.optimizer, **kwargs)


def question_network(seed: int = 0) -> Sequential:
    """The question's second network, as asked: two sigmoid outputs with a softmax on top.

    6x6 -> Conv2D 3x3 -> Sigmoid -> MaxPool 2 (the four pooled values) -> Dense 4->2 ->
    Sigmoid (h1, h2) -> Dense 2->2 -> Sigmoid (o1, o2) -> Softmax. Shape: (N, 1, 6, 6) -> (N, 2).
    """
    return Sequential([Conv2D(1, 1, 3), Sigmoid(), MaxPool2D(2), Flatten(), Dense(4, 2), Sigmoid(),
                       Dense(2, 2), Sigmoid(), Softmax()], seed=seed)


def question_setup(seed: int = 0) -> Setup:
    """The question's training setup on the O/X letters: MSE on the softmax output, plain
    SGD with lr 0.01, and the question's targets ``y = [[0], [1]]``: one 0/1 label per sample."""
    from . import data

    ds = data.load("ox", "train", seed=seed)
    y = ds.y.reshape(-1, 1).astype(np.float32)  # the question's y = [[0], [1]]
    return Setup(question_network(seed), ds.X, y, MSE(), SGD(lr=0.01),
                 "the question's network: Sigmoid outputs under a Softmax, MSE, SGD lr=0.01, y=[[0],[1]]")


def fixed_setup(seed: int = 0) -> Setup:
    """The corrected setup (zoo ``seed-softmax``): 2 logits, SoftmaxCrossEntropy, integer labels, Adam."""
    from . import data
    from .zoo import get_arch

    ds = data.load("ox", "train", seed=seed)
    arch = get_arch("seed-softmax")
    model = arch.build(ds.input_shape, len(ds.classes), seed=seed)
    return Setup(model, ds.X, ds.y, arch.make_loss(), arch.make_optimizer(),
                 "seed-softmax: 2 logits, SoftmaxCrossEntropy on integer labels, Adam")
