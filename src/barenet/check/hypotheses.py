"""Bugs that show only through the network's outputs: softmax, loss derivative, left-out paths.

With the scores z (N, K) watched and the head identified (heads.py), the true gradient of
a parameter element theta splits into one part per output k:

    dL/dtheta = sum_k C_k,    C_k = sum_n g_nk dz_nk/dtheta,    g = dL/dz,

each part computed from the numerical Jacobian dz/dtheta. A buggy backward pass is then
the same sum with three things changed, which this module searches together:

- g replaced by a Variant's dL/dz (softmax-diagonal, softmax-skipped, wrong-loss-derivative);
- a constant factor c (factor, sign, batch-scale);
- for some elements, only a subset S of the outputs (partial-path: a unit that hears only
  some of the units it feeds).

A combination is accepted only if it makes every checked element of every parameter given
agree, correct ones included; the simplest accepted combination wins (fewest bugs, the
true g and c = 1 first). Subsets are searched for K <= 8 outputs.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from .diagnose import Context, Evidence, explains, factor_candidates, kinks
from .heads import Identified, Variant
from .numeric import fits
from .report import Finding

MAX_SUBSET_OUTPUTS = 8


def masks(K: int) -> np.ndarray:
    """Output subsets as 0/1 rows: all outputs first, then fewer and fewer (never none)."""
    rows = [np.ones(K)]
    if K <= MAX_SUBSET_OUTPUTS:
        for size in range(K - 1, 0, -1):
            for keep in combinations(range(K), size):
                m = np.zeros(K)
                m[list(keep)] = 1
                rows.append(m)
    return np.array(rows)


def _fit(e: Evidence, parts: np.ndarray, M: np.ndarray, ctx: Context, scale: float = 1.0) -> np.ndarray:
    """For each element, the first subset (row of M) whose sum of parts equals the analytic
    value, or -1. parts: (P, K) contributions per output. In float32 (ctx.slack), a few
    elements near the all-outputs value count as fitting it (kinks)."""
    atol = e.atol[:, None] * max(1.0, abs(scale))                     # the parts' rounding, scaled too
    ok = fits(e.a[:, None], parts @ M.T, ctx.rtol, atol)               # (P, subsets)
    rows = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    if ctx.slack and (rows != 0).any() and kinks(e.a, parts.sum(axis=1), rows == 0, atol[:, 0]):
        rows[:] = 0  # a few elements off the all-outputs value: kinks, not a path left out
    return rows


def search(evs: list[Evidence], ident: Identified, z: np.ndarray, ctx: Context) -> list[tuple]:
    """Every (cost, variant, c, subset choice per parameter, M) that explains every element,
    simplest first; for each variant only its first c (1 first) is kept."""
    K = z.shape[1]
    M = masks(K)
    found = []
    for order, variant in enumerate([None, *ident.head.variants]):
        with np.errstate(all="ignore"):
            g = grad_of(variant, ident, z)
        if not np.all(np.isfinite(g)):
            continue
        parts = {e.name: np.einsum("pnk,nk->pk", e.jac, g) for e in evs}
        for c in [1.0, *factor_candidates(ctx.batch, K, ctx.lr)]:
            chosen = {e.name: _fit(e, c * parts[e.name], M, ctx, c) for e in evs}
            if any((m < 0).any() for m in chosen.values()):
                continue
            partial = any((m > 0).any() for m in chosen.values())
            found.append(((variant is not None) + (c != 1.0) + partial, order, variant, c, chosen, M))
            break
    return [f[:1] + f[2:] for f in sorted(found, key=lambda f: f[:2])]


def grad_of(variant: Variant | None, ident: Identified, z: np.ndarray) -> np.ndarray:
    """dL/dz (N, K) under a variant (None: the true one) at the learner's scale."""
    if variant is None:
        return ident.scale * ident.head.grad(z, ident.Y)
    return variant.grad(z, ident.Y) * (1.0 if variant.own_scale else ident.scale)


def same_as_variant(evs: list[Evidence], ident: Identified, z: np.ndarray, ctx: Context) -> Variant | None:
    """A Variant that, with no factor and every path, gives exactly the analytic values of evs.
    (With two outputs, the squared error and one-hot targets, the softmax Jacobian's diagonal
    alone is exactly half the whole Jacobian: a factor 1/2 and a softmax-diagonal at once.)"""
    for variant in ident.head.variants:
        with np.errstate(all="ignore"):
            g = grad_of(variant, ident, z)
        if np.all(np.isfinite(g)) and all(
                explains(e, np.einsum("pnk,nk->p", e.jac, g), ctx) for e in evs if e.jac is not None):
            return variant
    return None


def head_stage(evs: list[Evidence], ident: Identified, z: np.ndarray,
               ctx: Context) -> tuple[list[Finding], float] | None:
    """(findings, the constant factor c to report, 1.0 for none) for the simplest explanation
    :func:`search` finds, or None when there is none. When another variant explains the
    numbers just as simply, the finding says so: the check cannot tell them apart."""
    found = search(evs, ident, z, ctx)
    if not found or found[0][0] == 0:  # nothing found, or nothing to name (float32 kinks alone)
        return None
    cost, variant, c, chosen, M = found[0]
    findings = []
    if variant is not None:
        affected = [e.name for e in evs if not np.all(e.agrees(ctx.rtol))]
        cause = _sentence(variant.cause)
        twins = [f[1] for f in found[1:] if f[0] == cost and f[1] is not None and f[1].code != variant.code]
        if twins:
            cause += (f" With these numbers {twins[0].code} gives exactly the same gradients ({twins[0].cause}); "
                      "both readings fit.")
        findings.append(Finding(variant.code, tuple(affected), cause, variant.fix,
                                data={"loss": ident.head.name, "targets": ident.targets,
                                      "also": [t.code for t in twins]}))
    findings += path_findings(evs, chosen, M)
    return findings, c


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def outputs_text(mask: np.ndarray) -> str:
    """[1, 0, 1] -> "o1 and o3" (outputs are named o1 ... oK, the columns of the scores)."""
    names = [f"o{k + 1}" for k in np.flatnonzero(mask)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def path_findings(evs: list[Evidence], chosen: dict[str, np.ndarray], M: np.ndarray) -> list[Finding]:
    """One partial-path finding per distinct set of outputs heard, naming its parameters."""
    groups: dict[str, list[str]] = {}
    mixed: list[str] = []
    for e in evs:
        rows = chosen[e.name]
        if not (rows > 0).any():
            continue
        kinds = set(rows.tolist())
        if len(kinds) == 1:
            groups.setdefault(outputs_text(M[rows[0]]), []).append(e.name)
        else:
            mixed.append(e.name)
    found = []
    for heard, params in groups.items():
        missing = outputs_text(1 - M[chosen[params[0]][0]])
        found.append(Finding(
            "partial-path", tuple(params),
            f"The gradient of {', '.join(params)} comes back through {heard} only; the part that flows "
            f"back through {missing} is missing.",
            "A unit that feeds several units gets the sum of their gradients: dL/dh = sum over k of "
            "dL/do_k * do_k/dh (dL/dh1 = dL/do1 * w9 + dL/do2 * w11 in the question's network).",
            data={"heard": heard, "missing": missing}))
    if mixed:
        found.append(Finding(
            "partial-path", tuple(mixed),
            f"Parts of the gradient of {', '.join(mixed)} come back through only some of the outputs; "
            "what flows back from the others is missing.",
            "A unit that feeds several units gets the sum of their gradients: in matrix form dh = dz @ W.T "
            "over all of z's columns, not a slice of them."))
    return found
