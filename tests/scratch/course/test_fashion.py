"""The course's Fashion-MNIST logistic regression, examples as rows with a bias column."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratch.activations import sigmoid
from scratch.course.fashion import (
    accuracy,
    bias_trick,
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    logistic_regression,
    train_test_validation_split,
)
from scratch.gradcheck import compute_numerical_gradient, relative_error
from scratch.splits import split_indices


def _rows_data(n=100, n_features=4, seed=0):
    """Rows-convention data labelled by a fixed hyperplane, bias column included."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = (X @ np.linspace(1.0, -1.0, n_features) + 0.2 > 0).astype(float)
    return bias_trick(X), y


def test_bias_trick_prepends_a_column_of_ones():
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    Xb = bias_trick(X)
    assert Xb.shape == (3, 3) and Xb.dtype == np.float32
    np.testing.assert_array_equal(Xb[:, 0], 1.0)
    np.testing.assert_array_equal(Xb[:, 1:], X)


def test_binary_cross_entropy_value():
    y = np.array([1.0, 0.0, 1.0, 0.0])
    h = np.array([0.9, 0.2, 0.6, 0.5])
    expected = -np.mean([math.log(0.9), math.log(0.8), math.log(0.6), math.log(0.5)])
    assert binary_cross_entropy(y, h) == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_is_clipped_like_keras():
    y = np.array([1.0, 0.0])
    h = np.array([0.0, 1.0])  # certain and wrong: clipped to 1e-7, not infinite
    assert binary_cross_entropy(y, h) == pytest.approx(-math.log(1e-7), rel=1e-6)


def test_binary_cross_entropy_derivative_matches_central_differences():
    X, y = _rows_data(n=30, seed=1)
    theta = np.array([0.1, -0.3, 0.2, 0.05, -0.1])
    analytic = binary_cross_entropy_derivative(X, y, theta)
    assert analytic.shape == theta.shape
    numerical = compute_numerical_gradient(
        lambda t: binary_cross_entropy(y, sigmoid(X @ t)), theta.copy(), eps=1e-6
    )
    assert relative_error(analytic, numerical) < 1e-7


def test_binary_cross_entropy_derivative_formula():
    X, y = _rows_data(n=10, seed=2)
    theta = np.full(X.shape[1], 0.1)
    h = 1 / (1 + np.exp(-(X @ theta)))
    np.testing.assert_allclose(binary_cross_entropy_derivative(X, y, theta), X.T @ (h - y) / 10)


def test_accuracy_counts_h_above_one_half_as_class_1():
    y = np.array([1, 0, 1, 0])
    h = np.array([0.7, 0.5, 0.5, 0.1])  # 0.5 is class 0
    assert accuracy(y, h) == 0.75


def test_train_test_validation_split_is_the_seed_protocol():
    X = np.arange(200).reshape(100, 2)
    y = np.arange(100) % 2
    X_train, X_test, X_val, y_train, y_test, y_val = train_test_validation_split(X, y)
    assert (len(X_train), len(X_test), len(X_val)) == (60, 20, 20)
    train_idx, test_idx, val_idx = split_indices(100, 0.2, 0.2, seed=42)
    np.testing.assert_array_equal(X_train, X[train_idx])
    np.testing.assert_array_equal(X_test, X[test_idx])
    np.testing.assert_array_equal(X_val, X[val_idx])
    np.testing.assert_array_equal(y_train, y[train_idx])
    np.testing.assert_array_equal(y_test, y[test_idx])
    np.testing.assert_array_equal(y_val, y[val_idx])
    rows = np.concatenate([X_train[:, 0], X_test[:, 0], X_val[:, 0]]) // 2
    np.testing.assert_array_equal(np.sort(rows), np.arange(100))  # a partition


def test_train_test_validation_split_sizes():
    X, y = np.zeros((50, 3)), np.zeros(50)
    parts = train_test_validation_split(X, y, test_size=0.1, validation_size=0.3)
    assert [len(p) for p in parts] == [30, 5, 15, 30, 5, 15]


def test_logistic_regression_learns_and_returns_curves():
    X, y = _rows_data(n=200, seed=3)
    theta, train_losses, train_accs, val_losses, val_accs = logistic_regression(X, y, 0.5, 300)
    assert theta.shape == (X.shape[1],) and theta.dtype == np.float64
    for curve in (train_losses, train_accs, val_losses, val_accs):
        assert len(curve) == 300
    assert train_losses[0] == pytest.approx(math.log(2))  # theta = 0 before the first step
    assert train_accs[0] == accuracy(y[split_indices(200)[0]], np.full(120, 0.5))
    assert np.all(np.diff(train_losses) < 0)
    assert train_accs[-1] >= 0.95 and val_accs[-1] >= 0.9


def test_logistic_regression_records_train_before_and_validation_after_each_step():
    X, y = _rows_data(n=80, seed=4)
    X_train, _, X_val, y_train, _, y_val = train_test_validation_split(X, y)
    theta_2, *_ = logistic_regression(X, y, 0.3, 2)
    theta_3, train_losses, train_accs, val_losses, val_accs = logistic_regression(X, y, 0.3, 3)
    # step 3 (index 2): train figures with theta after 2 steps, validation after 3 steps
    assert train_losses[2] == binary_cross_entropy(y_train, sigmoid(X_train @ theta_2))
    assert train_accs[2] == accuracy(y_train, sigmoid(X_train @ theta_2))
    assert val_losses[2] == binary_cross_entropy(y_val, sigmoid(X_val @ theta_3))
    assert val_accs[2] == accuracy(y_val, sigmoid(X_val @ theta_3))
    assert val_losses[1] == binary_cross_entropy(y_val, sigmoid(X_val @ theta_2))


def test_logistic_regression_is_gradient_descent_from_zeros():
    X, y = _rows_data(n=50, seed=5)
    X_train, _, _, y_train, _, _ = train_test_validation_split(X, y)
    theta = np.zeros(X.shape[1])
    for _ in range(4):
        theta = theta - 0.2 * binary_cross_entropy_derivative(X_train, y_train, theta)
    np.testing.assert_allclose(logistic_regression(X, y, 0.2, 4)[0], theta, rtol=1e-15)
