"""Course Fashion-MNIST logistic regression, examples as ROWS with a bias column.

The seed course's Fashion-MNIST notebook: ``X`` has shape (n, n_features), one example per
row; the bias is folded into the weights by prepending a column of ones to ``X``
(:func:`bias_trick`), so ``theta`` has shape (n_features + 1,) and ``h = sigmoid(X @ theta)``.

Formulas come from the core: the sigmoid (:mod:`scratch.activations`), the clipped
probability cross-entropy (:func:`scratch.losses.binary_crossentropy`), the seeded split
(:func:`scratch.splits.split_indices`, seed 42) and the gradient step
(:func:`scratch.optimizers.sgd_step`).
"""

from __future__ import annotations

import numpy as np

from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy
from scratch.optimizers import sgd_step
from scratch.splits import split_indices

__all__ = [
    "bias_trick",
    "binary_cross_entropy",
    "binary_cross_entropy_derivative",
    "accuracy",
    "train_test_validation_split",
    "logistic_regression",
]

SPLIT_SEED = 42  # the course's shuffling seed


def bias_trick(X: np.ndarray) -> np.ndarray:
    """(n, n_features) → (n, n_features + 1), column 0 all ones: the bias becomes
    ``theta[0]``."""
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])


def binary_cross_entropy(y: np.ndarray, h: np.ndarray) -> float:
    """Mean cross-entropy of probabilities ``h`` (n,), clipped to [1e-7, 1 - 1e-7] as Keras
    does for bare probabilities."""
    return binary_crossentropy(y, h)


def binary_cross_entropy_derivative(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``Xᵀ(h − y) / n`` with ``h = sigmoid(X theta)``: the gradient of the (unclipped) cost."""
    h = sigmoid(X @ theta)
    return X.T @ (h - y) / X.shape[0]


def accuracy(y: np.ndarray, h: np.ndarray) -> float:
    """Fraction of examples where ``h > 0.5`` agrees with ``y``."""
    return float(np.mean((h > 0.5) == y))


def train_test_validation_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.2, validation_size: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, X_test, X_val, y_train, y_test, y_val)``: shuffled with seed 42, then cut
    in that order (60/20/20 by default: the ``seed`` split protocol)."""
    train_idx, test_idx, val_idx = split_indices(
        len(X), test_size=test_size, validation_size=validation_size, seed=SPLIT_SEED
    )
    return X[train_idx], X[test_idx], X[val_idx], y[train_idx], y[test_idx], y[val_idx]


def logistic_regression(
    X: np.ndarray, y: np.ndarray, learning_rate: float, num_steps: int
) -> tuple[np.ndarray, list, list, list, list]:
    """Full-batch gradient descent from zeros → ``(theta, train_losses, train_accuracies,
    val_losses, val_accuracies)``, one figure per step.

    As in the notebook, ``X`` (bias column included) and ``y`` are the whole labelled set,
    split here (the test part unused). Each step is one Keras epoch of
    ``fit(batch_size=n_train)`` and is recorded as Keras records it: the train figures from the
    forward pass that computes the step (``theta`` BEFORE the update), the validation figures
    after the update.
    """
    X_train, _, X_val, y_train, _, y_val = train_test_validation_split(X, y)
    theta = np.zeros(X.shape[1], dtype=np.float64)
    train_losses, train_accuracies, val_losses, val_accuracies = [], [], [], []
    for _ in range(num_steps):
        h_train = sigmoid(X_train @ theta)
        train_losses.append(binary_cross_entropy(y_train, h_train))
        train_accuracies.append(accuracy(y_train, h_train))
        sgd_step(theta, binary_cross_entropy_derivative(X_train, y_train, theta), learning_rate)
        h_val = sigmoid(X_val @ theta)
        val_losses.append(binary_cross_entropy(y_val, h_val))
        val_accuracies.append(accuracy(y_val, h_val))
    return theta, train_losses, train_accuracies, val_losses, val_accuracies
