"""``bn.gradcheck`` on what it cannot check: clear errors, and an input check that can be turned off.

From the review of issue 11: a learner's own network class (scalar weights, no ``params``)
gave AttributeError, a backward that computes no dL/dx was always BAD at the input, and a
backward returning None gave IndexError.
"""

from __future__ import annotations

import numpy as np
import pytest

import barenet as bn


class OurNeuralNetwork:
    """The question's style: one attribute per weight, a feedforward, no params or grads."""

    def __init__(self) -> None:
        self.w1, self.w2, self.b1 = 0.5, -0.3, 0.1

    def feedforward(self, x: np.ndarray) -> float:
        return 1 / (1 + np.exp(-(self.w1 * x[0] + self.w2 * x[1] + self.b1)))


class ParamsOnly:
    """A learner's layer-like adapter: backward fills grads but returns nothing (no dL/dx)."""

    def __init__(self, wrong: float = 1.0) -> None:
        self.params = {"W": np.random.default_rng(0).standard_normal((3, 2))}
        self.grads: dict[str, np.ndarray] = {}
        self.wrong = wrong

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self.x = x
        return np.tanh(x @ self.params["W"])

    def backward(self, dy: np.ndarray) -> None:
        y = np.tanh(self.x @ self.params["W"])
        self.grads["W"] = self.wrong * self.x.T @ (dy * (1 - y ** 2))


class ForgetfulSigmoid(bn.Sigmoid):
    """Computes nothing to pass down: the layer below gets None."""

    def backward(self, dy: np.ndarray) -> None:
        return None


X = np.random.default_rng(1).standard_normal((4, 3))


def test_a_learners_own_class_gets_a_type_error_pointing_to_check_gradients() -> None:
    with pytest.raises(TypeError) as info:
        bn.gradcheck(OurNeuralNetwork(), X[:, :2], np.array([0, 1, 1, 0]))
    message = str(info.value)
    assert "OurNeuralNetwork" in message and "no forward, backward" in message
    assert "bn.check_gradients(loss_fn, params, grads)" in message and "bn.check_step" in message


def test_an_object_with_forward_and_backward_but_no_params_is_named() -> None:
    class NoParams:
        def forward(self, x, training=False):
            return x

        def backward(self, dy):
            return dy

    with pytest.raises(TypeError, match=r"NoParams, which has no params, grads\..*check_gradients"):
        bn.gradcheck(NoParams(), X)


def test_the_input_check_can_be_turned_off() -> None:
    result = bn.gradcheck(ParamsOnly(), X, check_input=False)
    assert [r.name for r in result] == ["ParamsOnly.W"] and result.ok
    bad = bn.gradcheck(ParamsOnly(wrong=2.0), X, check_input=False)  # the parameter check still bites
    assert not bad.ok and bad[0].max_rel_error == pytest.approx(0.5, rel=1e-4)


def test_a_sequential_without_the_input_check_reports_parameters_only() -> None:
    model = bn.Sequential([bn.Dense(3, 4), bn.Tanh(), bn.Dense(4, 2)], seed=0)
    y = np.array([0, 1, 1, 0])
    names = [r.name for r in bn.gradcheck(model, X, y, bn.SoftmaxCrossEntropy(), check_input=False)]
    assert "input" not in names and len(names) == 4
    assert "input" in [r.name for r in bn.gradcheck(model, X, y, bn.SoftmaxCrossEntropy())]


def test_a_backward_returning_none_names_the_layer_and_the_way_out() -> None:
    with pytest.raises(TypeError, match=r"ParamsOnly: backward returned None.*check_input=False"):
        bn.gradcheck(ParamsOnly(), X)


def test_a_layer_inside_a_sequential_returning_none_is_named() -> None:
    model = bn.Sequential([bn.Dense(3, 4), ForgetfulSigmoid(), bn.Dense(4, 2)], seed=0)
    with pytest.raises(TypeError, match=r"^ForgetfulSigmoid\(\) at layer 1: backward returned None"):
        bn.gradcheck(model, X, check_input=False)
    with pytest.raises(TypeError, match=r"ForgetfulSigmoid\(\) at layer 1"):  # training meets the same error
        model.fit(X, np.array([0, 1, 1, 0]), loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), epochs=1)


def test_gradients_of_the_wrong_shape_or_missing_are_named() -> None:
    class Transposed(ParamsOnly):
        def backward(self, dy):
            super().backward(dy)
            self.grads["W"] = self.grads["W"].T
            return dy @ self.params["W"].T

    class Forgot(ParamsOnly):
        def backward(self, dy):
            return dy[:, :1]

    with pytest.raises(bn.ShapeError, match=r"Transposed: backward left shape \(2, 3\) in grads\['W'\].*\(3, 2\)"):
        bn.gradcheck(Transposed(), X)
    with pytest.raises(bn.ShapeError, match=r"Forgot: backward returned a gradient of shape \(4, 1\) .* \(4, 3\)"):
        bn.gradcheck(Forgot(), X)
    with pytest.raises(bn.ShapeError, match=r"Forgot: backward left nothing in grads\['W'\]"):
        bn.gradcheck(Forgot(), X, check_input=False)
