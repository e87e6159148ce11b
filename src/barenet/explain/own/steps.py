"""The steps of ``barenet explain`` on the learner's own numbers, in the learner's own names.

Each line of arithmetic names the value as the question's code does (``sum_h1``, ``h1``,
``o1``, ``y_pred``) and, at the end of the line, as barenet holds it (``z2[0]``, ``h[0]``,
...); each checked gradient is named ``dL/dw1 (W1[0,0])``. The blocks are those of
``explain/steps.py``, so every renderer lays them out unchanged.
"""

from __future__ import annotations

import numpy as np

from ..steps import CLASSES, Check, Checks, Math, Matrix, Prose, Step, fac, num
from .trace import INPUTS, OwnTrace, matrix_names

LR = 0.01  # the question's learn_rate, for the one-step preview


def _checks(t: OwnTrace, rule: str, rows: list[tuple[str, str]]) -> Checks:
    """One row per (name, chain rule with numbers): formula, barenet, numerical."""
    bn = matrix_names(t.head)
    return Checks(rule, tuple(Check(f"dL/d{n} ({bn[n]})", factors, t.formula[n], t.barenet[n], t.numeric[n])
                              for n, factors in rows))


def _at(line: str, name: str, width: int = 60) -> str:
    """A line of arithmetic with barenet's name for its value at the right."""
    return f"{line:<{width}}  barenet: {name}"


def six(v: float) -> str:
    """A named value to 6 significant digits, enough to compare with a printout."""
    return f"{float(v) + 0.0:.6g}"


def _paren(v: float) -> str:
    return f"({six(v)})" if six(v).startswith("-") else six(v)


# -- forward -------------------------------------------------------------------------
def _front(t: OwnTrace, source: str) -> Step:
    f = t.front or {}
    lines = []
    for r in range(2):
        for c in range(2):
            block = f["a1"][2 * r : 2 * r + 2, 2 * c : 2 * c + 2]
            lines.append(_at(f"x{2 * r + c + 1} = max({', '.join(num(v) for v in block.ravel())}) = "
                             f"{num(f['pooled'][r, c])}", f"pooled[{r},{c}] = f[{2 * r + c}]"))
    return Step("forward", "Your letter, pooled to x1 ... x4", [
        Prose(f"A 6x6 letter goes through a fixed convolution front first: a1 = sigmoid(conv 3x3 of x with K, "
              f"plus bK), then max pooling 2x2, whose four values are x1 ... x4. K and bK come from {source}. "
              "The front is not trained here, as in the question, where the pooled values are the data; "
              "barenet explain --sample O shows its gradients."),
        Matrix("x", f["x"]), Matrix("K", f["K"]), Math((f"bK = {num(f['bK'][0])}",)),
        Matrix("a1", f["a1"], f["winners"]), Math(tuple(lines))])


def _inputs(t: OwnTrace) -> Step:
    v = t.values
    return Step("forward", "Your input x1 ... x4", [
        Prose("The question's four max-pooled values, one per input of the hidden units. barenet holds them "
              "as the vector f (the 2x2 pooled values, row by row)."),
        Math(tuple(_at(f"{n} = {six(v[n])}", f"f[{j}]") for j, n in enumerate(INPUTS)))])


