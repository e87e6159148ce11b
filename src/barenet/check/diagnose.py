"""Name the bug behind gradients that disagree, by testing each hypothesis numerically.

Each stage takes the parameters that are still unexplained and tests one kind of bug:

1. ``shape`` (done while the evidence is gathered, see gradients.py): a gradient of the
   wrong shape, transposed, or not summed over the batch;
2. ``zero-gradient``: the analytic value is 0 wherever it disagrees, yet the loss moves;
3. ``sign``, ``batch-scale``, ``factor``: a = c n for every checked element, with c one
   of -1, N or 1/N (the batch size), or a small factor (2, 1/2, 3, ..., K the outputs);
4. with the scores watched (hypotheses.py): ``softmax-diagonal``, ``softmax-skipped``,
   ``wrong-loss-derivative`` and ``partial-path``, tested together;
5. whatever is left is a ``mismatch``: it disagrees and no known bug explains it.

A hypothesis is accepted only when it makes every checked element of the parameter
agree under the same tolerance as the check itself, so correct code gets no finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .numeric import fits
from .report import Finding


@dataclass
class Evidence:
    """Everything the diagnosis knows about one parameter, at its checked elements."""

    name: str
    shape: tuple
    picks: np.ndarray            # flat indices checked
    a: np.ndarray                # analytic values (nan when the shape made them unreadable)
    n: np.ndarray                # numerical values
    atol: np.ndarray
    jac: np.ndarray | None = None  # (P, N, K) d scores / d element
    shape_ok: bool = True
    given_shape: tuple | None = None

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the elements where mask is True."""
        self.picks, self.a, self.n, self.atol = self.picks[mask], self.a[mask], self.n[mask], self.atol[mask]
        if self.jac is not None:
            self.jac = self.jac[mask]

    def agrees(self, rtol: float, a: np.ndarray | None = None) -> np.ndarray:
        return fits(self.a if a is None else a, self.n, rtol, self.atol)

    def index(self, j: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(int(self.picks[j]), self.shape)) if self.shape else ()

    def label(self, j: int) -> str:
        idx = self.index(j)
        return self.name + (f"[{', '.join(map(str, idx))}]" if idx else "")


ISOLATED = 0.1      # float32: at most this share of a parameter's elements ...
KINK_ERROR = 0.5    # ... each off by at most this share of the parameter's largest value, are kinks


def kinks(a: np.ndarray, pred: np.ndarray, ok: np.ndarray, atol: np.ndarray) -> bool:
    """Whether the elements that do not fit (~ok) look like kinks that a float32 step of
    h = 1e-3 cannot avoid (a ReLU at 0, a max changing hands) rather than a bug: few of them
    (at most ISOLATED of the elements), none with an analytic value of 0 (a kink spoils the
    numerical value, never the analytic one), and each off by less than KINK_ERROR times the
    parameter's largest predicted value (a kink moves a slope by what one sample adds)."""
    bad = ~ok
    if not bad.any():
        return True
    if bad.sum() > max(1, ISOLATED * len(bad)) or np.any(np.abs(a[bad]) <= atol[bad]):
        return False
    return bool(np.all(np.abs(a - pred)[bad] <= KINK_ERROR * np.max(np.abs(pred))))


@dataclass
class Context:
    """What the diagnosis knows about the whole check. ``slack``: float32 code, whose kinks
    may leave a few elements off any hypothesis (see :func:`kinks`)."""

    rtol: float
    batch: int | None = None     # N, when known
    outputs: int | None = None   # K, when the scores are watched
    mode: str = "gradients"      # or "step"
    lr: float | None = None
    slack: bool = False
    notes: list[str] = field(default_factory=list)


def explains(e: Evidence, pred: np.ndarray, ctx: Context, scale: float = 1.0) -> bool:
    """Whether predicted values make every checked element of e agree (kinks allowed in float32).
    ``scale``: the prediction is the numerical values times it, and so is their rounding."""
    atol = e.atol * max(1.0, abs(scale))
    ok = fits(e.a, pred, ctx.rtol, atol)
    return bool(ok.all()) or (ctx.slack and kinks(e.a, pred, ok, atol))


def fraction(c: float) -> str:
    """2.0 -> "2", 0.5 -> "1/2", -0.125 -> "-1/8"; other values with 4 digits."""
    f = Fraction(c).limit_denominator(100000)
    if abs(float(f) - c) <= 1e-9 * abs(c) and (f.numerator in (1, -1) or f.denominator == 1):
        return str(f)
    return f"{c:.4g}"


