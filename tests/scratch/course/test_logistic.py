"""The course's logistic regression, examples as columns.

Golden values are the seed course's ("Logistic Regression with a Neural Network mindset"
assignment: its propagate / optimize / predict tests), as literals.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratch.course.logistic import initialize_with_zeros, model, optimize, predict, propagate
from scratch.gradcheck import compute_numerical_gradient, relative_error


@pytest.fixture
def course_case():
    w = np.array([[1.0], [2.0]])
    b = 2.0
    X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
    Y = np.array([[1, 0, 1]])
    return w, b, X, Y


def _separable(m=40, n_features=3, seed=0):
    """Columns-convention data labelled by a fixed hyperplane, with a margin."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_features, m))
    score = np.array([1.5, -2.0, 0.5])[:n_features] @ X + 0.3
    X[:, score > 0] += 0.5 * np.array([1.5, -2.0, 0.5])[:n_features, None]
    return X, (score > 0).astype(float)[None, :]


def test_initialize_with_zeros():
    w, b = initialize_with_zeros(2)
    assert w.shape == (2, 1) and w.dtype == np.float64
    assert not w.any()
    assert b == 0.0 and isinstance(b, float)


def test_propagate_course_values(course_case):
    grads, cost = propagate(*course_case)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], rtol=1e-8)
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-10)
    assert cost == pytest.approx(5.801545319394553, rel=1e-13)
    assert grads["dw"].shape == (2, 1)
    assert np.ndim(cost) == 0 and np.ndim(grads["db"]) == 0


def test_propagate_gradient_matches_central_differences():
    # Not the course case: its 1 - A = 6e-6 loses digits to cancellation in float64.
    X, Y = _separable(m=15, seed=6)
    w, b = np.array([[0.3], [-0.2], [0.1]]), 0.05
    grads, _ = propagate(w, b, X, Y)
    params = [w.copy(), np.array([b])]

    def cost(p):
        return propagate(p[0], p[1][0], X, Y)[1]

    numerical = compute_numerical_gradient(cost, params, eps=1e-6)
    assert relative_error([grads["dw"], np.array([grads["db"]])], numerical) < 1e-7


def test_optimize_course_values(course_case):
    w, b, X, Y = course_case
    params, grads, costs = optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], rtol=1e-7)
    assert params["b"] == pytest.approx(1.92535983008, rel=1e-10)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], rtol=1e-7)
    assert grads["db"] == pytest.approx(0.219194504541, rel=1e-10)
    assert costs == [pytest.approx(5.801545319394553, rel=1e-13)]


def test_optimize_does_not_modify_the_callers_w(course_case):
    w, b, X, Y = course_case
    params, _, _ = optimize(w, b, X, Y, num_iterations=3)
    np.testing.assert_array_equal(w, [[1.0], [2.0]])
    assert params["w"] is not w


def test_optimize_records_a_cost_every_100_iterations(course_case, capsys):
    w, b, X, Y = course_case
    _, _, costs = optimize(w, b, X, Y, num_iterations=201, learning_rate=0.009, print_cost=True)
    assert len(costs) == 3  # iterations 0, 100, 200
    assert costs[0] > costs[1] > costs[2]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Cost after iteration {i}: {float(c):f}" for i, c in zip((0, 100, 200), costs, strict=True)
    ]
    assert lines[0] == "Cost after iteration 0: 5.801545"


def test_optimize_silent_by_default(course_case, capsys):
    optimize(*course_case, num_iterations=101)
    assert capsys.readouterr().out == ""


def test_predict_course_values():
    w = np.array([[0.1124579], [0.23106775]])
    b = -0.3
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    prediction = predict(w, b, X)
    np.testing.assert_array_equal(prediction, [[1.0, 1.0, 0.0]])
    assert prediction.shape == (1, 3) and prediction.dtype == np.float64


def test_predict_threshold_is_strictly_above_one_half():
    X = np.zeros((2, 1))
    np.testing.assert_array_equal(predict(np.zeros((2, 1)), 0.0, X), [[0.0]])  # A = 0.5 exactly


def test_predict_accepts_a_flat_w():
    X = np.array([[1.0, -1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(predict(np.array([2.0, 0.0]), 0.0, X), [[1.0, 0.0]])


def test_model_learns_a_separable_problem():
    X_train, Y_train = _separable(m=60, seed=1)
    X_test, Y_test = _separable(m=30, seed=2)
    d = model(X_train, Y_train, X_test, Y_test, num_iterations=1000, learning_rate=0.5)
    assert set(d) == {
        "costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate",
        "num_iterations",
    }  # fmt: skip
    assert d["w"].shape == (3, 1) and isinstance(d["b"], float)
    assert d["learning_rate"] == 0.5 and d["num_iterations"] == 1000
    assert len(d["costs"]) == 10
    assert d["Y_prediction_train"].shape == (1, 60) and d["Y_prediction_test"].shape == (1, 30)
    assert np.mean(d["Y_prediction_train"] == Y_train) == 1.0
    assert np.mean(d["Y_prediction_test"] == Y_test) >= 0.9


def test_model_equals_optimize_from_zeros_then_predict():
    X_train, Y_train = _separable(m=20, seed=3)
    X_test, Y_test = _separable(m=10, seed=4)
    d = model(X_train, Y_train, X_test, Y_test, num_iterations=150, learning_rate=0.1)
    params, _, costs = optimize(np.zeros((3, 1)), 0.0, X_train, Y_train, 150, 0.1)
    np.testing.assert_array_equal(d["w"], params["w"])
    assert d["b"] == params["b"]
    assert d["costs"] == costs
    np.testing.assert_array_equal(d["Y_prediction_test"], predict(params["w"], params["b"], X_test))


def test_model_prints_accuracies(capsys):
    X, Y = _separable(m=20, seed=5)
    model(X, Y, X, Y, num_iterations=100, learning_rate=0.5, print_cost=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Cost after iteration 0: 0.693147")
    assert out[-2].startswith("train accuracy: ") and out[-2].endswith(" %")
    assert out[-1].startswith("test accuracy: ")