def _weights(t: OwnTrace, source: str) -> Step:
    v, bn = t.values, matrix_names(t.head)
    role = {**{f"w{i + 1}": f"x{i % 4 + 1} -> h{i // 4 + 1}" for i in range(8)}, "b1": "bias of h1",
            "b2": "bias of h2", "w9": "h1 -> o1", "w10": "h2 -> o1", "w11": "h1 -> o2", "w12": "h2 -> o2"}
    lines = [f"{n:<4}= {six(v[n]):>11}   {bn[n]:<8}  {role[n]}" for n in role]
    W1 = np.array([[v[f"w{m + 1}"], v[f"w{m + 5}"]] for m in range(4)])
    W2 = np.array([[v["w9"], v["w11"]], [v["w10"], v["w12"]]])
    return Step("forward", "Your weights, and where barenet keeps them", [
        Prose(f"The weights come from {source}. barenet keeps the eight hidden weights as one 4x2 matrix W1 "
              "(column k feeds h(k+1)), the two hidden biases as the vector b1, and the four output weights "
              "as W2 (row i comes from h(i+1), column j goes to o(j+1)). barenet's output layer also has a "
              "bias, which the question's network does not: it is 0 here and not part of the check."),
        Math(tuple(lines)), Matrix("W1", W1), Matrix("b1", np.array([v["b1"], v["b2"]])), Matrix("W2", W2)])


def _hidden(t: OwnTrace) -> Step:
    v, lines = t.values, []
    for k in (1, 2):
        ws = [f"w{m + 4 * (k - 1)}" for m in range(1, 5)]
        terms = " + ".join(f"{fac(v[w])}*{fac(v[f'x{m}'])}" for m, w in enumerate(ws, start=1))
        lines += [f"sum_h{k} = {' + '.join(f'{w}*x{m}' for m, w in enumerate(ws, start=1))} + b{k}",
                  _at(f"       = {terms} + {fac(v[f'b{k}'])} = {six(v[f'sum_h{k}'])}", f"z2[{k - 1}]"),
                  _at(f"h{k} = sigmoid(sum_h{k}) = {six(v[f'h{k}'])}", f"h[{k - 1}]"), ""]
    return Step("forward", "Hidden units h1 and h2", [Math(tuple(lines[:-1]))])


def _outputs(t: OwnTrace) -> Step:
    v, lines = t.values, []
    pairs = {1: ("w9", "w10"), 2: ("w11", "w12")}
    for j, (a, b) in pairs.items():
        expr = f"{a}*h1 + {b}*h2 = {fac(v[a])}*{fac(v['h1'])} + {fac(v[b])}*{fac(v['h2'])}"
        if t.head == "question":
            lines += [_at(f"sum_o{j} = {expr} = {six(v[f'sum_o{j}'])}", f"z[{j - 1}]"),
                      _at(f"o{j} = sigmoid(sum_o{j}) = {six(v[f'o{j}'])}", f"o[{j - 1}]")]
        else:
            lines.append(_at(f"o{j} = {expr} = {six(v[f'o{j}'])}", f"z[{j - 1}]"))
    why = ("As in the question's code, o1 and o2 are sigmoids of their sums, and the softmax comes on top."
           if t.head == "question" else
           "barenet's network: o1 and o2 are the sums themselves (logits), with no sigmoid, and the softmax "
           "comes on top.")
    return Step("forward", "Outputs o1 and o2", [Prose(why), Math(tuple(lines))])


def _loss(t: OwnTrace) -> Step:
    v, label = t.values, t.label
    p, y = [v["y_pred[0]"], v["y_pred[1]"]], [v["y_true[0]"], v["y_true[1]"]]
    lines = [_at(f"y_pred = softmax([o1, o2]) = [e^o1, e^o2] / (e^o1 + e^o2) = [{six(p[0])}, {six(p[1])}]", "p"),
             f"y_true = [{y[0]:g}, {y[1]:g}]        one-hot: the input is an {CLASSES[label]}, class {label}"]
    if t.head == "question":
        lines += ["L = mse_loss(y_true, y_pred) = ((y_true[0] - y_pred[0])^2 + (y_true[1] - y_pred[1])^2) / 2",
                  f"  = (({y[0]:g} - {num(p[0])})^2 + ({y[1]:g} - {num(p[1])})^2) / 2", f"L = {t.loss:.6g}"]
        note = ("mse_loss takes the mean over the two outputs. The target is a one-hot row, y_true = [1, 0] "
                "for O and [0, 1] for X: the question's y = [[0], [1]] has one number per letter, which "
                "NumPy would compare with both outputs.")
    else:
        lines += ["L = -(y_true[0] * log y_pred[0] + y_true[1] * log y_pred[1])",
                  f"  = -log y_pred[{label}] = -log({num(p[label])})", f"L = {t.loss:.6g}"]
        note = "Cross-entropy: only the true class's y_pred enters the loss."
    return Step("forward", "Softmax and the loss", [Math(tuple(lines)), Prose(note)])


