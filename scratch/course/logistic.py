"""Course logistic regression, examples as COLUMNS.

The seed course's "Logistic Regression with a Neural Network mindset" assignment:
``X`` has shape (n_features, m), one example per column; ``Y`` has shape (1, m);
the weights ``w`` are a column of shape (n_features, 1) and the bias ``b`` a float.

The formulas are the core's: the sigmoid (:mod:`scratch.activations`), the cross-entropy
(:func:`scratch.losses.binary_crossentropy`, with ``epsilon=0`` to get the course's
unclipped cost) and the plain gradient step (:func:`scratch.optimizers.sgd_step`).
"""

from __future__ import annotations

import numpy as np

from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy
from scratch.optimizers import sgd_step

__all__ = ["initialize_with_zeros", "propagate", "optimize", "predict", "model"]


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """``(w (dim, 1) zeros, b 0.0)``."""
    return np.zeros((dim, 1), dtype=np.float64), 0.0


def _activation(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """``sigmoid(wᵀX + b)``, (1, m)."""
    return sigmoid(w.T @ X + b)


def propagate(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[dict, np.ndarray]:
    """``({"dw": X (A−Y)ᵀ / m, "db": Σ(A−Y) / m}, cost)`` with ``A = sigmoid(wᵀX + b)``; the
    cost is the mean cross-entropy, unclipped and a 0-d array as in the course."""
    m = X.shape[1]
    A = _activation(w, b, X)
    cost = np.squeeze(np.array(binary_crossentropy(Y, A, epsilon=0.0)))
    dZ = A - Y
    dw = X @ dZ.T / m
    db = float(np.sum(dZ) / m)
    return {"dw": dw, "db": db}, cost


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict, dict, list]:
    """Full-batch gradient descent on :func:`propagate` from a copy of ``(w, b)`` →
    ``({"w", "b"}, the last iteration's grads, costs)``, the costs at iterations 0, 100, ...
    (before that iteration's step; printed with ``print_cost``)."""
    w = np.array(w, dtype=np.float64)  # a copy: the caller's w is never touched
    b_slot = np.array(b, dtype=np.float64)  # 0-d array, so that sgd_step can update it in place
    grads: dict = {}
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, float(b_slot), X, Y)
        sgd_step(w, grads["dw"], learning_rate)
        sgd_step(b_slot, np.array(grads["db"]), learning_rate)
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {float(cost):f}")
    return {"w": w, "b": float(b_slot)}, grads, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """(1, m) of float 0/1: 1 where ``sigmoid(wᵀX + b) > 0.5`` (``w`` of any shape with
    n_features elements)."""
    w = np.reshape(w, (X.shape[0], 1))
    return (_activation(w, b, X) > 0.5).astype(np.float64)


def model(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_test: np.ndarray,
    Y_test: np.ndarray,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict:
    """:func:`optimize` from zeros, then :func:`predict` on both sets → the course's dict
    (``"costs"``, ``"Y_prediction_test"``, ``"Y_prediction_train"``, ``"w"``, ``"b"``,
    ``"learning_rate"``, ``"num_iterations"``)."""
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        train_accuracy = 100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100
        test_accuracy = 100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100
        print(f"train accuracy: {train_accuracy} %")
        print(f"test accuracy: {test_accuracy} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