def factor_candidates(batch: int | None, outputs: int | None, lr: float | None = None) -> list[float]:
    """Constant ratios worth a name, the most common first. With a step's learning rate,
    lr (applied twice) and 1/lr (not applied) too."""
    cands = [-1.0, 2.0, 0.5, -2.0, -0.5]
    for m in (batch, outputs, (batch or 1) * (outputs or 1)):
        if m and m > 1:
            cands += [float(m), 1.0 / m, 2.0 * m, 0.5 / m, m / 2.0, 2.0 / m]
    cands += [float(k) for k in range(3, 11)] + [1.0 / k for k in range(3, 11)]
    if lr:
        cands += [lr, 1.0 / lr]
    return list(dict.fromkeys(c for c in cands if c != 1.0))


def factor_finding(c: float, params: list[str], ctx: Context, everyone: bool) -> Finding:
    """The finding for a constant ratio c: sign, batch-scale or factor."""
    label = fraction(c)
    who = "every gradient" if everyone else "the gradients of " + ", ".join(params)
    step = (f" (check_step also sees a learning rate other than lr={ctx.lr:g} this way)"
            if ctx.mode == "step" else "")
    data = {"factor": c, "label": label}
    if c == -1.0:
        return Finding("sign", tuple(params),
                       f"{who[0].upper() + who[1:]} point{'s' if everyone else ''} the opposite way from the "
                       "numerical one: a sign is flipped, as in y - p where p - y belongs"
                       + (", or a step that adds the gradient instead of subtracting it" if ctx.mode == "step"
                          else "") + ".",
                       "Flip the sign: the derivative of (p - y)^2 is 2 (p - y), and gradient descent subtracts "
                       "it: w -= lr * dL/dw.", data=data)
    if ctx.batch and ctx.batch > 1 and c in (float(ctx.batch), 1.0 / ctx.batch):
        more = c > 1
        return Finding("batch-scale", tuple(params),
                       f"{who[0].upper() + who[1:]} {'is' if everyone else 'are'} {label} times the numerical "
                       f"one{'' if everyone else 's'}, and {ctx.batch} is the batch size: the loss "
                       f"{'averages' if more else 'sums'} over the batch but the gradient "
                       f"{'sums' if more else 'averages'}{step}.",
                       ("Divide the gradient by the batch size, as the mean in the loss does: dL/dp = 2 (p - y) / N "
                        "for the mean squared error." if more else
                        "Do not divide by the batch size where the loss is a sum, or make the loss a mean."),
                       data=data)
    if ctx.mode == "step" and ctx.lr and ctx.lr != 1.0 and c in (ctx.lr, 1.0 / ctx.lr):
        twice = c == ctx.lr
        return Finding("factor", tuple(params),
                       f"{who[0].upper() + who[1:]} that the step applied {'is' if everyone else 'are'} {label} "
                       f"times the numerical one{'' if everyone else 's'}, and lr is {ctx.lr:g}: the learning "
                       + ("rate is applied twice, once in the gradient and again in the update." if twice else
                          "rate is not applied, the update subtracts the bare gradient."),
                       "Multiply by the learning rate once, in the update: w -= lr * dL/dw, with dL/dw the "
                       "gradient alone.", data=data | {"learning_rate": "twice" if twice else "missing"})
    where = ("a quantity every gradient shares, usually dL/dy_pred: a mean taken where the loss sums (over "
             "the outputs, for instance), a sum where it averages, or the 2 of a square missing or doubled"
             if everyone else "these parameters' own lines")
    return Finding("factor", tuple(params),
                   f"{who[0].upper() + who[1:]} {'is' if everyone else 'are'} {label} times the numerical "
                   f"one{'' if everyone else 's'}: a constant factor in {where}{step}.",
                   "Derive dL/dy_pred from the loss exactly as it is computed: for L = mean((y - p)^2) over M "
                   "values, dL/dp = 2 (p - y) / M.", data=data)


def zero_stage(evs: list[Evidence], ctx: Context) -> list[Finding]:
    """Parameters whose analytic value is 0 wherever it disagrees. Removes them from evs."""
    found = []
    for e in list(evs):
        bad = ~e.agrees(ctx.rtol)
        if not np.all(np.abs(e.a[bad]) <= e.atol[bad]):
            continue
        evs.remove(e)
        j = int(np.argmax(np.where(bad, np.abs(e.n), -1)))
        if bad.all():
            cause = (f"The gradient of {e.name} is 0, yet the loss changes with {e.name} "
                     f"(numerically {e.n[j]:.4g} at {e.label(j)}).")
        else:
            cause = (f"{int(bad.sum())} of {len(bad)} checked values of {e.name} are 0 though the loss changes "
                     f"with them (e.g. {e.label(j)}: numerically {e.n[j]:.4g}): a mask or a slice drops them.")
        found.append(Finding("zero-gradient", (e.name,), cause,
                             "Give every parameter the forward pass uses its term in backprop (a bias gets the "
                             "sum of the gradient above it); check masks, slices and where results are stored.",
                             data={"elements": int(bad.sum())}))
    return found