# -- backward ------------------------------------------------------------------------
def _question_head(t: OwnTrace) -> list[Step]:
    v, g = t.values, t.formula
    p, y = [v["y_pred[0]"], v["y_pred[1]"]], [v["y_true[0]"], v["y_true[1]"]]
    J = np.diag(p) - np.outer(p, p)
    dp = _checks(t, "dL/dy_pred[k] = 2 (y_pred[k] - y_true[k]) / 2",
                 [(f"y_pred[{k}]", f"2 * ({num(p[k])} - {y[k]:g}) / 2") for k in range(2)])
    do = _checks(t, "dL/do_j = sum over k of dL/dy_pred[k] * y_pred[k] * (delta_kj - y_pred[j])",
                 [(f"o{j + 1}", " + ".join(f"{fac(g[f'y_pred[{k}]'])}*{fac(J[k, j])}" for k in range(2)))
                  for j in range(2)])
    ds = _checks(t, "dL/dsum_o_j = dL/do_j * o_j * (1 - o_j)        (deriv_sigmoid(sum_o_j))",
                 [(f"sum_o{j}", f"{fac(g[f'o{j}'])} * {fac(v[f'o{j}'])} * (1 - {fac(v[f'o{j}'])})")
                  for j in (1, 2)])
    return [Step("backward", "dL/dy_pred: the squared error", [
                dp, Prose("The 2 of the square and the 1/2 of the mean over two outputs cancel. The question's "
                          "d_L_d_ypred = -2 * (y_true - y_pred) is twice this.")]),
            Step("backward", "Through the softmax: dL/do1 and dL/do2", [
                Prose("Each y_pred[k] depends on both o1 and o2, so the chain rule sums over k with the whole "
                      "softmax Jacobian, not its diagonal alone. The result is one number per output node; "
                      "multiplying the vector d_L_d_ypred into every update, as the question's code does, "
                      "turns each weight into a pair."),
                Matrix("dy_pred/do", J), do]),
            Step("backward", "Through the output sigmoids: dL/dsum_o1 and dL/dsum_o2", [ds])]


def _logit_head(t: OwnTrace) -> list[Step]:
    v = t.values
    rows = [(f"o{j + 1}", f"{fac(v[f'y_pred[{j}]'])} - {v[f'y_true[{j}]']:g}") for j in range(2)]
    return [Step("backward", "dL/do1 and dL/do2: softmax and cross-entropy together", [
        _checks(t, "dL/do_j = y_pred[j] - y_true[j]", rows),
        Prose("The 1/y_pred of the log cancels the y_pred of the softmax Jacobian, and a one-hot y_true sums "
              "to 1, so the gradient at the logits is the error itself: the answer to the question's part 4.")])]


def _output_weights(t: OwnTrace) -> Step:
    v, g = t.values, t.formula
    d = "sum_o" if t.head == "question" else "o"
    rows = [(w, f"{fac(g[f'{d}{j}'])} * {fac(v[h])}")
            for w, j, h in (("w9", 1, "h1"), ("w10", 1, "h2"), ("w11", 2, "h1"), ("w12", 2, "h2"))]
    return Step("backward", "Output weights w9 ... w12", [
        _checks(t, f"dL/dw9 = dL/d{d}1 * h1, dL/dw10 = dL/d{d}1 * h2, dL/dw11 = dL/d{d}2 * h1, "
                   f"dL/dw12 = dL/d{d}2 * h2", rows)])


