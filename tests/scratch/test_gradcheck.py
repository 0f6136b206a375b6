"""Gradient checking: central differences, relative error, and the models' backprop (float64)."""

import numpy as np
import pytest

from scratch.gradcheck import check_model_gradients, compute_numerical_gradient, relative_error
from scratch.logreg import LogisticRegression
from scratch.mlp import MLP


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = compute_numerical_gradient(lambda p: np.sum(p**3), x, eps=1e-4)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-7)
    a, b = np.array([1.0, 2.0]), np.array(3.0)  # a list, with a 0-d array
    ga, gb = compute_numerical_gradient(lambda ps: ps[0] @ ps[0] * ps[1], [a, b])
    np.testing.assert_allclose(ga, 2 * a * 3.0, rtol=1e-8)
    assert gb == pytest.approx(a @ a, rel=1e-8)


def test_numerical_gradient_restores_params_exactly():
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    compute_numerical_gradient(lambda p: np.sum(np.sin(p)), x, eps=0.1)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_errors():
    with pytest.raises(ValueError, match="`params` must be float numpy arrays"):
        compute_numerical_gradient(lambda p: 0.0, np.arange(3))
    with pytest.raises(ValueError, match="`eps` must be > 0"):
        compute_numerical_gradient(lambda p: 0.0, np.ones(2), eps=0)


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)
    assert relative_error([np.ones(2), np.ones((2, 2))], [np.ones(2), np.ones((2, 2))]) == 0.0
    assert relative_error(np.array([3.0]), np.array([1.0])) == pytest.approx(0.5)


def small_problem(seed=0, n=12, d=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) > 0.5).astype(np.float64)
    return X, y


def with_random_biases(model, seed):
    rng = np.random.default_rng(seed)
    for b in model.params[1::2]:
        b[:] = rng.normal(scale=0.1, size=b.shape)
    return model


@pytest.mark.parametrize(
    "hidden_units, activation",
    [((5,), "relu"), ((5,), "sigmoid"), ((5,), "tanh"), ((5,), "leaky_relu"), ((5, 4), "relu"),
     ((5, 4), "tanh")],
)  # fmt: skip
def test_mlp_backprop_passes_gradient_check(hidden_units, activation):
    X, y = small_problem()
    model = MLP(6, hidden_units, activation, dtype=np.float64)
    model.initialize("glorot_normal", np.random.default_rng(1))
    with_random_biases(model, 2)
    if activation in ("relu", "leaky_relu"):  # stay clear of the kinks (eps = 1e-5)
        pre = X @ model.params[0] + model.params[1]
        assert np.abs(pre).min() > 1e-4
    assert check_model_gradients(model, X, y) < 1e-7


def test_logistic_regression_passes_gradient_check():
    X, y = small_problem(seed=3)
    model = with_random_biases(LogisticRegression(6, dtype=np.float64), 4)
    model.initialize("he_normal", np.random.default_rng(5))
    assert check_model_gradients(model, X, y) < 1e-7


def test_course_eps_also_passes():
    X, y = small_problem(seed=6)
    model = MLP(6, (4,), "tanh", dtype=np.float64)
    assert check_model_gradients(model, X, y, eps=1e-4) < 1e-7


def test_gradient_check_detects_a_wrong_gradient():
    X, y = small_problem()
    model = MLP(6, (5,), "tanh", dtype=np.float64)
    _, grads, _ = model.loss_and_grads(X, y)
    wrong = [g.copy() for g in grads]
    wrong[0] *= 1.01
    numerical = compute_numerical_gradient(lambda _: model.loss(X, y), model.params, 1e-5)
    assert relative_error(wrong, numerical) > 1e-4


def test_check_model_gradients_needs_float64():
    X, y = small_problem()
    with pytest.raises(ValueError, match="needs a float64 model"):
        check_model_gradients(MLP(6, (3,)), X, y)
