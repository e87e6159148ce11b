"""The backward steps of ``barenet explain``: every gradient from the loss back to the kernel.

Each step states its chain rule once, then checks it element by element: the rule with
this pass's numbers (formula), barenet's backward, and central differences (see
``trace.py``). Names follow the forward pass: dL/dz at the output layer, dL/dh and
dL/dz2 in the hidden layer, dL/df = dL/dpooled, dL/da1 and dL/dz1 in the convolution.
"""

from __future__ import annotations

import numpy as np

from .steps import Math, Matrix, Prose, Step, checks, fac, num, vec
from .trace import Trace


def _softmax_grad(t: Trace) -> list[Step]:
    """dL/dz = p - y, derived through the full softmax Jacobian."""
    p, y = t.values["p"], t.values["y"]
    dLdp = -y / p
    J = np.diag(p) - np.outer(p, p)  # dp[k]/dz[j] = p[k] (delta[k,j] - p[j])
    return [Step("backward", "dL/dz: softmax and cross-entropy together", [
        Math(("dL/dp[k] = -y[k] / p[k]" + " " * 27 + f"dL/dp = {vec(dLdp)}",
              "dp[k]/dz[j] = p[k] * (delta[k,j] - p[j])      the full Jacobian, not only its diagonal:")),
        Matrix("dp/dz", J),
        Math(("dL/dz[j] = sum over k of dL/dp[k] * dp[k]/dz[j] = -y[j] + p[j] * sum over k of y[k] = p[j] - y[j]",
              f"(dp/dz)^T dL/dp = {vec(J.T @ dLdp)} = p - y")),
        Prose("This is why one-hot targets and softmax + cross-entropy fit together: the 1/p[k] from the "
              "log cancels the p[k] of the softmax Jacobian, and a one-hot y sums to 1, so the gradient at "
              "the logits is simply the error p - y. barenet's SoftmaxCrossEntropy fuses the two and returns "
              "(p - y) / N directly (N = 1 here). It replaces the question's d_L_d_ypred = -2 (y_true - y_pred), "
              "which is the derivative of MSE on one output."),
        checks(t, "z", "dL/dz[j] = p[j] - y[j]", [f"{fac(p[j])} - {fac(y[j])}" for j in range(len(p))])])]


def _mse_grad(t: Trace) -> list[Step]:
    """dL/do = 2 (o - y), then the sigmoid factor o (1 - o)."""
    o, y, do = float(t.values["o"][0]), float(t.values["y"][0]), float(t.formula["o"][0])
    return [Step("backward", "dL/do and dL/dz: squared error, then the output sigmoid", [
        checks(t, "o", "dL/do = 2 (o - y)", [f"2 * ({num(o)} - {y:g})"]),
        checks(t, "z", "dL/dz = dL/do * o (1 - o)", [f"{fac(do)} * {fac(o)} * (1 - {fac(o)})"]),
        Prose("The sigmoid factor o (1 - o) is at most 0.25 and close to 0 when o saturates near 0 or 1, "
              "so a confidently wrong output learns slowly. This is the question's d_L_d_ypred * "
              "deriv_sigmoid(sum_o1). With two outputs, softmax and cross-entropy (seed-softmax) the "
              "gradient at the logits is p - y, with no such factor.")])]


def _output_layer(t: Trace) -> Step:
    v, dz = t.values, t.formula["z"]
    n_out = len(dz)
    if n_out > 1:
        why = "z[j] = h[0]*W2[0,j] + h[1]*W2[1,j] + b2[j], so dz[j]/dW2[i,j] = h[i] and dz[j]/db2[j] = 1."
        rules = ("dL/dW2[i,j] = h[i] * dL/dz[j]", "dL/db2[j] = dL/dz[j]")
    else:
        why = "z = h[0]*W2[0,0] + h[1]*W2[1,0] + b2, so dz/dW2[i,0] = h[i] and dz/db2 = 1."
        rules = ("dL/dW2[i,0] = h[i] * dL/dz", "dL/db2 = dL/dz")
    return Step("backward", "Output layer weights: dL/dW2 and dL/db2", [
        Prose(why),
        checks(t, "W2", rules[0], [f"{fac(v['h'][i])} * {fac(dz[j])}" for i in range(2) for j in range(n_out)]),
        checks(t, "b2", rules[1], [num(dz[j]) for j in range(n_out)])])


