"""``check_gradients``: a learner's own backprop against central differences, with the bug named.

The learner gives three things, none of them barenet's:

- ``params``: a dict name -> float or ndarray, or any object whose float and ndarray
  attributes are the parameters (``self.w1`` ... ``self.w12``, or ``self.W1`` arrays);
- ``loss_fn``: returns the loss as one number; it takes no argument (it reads the
  parameters itself) or one, the ``params``;
- ``grads``: the analytic gradient, a dict with the same names (a number per scalar, an
  array of the parameter's shape per array), or a callable that returns one.

Optionally ``scores`` (a callable like loss_fn returning the (N, K) values that enter the
output softmax or sigmoid) and the targets ``y`` let it test the output hypotheses
(softmax-diagonal, wrong-loss-derivative, partial-path; see hypotheses.py).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import numpy as np

from .activations import Tap, activation_finding
from .broadcast import LABEL, broadcast_finding, identify_broadcast
from .diagnose import (
    Context,
    Evidence,
    factor_finding,
    kinks,
    mismatch_finding,
    ratio_stage,
    zero_stage,
)
from .errors import CheckError
from .heads import Identified, identify
from .hypotheses import head_stage, same_as_variant
from .numeric import (
    FLOAT32,
    FLOAT64,
    SECOND_LOOK,
    Precision,
    as_loss,
    detect_precision,
    fits,
    pick,
    sweep,
)
from .params import ParamSet, call
from .report import Finding, GradientReport, Row
from .shapes import align, shape_findings
from .stale import stale_finding
from .state import repeat_finding


def check_gradients(loss_fn: Callable, params: Any, grads: Mapping | Callable, *,
                    names: Iterable[str] | None = None, scores: Callable | None = None, y: Any = None,
                    X: Any = None, batch_size: int | None = None, max_elements: int | None = 100,
                    precision: str = "auto", seed: int = 0, tap: Any = None) -> GradientReport:
    """Check a learner's analytic gradients against central differences of ``loss_fn``.

    Each parameter is float64 while the check runs and is always restored, on error too.
    ``names`` selects parameters (default: every float or float array that ``grads`` has
    an entry for). ``batch_size`` N lets a ratio of N or 1/N be named ``batch-scale``
    (default: the scores' first axis, else len(X)). ``X`` and ``y``, the batch, are never
    taken for parameters (a network object may keep its input as ``self.X``). ``max_elements`` bounds the elements checked per
    parameter (a seeded subset; None checks all). ``precision`` is "auto" (float32 code is
    detected), "float64" or "float32". Returns a GradientReport.
    """
    ps = ParamSet(params, names, data=(X, y))
    ps.install()
    try:
        given = call(grads, params) if callable(grads) else grads
        analytic, skipped = read_grads(given, ps.names, ps.found, explicit=names is not None)
        ps.names = [n for n in ps.names if n in analytic]
        again = read_grads(call(grads, params), ps.names, ps.found, explicit=False)[0] if callable(grads) else analytic
        report = run_check(ps, loss_fn, analytic, mode="gradients", scores=scores, y=y,
                         batch_size=batch_size or batch_of(X),
                         max_elements=max_elements, precision=precision, seed=seed, auto=names is None,
                         skipped=skipped, tap=tap)
        return with_repeat(report, repeat_finding(analytic, again, "gradients"))
    finally:
        ps.restore()


def with_repeat(report: GradientReport, finding: Finding | None) -> GradientReport:
    """The report with an accumulated-gradient finding (state.py) first, when there is one."""
    if finding is not None:
        report.findings.insert(0, finding)
    return report


def batch_of(X: Any) -> int | None:
    """len(X), the batch size, when X is given."""
    return len(X) if X is not None and hasattr(X, "__len__") and len(X) else None


def read_grads(given: Any, names: list[str], found: list[str],
               explicit: bool) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The learner's gradients for ``names`` as float64 arrays. Names without one are skipped
    (an error when asked for by name); entries for other parameters (``found``) are ignored."""
    if given is None:
        raise CheckError("grads returned None; return a dict name -> gradient, e.g. {'W1': dW1, 'b1': db1}")
    if not isinstance(given, Mapping):
        raise CheckError(f"grads must be a dict name -> gradient (or a function returning one), "
                         f"received {type(given).__name__}")
    extra = [k for k in given if k not in found]
    if extra:
        raise CheckError(f"grads has entries {extra} that are not parameters; the parameters are {found}")
    missing = [n for n in names if n not in given]
    if explicit and missing:
        raise CheckError(f"grads has no entry for {missing}; give one gradient per parameter")
    out = {}
    for k in names:
        if k not in given:
            continue
        v = given[k]
        try:
            out[k] = np.array(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckError(f"grads[{k!r}] must be a number or an array of numbers, "
                             f"received {type(v).__name__}") from None
    if not out:
        raise CheckError(f"grads has no entry for any parameter; the parameters are {names}")
    return out, {n: "no gradient given" for n in missing}


def _precision(name: str, ps: ParamSet, evaluate: Callable, low: bool, seed: int) -> Precision:
    if name == "auto":
        return detect_precision(ps, evaluate, low, seed)
    if name not in ("float64", "float32"):
        raise CheckError(f"precision must be 'auto', 'float64' or 'float32', received {name!r}")
    return FLOAT64 if name == "float64" else FLOAT32


def run_check(ps: ParamSet, loss_fn: Callable, analytic: dict[str, np.ndarray], *, mode: str,
              lr: float | None = None, scores: Callable | None = None, y: Any = None,
              batch_size: int | None = None, max_elements: int | None = 100, precision: str = "auto",
              seed: int = 0, auto: bool = True, skipped: dict[str, str] | None = None,
              tap: Tap | None = None) -> GradientReport:
    """The check itself, on installed parameters at the point where ``analytic`` was taken.
    ``tap``: a script's watched activations (activations.py), for the activation-derivative test."""
    skipped = dict(skipped or {})

    def evaluate() -> tuple[float, np.ndarray | None]:
        loss = as_loss(call(loss_fn, ps.holder))[0]
        return loss, (None if scores is None else as_scores(call(scores, ps.holder)))

    loss0, low = as_loss(call(loss_fn, ps.holder))
    z0 = evaluate()[1]
    prec = _precision(precision, ps, evaluate, low, seed)
    evs = _gather(ps, evaluate, prec, loss0, analytic, max_elements, seed, skipped,
                  drop_flat=auto, step=mode == "step")
    ctx = Context(prec.rtol, batch=batch_size or (z0.shape[0] if z0 is not None else None),
                  outputs=None if z0 is None else z0.shape[1], mode=mode, lr=lr, slack=prec is FLOAT32)
    kinds = _read_values(evs, analytic, prec.rtol, ctx.batch)
    rough = second_look(ps, evs, evaluate, prec, loss0)
    if rough:
        ctx.notes.append(f"the loss has a kink within h of {', '.join(rough)} (a ReLU at 0, a max changing hands): "
                         "no central difference can check them there, so they are left out")
    start = ps.values()
    after = {n: start[n] - lr * analytic[n] for n in ps.names
             if mode == "step" and lr and analytic[n].shape == start[n].shape}   # the weights after the step

    def deeper(todo: list[Evidence], agree: list[str], ident: Identified | None) -> Finding | None:
        return (stale_finding(ps, todo, agree, after, evaluate, prec, loss0, ident, z0, ctx)
                or activation_finding(tap, ps, todo, evaluate, prec, ctx))

    findings = shape_findings(kinds, mode) + diagnose(evs, ctx, z0, y, loss0, deeper)
    rows = [Row(e.name, e.index(j), float(e.a[j]), float(e.n[j]),
                bool(e.shape_ok and fits(e.a[j], e.n[j], prec.rtol, e.atol[j])))
            for e in evs for j in range(len(e.picks))]
    return GradientReport(rows, findings, prec.name, prec.describe(), mode,
                          shapes={e.name: e.given_shape for e in evs if not e.shape_ok}, skipped=skipped,
                          notes=ctx.notes)


def _gather(ps: ParamSet, evaluate: Callable, prec: Precision, loss0: float, analytic: dict[str, np.ndarray],
            max_elements: int | None, seed: int, skipped: dict[str, str], drop_flat: bool,
            step: bool) -> list[Evidence]:
    """Central differences for each parameter's picked elements, as Evidence (analytic values
    still to be read). With ``drop_flat``, a parameter the loss does not change with is skipped."""
    rng = np.random.default_rng(seed)
    evs = []
    for name in ps.names:
        picks = pick(int(np.prod(ps.shape(name), dtype=np.int64)), max_elements, rng)
        sw = sweep(ps, name, picks, evaluate, prec, loss0)
        if drop_flat and not np.any(sw.numerical) and (step or not np.any(analytic[name])):
            skipped[name] = "the loss does not change with it"
            continue
        evs.append(Evidence(name, ps.shape(name), picks, np.full(len(picks), np.nan), sw.numerical, sw.atol,
                            sw.jac, given_shape=analytic[name].shape))
    if not evs:
        raise CheckError("the loss does not change when any parameter changes: does loss_fn read the "
                         "parameters through params (self.w1, params['W1'])?")
    top = max(float(np.max(np.abs(e.n), initial=0.0)) for e in evs)
    for e in evs:
        e.atol = e.atol + 8 * prec.unit * top   # the rounding of the analytic values themselves
    return evs


def second_look(ps: ParamSet, evs: list[Evidence], evaluate: Callable, prec: Precision,
                loss0: float) -> list[str]:
    """Measure the values that disagree again with a step SECOND_LOOK times smaller (see
    numeric.py). Where the two estimates differ the loss is not smooth: the finer one is used,
    and elements that still disagree are dropped. Returns the dropped elements' labels."""
    dropped = []
    for e in evs:
        bad = np.flatnonzero(~e.agrees(prec.rtol) & ~np.isnan(e.a))
        if not len(bad):
            continue
        fine = sweep(ps, e.name, e.picks[bad], evaluate, prec, loss0, shrink=SECOND_LOOK)
        rough = ~fits(fine.numerical, e.n[bad], prec.rtol, e.atol[bad])
        for j in np.flatnonzero(rough):
            i = bad[j]
            e.n[i], e.atol[i] = fine.numerical[j], fine.atol[j]
            if e.jac is not None and fine.jac is not None:
                e.jac[i] = fine.jac[j]
        gone = np.zeros(len(e.picks), bool)
        gone[bad[rough]] = ~e.agrees(prec.rtol)[bad[rough]]
        if prec is FLOAT32:
            gone |= _isolated(e, prec.rtol)
        dropped += [e.label(j) for j in np.flatnonzero(gone)]
        e.keep(~gone)
    return dropped


def _isolated(e: Evidence, rtol: float) -> np.ndarray:
    """Float32 only: the few scattered disagreements that :func:`kinks` takes for kinks."""
    ok = e.agrees(rtol)
    return ~ok if kinks(e.a, e.n, ok, e.atol) else np.zeros(len(ok), bool)


def as_scores(value: Any) -> np.ndarray:
    """Scores as a float64 (N, K) array; a vector is one sample's scores."""
    z = np.array(value, dtype=np.float64)
    if z.ndim == 1:
        z = z[None, :]
    if z.ndim != 2:
        raise CheckError(f"scores must be an array (N, K), one row of K scores per sample, received shape {z.shape}")
    return z


def _read_values(evs: list[Evidence], analytic: dict[str, np.ndarray], rtol: float,
                 batch: int | None) -> dict[str, tuple]:
    """Fill each Evidence's analytic values, repairing a shape with one clear reading."""
    kinds = {}
    for e in evs:
        grad, kind = align(analytic[e.name], e.shape, batch)
        if grad is not None and kind is None and grad.ndim == 2 and grad.shape[0] == grad.shape[1]:
            flat, flat_t = grad.reshape(-1)[e.picks], grad.T.reshape(-1)[e.picks]
            if not fits(flat, e.n, rtol, e.atol).all() and fits(flat_t, e.n, rtol, e.atol).all():
                grad, kind = grad.T, "transposed"
        if grad is not None:
            e.a = grad.reshape(-1)[e.picks].astype(np.float64)
        e.shape_ok = kind is None
        if kind is not None:
            kinds[e.name] = (kind, analytic[e.name].shape, e.shape)
            if kind == "wrong":
                e.a = np.full(len(e.picks), np.nan)
    return kinds


def diagnose(evs: list[Evidence], ctx: Context, z: np.ndarray | None, y: Any, loss: float,
             deeper: Callable | None = None) -> list[Finding]:
    """The findings for the values (shapes are done): stages 2-5 of diagnose.py. ``deeper(todo,
    agree, ident)`` tests what is still unexplained once more (stale weights) before it is a mismatch."""
    readable = [e for e in evs if not np.isnan(e.a).all()]
    todo = [e for e in readable if not e.agrees(ctx.rtol).all()]
    if not todo:
        return []
    ident = _identify(readable, ctx, z, y, loss)
    findings = zero_stage(todo, ctx)
    factors = ratio_stage(todo, ctx)
    explained = {n for names in factors.values() for n in names} | {n for f in findings for n in f.params}
    if todo and ident is not None and ident.targets == LABEL:
        found = broadcast_finding(readable, ident, z, ctx)
        ident = None                        # the output hypotheses assume the loss the learner meant
        if found is not None:
            return [found]
    if todo and ident is not None:
        result = head_stage([e for e in readable if e.name not in explained], ident, z, ctx)
        if result is not None:
            found, c = result
            findings += found
            if c != 1.0:
                factors.setdefault(c, []).extend(e.name for e in todo)
            todo = []
    order = [e.name for e in evs]
    for c, names in factors.items():
        names = sorted(set(names), key=order.index)
        finding = factor_finding(c, names, ctx, everyone=names == order)
        twin = None if ident is None else same_as_variant([e for e in readable if e.name in names], ident, z, ctx)
        if twin is not None:
            finding.cause += (f" Here this is also exactly what {twin.code} gives: {twin.cause}; both readings "
                              "fit, and the fix below or this one removes it.")
            finding.data["also"] = twin.code
        findings.insert(0, finding)
    if todo:
        agree = [e.name for e in readable if e.shape_ok and e.agrees(ctx.rtol).all()]
        named = deeper(todo, agree, ident) if deeper is not None else None
        findings.append(named or mismatch_finding(todo, ctx, agree))
    return findings


def _identify(evs: list[Evidence], ctx: Context, z: np.ndarray | None, y: Any, loss: float) -> Identified | None:
    """The head of the learner's loss, when the scores and targets allow it (else a note)."""
    if z is None or y is None:
        ctx.notes.append("softmax-diagonal, softmax-skipped, wrong-loss-derivative and partial-path need the "
                         "scores (the values that enter the output softmax or sigmoid) and the targets y")
        return None
    if not evs or any(e.jac is None for e in evs):
        return None
    ident = identify(z, y, loss, np.concatenate([e.n for e in evs]), np.concatenate([e.jac for e in evs]),
                     ctx.rtol, np.concatenate([e.atol for e in evs]))
    if ident is None:
        ident = identify_broadcast(z, y, loss, np.concatenate([e.n for e in evs]),
                                   np.concatenate([e.jac for e in evs]), ctx.rtol,
                                   np.concatenate([e.atol for e in evs]))
    if ident is None:
        ctx.notes.append("the loss is not a softmax or sigmoid with squared error or cross-entropy of the "
                         "scores and y (nor the squared error of the scores), so the output hypotheses "
                         "were not tested")
    return ident
