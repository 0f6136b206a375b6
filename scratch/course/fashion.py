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

SPLIT_SEED = 42
"""The course's shuffling seed for :func:`train_test_validation_split`."""


def bias_trick(X: np.ndarray) -> np.ndarray:
    """Prepend a column of ones to ``X`` so that the bias becomes ``theta[0]``.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)

    Returns
    -------
    ndarray of shape (n, n_features + 1)
        Column 0 is all ones (in ``X``'s dtype).
    """
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])


def binary_cross_entropy(y: np.ndarray, h: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities ``h`` against labels ``y``.

    ``h`` is clipped to [1e-7, 1 - 1e-7] first — the core's probability form
    (:func:`scratch.losses.binary_crossentropy`), as Keras does for bare probabilities.

    Parameters
    ----------
    y : ndarray of shape (n,), labels 0 or 1
    h : ndarray of shape (n,), predicted probabilities of class 1

    Returns
    -------
    float
    """
    return binary_crossentropy(y, h)


def binary_cross_entropy_derivative(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy` with respect to ``theta``: ``Xᵀ(h − y) / n``.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
        Bias column included (see :func:`bias_trick`).
    y : ndarray of shape (n,)
    theta : ndarray of shape (n_features,)

    Returns
    -------
    ndarray of shape (n_features,)
    """
    h = sigmoid(X @ theta)
    return X.T @ (h - y) / X.shape[0]


def accuracy(y: np.ndarray, h: np.ndarray) -> float:
    """Fraction of examples where ``h > 0.5`` agrees with the label ``y``.

    Parameters
    ----------
    y : ndarray of shape (n,), labels 0 or 1
    h : ndarray of shape (n,), predicted probabilities of class 1

    Returns
    -------
    float in [0, 1]
    """
    return float(np.mean((h > 0.5) == y))


def train_test_validation_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.2, validation_size: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with seed 42, then cut into train, test and validation parts, in that order.

    With the defaults: 60% train, 20% test, 20% validation (the ``seed`` split protocol).

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
    y : ndarray of shape (n,)
    test_size, validation_size : float, default 0.2
        Fractions of ``n``.

    Returns
    -------
    X_train, X_test, X_val : ndarray of shape (n_train | n_test | n_val, n_features)
    y_train, y_test, y_val : ndarray of shape (n_train | n_test | n_val,)
    """
    train_idx, test_idx, val_idx = split_indices(
        len(X), test_size=test_size, validation_size=validation_size, seed=SPLIT_SEED
    )
    return X[train_idx], X[test_idx], X[val_idx], y[train_idx], y[test_idx], y[val_idx]


def logistic_regression(
    X: np.ndarray, y: np.ndarray, learning_rate: float, num_steps: int
) -> tuple[np.ndarray, list, list, list, list]:
    """Full-batch gradient descent on logistic regression, with train and validation curves.

    As in the notebook, ``X`` and ``y`` are the whole labelled set: they are split here by
    :func:`train_test_validation_split` (seed 42, 60/20/20); the test part is not used.
    ``theta`` starts at zeros. Each of the ``num_steps`` steps is one Keras epoch of
    ``fit(batch_size=n_train)``, and its four figures are recorded the way Keras records them:

    - train loss and accuracy come from the forward pass that computes the step's gradient,
      i.e. with ``theta`` BEFORE that step's update;
    - validation loss and accuracy are measured AFTER that step's update (end of the epoch).

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
        All examples, bias column included (see :func:`bias_trick`).
    y : ndarray of shape (n,), labels 0 or 1
    learning_rate : float
    num_steps : int
        Number of gradient-descent steps (epochs).

    Returns
    -------
    theta : ndarray of shape (n_features,), float64
        The weights after the last step (``theta[0]`` is the bias).
    train_losses, train_accuracies, val_losses, val_accuracies : list of float
        One entry per step, each of length ``num_steps``.
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