def snapped(e: Evidence) -> list[float]:
    """The least-squares ratio c = <a, n> / <n, n>, rounded to k or 1/k for an integer k."""
    nn = float(np.dot(e.n, e.n))
    if nn == 0:
        return []
    c = float(np.dot(e.a, e.n)) / nn
    out = []
    for k in (round(c), 1.0 / round(1.0 / c) if abs(c) > 1e-12 and round(1.0 / c) else 0):
        if k and k != 1.0 and abs(k - c) <= 1e-3 * abs(c):
            out.append(float(k))
    return out


def ratio_stage(evs: list[Evidence], ctx: Context) -> dict[float, list[str]]:
    """Parameters with a = c n for a named constant c; removes them. Returns {c: names}."""
    groups: dict[float, list[str]] = {}
    for e in list(evs):
        for c in factor_candidates(ctx.batch, ctx.outputs, ctx.lr) + snapped(e):
            if explains(e, c * e.n, ctx, c):
                groups.setdefault(c, []).append(e.name)
                evs.remove(e)
                break
    return groups


def shared_ratios(evs: list[Evidence], rtol: float) -> list[tuple[float, list[str]]]:
    """Groups of two or more parameters whose elements all share one ratio a / n."""
    ratios = []
    for e in evs:
        keep = np.abs(e.n) > e.atol
        if keep.any():
            r = e.a[keep] / e.n[keep]
            if np.ptp(r) <= rtol * np.max(np.abs(r)):
                ratios.append((float(np.mean(r)), e.name))
    groups: list[tuple[float, list[str]]] = []
    for r, name in ratios:
        for g in groups:
            if abs(g[0] - r) <= rtol * max(abs(r), abs(g[0])):
                g[1].append(name)
                break
        else:
            groups.append((r, [name]))
    return [g for g in groups if len(g[1]) > 1]


def _where(names: list[str], agree: list[str], mode: str) -> str:
    """Where the error enters: below the parameters that agree, or at the output when none does."""
    if not agree:
        return ("Every gradient disagrees, so the error is most likely at the output: dL/dy_pred, the output "
                "activation's derivative, or the loss itself (targets of another shape broadcast against the "
                "outputs).")
    causes = ["an activation's derivative (left out, or taken of the wrong value)", "a pooling or convolution loop"]
    if mode == "step":
        causes.append("a weight read after the step has already updated it")
    return (f"The gradients of {', '.join(agree)} agree, so the error enters on the way back from them to "
            f"{', '.join(names)}: {', '.join(causes[:-1])} or {causes[-1]}.")


def mismatch_finding(evs: list[Evidence], ctx: Context, agree: list[str] = ()) -> Finding:
    """What is left: say what disagrees, the groups of parameters that share a ratio, and
    (``agree``: the parameters whose every value agrees) where the error enters."""
    worst = 0.0
    for e in evs:
        with np.errstate(all="ignore"):
            rel = np.abs(e.a - e.n) / np.maximum(np.maximum(np.abs(e.a), np.abs(e.n)), 1e-300)
        worst = max(worst, float(np.nanmax(rel)))
    names = [e.name for e in evs]
    cause = (f"The gradients of {', '.join(names)} disagree with the numerical ones (relative error up to "
             f"{worst:.2g}), and none of the named bugs explains it.")
    groups = shared_ratios(evs, ctx.rtol)
    if groups:
        cause += " " + "; ".join(f"{', '.join(g)} share one ratio, {r:.4g}" for r, g in groups)
        cause += (": the gradient that reaches the unit each group feeds is wrong (a path left out, or a wrong "
                  "activation derivative).")
    cause += " " + _where(names, agree, ctx.mode)
    return Finding("mismatch", tuple(names), cause,
                   "Check these parameters' chain rule term by term, starting from the output; a unit that "
                   "feeds several units gets the sum of what each sends back.",
                   data={"shared_ratios": [{"ratio": r, "params": g} for r, g in groups]})