def _hidden_back(t: OwnTrace) -> list[Step]:
    v, g = t.values, t.formula
    d = "sum_o" if t.head == "question" else "o"
    dh = _checks(t, f"dL/dh1 = dL/d{d}1 * w9 + dL/d{d}2 * w11,  dL/dh2 = dL/d{d}1 * w10 + dL/d{d}2 * w12",
                 [(f"h{k}", f"{fac(g[d + '1'])}*{fac(v[a])} + {fac(g[d + '2'])}*{fac(v[b])}")
                  for k, a, b in ((1, "w9", "w11"), (2, "w10", "w12"))])
    ds = _checks(t, "dL/dsum_h_k = dL/dh_k * h_k * (1 - h_k)        (deriv_sigmoid(sum_h_k))",
                 [(f"sum_h{k}", f"{fac(g[f'h{k}'])} * {fac(v[f'h{k}'])} * (1 - {fac(v[f'h{k}'])})") for k in (1, 2)])
    rows = [(f"w{m + 4 * (k - 1)}", f"{fac(g[f'sum_h{k}'])} * {fac(v[f'x{m}'])}") for k in (1, 2) for m in range(1, 5)]
    rows.insert(4, ("b1", num(g["sum_h1"])))
    rows.append(("b2", num(g["sum_h2"])))
    return [Step("backward", "Back to h1 and h2", [
                Prose("h1 feeds both o1 and o2, so its gradient is the sum of what each sends back; h2 likewise. "
                      "The question's code keeps only the o1 term for h1 (d_ypred_d_h1_o1) and only the o2 term "
                      "for h2 (d_ypred_d_h2_o2)."), dh]),
            Step("backward", "Through the hidden sigmoids: dL/dsum_h1 and dL/dsum_h2", [ds]),
            Step("backward", "Hidden weights w1 ... w8, b1, b2", [
                _checks(t, "dL/dw1 = dL/dsum_h1 * x1, ..., dL/dw5 = dL/dsum_h2 * x1, ..., dL/db1 = dL/dsum_h1", rows)])]


def _inputs_back(t: OwnTrace) -> Step:
    v, g = t.values, t.formula
    rows = [(f"x{m}", f"{fac(g['sum_h1'])}*{fac(v[f'w{m}'])} + {fac(g['sum_h2'])}*{fac(v[f'w{m + 4}'])}")
            for m in range(1, 5)]
    return Step("backward", "Back to the inputs x1 ... x4", [
        _checks(t, "dL/dx_m = dL/dsum_h1 * w_m + dL/dsum_h2 * w_(m+4)", rows),
        Prose("The inputs are data, so nothing is updated here; this is what would flow back into the max "
              "pooling, to the winner of each 2x2 block.")])


def _one_step(t: OwnTrace) -> Step:
    v, g = t.values, t.formula
    lines = [f"{n:<4} {v[n]:>11.6g} - {LR:g} * {_paren(g[n]):>14} = {v[n] - LR * g[n]:.6g}"
             for n in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2", "w9", "w10", "w11", "w12")]
    return Step("backward", f"One step of gradient descent, learn_rate = {LR:g}", [
        Prose("Each weight moves against its gradient, w <- w - learn_rate * dL/dw. After one step of "
              "a correct train on this one sample, the weights hold these values: compare them with yours."),
        Math(tuple(lines))])


def own_steps(t: OwnTrace, weights_source: str, front_source: str) -> list[Step]:
    """Every step, forward then backward; the sources say where the weights and K came from."""
    first = [_front(t, front_source)] if t.front else []
    forward = first + [_inputs(t), _weights(t, weights_source), _hidden(t), _outputs(t), _loss(t)]
    head = _question_head(t) if t.head == "question" else _logit_head(t)
    return forward + head + [_output_weights(t)] + _hidden_back(t) + [_inputs_back(t), _one_step(t)]
