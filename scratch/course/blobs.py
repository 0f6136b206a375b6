"""The course's logistic regression on two blobs, with the course's own step. Examples are
ROWS: ``X`` (n, 2), ``y`` (n,), ``w`` (2,), ``b`` a float::

    ŷ  = sigmoid(X w + b)
    dw = Xᵀ (ŷ − y)          SUMMED over the examples
    db = mean(ŷ − y)         averaged
    w −= lr dw;  b −= lr db

The summed ``dw`` is why the twins, whose SGD takes mean gradients, need the rate ``lr · n`` to
take the same ``w`` step (their ``b`` step is then n times the course's).
"""

from __future__ import annotations

import time

import numpy as np

from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy

__all__ = ["accuracy", "initial_weights", "train"]


def initial_weights(seed: int = 0) -> tuple[np.ndarray, float]:
    """w (2,) and b from a standard normal, ``RandomState(seed)``: w first, then b."""
    rng = np.random.RandomState(seed)
    return rng.randn(2), float(rng.randn())


def accuracy(w, b, X, y) -> float:
    return float(np.mean((sigmoid(X @ w + b) > 0.5) == y))


def train(X, y, X_test, y_test, w, b, epochs: int, learning_rate: float):
    """``epochs`` full-batch steps from ``(w, b)`` → ``(history, seconds)``.

    ``history[0]`` is the initial state (epoch 0); then per epoch the training loss and
    accuracy of the forward pass that computed the step (before the update, as Keras reports an
    epoch), and test loss, accuracy and ``(w1, w2, b)`` after it. ``seconds`` times the steps.
    """
    history = [{"epoch": 0, "w1": w[0], "w2": w[1], "b": b,
                "train_loss": float("nan"), "train_acc": float("nan"),
                "test_loss": binary_crossentropy(y_test, sigmoid(X_test @ w + b)),
                "test_acc": accuracy(w, b, X_test, y_test)}]
    seconds = 0.0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        yhat = sigmoid(X @ w + b)
        dw = X.T @ (yhat - y)
        db = np.mean(yhat - y)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        seconds += time.perf_counter() - t0
        history.append({
            "epoch": epoch, "w1": w[0], "w2": w[1], "b": float(b),
            "train_loss": binary_crossentropy(y, yhat),
            "train_acc": float(np.mean((yhat > 0.5) == y)),
            "test_loss": binary_crossentropy(y_test, sigmoid(X_test @ w + b)),
            "test_acc": accuracy(w, b, X_test, y_test),
        })
    return history, seconds