def _hidden_grads(t: Trace) -> list[Step]:
    v, g = t.values, t.formula
    n_out = len(g["z"])
    rule = "dL/dh[i] = sum over j of W2[i,j] * dL/dz[j]" if n_out > 1 else "dL/dh[i] = W2[i,0] * dL/dz"
    dh = checks(t, "h", rule,
                [" + ".join(f"{fac(v['W2'][i, j])}*{fac(g['z'][j])}" for j in range(n_out)) for i in range(2)])
    dz2 = checks(t, "z2", "dL/dz2[k] = dL/dh[k] * h[k] * (1 - h[k])",
                 [f"{fac(g['h'][k])} * {fac(v['h'][k])} * (1 - {fac(v['h'][k])})" for k in range(2)])
    fan = ("Each h[i] feeds every output z[j] through W2[i,j], so its gradient sums over j." if n_out > 1
           else "Each h[i] feeds the output z through W2[i,0].")
    return [Step("backward", "Back into the hidden layer: dL/dh", [Prose(fan), dh]),
            Step("backward", "Through the hidden sigmoid: dL/dz2", [
                Prose("sigmoid'(z2) = h (1 - h): the question's deriv_sigmoid(sum_h1)."), dz2])]


def _hidden_layer(t: Trace) -> list[Step]:
    v, g = t.values, t.formula
    weights = Step("backward", "Hidden layer weights: dL/dW1 and dL/db1", [
        checks(t, "W1", "dL/dW1[m,k] = f[m] * dL/dz2[k]",
               [f"{fac(v['f'][m])} * {fac(g['z2'][k])}" for m in range(4) for k in range(2)]),
        checks(t, "b1", "dL/db1[k] = dL/dz2[k]", [num(g["z2"][k]) for k in range(2)])])
    pooled = Step("backward", "Back to the pooled values: dL/df = dL/dpooled", [
        checks(t, "f", "dL/df[m] = sum over k of W1[m,k] * dL/dz2[k]",
               [" + ".join(f"{fac(v['W1'][m, k])}*{fac(g['z2'][k])}" for k in range(2)) for m in range(4)]),
        Prose("Flatten only reshapes, so dL/dpooled is dL/df laid out 2x2 again (barenet's values):"),
        Matrix("dL/dpooled", t.barenet["pooled"])])
    return [weights, pooled]


def _unpool(t: Trace) -> Step:
    g, W = t.formula, t.winners
    factors = [f"won block ({i // 2},{j // 2}): dL/dpooled[{i // 2},{j // 2}] = {num(g['pooled'][i // 2, j // 2])}"
               if W[i, j] else f"lost block ({i // 2},{j // 2}): 0" for i in range(4) for j in range(4)]
    return Step("backward", "Through max pooling: dL/da1", [
        Prose("Only the winner of each 2x2 block reached the output, so it receives the whole gradient of "
              "its pooled value and the other three receive 0: max pooling routes the gradient, it does not "
              "share it out as an average would."),
        Matrix("dL/da1", g["a1"], W),
        checks(t, "a1", "dL/da1[i,j] = dL/dpooled[i//2, j//2] if a1[i,j] won its block, else 0", factors)])


def _conv_grads(t: Trace) -> list[Step]:
    v, g, W = t.values, t.formula, t.winners
    sig = Step("backward", "Through the conv sigmoid: dL/dz1", [
        checks(t, "z1", "dL/dz1[i,j] = dL/da1[i,j] * a1[i,j] * (1 - a1[i,j])",
               [f"{fac(g['a1'][i, j])} * {fac(v['a1'][i, j])} * (1 - {fac(v['a1'][i, j])})"
                for i in range(4) for j in range(4)]),
        Matrix("dL/dz1", g["z1"], W)])
    wins = [tuple(ij) for ij in np.argwhere(W)]
    factors = []
    for u in range(3):
        for w in range(3):
            terms = [fac(g["z1"][i, j]) + ("" if v["x"][i + u, j + w] == 1 else f"*{num(v['x'][i + u, j + w])}")
                     for i, j in wins if v["x"][i + u, j + w] != 0]
            factors.append(" + ".join(terms) if terms else "0 (no winner's patch has ink here)")
    kernel = Step("backward", "Conv kernel and bias: dL/dK and dL/dbK", [
        Prose("Every position of z1 used the same kernel, so dL/dK sums over positions. Only the 4 winners "
              "have dL/dz1 != 0, and with a 0/1 image each term is a winner's dL/dz1 where its patch has ink."),
        checks(t, "K", "dL/dK[u,v] = sum over i,j of dL/dz1[i,j] * x[i+u, j+v]", factors),
        Matrix("dL/dK", g["K"]),
        checks(t, "bK", "dL/dbK = sum over i,j of dL/dz1[i,j]", [" + ".join(fac(g["z1"][ij]) for ij in wins)]),
        Prose("One step of gradient descent would now move every weight against its gradient, "
              "K <- K - lr * dL/dK and likewise for bK, W1, b1, W2 and b2.")])
    return [sig, kernel]


def backward_steps(t: Trace) -> list[Step]:
    head = _softmax_grad(t) if t.softmax else _mse_grad(t)
    return head + [_output_layer(t)] + _hidden_grads(t) + _hidden_layer(t) + [_unpool(t)] + _conv_grads(t)
